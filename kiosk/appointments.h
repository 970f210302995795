/* Appointments: the schedule imported from a JSON file (format in the
 * README), stored in SQLite, looked up by the code from the confirmation
 * e-mail. Codes are compared in constant time. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#define APPOINTMENTS_ERROR (appointments_error_quark())
GQuark appointments_error_quark(void);

typedef enum {
  APPOINTMENTS_ERROR_JSON,      /* not JSON; message has line and column */
  APPOINTMENTS_ERROR_SCHEMA,    /* unknown key, missing key, wrong type */
  APPOINTMENTS_ERROR_DUPLICATE, /* a code twice, in the file or the store */
  APPOINTMENTS_ERROR_DB,
} AppointmentsError;

/* Where the IND's usable biometrics of a person came from, if anywhere. */
typedef enum {
  PRIOR_NONE,    /* nothing usable: capture */
  PRIOR_ON_FILE, /* the IND holds usable biometrics */
  PRIOR_ABROAD,  /* taken at a Dutch representation abroad */
  PRIOR_ASYLUM,  /* taken by police/KMar in the asylum procedure */
} PriorBiometrics;

/* Fingerprint policy from the appointment; the officer decides at the desk. */
typedef enum {
  FP_POLICY_AGE,      /* default: by the configured age limits */
  FP_POLICY_REQUIRED, /* take them regardless of the recapture ages */
  FP_POLICY_NONE,     /* photo and signature only (e.g. some EU/EEA/Swiss) */
} FingerprintPolicy;

typedef struct {
  char *name;
  char *date_of_birth; /* "YYYY-MM-DD" */
  char *document_type; /* "residence_permit", "eu_residence_document",
                          "w_document", ... (free text, shown) */
  PriorBiometrics prior;
  gboolean first_permit; /* first residence permit (matters for ABROAD and
                            ASYLUM) */
  FingerprintPolicy fingerprints;
} Person;

typedef struct {
  char *code;
  char *location_id;
  char *location_name; /* for "go to ..." when it is another location */
  GDateTime *start;
  GPtrArray *persons; /* Person*, owned */
} Appointment;

void appointment_free(Appointment *appointment); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Appointment, appointment_free)

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
