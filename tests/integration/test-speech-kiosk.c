/* Spoken guidance in the running kiosk (app.c with the real front end,
 * headless, and SDL's audio output on its "dummy" driver, whose thread
 * pulls samples at the real rate): each screen is spoken when it appears
 * and not again while only its lines change, the applicant's speaker
 * button turns speech off and on through synthetic touches, a language
 * without a voice shows the notice and is never spoken, and the screens
 * keep answering while the speech goes on. */
#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "appointments.h"
#include "demo.h"
#include "i18n.h"
#include "kiosk-desk.h"
#include "speech-guide.h"
#include "speech.h"
#include "testlib.h"
#include "ui.h"

/* What the front end was last given to draw. */
static ViewSpeech drawn_speech;
static char *drawn_banner;
static char *drawn_speech_label; /* the seated layout's speech button */
static char *drawn_text;         /* what the drawn screen says aloud */

static void recording_render(gpointer data, const KioskView *view)
{
  drawn_speech = view->speech;
  g_free(drawn_text);
  drawn_text = speech_guide_text(view);
  g_clear_pointer(&drawn_speech_label, g_free);
  for (int i = 0; i < view->n_buttons; i++)
    if (g_str_equal(view->buttons[i].id, VIEW_BUTTON_SPEECH))
      drawn_speech_label = g_strdup(view->buttons[i].label);
  g_free(drawn_banner);
  drawn_banner = g_strdup(view->banner);
  ui_render(data, view);
}

static void desk_open_with(KioskDesk *d, const char *language, const char *set)
{
  g_autofree char *set_language =
      g_strdup_printf("kiosk.language=%s", language);
  const char *const sets[] = {"speech.enabled=yes", set_language, set, NULL};
  g_autoptr(Appointment) appointment = NULL;

  i18n_set_language(language);
  kiosk_desk_open(d, sets);
  /* The demo appointment's own time: its code is accepted. */
  appointment = appointments_lookup(app_database(d->app), DEMO_CODE, NULL);
  g_assert_nonnull(appointment);
  session_set_clock(app_session(d->app), appointment->start);
  d->fe.render = recording_render;
  app_render(d->app, &d->fe);
}

static void desk_open(KioskDesk *d, const char *language)
{
  desk_open_with(d, language, NULL);
}

/* Waits (2 s at most) for the first audio of the latest text to reach
 * the audio output; returns its delay from the screen change in ms. */
static double wait_first_audio(Speech *s)
{
  gint64 said = 0, first = 0;

  for (int i = 0; i < 200 && !first; i++) {
    g_usleep(10000);
    speech_timing(s, &said, &first);
  }
  g_assert_cmpint(first, >, 0);
  return (double)(first - said) / 1000.0;
}

static gint64 said_at(Speech *s)
{
  gint64 said = 0;

  speech_timing(s, &said, NULL);
  return said;
}

/* Check-in is spoken; typing changes the screen's entry, not what it
 * says, so the speech goes on; the next screen interrupts it. */
static void test_screens_spoken(void)
{
  KioskDesk d = {0};
  Speech *s;
  gint64 said;
  double ms;

  desk_open(&d, "en");
  s = app_speech(d.app);
  g_assert_nonnull(s);
  g_assert_cmpint(drawn_speech, ==, VIEW_SPEECH_ON);
  ms = wait_first_audio(s);
  g_test_message("check-in: first audio %.1f ms after the screen", ms);
  said = said_at(s);
  for (const char *c = DEMO_CODE; *c; c++) {
    char key[2] = {*c, 0};

    kiosk_desk_touch(&d, key);
  }
  g_assert_cmpint(said_at(s), ==, said);
  g_assert_true(speech_busy(s));
  kiosk_desk_touch(&d, VIEW_KEY_OK);
  g_assert_cmpint(kiosk_desk_state(&d), ==, SESSION_PERSON);
  g_assert_cmpint(said_at(s), >, said);
  ms = wait_first_audio(s);
  g_test_message("person: first audio %.1f ms after the screen", ms);
  kiosk_desk_screenshot(&d, "speech", "speech-on");
  kiosk_desk_close(&d);
}

/* The speaker button, touched: silence at once and the button shows it;
 * touched again, the screen is spoken again. */
static void test_toggle(void)
{
  KioskDesk d = {0};
  Speech *s;
  gint64 said;

  desk_open(&d, "nl");
  s = app_speech(d.app);
  wait_first_audio(s);
  g_assert_true(speech_busy(s));
  said = said_at(s);
  kiosk_desk_touch(&d, VIEW_BUTTON_SPEECH);
  g_assert_false(speech_busy(s));
  g_assert_cmpint(drawn_speech, ==, VIEW_SPEECH_OFF);
  kiosk_desk_screenshot(&d, "speech", "speech-off");
  /* Off holds across screens of the same applicant. */
  kiosk_desk_enter(&d, DEMO_CODE);
  g_assert_cmpint(kiosk_desk_state(&d), ==, SESSION_PERSON);
  g_assert_false(speech_busy(s));
  g_assert_cmpint(said_at(s), ==, said);
  g_assert_cmpint(drawn_speech, ==, VIEW_SPEECH_OFF);
  kiosk_desk_touch(&d, VIEW_BUTTON_SPEECH);
  g_assert_cmpint(drawn_speech, ==, VIEW_SPEECH_ON);
  g_assert_cmpint(said_at(s), >, said);
  wait_first_audio(s);
  g_assert_true(speech_busy(s));
  kiosk_desk_close(&d);
}

/* The "Do you need more time?" prompt is a screen like any other: spoken
 * when it appears, not again while its countdown ticks, and the screen
 * it covered is spoken again when the applicant takes more time. */
static void test_more_time_spoken(void)
{
  KioskDesk d = {0};
  Speech *s;
  gint64 said, shown;

  /* The shortest idle reset, 10 s, with its prompt 5 s before. */
  desk_open_with(&d, "en", "kiosk.idle_timeout_s=10");
  s = app_speech(d.app);
  kiosk_desk_enter(&d, DEMO_CODE);
  g_assert_cmpint(kiosk_desk_state(&d), ==, SESSION_PERSON);
  for (int i = 0; i < 140 && !g_str_has_prefix(drawn_text, "Do you"); i++) {
    g_usleep(50000);
    kiosk_desk_settle(&d);
  }
  g_assert_true(
      g_str_has_prefix(drawn_text, "Do you need more time? The screen"));
  said = said_at(s);
  wait_first_audio(s);
  /* Its countdown line changes every second: the speech goes on. */
  for (shown = g_get_monotonic_time();
       g_get_monotonic_time() - shown < 1500 * G_TIME_SPAN_MILLISECOND;) {
    g_usleep(100000);
    kiosk_desk_settle(&d);
  }
  g_assert_cmpint(said_at(s), ==, said);
  kiosk_desk_touch(&d, VIEW_BUTTON_MORE_TIME);
  g_assert_true(g_str_has_prefix(drawn_text, "Your turn."));
  g_assert_cmpint(said_at(s), >, said);
  kiosk_desk_close(&d);
}

/* Seated, the switch is one of the screen's buttons below the reach
 * line, not the header's icon; it works the same. */
static void test_seated(void)
{
  KioskDesk d = {0};
  Speech *s;

  desk_open(&d, "en");
  s = app_speech(d.app);
  g_assert_null(drawn_speech_label);
  kiosk_desk_touch(&d, VIEW_BUTTON_SEATED);
  g_assert_cmpint(drawn_speech, ==, VIEW_SPEECH_NONE);
  g_assert_cmpstr(drawn_speech_label, ==, "✓ Read aloud");
  kiosk_desk_screenshot(&d, "speech", "speech-seated");
  kiosk_desk_touch(&d, VIEW_BUTTON_SPEECH);
  g_assert_cmpstr(drawn_speech_label, ==, "Read aloud");
  g_assert_false(speech_busy(s));
  kiosk_desk_close(&d);
}

/* Tigrinya has no voice: a notice in Tigrinya, and not a word spoken in
 * any other language, on this screen or the next. */
static void test_no_voice(void)
{
  KioskDesk d = {0};
  Speech *s;
  g_autofree char *notice = NULL;

  if (!i18n_language_available("ti"))
    testlib_skip_all("the Tigrinya catalogue is not built");
  desk_open(&d, "ti");
  s = app_speech(d.app);
  g_assert_null(speech_voice("ti"));
  notice = g_strdup_printf(_("Spoken guidance is not available in %s."),
                           i18n_language_name("ti"));
  g_assert_cmpstr(notice, !=, "Spoken guidance is not available in ትግርኛ.");
  g_assert_nonnull(drawn_banner);
  g_assert_true(g_str_has_prefix(drawn_banner, notice));
  g_assert_cmpint(drawn_speech, ==, VIEW_SPEECH_ON);
  kiosk_desk_screenshot(&d, "speech", "speech-no-voice");
  kiosk_desk_enter(&d, DEMO_CODE);
  g_assert_cmpint(kiosk_desk_state(&d), ==, SESSION_PERSON);
  g_assert_true(g_str_has_prefix(drawn_banner, notice));
  g_assert_cmpint(said_at(s), ==, 0);
  g_assert_false(speech_busy(s));
  /* Turned off, the notice goes too. */
  kiosk_desk_touch(&d, VIEW_BUTTON_SPEECH);
  g_assert_false(drawn_banner && g_str_has_prefix(drawn_banner, notice));
  kiosk_desk_close(&d);
  i18n_set_language("en");
}

/* While a long text is spoken, every touch is answered and drawn: the
 * synthesis and the audio never wait on the main thread, nor it on them.
 * The check-in text takes about 5 s to say; a loop that waited for the
 * speech would take seconds for the first touch, one that does not takes
 * milliseconds (under the load of a shared build machine, up to a few
 * hundred), so 1.5 s a touch tells them apart. */
static void test_ui_keeps_drawing(void)
{
  KioskDesk d = {0};
  Speech *s;
  gint64 worst = 0;

  desk_open(&d, "en");
  s = app_speech(d.app);
  wait_first_audio(s);
  for (int i = 0; i < 8; i++) {
    gint64 start = g_get_monotonic_time();

    kiosk_desk_touch(&d, i % 2 ? VIEW_KEY_BACK : "7");
    worst = MAX(worst, g_get_monotonic_time() - start);
  }
  g_test_message("slowest touch to drawn screen while speaking: %.1f ms",
                 (double)worst / 1000.0);
  g_assert_true(speech_busy(s));
  g_assert_cmpint(worst, <, 1500 * G_TIME_SPAN_MILLISECOND);
  kiosk_desk_close(&d);
}

int main(int argc, char **argv)
{
  setlocale(LC_ALL, "");
  g_test_init(&argc, &argv, NULL);
  /* The desk seals to the demo key, which is warned about. */
  g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  if (!speech_sample_rate())
    testlib_skip_all("libespeak-ng or espeak-ng-data is not installed");
  i18n_init("en");
  g_test_add_func("/speech-kiosk/screens-spoken", test_screens_spoken);
  g_test_add_func("/speech-kiosk/toggle", test_toggle);
  g_test_add_func("/speech-kiosk/more-time", test_more_time_spoken);
  g_test_add_func("/speech-kiosk/seated", test_seated);
  g_test_add_func("/speech-kiosk/no-voice", test_no_voice);
  g_test_add_func("/speech-kiosk/ui-keeps-drawing", test_ui_keeps_drawing);
  return g_test_run();
}
