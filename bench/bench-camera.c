/* Camera benchmarks through the real libgphoto2 and the PTP/IP emulator:
 *   camera.liveview_fps         live-view frames per second at 960x640
 *   camera.frame_to_texture_ms  frame arrival to SDL texture ready (decode
 *                               with libjpeg-turbo at display size + upload),
 *                               median
 *   camera.capture_24mp_ms      capture and download of a 6000x4000 JPEG to
 *                               memory, median of 5
 *   camera.reconnect_ms         replug to worker READY again
 * SDL runs with the offscreen (or dummy) video driver and the software
 * renderer, so the figures do not depend on a display. */
#include "camera-worker.h"
#include "camera.h"
#include "emulators/ptpip-camera.h"
#include "jpegio.h"

#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>

#define DISPLAY_W 960
#define DISPLAY_H 640

static int compare_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
  qsort(v, (size_t)n, sizeof *v, compare_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double now_ms(void)
{
  return g_get_monotonic_time() / 1000.0;
}

static BkCamera *open_emulated(PtpipCamera *emu)
{
  g_autoptr(GHashTable) options =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GError) error = NULL;
  BkCamera *camera;

  g_hash_table_insert(options, g_strdup("port"), ptpip_camera_address(emu));
  camera = camera_open("gphoto2", options, &error);
  if (!camera)
    g_printerr("bench-camera: %s\n", error->message);
  return camera;
}

static int bench_liveview(PtpipCamera *emu)
{
  enum { FRAMES = 200, SAMPLES = 100 };
  g_autoptr(BkCamera) camera = open_emulated(emu);
  SDL_Window *window = NULL;
  SDL_Renderer *renderer = NULL;
  SDL_Texture *texture = NULL;
  double samples[SAMPLES];
  double start;
  int n = 0;

  if (!camera)
    return 1;
  for (int i = 0; i < 3; i++) { /* warm up: the first frames are slower */
    GBytes *warm = camera_preview(camera, NULL);
    if (warm)
      g_bytes_unref(warm);
  }
  start = now_ms();
  for (int i = 0; i < FRAMES; i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) frame = camera_preview(camera, &error);
    if (!frame) {
      g_printerr("bench-camera: live view: %s\n", error->message);
      return 1;
    }
  }
  printf("camera.liveview_fps %.1f fps\n",
         FRAMES / ((now_ms() - start) / 1000.0));
  {
    g_autoptr(GBytes) one = camera_preview(camera, NULL);
    printf("camera.liveview_frame_bytes %zu bytes\n",
           one ? g_bytes_get_size(one) : (gsize)0);
  }

  if (SDL_Init(SDL_INIT_VIDEO) != 0) {
    g_printerr("bench-camera: SDL: %s\n", SDL_GetError());
    return 1;
  }
  window =
      SDL_CreateWindow("bench", 0, 0, DISPLAY_W, DISPLAY_H, SDL_WINDOW_HIDDEN);
  renderer =
      window ? SDL_CreateRenderer(window, -1, SDL_RENDERER_SOFTWARE) : NULL;
  texture = renderer ? SDL_CreateTexture(renderer, SDL_PIXELFORMAT_RGB24,
                                         SDL_TEXTUREACCESS_STREAMING, DISPLAY_W,
                                         DISPLAY_H)
                     : NULL;
  if (!texture) {
    g_printerr("bench-camera: SDL: %s\n", SDL_GetError());
    SDL_Quit();
    return 1;
  }
  /* What the camera worker and the UI do with each frame: decode at display
   * size on the worker, upload to the texture on the UI thread. */
  for (int i = 0; i < SAMPLES; i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) frame = camera_preview(camera, &error);
    g_autoptr(BkImage) image = NULL;
    double t0;

    if (!frame)
      break;
    t0 = now_ms();
    image =
        jpegio_decode(g_bytes_get_data(frame, NULL), g_bytes_get_size(frame),
                      DISPLAY_W, DISPLAY_H, FALSE, &error);
    if (!image)
      continue;
    SDL_UpdateTexture(texture, NULL, image->pixels, (int)image->stride);
    SDL_RenderCopy(renderer, texture, NULL, NULL);
    samples[n++] = now_ms() - t0;
  }
  if (n > 0)
    printf("camera.frame_to_texture_ms %.2f ms\n", median(samples, n));
  SDL_DestroyTexture(texture);
  SDL_DestroyRenderer(renderer);
  SDL_DestroyWindow(window);
  SDL_Quit();
  return n > 0 ? 0 : 1;
}

static int bench_capture(PtpipCamera *emu)
{
  enum { SHOTS = 5 };
  g_autoptr(GBytes) still = ptpip_camera_make_jpeg(6000, 4000, 11, 92);
  g_autoptr(BkCamera) camera = NULL;
  double samples[SHOTS];

  ptpip_camera_set_still(emu, still);
  camera = open_emulated(emu);
  if (!camera)
    return 1;
  for (int i = 0; i < SHOTS; i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) got = NULL;
    double t0 = now_ms();

    got = camera_capture(camera, &error);
    if (!got || g_bytes_get_size(got) != g_bytes_get_size(still)) {
      g_printerr("bench-camera: capture: %s\n",
                 error ? error->message : "wrong size");
      return 1;
    }
    samples[i] = now_ms() - t0;
  }
  printf("camera.capture_24mp_ms %.1f ms\n", median(samples, SHOTS));
  printf("camera.capture_24mp_bytes %zu bytes\n", g_bytes_get_size(still));
  return 0;
}

static int bench_reconnect(PtpipCamera *emu)
{
  g_autoptr(GHashTable) options =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(CameraWorker) worker = NULL;
  double start, deadline;

  g_hash_table_insert(options, g_strdup("port"), ptpip_camera_address(emu));
  worker = camera_worker_new("gphoto2", options, DISPLAY_W, DISPLAY_H, NULL);
  camera_worker_set_liveview(worker, TRUE);
  deadline = now_ms() + 5000;
  while (camera_worker_state(worker, NULL) != DEVICE_STATE_READY &&
         now_ms() < deadline)
    g_usleep(2000);
  g_usleep(200000);
  ptpip_camera_unplug(emu);
  deadline = now_ms() + 5000;
  while (camera_worker_state(worker, NULL) == DEVICE_STATE_READY &&
         now_ms() < deadline)
    g_usleep(2000);
  g_usleep(1500000);
  if (!ptpip_camera_replug(emu, NULL))
    return 1;
  start = now_ms();
  deadline = start + 10000;
  while (camera_worker_state(worker, NULL) != DEVICE_STATE_READY &&
         now_ms() < deadline)
    g_usleep(1000);
  if (camera_worker_state(worker, NULL) != DEVICE_STATE_READY)
    return 1;
  printf("camera.reconnect_ms %.0f ms\n", now_ms() - start);
  return 0;
}

int main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtpipCamera) emu = NULL;
  g_autoptr(GBytes) frame = ptpip_camera_make_jpeg(DISPLAY_W, DISPLAY_H, 5, 85);
  int status = 0;

  if (!g_getenv("SDL_VIDEODRIVER"))
    g_setenv("SDL_VIDEODRIVER", "offscreen", TRUE);
  emu = ptpip_camera_new(&error);
  if (!emu) {
    g_printerr("bench-camera: no emulator: %s\n", error->message);
    return 1;
  }
  ptpip_camera_set_frames(emu, &frame, 1);
  status |= bench_liveview(emu);
  status |= bench_capture(emu);
  status |= bench_reconnect(emu);
  return status;
}
