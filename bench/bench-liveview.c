/* What the applicant sees of the live view: the real application loop
 * (app_run) in the photo step, headless SDL front end, the simulated camera
 * delivering 30 frames per second. Counts the frames the loop renders (a
 * render that shows a camera frame not shown before) over 6 s, and the time
 * from the camera worker having a frame ready to that frame's render being
 * done. Prints "<name> <value> <unit>" lines. */
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

#define CAMERA_FPS 30
#define WARMUP_US  (1 * G_USEC_PER_SEC)
#define MEASURE_US (6 * G_USEC_PER_SEC)

typedef struct {
  Ui *ui;
  gint64 measure_from, measure_until; /* 0 until measuring starts */
  gint64 last_available;
  GArray *latency_ms; /* double */
  gint64 first_us, last_us;
  guint frames;
} Bench;

static void bench_render(gpointer data, const KioskView *view)
{
  Bench *b = data;
  gint64 now;

  ui_render(b->ui, view);
  now = g_get_monotonic_time();
  if (view->screen != VIEW_PHOTO || !view->image.available_us ||
      view->image.available_us == b->last_available)
    return;
  b->last_available = view->image.available_us;
  if (!b->measure_from || now < b->measure_from || now >= b->measure_until)
    return;
  if (!b->frames)
    b->first_us = now;
  b->last_us = now;
  b->frames++;
  g_array_append_val(b->latency_ms,
                     (double){(now - view->image.available_us) / 1000.0});
}

static gboolean bench_next_intent(gpointer data, int timeout_ms,
                                  KioskIntent *ret_intent)
{
  Bench *b = data;
  gint64 left = b->measure_until - g_get_monotonic_time();

  if (b->measure_until && left <= 0) {
    /* BK_BENCH_SCREENSHOT=file.png keeps the last frame for a look. */
    if (g_getenv("BK_BENCH_SCREENSHOT"))
      ui_screenshot(b->ui, g_getenv("BK_BENCH_SCREENSHOT"), NULL);
    memset(ret_intent, 0, sizeof *ret_intent);
    ret_intent->type = INTENT_QUIT;
    return TRUE;
  }
  if (b->measure_until && (timeout_ms < 0 || timeout_ms > left / 1000))
    timeout_ms = (int)(left / 1000) + 1;
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

/* The embedded configuration in a fresh state folder, with the demo's
 * portraits in front of a simulated camera at CAMERA_FPS. */
static KioskConfig *bench_config(const char *state, GError **error)
{
  g_autofree char *set_fps = g_strdup_printf("camera.fps=%d", CAMERA_FPS);
  const char *const overrides[] = {set_fps, NULL};

  return bench_demo_config(state, overrides, error);
}

static gboolean bench_run(Bench *b, KioskConfig *config, GError **error)
{
  Frontend fe = {.render = bench_render,
                 .next_intent = bench_next_intent,
                 .wake = bench_wake,
                 .press = bench_press,
                 .data = b};
  App *app = app_new(config, error);
  guint imported;
  gboolean ok;

  if (!app)
    return FALSE;
  ok = appointments_import_data(app_database(app), resources_sample_schedule(),
                                -1, &imported, error) &&
       demo_walk(app, &fe, DEMO_CODE, NULL, SESSION_PHOTO, error);
  if (ok) {
    b->measure_from = g_get_monotonic_time() + WARMUP_US;
    b->measure_until = b->measure_from + MEASURE_US;
    app_run(app, &fe, NULL, NULL);
  }
  app_free(app);
  return ok;
}

int main(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp("biokiosk-bench-XXXXXX", NULL);
  g_autofree char *state = g_build_filename(tmp, "state", NULL);
  UiOptions options = {.headless = TRUE, .location = "IND desk Zwolle"};
  g_autoptr(KioskConfig) config = NULL;
  Bench b = {0};
  double seconds;

  g_setenv("SDL_VIDEODRIVER", "offscreen", TRUE);
  b.latency_ms = g_array_new(FALSE, FALSE, sizeof(double));
  b.ui = ui_new(&options, &error);
  if (b.ui)
    config = bench_config(state, &error);
  if (!config || !bench_run(&b, config, &error) || b.frames < 2) {
    g_printerr("bench-liveview: %s\n",
               error ? error->message : "no live frames on screen");
    return 1;
  }
  seconds = (b.last_us - b.first_us) / 1e6;
  printf("ui.liveview_camera_fps %d fps\n", CAMERA_FPS);
  printf("ui.liveview_display_fps %.1f fps\n", (b.frames - 1) / seconds);
  printf("ui.liveview_measured_s %.1f s\n", seconds);
  printf("ui.frame_to_screen_ms %.2f ms\n",
         bench_percentile(b.latency_ms, 0.5));
  printf("ui.frame_to_screen_p95_ms %.2f ms\n",
         bench_percentile(b.latency_ms, 0.95));
  ui_free(b.ui);
  demo_media_remove_tree(tmp, NULL);
  g_array_unref(b.latency_ms);
  return 0;
}
