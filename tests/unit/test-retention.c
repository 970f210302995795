/* kiosk/store/retention.c: appointment rows go once their day (in the
 * schedule's own offset) is more than [retention] appointment_days past;
 * the deletion is audited with counts only, is all or nothing, and leaves
 * no copy of a deleted name in the database, its WAL or its shared-memory
 * file. */
#include <string.h>

#include "appointments.h"
#include "audit.h"
#include "db.h"
#include "retention.h"
#include "testlib.h"

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

static gboolean file_holds(const char *path, const char *needle)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents(path, &data, &len, NULL))
    return FALSE;
  return memmem(data, len, needle, strlen(needle)) != NULL;
}

static gboolean any_file_holds(const Rig *r, const char *needle)
{
  static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
  gboolean found = FALSE;

  for (gsize i = 0; i < G_N_ELEMENTS(suffixes); i++) {
    g_autofree char *path = g_strconcat(r->path, suffixes[i], NULL);

    if (file_holds(path, needle)) {
      g_test_message("%s holds the canary", path);
      found = TRUE;
    }
  }
  return found;
}

/* The canary name is in the files before retention (in the WAL, and after
 * a checkpoint in the database too) and in none of them after. */
static void test_canary_gone(Rig *r, gconstpointer data)
{
  RetentionReport report;
  g_autofree char *wal = g_strconcat(r->path, "-wal", NULL);

  g_assert_true(file_holds(wal, CANARY));
  g_assert_cmpint(sqlite3_wal_checkpoint_v2(
                      r->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL),
                  ==, SQLITE_OK);
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
  return g_test_run();
}
