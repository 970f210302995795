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
#include "test-training-lib.h"
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
static void assert_screen(TrainingKiosk *k, const char *name)
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
static void choose(TrainingKiosk *k, const char *choice, gboolean shoot)
{
  g_autofree char *button = g_strconcat(TRAINING_CHOICE_PREFIX, choice, NULL);

  training_kiosk_press(k, TRAINING_BUTTON_SCENARIO);
  if (shoot)
    assert_screen(k, "chooser");
  training_kiosk_press(k, button);
  /* Back on the screen it was opened over. */
  g_assert_true(training_kiosk_has_button(k, VIEW_BUTTON_START));
}

/* From the person screen to the photo's verdict, declaring the covering
 * where the scenario says so. */
static void to_verdict(TrainingKiosk *k, const DemoScenario *scenario)
{
  training_kiosk_press(k, VIEW_BUTTON_START);
  if (training_kiosk_state(k) == SESSION_OFFICER_PIN) {
    training_kiosk_type(k, DEMO_PIN);
    training_kiosk_press(k, VIEW_KEY_OK);
  }
  g_assert_cmpint(training_kiosk_state(k), ==, SESSION_OFFICER_CHECK);
  if (scenario->head_covering_declared)
    training_kiosk_press(k, VIEW_BUTTON_HEAD_COVERING);
  training_kiosk_press(k, VIEW_BUTTON_DOCUMENTS_SEEN);
  g_assert_cmpint(training_kiosk_state(k), ==, SESSION_PHOTO);
  training_kiosk_press(k, VIEW_BUTTON_TAKE);
}

/* The rest of the person as the officer would go on: accept or override
 * the photo, sign, fingerprints, approve; until the next person or the
 * check-in screen. */
static void finish_person(TrainingKiosk *k)
{
  for (int step = 0; step < STEP_LIMIT; step++) {
    switch (training_kiosk_state(k)) {
    case SESSION_PHOTO:
      training_kiosk_press(k, training_kiosk_has_button(k, VIEW_BUTTON_ACCEPT)
                                  ? VIEW_BUTTON_ACCEPT
                                  : VIEW_BUTTON_OVERRIDE);
      break;
    case SESSION_SIGNATURE:
    case SESSION_FINGERPRINT:
      training_kiosk_press(k, VIEW_BUTTON_ACCEPT);
      break;
    case SESSION_REVIEW:
      training_kiosk_press(k, VIEW_BUTTON_APPROVE);
      break;
    case SESSION_DONE:
      training_kiosk_press(k, VIEW_BUTTON_NEXT);
      break;
    case SESSION_MESSAGE: /* the appointment's goodbye */
      training_kiosk_press(k, VIEW_BUTTON_OK);
      break;
    case SESSION_PERSON:
    case SESSION_CHECKIN:
      return;
    default:
      g_error("unexpected %s screen",
              session_state_name(training_kiosk_state(k)));
    }
  }
  g_error("stuck on the %s screen",
          session_state_name(training_kiosk_state(k)));
}

/* Through the messages (another location, a person skipped, goodbye)
 * until a person to capture or the check-in screen. */
static void to_next_person(TrainingKiosk *k)
{
  for (int step = 0; step < STEP_LIMIT; step++) {
    if (training_kiosk_state(k) == SESSION_MESSAGE)
      training_kiosk_press(k, VIEW_BUTTON_OK);
    else if (training_kiosk_state(k) == SESSION_PERSON &&
             !training_kiosk_has_button(k, VIEW_BUTTON_START))
      training_kiosk_press(k, VIEW_BUTTON_NEXT);
    else
      return;
  }
  g_error("stuck on the %s screen",
          session_state_name(training_kiosk_state(k)));
}

static void test_every_camera_scenario(void)
{
  TrainingKiosk k = {0};
  g_autofree char *printed = NULL;
  g_autoptr(GPtrArray) codes = NULL;
  const DemoScenario *scenarios;
  gsize n_scenarios = 0, done = 0;
  gint64 start = g_get_monotonic_time();

  training_kiosk_start(&k, TRUE, &printed);
  codes = printed_codes(printed);
  g_assert_cmpuint(codes->len, >, 0);
  scenarios = demo_media_scenarios(&n_scenarios);
  g_assert_cmpuint(n_scenarios, ==, 8);
  /* The printed codes in turn, again from the first when they run out
   * (a training appointment may come back). */
  for (guint c = 0; done < n_scenarios && c < 8 * codes->len; c++) {
    if (training_kiosk_state(&k) != SESSION_CHECKIN)
      g_error("not back at check-in but on %s: %s",
              session_state_name(training_kiosk_state(&k)),
              training_kiosk_view(&k)->title);
    training_kiosk_type(&k, g_ptr_array_index(codes, c % codes->len));
    training_kiosk_press(&k, VIEW_KEY_OK);
    to_next_person(&k);
    while (training_kiosk_state(&k) == SESSION_PERSON && done < n_scenarios) {
      const DemoScenario *scenario = &scenarios[done];

      choose(&k, scenario->id, done == 0);
      to_verdict(&k, scenario);
      g_assert_cmpint(training_kiosk_state(&k), ==, SESSION_PHOTO);
      g_assert_cmpint(training_kiosk_has_button(&k, VIEW_BUTTON_ACCEPT), ==,
                      g_str_equal(scenario->verdict, "accept"));
      g_assert_cmpint(training_kiosk_has_button(&k, VIEW_BUTTON_OVERRIDE), ==,
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
  training_kiosk_stop(&k);
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
