/* Spoken guidance's engine (speech.h): libespeak-ng in its synchronous
 * mode on a thread of its own, feeding a ring buffer that the audio
 * output's callback drains. An utterance belongs to a generation; every
 * speech_say() starts a new one, empties the ring, and any synthesis still
 * running for an older one is aborted at its next buffer. */
#include "speech.h"

#include <espeak-ng/espeak_ng.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK(biokiosk - speech - error - quark, speech_error)

/* libespeak-ng hands out its samples in buffers of this many
 * milliseconds: short ones make the first audio come early. */
#define SPEECH_BUFFER_MS 40
/* The ring holds this much audio; synthesis waits when it is full. */
#define SPEECH_RING_S 4

/* ---- the engine: one per process, its calls serialised ---------------- */

/* Where the synthesis callback puts a buffer of samples; FALSE aborts. */
typedef struct SynthSink SynthSink;
struct SynthSink {
  gboolean (*push)(SynthSink *sink, const short *samples, int n);
};

static GMutex engine_lock;
static int engine_rate; /* 0: not initialised or failed */
static char *engine_problem;

static int engine_callback(short *samples, int n, espeak_EVENT *events)
{
  SynthSink *sink = events ? events->user_data : NULL;

  if (!sink || !samples || n <= 0)
    return 0;
  return sink->push(sink, samples, n) ? 0 : 1;
}

static gpointer engine_init(gpointer unused)
{
  espeak_ng_ERROR_CONTEXT context = NULL;
  espeak_ng_STATUS status;
  char message[512];

  (void)unused;
  espeak_ng_InitializePath(NULL);
  status = espeak_ng_Initialize(&context);
  if (status == ENS_OK)
    status = espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS,
                                        SPEECH_BUFFER_MS, NULL);
  if (status != ENS_OK) {
    espeak_ng_GetStatusCodeMessage(status, message, sizeof message);
    engine_problem = g_strdup_printf("libespeak-ng: %s", message);
    espeak_ng_ClearErrorContext(&context);
    return NULL;
  }
  espeak_SetSynthCallback(engine_callback);
  engine_rate = espeak_ng_GetSampleRate();
  return NULL;
}

static gboolean engine_ready(GError **error)
{
  static GOnce once = G_ONCE_INIT;

  g_once(&once, engine_init, NULL);
  if (engine_rate > 0)
    return TRUE;
  g_set_error(error, SPEECH_ERROR, SPEECH_ERROR_ENGINE, "%s",
              engine_problem ? engine_problem : "libespeak-ng failed");
  return FALSE;
}

int speech_sample_rate(void)
{
  return engine_ready(NULL) ? engine_rate : 0;
}

/* The priority the voice's language list (priority byte, name, ..., 0)
 * gives `language` exactly (a smaller number is a better voice for it),
 * or G_MAXINT when it does not name it: "en" is British English's with 2
 * and the Caribbean voice's with 10. */
static int voice_priority(const espeak_VOICE *voice, const char *language)
{
  for (const char *p = voice->languages; p && *p; p += strlen(p + 1) + 2) {
    if (g_ascii_strcasecmp(p + 1, language) == 0)
      return (unsigned char)*p;
  }
  return G_MAXINT;
}

/* Looks the voice up in the engine's list: interned, "" for none. */
static const char *engine_find_voice(const char *language)
{
  const espeak_VOICE **voices;
  const char *voice = "";
  int best = G_MAXINT;

  g_mutex_lock(&engine_lock);
  voices = espeak_ListVoices(NULL);
  for (int i = 0; voices && voices[i]; i++) {
    int priority = voice_priority(voices[i], language);

    if (voices[i]->identifier && priority < best) {
      voice = g_intern_string(voices[i]->identifier);
      best = priority;
    }
  }
  g_mutex_unlock(&engine_lock);
  return voice;
}

const char *speech_voice(const char *language)
{
  /* language -> interned identifier or "": once known, a lookup never
   * waits for the engine, which may be busy speaking. */
  static GMutex found_lock;
  static GHashTable *found;
  const char *voice;

  if (!language || !*language || !engine_ready(NULL))
    return NULL;
  g_mutex_lock(&found_lock);
  if (!found)
    found = g_hash_table_new(g_str_hash, g_str_equal);
  voice = g_hash_table_lookup(found, language);
  g_mutex_unlock(&found_lock);
  if (voice)
    return *voice ? voice : NULL;
  voice = engine_find_voice(language);
  g_mutex_lock(&found_lock);
  g_hash_table_insert(found, (gpointer)g_intern_string(language),
                      (gpointer)voice);
  g_mutex_unlock(&found_lock);
  return *voice ? voice : NULL;
}

/* Speaks `text` into `sink`; the caller holds engine_lock. */
static gboolean engine_speak(const char *voice, const char *text, int rate,
                             SynthSink *sink, GError **error)
{
  espeak_ng_STATUS status = espeak_ng_SetVoiceByName(voice);
  char message[512];

  if (status == ENS_OK)
    status = espeak_ng_SetParameter(espeakRATE, rate, 0);
  if (status == ENS_OK)
    status = espeak_ng_Synthesize(text, strlen(text) + 1, 0, POS_CHARACTER, 0,
                                  espeakCHARS_UTF8, NULL, sink);
  /* An abort by the sink is not a failure. */
  if (status == ENS_OK || status == ENS_SPEECH_STOPPED)
    return TRUE;
  espeak_ng_GetStatusCodeMessage(status, message, sizeof message);
  g_set_error(error, SPEECH_ERROR, SPEECH_ERROR_VOICE, "libespeak-ng: %s: %s",
              voice, message);
  return FALSE;
}

/* ---- synchronous synthesis (tests, bench, WAV files) ------------------- */

typedef struct {
  SynthSink sink;
  GArray *samples;
} ArraySink;

static gboolean array_push(SynthSink *sink, const short *samples, int n)
{
  ArraySink *a = (ArraySink *)sink;

  g_array_append_vals(a->samples, samples, (guint)n);
  return TRUE;
}

gboolean speech_synthesize(const char *voice, const char *text, int rate,
                           GArray **ret_samples, GError **error)
{
  ArraySink sink = {{array_push}, NULL};
  gboolean ok;

  g_return_val_if_fail(text && ret_samples, FALSE);
  if (!engine_ready(error))
    return FALSE;
  if (!voice) {
    g_set_error(error, SPEECH_ERROR, SPEECH_ERROR_VOICE, "no voice");
    return FALSE;
  }
  sink.samples = g_array_new(FALSE, FALSE, sizeof(gint16));
  g_mutex_lock(&engine_lock);
  ok = engine_speak(voice, text, rate, &sink.sink, error);
  g_mutex_unlock(&engine_lock);
  if (!ok) {
    g_array_unref(sink.samples);
    return FALSE;
  }
  *ret_samples = sink.samples;
  return TRUE;
}

static void put_le(guint8 *p, guint32 value, int bytes)
{
  for (int i = 0; i < bytes; i++)
    p[i] = (guint8)(value >> (8 * i));
}

gboolean speech_write_wav(const char *path, const gint16 *samples,
                          gsize n_samples, int rate, GError **error)
{
  guint32 data_bytes = (guint32)(n_samples * 2);
  g_autofree guint8 *file = g_malloc(44 + (gsize)data_bytes);

  memcpy(file, "RIFF", 4);
  put_le(file + 4, 36 + data_bytes, 4);
  memcpy(file + 8, "WAVEfmt ", 8);
  put_le(file + 16, 16, 4);            /* format chunk size */
  put_le(file + 20, 1, 2);             /* PCM */
  put_le(file + 22, 1, 2);             /* mono */
  put_le(file + 24, (guint32)rate, 4); /* samples per second */
  put_le(file + 28, (guint32)rate * 2, 4);
  put_le(file + 32, 2, 2);  /* bytes per frame */
  put_le(file + 34, 16, 2); /* bits per sample */
  memcpy(file + 36, "data", 4);
  put_le(file + 40, data_bytes, 4);
  for (gsize i = 0; i < n_samples; i++)
    put_le(file + 44 + 2 * i, (guint16)samples[i], 2);
  return g_file_set_contents(path, (const char *)file, 44 + (gssize)data_bytes,
                             error);
}

/* ---- the speaking thread and its ring ---------------------------------- */

struct Speech {
  GMutex lock; /* guards everything below but `thread` and `rate` */
  GCond cond;  /* a new text, room in the ring, or quit */
  GThread *thread;
  int rate;

  gint16 *ring;
  gsize capacity;
  gsize head; /* next sample to play */
  gsize len;  /* samples queued */

  guint64 generation; /* grows with every say and stop */
  char *next_voice;   /* a text waiting for the thread (NULL: none) */
  char *next_text;
  guint64 synthesising; /* the generation being synthesised, 0 none */
  gboolean leading;     /* its leading silence is still being skipped */
  gboolean quit;

  gint64 said_us;
  gint64 first_audio_us;
};

typedef struct {
  SynthSink sink;
  Speech *speech;
  guint64 generation;
} RingSink;

/* Queues samples of generation `gen`, waiting for room; FALSE when a newer
 * text (or quit) made them stale. Called with the lock held. */
static gboolean ring_put(Speech *s, guint64 gen, const short *samples, int n)
{
  int i = 0;

  if (s->generation != gen || s->quit)
    return FALSE;
  if (s->leading) {
    while (i < n && abs(samples[i]) <= SPEECH_SILENCE_FLOOR)
      i++;
    if (i < n)
      s->leading = FALSE;
  }
  while (i < n) {
    gsize room, tail, chunk;

    while (s->len == s->capacity && s->generation == gen && !s->quit)
      g_cond_wait(&s->cond, &s->lock);
    if (s->generation != gen || s->quit)
      return FALSE;
    room = s->capacity - s->len;
    tail = (s->head + s->len) % s->capacity;
    chunk = MIN(MIN(room, (gsize)(n - i)), s->capacity - tail);
    memcpy(s->ring + tail, samples + i, chunk * sizeof(gint16));
    s->len += chunk;
    i += (int)chunk;
  }
  return TRUE;
}

static gboolean ring_push(SynthSink *sink, const short *samples, int n)
{
  RingSink *r = (RingSink *)sink;
  Speech *s = r->speech;
  gboolean ok;

  g_mutex_lock(&s->lock);
  ok = ring_put(s, r->generation, samples, n);
  g_mutex_unlock(&s->lock);
  return ok;
}

static gpointer speech_thread(gpointer data)
{
  Speech *s = data;

  g_mutex_lock(&s->lock);
  for (;;) {
    g_autofree char *voice = NULL;
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    RingSink sink = {{ring_push}, s, 0};

    while (!s->quit && !s->next_text)
      g_cond_wait(&s->cond, &s->lock);
    if (s->quit)
      break;
    voice = g_steal_pointer(&s->next_voice);
    text = g_steal_pointer(&s->next_text);
    sink.generation = s->synthesising = s->generation;
    g_mutex_unlock(&s->lock);

    g_mutex_lock(&engine_lock);
    if (!engine_speak(voice, text, s->rate, &sink.sink, &error))
      g_warning("speech: %s", error->message);
    g_mutex_unlock(&engine_lock);

    g_mutex_lock(&s->lock);
    if (s->synthesising == sink.generation)
      s->synthesising = 0;
  }
  g_mutex_unlock(&s->lock);
  return NULL;
}

Speech *speech_new(int rate, GError **error)
{
  Speech *s;

  if (!engine_ready(error))
    return NULL;
  s = g_new0(Speech, 1);
  g_mutex_init(&s->lock);
  g_cond_init(&s->cond);
  s->rate = CLAMP(rate, SPEECH_RATE_MIN, SPEECH_RATE_MAX);
  s->capacity = (gsize)engine_rate * SPEECH_RING_S;
  s->ring = g_new(gint16, s->capacity);
  s->generation = 1; /* 0 is "nothing is being synthesised" */
  s->thread = g_thread_new("speech", speech_thread, s);
  return s;
}

void speech_free(Speech *s)
{
  if (!s)
    return;
  g_mutex_lock(&s->lock);
  s->quit = TRUE;
  g_cond_broadcast(&s->cond);
  g_mutex_unlock(&s->lock);
  g_thread_join(s->thread);
  g_free(s->next_voice);
  g_free(s->next_text);
  g_free(s->ring);
  g_cond_clear(&s->cond);
  g_mutex_clear(&s->lock);
  g_free(s);
}

/* Drops what is queued and makes running synthesis stale. Lock held. */
static void interrupt(Speech *s)
{
  s->generation++;
  s->len = 0;
  s->head = 0;
  g_clear_pointer(&s->next_voice, g_free);
  g_clear_pointer(&s->next_text, g_free);
  g_cond_broadcast(&s->cond);
}

void speech_say(Speech *s, const char *voice, const char *text)
{
  g_return_if_fail(s && voice && text);
  g_mutex_lock(&s->lock);
  interrupt(s);
  s->next_voice = g_strdup(voice);
  s->next_text = g_strdup(text);
  s->leading = TRUE;
  s->said_us = g_get_monotonic_time();
  s->first_audio_us = 0;
  g_mutex_unlock(&s->lock);
}

void speech_stop(Speech *s)
{
  g_return_if_fail(s);
  g_mutex_lock(&s->lock);
  interrupt(s);
  g_mutex_unlock(&s->lock);
}

void speech_pull(Speech *s, gint16 *samples, int n)
{
  int i = 0;

  g_mutex_lock(&s->lock);
  for (; i < n && s->len > 0; i++) {
    samples[i] = s->ring[s->head];
    if (!s->first_audio_us && abs(samples[i]) > SPEECH_SILENCE_FLOOR)
      s->first_audio_us = g_get_monotonic_time();
    s->head = (s->head + 1) % s->capacity;
    s->len--;
  }
  if (i > 0)
    g_cond_broadcast(&s->cond);
  g_mutex_unlock(&s->lock);
  if (i < n)
    memset(samples + i, 0, (gsize)(n - i) * sizeof(gint16));
}

void speech_timing(Speech *s, gint64 *ret_said_us, gint64 *ret_first_audio_us)
{
  g_mutex_lock(&s->lock);
  if (ret_said_us)
    *ret_said_us = s->said_us;
  if (ret_first_audio_us)
    *ret_first_audio_us = s->first_audio_us;
  g_mutex_unlock(&s->lock);
}

gboolean speech_busy(Speech *s)
{
  gboolean busy;

  g_mutex_lock(&s->lock);
  busy = s->len > 0 || s->next_text != NULL || s->synthesising == s->generation;
  g_mutex_unlock(&s->lock);
  return busy;
}
