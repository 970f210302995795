/* Photo validator benchmark: a 6000 x 4000 camera JPEG (a face from
 * Debian's grace_hopper.jpg enlarged onto a white backdrop) decoded in full,
 * then decoded the way the validator does it (DCT-scaled) plus all checks
 * (landmarks included), the live-view guidance on 960 x 640 frames, and one
 * fit of dlib's 68-point shape predictor on the live frame's face. Single
 * thread; medians of thread CPU time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jpegio.h"
#include "landmarks.h"
#include "photo.h"

#define HOPPER "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg"
#define RUNS   7

static int compare_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n)
{
  qsort(v, (size_t)n, sizeof(double), compare_double);
  return v[n / 2];
}

/* CPU time of this thread: the figures are per core, and the build
 * machines are shared, where wall-clock time measures the neighbours. */
static double now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* The camera frame: backdrop, the face region of the portrait enlarged 4x,
 * and a little sensor noise so the JPEG is as large as a real one. */
static BkImage *make_frame(const BkImage *hopper)
{
  g_autoptr(BkImage) face = image_crop(hopper, 140, 140, 240, 300);
  g_autoptr(BkImage) big = image_scale(face, 960, 1200);
  BkImage *frame = image_new(6000, 4000, 3);
  guint32 seed = 12345;

  for (int y = 0; y < frame->height; y++) {
    guint8 *row = image_pixel(frame, 0, y);
    for (int x = 0; x < frame->width * 3; x++) {
      seed = seed * 1664525u + 1013904223u;
      row[x] = (guint8)(240 + (seed >> 29));
    }
  }
  for (int y = 0; y < big->height; y++)
    memcpy(image_pixel(frame, 2520, 1300 + y), image_pixel(big, 0, y),
           (gsize)big->width * 3);
  return frame;
}

/* Median CPU time of one shape-predictor fit on the face of `live`, in the
 * box dlib's detector would draw around the eyes `guide` found. */
static double landmarks_ms(const BkImage *live, const PhotoResult *guide)
{
  g_autoptr(GError) error = NULL;
  const Landmarker *model =
      landmarks_model_get(LANDMARKS_DEFAULT_MODEL, &error);
  g_autoptr(BkImage) grey = image_convert(live, 1);
  double mx = (guide->eye_left_x + guide->eye_right_x) / 2;
  double my = (guide->eye_left_y + guide->eye_right_y) / 2;
  double d = guide->eye_right_x - guide->eye_left_x, times[RUNS * 3];
  Landmarks points;

  if (!model || d <= 0)
    return 0;
  for (int i = 0; i < RUNS * 3; i++) {
    double t0 = now_ms();
    landmarks_fit(model, grey, mx - 1.17 * d, my - 0.62 * d, 2.35 * d, 2.35 * d,
                  &points);
    times[i] = now_ms() - t0;
  }
  return median(times, RUNS * 3);
}

int main(int argc, char **argv)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(BkImage) hopper = NULL;
  g_autoptr(BkImage) frame = NULL;
  g_autoptr(BkImage) live = NULL;
  g_autoptr(GBytes) jpeg = NULL;
  g_autoptr(PhotoValidator) validator = NULL;
  PhotoConfig config;
  double decode[RUNS], validate[RUNS];
  const guint8 *bytes;
  gsize size;
  int live_frames = 40;
  double t0, live_ms, fit_ms;

  if (!g_file_get_contents(HOPPER, &data, &len, NULL)) {
    fprintf(stderr, "bench-photo: %s missing, skipped\n", HOPPER);
    return 0;
  }
  hopper = jpegio_decode((const guint8 *)data, len, 0, 0, FALSE, &error);
  photo_config_init(&config);
  validator = photo_validator_new(&config, &error);
  photo_config_clear(&config);
  if (!hopper || !validator) {
    fprintf(stderr, "bench-photo: %s\n", error ? error->message : "no image");
    return 1;
  }
  frame = make_frame(hopper);
  jpeg = jpegio_encode(frame, 92, &error);
  bytes = g_bytes_get_data(jpeg, &size);

  for (int i = 0; i < RUNS; i++) {
    BkImage *full;
    t0 = now_ms();
    full = jpegio_decode(bytes, size, 0, 0, FALSE, NULL);
    decode[i] = now_ms() - t0;
    image_free(full);
  }
  for (int i = 0; i < RUNS; i++) {
    BkImage *scaled;
    PhotoResult *result;
    PhotoRequest req = {FALSE, -1, NULL, 1.0};
    t0 = now_ms();
    /* As `biokiosk validate-photo` does: DCT-scaled to >= 1200 px wide. */
    scaled = jpegio_decode(bytes, size, 1200, 0, FALSE, NULL);
    req.source_scale = 6000.0 / scaled->width;
    result = photo_validate(validator, scaled, &req);
    validate[i] = now_ms() - t0;
    if (i == 0 && result->faces != 1)
      fprintf(stderr, "bench-photo: warning: %d faces found\n", result->faces);
    photo_result_free(result);
    image_free(scaled);
  }

  live = image_scale(frame, 960, 640);
  t0 = now_ms();
  for (int i = 0; i < live_frames; i++) {
    PhotoRequest req = {FALSE, -1, NULL, 6000.0 / 960};
    photo_result_free(photo_guide(validator, live, &req));
  }
  live_ms = now_ms() - t0;
  {
    PhotoRequest req = {FALSE, -1, NULL, 6000.0 / 960};
    g_autoptr(PhotoResult) guide = photo_guide(validator, live, &req);
    fit_ms = landmarks_ms(live, guide);
  }

  {
    double dm = median(decode, RUNS), vm = median(validate, RUNS);
    printf("photo.decode_24mp_ms %.1f ms\n", dm);
    printf("photo.validate_24mp_ms %.1f ms\n", vm);
    printf("photo.validate_to_decode_ratio %.2f x\n", vm / dm);
    printf("photo.liveview_fps %.1f fps\n", live_frames * 1000.0 / live_ms);
    printf("photo.landmarks_ms %.2f ms\n", fit_ms);
  }
  return 0;
}
