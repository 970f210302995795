/* fpsynth (synthetic fingerprints) and the "sim" fingerprint reader:
 * determinism, ridge period, contrast, the finger-shaped contact area. */
#include "fpreader.h"
#include "fpsynth.h"
#include "testlib.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define W FPSYNTH_DEFAULT_WIDTH
#define H FPSYNTH_DEFAULT_HEIGHT

static void test_deterministic(void)
{
  g_autofree guint8 *a = fpsynth_generate(42, 2, 0, 0, 0);
  g_autofree guint8 *b = fpsynth_generate(42, 2, 0, 0, 0);
  g_autofree guint8 *other_imp = fpsynth_generate(42, 2, 1, 0, 0);
  g_autofree guint8 *other_finger = fpsynth_generate(42, 3, 0, 0, 0);
  g_autofree guint8 *other_person = fpsynth_generate(43, 2, 0, 0, 0);

  g_assert_cmpmem(a, W * H, b, W * H);
  g_assert_true(memcmp(a, other_imp, W * H) != 0);
  g_assert_true(memcmp(a, other_finger, W * H) != 0);
  g_assert_true(memcmp(a, other_person, W * H) != 0);
}

static void test_sizes(void)
{
  g_autoptr(FpSynthFinger) f = fpsynth_finger_new(1, 1, 256, 320);
  int w = 0, h = 0;

  fpsynth_finger_get_size(f, &w, &h);
  g_assert_cmpint(w, ==, 256);
  g_assert_cmpint(h, ==, 320);
  g_assert_null(fpsynth_finger_new(1, 1, 10, 400));
  g_assert_null(fpsynth_finger_new(1, 1, 300, 5000));
  g_assert_null(fpsynth_generate(1, 1, 0, 63, 63));
  g_clear_pointer(&f, fpsynth_finger_free);
  f = fpsynth_finger_new(1, 1, 0, 0);
  fpsynth_finger_get_size(f, &w, &h);
  g_assert_cmpint(w, ==, W);
  g_assert_cmpint(h, ==, H);
  fpsynth_finger_free(NULL);
}

/* Ridge period of a central 96x96 window from its power spectrum: the
 * power-weighted mean spatial frequency over the 5..20 px band (a direct
 * DFT), which does not depend on the ridge orientation. */
static double dominant_period(const guint8 *px)
{
  enum { N = 96 };
  double win[N][N], mean = 0, wsum = 0, rsum = 0;
  int x0 = W / 2 - N / 2, y0 = H / 2 - N / 2;

  for (int y = 0; y < N; y++)
    for (int x = 0; x < N; x++)
      mean += win[y][x] = px[(y0 + y) * W + x0 + x];
  mean /= N * N;
  for (int ky = 0; ky <= N / 4; ky++) {
    for (int kx = -N / 4; kx <= N / 4; kx++) {
      double r = hypot(kx, ky), re = 0, im = 0, power;
      if (r < N / 20.0 || r > N / 5.0)
        continue;
      for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++) {
          double ph = 2 * G_PI * (kx * x + ky * y) / N;
          re += (win[y][x] - mean) * cos(ph);
          im -= (win[y][x] - mean) * sin(ph);
        }
      /* Squared power favours the spectral peak over the skirt. */
      power = (re * re + im * im) * (re * re + im * im);
      wsum += power;
      rsum += power * r;
    }
  }
  return wsum > 0 ? N / (rsum / wsum) : 0;
}

static void test_ridge_period(void)
{
  for (int seed = 0; seed < 3; seed++) {
    g_autoptr(FpSynthFinger) f = fpsynth_finger_new(seed, 2 + seed, 0, 0);
    g_autofree guint8 *px = fpsynth_finger_impress(f, 0);
    double period = dominant_period(px);

    g_test_message("seed %d: class %s, grown with %.2f px, measured %.2f px",
                   seed, fpsynth_class_to_string(fpsynth_finger_get_class(f)),
                   fpsynth_finger_get_period(f), period);
    /* 500 ppi fingers: about 0.45-0.5 mm between ridges. */
    g_assert_cmpfloat(period, >=, 8.0);
    g_assert_cmpfloat(period, <=, 11.5);
    g_assert_cmpfloat(fabs(period - fpsynth_finger_get_period(f)), <, 2.0);
  }
}

static int cmp_u8(const void *a, const void *b)
{
  return *(const guint8 *)a - *(const guint8 *)b;
}

static void test_contrast(void)
{
  g_autofree guint8 *px = fpsynth_generate(7, 1, 0, 0, 0);
  guint8 centre[100 * 100];
  int n = 0;

  for (int y = H / 2 - 50; y < H / 2 + 50; y++)
    for (int x = W / 2 - 50; x < W / 2 + 50; x++)
      centre[n++] = px[y * W + x];
  qsort(centre, n, 1, cmp_u8);
  /* Dark ridges and light valleys, both well represented. */
  g_assert_cmpint(centre[n / 10], <, 90);
  g_assert_cmpint(centre[n * 9 / 10], >, 170);
  g_assert_cmpint(centre[n / 2], >, 60);
  g_assert_cmpint(centre[n / 2], <, 210);
}

static void block_stats(const guint8 *px, int x0, int y0, int size,
                        double *ret_mean, double *ret_std)
{
  double s = 0, ss = 0;
  int n = size * size;

  for (int y = y0; y < y0 + size; y++)
    for (int x = x0; x < x0 + size; x++) {
      s += px[y * W + x];
      ss += (double)px[y * W + x] * px[y * W + x];
    }
  *ret_mean = s / n;
  *ret_std = sqrt(MAX(0.0, ss / n - *ret_mean * *ret_mean));
}

static void test_finger_mask(void)
{
  for (int imp = 0; imp < 4; imp++) {
    g_autofree guint8 *px = fpsynth_generate(11, 6, imp, 0, 0);
    const int corners[4][2] = {
        {0, 0}, {W - 12, 0}, {0, H - 12}, {W - 12, H - 12}};
    double mean, std;

    /* Outside the fingertip: near-white, almost flat sensor background. */
    for (int c = 0; c < 4; c++) {
      block_stats(px, corners[c][0], corners[c][1], 12, &mean, &std);
      g_assert_cmpfloat(mean, >, 235);
      g_assert_cmpfloat(std, <, 8);
    }
    /* Inside: ridges. */
    block_stats(px, W / 2 - 24, H / 2 - 24, 48, &mean, &std);
    g_assert_cmpfloat(std, >, 40);
  }
}

static void test_seed_from_string(void)
{
  g_assert_cmpuint(fpsynth_seed_from_string("123"), ==, 123);
  g_assert_cmpuint(fpsynth_seed_from_string("demo-person"), ==,
                   fpsynth_seed_from_string("demo-person"));
  g_assert_cmpuint(fpsynth_seed_from_string("demo-person"), !=,
                   fpsynth_seed_from_string("demo-persoN"));
  g_assert_cmpuint(fpsynth_seed_from_string(NULL), ==, 0);
}

static void test_classes(void)
{
  gboolean seen[5] = {FALSE};

  /* Over a few people and fingers, the common classes all occur. */
  for (int seed = 0; seed < 40; seed++)
    for (int finger = 1; finger <= 10; finger += 3) {
      /* Only the class is wanted: a small master keeps this cheap. */
      g_autoptr(FpSynthFinger) f = fpsynth_finger_new(seed, finger, 64, 64);
      seen[fpsynth_finger_get_class(f)] = TRUE;
    }
  g_assert_true(seen[FPSYNTH_WHORL]);
  g_assert_true(seen[FPSYNTH_LEFT_LOOP]);
  g_assert_true(seen[FPSYNTH_RIGHT_LOOP]);
  g_assert_true(seen[FPSYNTH_ARCH] || seen[FPSYNTH_TENTED_ARCH]);
}

static void test_sim_reader(void)
{
  g_autoptr(GHashTable) opts = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autoptr(BkFpReader) reader = NULL;
  g_autoptr(FpImpression) first = NULL, second = NULL;
  g_autofree guint8 *expected = NULL;
  DeviceInfo info = {0};

  g_hash_table_insert(opts, "seed", "77");
  reader = fpreader_open("sim", opts, &error);
  g_assert_no_error(error);
  g_assert_true(fpreader_describe(reader, &info, &error));
  g_assert_cmpstr(info.backend, ==, "sim");
  device_info_clear(&info);

  first =
      fpreader_capture(reader, READER_FINGER_LEFT_INDEX, 1000, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpint(first->width, ==, W);
  g_assert_cmpint(first->height, ==, H);
  g_assert_cmpint(first->ppi, ==, 500);
  g_assert_cmpint(first->minutiae, ==, -1);
  g_assert_cmpint(first->finger, ==, READER_FINGER_LEFT_INDEX);
  expected = fpsynth_generate(77, READER_FINGER_LEFT_INDEX, 0, 0, 0);
  g_assert_cmpmem(g_bytes_get_data(first->pixels, NULL), W * H, expected,
                  W * H);
  /* The next capture of that finger is the next impression. */
  second =
      fpreader_capture(reader, READER_FINGER_LEFT_INDEX, 1000, NULL, &error);
  g_assert_no_error(error);
  g_assert_true(
      memcmp(g_bytes_get_data(second->pixels, NULL), expected, W * H) != 0);
}

static void test_sim_reader_cancel_and_timeout(void)
{
  g_autoptr(GHashTable) opts = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autoptr(BkFpReader) reader = NULL;
  g_autoptr(GCancellable) cancel = g_cancellable_new();

  g_hash_table_insert(opts, "delay_ms", "5000");
  reader = fpreader_open("sim", opts, &error);
  g_assert_no_error(error);
  g_assert_null(
      fpreader_capture(reader, READER_FINGER_RIGHT_THUMB, 50, NULL, &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_TIMEOUT);
  g_clear_error(&error);
  g_cancellable_cancel(cancel);
  g_assert_null(
      fpreader_capture(reader, READER_FINGER_RIGHT_THUMB, 0, cancel, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error(&error);

  g_hash_table_insert(opts, "delay_ms", "-3");
  g_assert_null(fpreader_open("sim", opts, &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/fpsynth/deterministic", test_deterministic);
  g_test_add_func("/fpsynth/sizes", test_sizes);
  g_test_add_func("/fpsynth/ridge-period", test_ridge_period);
  g_test_add_func("/fpsynth/contrast", test_contrast);
  g_test_add_func("/fpsynth/finger-mask", test_finger_mask);
  g_test_add_func("/fpsynth/seed-from-string", test_seed_from_string);
  g_test_add_func("/fpsynth/classes", test_classes);
  g_test_add_func("/fpreader-sim/capture", test_sim_reader);
  g_test_add_func("/fpreader-sim/cancel-timeout",
                  test_sim_reader_cancel_and_timeout);
  return g_test_run();
}
