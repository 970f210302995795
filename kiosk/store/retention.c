/* Retention of appointment rows (retention.h). An appointment's day is the
 * date its start was written with, in the schedule's own UTC offset: the
 * day the applicant was expected at this desk. */
#include "retention.h"

#include "audit.h"
#include "db.h"

/* Appointments past their day plus ?1 days, with ?2 today's date. */
#define RETENTION_EXPIRED                                                      \
  "date(substr(start, 1, 10), printf('+%d days', ?1)) < ?2"

/* Runs one statement over the expired appointments: a count into
 * *ret_count, or (ret_count NULL) a delete. */
static gboolean retention_run(sqlite3 *db, const char *sql, int days,
                              const char *today, guint *ret_count,
                              GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return db_fail(db, "retention", error);
  sqlite3_bind_int(stmt, 1, days);
  sqlite3_bind_text(stmt, 2, today, -1, SQLITE_STATIC);
  rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW && ret_count)
    *ret_count = (guint)sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  if (rc != (ret_count ? SQLITE_ROW : SQLITE_DONE))
    return db_fail(db, "retention", error);
  return TRUE;
}

/* Inside the caller's transaction: counts, deletes (persons first, so that
 * nothing depends on foreign keys being on) and audits. */
static gboolean retention_appointments(sqlite3 *db, int days, const char *today,
                                       gint64 now_us, RetentionReport *report,
                                       GError **error)
{
  g_autofree char *details = NULL;

  if (!retention_run(
          db, "SELECT count(*) FROM appointment WHERE " RETENTION_EXPIRED, days,
          today, &report->appointments_deleted, error) ||
      !retention_run(db,
                     "SELECT count(*) FROM appointment_person WHERE "
                     "appointment_id IN (SELECT id FROM appointment "
                     "WHERE " RETENTION_EXPIRED ")",
                     days, today, &report->persons_deleted, error))
    return FALSE;
  if (report->appointments_deleted == 0)
    return TRUE;
  if (!retention_run(db,
                     "DELETE FROM appointment_person WHERE appointment_id "
                     "IN (SELECT id FROM appointment WHERE " RETENTION_EXPIRED
                     ")",
                     days, today, NULL, error) ||
      !retention_run(db, "DELETE FROM appointment WHERE " RETENTION_EXPIRED,
                     days, today, NULL, error))
    return FALSE;
  /* Counts and the rule only: the log outlives the rows it speaks of. */
  details = g_strdup_printf("appointments=%u persons=%u before=%s days=%d",
                            report->appointments_deleted,
                            report->persons_deleted, today, days);
  return audit_append(db, now_us, AUDIT_ACTOR_KIOSK,
                      "retention.appointments_deleted", details, NULL, error);
}

gboolean retention_apply(sqlite3 *db, const RetentionPolicy *policy,
                         GDateTime *now, RetentionReport *ret_report,
                         GError **error)
{
  g_autofree char *today = NULL;
  RetentionReport report = {0};
  gint64 now_us;

  g_return_val_if_fail(db != NULL && policy != NULL && now != NULL, FALSE);
  g_return_val_if_fail(policy->appointment_days >= 0, FALSE);

  today = g_date_time_format(now, "%Y-%m-%d");
  if (!db_exec(db, "BEGIN IMMEDIATE", error))
    return FALSE;
  now_us = g_date_time_to_unix(now) * G_USEC_PER_SEC +
           g_date_time_get_microsecond(now);
  if (!retention_appointments(db, policy->appointment_days, today, now_us,
                              &report, error) ||
      !db_exec(db, "COMMIT", error)) {
    db_exec(db, "ROLLBACK", NULL);
    return FALSE;
  }
  /* secure_delete zeroed the rows in the pages now in the WAL; the WAL's
   * older frames still hold them until a checkpoint copies the new pages
   * home and TRUNCATE empties the file. Tried at every run, so that a WAL
   * a reader held last time is emptied now; never where the checkpoint
   * would grow the database on a full disk. */
  if (!db_checkpoint_in_place(db, TRUE)) {
    g_debug("retention: the WAL stays until the next run");
    report.wal_kept = TRUE;
  }
  if (ret_report)
    *ret_report = report;
  return TRUE;
}
