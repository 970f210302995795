/* Pen to ink: the real application loop (app_run) in the signature step
 * with the headless SDL front end and the touchscreen as pad. The UI's
 * synthetic signature arrives as timed touch events; each goes the whole
 * way a pen event goes (front end, INTENT_PEN, the touch backend on the pad
 * worker, the sink, the loop's wake-up) to be drawn on the signature
 * preview. Measures, per render that shows a newer point, the time from
 * that point's arrival (the front end receiving the event) to the render
 * being done. Prints "<name> <value> <unit>" lines. */
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "appointments.h"
#include "benchlib.h"
#include "demo-media.h"
#include "demo.h"
#include "resources.h"
#include "ui.h"

#define SIGNINGS 3

typedef struct {
  Ui *ui;
  App *app;
  GArray *latency_ms; /* double */
  gint64 last_arrival;
  gboolean pen_ready; /* the last render offered the pen, without ink */
  gboolean signing;   /* a synthetic signature is being written */
  int signed_count;
  guint points;
} Bench;

static void bench_render(gpointer data, const KioskView *view)
{
  Bench *b = data;
  gint64 now;

  ui_render(b->ui, view);
  now = g_get_monotonic_time();
  b->pen_ready = view->screen == VIEW_SIGNATURE && view->ink.pen_input &&
                 view->ink.n_points == 0;
  if (view->screen != VIEW_SIGNATURE || !view->ink.newest_arrival_us ||
      view->ink.newest_arrival_us == b->last_arrival)
    return;
  b->last_arrival = view->ink.newest_arrival_us;
  b->points = MAX(b->points, (guint)view->ink.n_points);
  g_array_append_val(b->latency_ms,
                     (double){(now - view->ink.newest_arrival_us) / 1000.0});
}

static gboolean bench_next_intent(gpointer data, int timeout_ms,
                                  KioskIntent *ret_intent)
{
  Bench *b = data;
  const KioskView *v = session_view(app_session(b->app));

  if (b->signing && v->screen == VIEW_SIGNATURE && v->n_buttons > 0) {
    b->signing = FALSE;
    if (++b->signed_count >= SIGNINGS) {
      memset(ret_intent, 0, sizeof *ret_intent);
      ret_intent->type = INTENT_QUIT;
      return TRUE;
    }
    ui_press(b->ui, VIEW_BUTTON_REDO);
  }
  if (!b->signing && b->pen_ready && ui_press(b->ui, VIEW_TARGET_SIGN))
    b->signing = TRUE;
  return ui_next_intent(b->ui, timeout_ms, ret_intent);
}

static void bench_wake(gpointer data)
{
  ui_wake(((Bench *)data)->ui);
}

static gboolean bench_press(gpointer data, const char *target)
{
  return ui_press(((Bench *)data)->ui, target);
}

/* The embedded configuration in a fresh state folder, the touchscreen as
 * pad. */
static KioskConfig *bench_config(const char *state, GError **error)
{
  const char *const overrides[] = {"devices.pad=touch", NULL};

  return bench_demo_config(state, overrides, error);
}

static gboolean bench_run(Bench *b, KioskConfig *config, GError **error)
{
  Frontend fe = {.render = bench_render,
                 .next_intent = bench_next_intent,
                 .wake = bench_wake,
                 .press = bench_press,
                 .data = b};
  guint imported;
  gboolean ok;

  b->app = app_new(config, error);
  if (!b->app)
    return FALSE;
  ok = appointments_import_data(app_database(b->app),
                                resources_sample_schedule(), -1, &imported,
                                error) &&
       demo_walk(b->app, &fe, DEMO_CODE, NULL, SESSION_SIGNATURE, error);
  if (ok) {
    app_render(b->app, &fe);
    app_run(b->app, &fe, NULL, NULL);
  }
  /* BK_BENCH_SCREENSHOT=file.png keeps the last frame for a look. */
  if (g_getenv("BK_BENCH_SCREENSHOT"))
    ui_screenshot(b->ui, g_getenv("BK_BENCH_SCREENSHOT"), NULL);
  app_free(b->app);
  return ok;
}

int main(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp("biokiosk-bench-XXXXXX", NULL);
  g_autoptr(KioskConfig) config = NULL;
  UiOptions options = {.width = 1280, .height = 800, .headless = TRUE};
  Bench b = {0};

  g_setenv("SDL_VIDEODRIVER", "offscreen", FALSE);
  b.latency_ms = g_array_new(FALSE, FALSE, sizeof(double));
  config = bench_config(tmp, &error);
  b.ui = config ? ui_new(&options, &error) : NULL;
  if (!b.ui || !bench_run(&b, config, &error) || b.latency_ms->len == 0) {
    fprintf(stderr, "bench-pad: %s\n",
            error ? error->message : "no ink was drawn");
    return 1;
  }
  printf("pad.event_to_ink_ms %.1f ms\n", bench_percentile(b.latency_ms, 0.5));
  printf("pad.event_to_ink_p95_ms %.1f ms\n",
         bench_percentile(b.latency_ms, 0.95));
  printf("pad.ink_renders %u count\n", b.latency_ms->len);
  ui_free(b.ui);
  g_array_unref(b.latency_ms);
  demo_media_remove_tree(tmp, NULL);
  return 0;
}
