/* `biokiosk run` and the shipped demo officer PIN (issue 14, item 7): with
 * a real back-office key configured it refuses to start (exit 2, one line
 * on stderr) unless --allow-demo-pin is given, and then warns in the log.
 * The demo configuration (demo key, demo PIN) still starts as before. */
#include <string.h>

#include "testlib.h"

#define REAL_KEY "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

/* `biokiosk run --headless --exit-after-first-frame` in a fresh state
 * folder, with `key` as the back-office key and `extra` (may be NULL). */
static int run(const char *key, const char *extra, char **ret_err)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *set_state = g_strdup_printf("paths.state_dir=%s", dir);
  g_autofree char *set_key =
      g_strdup_printf("paths.backoffice_public_key=%s", key);
  const char *argv[] = {g_getenv("BK_BIOKIOSK"),
                        "run",
                        "--headless",
                        "--exit-after-first-frame",
                        "--set",
                        set_state,
                        "--set",
                        set_key,
                        extra,
                        NULL};
  g_autofree char *out = NULL;
  int status = testlib_spawn(argv, NULL, &out, ret_err);

  g_test_message("exit %d\n%s", status, *ret_err);
  testlib_rmtree(dir);
  return status;
}

static void test_refused_with_real_key(void)
{
  g_autofree char *err = NULL;

  g_assert_cmpint(run(REAL_KEY, NULL, &err), ==, 2);
  g_assert_nonnull(strstr(err, "demo PIN"));
  g_assert_nonnull(strstr(err, "--allow-demo-pin"));
  g_assert_true(strchr(err, '\n') == err + strlen(err) - 1); /* one line */
}

static void test_allowed_but_warned(void)
{
  g_autofree char *err = NULL;

  g_assert_cmpint(run(REAL_KEY, "--allow-demo-pin", &err), ==, 0);
  g_assert_nonnull(strstr(err, "DEMO PIN"));
}

static void test_demo_configuration_starts(void)
{
  g_autofree char *err = NULL;

  g_assert_cmpint(run("", NULL, &err), ==, 0);
  g_assert_null(strstr(err, "DEMO PIN"));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  if (!g_getenv("BK_BIOKIOSK"))
    testlib_skip_all("BK_BIOKIOSK is not set");
  g_test_add_func("/cli-demo-pin/refused-with-real-key",
                  test_refused_with_real_key);
  g_test_add_func("/cli-demo-pin/allowed-but-warned", test_allowed_but_warned);
  g_test_add_func("/cli-demo-pin/demo-configuration-starts",
                  test_demo_configuration_starts);
  return g_test_run();
}
