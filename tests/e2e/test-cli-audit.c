/* `biokiosk queue status` against the two SQL-only attacks on the audit log
 * of issue 14 (item 1): wiping the log and its head, and cutting the tail
 * with the head rewritten to the new last entry. Both used to verify; with
 * the signed head and the counter in the state folder both give
 * "verified":false and exit 1. The untouched log still verifies. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "queue.h"
#include "testlib.h"

typedef struct {
  char *dir;
  char *state_dir;
  char *db_path;
  char *set_state; /* --set paths.state_dir=... */
} Fixture;

/* A kiosk's state folder whose log has five entries, made as the kiosk
 * makes it (the queue attaches the anchor). */
static void fixture_setup(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskQueue) queue = NULL;
  sqlite3 *db;

  f->dir = testlib_mkdtemp();
  f->state_dir = g_build_filename(f->dir, "state", NULL);
  f->db_path = g_build_filename(f->state_dir, "kiosk.db", NULL);
  f->set_state = g_strconcat("paths.state_dir=", f->state_dir, NULL);
  g_assert_cmpint(g_mkdir(f->state_dir, 0700), ==, 0);
  db = db_open(f->db_path, &error);
  g_assert_no_error(error);
  queue = queue_open(db, f->state_dir, "", &error);
  g_assert_no_error(error);
  for (int i = 1; i <= 5; i++)
    g_assert_true(audit_append(db, (gint64)1795000000 * G_USEC_PER_SEC + i,
                               AUDIT_ACTOR_OFFICER, "officer.approved", NULL,
                               NULL, &error));
  g_assert_no_error(error);
  g_clear_pointer(&queue, queue_close);
  db_close(db);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
  testlib_rmtree(f->dir);
  g_free(f->dir);
  g_free(f->state_dir);
  g_free(f->db_path);
  g_free(f->set_state);
}

/* What a person with SQL access (and nothing else) does. */
static void run_sql(Fixture *f, const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint(sqlite3_open(f->db_path, &db), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(db, sql, NULL, NULL, &message), ==, SQLITE_OK);
  sqlite3_free(message);
  sqlite3_close(db);
}

/* `queue status --json`: its exit status, and audit.verified. */
static int status(Fixture *f, gboolean *ret_verified)
{
  const char *argv[] = {g_getenv("BK_BIOKIOSK"),
                        "queue",
                        "status",
                        "--json",
                        "--set",
                        f->set_state,
                        NULL};
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *audit;
  int exit_status = testlib_spawn(argv, NULL, &out, &err);

  g_test_message("exit %d\n%s%s", exit_status, out, err);
  g_assert_true(json_parser_load_from_data(parser, out, -1, NULL));
  audit = json_object_get_object_member(
      json_node_get_object(json_parser_get_root(parser)), "audit");
  *ret_verified = json_object_get_boolean_member(audit, "verified");
  if (!*ret_verified)
    g_assert_nonnull(json_object_get_string_member(audit, "error"));
  return exit_status;
}

static void test_untouched(Fixture *f, gconstpointer data)
{
  gboolean verified = FALSE;

  g_assert_cmpint(status(f, &verified), ==, 0);
  g_assert_true(verified);
}

static void test_wipe(Fixture *f, gconstpointer data)
{
  gboolean verified = TRUE;

  run_sql(f, "delete from audit_log; delete from audit_head");
  g_assert_cmpint(status(f, &verified), ==, 1);
  g_assert_false(verified);
}

static void test_truncation(Fixture *f, gconstpointer data)
{
  gboolean verified = TRUE;

  run_sql(f, "delete from audit_log where seq>3; "
             "update audit_head set seq=3, "
             "hash=(select hash from audit_log where seq=3)");
  g_assert_cmpint(status(f, &verified), ==, 1);
  g_assert_false(verified);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  if (!g_getenv("BK_BIOKIOSK"))
    testlib_skip_all("BK_BIOKIOSK is not set");
#define T(name, fn)                                                            \
  g_test_add("/cli-audit/" name, Fixture, NULL, fixture_setup, fn,             \
             fixture_teardown)
  T("untouched", test_untouched);
  T("wipe", test_wipe);
  T("truncation", test_truncation);
  return g_test_run();
}
