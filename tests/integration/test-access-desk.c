/* The applicant's time and reach through the running kiosk (issue 13,
 * items 3 and 4): the real front end headless, synthetic touches, the
 * demo's appointment.
 * - The applicant walks away from the photo step. "Do you need more time?"
 *   comes idle_warning_s before the reset, as a screen the speech guide
 *   reads out; one touch brings the photo step back where it was.
 * - Walked away for good: the kiosk resets to a check-in screen identical
 *   to the one before the appointment (no name on it), and neither the
 *   session, the application nor the front end's rendered texts keep the
 *   person's data.
 * - Seated, chosen on the check-in screen: every touch target of every
 *   applicant screen of the appointment lies below the reach line; the next
 *   check-in is standing again.
 * Time is real here (10 s timeout, 5 s warning); tests/unit/
 * test-session-officers.c counts the seconds without waiting. */
#include <string.h>

#include "demo.h"
#include "fpreader.h"
#include "image.h"
#include "kiosk-desk.h"
#include "pngio.h"
#include "speech-guide.h"
#include "testlib-ui.h"
#include "testlib.h"
#include "ui-layout.h"

#define SHOTS "access-screens"

static const char *const short_idle[] = {
    "kiosk.idle_timeout_s=10",
    "kiosk.idle_warning_s=5",
    NULL,
};

/* Lets `us` of real time pass, then handles what is due. */
static void walk_away(KioskDesk *d, gint64 us)
{
  g_usleep(us);
  kiosk_desk_settle(d);
}

static BkImage *frame(KioskDesk *d, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  BkImage *image;

  kiosk_desk_screenshot(d, SHOTS, name);
  path = testlib_ui_screen_path(SHOTS, name);
  image = pngio_read_file(path, &error);
  g_assert_no_error(error);
  return image;
}

static gboolean same_pixels(const BkImage *a, const BkImage *b)
{
  if (a->width != b->width || a->height != b->height ||
      a->channels != b->channels)
    return FALSE;
  for (int y = 0; y < a->height; y++)
    if (memcmp(a->pixels + y * a->stride, b->pixels + y * b->stride,
               (gsize)a->width * a->channels) != 0)
      return FALSE;
  return TRUE;
}

/* The prompt on screen, with the person's turn in the header. */
static void assert_prompt(KioskDesk *d)
{
  const KioskView *v = session_view(app_session(d->app));
  g_autofree char *said = speech_guide_text(v);

  g_assert_cmpstr(v->title, ==, "Do you need more time?");
  g_assert_true(kiosk_desk_says(d, "The screen starts again in "));
  g_assert_true(kiosk_desk_has_button(d, VIEW_BUTTON_MORE_TIME));
  g_assert_nonnull(v->person);
  /* Spoken like any screen: its title and the countdown. */
  g_assert_nonnull(strstr(said, "Do you need more time?"));
  g_assert_nonnull(strstr(said, "The screen starts again in "));
}

static void test_more_time_dismissed(void)
{
  KioskDesk d = {0};

  kiosk_desk_open(&d, short_idle);
  kiosk_desk_walk_to(&d, SESSION_PHOTO);
  g_assert_true(kiosk_desk_has_button(&d, VIEW_BUTTON_TAKE));
  walk_away(&d, 3 * G_USEC_PER_SEC);
  g_assert_false(kiosk_desk_has_button(&d, VIEW_BUTTON_MORE_TIME));
  walk_away(&d, 3 * G_USEC_PER_SEC);
  assert_prompt(&d);
  kiosk_desk_screenshot(&d, SHOTS, "more-time-photo");
  /* One touch: back to the live view, the idle timer starts again. */
  kiosk_desk_touch(&d, VIEW_BUTTON_MORE_TIME);
  g_assert_cmpint(kiosk_desk_state(&d), ==, SESSION_PHOTO);
  g_assert_cmpstr(session_view(app_session(d.app))->title, ==,
                  "Passport photo");
  walk_away(&d, 3 * G_USEC_PER_SEC);
  g_assert_false(kiosk_desk_has_button(&d, VIEW_BUTTON_MORE_TIME));
  /* And the photo step goes on where it was. */
  kiosk_desk_touch(&d, VIEW_BUTTON_TAKE);
  g_assert_cmpint(kiosk_desk_state(&d), ==, SESSION_PHOTO);
  g_assert_true(kiosk_desk_has_button(&d, VIEW_BUTTON_RETAKE));
  g_assert_true(app_holds_person_data(d.app));
  kiosk_desk_close(&d);
}

static void test_more_time_reset(void)
{
  KioskDesk d = {0};
  g_autoptr(BkImage) before = NULL;
  g_autoptr(BkImage) after = NULL;
  g_autofree char *name = NULL;

  kiosk_desk_open(&d, short_idle);
  before = frame(&d, "checkin-before");
  kiosk_desk_walk_to(&d, SESSION_PHOTO);
  name = g_strdup(session_person(app_session(d.app))->person->name);
  g_assert_true(ui_keeps_text(d.ui, name));
  kiosk_desk_touch(&d, VIEW_BUTTON_TAKE);
  g_assert_true(kiosk_desk_has_button(&d, VIEW_BUTTON_ACCEPT));
  g_assert_true(app_holds_person_data(d.app));
  walk_away(&d, 6 * G_USEC_PER_SEC);
  assert_prompt(&d);
  g_assert_cmpstr(session_view(app_session(d.app))->person, ==, name);
  walk_away(&d, 5 * G_USEC_PER_SEC);
  /* Nothing on screen: the same frame as before anyone came. */
  g_assert_cmpint(kiosk_desk_state(&d), ==, SESSION_CHECKIN);
  g_assert_null(session_view(app_session(d.app))->person);
  g_assert_false(kiosk_desk_says(&d, name));
  after = frame(&d, "checkin-after-reset");
  g_assert_true(same_pixels(before, after));
  /* Nothing kept: no person in the session, no capture in the app. */
  g_assert_null(session_person(app_session(d.app)));
  g_assert_false(app_holds_person_data(d.app));
  g_assert_false(ui_keeps_text(d.ui, name));
  kiosk_desk_close(&d);
}

/* Every target of the screen below the reach line. */
static void assert_in_reach(KioskDesk *d)
{
  const char *id;
  int r[4];
  guint n = 0;

  g_assert_true(session_view(app_session(d->app))->seated);
  for (guint i = 0; ui_target(d->ui, i, &id, r); i++, n++) {
    g_test_message("%s: %s at %d,%d %dx%d",
                   session_state_name(kiosk_desk_state(d)), id, r[0], r[1],
                   r[2], r[3]);
    g_assert_cmpint(r[1], >=, ui_layout_seated_top(800));
    g_assert_cmpint(r[1] + r[3], <=, 800);
  }
  g_assert_cmpuint(n, >, 0);
}

static void test_seated_walk(void)
{
  static const SessionState applicant[] = {SESSION_PERSON, SESSION_PHOTO,
                                           SESSION_SIGNATURE,
                                           SESSION_FINGERPRINT, SESSION_DONE};
  KioskDesk d = {0};

  kiosk_desk_open(&d, NULL);
  kiosk_desk_touch(&d, VIEW_BUTTON_SEATED);
  assert_in_reach(&d);
  kiosk_desk_screenshot(&d, SHOTS, "checkin-seated");
  for (gsize i = 0; i < G_N_ELEMENTS(applicant); i++) {
    kiosk_desk_walk_to(&d, applicant[i]);
    app_render(d.app, &d.fe);
    assert_in_reach(&d);
    if (applicant[i] == SESSION_PHOTO)
      kiosk_desk_screenshot(&d, SHOTS, "photo-seated");
  }
  /* The family's next person keeps it; after the appointment, the next
   * check-in is standing. */
  kiosk_desk_touch(&d, VIEW_BUTTON_NEXT);
  g_assert_cmpint(kiosk_desk_state(&d), ==, SESSION_PERSON);
  assert_in_reach(&d);
  kiosk_desk_walk_to(&d, SESSION_N_STATES);
  g_assert_cmpint(kiosk_desk_state(&d), ==, SESSION_CHECKIN);
  g_assert_false(session_view(app_session(d.app))->seated);
  kiosk_desk_close(&d);
}

int main(int argc, char **argv)
{
  g_autoptr(KioskConfig) config = config_load(NULL, NULL);
  g_autoptr(GError) error = NULL;

  g_test_init(&argc, &argv, NULL);
  /* As the kiosk does: the virtual reader's socket before any thread. */
  if (!fpreader_prepare(config->reader_backend, config->reader_options, &error))
    g_error("fpreader_prepare: %s", error->message);
  /* The demo key and the demo PIN are warned about: expected here. */
  g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add_func("/access-desk/more-time-dismissed", test_more_time_dismissed);
  g_test_add_func("/access-desk/more-time-reset", test_more_time_reset);
  g_test_add_func("/access-desk/seated-walk", test_seated_walk);
  return g_test_run();
}
