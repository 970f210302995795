/* The lockouts after too many wrong attempts (appointment codes, officer
 * PINs), kept in the kiosk database next to the audit log so that a restart
 * does not reset them. The store keeps what the session counts; the end of
 * a lockout is wall-clock time here (the session's clock is monotonic and
 * starts anew with the process: the runtime converts). No personal data.
 * Threads: as the connection. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

/* Names of the lockouts (the key column). LOCKOUTS_OFFICER_PIN is the
 * bootstrap PIN's (and unknown officer ids'); each named officer has their
 * own, LOCKOUTS_OFFICER_PREFIX and their id (docs/officers.md). */
#define LOCKOUTS_CHECKIN        "checkin"
#define LOCKOUTS_OFFICER_PIN    "officer_pin"
#define LOCKOUTS_OFFICER_PREFIX "officer_pin:"

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

/* The name of officer `id`'s lockout (LOCKOUTS_OFFICER_PREFIX and the id),
 * or LOCKOUTS_OFFICER_PIN for "" (the bootstrap PIN). Free it. */
char *lockouts_officer_name(const char *id);

/* Calls `func` with the id and lockout of every named officer that has one
 * saved, in id order. */
typedef void (*LockoutsOfficerFunc)(const char *id,
                                    const StoredLockout *lockout,
                                    gpointer user_data);
gboolean lockouts_each_officer(sqlite3 *db, LockoutsOfficerFunc func,
                               gpointer user_data, GError **error);
