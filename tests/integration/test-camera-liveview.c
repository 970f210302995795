/* The live-view path end to end: PTP/IP emulator -> real libgphoto2 ->
 * camera worker (decode at display size) -> SDL texture on this, the "UI"
 * thread. Proves the UI thread never waits on the camera, even when the
 * camera is slow or asleep, and that frames are dropped, not queued, when
 * the UI is slower than the camera. SDL uses the dummy video driver and
 * the software renderer. */
#include "camera-worker.h"
#include "emulators/ptpip-camera.h"
#include "testlib.h"

#include <SDL.h>

#define DISPLAY_W 480
#define DISPLAY_H 320

typedef struct {
  PtpipCamera *emu;
  CameraWorker *worker;
  SDL_Window *window;
  SDL_Renderer *renderer;
  SDL_Texture *texture;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) options =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GBytes) frame = ptpip_camera_make_jpeg(960, 640, 8, 85);
  gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

  f->emu = ptpip_camera_new(&error);
  g_assert_no_error(error);
  ptpip_camera_set_frames(f->emu, &frame, 1);
  g_hash_table_insert(options, g_strdup("port"), ptpip_camera_address(f->emu));
  f->worker =
      camera_worker_new("gphoto2", options, DISPLAY_W, DISPLAY_H, &error);
  g_assert_no_error(error);
  while (camera_worker_state(f->worker, NULL) != DEVICE_STATE_READY &&
         g_get_monotonic_time() < end)
    g_usleep(5000);
  g_assert_cmpint(camera_worker_state(f->worker, NULL), ==, DEVICE_STATE_READY);
  ptpip_camera_pin_gphoto2_modules();

  f->window = SDL_CreateWindow("liveview", 0, 0, DISPLAY_W, DISPLAY_H,
                               SDL_WINDOW_HIDDEN);
  g_assert_nonnull(f->window);
  f->renderer = SDL_CreateRenderer(f->window, -1, SDL_RENDERER_SOFTWARE);
  g_assert_nonnull(f->renderer);
  f->texture =
      SDL_CreateTexture(f->renderer, SDL_PIXELFORMAT_RGB24,
                        SDL_TEXTUREACCESS_STREAMING, DISPLAY_W, DISPLAY_H);
  g_assert_nonnull(f->texture);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
  SDL_DestroyTexture(f->texture);
  SDL_DestroyRenderer(f->renderer);
  SDL_DestroyWindow(f->window);
  camera_worker_free(f->worker);
  ptpip_camera_free(f->emu);
}

/* One UI frame: take the newest camera frame if any, upload, render.
 * Returns how long it took (µs) and whether a camera frame was shown. */
static gint64 ui_iteration(Fixture *f, gboolean *ret_shown)
{
  gint64 start = g_get_monotonic_time();
  g_autoptr(BkImage) image = camera_worker_take_frame(f->worker, NULL, NULL);

  if (image) {
    SDL_Rect rect = {0, 0, image->width, image->height};
    g_assert_cmpint(image->width, <=, DISPLAY_W);
    g_assert_cmpint(image->height, <=, DISPLAY_H);
    g_assert_cmpint(
        SDL_UpdateTexture(f->texture, &rect, image->pixels, (int)image->stride),
        ==, 0);
  }
  SDL_RenderClear(f->renderer);
  SDL_RenderCopy(f->renderer, f->texture, NULL, NULL);
  SDL_RenderPresent(f->renderer);
  *ret_shown = image != NULL;
  return g_get_monotonic_time() - start;
}

static void test_frames_reach_texture(Fixture *f, gconstpointer data)
{
  guint shown = 0, iterations = 0;
  gint64 worst = 0, busy = 0, t_start = g_get_monotonic_time();
  /* Generous: on a loaded build machine the sleeps below stretch. */
  gint64 end = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

  camera_worker_set_liveview(f->worker, TRUE);
  while (shown < 100 && g_get_monotonic_time() < end) {
    gboolean got;
    gint64 spent = ui_iteration(f, &got);
    worst = MAX(worst, spent);
    busy += spent;
    iterations++;
    shown += got;
    g_usleep(4000);
  }
  g_test_message("%u iterations in %.1f s, %.1f s in the UI work", iterations,
                 (g_get_monotonic_time() - t_start) / 1e6, busy / 1e6);
  {
    CameraWorkerStats stats;
    camera_worker_stats(f->worker, &stats);
    g_test_message("%u frames shown, slowest UI iteration %.1f ms; worker "
                   "decoded %" G_GUINT64_FORMAT ", corrupt %" G_GUINT64_FORMAT
                   ", reconnects %" G_GUINT64_FORMAT,
                   shown, worst / 1000.0, stats.frames, stats.corrupt,
                   stats.reconnects);
  }
  g_assert_cmpuint(shown, >=, 100);
}

static void test_ui_never_waits(Fixture *f, gconstpointer data)
{
  gint64 worst = 0;
  gint64 end;

  camera_worker_set_liveview(f->worker, TRUE);
  /* A camera whose every frame crawls (1 s per 64 KiB), then one that
   * stops answering: the UI keeps its pace all along. */
  ptpip_camera_set_slow_ms(f->emu, 1000);
  ptpip_camera_inject(f->emu, PTPIP_FAULT_SLOW, 1000);
  end = g_get_monotonic_time() + G_USEC_PER_SEC;
  while (g_get_monotonic_time() < end) {
    gboolean got;
    worst = MAX(worst, ui_iteration(f, &got));
    g_usleep(10000);
  }
  ptpip_camera_inject(f->emu, PTPIP_FAULT_SLOW, 0);
  ptpip_camera_set_asleep(f->emu, TRUE);
  end = g_get_monotonic_time() + G_USEC_PER_SEC;
  while (g_get_monotonic_time() < end) {
    gboolean got;
    worst = MAX(worst, ui_iteration(f, &got));
    g_usleep(10000);
  }
  g_test_message("slowest UI iteration %.1f ms", worst / 1000.0);
  /* Generous for a loaded 2-core machine; a wait on the camera would show
   * as a second or more. */
  g_assert_cmpint(worst, <, 250 * 1000);
  ptpip_camera_set_asleep(f->emu, FALSE);
}

static void test_slow_ui_drops_frames(Fixture *f, gconstpointer data)
{
  CameraWorkerStats before, after;
  guint64 seq = 0, last = 0;
  guint gaps = 0;

  camera_worker_set_liveview(f->worker, TRUE);
  camera_worker_stats(f->worker, &before);
  /* A UI at 5 frames per second behind a camera at up to 60. */
  for (int i = 0; i < 10; i++) {
    g_autoptr(BkImage) image = NULL;

    g_usleep(200000);
    image = camera_worker_take_frame(f->worker, &seq, NULL);
    if (image && last && seq > last + 1)
      gaps++;
    if (image)
      last = seq;
  }
  camera_worker_stats(f->worker, &after);
  g_test_message("%" G_GUINT64_FORMAT " decoded, %" G_GUINT64_FORMAT " dropped",
                 after.frames - before.frames, after.dropped - before.dropped);
  /* The UI always got the newest frame; the ones in between were dropped,
   * never queued (the slot holds one). */
  g_assert_cmpuint(gaps, >=, 5);
  g_assert_cmpuint(after.dropped - before.dropped, >=, 10);
}

int main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtpipCamera) probe = NULL;
  int status;

  g_test_init(&argc, &argv, NULL);
  ptpip_camera_pin_gphoto2_modules();
  probe = ptpip_camera_new(&error);
  if (!probe)
    testlib_skip_all("cannot run the PTP/IP emulator: %s", error->message);
  g_clear_pointer(&probe, ptpip_camera_free);
  /* The dummy driver: the software renderer needs no more, and the
   * offscreen driver loads EGL, whose one-time allocations LeakSanitizer
   * cannot name once SDL unloads it. */
  g_setenv("SDL_VIDEODRIVER", "dummy", TRUE);
  if (SDL_Init(SDL_INIT_VIDEO) != 0)
    testlib_skip_all("SDL video unavailable: %s", SDL_GetError());

#define ADD(path, fn)                                                          \
  g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD("/camera/liveview/frames-reach-texture", test_frames_reach_texture);
  ADD("/camera/liveview/ui-never-waits", test_ui_never_waits);
  ADD("/camera/liveview/slow-ui-drops-frames", test_slow_ui_drops_frames);
#undef ADD
  status = g_test_run();
  SDL_Quit();
  return status;
}
