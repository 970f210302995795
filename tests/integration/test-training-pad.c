/* Training mode's reader and pad scenarios in the running kiosk (real
 * front end, offscreen), chosen with the on-screen Scenario chooser: a
 * signature too small is refused with its reason and the second signing is
 * taken; a pad unplugged mid-signature makes the signing area say so while
 * it is away, asks to sign again once it is back, and the signature is
 * taken; a poor finger is refused three times, then the kiosk waits for a
 * retry. The chooser is never offered outside training. */
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "appointments.h"
#include "demo.h"
#include "resources.h"
#include "session.h"
#include "testlib-ui.h"
#include "testlib.h"
#include "training-chooser.h"
#include "training.h"
#include "ui.h"

typedef struct {
  KioskConfig *config;
  App *app;
  Ui *ui;
  Frontend inner; /* the real front end */
  Frontend fe;    /* the same, noting the signing area's notices */
  GPtrArray *notices;
  char *dir;
  gboolean until_signed; /* app_run ends once a signature is judged */
} Kiosk;

static void note_render(gpointer data, const KioskView *view)
{
  Kiosk *k = data;
  GPtrArray *n = k->notices;

  k->inner.render(k->inner.data, view);
  if (view->screen == VIEW_SIGNATURE && view->ink.notice &&
      (!n->len || !g_str_equal(n->pdata[n->len - 1], view->ink.notice)))
    g_ptr_array_add(n, g_strdup(view->ink.notice));
}

static gboolean pass_next_intent(gpointer data, int timeout_ms,
                                 KioskIntent *ret_intent)
{
  Kiosk *k = data;
  const KioskView *v = session_view(app_session(k->app));

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

static const KioskView *view_now(Kiosk *k)
{
  return session_view(app_session(k->app));
}

static gboolean has_button(Kiosk *k, const char *id)
{
  const KioskView *v = view_now(k);

  for (int i = 0; i < v->n_buttons; i++)
    if (g_str_equal(v->buttons[i].id, id))
      return TRUE;
  return FALSE;
}

static gboolean says(Kiosk *k, const char *text)
{
  const KioskView *v = view_now(k);

  for (int i = 0; i < v->n_lines; i++)
    if (strstr(v->lines[i], text))
      return TRUE;
  return FALSE;
}

static void press(Kiosk *k, const char *target)
{
  g_autoptr(GError) error = NULL;

  if (!k->fe.press(k->fe.data, target))
    g_error("'%s' is not on the %s screen", target,
            session_state_name(session_state(app_session(k->app))));
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

static void kiosk_start(Kiosk *k, gboolean training)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *set_state = NULL;
  g_autofree char *printed = NULL;
  gsize printed_len = 0;
  UiOptions options = {.width = 1280, .height = 800, .headless = TRUE};
  FILE *out = open_memstream(&printed, &printed_len);
  guint imported = 0;

  k->dir = testlib_mkdtemp();
  set_state = g_strdup_printf("paths.state_dir=%s", k->dir);
  k->config = config_load(NULL, &error);
  g_assert_true(config_override(k->config, set_state, &error));
  g_assert_true(!training || training_prepare(k->config, NULL, &error));
  g_assert_no_error(error);
  k->ui = ui_new(&options, &error);
  g_assert_no_error(error);
  k->inner = testlib_ui_frontend(k->ui);
  k->fe =
      (Frontend){note_render, pass_next_intent, pass_wake, pass_press, NULL, k};
  k->notices = g_ptr_array_new_with_free_func(g_free);
  k->app = app_new(k->config, &error);
  g_assert_no_error(error);
  if (training)
    g_assert_true(training_start(k->app, k->config, out, &error));
  else
    g_assert_true(appointments_import_data(app_database(k->app),
                                           resources_sample_schedule(), -1,
                                           &imported, &error));
  g_assert_no_error(error);
  fclose(out);
  app_render(k->app, &k->fe);
}

static void kiosk_stop(Kiosk *k)
{
  app_free(k->app);
  config_free(k->config);
  ui_free(k->ui);
  g_ptr_array_unref(k->notices);
  testlib_rmtree(k->dir);
  g_free(k->dir);
}

/* Checks the family in, and on the first person's screen chooses
 * `choice` with the Scenario button; then on to the photo, accepted. */
static void family_to_signature(Kiosk *k, const char *choice)
{
  g_autofree char *button = g_strconcat(TRAINING_CHOICE_PREFIX, choice, NULL);

  type(k, DEMO_CODE);
  press(k, VIEW_KEY_OK);
  press(k, TRAINING_BUTTON_SCENARIO);
  press(k, button);
  press(k, VIEW_BUTTON_START);
  type(k, DEMO_PIN);
  press(k, VIEW_KEY_OK);
  press(k, VIEW_BUTTON_DOCUMENTS_SEEN);
  press(k, VIEW_BUTTON_TAKE);
  /* The loop runs as the kiosk does, drawing every change, until the
   * signature is judged. */
  g_assert_true(k->fe.press(k->fe.data, VIEW_BUTTON_ACCEPT));
  k->until_signed = TRUE;
  app_run(k->app, &k->fe, NULL, NULL);
  k->until_signed = FALSE;
  app_render(k->app, &k->fe);
  g_assert_cmpint(session_state(app_session(k->app)), ==, SESSION_SIGNATURE);
}

static void test_small_signature(void)
{
  Kiosk k = {0};

  kiosk_start(&k, TRUE);
  family_to_signature(&k, "small-signature");
  g_assert_true(view_now(&k)->warning);
  g_assert_true(says(&k, "The signature is too small."));
  g_assert_true(has_button(&k, VIEW_BUTTON_REDO));
  /* It plays once: signing again is taken. */
  press(&k, VIEW_BUTTON_REDO);
  g_assert_true(has_button(&k, VIEW_BUTTON_ACCEPT));
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
  g_assert_true(has_button(&k, VIEW_BUTTON_ACCEPT));
  g_assert_null(app_last_device_error(k.app));
  kiosk_stop(&k);
}

static void test_poor_finger(void)
{
  Kiosk k = {0};

  kiosk_start(&k, TRUE);
  family_to_signature(&k, "poor-finger");
  press(&k, VIEW_BUTTON_ACCEPT);
  g_assert_cmpint(session_state(app_session(k.app)), ==, SESSION_FINGERPRINT);
  /* Three poor attempts of the right index, then the kiosk stops asking:
   * try again, or (officer mode) record the finger as missing. */
  g_assert_true(view_now(&k)->warning);
  g_assert_true(has_button(&k, VIEW_BUTTON_RETRY));
  g_assert_false(has_button(&k, VIEW_BUTTON_ACCEPT));
  kiosk_stop(&k);
}

/* Outside training the screens have no Scenario button. */
static void test_not_outside_training(void)
{
  Kiosk k = {0};
  g_autoptr(GError) error = NULL;

  kiosk_start(&k, FALSE);
  g_assert_false(has_button(&k, TRAINING_BUTTON_SCENARIO));
  g_assert_false(k.fe.press(k.fe.data, TRAINING_BUTTON_SCENARIO));
  g_assert_true(
      demo_walk(k.app, &k.fe, DEMO_CODE, NULL, SESSION_PERSON, &error));
  g_assert_no_error(error);
  app_render(k.app, &k.fe);
  g_assert_true(has_button(&k, VIEW_BUTTON_START));
  g_assert_false(has_button(&k, TRAINING_BUTTON_SCENARIO));
  g_assert_false(k.fe.press(k.fe.data, TRAINING_BUTTON_SCENARIO));
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
