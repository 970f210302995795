/* Retention: how long the kiosk keeps personal data that has served its
 * purpose. Appointment rows (names, dates of birth) go once their day has
 * passed plus a configured number of days. The deletion is audited with
 * counts only, and the freed bytes are overwritten (SQLite's
 * secure_delete) and the WAL emptied, so that no copy of a name stays in
 * the database's files.
 *
 * The policy is the configuration's [retention] group. Runs on the
 * connection's thread; the kiosk runs it at start-up and once an hour. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

typedef struct {
  /* Appointments whose day is more than this many days before today are
   * deleted, with their persons; 0 deletes them the day after. */
  int appointment_days;
} RetentionPolicy;

typedef struct {
  guint appointments_deleted;
  guint persons_deleted;
  /* The WAL could not be emptied (a reader held it, or the checkpoint
   * would have grown the database on a full disk): deleted rows' old
   * pages may stay in the -wal file until a later run. */
  gboolean wal_kept;
} RetentionReport;

/* Applies `policy` at `now` (its date, in its time zone, is "today"),
 * appending one audit entry ("retention.appointments_deleted", counts
 * only) in the same transaction when anything was deleted; the audit log
 * must be attached (audit_init()). Then empties the WAL when it can (every
 * run, see wal_kept). The deletion is all or nothing. DB_ERROR on
 * failure. */
gboolean retention_apply(sqlite3 *db, const RetentionPolicy *policy,
                         GDateTime *now, RetentionReport *ret_report,
                         GError **error);
