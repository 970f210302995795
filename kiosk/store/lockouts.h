/* The lockouts after too many wrong attempts (appointment codes, officer
 * PINs), kept in the kiosk database next to the audit log so that a restart
 * does not reset them. The store keeps what the session counts; the end of
 * a lockout is wall-clock time here (the session's clock is monotonic and
 * starts anew with the process: the runtime converts). No personal data.
 * Threads: as the connection. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

/* Names of the lockouts (the key column). */
#define LOCKOUTS_CHECKIN     "checkin"
#define LOCKOUTS_OFFICER_PIN "officer_pin"

typedef struct {
  int failures;        /* wrong attempts in the current series */
  gint64 locked_until; /* unix microseconds; 0 = not locked */
} StoredLockout;

/* Creates the table when absent. Idempotent. */
gboolean lockouts_init(sqlite3 *db, GError **error);

/* The lockout called `name`; all zeros when none was saved. */
gboolean lockouts_load(sqlite3 *db, const char *name, StoredLockout *ret,
                       GError **error);

/* Saves (replaces) the lockout called `name`, durably before returning
 * (its own transaction unless the caller has one open). */
gboolean lockouts_save(sqlite3 *db, const char *name,
                       const StoredLockout *lockout, GError **error);
