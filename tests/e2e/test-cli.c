/* The command-line contract (README, "Commands"): every command has --help
 * (exit 0), wrong usage exits 2 with exactly one line on stderr. */
#include <string.h>

#include "testlib.h"

static int run(const char *const *args, char **ret_out, char **ret_err)
{
  const char *argv[16] = {g_getenv("BK_BIOKIOSK")};

  for (int i = 0; args[i]; i++)
    argv[i + 1] = args[i];
  return testlib_spawn(argv, NULL, ret_out, ret_err);
}

static void assert_one_line(const char *text)
{
  gsize len = strlen(text);

  g_assert_cmpuint(len, >, 1);
  g_assert_cmpint(text[len - 1], ==, '\n');
  g_assert_null(memchr(text, '\n', len - 1));
}

static void test_top_help(void)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = {"--help", NULL};

  g_assert_cmpint(run(args, &out, &err), ==, 0);
  for (const char *c = "run\0demo\0validate-photo\0diagnose\0appointments\0"
                       "queue\0record\0";
       *c; c += strlen(c) + 1) {
    g_autofree char *entry = g_strdup_printf("  %s ", c);
    if (!strstr(out, entry))
      g_test_message("--help does not list %s", c);
    g_assert_nonnull(strstr(out, entry));
  }
}

static void test_each_help(void)
{
  g_autofree char *top = NULL;
  const char *args[] = {"--help", NULL};
  g_auto(GStrv) lines = NULL;

  g_assert_cmpint(run(args, &top, NULL), ==, 0);
  lines = g_strsplit(top, "\n", -1);
  for (char **l = lines; *l; l++) {
    g_autofree char *out = NULL, *err = NULL;
    g_auto(GStrv) words = NULL;
    if (!g_str_has_prefix(*l, "  "))
      continue;
    words = g_strsplit(g_strstrip(*l), " ", 2);
    const char *sub[] = {words[0], "--help", NULL};
    g_assert_cmpint(run(sub, &out, &err), ==, 0);
    g_assert_nonnull(strstr(out, "Usage"));
  }
}

static void test_usage_errors(void)
{
  const char *cases[][4] = {
      {"no-such-command", NULL},
      {"demo", "--no-such-option", NULL},
      {"run", "--config", "/nonexistent/biokiosk.conf", NULL},
      {"run", "--set", "policy.fingerprint_min_age=six", NULL},
      {"demo", "extra-argument", NULL},
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint(run(cases[i], &out, &err), ==, 2);
    assert_one_line(err);
    g_assert_true(g_str_has_prefix(err, "biokiosk"));
  }
}

static void test_config_error_names_file(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *conf = g_build_filename(dir, "bad.conf", NULL);
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = {"run", "--headless", "--config", conf, NULL};

  g_assert_true(
      g_file_set_contents(conf, "[kiosk]\nno_such_key = 1\n", -1, NULL));
  g_assert_cmpint(run(args, &out, &err), ==, 2);
  assert_one_line(err);
  g_assert_nonnull(strstr(err, "bad.conf"));
  g_assert_nonnull(strstr(err, "no_such_key"));
  testlib_rmtree(dir);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  if (!g_getenv("BK_BIOKIOSK"))
    testlib_skip_all("BK_BIOKIOSK is not set");
  g_test_add_func("/cli/help", test_top_help);
  g_test_add_func("/cli/each-help", test_each_help);
  g_test_add_func("/cli/usage-errors", test_usage_errors);
  g_test_add_func("/cli/config-error-names-file", test_config_error_names_file);
  return g_test_run();
}
