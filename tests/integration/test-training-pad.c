/* Training mode's reader and pad scenarios in the running kiosk (real
 * front end, offscreen), chosen with the on-screen Scenario chooser: a
 * signature too small is refused with its reason and the second signing is
 * taken; a pad unplugged mid-signature makes the signing area say so while
 * it is away, and once it is back the applicant signs again and that is
 * taken; a poor finger is refused three times, then the kiosk waits for a
 * retry. The chooser is never offered outside training.
 * BK_TRAINING_SHOTS=DIR keeps the small signature's refusal and the
 * unplugged pad's notice (docs/training.md shows them). */
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "appointments.h"
#include "demo.h"
#include "resources.h"
#include "session.h"
#include "../e2e/test-training-lib.h"
#include "testlib.h"
#include "training-chooser.h"
#include "training.h"
#include "ui.h"

typedef struct {
  TrainingKiosk tk; /* its fe notes the signing area's notices */
  Frontend inner;   /* the real front end */
  GPtrArray *notices;
  gboolean until_signed; /* app_run ends once a signature is judged */
} Kiosk;

/* BK_TRAINING_SHOTS=DIR keeps the screens docs/training.md shows. */
static void shoot(Kiosk *k, const char *name)
{
  const char *dir = g_getenv("BK_TRAINING_SHOTS");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (!dir)
    return;
  path = g_strdup_printf("%s/training-%s.png", dir, name);
  g_assert_true(k->inner.screenshot(k->inner.data, path, &error));
  g_assert_no_error(error);
}

static void note_render(gpointer data, const KioskView *view)
{
  Kiosk *k = data;
  GPtrArray *n = k->notices;

  k->inner.render(k->inner.data, view);
  if (view->screen == VIEW_SIGNATURE && view->ink.notice &&
      (!n->len || !g_str_equal(n->pdata[n->len - 1], view->ink.notice))) {
    g_ptr_array_add(n, g_strdup(view->ink.notice));
    if (strstr(view->ink.notice, "disconnected"))
      shoot(k, "pad-unplugged");
  }
}

static gboolean pass_next_intent(gpointer data, int timeout_ms,
                                 KioskIntent *ret_intent)
{
  Kiosk *k = data;
  const KioskView *v = training_kiosk_view(&k->tk);

  if (k->until_signed && v->screen == VIEW_SIGNATURE && v->n_buttons > 0) {
    memset(ret_intent, 0, sizeof *ret_intent);
    ret_intent->type = INTENT_QUIT;
    return TRUE;
  }
  return k->inner.next_intent(k->inner.data, timeout_ms, ret_intent);
}

static void pass_wake(gpointer data)
{
  Kiosk *k = data;

  k->inner.wake(k->inner.data);
}

static gboolean pass_press(gpointer data, const char *target)
{
  Kiosk *k = data;

  return k->inner.press(k->inner.data, target);
}

static gboolean says(Kiosk *k, const char *text)
{
  const KioskView *v = training_kiosk_view(&k->tk);

  for (int i = 0; i < v->n_lines; i++)
    if (strstr(v->lines[i], text))
      return TRUE;
  return FALSE;
}

static void kiosk_start(Kiosk *k, gboolean training)
{
  g_autofree char *printed = NULL;

  training_kiosk_start(&k->tk, training, &printed);
  k->inner = k->tk.fe;
  k->tk.fe =
      (Frontend){note_render, pass_next_intent, pass_wake, pass_press, NULL, k};
  k->notices = g_ptr_array_new_with_free_func(g_free);
}

static void kiosk_stop(Kiosk *k)
{
  training_kiosk_stop(&k->tk);
  g_ptr_array_unref(k->notices);
}

/* Checks the family in, and on the first person's screen chooses
 * `choice` with the Scenario button; then on to the photo, accepted. */
static void family_to_signature(Kiosk *k, const char *choice)
{
  g_autofree char *button = g_strconcat(TRAINING_CHOICE_PREFIX, choice, NULL);

  training_kiosk_type(&k->tk, DEMO_CODE);
  training_kiosk_press(&k->tk, VIEW_KEY_OK);
  training_kiosk_press(&k->tk, TRAINING_BUTTON_SCENARIO);
  training_kiosk_press(&k->tk, button);
  training_kiosk_press(&k->tk, VIEW_BUTTON_START);
  training_kiosk_type(&k->tk, DEMO_PIN);
  training_kiosk_press(&k->tk, VIEW_KEY_OK);
  training_kiosk_press(&k->tk, VIEW_BUTTON_DOCUMENTS_SEEN);
  training_kiosk_press(&k->tk, VIEW_BUTTON_TAKE);
  /* The loop runs as the kiosk does, drawing every change, until the
   * signature is judged. */
  g_assert_true(k->tk.fe.press(k->tk.fe.data, VIEW_BUTTON_ACCEPT));
  k->until_signed = TRUE;
  app_run(k->tk.app, &k->tk.fe, NULL, NULL);
  k->until_signed = FALSE;
  app_render(k->tk.app, &k->tk.fe);
  g_assert_cmpint(training_kiosk_state(&k->tk), ==, SESSION_SIGNATURE);
}

static void test_small_signature(void)
{
  Kiosk k = {0};

  kiosk_start(&k, TRUE);
  family_to_signature(&k, "small-signature");
  g_assert_true(training_kiosk_view(&k.tk)->warning);
  g_assert_true(says(&k, "The signature is too small."));
  g_assert_true(training_kiosk_has_button(&k.tk, VIEW_BUTTON_REDO));
  shoot(&k, "small-signature");
  /* It plays once: signing again is taken. */
  training_kiosk_press(&k.tk, VIEW_BUTTON_REDO);
  g_assert_true(training_kiosk_has_button(&k.tk, VIEW_BUTTON_ACCEPT));
  kiosk_stop(&k);
}

static void test_pad_unplugged(void)
{
  Kiosk k = {0};
  gboolean away = FALSE, again = FALSE;

  kiosk_start(&k, TRUE);
  family_to_signature(&k, "unplugged");
  for (guint i = 0; i < k.notices->len; i++) {
    g_test_message("notice: %s", (char *)k.notices->pdata[i]);
    away |= strstr(k.notices->pdata[i], "disconnected") != NULL;
    again |= strstr(k.notices->pdata[i], "sign again") != NULL;
  }
  /* The signing area said the pad was gone; once it was back the
   * applicant signed again (the "sign again" notice may be replaced by
   * the new signature before a frame shows it: the sim pad is not
   * realtime here), and that signature is the one shown for approval. */
  g_assert_true(away);
  g_test_message("'sign again' shown: %s", again ? "yes" : "no");
  g_assert_true(training_kiosk_has_button(&k.tk, VIEW_BUTTON_ACCEPT));
  g_assert_null(app_last_device_error(k.tk.app));
  kiosk_stop(&k);
}

static void test_poor_finger(void)
{
  Kiosk k = {0};

  kiosk_start(&k, TRUE);
  family_to_signature(&k, "poor-finger");
  training_kiosk_press(&k.tk, VIEW_BUTTON_ACCEPT);
  g_assert_cmpint(training_kiosk_state(&k.tk), ==, SESSION_FINGERPRINT);
  /* Three poor attempts of the right index, then the kiosk stops asking:
   * try again, or (officer mode) record the finger as missing. */
  g_assert_true(training_kiosk_view(&k.tk)->warning);
  g_assert_true(training_kiosk_has_button(&k.tk, VIEW_BUTTON_RETRY));
  g_assert_false(training_kiosk_has_button(&k.tk, VIEW_BUTTON_ACCEPT));
  kiosk_stop(&k);
}

/* Outside training the screens have no Scenario button. */
static void test_not_outside_training(void)
{
  Kiosk k = {0};
  g_autoptr(GError) error = NULL;

  kiosk_start(&k, FALSE);
  g_assert_false(training_kiosk_has_button(&k.tk, TRAINING_BUTTON_SCENARIO));
  g_assert_false(k.tk.fe.press(k.tk.fe.data, TRAINING_BUTTON_SCENARIO));
  g_assert_true(
      demo_walk(k.tk.app, &k.tk.fe, DEMO_CODE, NULL, SESSION_PERSON, &error));
  g_assert_no_error(error);
  app_render(k.tk.app, &k.tk.fe);
  g_assert_true(training_kiosk_has_button(&k.tk, VIEW_BUTTON_START));
  g_assert_false(training_kiosk_has_button(&k.tk, TRAINING_BUTTON_SCENARIO));
  g_assert_false(k.tk.fe.press(k.tk.fe.data, TRAINING_BUTTON_SCENARIO));
  kiosk_stop(&k);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add_func("/training-pad/small-signature", test_small_signature);
  g_test_add_func("/training-pad/pad-unplugged", test_pad_unplugged);
  g_test_add_func("/training-pad/poor-finger", test_poor_finger);
  g_test_add_func("/training-pad/not-outside-training",
                  test_not_outside_training);
  return g_test_run();
}
