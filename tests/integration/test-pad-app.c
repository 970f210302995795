/* The sim pad's reference rendering, and the pad's state in the real kiosk (app
 * loop, SDL front end offscreen), with the simulator's faults: a pad absent at
 * start-up is an error state on screen (footer and signing area), never a
 * fallback; a pad unplugged in the middle of a signature shows as recovering,
 * the ink written so far disappears, the applicant is asked to sign again, and
 * the signature kept is the second one. */
#include <string.h>

#include "app.h"
#include "appointments.h"
#include "demo-media.h"
#include "demo.h"
#include "pad-reference.h"
#include "pad.h"
#include "resources.h"
#include "steps.h"
#include "testlib.h"
#include "ui.h"

typedef struct {
  Ui *ui;
  App *app;
  int max_ink;          /* the most ink one render showed */
  gboolean ink_dropped; /* a render showed less ink than one before */
  int last_ink;
  GPtrArray *notices; /* every notice the signing area showed */
  KioskConfig *config;
} Screen;

static void screen_render(gpointer data, const KioskView *view)
{
  Screen *s = data;

  ui_render(s->ui, view);
  if (view->screen != VIEW_SIGNATURE)
    return;
  if (view->ink.n_points < s->last_ink)
    s->ink_dropped = TRUE;
  s->last_ink = view->ink.n_points;
  s->max_ink = MAX(s->max_ink, view->ink.n_points);
  if (view->ink.notice &&
      (!s->notices->len ||
       !g_str_equal(g_ptr_array_index(s->notices, s->notices->len - 1),
                    view->ink.notice)))
    g_ptr_array_add(s->notices, g_strdup(view->ink.notice));
}

static gboolean screen_next_intent(gpointer data, int timeout_ms,
                                   KioskIntent *ret_intent)
{
  Screen *s = data;
  const KioskView *v = session_view(app_session(s->app));

  if (v->screen == VIEW_SIGNATURE && v->n_buttons > 0) {
    memset(ret_intent, 0, sizeof *ret_intent);
    ret_intent->type = INTENT_QUIT;
    return TRUE;
  }
  return ui_next_intent(s->ui, timeout_ms, ret_intent);
}

static void screen_wake(gpointer data)
{
  ui_wake(((Screen *)data)->ui);
}

static gboolean screen_press(gpointer data, const char *target)
{
  return ui_press(((Screen *)data)->ui, target);
}

/* The kiosk on the embedded configuration with the sim pad's `options`
 * (KEY=VALUE overrides), in a fresh state folder. */
static App *kiosk_new(Screen *s, const char *dir, const char *const *sets)
{
  g_autoptr(GError) error = NULL;
  KioskConfig *config = config_load(NULL, &error);
  g_autofree char *set_state = g_strdup_printf("paths.state_dir=%s", dir);
  g_autofree char *media = NULL;
  UiOptions options = {.width = 1280, .height = 800, .headless = TRUE};
  guint imported;

  g_assert_no_error(error);
  g_assert_true(config_override(config, set_state, &error));
  /* A back-office key of its own; the demo's script types the demo PIN,
   * which is then warned about. */
  g_assert_true(config_override(config,
                                "paths.backoffice_public_key="
                                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                                &error));
  for (int i = 0; sets[i]; i++)
    g_assert_true(config_override(config, sets[i], &error));
  media = config_resolve_path(
      config, g_hash_table_lookup(config->camera_options, "folder"));
  g_assert_true(demo_media_write_portraits(media, &error));
  s->ui = ui_new(&options, &error);
  g_assert_no_error(error);
  s->notices = g_ptr_array_new_with_free_func(g_free);
  g_test_expect_message(NULL, G_LOG_LEVEL_WARNING, "*DEMO PIN*");
  s->app = app_new(config, &error);
  g_assert_no_error(error);
  g_test_assert_expected_messages();
  g_assert_true(appointments_import_data(app_database(s->app),
                                         resources_sample_schedule(), -1,
                                         &imported, &error));
  s->config = config; /* the app borrows it */
  return s->app;
}

static void screen_clear(Screen *s)
{
  app_free(s->app);
  config_free(s->config);
  ui_free(s->ui);
  g_ptr_array_unref(s->notices);
}

static void test_absent_at_start(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  const char *sets[] = {"devices.pad=sim", "pad.absent=true", NULL};
  Screen s = {0};
  Frontend fe = {
      screen_render, screen_next_intent, screen_wake, screen_press, NULL, &s};
  App *app = kiosk_new(&s, dir, sets);
  gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  const char *footer = NULL;
  g_autoptr(GError) error = NULL;

  /* The check-in screen already says so, in the footer. */
  while (g_get_monotonic_time() < end) {
    g_assert_true(app_settle(app, &fe, G_USEC_PER_SEC, &error));
    footer = session_view(app_session(app))->footer;
    if (footer && strstr(footer, "Signature pad: absent"))
      break;
    g_usleep(50000);
  }
  g_assert_nonnull(strstr(footer, "Signature pad: absent"));
  g_assert_nonnull(strstr(footer, "option absent=true"));
  screen_clear(&s);
  testlib_rmtree(dir);
}

static gboolean has_button(App *app, const char *id)
{
  const KioskView *v = session_view(app_session(app));

  for (int i = 0; i < v->n_buttons; i++)
    if (g_str_equal(v->buttons[i].id, id))
      return TRUE;
  return FALSE;
}

static void test_unplugged_mid_signature(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  const char *sets[] = {"devices.pad=sim", "pad.realtime=true",
                        "pad.disconnect_after=120", NULL};
  Screen s = {0};
  Frontend fe = {
      screen_render, screen_next_intent, screen_wake, screen_press, NULL, &s};
  App *app = kiosk_new(&s, dir, sets);
  g_autoptr(GError) error = NULL;
  const KioskView *view;
  gboolean asked_again = FALSE;

  g_assert_true(demo_walk(app, &fe, DEMO_CODE, NULL, SESSION_PHOTO, &error));
  g_assert_true(ui_press(s.ui, VIEW_BUTTON_TAKE));
  g_assert_true(app_settle(app, &fe, 30 * G_USEC_PER_SEC, &error));
  app_render(app, &fe);
  g_assert_true(ui_press(s.ui, has_button(app, VIEW_BUTTON_ACCEPT)
                                   ? VIEW_BUTTON_ACCEPT
                                   : VIEW_BUTTON_OVERRIDE));
  app_run(app, &fe, NULL, NULL);
  for (guint i = 0; i < s.notices->len; i++) {
    g_test_message("notice: %s", (char *)s.notices->pdata[i]);
    asked_again |= strstr(s.notices->pdata[i], "sign again") != NULL;
  }
  /* The first 120 samples were drawn, then wiped; the applicant was told
   * to sign again; the second signing is the one checked. */
  g_assert_cmpint(s.max_ink, >=, 120);
  g_assert_true(s.ink_dropped);
  g_assert_true(asked_again);
  view = session_view(app_session(app));
  g_assert_cmpstr(view->buttons[0].id, ==, VIEW_BUTTON_ACCEPT);
  g_assert_null(app_last_device_error(app));
  screen_clear(&s);
  testlib_rmtree(dir);
}

/* The simulator's signature, after the checks, renders to the committed
 * reference (each backend has one: the evdev tablets' and the touch
 * screen's are in their own tests). */
static void test_sim_reference(void)
{
  g_autoptr(GHashTable) options =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(BkPad) pad = NULL;
  SignatureOutcome outcome = {0};
  GArray *samples;

  g_hash_table_insert(options, g_strdup("seed"), g_strdup("1"));
  pad = pad_open("sim", options, &error);
  g_assert_no_error(error);
  samples = pad_collect(pad, 5000, NULL, &error);
  g_assert_no_error(error);
  g_assert_true(steps_signature(samples, &outcome, &error));
  g_assert_true(outcome.ok);
  pad_assert_reference(outcome.rendered,
                       "tests/ui-reference/sim-signature.png");
  signature_outcome_clear(&outcome);
}

/* Cancel on the pad: the applicant's choice, not device trouble. The
 * screen says no signature came and offers to try again; the footer names
 * no trouble. */
static void test_cancelled_on_pad(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  const char *sets[] = {"devices.pad=sim", "pad.realtime=true",
                        "pad.cancel_after=60", NULL};
  Screen s = {0};
  Frontend fe = {
      screen_render, screen_next_intent, screen_wake, screen_press, NULL, &s};
  App *app = kiosk_new(&s, dir, sets);
  g_autoptr(GError) error = NULL;
  const KioskView *view;

  g_assert_true(demo_walk(app, &fe, DEMO_CODE, NULL, SESSION_PHOTO, &error));
  g_assert_true(ui_press(s.ui, VIEW_BUTTON_TAKE));
  g_assert_true(app_settle(app, &fe, 30 * G_USEC_PER_SEC, &error));
  app_render(app, &fe);
  g_assert_true(ui_press(s.ui, has_button(app, VIEW_BUTTON_ACCEPT)
                                   ? VIEW_BUTTON_ACCEPT
                                   : VIEW_BUTTON_OVERRIDE));
  app_run(app, &fe, NULL, NULL);
  view = session_view(app_session(app));
  g_assert_cmpstr(view->buttons[0].id, ==, VIEW_BUTTON_REDO);
  g_assert_cmpstr(view->lines[view->n_lines - 1], ==,
                  "No signature was received.");
  g_assert_null(strstr(view->footer ? view->footer : "", "cancelled"));
  screen_clear(&s);
  testlib_rmtree(dir);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/pad-app/sim-reference", test_sim_reference);
  g_test_add_func("/pad-app/absent-at-start", test_absent_at_start);
  g_test_add_func("/pad-app/cancelled-on-pad", test_cancelled_on_pad);
  g_test_add_func("/pad-app/unplugged-mid-signature",
                  test_unplugged_mid_signature);
  return g_test_run();
}
