/* fpquality: synthetic prints score good; blank, noise, blurred and tiny
 * images score poor. */
#include "fpquality.h"
#include "fpsynth.h"
#include "testlib.h"

#include <string.h>

static BkImage *synthetic(guint64 seed, int finger, int imp)
{
  BkImage *img = image_new(300, 400, 1);
  g_autofree guint8 *px = fpsynth_generate(seed, finger, imp, 300, 400);

  memcpy(img->pixels, px, 300 * 400);
  return img;
}

static void test_good(void)
{
  for (int i = 0; i < 4; i++) {
    g_autoptr(BkImage) img = synthetic(100 + i, 1 + i, i);
    FpQuality q;

    g_assert_cmpint(fpquality_assess(img, &q), ==, FPQUALITY_GOOD);
    g_test_message("print %d: score %d, area %.2f, coherence %.2f, contrast "
                   "%.1f, period %.1f",
                   i, q.score, q.foreground, q.coherence, q.contrast, q.period);
    g_assert_cmpint(q.score, >=, 60);
    g_assert_cmpfloat(q.period, >, 7.0);
    g_assert_cmpfloat(q.period, <, 12.5);
    g_assert_cmpstr(fpquality_verdict_to_string(q.verdict), ==, "good");
  }
}

static void test_blank(void)
{
  g_autoptr(BkImage) img = image_new(300, 400, 1);
  FpQuality q;

  memset(img->pixels, 246, img->stride * 400);
  g_assert_cmpint(fpquality_assess(img, &q), ==, FPQUALITY_POOR);
  g_assert_cmpint(q.score, ==, 0);
  g_assert_cmpfloat(q.foreground, ==, 0.0);
  memset(img->pixels, 0, img->stride * 400); /* black: no ridges either */
  g_assert_cmpint(fpquality_assess(img, &q), ==, FPQUALITY_POOR);
}

static void test_noise(void)
{
  g_autoptr(BkImage) img = image_new(300, 400, 1);
  g_autoptr(GRand) rng = g_rand_new_with_seed(5);
  FpQuality q;

  for (gsize i = 0; i < img->stride * 400; i++)
    img->pixels[i] = (guint8)g_rand_int_range(rng, 0, 256);
  g_assert_cmpint(fpquality_assess(img, &q), ==, FPQUALITY_POOR);
  g_test_message("noise: score %d, coherence %.2f", q.score, q.coherence);
  g_assert_cmpint(q.score, <, 25);
}

static void box_blur(BkImage *img, int r)
{
  g_autoptr(BkImage) src = image_copy(img);

  for (int y = 0; y < img->height; y++)
    for (int x = 0; x < img->width; x++) {
      int sum = 0, n = 0;
      for (int dy = -r; dy <= r; dy++)
        for (int dx = -r; dx <= r; dx++) {
          int xx = CLAMP(x + dx, 0, img->width - 1);
          int yy = CLAMP(y + dy, 0, img->height - 1);
          sum += *image_pixel(src, xx, yy);
          n++;
        }
      *image_pixel(img, x, y) = (guint8)(sum / n);
    }
}

static void test_blurred(void)
{
  g_autoptr(BkImage) img = synthetic(200, 2, 0);
  FpQuality sharp, blurred;

  fpquality_assess(img, &sharp);
  /* A smeared finger: a 9 px box twice wipes out 9-10 px ridges. */
  box_blur(img, 4);
  box_blur(img, 4);
  g_assert_cmpint(fpquality_assess(img, &blurred), ==, FPQUALITY_POOR);
  g_test_message("sharp %d, blurred %d", sharp.score, blurred.score);
  g_assert_cmpint(blurred.score, <, sharp.score);
}

static void test_small_and_rgb(void)
{
  g_autoptr(BkImage) tiny = image_new(40, 40, 1);
  g_autoptr(BkImage) grey = synthetic(300, 3, 0);
  g_autoptr(BkImage) rgb = image_convert(grey, 3);
  FpQuality q, qg;

  g_assert_cmpint(fpquality_assess(tiny, &q), ==, FPQUALITY_POOR);
  g_assert_cmpint(q.score, ==, 0);
  /* Colour input is judged on its grey conversion. */
  fpquality_assess(grey, &qg);
  fpquality_assess(rgb, &q);
  g_assert_cmpint(ABS(q.score - qg.score), <=, 2);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/fpquality/good", test_good);
  g_test_add_func("/fpquality/blank", test_blank);
  g_test_add_func("/fpquality/noise", test_noise);
  g_test_add_func("/fpquality/blurred", test_blurred);
  g_test_add_func("/fpquality/small-and-rgb", test_small_and_rgb);
  return g_test_run();
}
