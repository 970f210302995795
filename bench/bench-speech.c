/* Spoken guidance as the applicant meets it: the real application (app.c)
 * with the headless SDL front end and SDL's audio output, speech on, walks
 * the demo appointment's screens in every language that has a voice. For
 * each screen that is spoken, the time from the screen change in the app
 * (its render of the new screen, which asks for the speech before it
 * draws) to the first non-silent sample handed to the audio device's
 * callback. Each screen stays up until its first audio came, as an
 * applicant reads it. Prints "<name> <value> <unit>" lines: the median
 * and 95th percentile over screens and languages.
 *
 * SDL_AUDIODRIVER picks the output (default here: "dummy", whose thread
 * asks for 512-sample buffers at the real rate like a sound card's). */
#include <locale.h>
#include <stdio.h>

#include "app.h"
#include "appointments.h"
#include "benchlib.h"
#include "demo-media.h"
#include "demo.h"
#include "fpreader.h"
#include "i18n.h"
#include "resources.h"
#include "speech.h"
#include "testlib-ui.h"
#include "ui.h"

/* How long a screen waits for its first audio before it counts as lost. */
#define FIRST_AUDIO_LIMIT_US (2 * G_USEC_PER_SEC)

typedef struct {
  Ui *ui;
  App *app;
  gint64 last_said;
  GArray *ms; /* double: screen change to first audio */
  guint lost; /* spoken screens whose audio never came */
} Bench;

/* The test front end's members take the Ui as their data; the render
 * that measures finds the rest here. */
static Bench *bench;

static void bench_render(gpointer data, const KioskView *view)
{
  Bench *b = bench;
  Speech *speech = b->app ? app_speech(b->app) : NULL;
  gint64 said = 0, first = 0, until;

  ui_render(data, view);
  if (!speech)
    return;
  speech_timing(speech, &said, &first);
  if (!said || said == b->last_said)
    return;
  b->last_said = said;
  until = g_get_monotonic_time() + FIRST_AUDIO_LIMIT_US;
  while (!first && g_get_monotonic_time() < until) {
    g_usleep(500);
    speech_timing(speech, NULL, &first);
  }
  if (!first) {
    b->lost++;
    return;
  }
  g_array_append_val(b->ms, (double){(first - said) / 1000.0});
}

static KioskConfig *bench_config(const char *state, const char *language,
                                 GError **error)
{
  g_autofree char *set_language =
      g_strdup_printf("kiosk.language=%s", language);
  const char *const overrides[] = {set_language, "speech.enabled=yes", NULL};

  return bench_demo_config(state, overrides, error);
}

/* The demo's appointment, first person, check-in to the record stored. */
static gboolean bench_language(Bench *b, const char *tmp, const char *language,
                               GError **error)
{
  g_autofree char *state = g_build_filename(tmp, language, NULL);
  g_autoptr(KioskConfig) config = bench_config(state, language, error);
  Frontend fe = testlib_ui_frontend(b->ui);
  gboolean ok;

  if (!config)
    return FALSE;
  fe.render = bench_render;
  i18n_set_language(language);
  b->app = app_new(config, error);
  if (!b->app)
    return FALSE;
  b->last_said = 0;
  ok = appointments_import_data(app_database(b->app),
                                resources_sample_schedule(), -1, NULL, error) &&
       demo_walk(b->app, &fe, DEMO_CODE, NULL, SESSION_DONE, error);
  g_clear_pointer(&b->app, app_free);
  return ok;
}

int main(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp("biokiosk-bench-XXXXXX", NULL);
  UiOptions options = {.headless = TRUE, .location = "IND desk Zwolle"};
  g_autoptr(KioskConfig) defaults = config_load(NULL, &error);
  Bench b = {0};
  guint languages = 0;

  setlocale(LC_ALL, "");
  g_setenv("SDL_VIDEODRIVER", "offscreen", TRUE);
  g_setenv("SDL_AUDIODRIVER", "dummy", FALSE);
  /* As the kiosk does: the virtual reader's socket before any thread. */
  if (!defaults || !fpreader_prepare(defaults->reader_backend,
                                     defaults->reader_options, &error)) {
    g_printerr("bench-speech: %s\n", error->message);
    return 1;
  }
  i18n_init("en");
  bench = &b;
  b.ms = g_array_new(FALSE, FALSE, sizeof(double));
  b.ui = ui_new(&options, &error);
  if (!b.ui) {
    g_printerr("bench-speech: %s\n", error->message);
    return 1;
  }
  for (const char *const *l = i18n_known_languages(); *l; l++) {
    if (!speech_voice(*l) || !i18n_language_available(*l))
      continue;
    if (!bench_language(&b, tmp, *l, &error)) {
      g_printerr("bench-speech: %s: %s\n", *l, error->message);
      return 1;
    }
    languages++;
  }
  if (b.ms->len == 0) {
    g_printerr("bench-speech: no speech reached the audio output\n");
    return 1;
  }
  printf("speech.first_audio_screens %u screens\n", b.ms->len);
  printf("speech.first_audio_languages %u languages\n", languages);
  printf("speech.first_audio_lost %u screens\n", b.lost);
  printf("speech.first_audio_ms %.1f ms\n", bench_percentile(b.ms, 0.5));
  printf("speech.first_audio_p95_ms %.1f ms\n", bench_percentile(b.ms, 0.95));
  ui_free(b.ui);
  demo_media_remove_tree(tmp, NULL);
  g_array_unref(b.ms);
  return 0;
}
