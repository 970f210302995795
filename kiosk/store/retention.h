/* Retention: how long the kiosk keeps personal data that has served its
 * purpose. Appointment rows (names, dates of birth) go once their day has
 * passed plus a configured number of days. A record the back office has
 * not acknowledged after unacked_days is alarmed (the officer's footer and
 * an audit entry), and deleted unacked_grace_days later, audited by its id
 * only. Audit entries older than audit_days go once a delivered heartbeat
 * checkpoint covers them (heartbeat.h), with the chain kept verifiable
 * (audit_prune()). Deletions are audited with counts or ids only, and the
 * freed bytes are overwritten (SQLite's secure_delete) and the WAL
 * emptied, so that no copy stays in the database's files.
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
  /* A record still unacknowledged this many days after it was stored is
   * alarmed; 0: never. */
  int unacked_days;
  /* ... and deleted this many days after the alarm (0: at the alarm). */
  int unacked_grace_days;
  /* Audit entries older than this many days are deleted once a checkpoint
   * the back office acknowledged covers them; 0: kept. */
  int audit_days;
} RetentionPolicy;

typedef struct {
  guint appointments_deleted;
  guint persons_deleted;
  /* Unacknowledged records past unacked_days that are still there: the
   * officer's footer shows them. */
  guint records_overdue;
  guint records_alarmed; /* newly, in this run (one audit entry each) */
  guint records_deleted; /* past unacked_days + unacked_grace_days */
  guint audit_deleted;   /* audit entries pruned */
  /* The WAL could not be emptied (a reader held it, or the checkpoint
   * would have grown the database on a full disk): deleted rows' old
   * pages may stay in the -wal file until a later run. */
  gboolean wal_kept;
} RetentionReport;

/* Applies `policy` at `now` (its date, in its time zone, is "today"),
 * appending one audit entry ("retention.appointments_deleted", counts
 * only) in the same transaction when anything was deleted; per record
 * RETENTION_EVENT_OVERDUE when it is alarmed and RETENTION_EVENT_DELETED
 * ("id=<id>") when it is deleted; and audit_prune()'s entry. The audit
 * log must be attached (audit_init()); the queue's table must exist when
 * unacked_days is set. Then empties the WAL when it can (every run, see
 * wal_kept). All or nothing. DB_ERROR on failure. */
#define RETENTION_EVENT_OVERDUE "retention.record_overdue"
#define RETENTION_EVENT_DELETED "retention.record_deleted"

gboolean retention_apply(sqlite3 *db, const RetentionPolicy *policy,
                         GDateTime *now, RetentionReport *ret_report,
                         GError **error);
