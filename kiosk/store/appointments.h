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
  APPOINTMENTS_ERROR_SCHEMA,    /* unknown key, missing key, wrong type */
  APPOINTMENTS_ERROR_DUPLICATE, /* a code twice, in the file or the store */
  APPOINTMENTS_ERROR_DB,
} AppointmentsError;

/* Creates the tables when absent. */
gboolean appointments_init(sqlite3 *db, GError **error);

/* Parses and validates the whole file, then inserts every appointment in one
 * transaction; on any error nothing is imported. */
gboolean appointments_import_file(sqlite3 *db, const char *path,
                                  guint *ret_count, GError **error);
gboolean appointments_import_data(sqlite3 *db, const char *json, gssize len,
                                  guint *ret_count, GError **error);

/* The appointment with that code, or NULL without error when there is none.
 * The comparison takes the same time wherever a code differs. */
Appointment *appointments_lookup(sqlite3 *db, const char *code, GError **error);

/* Every stored appointment (Appointment*, with persons), ordered by start
 * time; free with g_ptr_array_unref. For the technician's list, which shows
 * no personal data. NULL and `error` on a database error. */
GPtrArray *appointments_list(sqlite3 *db, GError **error);
