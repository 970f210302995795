/* kiosk/audit.c: the hash chain verifies when untouched and names the entry
 * when a row is changed, deleted (first, middle or last) or inserted, and
 * an entry appended inside a rolled-back transaction leaves no trace.
 * The anchor (signed head, counter outside the database) also catches what
 * SQL alone can do: a wiped log, a truncation with a rewritten head, a chain
 * forged and signed with another key, and an older copy of the database put
 * back; and it counts only what committed. */
#include <glib/gstdio.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "keys.h"
#include "testlib.h"

typedef struct {
  char *dir;
  char *state; /* the kiosk's state folder: key and counter */
  char *path;  /* the database file */
  sqlite3 *db;
} Rig;

static sqlite3 *rig_open(Rig *r, const char *state)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *db = db_open(r->path, &error);

  g_assert_no_error(error);
  g_assert_true(audit_init(db, state, &error));
  g_assert_no_error(error);
  return db;
}

static void rig_append(Rig *r, int n)
{
  g_autoptr(GError) error = NULL;
  gint64 first = 0;

  g_assert_true(audit_get_head(r->db, &first, NULL, &error));
  for (int i = 1; i <= n; i++) {
    g_autofree char *details = g_strdup_printf("id=%d", (int)first + i);
    g_assert_true(audit_append(r->db, 1000000 * (first + i),
                               AUDIT_ACTOR_OFFICER, "record.approved", details,
                               NULL, &error));
    g_assert_no_error(error);
  }
}

static void rig_setup(Rig *r, int n)
{
  r->dir = testlib_mkdtemp();
  r->state = g_build_filename(r->dir, "state", NULL);
  r->path = g_build_filename(r->state, "kiosk.db", NULL);
  g_assert_cmpint(g_mkdir(r->state, 0700), ==, 0);
  r->db = rig_open(r, r->state);
  rig_append(r, n);
}

static void rig_clear(Rig *r)
{
  db_close(r->db);
  testlib_rmtree(r->dir);
  g_free(r->dir);
  g_free(r->state);
  g_free(r->path);
}

static gint64 counter(Rig *r)
{
  g_autofree char *path = g_build_filename(r->state, AUDIT_COUNTER_FILE, NULL);
  g_autofree char *text = NULL;
  gint64 value = -1;

  if (!g_file_get_contents(path, &text, NULL, NULL))
    return 0;
  g_assert_true(g_str_has_prefix(text, "biokiosk-audit-counter/1 "));
  g_assert_true(g_str_has_suffix(text, "\n"));
  value = g_ascii_strtoll(strchr(text, ' ') + 1, NULL, 10);
  return value;
}

static void assert_tampered_db(sqlite3 *db, const char *where)
{
  g_autoptr(GError) error = NULL;

  g_assert_false(audit_verify(db, NULL, &error));
  g_assert_error(error, AUDIT_ERROR, AUDIT_ERROR_TAMPERED);
  g_test_message("-> %s", error->message);
  g_assert_nonnull(strstr(error->message, where));
}

static void assert_tampered(sqlite3 *db, const char *sql, const char *where)
{
  g_autoptr(GError) error = NULL;

  g_assert_true(db_exec(db, sql, &error));
  g_test_message("%s", sql);
  assert_tampered_db(db, where);
}

static void test_verify_untouched(void)
{
  Rig r = {0};
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autofree char *hash = NULL;
  gint64 n = 0;
  AuditEntry *first, *second;

  rig_setup(&r, 5);
  g_assert_true(audit_verify(r.db, &n, &error));
  g_assert_no_error(error);
  g_assert_cmpint(n, ==, 5);
  {
    g_autofree char *head = NULL;
    g_autoptr(GPtrArray) last = audit_list(r.db, 4, 0, &error);
    gint64 seq = 0;
    g_assert_true(audit_get_head(r.db, &seq, &head, &error));
    g_assert_cmpint(seq, ==, 5);
    g_assert_cmpstr(head, ==, ((AuditEntry *)last->pdata[0])->hash);
  }

  entries = audit_list(r.db, 0, 0, &error);
  g_assert_cmpuint(entries->len, ==, 5);
  first = entries->pdata[0];
  second = entries->pdata[1];
  g_assert_cmpint(first->seq, ==, 1);
  g_assert_cmpstr(first->actor, ==, "officer");
  g_assert_cmpstr(first->details, ==, "id=1");
  g_assert_cmpstr(second->prev_hash, ==, first->hash);
  g_assert_cmpuint(strlen(first->hash), ==, 64);
  g_clear_pointer(&entries, g_ptr_array_unref);
  entries = audit_list(r.db, 3, 1, &error);
  g_assert_cmpuint(entries->len, ==, 1);
  g_assert_cmpint(((AuditEntry *)entries->pdata[0])->seq, ==, 4);

  /* The returned hash is the head; NULL details are stored as "". */
  g_assert_true(
      audit_append(r.db, 9000000, "technician", "x", NULL, &hash, &error));
  g_clear_pointer(&entries, g_ptr_array_unref);
  entries = audit_list(r.db, 5, 0, &error);
  g_assert_cmpstr(((AuditEntry *)entries->pdata[0])->hash, ==, hash);
  g_assert_cmpstr(((AuditEntry *)entries->pdata[0])->details, ==, "");
  rig_clear(&r);

  /* An empty log verifies; its head is (0, zeros). */
  rig_setup(&r, 0);
  g_assert_true(audit_verify(r.db, &n, &error));
  g_assert_cmpint(n, ==, 0);
  {
    g_autofree char *head = NULL;
    gint64 seq = -1;
    g_assert_true(audit_get_head(r.db, &seq, &head, &error));
    g_assert_cmpint(seq, ==, 0);
    g_assert_cmpstr(head, ==,
                    "0000000000000000000000000000000000000000000000"
                    "000000000000000000");
  }
  rig_clear(&r);
}

static void test_detects_tampering(void)
{
  struct {
    const char *sql;
    const char *where;
  } cases[] = {
      {"UPDATE audit_log SET details = 'id=99' WHERE seq = 3", "entry 3 was"},
      {"UPDATE audit_log SET actor = 'technician' WHERE seq = 1",
       "entry 1 was"},
      {"UPDATE audit_log SET time = time + 1 WHERE seq = 5", "entry 5 was"},
      {"DELETE FROM audit_log WHERE seq = 2", "entry 2 is missing"},
      {"DELETE FROM audit_log WHERE seq = 1", "entry 1 is missing"},
      {"DELETE FROM audit_log WHERE seq = 5", "entry 5 is the recorded head"},
      {"DELETE FROM audit_log", "entry 5 is the recorded head"},
      /* A forged entry with a correct-looking link but no valid hash. */
      {"INSERT INTO audit_log SELECT 6, time, actor, event, details, hash, "
       "hash FROM audit_log WHERE seq = 5",
       "entry 6 was"},
      /* Renumbering to hide a deletion breaks the link. */
      {"DELETE FROM audit_log WHERE seq = 3; "
       "UPDATE audit_log SET seq = seq - 1 WHERE seq > 3",
       "entry 3 does not link"},
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    Rig r = {0};

    rig_setup(&r, 5);
    assert_tampered(r.db, cases[i].sql, cases[i].where);
    rig_clear(&r);
  }
}

static void test_rollback_leaves_no_trace(void)
{
  Rig r = {0};
  g_autoptr(GError) error = NULL;
  gint64 n = 0;

  rig_setup(&r, 2);
  g_assert_true(db_exec(r.db, "BEGIN IMMEDIATE", &error));
  g_assert_true(audit_append(r.db, 5000000, "kiosk", "record.queued", "id=x",
                             NULL, &error));
  g_assert_true(db_exec(r.db, "ROLLBACK", &error));
  g_assert_true(audit_verify(r.db, &n, &error));
  g_assert_no_error(error);
  g_assert_cmpint(n, ==, 2);
  g_assert_cmpint(counter(&r), ==, 2);

  /* Inside a committed transaction it counts. */
  g_assert_true(db_exec(r.db, "BEGIN IMMEDIATE", &error));
  g_assert_true(audit_append(r.db, 5000000, "kiosk", "record.queued", "id=y",
                             NULL, &error));
  g_assert_true(db_exec(r.db, "COMMIT", &error));
  g_assert_true(audit_verify(r.db, &n, &error));
  g_assert_cmpint(n, ==, 3);
  rig_clear(&r);
}

/* ---- the anchor (issue 14, item 1) -------------------------------------- */

/* The first reproduction: two statements wipe the log. */
static void test_wipe_detected(void)
{
  Rig r = {0};

  rig_setup(&r, 5);
  assert_tampered(r.db, "DELETE FROM audit_log; DELETE FROM audit_head",
                  "counted 5 entries");
  rig_clear(&r);
}

/* The second reproduction: cut the tail, point the head at the new
 * last entry. The head's signature no longer fits; with the old signature
 * of that head copied back, the counter still catches it. */
static void test_truncation_detected(void)
{
  Rig r = {0};
  g_autoptr(GError) error = NULL;
  g_autofree char *old_signature = NULL;

  rig_setup(&r, 3);
  {
    sqlite3_stmt *stmt = NULL;
    g_assert_cmpint(sqlite3_prepare_v2(r.db, "SELECT signature FROM audit_head",
                                       -1, &stmt, NULL),
                    ==, SQLITE_OK);
    g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
    old_signature = g_strdup((const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
  }
  rig_append(&r, 2);
  assert_tampered(r.db,
                  "DELETE FROM audit_log WHERE seq > 3; "
                  "UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM "
                  "audit_log WHERE seq = 3)",
                  "not signed by this kiosk's key");
  {
    g_autofree char *sql = g_strdup_printf(
        "UPDATE audit_head SET signature = '%s'", old_signature);
    assert_tampered(r.db, sql, "counted 5 entries");
  }
  g_assert_false(audit_verify(r.db, NULL, &error));
  rig_clear(&r);
}

/* Hashes are public: whoever truncates can append a fresh tail with a valid
 * chain. Only the kiosk's key makes a head that verifies. */
static void test_forged_tail_detected(void)
{
  Rig r = {0};
  g_autofree char *other_state = NULL;
  sqlite3 *forger;

  rig_setup(&r, 5);
  other_state = g_build_filename(r.dir, "forger", NULL);
  g_assert_cmpint(g_mkdir(other_state, 0700), ==, 0);
  g_assert_true(db_exec(r.db, "DELETE FROM audit_log WHERE seq > 3", NULL));
  g_assert_true(db_exec(r.db,
                        "UPDATE audit_head SET seq = 3, hash = (SELECT hash "
                        "FROM audit_log WHERE seq = 3)",
                        NULL));
  forger = rig_open(&r, other_state);
  {
    Rig f = r;
    f.db = forger;
    f.state = other_state;
    rig_append(&f, 2);
    /* The forger's own chain is fine by the forger's key. */
    g_assert_true(audit_verify(forger, NULL, NULL));
  }
  db_close(forger);
  assert_tampered_db(r.db, "not signed by this kiosk's key");
  rig_clear(&r);
}

/* A copy of the database taken earlier, put back: its head is genuinely
 * signed, but shorter than what the kiosk has counted. */
static void test_older_copy_detected(void)
{
  Rig r = {0};
  g_autoptr(GError) error = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *sql = NULL;

  rig_setup(&r, 3);
  copy = g_build_filename(r.dir, "copy.db", NULL);
  sql = g_strdup_printf("VACUUM INTO '%s'", copy);
  g_assert_true(db_exec(r.db, sql, &error));
  rig_append(&r, 2);
  g_assert_cmpint(counter(&r), ==, 5);
  db_close(r.db);
  {
    g_autofree char *wal = g_strconcat(r.path, "-wal", NULL);
    g_autofree char *shm = g_strconcat(r.path, "-shm", NULL);
    g_unlink(wal);
    g_unlink(shm);
  }
  g_assert_cmpint(g_rename(copy, r.path), ==, 0);
  r.db = rig_open(&r, r.state);
  assert_tampered_db(r.db, "counted 5 entries");
  rig_clear(&r);
}

/* The counter follows commits only: not inside an open transaction, not
 * for a rollback; a counter left behind (a crash between a commit and its
 * counter) still verifies and catches up with the next entry. */
static void test_counter_follows_commits(void)
{
  Rig r = {0};
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  GStatBuf st;

  rig_setup(&r, 2);
  path = g_build_filename(r.state, AUDIT_COUNTER_FILE, NULL);
  g_assert_cmpint(counter(&r), ==, 2);
  g_assert_cmpint(g_stat(path, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);

  g_assert_true(db_exec(r.db, "BEGIN IMMEDIATE", &error));
  rig_append(&r, 1);
  g_assert_cmpint(counter(&r), ==, 2);
  g_assert_true(db_exec(r.db, "COMMIT", &error));
  g_assert_cmpint(counter(&r), ==, 3);

  g_assert_true(db_exec(r.db, "BEGIN IMMEDIATE", &error));
  rig_append(&r, 1);
  g_assert_true(db_exec(r.db, "ROLLBACK", &error));
  g_assert_cmpint(counter(&r), ==, 3);
  g_assert_true(audit_verify(r.db, NULL, &error));

  /* Behind after a crash: verifies, and the next entry catches up. */
  g_assert_true(
      g_file_set_contents(path, "biokiosk-audit-counter/1 1\n", -1, &error));
  g_assert_true(audit_verify(r.db, NULL, &error));
  g_assert_no_error(error);
  rig_append(&r, 1);
  g_assert_cmpint(counter(&r), ==, 4);

  /* Checkpoints switched off the anchor's way keep commits counted at
   * once (PRAGMA wal_autocheckpoint would replace the hook). */
  audit_set_autocheckpoint(r.db, 0);
  g_assert_true(db_exec(r.db, "BEGIN IMMEDIATE", &error));
  rig_append(&r, 1);
  g_assert_true(db_exec(r.db, "COMMIT", &error));
  g_assert_cmpint(counter(&r), ==, 5);
  audit_set_autocheckpoint(r.db, 1000);

  /* A counter file that is not one is not trusted. */
  g_assert_true(g_file_set_contents(path, "4 or so\n", -1, &error));
  assert_tampered_db(r.db, "not a counter");
  rig_clear(&r);
}

/* Without an anchor nothing is appended or called verified; a read-only
 * connection can verify; a database from before signed heads does not
 * verify until the kiosk appends again. */
static void test_anchor_required(void)
{
  Rig r = {0};
  g_autoptr(GError) error = NULL;
  sqlite3 *plain = NULL;
  sqlite3 *reader = NULL;

  rig_setup(&r, 2);
  plain = db_open(r.path, &error);
  g_assert_true(audit_init(plain, NULL, &error));
  g_assert_false(audit_append(plain, 1, "kiosk", "x", NULL, NULL, &error));
  g_assert_error(error, AUDIT_ERROR, AUDIT_ERROR_NO_ANCHOR);
  g_clear_error(&error);
  g_assert_false(audit_verify(plain, NULL, &error));
  g_assert_error(error, AUDIT_ERROR, AUDIT_ERROR_NO_ANCHOR);
  g_clear_error(&error);
  db_close(plain);

  g_assert_cmpint(sqlite3_open_v2(r.path, &reader, SQLITE_OPEN_READONLY, NULL),
                  ==, SQLITE_OK);
  g_assert_true(audit_attach_verify(reader, r.state, &error));
  g_assert_true(audit_verify(reader, NULL, &error));
  g_assert_no_error(error);

  /* An unsigned head (as before the anchor) is not verified ... */
  g_assert_true(db_exec(r.db, "UPDATE audit_head SET signature = NULL", NULL));
  assert_tampered_db(reader, "not signed");
  /* ... until the kiosk signs its next head. */
  rig_append(&r, 1);
  g_assert_true(audit_verify(reader, NULL, &error));
  g_assert_no_error(error);
  db_close(reader);

  /* Verify-only without a key (a kiosk that never appended) creates
   * nothing: an empty log passes, a log with entries does not. */
  {
    g_autofree char *empty = g_build_filename(r.dir, "empty", NULL);
    g_autofree char *key =
        g_build_filename(empty, KEYS_SIGNING_SECRET_FILE, NULL);

    g_assert_cmpint(g_mkdir(empty, 0700), ==, 0);
    reader = db_open(":memory:", &error);
    g_assert_true(audit_init(reader, NULL, &error));
    g_assert_true(audit_attach_verify(reader, empty, &error));
    g_assert_true(audit_verify(reader, NULL, &error));
    g_assert_no_error(error);
    db_close(reader);
    g_assert_false(g_file_test(key, G_FILE_TEST_EXISTS));
    reader = db_open(r.path, &error);
    g_assert_true(audit_attach_verify(reader, empty, &error));
    assert_tampered_db(reader, "signing key is missing");
    db_close(reader);
  }
  rig_clear(&r);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/audit/verify-untouched", test_verify_untouched);
  g_test_add_func("/audit/detects-tampering", test_detects_tampering);
  g_test_add_func("/audit/rollback-leaves-no-trace",
                  test_rollback_leaves_no_trace);
  g_test_add_func("/audit/anchor/wipe-detected", test_wipe_detected);
  g_test_add_func("/audit/anchor/truncation-detected",
                  test_truncation_detected);
  g_test_add_func("/audit/anchor/forged-tail-detected",
                  test_forged_tail_detected);
  g_test_add_func("/audit/anchor/older-copy-detected",
                  test_older_copy_detected);
  g_test_add_func("/audit/anchor/counter-follows-commits",
                  test_counter_follows_commits);
  g_test_add_func("/audit/anchor/required", test_anchor_required);
  return g_test_run();
}
