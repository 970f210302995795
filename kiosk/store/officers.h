/* The officers table (docs/officers.md): who may open officer mode, each a
 * pseudonymous id (officer.h: 3 to 10 digits) with an argon2id hash of
 * their PIN (libsodium crypto_pwhash_str) and an optional role. Imported
 * whole from a JSON file by `biokiosk officers import`, like the schedule:
 * the file is checked completely first, then replaces the table in one
 * transaction; on any error nothing changes. Error messages name the file,
 * the officer and the key, never a hash. Threads: as the connection. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "officer.h"

#define OFFICERS_ERROR (officers_error_quark())
GQuark officers_error_quark(void);

typedef enum {
  OFFICERS_ERROR_JSON,      /* not JSON, or nested too deep */
  OFFICERS_ERROR_SCHEMA,    /* unknown, missing or repeated key, wrong type,
                               bad value (id, hash, role) */
  OFFICERS_ERROR_DUPLICATE, /* an id twice in the file */
  OFFICERS_ERROR_LIMIT,     /* larger than the limits below */
} OfficersError;

/* A desk has tens of officers; a file is a few KiB. */
#define OFFICERS_MAX_BYTES (256 * 1024)
#define OFFICERS_MAX       1000
#define OFFICERS_ROLE_MAX  32

/* Creates the table when absent. Idempotent. */
gboolean officers_init(sqlite3 *db, GError **error);

/* Checks the whole file (a regular file of at most OFFICERS_MAX_BYTES),
 * then replaces the table with its officers. `ret_count`: how many. */
gboolean officers_import_file(sqlite3 *db, const char *path, guint *ret_count,
                              GError **error);
/* The same for JSON text; `source` names it in messages. */
gboolean officers_import_data(sqlite3 *db, const char *source, const char *json,
                              gssize len, guint *ret_count, GError **error);

/* The officers' ids (char *), in order; NULL and `error` on a database
 * error. */
GPtrArray *officers_list(sqlite3 *db, GError **error);

/* How many officers there are (0: the bootstrap PIN opens officer mode). */
gboolean officers_count(sqlite3 *db, guint *ret_count, GError **error);

/* The PIN hash of officer `id`; NULL without error when there is none. */
char *officers_pin_hash(sqlite3 *db, const char *id, GError **error);

/* Checks officer `id`'s PIN against their hash (argon2id; a few tenths of
 * a second). An unknown id costs the same: its PIN is checked against
 * `decoy_hash` (any valid hash) and the answer is OFFICER_PIN_UNKNOWN, so
 * the time taken does not tell which ids exist. A database error counts as
 * a wrong PIN, with a warning. */
OfficerPinVerdict officers_check_pin(sqlite3 *db, const char *id,
                                     const char *pin, const char *decoy_hash);

/* officers_check_pin() after the lookup: `hash` is the officer's
 * (officers_pin_hash()), NULL for an unknown id, which is checked against
 * `decoy_hash` for the same cost. No database: any thread (the runtime
 * runs it on a worker, docs/officers.md). */
OfficerPinVerdict officers_verify_pin(const char *hash, const char *decoy_hash,
                                      const char *pin);

/* Whether the table holds one of the demo's officers (config/
 * demo-officers.json: same id, same hash), whose PINs anyone can read in
 * the documentation: a real kiosk warns about it. */
gboolean officers_include_demo(sqlite3 *db, gboolean *ret_demo, GError **error);
