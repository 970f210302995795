/* Training mode in the running application (real front end, headless):
 * one of the printed codes checks in at the current time, whatever day the
 * sample schedule was made for, and every screen on the way carries the
 * training banner. BK_TRAINING_SHOTS=DIR keeps a screenshot of each screen
 * passed (docs/training.md shows them). */
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "demo.h"
#include "session.h"
#include "testlib.h"
#include "testlib-ui.h"
#include "training.h"
#include "ui.h"

static void shoot(Ui *ui, const char *name)
{
  const char *dir = g_getenv("BK_TRAINING_SHOTS");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (!dir)
    return;
  path = g_strdup_printf("%s/training-%s.png", dir, name);
  g_assert_true(ui_screenshot(ui, path, &error));
  g_assert_no_error(error);
}

static void assert_banner(App *app)
{
  const KioskView *view = session_view(app_session(app));

  g_assert_cmpstr(view->banner, ==, TRAINING_BANNER);
}

static gboolean has_button(App *app, const char *id)
{
  const KioskView *view = session_view(app_session(app));

  for (int i = 0; i < view->n_buttons; i++)
    if (g_str_equal(view->buttons[i].id, id))
      return TRUE;
  return FALSE;
}

static gboolean view_says(App *app, const char *text)
{
  const KioskView *view = session_view(app_session(app));

  for (int i = 0; i < view->n_lines; i++)
    if (strstr(view->lines[i], text))
      return TRUE;
  return FALSE;
}

/* Training with `scenario` (NULL: the family) in front of the camera, up to
 * the first photo's verdict; `printed` gets what the terminal shows. */
static void train_to_verdict(const char *scenario, const char *expect_text,
                             char **ret_printed)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *set_state = g_strdup_printf("paths.state_dir=%s", dir);
  g_autoptr(KioskConfig) config = config_load(NULL, NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  g_autoptr(GError) error = NULL;
  UiOptions options = {.width = 1280, .height = 800, .headless = TRUE};
  g_autoptr(Ui) ui = NULL;
  char *printed = NULL;
  gsize printed_len = 0;
  FILE *out = open_memstream(&printed, &printed_len);
  Frontend fe;
  App *app;

  g_assert_true(config_override(config, set_state, &error));
  g_assert_true(training_prepare(config, scenario, &error));
  g_assert_no_error(error);
  ui = ui_new(&options, &error);
  g_assert_no_error(error);
  fe = testlib_ui_frontend(ui);
  app = app_new(config, &error);
  g_assert_no_error(error);
  g_assert_true(training_start(app, config, out, &error));
  g_assert_no_error(error);
  fclose(out);
  g_assert_nonnull(strstr(printed, DEMO_CODE));

  app_render(app, &fe);
  assert_banner(app);
  shoot(ui, "checkin");
  /* Checked in with the clock at now, not at the appointment's start, and
   * on through the officer's check to the first photo. */
  g_assert_true(demo_walk(app, &fe, DEMO_CODE, now, SESSION_PHOTO, &error));
  g_assert_no_error(error);
  g_assert_cmpint(session_state(app_session(app)), ==, SESSION_PHOTO);
  assert_banner(app);
  if (!scenario)
    shoot(ui, "photo");
  g_assert_true(fe.press(fe.data, VIEW_BUTTON_TAKE));
  g_assert_true(app_settle(app, &fe, 60 * G_USEC_PER_SEC, &error));
  g_assert_no_error(error);
  /* The family is accepted; a scenario shows its refusal, which the
   * officer may override. */
  g_assert_cmpint(has_button(app, VIEW_BUTTON_ACCEPT), ==, !scenario);
  g_assert_cmpint(has_button(app, VIEW_BUTTON_OVERRIDE), ==, !!scenario);
  if (expect_text)
    g_assert_true(view_says(app, expect_text));
  assert_banner(app);
  app_free(app);
  testlib_rmtree(dir);
  *ret_printed = g_steal_pointer(&printed);
}

static void test_checks_in_now(void)
{
  g_autofree char *printed = NULL;

  train_to_verdict(NULL, NULL, &printed);
  g_assert_null(strstr(printed, "Camera scenario"));
}

/* --scenario two-faces: both persons of the family are photographed with
 * the scenario's subject, and the photo is refused for its reason. */
static void test_scenario(void)
{
  g_autofree char *printed = NULL;

  train_to_verdict("two-faces", "Only one person may be in the photo.",
                   &printed);
  g_assert_nonnull(strstr(printed, "Camera scenario: two-faces"));
}

static void test_unknown_scenario(void)
{
  g_autoptr(KioskConfig) config = config_load(NULL, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false(training_prepare(config, "three-faces", &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull(strstr(error->message, "two-faces"));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  /* The log's warning that records are sealed to a demo key is expected:
   * the training key is one. */
  g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add_func("/training/checks-in-now", test_checks_in_now);
  g_test_add_func("/training/scenario", test_scenario);
  g_test_add_func("/training/unknown-scenario", test_unknown_scenario);
  return g_test_run();
}
