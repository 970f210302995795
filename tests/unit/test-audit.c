/* kiosk/audit.c: the hash chain verifies when untouched and names the entry
 * when a row is changed, deleted (first, middle or last) or inserted, and
 * an entry appended inside a rolled-back transaction leaves no trace. */
#include <string.h>

#include "audit.h"
#include "db.h"

static sqlite3 *audit_db_with(int n)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *db = db_open(":memory:", &error);

  g_assert_no_error(error);
  g_assert_true(audit_init(db, &error));
  for (int i = 1; i <= n; i++) {
    g_autofree char *details = g_strdup_printf("id=%d", i);
    g_assert_true(audit_append(db, 1000000 * i, AUDIT_ACTOR_OFFICER,
                               "record.approved", details, NULL, &error));
    g_assert_no_error(error);
  }
  return db;
}

static void assert_tampered(sqlite3 *db, const char *sql, const char *where)
{
  g_autoptr(GError) error = NULL;

  g_assert_true(db_exec(db, sql, &error));
  g_assert_false(audit_verify(db, NULL, &error));
  g_assert_error(error, AUDIT_ERROR, AUDIT_ERROR_TAMPERED);
  g_test_message("%s -> %s", sql, error->message);
  g_assert_nonnull(strstr(error->message, where));
}

static void test_verify_untouched(void)
{
  sqlite3 *db = audit_db_with(5);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autofree char *hash = NULL;
  gint64 n = 0;
  AuditEntry *first, *second;

  g_assert_true(audit_verify(db, &n, &error));
  g_assert_no_error(error);
  g_assert_cmpint(n, ==, 5);
  {
    g_autofree char *head = NULL;
    g_autoptr(GPtrArray) last = audit_list(db, 4, 0, &error);
    gint64 seq = 0;
    g_assert_true(audit_get_head(db, &seq, &head, &error));
    g_assert_cmpint(seq, ==, 5);
    g_assert_cmpstr(head, ==, ((AuditEntry *)last->pdata[0])->hash);
  }

  entries = audit_list(db, 0, 0, &error);
  g_assert_cmpuint(entries->len, ==, 5);
  first = entries->pdata[0];
  second = entries->pdata[1];
  g_assert_cmpint(first->seq, ==, 1);
  g_assert_cmpstr(first->actor, ==, "officer");
  g_assert_cmpstr(first->details, ==, "id=1");
  g_assert_cmpstr(second->prev_hash, ==, first->hash);
  g_assert_cmpuint(strlen(first->hash), ==, 64);
  g_clear_pointer(&entries, g_ptr_array_unref);
  entries = audit_list(db, 3, 1, &error);
  g_assert_cmpuint(entries->len, ==, 1);
  g_assert_cmpint(((AuditEntry *)entries->pdata[0])->seq, ==, 4);

  /* The returned hash is the head; NULL details are stored as "". */
  g_assert_true(
      audit_append(db, 9000000, "technician", "x", NULL, &hash, &error));
  g_clear_pointer(&entries, g_ptr_array_unref);
  entries = audit_list(db, 5, 0, &error);
  g_assert_cmpstr(((AuditEntry *)entries->pdata[0])->hash, ==, hash);
  g_assert_cmpstr(((AuditEntry *)entries->pdata[0])->details, ==, "");

  /* An empty log verifies; its head is (0, zeros). */
  db_close(db);
  db = audit_db_with(0);
  g_assert_true(audit_verify(db, &n, &error));
  g_assert_cmpint(n, ==, 0);
  {
    g_autofree char *head = NULL;
    gint64 seq = -1;
    g_assert_true(audit_get_head(db, &seq, &head, &error));
    g_assert_cmpint(seq, ==, 0);
    g_assert_cmpstr(head, ==,
                    "0000000000000000000000000000000000000000000000"
                    "000000000000000000");
  }
  db_close(db);
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
    sqlite3 *db = audit_db_with(5);
    assert_tampered(db, cases[i].sql, cases[i].where);
    db_close(db);
  }
}

static void test_rollback_leaves_no_trace(void)
{
  sqlite3 *db = audit_db_with(2);
  g_autoptr(GError) error = NULL;
  gint64 n = 0;

  g_assert_true(db_exec(db, "BEGIN IMMEDIATE", &error));
  g_assert_true(audit_append(db, 5000000, "kiosk", "record.queued", "id=x",
                             NULL, &error));
  g_assert_true(db_exec(db, "ROLLBACK", &error));
  g_assert_true(audit_verify(db, &n, &error));
  g_assert_no_error(error);
  g_assert_cmpint(n, ==, 2);

  /* Inside a committed transaction it counts. */
  g_assert_true(db_exec(db, "BEGIN IMMEDIATE", &error));
  g_assert_true(audit_append(db, 5000000, "kiosk", "record.queued", "id=y",
                             NULL, &error));
  g_assert_true(db_exec(db, "COMMIT", &error));
  g_assert_true(audit_verify(db, &n, &error));
  g_assert_cmpint(n, ==, 3);
  db_close(db);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/audit/verify-untouched", test_verify_untouched);
  g_test_add_func("/audit/detects-tampering", test_detects_tampering);
  g_test_add_func("/audit/rollback-leaves-no-trace",
                  test_rollback_leaves_no_trace);
  return g_test_run();
}
