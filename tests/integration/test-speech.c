/* Spoken guidance's engine with the real libespeak-ng: which kiosk
 * languages have a voice, that each voice's speech of a screen's text is
 * sound of a plausible length (written to WAV files in the build folder),
 * and that a new text interrupts the old one in the stream the audio
 * output receives. */
#include <glib/gi18n.h>
#include <locale.h>
#include <math.h>
#include <string.h>

#include "i18n.h"
#include "settings.h"
#include "speech-guide.h"
#include "speech.h"
#include "testlib.h"

/* The kiosk's languages with a voice in Debian 12's espeak-ng-data, and the
 * one without (docs/speech.md). */
static const char *const voiced[] = {"nl", "en", "ar", "tr", "uk", "fa"};

/* Speech louder than this RMS (of 32767) is sound, not a hum: espeak-ng
 * speaks at around 2000 to 6000. */
#define RMS_FLOOR 500.0
/* Seconds per word at SPEECH_RATE_DEFAULT (150 words a minute, 0.4 s a
 * word nominally). Words differ in length between languages (Turkish and
 * Dutch compound words, Arabic script without short vowels), and
 * libespeak-ng adds pauses at full stops: 0.2 to 0.9 s per word holds
 * for every voice with room to spare, and a text cut short or spoken
 * twice, or a stray second of silence per sentence, falls outside. */
#define MIN_S_PER_WORD 0.2
#define MAX_S_PER_WORD 0.9

static double rms(const gint16 *samples, gsize n)
{
  double sum = 0;

  for (gsize i = 0; i < n; i++)
    sum += (double)samples[i] * samples[i];
  return n ? sqrt(sum / (double)n) : 0;
}

static guint words(const char *text)
{
  g_auto(GStrv) parts = g_strsplit_set(text, " \n", -1);
  guint n = 0;

  for (int i = 0; parts[i]; i++)
    n += *parts[i] != '\0';
  return n;
}

static void test_voices(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(voiced); i++) {
    g_test_message("%s: voice %s", voiced[i], speech_voice(voiced[i]));
    g_assert_nonnull(speech_voice(voiced[i]));
  }
  /* Tigrinya has none; Amharic's (the same script) must not stand in. */
  g_assert_null(speech_voice("ti"));
  g_assert_null(speech_voice("xx"));
  g_assert_null(speech_voice(""));
  g_assert_cmpint(speech_sample_rate(), >=, 16000);
}

/* Reads back what speech_write_wav() wrote: the header's rate and the
 * samples. */
static GArray *read_wav(const char *path, int *ret_rate)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  GArray *samples = g_array_new(FALSE, FALSE, sizeof(gint16));
  const guint8 *p;

  g_assert_true(g_file_get_contents(path, &data, &len, NULL));
  g_assert_cmpuint(len, >=, 44);
  p = (const guint8 *)data;
  g_assert_cmpmem(p, 4, "RIFF", 4);
  g_assert_cmpmem(p + 8, 8, "WAVEfmt ", 8);
  g_assert_cmpint(p[22], ==, 1);  /* mono */
  g_assert_cmpint(p[34], ==, 16); /* bits */
  *ret_rate = p[24] | p[25] << 8 | p[26] << 16 | p[27] << 24;
  for (gsize i = 44; i + 1 < len; i += 2) {
    gint16 v = (gint16)(p[i] | p[i + 1] << 8);
    g_array_append_val(samples, v);
  }
  return samples;
}

/* One screen's instruction and a refusal, in each language with a voice,
 * as the kiosk would speak them. */
static void test_wav_per_language(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(voiced); i++) {
    const char *language = voiced[i];
    g_autofree char *text = NULL;
    g_autofree char *name = g_strdup_printf("speech/speech-%s.wav", language);
    g_autofree char *path = testlib_build_path(name);
    g_autofree char *dir = g_path_get_dirname(path);
    g_autoptr(GArray) samples = NULL;
    g_autoptr(GArray) back = NULL;
    g_autoptr(GError) error = NULL;
    int rate = 0;
    double seconds, per_word, level;

    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_assert_true(i18n_set_language(language));
    text = g_strdup_printf("%s. %s", _("Please sign on the pad"),
                           _("The photo is blurred. Please keep still."));
    g_assert_true(speech_synthesize(speech_voice(language), text,
                                    SPEECH_RATE_DEFAULT, &samples, &error));
    g_assert_no_error(error);
    g_assert_true(speech_write_wav(path, (const gint16 *)samples->data,
                                   samples->len, speech_sample_rate(), &error));
    g_assert_no_error(error);
    back = read_wav(path, &rate);
    g_assert_cmpint(rate, ==, speech_sample_rate());
    g_assert_cmpuint(back->len, ==, samples->len);
    seconds = (double)back->len / rate;
    per_word = seconds / words(text);
    level = rms((const gint16 *)back->data, back->len);
    g_test_message("%s: \"%s\": %u words, %.2f s (%.2f s/word), RMS %.0f",
                   language, text, words(text), seconds, per_word, level);
    g_assert_cmpfloat(level, >, RMS_FLOOR);
    g_assert_cmpfloat(per_word, >=, MIN_S_PER_WORD);
    g_assert_cmpfloat(per_word, <=, MAX_S_PER_WORD);
  }
  i18n_set_language("en");
}

static void test_no_voice(void)
{
  g_autoptr(GArray) samples = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false(
      speech_synthesize(speech_voice("ti"), "ሰላም", 150, &samples, &error));
  g_assert_error(error, SPEECH_ERROR, SPEECH_ERROR_VOICE);
  g_assert_null(samples);
}

/* The synthesis of `text` as the ring gets it: without leading silence. */
static GArray *trimmed(const char *voice, const char *text)
{
  GArray *samples = NULL;
  guint skip = 0;

  g_assert_true(
      speech_synthesize(voice, text, SPEECH_RATE_DEFAULT, &samples, NULL));
  while (skip < samples->len &&
         ABS(g_array_index(samples, gint16, skip)) <= SPEECH_SILENCE_FLOOR)
    skip++;
  g_array_remove_range(samples, 0, skip);
  return samples;
}

/* Pulls like an audio callback: `n` samples every `n / rate` seconds. */
static void pull_for(Speech *s, GArray *stream, double seconds)
{
  int rate = speech_sample_rate();
  int block = rate / 50; /* 20 ms */
  gint16 buf[2048];

  g_assert_cmpint(block, <=, (int)G_N_ELEMENTS(buf));
  for (double t = 0; t < seconds; t += 0.02) {
    speech_pull(s, buf, block);
    g_array_append_vals(stream, buf, (guint)block);
    g_usleep(20000);
  }
}

/* How alike n samples of a (from a_at) and b (from b_at) sound: the
 * correlation of their loudness in 20 ms frames, 1 for the same
 * contour, near 0 for unrelated speech. Two runs of libespeak-ng on one
 * text differ slightly in their samples (its voice has a random flutter),
 * so the streams are compared by their loudness over time. */
static double likeness(const GArray *a, guint a_at, const GArray *b, guint b_at,
                       guint n)
{
  guint frame = (guint)speech_sample_rate() / 50;
  guint frames = n / frame;
  g_autofree double *x = g_new0(double, frames + 1);
  g_autofree double *y = g_new0(double, frames + 1);
  double mx = 0, my = 0, xy = 0, xx = 0, yy = 0;

  g_assert_cmpuint(a_at + n, <=, a->len);
  g_assert_cmpuint(b_at + n, <=, b->len);
  g_assert_cmpuint(frames, >=, 10);
  for (guint f = 0; f < frames; f++) {
    x[f] = rms(&g_array_index(a, gint16, a_at + f * frame), frame);
    y[f] = rms(&g_array_index(b, gint16, b_at + f * frame), frame);
    mx += x[f] / frames;
    my += y[f] / frames;
  }
  for (guint f = 0; f < frames; f++) {
    xy += (x[f] - mx) * (y[f] - my);
    xx += (x[f] - mx) * (x[f] - mx);
    yy += (y[f] - my) * (y[f] - my);
  }
  return xx > 0 && yy > 0 ? xy / sqrt(xx * yy) : 0;
}

static guint first_sound(const GArray *stream, guint from)
{
  guint i = from;

  while (i < stream->len && g_array_index(stream, gint16, i) == 0)
    i++;
  return i;
}

/* The old screen's speech stops at once, the new one's plays whole, and
 * nothing of the old comes back after it. */
static void test_interrupt(void)
{
  const char *voice = speech_voice("en");
  const char *old_text = "Look straight into the camera with a neutral "
                         "face, mouth closed, eyes open. Keep your face "
                         "inside the oval.";
  const char *new_text = "Please sign on the pad.";
  g_autoptr(GArray) old_speech = trimmed(voice, old_text);
  g_autoptr(GArray) new_speech = trimmed(voice, new_text);
  g_autoptr(GArray) before = g_array_new(FALSE, FALSE, sizeof(gint16));
  g_autoptr(GArray) after = g_array_new(FALSE, FALSE, sizeof(gint16));
  g_autoptr(GError) error = NULL;
  Speech *s = speech_new(SPEECH_RATE_DEFAULT, &error);
  guint start, i, n;

  g_assert_no_error(error);
  speech_say(s, voice, old_text);
  pull_for(s, before, 1.0);
  start = first_sound(before, 0);
  g_assert_cmpuint(start, <, before->len);
  /* What played is the start of the old text. */
  n = before->len - start;
  g_assert_cmpuint(old_speech->len, >, 2 * n);
  g_test_message("what played before: likeness to the old text %.3f",
                 likeness(before, start, old_speech, 0, n));
  g_assert_cmpfloat(likeness(before, start, old_speech, 0, n), >, 0.9);

  speech_say(s, voice, new_text);
  pull_for(s, after, (double)new_speech->len / speech_sample_rate() + 1.0);
  g_assert_false(speech_busy(s));
  start = first_sound(after, 0);
  g_test_message("the new speech started %.0f ms after the change",
                 1000.0 * start / speech_sample_rate());
  g_assert_cmpuint(start + new_speech->len, <=, after->len);
  /* It is the new text whole, and not the old text going on. */
  n = new_speech->len;
  g_test_message("likeness to the new text %.3f, to the old one's rest %.3f",
                 likeness(after, start, new_speech, 0, n),
                 likeness(after, start, old_speech, before->len - start, n));
  g_assert_cmpfloat(likeness(after, start, new_speech, 0, n), >, 0.9);
  g_assert_cmpfloat(likeness(after, start, old_speech, before->len - start, n),
                    <, 0.5);
  /* The rest is silence: the old text does not resume. */
  for (i = start + new_speech->len; i < after->len; i++)
    g_assert_cmpint(g_array_index(after, gint16, i), ==, 0);
  speech_free(s);
}

/* speech_stop() silences at once; a stopped engine frees cleanly while
 * its thread would still be synthesising. */
static void test_stop(void)
{
  g_autoptr(GArray) stream = g_array_new(FALSE, FALSE, sizeof(gint16));
  Speech *s = speech_new(SPEECH_RATE_DEFAULT, NULL);
  gint64 said = 0, first = 0;

  speech_say(s, speech_voice("nl"),
             "Kijk recht in de camera. Houd uw gezicht in het ovaal.");
  pull_for(s, stream, 0.5);
  speech_timing(s, &said, &first);
  g_assert_cmpint(said, >, 0);
  g_assert_cmpint(first, >=, said);
  speech_stop(s);
  g_array_set_size(stream, 0);
  pull_for(s, stream, 0.2);
  g_assert_cmpuint(first_sound(stream, 0), ==, stream->len);
  speech_say(s, speech_voice("nl"),
             "Een lange tekst die nog niet gesproken is wanneer het "
             "programma stopt.");
  speech_free(s);
}

/* An audio output that never plays: the guide's choices are what is
 * tested, from the engine's timing of each text it was given. */
static gpointer silent_open(const char *device, int rate,
                            void (*pull)(gpointer, gint16 *, int),
                            gpointer pull_data, GError **error)
{
  return GINT_TO_POINTER(1);
}

static void silent_close(gpointer handle)
{
}

typedef struct {
  KioskConfig *config;
  SpeechGuide *guide;
  Frontend fe;
  gint64 said; /* the engine's latest text, when it was given */
} GuideRig;

/* Shows `view`; TRUE when that started speech. */
static gboolean guide_shows(GuideRig *r, const KioskView *view)
{
  gint64 said = 0;

  speech_guide_view(r->guide, &r->fe, view);
  speech_timing(speech_guide_engine(r->guide), &said, NULL);
  if (said == r->said)
    return FALSE;
  r->said = said;
  return TRUE;
}

/* When a screen is spoken again: a new screen, title, spoken text or
 * language; not changing lines, unless the view says they matter; never
 * the officer's screens. */
static void test_guide_rules(void)
{
  GuideRig r = {.fe = {.audio_open = silent_open, .audio_close = silent_close}};
  KioskView v = {.screen = VIEW_PHOTO, .title = "Passport photo"};
  g_autofree char *text = NULL;

  r.config = config_load(NULL, NULL);
  g_assert_true(config_override(r.config, "speech.enabled=yes", NULL));
  r.guide = speech_guide_new(r.config);
  g_assert_nonnull(r.guide);
  v.lines[v.n_lines++] = "Look straight into the camera.";
  g_assert_true(guide_shows(&r, &v));
  text = speech_guide_text(&v);
  g_assert_cmpstr(text, ==, "Passport photo. Look straight into the camera.");
  /* A live hint replaces the line: no restart. */
  v.lines[0] = "Please come closer to the camera.";
  g_assert_false(guide_shows(&r, &v));
  /* A refusal has its own title. */
  v.title = "This photo cannot be used";
  g_assert_true(guide_shows(&r, &v));
  /* Lines that matter restart it. */
  v.spoken_lines = TRUE;
  v.lines[0] = "Good. Lift the finger: print 2 of 3.";
  g_assert_true(guide_shows(&r, &v));
  g_assert_false(guide_shows(&r, &v));
  /* An explicit text is spoken as it is. */
  v.spoken = "Hello.";
  g_assert_true(guide_shows(&r, &v));
  g_clear_pointer(&text, g_free);
  text = speech_guide_text(&v);
  g_assert_cmpstr(text, ==, "Hello.");
  /* The officer's screens: silence, not a new text. */
  v.spoken = "";
  g_assert_false(guide_shows(&r, &v));
  g_assert_false(speech_busy(speech_guide_engine(r.guide)));
  v.spoken = NULL;
  v.screen = VIEW_REVIEW;
  g_assert_false(guide_shows(&r, &v));
  /* Another language is a new text. */
  v.screen = VIEW_MESSAGE;
  g_assert_true(guide_shows(&r, &v));
  g_assert_true(i18n_set_language("nl"));
  g_assert_true(guide_shows(&r, &v));
  i18n_set_language("en");
  speech_guide_free(r.guide);
  config_free(r.config);
}

int main(int argc, char **argv)
{
  setlocale(LC_ALL, "");
  g_test_init(&argc, &argv, NULL);
  if (!speech_sample_rate())
    testlib_skip_all("libespeak-ng or espeak-ng-data is not installed");
  i18n_init("en");
  g_test_add_func("/speech/voices", test_voices);
  g_test_add_func("/speech/wav-per-language", test_wav_per_language);
  g_test_add_func("/speech/no-voice", test_no_voice);
  g_test_add_func("/speech/interrupt", test_interrupt);
  g_test_add_func("/speech/stop", test_stop);
  g_test_add_func("/speech/guide-rules", test_guide_rules);
  return g_test_run();
}
