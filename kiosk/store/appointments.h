/* Appointments: the schedule imported from a JSON file (format in the
 * README), stored in SQLite, looked up by the code from the confirmation
 * e-mail. Codes are compared in constant time. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "appointment.h"

#define APPOINTMENTS_ERROR (appointments_error_quark())
GQuark appointments_error_quark(void);

typedef enum {
  APPOINTMENTS_ERROR_JSON,      /* not JSON; message has line and column */
  APPOINTMENTS_ERROR_SCHEMA,    /* unknown, missing or repeated key, wrong
                                   type, bad value */
  APPOINTMENTS_ERROR_DUPLICATE, /* a code twice, in the file or the store */
  APPOINTMENTS_ERROR_DB,
  APPOINTMENTS_ERROR_LIMIT, /* larger or nested deeper than the limits */
} AppointmentsError;

/* A day's schedule for one desk is a few hundred appointments, well under
 * 1 MiB: a larger file or text is refused before it is read or parsed. */
#define APPOINTMENTS_MAX_BYTES (4 * 1024 * 1024)
/* The format nests five levels deep (schedule, appointments, appointment,
 * persons, person). Deeper input is refused before json-glib sees it: its
 * parser recurses once per level, and 100,000 '[' overflow the stack. */
#define APPOINTMENTS_MAX_DEPTH 16

/* Creates the tables when absent. */
gboolean appointments_init(sqlite3 *db, GError **error);

/* Parses and validates the whole file, then inserts every appointment in one
 * transaction; on any error nothing is imported. The file must be a regular
 * file of at most APPOINTMENTS_MAX_BYTES (a FIFO or a device is refused
 * without waiting on it, G_FILE_ERROR_INVAL). Error messages name the file,
 * the appointment and the key, never a value from the file. */
gboolean appointments_import_file(sqlite3 *db, const char *path,
                                  guint *ret_count, GError **error);
gboolean appointments_import_data(sqlite3 *db, const char *json, gssize len,
                                  guint *ret_count, GError **error);

/* The same, with every appointment moved by one whole number of days so
 * that the earliest falls on `shift_to`'s local date (NULL: no move); each
 * keeps its wall-clock time in the kiosk's time zone. For training and
 * trying the kiosk by hand with a schedule of fixed dates
 * (config/sample-schedule.json). A person born after the shifted day is
 * APPOINTMENTS_ERROR_SCHEMA. */
gboolean appointments_import_file_shifted(sqlite3 *db, const char *path,
                                          GDateTime *shift_to, guint *ret_count,
                                          GError **error);
gboolean appointments_import_data_shifted(sqlite3 *db, const char *json,
                                          gssize len, GDateTime *shift_to,
                                          guint *ret_count, GError **error);

/* The appointment with that code, or NULL without error when there is none.
 * The comparison takes the same time wherever a code differs. */
Appointment *appointments_lookup(sqlite3 *db, const char *code, GError **error);

/* Every stored appointment (Appointment*, with persons), ordered by start
 * time; free with g_ptr_array_unref. For the technician's list, which shows
 * no personal data. NULL and `error` on a database error. */
GPtrArray *appointments_list(sqlite3 *db, GError **error);
