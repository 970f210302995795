/* `biokiosk appointments import|list` as a technician runs it: a bad schedule
 * (also a deeply nested one, or not a regular file), a missing file or a bad
 * option exit with status 2 and one line on stderr; a good one imports, and
 * the list shows codes but no personal data. */
#include <string.h>

#include "testlib.h"

static const char *biokiosk;
static char *tmpdir;
static char *database;
static char **envp;

/* Runs biokiosk with the given arguments (NULL-terminated). */
static int run(char **ret_out, char **ret_err, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  const char *arg;
  va_list args;
  int status;

  g_ptr_array_add(argv, (gpointer)biokiosk);
  va_start(args, ret_err);
  while ((arg = va_arg(args, const char *)))
    g_ptr_array_add(argv, (gpointer)arg);
  va_end(args);
  g_ptr_array_add(argv, NULL);
  status = testlib_spawn((const char *const *)argv->pdata,
                         (const char *const *)envp, ret_out, ret_err);
  g_assert_cmpint(status, >=, 0);
  return status;
}

/* Exactly one non-empty line, from biokiosk appointments. */
static void assert_one_line(const char *err)
{
  gsize len = strlen(err);

  g_assert_cmpuint(len, >, 1);
  g_assert_true(g_str_has_prefix(err, "biokiosk appointments: "));
  g_assert_cmpint(err[len - 1], ==, '\n');
  g_assert_null(memchr(err, '\n', len - 1));
}

static char *write_file(const char *name, const char *text)
{
  char *path = g_build_filename(tmpdir, name, NULL);

  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  return path;
}

static void test_bad_schedule(void)
{
  g_autofree char *path = write_file(
      "bad.json", "{\"version\": 1, \"appointments\": [{\"code\": \"12\"}]}");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint(run(&out, &err, "appointments", "import", path, "--database",
                      database, NULL),
                  ==, 2);
  assert_one_line(err);
  g_assert_nonnull(
      strstr(err, "appointments[0]: code: expected 6 to 12 digits"));
  g_assert_cmpstr(out, ==, "");
}

static void test_not_json(void)
{
  g_autofree char *path = write_file("garbage.json", "{\n\"version\": 1,\n}x");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  /* The '}' where a key should follow the ',' */
  g_autofree char *where = g_strdup_printf("%s:3:1: ", path);

  g_assert_cmpint(run(&out, &err, "appointments", "import", path, "--database",
                      database, NULL),
                  ==, 2);
  assert_one_line(err);
  g_assert_nonnull(strstr(err, where));
}

/* Issue 14, item 4: 100,000 nested '[' (200 KB with their ']') crashed the
 * import with a stack overflow (exit 139, no message). */
static void test_deep_nesting(void)
{
  const gsize depth = 100000;
  g_autofree char *text = g_malloc(2 * depth + 1);
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  memset(text, '[', depth);
  memset(text + depth, ']', depth);
  text[2 * depth] = '\0';
  path = write_file("deep.json", text);
  g_assert_cmpint(run(&out, &err, "appointments", "import", path, "--database",
                      database, NULL),
                  ==, 2);
  assert_one_line(err);
  g_assert_nonnull(strstr(err, "nested more than 16 levels deep"));
  g_assert_cmpstr(out, ==, "");
}

/* /dev/zero would be read until memory ran out. */
static void test_not_regular_file(void)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  if (!g_file_test("/dev/zero", G_FILE_TEST_EXISTS)) {
    g_test_skip("no /dev/zero");
    return;
  }
  g_assert_cmpint(run(&out, &err, "appointments", "import", "/dev/zero",
                      "--database", database, NULL),
                  ==, 2);
  assert_one_line(err);
  g_assert_nonnull(strstr(err, "/dev/zero: cannot read: not a regular file"));
}

static void test_missing_file(void)
{
  g_autofree char *path = g_build_filename(tmpdir, "absent.json", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint(run(&out, &err, "appointments", "import", path, "--database",
                      database, NULL),
                  ==, 2);
  assert_one_line(err);
  g_assert_nonnull(strstr(err, "no such file"));
}

static void test_usage_errors(void)
{
  g_autofree char *conf =
      write_file("broken.conf", "[kiosk]\nlocation_id = X\n[nonsense]\n");
  const char *const *cases[] = {
      (const char *const[]){"appointments", NULL},
      (const char *const[]){"appointments", "export", NULL},
      (const char *const[]){"appointments", "import", NULL},
      (const char *const[]){"appointments", "list", "extra", NULL},
      (const char *const[]){"appointments", "list", "--no-such-option", NULL},
      (const char *const[]){"appointments", "list", "--set",
                            "policy.fingerprint_min_age=six", NULL},
      (const char *const[]){"appointments", "list", "--config", conf, NULL},
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    g_ptr_array_add(argv, (gpointer)biokiosk);
    for (gsize k = 0; cases[i][k]; k++)
      g_ptr_array_add(argv, (gpointer)cases[i][k]);
    g_ptr_array_add(argv, (gpointer) "--database");
    g_ptr_array_add(argv, database);
    g_ptr_array_add(argv, NULL);
    g_assert_cmpint(testlib_spawn((const char *const *)argv->pdata,
                                  (const char *const *)envp, &out, &err),
                    ==, 2);
    assert_one_line(err);
  }
}

static void test_import_and_list(void)
{
  g_autofree char *sample = testlib_source_path("config/sample-schedule.json");
  g_autofree char *db = g_build_filename(tmpdir, "good.db", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *list = NULL;
  g_autofree char *json = NULL;

  g_assert_cmpint(
      run(&out, &err, "appointments", "import", sample, "--database", db, NULL),
      ==, 0);
  g_assert_cmpstr(err, ==, "");
  g_assert_true(g_str_has_prefix(out, "imported 6 appointments"));

  g_clear_pointer(&err, g_free);
  g_assert_cmpint(
      run(&list, &err, "appointments", "list", "--database", db, NULL), ==, 0);
  g_assert_nonnull(strstr(list, "48213907"));
  g_assert_nonnull(strstr(list, "IND-AMS"));
  g_assert_nonnull(strstr(list, "2026-11-27T10:30:00+01:00"));
  /* No names, no dates of birth. */
  g_assert_null(strstr(list, "Haddad"));
  g_assert_null(strstr(list, "1988-04-12"));

  g_clear_pointer(&err, g_free);
  g_assert_cmpint(run(&json, &err, "appointments", "list", "--json",
                      "--database", db, NULL),
                  ==, 0);
  g_assert_nonnull(strstr(json, "{\"code\":\"48213907\",\"location_id\":"
                                "\"IND-ZWL\",\"location_name\":\"IND desk "
                                "Zwolle\",\"start\":\"2026-11-27T10:30:00+01:"
                                "00\",\"persons\":2}\n"));
  g_assert_null(strstr(json, "Haddad"));

  /* The same schedule again: every code is a duplicate. */
  g_clear_pointer(&out, g_free);
  g_clear_pointer(&err, g_free);
  g_assert_cmpint(
      run(&out, &err, "appointments", "import", sample, "--database", db, NULL),
      ==, 2);
  assert_one_line(err);
  g_assert_nonnull(strstr(err, "already imported"));
}

/* --shift-to-today: the fixed sample serves people today, at its times. */
static void test_shift_to_today(void)
{
  g_autofree char *sample = testlib_source_path("config/sample-schedule.json");
  g_autofree char *db = g_build_filename(tmpdir, "shifted.db", NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  g_autofree char *today = g_date_time_format(now, "%Y-%m-%dT10:30:00");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *list = NULL;

  g_assert_cmpint(run(&out, &err, "appointments", "import", sample,
                      "--shift-to-today", "--database", db, NULL),
                  ==, 0);
  g_assert_nonnull(strstr(out, "imported 6 appointments"));
  g_assert_nonnull(strstr(out, "moved to today"));
  g_clear_pointer(&err, g_free);
  g_assert_cmpint(
      run(&list, &err, "appointments", "list", "--database", db, NULL), ==, 0);
  g_assert_nonnull(strstr(list, today));
  if (strstr(today, "2026-11-27") == NULL)
    g_assert_null(strstr(list, "2026-11-27"));

  g_clear_pointer(&out, g_free);
  g_clear_pointer(&err, g_free);
  g_assert_cmpint(run(&out, &err, "appointments", "list", "--shift-to-today",
                      "--database", db, NULL),
                  ==, 2);
  assert_one_line(err);
  g_assert_nonnull(strstr(err, "--shift-to-today is for import"));
}

/* Without --database the configured one in the state folder is used. */
static void test_state_dir_from_set(void)
{
  g_autofree char *sample = testlib_source_path("config/sample-schedule.json");
  g_autofree char *state = g_build_filename(tmpdir, "state", NULL);
  g_autofree char *set = g_strconcat("paths.state_dir=", state, NULL);
  g_autofree char *expected = g_build_filename(state, "kiosk.db", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint(
      run(&out, &err, "appointments", "import", sample, "--set", set, NULL), ==,
      0);
  g_assert_true(g_file_test(expected, G_FILE_TEST_IS_REGULAR));
}

int main(int argc, char **argv)
{
  int status;
  g_autofree char *xdg = NULL;

  g_test_init(&argc, &argv, NULL);
  biokiosk = g_getenv("BK_BIOKIOSK");
  if (!biokiosk || !g_file_test(biokiosk, G_FILE_TEST_IS_EXECUTABLE))
    testlib_skip_all("BK_BIOKIOSK does not name the built biokiosk");
  tmpdir = testlib_mkdtemp();
  database = g_build_filename(tmpdir, "kiosk.db", NULL);
  xdg = g_build_filename(tmpdir, "xdg", NULL);
  envp = g_get_environ();
  /* Never touch the real user's state folder. */
  envp = g_environ_setenv(envp, "XDG_STATE_HOME", xdg, TRUE);

  g_test_add_func("/cli/appointments/bad-schedule", test_bad_schedule);
  g_test_add_func("/cli/appointments/not-json", test_not_json);
  g_test_add_func("/cli/appointments/missing-file", test_missing_file);
  g_test_add_func("/cli/appointments/deep-nesting", test_deep_nesting);
  g_test_add_func("/cli/appointments/not-regular-file", test_not_regular_file);
  g_test_add_func("/cli/appointments/usage-errors", test_usage_errors);
  g_test_add_func("/cli/appointments/import-and-list", test_import_and_list);
  g_test_add_func("/cli/appointments/state-dir", test_state_dir_from_set);
  g_test_add_func("/cli/appointments/shift-to-today", test_shift_to_today);
  status = g_test_run();
  testlib_rmtree(tmpdir);
  g_free(tmpdir);
  g_free(database);
  g_strfreev(envp);
  return status;
}
