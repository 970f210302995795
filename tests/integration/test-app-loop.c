/* The application's loop (kiosk/runtime/app.c) with a recording front end:
 * it sleeps until something happens instead of polling. On an empty
 * check-in screen it wakes only for the camera's start-up and otherwise
 * waits without a time limit; after a key it sleeps until exactly the
 * session's idle deadline. The real devices of the embedded configuration
 * run meanwhile (the simulated camera with the demo's portraits). */
#include <sodium.h>
#include <string.h>

#include "app.h"
#include "demo-media.h"
#include "testlib.h"

/* Longer than the camera's start-up grace (3 s), the one deadline of an
 * empty check-in screen. */
#define RUN_US (3500 * G_TIME_SPAN_MILLISECOND)

typedef struct {
  GMutex lock;
  GCond cond;
  gboolean woken;
  gint64 quit_at;         /* monotonic; the loop gets INTENT_QUIT then */
  const char *first_keys; /* digits handed out as the first intents */
  GArray *timeouts;       /* int: each timeout_ms the loop asked for */
  guint renders;
} Fake;

static void fake_render(gpointer data, const KioskView *view)
{
  Fake *f = data;

  g_mutex_lock(&f->lock);
  f->renders++;
  g_mutex_unlock(&f->lock);
}

static gboolean fake_next_intent(gpointer data, int timeout_ms,
                                 KioskIntent *ret_intent)
{
  Fake *f = data;
  gint64 deadline =
      timeout_ms < 0
          ? f->quit_at
          : MIN(f->quit_at,
                g_get_monotonic_time() + timeout_ms * G_TIME_SPAN_MILLISECOND);
  gboolean got = FALSE;

  memset(ret_intent, 0, sizeof *ret_intent);
  g_mutex_lock(&f->lock);
  g_array_append_val(f->timeouts, timeout_ms);
  if (f->first_keys && *f->first_keys) {
    ret_intent->type = INTENT_KEY;
    ret_intent->key = *f->first_keys++;
    got = TRUE;
  }
  while (!got && !f->woken && g_get_monotonic_time() < deadline)
    g_cond_wait_until(&f->cond, &f->lock, deadline);
  if (!got && g_get_monotonic_time() >= f->quit_at) {
    ret_intent->type = INTENT_QUIT;
    got = TRUE;
  }
  f->woken = FALSE;
  g_mutex_unlock(&f->lock);
  return got;
}

static void fake_wake(gpointer data)
{
  Fake *f = data;

  g_mutex_lock(&f->lock);
  f->woken = TRUE;
  g_cond_signal(&f->cond);
  g_mutex_unlock(&f->lock);
}

/* Runs app_run() for `run_us` on the embedded configuration in a fresh
 * state folder; fills f->timeouts. */
static void run_loop(Fake *f, gint64 run_us)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *set_state = g_strdup_printf("paths.state_dir=%s", dir);
  g_autofree char *media = NULL;
  g_autofree char *set_pin = NULL;
  char pin_hash[crypto_pwhash_STRBYTES];
  g_autoptr(KioskConfig) config = config_load(NULL, &error);
  Frontend fe = {.render = fake_render,
                 .next_intent = fake_next_intent,
                 .wake = fake_wake,
                 .data = f};
  App *app;

  g_assert_no_error(error);
  g_assert_true(config_override(config, set_state, &error));
  /* A back-office key of its own (any 32 bytes will do to seal to), so
   * that no demo-key warning is logged. */
  g_assert_true(config_override(config,
                                "paths.backoffice_public_key="
                                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                                &error));
  /* And an officer PIN of its own: with a real key the demo PIN is warned
   * about too. */
  g_assert_cmpint(sodium_init(), >=, 0);
  g_assert_cmpint(crypto_pwhash_str(pin_hash, "97531", 5,
                                    crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                    crypto_pwhash_MEMLIMIT_INTERACTIVE),
                  ==, 0);
  set_pin = g_strdup_printf("officer.pin_hash=%s", pin_hash);
  g_assert_true(config_override(config, set_pin, &error));
  media = config_resolve_path(
      config, g_hash_table_lookup(config->camera_options, "folder"));
  g_assert_true(demo_media_write_portraits(media, &error));
  app = app_new(config, &error);
  g_assert_no_error(error);
  f->quit_at = g_get_monotonic_time() + run_us;
  g_assert_cmpint(app_run(app, &fe, NULL, NULL), ==, 0);
  app_free(app);
  testlib_rmtree(dir);
}

static void fake_init(Fake *f, const char *keys)
{
  memset(f, 0, sizeof *f);
  g_mutex_init(&f->lock);
  g_cond_init(&f->cond);
  f->first_keys = keys;
  f->timeouts = g_array_new(FALSE, FALSE, sizeof(int));
}

static void fake_clear(Fake *f)
{
  g_array_unref(f->timeouts);
  g_mutex_clear(&f->lock);
  g_cond_clear(&f->cond);
}

#define IDLE_LONG_WAIT_MS (59 * 60 * 1000)
/* The automatic backdrop shot's next try, a minute on (photo-calibrate.c). */
#define BACKDROP_WAIT_MS (55 * 1000)

/* Nothing to do: a few wakes while the camera opens and its backdrop is
 * tried, then long waits (until the next backdrop try and the hourly
 * retention run, retention.h). A loop polling every
 * 100 ms would have asked 35 times. */
static void test_idle_sleeps(void)
{
  Fake f;
  guint long_waits = 0;

  fake_init(&f, NULL);
  run_loop(&f, RUN_US);
  g_test_message("%u waits, %u renders", f.timeouts->len, f.renders);
  for (guint i = 0; i < f.timeouts->len; i++) {
    int t = g_array_index(f.timeouts, int, i);
    g_test_message("wait %u: %d ms", i, t);
    /* The only deadlines are the end of the camera's start-up grace, the
     * automatic backdrop shot's next try (a minute: the simulated camera
     * always shows a person, photo-calibrate.h) and the next retention
     * run, an hour after the start. */
    g_assert_true(t <= 3000 || (t >= BACKDROP_WAIT_MS && t <= 60000) ||
                  t >= IDLE_LONG_WAIT_MS);
    long_waits += t >= BACKDROP_WAIT_MS;
  }
  /* Each short wait follows an event (the camera opened, the backdrop
   * shot came back, a frame was drawn); on a loaded machine they arrive
   * apart and each wakes the loop once, so the count varies (4 to 7 seen)
   * but stays far from the polling loop's 35. */
  g_assert_cmpuint(f.timeouts->len, <=, 10);
  g_assert_cmpuint(long_waits, >=, 1);
  fake_clear(&f);
}

/* A typed digit makes inactivity count: the loop then sleeps until the
 * session's next idle deadline, the "more time" prompt (kiosk.idle_timeout_s
 * 60 s less idle_warning_s 15 s in the embedded configuration), and not a
 * moment less, and no longer without a limit. */
static void test_sleeps_until_deadline(void)
{
  Fake f;
  int after_key = G_MININT;

  fake_init(&f, "4");
  run_loop(&f, RUN_US);
  for (guint i = 1; i < f.timeouts->len; i++) {
    int t = g_array_index(f.timeouts, int, i);
    if (t > 3000)
      after_key = MAX(after_key, t);
    g_assert_cmpint(t, >=, 0);
  }
  g_test_message("%u waits; longest after the key %d ms", f.timeouts->len,
                 after_key);
  g_assert_cmpint(after_key, >, 40 * 1000);
  g_assert_cmpint(after_key, <=, 45 * 1000);
  g_assert_cmpuint(f.timeouts->len, <=, 8);
  fake_clear(&f);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/app-loop/idle-sleeps", test_idle_sleeps);
  g_test_add_func("/app-loop/sleeps-until-deadline",
                  test_sleeps_until_deadline);
  return g_test_run();
}
