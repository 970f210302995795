/* Issue 15's acceptance: the training kiosk as an officer practises on it.
 * The real front end (SDL, offscreen) runs the training kiosk on the
 * embedded configuration; the test checks in with the codes the kiosk
 * printed and takes one person through each camera scenario, chosen with
 * the on-screen Scenario chooser, comparing the screen after the photo
 * (the refusal, or the accepted photo) with tests/ui-reference/training-
 * <scenario>.png, and the chooser itself with training-chooser.png. The
 * photo step shows the still once it is taken, so the live view's motion
 * is not on the compared screen. BK_UPDATE_REFERENCE=1 writes the
 * references (look at them before committing them). */
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "demo-media.h"
#include "demo.h"
#include "pngio.h"
#include "session.h"
#include "testlib-ui.h"
#include "testlib.h"
#include "training-chooser.h"
#include "training.h"
#include "ui.h"

/* Pixels whose channels differ by more than this count as different; the
 * screens are drawn from the same bytes every time, so the allowance only
 * absorbs rounding in the font or JPEG decoders of another machine. */
#define CHANNEL_SLACK  24
#define MAX_DIFF_SHARE 0.002

#define STEP_LIMIT 60

typedef struct {
  KioskConfig *config; /* outlives the app */
  App *app;
  Frontend fe;
  Ui *ui;
  char *dir;
} Kiosk;

static const KioskView *view_now(Kiosk *k)
{
  return session_view(app_session(k->app));
}

static SessionState state_now(Kiosk *k)
{
  return session_state(app_session(k->app));
}

static gboolean has_button(Kiosk *k, const char *id)
{
  const KioskView *v = view_now(k);

  for (int i = 0; i < v->n_buttons; i++)
    if (g_str_equal(v->buttons[i].id, id))
      return TRUE;
  return FALSE;
}

/* A synthetic touch on `target` of the screen drawn last, then the kiosk
 * settles and draws again. */
static void press(Kiosk *k, const char *target)
{
  g_autoptr(GError) error = NULL;

  if (!k->fe.press(k->fe.data, target))
    g_error("'%s' is not on the %s screen (%s: %s)", target,
            session_state_name(state_now(k)), view_now(k)->title,
            view_now(k)->n_lines ? view_now(k)->lines[0] : "");
  /* A worker's wake queued before the touch ends app_settle()'s intake
   * early; the second one takes the touch. */
  for (int i = 0; i < 2; i++)
    g_assert_true(app_settle(k->app, &k->fe, 60 * G_USEC_PER_SEC, &error));
  g_assert_no_error(error);
  app_render(k->app, &k->fe);
}

static void type(Kiosk *k, const char *digits)
{
  for (const char *c = digits; *c; c++) {
    char key[2] = {*c, 0};

    press(k, key);
  }
}

static int count_differences(const BkImage *a, const BkImage *b)
{
  int diff = 0;

  for (int y = 0; y < a->height; y++)
    for (int x = 0; x < a->width; x++) {
      const guint8 *p = image_pixel(a, x, y), *q = image_pixel(b, x, y);

      for (int c = 0; c < a->channels; c++)
        if (ABS(p[c] - q[c]) > CHANNEL_SLACK) {
          diff++;
          break;
        }
    }
  return diff;
}

/* The screen shown now against tests/ui-reference/training-<name>.png. */
static void assert_screen(Kiosk *k, const char *name)
{
  g_autofree char *file = g_strdup_printf("training-%s.png", name);
  g_autofree char *shot = g_build_filename(k->dir, file, NULL);
  g_autofree char *rel = g_build_filename("tests", "ui-reference", file, NULL);
  g_autofree char *ref = testlib_source_path(rel);
  g_autoptr(GError) error = NULL;
  g_autoptr(BkImage) actual = NULL;
  g_autoptr(BkImage) expected = NULL;
  int diff, limit;

  g_assert_true(k->fe.screenshot(k->fe.data, shot, &error));
  g_assert_no_error(error);
  if (g_strcmp0(g_getenv("BK_UPDATE_REFERENCE"), "1") == 0) {
    g_autofree char *data = NULL;
    gsize len = 0;

    g_assert_true(g_file_get_contents(shot, &data, &len, NULL));
    g_assert_true(g_file_set_contents(ref, data, (gssize)len, NULL));
    g_test_message("wrote %s: look at it before committing", ref);
    return;
  }
  actual = pngio_read_file(shot, &error);
  g_assert_no_error(error);
  expected = pngio_read_file(ref, &error);
  g_assert_no_error(error);
  g_assert_cmpint(actual->width, ==, expected->width);
  g_assert_cmpint(actual->height, ==, expected->height);
  g_assert_cmpint(actual->channels, ==, expected->channels);
  diff = count_differences(actual, expected);
  limit = (int)(MAX_DIFF_SHARE * actual->width * actual->height);
  g_test_message("%s: %d pixels differ (allowed %d)", name, diff, limit);
  if (diff > limit) {
    g_autofree char *out_dir = testlib_build_path("ui-actual");
    g_autofree char *out = g_build_filename(out_dir, file, NULL);
    g_autofree char *data = NULL;
    gsize len = 0;

    g_mkdir_with_parents(out_dir, 0755);
    g_file_get_contents(shot, &data, &len, NULL);
    g_file_set_contents(out, data, (gssize)len, NULL);
    g_test_fail_printf("%s differs from %s in %d pixels; ours: %s", name, ref,
                       diff, out);
  }
}

/* The codes of the printed list ("  48213907  10:30  2 persons"). */
static GPtrArray *printed_codes(const char *printed)
{
  g_auto(GStrv) lines = g_strsplit(printed, "\n", -1);
  GPtrArray *codes = g_ptr_array_new_with_free_func(g_free);

  for (guint i = 0; lines[i]; i++) {
    char code[16];
    int hour, minute, persons;

    if (sscanf(lines[i], " %15[0-9] %d:%d %d person", code, &hour, &minute,
               &persons) == 4)
      g_ptr_array_add(codes, g_strdup(code));
  }
  return codes;
}

/* Chooses `choice` with the Scenario button of the screen shown now. */
static void choose(Kiosk *k, const char *choice, gboolean shoot)
{
  g_autofree char *button = g_strconcat(TRAINING_CHOICE_PREFIX, choice, NULL);

  press(k, TRAINING_BUTTON_SCENARIO);
  if (shoot)
    assert_screen(k, "chooser");
  press(k, button);
  /* Back on the screen it was opened over. */
  g_assert_true(has_button(k, VIEW_BUTTON_START));
}

/* From the person screen to the photo's verdict, declaring the covering
 * where the scenario says so. */
static void to_verdict(Kiosk *k, const DemoScenario *scenario)
{
  press(k, VIEW_BUTTON_START);
  if (state_now(k) == SESSION_OFFICER_PIN) {
    type(k, DEMO_PIN);
    press(k, VIEW_KEY_OK);
  }
  g_assert_cmpint(state_now(k), ==, SESSION_OFFICER_CHECK);
  if (scenario->head_covering_declared)
    press(k, VIEW_BUTTON_HEAD_COVERING);
  press(k, VIEW_BUTTON_DOCUMENTS_SEEN);
  g_assert_cmpint(state_now(k), ==, SESSION_PHOTO);
  press(k, VIEW_BUTTON_TAKE);
}

/* The rest of the person as the officer would go on: accept or override
 * the photo, sign, fingerprints, approve; until the next person or the
 * check-in screen. */
static void finish_person(Kiosk *k)
{
  for (int step = 0; step < STEP_LIMIT; step++) {
    switch (state_now(k)) {
    case SESSION_PHOTO:
      press(k, has_button(k, VIEW_BUTTON_ACCEPT) ? VIEW_BUTTON_ACCEPT
                                                 : VIEW_BUTTON_OVERRIDE);
      break;
    case SESSION_SIGNATURE:
    case SESSION_FINGERPRINT:
      press(k, VIEW_BUTTON_ACCEPT);
      break;
    case SESSION_REVIEW:
      press(k, VIEW_BUTTON_APPROVE);
      break;
    case SESSION_DONE:
      press(k, VIEW_BUTTON_NEXT);
      break;
    case SESSION_MESSAGE: /* the appointment's goodbye */
      press(k, VIEW_BUTTON_OK);
      break;
    case SESSION_PERSON:
    case SESSION_CHECKIN:
      return;
    default:
      g_error("unexpected %s screen", session_state_name(state_now(k)));
    }
  }
  g_error("stuck on the %s screen", session_state_name(state_now(k)));
}

static void start_kiosk(Kiosk *k, char **ret_printed)
{
  g_autofree char *set_state = NULL;
  g_autoptr(GError) error = NULL;
  UiOptions options = {.width = 1280, .height = 800, .headless = TRUE};
  KioskConfig *config = k->config = config_load(NULL, &error);
  gsize printed_len = 0;
  FILE *out = open_memstream(ret_printed, &printed_len);

  g_assert_no_error(error);
  k->dir = testlib_mkdtemp();
  set_state = g_strdup_printf("paths.state_dir=%s", k->dir);
  g_assert_true(config_override(config, set_state, &error));
  g_assert_true(training_prepare(config, NULL, &error));
  g_assert_no_error(error);
  k->ui = ui_new(&options, &error);
  g_assert_no_error(error);
  k->fe = testlib_ui_frontend(k->ui);
  k->app = app_new(config, &error);
  g_assert_no_error(error);
  g_assert_true(training_start(k->app, config, out, &error));
  g_assert_no_error(error);
  fclose(out);
  app_render(k->app, &k->fe);
}

/* Through the messages (another location, a person skipped, goodbye)
 * until a person to capture or the check-in screen. */
static void to_next_person(Kiosk *k)
{
  for (int step = 0; step < STEP_LIMIT; step++) {
    if (state_now(k) == SESSION_MESSAGE)
      press(k, VIEW_BUTTON_OK);
    else if (state_now(k) == SESSION_PERSON &&
             !has_button(k, VIEW_BUTTON_START))
      press(k, VIEW_BUTTON_NEXT);
    else
      return;
  }
  g_error("stuck on the %s screen", session_state_name(state_now(k)));
}

static void test_every_camera_scenario(void)
{
  Kiosk k = {0};
  g_autofree char *printed = NULL;
  g_autoptr(GPtrArray) codes = NULL;
  const DemoScenario *scenarios;
  gsize n_scenarios = 0, done = 0;
  gint64 start = g_get_monotonic_time();

  start_kiosk(&k, &printed);
  codes = printed_codes(printed);
  g_assert_cmpuint(codes->len, >, 0);
  scenarios = demo_media_scenarios(&n_scenarios);
  g_assert_cmpuint(n_scenarios, ==, 8);
  /* The printed codes in turn, again from the first when they run out
   * (a training appointment may come back). */
  for (guint c = 0; done < n_scenarios && c < 8 * codes->len; c++) {
    if (state_now(&k) != SESSION_CHECKIN)
      g_error("not back at check-in but on %s: %s",
              session_state_name(state_now(&k)), view_now(&k)->title);
    type(&k, g_ptr_array_index(codes, c % codes->len));
    press(&k, VIEW_KEY_OK);
    to_next_person(&k);
    while (state_now(&k) == SESSION_PERSON && done < n_scenarios) {
      const DemoScenario *scenario = &scenarios[done];

      choose(&k, scenario->id, done == 0);
      to_verdict(&k, scenario);
      g_assert_cmpint(state_now(&k), ==, SESSION_PHOTO);
      g_assert_cmpint(has_button(&k, VIEW_BUTTON_ACCEPT), ==,
                      g_str_equal(scenario->verdict, "accept"));
      g_assert_cmpint(has_button(&k, VIEW_BUTTON_OVERRIDE), ==,
                      g_str_equal(scenario->verdict, "refuse"));
      assert_screen(&k, scenario->id);
      finish_person(&k);
      to_next_person(&k);
      done++;
    }
  }
  g_assert_cmpuint(done, ==, n_scenarios);
  g_assert_cmpuint(app_stored_records(k.app)->len, ==, n_scenarios);
  g_test_message("%zu persons, %.1f s", done,
                 (g_get_monotonic_time() - start) / 1e6);
  app_free(k.app);
  config_free(k.config);
  ui_free(k.ui);
  testlib_rmtree(k.dir);
  g_free(k.dir);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  /* Records sealed to the training key log the demo key's warning. */
  g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add_func("/training-kiosk/every-camera-scenario",
                  test_every_camera_scenario);
  return g_test_run();
}
