/* `biokiosk run --training` (issue 15): it starts with nothing set up,
 * prints today's codes and the officer PIN, keeps everything in a state
 * folder of its own with a training key, audits that it started, and is
 * refused on a kiosk with a real back-office key unless the configuration
 * allows it. */
#include <sqlite3.h>
#include <string.h>

#include "testlib.h"

#define REAL_KEY "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

/* `biokiosk run --training --headless --exit-after-first-frame` with the
 * state folder `dir` and up to two more --set assignments. */
static int run_training(const char *dir, const char *set1, const char *set2,
                        char **ret_out, char **ret_err)
{
  g_autofree char *set_state = g_strdup_printf("paths.state_dir=%s", dir);
  const char *argv[] = {g_getenv("BK_BIOKIOSK"),
                        "run",
                        "--training",
                        "--headless",
                        "--exit-after-first-frame",
                        "--set",
                        set_state,
                        set1 ? "--set" : NULL,
                        set1,
                        set2 ? "--set" : NULL,
                        set2,
                        NULL};
  int status = testlib_spawn(argv, NULL, ret_out, ret_err);

  g_test_message("exit %d\n%s%s", status, *ret_out, *ret_err);
  return status;
}

static char *file_in(const char *dir, const char *a, const char *b)
{
  return g_build_filename(dir, a, b, NULL);
}

/* The audit log's events, one per line. */
static char *audit_events(const char *db_path)
{
  GString *events = g_string_new(NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), ==,
                  SQLITE_OK);
  g_assert_cmpint(sqlite3_prepare_v2(db,
                                     "SELECT event, details FROM audit_log "
                                     "ORDER BY seq",
                                     -1, &stmt, NULL),
                  ==, SQLITE_OK);
  while (sqlite3_step(stmt) == SQLITE_ROW)
    g_string_append_printf(events, "%s %s\n", sqlite3_column_text(stmt, 0),
                           sqlite3_column_text(stmt, 1));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return g_string_free(events, FALSE);
}

static void test_starts_and_prints(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *db = file_in(dir, "training", "kiosk.db");
  g_autofree char *real_db = g_build_filename(dir, "kiosk.db", NULL);
  g_autofree char *key = file_in(dir, "training", "backoffice-demo.pk");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *events = NULL;

  g_assert_cmpint(run_training(dir, NULL, NULL, &out, &err), ==, 0);
  g_assert_nonnull(strstr(out, "Training \u2013 not for real applicants / "
                               "Oefenen \u2013 niet voor echte aanvragers"));
  g_assert_nonnull(strstr(out, "  48213907  "));
  g_assert_nonnull(strstr(out, "2 persons"));
  g_assert_nonnull(strstr(out, "Officer PIN (training): 2468"));

  /* Its own state folder, sealed to a training key of its own; the kiosk's
   * configured folder holds nothing else. */
  g_assert_true(g_file_test(db, G_FILE_TEST_IS_REGULAR));
  g_assert_true(g_file_test(key, G_FILE_TEST_IS_REGULAR));
  g_assert_false(g_file_test(real_db, G_FILE_TEST_EXISTS));
  events = audit_events(db);
  g_assert_nonnull(strstr(events, "training.started appointments=6\n"));

  /* A second start makes the training folder afresh. */
  g_clear_pointer(&out, g_free);
  g_clear_pointer(&err, g_free);
  g_assert_cmpint(run_training(dir, NULL, NULL, &out, &err), ==, 0);
  g_clear_pointer(&events, g_free);
  events = audit_events(db);
  g_assert_cmpstr(events, ==, "training.started appointments=6\n");
  testlib_rmtree(dir);
}

/* The printed codes are for today, whatever day the sample was made for. */
static void test_codes_are_for_today(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *db = file_in(dir, "training", "kiosk.db");
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  g_autofree char *today = g_date_time_format(now, "\"start\":\"%Y-%m-%dT");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *list = NULL;
  const char *argv[] = {g_getenv("BK_BIOKIOSK"),
                        "appointments",
                        "list",
                        "--json",
                        "--database",
                        db,
                        NULL};

  g_assert_cmpint(run_training(dir, NULL, NULL, &out, &err), ==, 0);
  g_clear_pointer(&err, g_free);
  g_assert_cmpint(testlib_spawn(argv, NULL, &list, &err), ==, 0);
  g_assert_nonnull(strstr(list, today));
  testlib_rmtree(dir);
}

static void test_refused_with_real_key(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *training = g_build_filename(dir, "training", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint(run_training(dir, "paths.backoffice_public_key=" REAL_KEY,
                               NULL, &out, &err),
                  ==, 2);
  g_assert_nonnull(strstr(err, "training mode refused"));
  g_assert_nonnull(strstr(err, "kiosk.allow_training"));
  g_assert_true(strchr(err, '\n') == err + strlen(err) - 1); /* one line */
  g_assert_false(g_file_test(training, G_FILE_TEST_EXISTS));
  testlib_rmtree(dir);
}

/* Allowed on a real kiosk, it still seals to its own training key. */
static void test_allowed_with_real_key(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *key = file_in(dir, "training", "backoffice-demo.pk");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint(run_training(dir, "paths.backoffice_public_key=" REAL_KEY,
                               "kiosk.allow_training=yes", &out, &err),
                  ==, 0);
  g_assert_true(g_file_test(key, G_FILE_TEST_IS_REGULAR));
  g_assert_nonnull(strstr(out, "Officer PIN (training): 2468"));
  testlib_rmtree(dir);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  if (!g_getenv("BK_BIOKIOSK"))
    testlib_skip_all("BK_BIOKIOSK is not set");
  g_test_add_func("/cli-training/starts-and-prints", test_starts_and_prints);
  g_test_add_func("/cli-training/codes-are-for-today",
                  test_codes_are_for_today);
  g_test_add_func("/cli-training/refused-with-real-key",
                  test_refused_with_real_key);
  g_test_add_func("/cli-training/allowed-with-real-key",
                  test_allowed_with_real_key);
  return g_test_run();
}
