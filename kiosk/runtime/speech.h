/* Spoken guidance's engine: libespeak-ng turns a text into speech on a
 * thread of its own, into a ring buffer that an audio output drains from
 * its callback. A new text interrupts the one being spoken at once: the
 * samples not yet played are dropped and the synthesis of the old text is
 * aborted. docs/speech.md has the whole picture.
 *
 *   Speech *s = speech_new(150, &error);
 *   speech_say(s, voice, "Please sign on the pad.");   main thread
 *   speech_pull(s, samples, n);                        audio callback
 *
 * Threads: speech_new(), speech_say(), speech_stop(), speech_free() on one
 * thread (the main thread); speech_pull() on the audio output's thread;
 * speech_voice(), speech_synthesize() and the statistics on any thread.
 * libespeak-ng is one global engine: every call into it is serialised
 * here. Speech never blocks its callers on synthesis. */
#pragma once

#include <glib.h>

#define SPEECH_ERROR (speech_error_quark())
GQuark speech_error_quark(void);

typedef enum {
  SPEECH_ERROR_ENGINE, /* libespeak-ng or its data cannot be initialised */
  SPEECH_ERROR_VOICE,  /* no voice for the language */
  SPEECH_ERROR_OUTPUT, /* the audio output cannot be opened */
} SpeechError;

/* A sample whose magnitude is at most this is silence (about -54 dBFS):
 * leading silence of an utterance is not queued, and the first louder
 * sample handed to the output is "the first audio". */
#define SPEECH_SILENCE_FLOOR 64

/* Speaking rate in words per minute: slower than libespeak-ng's 175 for
 * listeners in a language not always their own. */
#define SPEECH_RATE_DEFAULT 150
#define SPEECH_RATE_MIN     80
#define SPEECH_RATE_MAX     300

/* The voice libespeak-ng has for `language` (a kiosk language code such
 * as "nl"): its identifier ("gmw/nl"), or NULL when it has none. Only a
 * voice that lists exactly this language counts, so that a language is
 * never spoken with another language's voice. Static string. Any thread;
 * initialises libespeak-ng on first use (NULL when that fails). */
const char *speech_voice(const char *language);

/* The sample rate of libespeak-ng's output (mono, signed 16 bit), 0 when
 * it cannot be initialised. Any thread. */
int speech_sample_rate(void);

/* Speaks `text` with `voice` (from speech_voice()) at `rate` words per
 * minute into `ret_samples` (a new GArray of gint16), synchronously and
 * whole: for tests, the bench and WAV files. FALSE with SPEECH_ERROR when
 * the engine or the voice is missing. Any thread; blocks while it runs. */
gboolean speech_synthesize(const char *voice, const char *text, int rate,
                           GArray **ret_samples, GError **error);

/* Writes mono 16-bit samples as a WAV file. */
gboolean speech_write_wav(const char *path, const gint16 *samples,
                          gsize n_samples, int rate, GError **error);

typedef struct Speech Speech;

/* Starts the synthesis thread, speaking at `rate` words per minute. NULL
 * with SPEECH_ERROR_ENGINE when libespeak-ng cannot be initialised. */
Speech *speech_new(int rate, GError **error);

/* Stops the thread (aborting any synthesis) and frees. Accepts NULL. The
 * audio output must be closed first: speech_pull() must not run any more. */
void speech_free(Speech *speech);

/* Speaks `text` with `voice` (speech_voice()), interrupting whatever is
 * being spoken or waits to be: from now on speech_pull() gives no sample
 * of the earlier text. Returns at once; the first audio follows a few
 * tens of milliseconds later. */
void speech_say(Speech *speech, const char *voice, const char *text);

/* Stops speaking: silence from the next speech_pull() on. */
void speech_stop(Speech *speech);

/* The audio output's callback: fills `samples` with the next `n` samples
 * of speech, silence where there is none. Never waits for synthesis. */
void speech_pull(Speech *speech, gint16 *samples, int n);

/* The latest speech_say(): the monotonic time it was called and the time
 * its first non-silent sample was handed out by speech_pull() (0 while
 * none was). For the bench and tests; any thread. */
void speech_timing(Speech *speech, gint64 *ret_said_us,
                   gint64 *ret_first_audio_us);

/* TRUE while samples of the latest text are queued or being synthesised. */
gboolean speech_busy(Speech *speech);
