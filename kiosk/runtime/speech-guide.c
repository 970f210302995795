/* Spoken guidance on the screens (speech-guide.h): which screens are read
 * aloud, what they say, when speech starts again, the applicant's speaker
 * button and the notice for a language without a voice. */
#include "speech-guide.h"

#include <glib/gi18n.h>
#include <string.h>

#include "i18n.h"

struct SpeechGuide {
  const KioskConfig *config;
  Speech *speech;
  gpointer output; /* the front end's audio handle; NULL: not open */
  void (*output_close)(gpointer handle);
  gboolean output_failed; /* tried, no sound: silent, no button */

  gboolean on;         /* the applicant's choice; each applicant starts on */
  ViewScreen screen;   /* the screen drawn last */
  char *said;          /* what identifies the screen last spoken, or NULL */
  KioskView decorated; /* the view handed out */
  char *banner;        /* its banner with the notice */
  char *label;         /* its speech button's label (seated) */
};

SpeechGuide *speech_guide_new(const KioskConfig *config)
{
  g_autoptr(GError) error = NULL;
  SpeechGuide *guide;
  Speech *speech;

  if (g_strcmp0(config->speech_enabled, "yes") != 0)
    return NULL;
  speech = speech_new(config->speech_rate, &error);
  if (!speech) {
    g_warning("spoken guidance is off: %s", error->message);
    return NULL;
  }
  /* Every voice is looked up now, so that a screen never waits for it. */
  for (const char *const *l = i18n_known_languages(); *l; l++) {
    if (!speech_voice(*l))
      g_message("spoken guidance: espeak-ng has no voice for \"%s\"", *l);
  }
  guide = g_new0(SpeechGuide, 1);
  guide->config = config;
  guide->speech = speech;
  guide->on = TRUE;
  guide->screen = VIEW_N_SCREENS;
  return guide;
}

void speech_guide_free(SpeechGuide *guide)
{
  if (!guide)
    return;
  if (guide->output)
    guide->output_close(guide->output);
  speech_free(guide->speech);
  g_free(guide->said);
  g_free(guide->banner);
  g_free(guide->label);
  g_free(guide);
}

Speech *speech_guide_engine(SpeechGuide *guide)
{
  return guide ? guide->speech : NULL;
}

static void pull(gpointer data, gint16 *samples, int n)
{
  speech_pull(data, samples, n);
}

/* The audio output, opened once through the first front end that has
 * one. FALSE when there is no sound. */
static gboolean output_ready(SpeechGuide *guide, const Frontend *fe)
{
  g_autoptr(GError) error = NULL;

  if (guide->output)
    return TRUE;
  if (guide->output_failed)
    return FALSE;
  if (!fe->audio_open) {
    error = g_error_new_literal(SPEECH_ERROR, SPEECH_ERROR_OUTPUT,
                                "the front end has no audio output");
  } else {
    guide->output =
        fe->audio_open(guide->config->speech_device, speech_sample_rate(), pull,
                       guide->speech, &error);
    guide->output_close = fe->audio_close;
  }
  if (!guide->output) {
    g_warning("spoken guidance is off: %s", error->message);
    guide->output_failed = TRUE;
  }
  return guide->output != NULL;
}

/* The officer's and technician's screens are never read aloud. */
static gboolean screen_spoken(const KioskView *view)
{
  switch (view->screen) {
  case VIEW_OFFICER_PIN:
  case VIEW_REVIEW:
  case VIEW_TECHNICIAN_PIN:
  case VIEW_TECHNICIAN:
  case VIEW_N_SCREENS:
    return FALSE;
  default:
    return !view->spoken || *view->spoken;
  }
}

/* Joins a piece of text to what is said, ending the previous piece as a
 * sentence so that the voice pauses between them. */
static void say_more(GString *text, const char *piece)
{
  gunichar last;

  if (!piece || !*piece)
    return;
  if (text->len) {
    last = g_utf8_get_char(
        g_utf8_find_prev_char(text->str, text->str + text->len));
    g_string_append(text, g_unichar_ispunct(last) ? " " : ". ");
  }
  g_string_append(text, piece);
}

char *speech_guide_text(const KioskView *view)
{
  GString *text;

  if (!screen_spoken(view))
    return g_strdup("");
  if (view->spoken)
    return g_strdup(view->spoken);
  text = g_string_new(NULL);
  say_more(text, view->title);
  for (int i = 0; i < view->n_lines && i < VIEW_MAX_LINES; i++)
    say_more(text, view->lines[i]);
  return g_string_free(text, FALSE);
}

/* What makes a screen new for speech: its type, title, spoken text and
 * language, and its lines where the view says they matter. */
static char *screen_key(const KioskView *view, const char *language)
{
  GString *key = g_string_new(NULL);

  g_string_printf(key, "%d\x1f%s\x1f%s\x1f%s", view->screen,
                  view->title ? view->title : "",
                  view->spoken ? view->spoken : "", language);
  for (int i = 0; view->spoken_lines && i < view->n_lines; i++)
    g_string_append_printf(key, "\x1f%s", view->lines[i]);
  return g_string_free(key, FALSE);
}

/* Speaks the screen when it is new. */
static void speak(SpeechGuide *guide, const KioskView *view,
                  const char *language, const char *voice)
{
  g_autofree char *key = screen_key(view, language);
  g_autofree char *text = NULL;

  if (g_strcmp0(key, guide->said) == 0)
    return;
  g_free(guide->said);
  guide->said = g_steal_pointer(&key);
  text = speech_guide_text(view);
  speech_say(guide->speech, voice, text);
}

/* The seated layout keeps every touch target within reach, below the
 * header: there the switch is one of the screen's buttons, "✓" marking
 * it on as the check-in screen's other choices do. */
static void seated_button(SpeechGuide *guide, KioskView *v)
{
  ViewButton *b;

  if (v->n_buttons >= VIEW_MAX_BUTTONS)
    return;
  g_free(guide->label);
  guide->label = g_strconcat(guide->on ? "✓ " : "", _("Read aloud"), NULL);
  b = &v->buttons[v->n_buttons++];
  *b = (ViewButton){VIEW_BUTTON_SPEECH, guide->label, FALSE, TRUE};
}

/* The view with the button, and the notice when there is no voice. */
static const KioskView *decorate(SpeechGuide *guide, const KioskView *view,
                                 const char *language, const char *voice)
{
  g_autofree char *notice = NULL;

  guide->decorated = *view;
  if (view->seated)
    seated_button(guide, &guide->decorated);
  else
    guide->decorated.speech = guide->on ? VIEW_SPEECH_ON : VIEW_SPEECH_OFF;
  if (!guide->on || voice)
    return &guide->decorated;
  notice = g_strdup_printf(_("Spoken guidance is not available in %s."),
                           i18n_language_name(language));
  g_free(guide->banner);
  guide->banner = view->banner && *view->banner
                      ? g_strconcat(notice, "\n", view->banner, NULL)
                      : g_steal_pointer(&notice);
  guide->decorated.banner = guide->banner;
  return &guide->decorated;
}

const KioskView *speech_guide_view(SpeechGuide *guide, const Frontend *fe,
                                   const KioskView *view)
{
  const char *language;
  const char *voice;

  if (!guide)
    return view;
  /* Each applicant starts with speech on: back at check-in from any other
   * screen is the next applicant. */
  if (view->screen == VIEW_CHECKIN && guide->screen != VIEW_CHECKIN &&
      guide->screen != VIEW_N_SCREENS)
    guide->on = TRUE;
  guide->screen = view->screen;
  if (!screen_spoken(view) || !output_ready(guide, fe)) {
    if (guide->said)
      speech_stop(guide->speech);
    g_clear_pointer(&guide->said, g_free);
    return view;
  }
  language = i18n_get_language();
  voice = speech_voice(language);
  if (guide->on && voice)
    speak(guide, view, language, voice);
  return decorate(guide, view, language, voice);
}

gboolean speech_guide_intent(SpeechGuide *guide, const KioskIntent *intent)
{
  if (!guide || intent->type != INTENT_BUTTON ||
      strcmp(intent->button, VIEW_BUTTON_SPEECH) != 0)
    return FALSE;
  guide->on = !guide->on;
  /* Off is silence at once; on speaks the screen again. */
  speech_stop(guide->speech);
  g_clear_pointer(&guide->said, g_free);
  g_debug("speech: the applicant turned spoken guidance %s",
          guide->on ? "on" : "off");
  return TRUE;
}
