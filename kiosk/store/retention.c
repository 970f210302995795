/* Retention (retention.h) of appointment rows, unacknowledged records and
 * audit entries. An appointment's day is the date its start was written
 * with, in the schedule's own UTC offset: the day the applicant was
 * expected at this desk. A record's age counts from when it was stored. */
#include "retention.h"

#include "audit.h"
#include "db.h"
#include "heartbeat.h"

#define RETENTION_DAY_S ((gint64)86400)

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

/* Runs `sql` with ?1 = `number` and ?2 = `text` (may be NULL): the ids
 * in its first column into `ret_ids` when given, else the statement's
 * single integer into *ret_count when given. */
static gboolean retention_query(sqlite3 *db, const char *sql, gint64 number,
                                const char *text, GPtrArray *ret_ids,
                                gint64 *ret_count, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return db_fail(db, "retention", error);
  sqlite3_bind_int64(stmt, 1, number);
  sqlite3_bind_text(stmt, 2, text, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (ret_ids)
      g_ptr_array_add(ret_ids,
                      g_strdup((const char *)sqlite3_column_text(stmt, 0)));
    else if (ret_count)
      *ret_count = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE)
    return db_fail(db, "retention", error);
  return TRUE;
}

/* Deletes the records stored before `before` (unix seconds), each with
 * an entry that names its id only. */
static gboolean retention_delete_records(sqlite3 *db, gint64 before,
                                         gint64 now_us, RetentionReport *report,
                                         GError **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);

  if (!retention_query(db, "SELECT id FROM queue_records WHERE created < ?1",
                       before, NULL, ids, NULL, error))
    return FALSE;
  for (guint i = 0; i < ids->len; i++) {
    g_autofree char *details = g_strdup_printf("id=%s", (char *)ids->pdata[i]);

    if (!retention_query(db,
                         "DELETE FROM queue_records WHERE id = ?2 AND ?1 = ?1",
                         0, ids->pdata[i], NULL, NULL, error) ||
        !audit_append(db, now_us, AUDIT_ACTOR_KIOSK, RETENTION_EVENT_DELETED,
                      details, NULL, error))
      return FALSE;
    report->records_deleted++;
  }
  return TRUE;
}

/* Alarms, once each, the records stored before `before`; counts them all
 * into report->records_overdue. */
static gboolean retention_alarm_records(sqlite3 *db, gint64 before, int days,
                                        gint64 now_us, RetentionReport *report,
                                        GError **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
  gint64 overdue = 0;

  if (!retention_query(db,
                       "SELECT id FROM queue_records WHERE created < ?1 AND "
                       "id NOT IN (SELECT record_id FROM retention_alarm)",
                       before, NULL, ids, NULL, error))
    return FALSE;
  for (guint i = 0; i < ids->len; i++) {
    g_autofree char *details =
        g_strdup_printf("id=%s days=%d", (char *)ids->pdata[i], days);

    if (!retention_query(db,
                         "INSERT INTO retention_alarm (record_id, alarmed) "
                         "VALUES (?2, ?1)",
                         now_us, ids->pdata[i], NULL, NULL, error) ||
        !audit_append(db, now_us, AUDIT_ACTOR_KIOSK, RETENTION_EVENT_OVERDUE,
                      details, NULL, error))
      return FALSE;
    report->records_alarmed++;
  }
  if (!retention_query(db,
                       "SELECT count(*) FROM queue_records WHERE created < ?1",
                       before, NULL, NULL, &overdue, error))
    return FALSE;
  report->records_overdue = (guint)overdue;
  return TRUE;
}

/* Inside the caller's transaction: unacknowledged records past the
 * policy's days are deleted (past the grace) or alarmed. */
static gboolean retention_records(sqlite3 *db, const RetentionPolicy *policy,
                                  gint64 now_us, RetentionReport *report,
                                  GError **error)
{
  gint64 now_s = now_us / G_USEC_PER_SEC;
  gint64 alarm_before = now_s - policy->unacked_days * RETENTION_DAY_S;
  gint64 delete_before =
      alarm_before - policy->unacked_grace_days * RETENTION_DAY_S;

  if (policy->unacked_days == 0)
    return TRUE;
  /* Alarms of records that have gone since (acknowledged, purged). */
  return db_exec(db,
                 "CREATE TABLE IF NOT EXISTS retention_alarm ("
                 "  record_id TEXT PRIMARY KEY,"
                 "  alarmed INTEGER NOT NULL);"
                 "DELETE FROM retention_alarm WHERE record_id NOT IN "
                 "(SELECT id FROM queue_records);",
                 error) &&
         retention_delete_records(db, delete_before, now_us, report, error) &&
         retention_alarm_records(db, alarm_before, policy->unacked_days, now_us,
                                 report, error) &&
         db_exec(db,
                 "DELETE FROM retention_alarm WHERE record_id NOT IN "
                 "(SELECT id FROM queue_records);",
                 error);
}

/* Inside the caller's transaction: audit entries older than the policy's
 * days, up to the head of the newest acknowledged checkpoint. */
static gboolean retention_audit(sqlite3 *db, const RetentionPolicy *policy,
                                gint64 now_us, RetentionReport *report,
                                GError **error)
{
  gint64 acknowledged = 0, made = 0, through = 0;
  g_autofree char *sql = NULL;

  if (policy->audit_days == 0)
    return TRUE;
  if (!heartbeat_acknowledged(db, &acknowledged, &made, error))
    return FALSE;
  if (acknowledged == 0)
    return TRUE; /* no checkpoint covers anything yet */
  /* The oldest entries up to the first one younger than the limit (a
   * clock set back does not make a younger entry go), and never past what
   * the acknowledged checkpoint covers. */
  sql = g_strdup_printf(
      "SELECT min(%" G_GINT64_FORMAT ", coalesce((SELECT min(seq) FROM "
      "audit_log WHERE time >= ?1) - 1, (SELECT max(seq) FROM audit_log), 0))",
      acknowledged);
  if (!retention_query(db, sql,
                       now_us - policy->audit_days * RETENTION_DAY_S *
                                    G_USEC_PER_SEC,
                       NULL, NULL, &through, error))
    return FALSE;
  if (through == 0)
    return TRUE;
  return audit_prune(db, through, now_us, &report->audit_deleted, error);
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
  g_return_val_if_fail(policy->unacked_days >= 0 &&
                           policy->unacked_grace_days >= 0 &&
                           policy->audit_days >= 0,
                       FALSE);

  today = g_date_time_format(now, "%Y-%m-%d");
  if (!db_exec(db, "BEGIN IMMEDIATE", error))
    return FALSE;
  now_us = g_date_time_to_unix(now) * G_USEC_PER_SEC +
           g_date_time_get_microsecond(now);
  if (!retention_appointments(db, policy->appointment_days, today, now_us,
                              &report, error) ||
      !retention_records(db, policy, now_us, &report, error) ||
      !retention_audit(db, policy, now_us, &report, error) ||
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
