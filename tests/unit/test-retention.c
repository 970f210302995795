/* kiosk/store/retention.c: appointment rows go once their day (in the
 * schedule's own offset) is more than [retention] appointment_days past;
 * the deletion is audited with counts only, is all or nothing, and leaves
 * no copy of a deleted name in the database, its WAL or its shared-memory
 * file. Unacknowledged records are alarmed at unacked_days and deleted
 * (audited by id only) after the grace; audit entries past audit_days go
 * only once an acknowledged heartbeat checkpoint covers them, the chain
 * still verifies, and neither leaves its bytes in the files. */
#include <glib/gstdio.h>
#include <string.h>

#include "appointments.h"
#include "audit.h"
#include "db.h"
#include "heartbeat.h"
#include "queue.h"
#include "retention.h"
#include "testlib.h"
#include "transport.h"

/* A name no other file of the test holds; found byte for byte or not. */
#define CANARY "Quintessa Canarywood"

#define PERSON(name)                                                           \
  "{\"name\":\"" name "\",\"date_of_birth\":\"1990-01-01\","                   \
  "\"document_type\":\"residence_permit\",\"prior_biometrics\":\"none\","      \
  "\"first_permit\":true,\"fingerprints\":\"age\"}"
#define APPOINTMENT(code, start, persons)                                      \
  "{\"code\":\"" code "\",\"location_id\":\"IND-ZWL\","                        \
  "\"location_name\":\"IND desk Zwolle\",\"start\":\"" start "\","             \
  "\"persons\":[" persons "]}"

/* 27 November twice (the second one late in the evening at UTC-5, which is
 * already the 28th in UTC), the 28th and the 29th. */
static const char schedule[] =
    "{\"version\":1,\"appointments\":[" APPOINTMENT("11111111", "2026-11-27T10:30:00+01:00", PERSON(CANARY) "," PERSON("Youssef Haddad")) "," APPOINTMENT(
        "22222222", "2026-11-27T23:30:00-05:00",
        PERSON(
            "Mila de Vries")) "," APPOINTMENT("33333333",
                                              "2026-11-28T09:00:00+01:00",
                                              PERSON(
                                                  "Ana Pereira")) "," APPOINTMENT("44444444",
                                                                                  "2026-11-29T09:00:00+01:00",
                                                                                  PERSON(
                                                                                      "Tomas Novak")) "]}";

typedef struct {
  char *dir;
  char *path;
  sqlite3 *db;
} Rig;

static void rig_setup(Rig *r, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  guint count = 0;

  r->dir = testlib_mkdtemp();
  r->path = g_build_filename(r->dir, "kiosk.db", NULL);
  r->db = db_open(r->path, &error);
  g_assert_no_error(error);
  g_assert_true(appointments_init(r->db, &error));
  g_assert_true(audit_init(r->db, r->dir, &error));
  g_assert_no_error(error);
  g_assert_true(appointments_import_data(r->db, schedule, -1, &count, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(count, ==, 4);
}

static void rig_teardown(Rig *r, gconstpointer data)
{
  db_close(r->db);
  testlib_rmtree(r->dir);
  g_free(r->path);
  g_free(r->dir);
}

static int count_rows(sqlite3 *db, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  int n;

  g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  return n;
}

static gboolean has_code(sqlite3 *db, const char *code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Appointment) appointment = appointments_lookup(db, code, &error);

  g_assert_no_error(error);
  return appointment != NULL;
}

static RetentionReport apply_at(sqlite3 *db, const char *iso, int days)
{
  g_autoptr(GDateTime) now = g_date_time_new_from_iso8601(iso, NULL);
  const RetentionPolicy policy = {.appointment_days = days};
  g_autoptr(GError) error = NULL;
  RetentionReport report = {0};

  g_assert_nonnull(now);
  g_assert_true(retention_apply(db, &policy, now, &report, &error));
  g_assert_no_error(error);
  return report;
}

/* The last audit entry's event and details. */
static AuditEntry *last_entry(sqlite3 *db)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = audit_list(db, 0, 0, &error);

  g_assert_no_error(error);
  g_assert_cmpuint(entries->len, >, 0);
  return g_ptr_array_steal_index(entries, entries->len - 1);
}

static void test_day_boundary(Rig *r, gconstpointer data)
{
  g_autoptr(AuditEntry) entry = NULL;
  g_autoptr(GError) error = NULL;
  RetentionReport report;
  gint64 n_entries = 0;

  /* On the 28th, one day after the 27th: kept. */
  report = apply_at(r->db, "2026-11-28T23:59:00+01:00", 1);
  g_assert_cmpuint(report.appointments_deleted, ==, 0);
  g_assert_cmpint(count_rows(r->db, "SELECT count(*) FROM appointment"), ==, 4);

  /* Just after midnight on the 29th: both appointments of the 27th go (the
   * evening one by its own offset's date), with their three persons. */
  report = apply_at(r->db, "2026-11-29T00:01:00+01:00", 1);
  g_assert_cmpuint(report.appointments_deleted, ==, 2);
  g_assert_cmpuint(report.persons_deleted, ==, 3);
  g_assert_false(has_code(r->db, "11111111"));
  g_assert_false(has_code(r->db, "22222222"));
  g_assert_true(has_code(r->db, "33333333"));
  g_assert_true(has_code(r->db, "44444444"));
  g_assert_cmpint(count_rows(r->db, "SELECT count(*) FROM appointment_person"),
                  ==, 2);

  /* Audited with counts, never a name or a code. */
  entry = last_entry(r->db);
  g_assert_cmpstr(entry->event, ==, "retention.appointments_deleted");
  g_assert_cmpstr(entry->details, ==,
                  "appointments=2 persons=3 before=2026-11-29 days=1");
  g_assert_true(audit_verify(r->db, &n_entries, &error));
  g_assert_no_error(error);

  /* A second run the same day finds nothing and audits nothing. */
  report = apply_at(r->db, "2026-11-29T10:00:00+01:00", 1);
  g_assert_cmpuint(report.appointments_deleted, ==, 0);
  g_clear_pointer(&entry, audit_entry_free);
  entry = last_entry(r->db);
  g_assert_cmpint(entry->seq, ==, n_entries);
}

static void test_zero_days(Rig *r, gconstpointer data)
{
  RetentionReport report = apply_at(r->db, "2026-11-29T08:00:00+01:00", 0);

  /* With 0 days, the day after is enough: the 27th and the 28th go. */
  g_assert_cmpuint(report.appointments_deleted, ==, 3);
  g_assert_true(has_code(r->db, "44444444"));
}

/* Without the audit log the deletion cannot be recorded, so it does not
 * happen. */
static void test_all_or_nothing(void)
{
  g_autoptr(GDateTime) now =
      g_date_time_new_from_iso8601("2026-12-31T12:00:00+01:00", NULL);
  const RetentionPolicy policy = {.appointment_days = 1};
  g_autoptr(GError) error = NULL;
  sqlite3 *db = db_open(":memory:", &error);
  guint count = 0;

  g_assert_true(appointments_init(db, &error));
  g_assert_true(audit_init(db, NULL, &error));
  g_assert_true(appointments_import_data(db, schedule, -1, &count, &error));
  g_assert_no_error(error);
  g_assert_false(retention_apply(db, &policy, now, NULL, &error));
  g_assert_nonnull(error);
  g_assert_cmpint(count_rows(db, "SELECT count(*) FROM appointment"), ==, 4);
  g_assert_cmpint(count_rows(db, "SELECT count(*) FROM appointment_person"), ==,
                  5);
  db_close(db);
}

static gboolean file_holds_bytes(const char *path, const void *needle,
                                 gsize needle_len)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents(path, &data, &len, NULL))
    return FALSE;
  return memmem(data, len, needle, needle_len) != NULL;
}

static gboolean file_holds(const char *path, const char *needle)
{
  return file_holds_bytes(path, needle, strlen(needle));
}

static gboolean any_file_holds_bytes(const Rig *r, const void *needle,
                                     gsize len)
{
  static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
  gboolean found = FALSE;

  for (gsize i = 0; i < G_N_ELEMENTS(suffixes); i++) {
    g_autofree char *path = g_strconcat(r->path, suffixes[i], NULL);

    if (file_holds_bytes(path, needle, len)) {
      g_test_message("%s holds the canary", path);
      found = TRUE;
    }
  }
  return found;
}

static gboolean any_file_holds(const Rig *r, const char *needle)
{
  return any_file_holds_bytes(r, needle, strlen(needle));
}

/* Copies the WAL's pages home, so that a canary is in the database file
 * too before retention runs. */
static void checkpoint_now(sqlite3 *db)
{
  g_assert_cmpint(sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE,
                                            NULL, NULL),
                  ==, SQLITE_OK);
}

/* The canary name is in the files before retention (in the WAL, and after
 * a checkpoint in the database too) and in none of them after. */
static void test_canary_gone(Rig *r, gconstpointer data)
{
  RetentionReport report;
  g_autofree char *wal = g_strconcat(r->path, "-wal", NULL);

  g_assert_true(file_holds(wal, CANARY));
  checkpoint_now(r->db);
  g_assert_true(file_holds(r->path, CANARY));
  /* More writes after the checkpoint, so the WAL restarts over the old
   * frames and the canary's page is written again. */
  apply_at(r->db, "2026-11-27T12:00:00+01:00", 1);

  report = apply_at(r->db, "2026-12-01T09:00:00+01:00", 1);
  g_assert_cmpuint(report.appointments_deleted, ==, 4);
  g_assert_false(report.wal_kept);
  g_assert_false(any_file_holds(r, CANARY));
  /* Still so once the connection has closed. */
  db_close(r->db);
  r->db = NULL;
  g_assert_false(any_file_holds(r, CANARY));
  g_assert_false(any_file_holds(r, "Youssef Haddad"));
}

/* retention_apply() at unix second `now_s` with `policy`; the report. */
static RetentionReport
apply_policy_at(sqlite3 *db, const RetentionPolicy *policy, gint64 now_s)
{
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc(now_s);
  g_autoptr(GError) error = NULL;
  RetentionReport report = {0};

  g_assert_true(retention_apply(db, policy, now, &report, &error));
  g_assert_no_error(error);
  return report;
}

#define DAY_S ((gint64)86400)
/* 2026-12-01T00:00:00Z: the appointments' days are past, but kept. */
#define RECORD_STORED 1796083200

/* A record the back office never acknowledges: alarmed once at 30 days,
 * deleted 7 days later with an entry that names its id only; its sealed
 * bytes leave the files. */
static void test_unacked_records(Rig *r, gconstpointer data)
{
  const RetentionPolicy policy = {
      .appointment_days = 365, .unacked_days = 30, .unacked_grace_days = 7};
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskQueue) queue = queue_open(r->db, r->dir, NULL, &error);
  g_autoptr(GBytes) plain = g_bytes_new_static(CANARY, strlen(CANARY));
  g_autoptr(GBytes) envelope = NULL;
  g_autoptr(AuditEntry) entry = NULL;
  g_autofree char *id = NULL;
  g_autofree char *details = NULL;
  RetentionReport report;
  const guint8 *sealed;
  gsize len = 0;

  g_assert_no_error(error);
  g_assert_true(queue_store(queue, plain, RECORD_STORED, &id, &error));
  envelope = queue_get_envelope(queue, id, &error);
  g_assert_no_error(error);
  /* 64 bytes from the middle of the sealed envelope: its canary. */
  sealed = g_bytes_get_data(envelope, &len);
  sealed += len / 2;
  checkpoint_now(r->db);
  g_assert_true(any_file_holds_bytes(r, sealed, 64));

  report = apply_policy_at(r->db, &policy, RECORD_STORED + 30 * DAY_S - 60);
  g_assert_cmpuint(report.records_overdue, ==, 0);
  report = apply_policy_at(r->db, &policy, RECORD_STORED + 30 * DAY_S + 60);
  g_assert_cmpuint(report.records_overdue, ==, 1);
  g_assert_cmpuint(report.records_alarmed, ==, 1);
  entry = last_entry(r->db);
  details = g_strdup_printf("id=%s days=30", id);
  g_assert_cmpstr(entry->event, ==, RETENTION_EVENT_OVERDUE);
  g_assert_cmpstr(entry->details, ==, details);
  /* Alarmed once; still overdue (the footer keeps showing it). */
  report = apply_policy_at(r->db, &policy, RECORD_STORED + 36 * DAY_S);
  g_assert_cmpuint(report.records_alarmed, ==, 0);
  g_assert_cmpuint(report.records_overdue, ==, 1);
  g_assert_cmpuint(report.records_deleted, ==, 0);

  report = apply_policy_at(r->db, &policy, RECORD_STORED + 37 * DAY_S + 60);
  g_assert_cmpuint(report.records_deleted, ==, 1);
  g_assert_cmpuint(report.records_overdue, ==, 0);
  g_assert_false(report.wal_kept);
  g_clear_pointer(&entry, audit_entry_free);
  g_clear_pointer(&details, g_free);
  entry = last_entry(r->db);
  details = g_strdup_printf("id=%s", id);
  g_assert_cmpstr(entry->event, ==, RETENTION_EVENT_DELETED);
  g_assert_cmpstr(entry->details, ==, details);
  g_assert_cmpint(count_rows(r->db, "SELECT count(*) FROM queue_records"), ==,
                  0);
  g_assert_true(audit_verify(r->db, NULL, &error));
  g_assert_no_error(error);
  g_assert_false(any_file_holds_bytes(r, sealed, 64));
}

/* A planted canary in an old audit entry stays until a checkpoint the
 * target acknowledged covers it; then it goes, the entries after it stay,
 * and the chain verifies from its anchor. */
static void test_audit_pruned_after_ack(Rig *r, gconstpointer data)
{
  static const char canary[] = "Zebulon Auditcanary";
  const gint64 long_ago = (gint64)1600000000 * G_USEC_PER_SEC; /* 2020 */
  const gint64 later = g_get_real_time() / G_USEC_PER_SEC + 400 * DAY_S;
  const RetentionPolicy policy = {.appointment_days = 3650, .audit_days = 365};
  g_autofree char *outbox = g_build_filename(r->dir, "outbox", NULL);
  g_autofree char *url = queue_target_for_folder(outbox);
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskQueue) queue = queue_open(r->db, r->dir, NULL, &error);
  g_autoptr(KioskHeartbeat) hb = heartbeat_open(r->db, r->dir, &error);
  g_autoptr(KioskTransport) transport = transport_open(url, &error);
  g_autoptr(GPtrArray) kept = NULL;
  HeartbeatReport beat = {0};
  RetentionReport report;
  gint64 n = 0;

  g_assert_no_error(error);
  g_assert_cmpint(g_mkdir(outbox, 0700), ==, 0);
  g_assert_true(audit_append(r->db, long_ago, AUDIT_ACTOR_KIOSK, "test.canary",
                             canary, NULL, &error));
  checkpoint_now(r->db);
  g_assert_true(any_file_holds(r, canary));
  /* Old enough, but no checkpoint acknowledged yet: kept. */
  report = apply_policy_at(r->db, &policy, later);
  g_assert_cmpuint(report.audit_deleted, ==, 0);
  g_assert_true(any_file_holds(r, canary));

  g_assert_true(heartbeat_beat(hb, transport, NULL, g_get_real_time(),
                               g_get_monotonic_time(), &beat, &error));
  g_assert_no_error(error);
  g_assert_true(audit_append(r->db, g_get_real_time(), AUDIT_ACTOR_KIOSK,
                             "test.after", NULL, NULL, &error));
  report = apply_policy_at(r->db, &policy, later);
  g_assert_cmpuint(report.audit_deleted, ==, beat.audit_seq);
  g_assert_false(report.wal_kept);
  g_assert_false(any_file_holds(r, canary));
  kept = audit_list(r->db, 0, 0, &error);
  g_assert_cmpuint(kept->len, ==, 2); /* test.after and audit.pruned */
  g_assert_cmpstr(((AuditEntry *)kept->pdata[0])->event, ==, "test.after");
  g_assert_cmpint(((AuditEntry *)kept->pdata[0])->seq, ==, beat.audit_seq + 1);
  g_assert_cmpstr(((AuditEntry *)kept->pdata[1])->event, ==,
                  AUDIT_EVENT_PRUNED);
  g_assert_true(audit_verify(r->db, &n, &error));
  g_assert_no_error(error);
  g_assert_cmpint(n, ==, 2);
  /* The anchor cannot be moved by hand: it is signed. */
  g_assert_true(db_exec(r->db, "UPDATE audit_pruned SET seq = seq - 1", NULL));
  g_assert_false(audit_verify(r->db, NULL, &error));
  g_assert_error(error, AUDIT_ERROR, AUDIT_ERROR_TAMPERED);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/retention/day-boundary", Rig, NULL, rig_setup, test_day_boundary,
             rig_teardown);
  g_test_add("/retention/zero-days", Rig, NULL, rig_setup, test_zero_days,
             rig_teardown);
  g_test_add_func("/retention/all-or-nothing", test_all_or_nothing);
  g_test_add("/retention/canary-gone", Rig, NULL, rig_setup, test_canary_gone,
             rig_teardown);
  g_test_add("/retention/unacked-records", Rig, NULL, rig_setup,
             test_unacked_records, rig_teardown);
  g_test_add("/retention/audit-pruned-after-ack", Rig, NULL, rig_setup,
             test_audit_pruned_after_ack, rig_teardown);
  return g_test_run();
}
