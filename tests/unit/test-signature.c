/* capture/signature: checks (empty, too short, too small, off pad, a real
 * looking signature from the simulated pad) and rendering (white paper,
 * pressure-weighted ink, gaps at pen-up, byte-stable output). */
#include "pad.h"
#include "signature.h"
#include "testlib.h"

#include <stddef.h>
#include <string.h>

/* The kiosk hands pad samples to capture/ as SignatureSample: same layout. */
G_STATIC_ASSERT(sizeof(SignatureSample) == sizeof(PadSample));
G_STATIC_ASSERT(offsetof(SignatureSample, x) == offsetof(PadSample, x));
G_STATIC_ASSERT(offsetof(SignatureSample, y) == offsetof(PadSample, y));
G_STATIC_ASSERT(offsetof(SignatureSample, pressure) ==
                offsetof(PadSample, pressure));
G_STATIC_ASSERT(offsetof(SignatureSample, t_us) == offsetof(PadSample, t_us));

static GArray *pad_signature(const char *seed)
{
  g_autoptr(GHashTable) opts = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autoptr(BkPad) pad = NULL;
  GArray *samples;

  g_hash_table_insert(opts, "seed", (gpointer)seed);
  pad = pad_open("sim", opts, &error);
  g_assert_no_error(error);
  samples = pad_collect(pad, 1000, NULL, &error);
  g_assert_no_error(error);
  return samples;
}

/* A straight stroke from (x0,y0) to (x1,y1) over `ms`, at `pressure`. */
static void add_line(GArray *a, double x0, double y0, double x1, double y1,
                     double pressure, int ms, gint64 *t)
{
  int n = MAX(2, ms / 7);

  for (int i = 0; i < n; i++) {
    double u = (double)i / (n - 1);
    SignatureSample s = {x0 + (x1 - x0) * u, y0 + (y1 - y0) * u, pressure, *t};
    g_array_append_val(a, s);
    *t += 7000;
  }
}

static void test_check_pad_signature(void)
{
  g_autoptr(GArray) a = pad_signature("applicant-1");
  SignatureCheck r;

  g_assert_true(signature_check((const SignatureSample *)a->data, a->len, &r));
  g_assert_true(r.ok);
  g_assert_null(r.reason);
  g_assert_cmpuint(r.reasons, ==, 0);
  g_test_message("strokes %d, %.0f ms, ink %.2f, bbox %.2fx%.2f", r.strokes,
                 r.duration_ms, r.ink_length, r.bbox_w, r.bbox_h);
  g_assert_cmpint(r.strokes, >=, 2);
  g_assert_cmpint(r.samples, ==, (int)a->len);
  g_assert_cmpfloat(r.duration_ms, >, 500);
  g_assert_cmpfloat(r.mean_pressure, >, 0.1);
}

static void test_check_empty(void)
{
  g_autoptr(GArray) a = g_array_new(FALSE, FALSE, sizeof(SignatureSample));
  SignatureSample hover = {0.5, 0.5, 0.0, 0};
  SignatureCheck r;

  g_assert_false(signature_check(NULL, 0, &r));
  g_assert_cmpstr(r.reason, ==, "empty");
  /* Hovering only (pressure 0) is no ink either. */
  g_array_append_val(a, hover);
  hover.t_us = 500000;
  g_array_append_val(a, hover);
  g_assert_false(signature_check((const SignatureSample *)a->data, a->len, &r));
  g_assert_cmpstr(r.reason, ==, "empty");
  g_assert_cmpint(r.strokes, ==, 0);
}

static void test_check_too_short(void)
{
  g_autoptr(GArray) a = g_array_new(FALSE, FALSE, sizeof(SignatureSample));
  gint64 t = 0;
  SignatureCheck r;

  /* A quick flick: wide enough but 100 ms and little ink. */
  add_line(a, 0.2, 0.5, 0.45, 0.55, 0.6, 100, &t);
  g_assert_false(signature_check((const SignatureSample *)a->data, a->len, &r));
  g_assert_true(r.reasons & SIGNATURE_REASON_TOO_SHORT);
  g_assert_cmpstr(r.reason, ==, "too_short");
}

static void test_check_too_small(void)
{
  g_autoptr(GArray) a = g_array_new(FALSE, FALSE, sizeof(SignatureSample));
  gint64 t = 0;
  SignatureCheck r;

  /* Long scribbling in a 5 % square: plenty of ink and time, tiny box. */
  for (int i = 0; i < 10; i++)
    add_line(a, 0.50, 0.50 + (i % 2) * 0.03, 0.55, 0.52, 0.5, 200, &t);
  g_assert_false(signature_check((const SignatureSample *)a->data, a->len, &r));
  g_assert_cmpuint(r.reasons, ==, SIGNATURE_REASON_TOO_SMALL);
  g_assert_cmpstr(r.reason, ==, "too_small");
  g_assert_cmpint(r.strokes, ==, 1); /* never lifted the pen */
}

static void test_check_off_pad(void)
{
  g_autoptr(GArray) a = g_array_new(FALSE, FALSE, sizeof(SignatureSample));
  gint64 t = 0;
  SignatureCheck r;

  add_line(a, 0.3, 0.5, 1.3, 0.6, 0.5, 800, &t);
  g_assert_false(signature_check((const SignatureSample *)a->data, a->len, &r));
  g_assert_true(r.reasons & SIGNATURE_REASON_OFF_PAD);
  g_assert_cmpstr(r.reason, ==, "off_pad");
  g_assert_cmpstr(signature_reason_to_string(SIGNATURE_REASON_OFF_PAD), ==,
                  "off_pad");
  g_assert_null(signature_reason_to_string(SIGNATURE_REASON_NONE));
}

static guint ink_pixels(const BkImage *img, guint8 below)
{
  guint n = 0;

  for (int y = 0; y < img->height; y++)
    for (int x = 0; x < img->width; x++)
      n += *image_pixel(img, x, y) < below;
  return n;
}

static void test_render(void)
{
  g_autoptr(GArray) a = pad_signature("applicant-2");
  g_autoptr(BkImage) img =
      signature_render((const SignatureSample *)a->data, a->len, 600, 300);
  g_autoptr(BkImage) again =
      signature_render((const SignatureSample *)a->data, a->len, 600, 300);
  g_autofree char *sum1 = NULL, *sum2 = NULL;

  g_assert_nonnull(img);
  g_assert_cmpint(img->channels, ==, 1);
  g_assert_cmpint(img->width, ==, 600);
  /* Paper stays white at the corners; there is ink; antialiased edges give
   * intermediate greys. */
  g_assert_cmpint(*image_pixel(img, 0, 0), ==, 255);
  g_assert_cmpint(*image_pixel(img, 599, 299), ==, 255);
  g_assert_cmpuint(ink_pixels(img, 128), >, 500);
  g_assert_cmpuint(ink_pixels(img, 250) - ink_pixels(img, 60), >, 100);
  sum1 = g_compute_checksum_for_data(G_CHECKSUM_SHA256, img->pixels,
                                     img->stride * img->height);
  sum2 = g_compute_checksum_for_data(G_CHECKSUM_SHA256, again->pixels,
                                     again->stride * again->height);
  g_assert_cmpstr(sum1, ==, sum2);
  g_assert_null(signature_render(NULL, 0, 0, 10));
}

static void test_render_pressure_and_gaps(void)
{
  g_autoptr(GArray) light = g_array_new(FALSE, FALSE, sizeof(SignatureSample));
  g_autoptr(GArray) heavy = g_array_new(FALSE, FALSE, sizeof(SignatureSample));
  g_autoptr(GArray) gap = g_array_new(FALSE, FALSE, sizeof(SignatureSample));
  g_autoptr(BkImage) a = NULL, b = NULL, c = NULL;
  gint64 t = 0;

  add_line(light, 0.1, 0.5, 0.9, 0.5, 0.1, 500, &t);
  t = 0;
  add_line(heavy, 0.1, 0.5, 0.9, 0.5, 1.0, 500, &t);
  a = signature_render((const SignatureSample *)light->data, light->len, 400,
                       200);
  b = signature_render((const SignatureSample *)heavy->data, heavy->len, 400,
                       200);
  /* More pressure: wider and darker. */
  g_assert_cmpuint(ink_pixels(b, 200), >, ink_pixels(a, 200));
  g_assert_cmpint(*image_pixel(b, 200, 100), <, *image_pixel(a, 200, 100));

  /* Pen up between two strokes: no line across the gap. */
  t = 0;
  add_line(gap, 0.1, 0.5, 0.3, 0.5, 0.8, 300, &t);
  add_line(gap, 0.4, 0.5, 0.6, 0.5, 0.0, 200, &t);
  add_line(gap, 0.7, 0.5, 0.9, 0.5, 0.8, 300, &t);
  c = signature_render((const SignatureSample *)gap->data, gap->len, 400, 200);
  g_assert_cmpint(*image_pixel(c, 200, 100), ==, 255);
  g_assert_cmpint(*image_pixel(c, 80, 100), <, 100);
  g_assert_cmpint(*image_pixel(c, 320, 100), <, 100);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/signature/check/pad", test_check_pad_signature);
  g_test_add_func("/signature/check/empty", test_check_empty);
  g_test_add_func("/signature/check/too-short", test_check_too_short);
  g_test_add_func("/signature/check/too-small", test_check_too_small);
  g_test_add_func("/signature/check/off-pad", test_check_off_pad);
  g_test_add_func("/signature/render", test_render);
  g_test_add_func("/signature/render/pressure-and-gaps",
                  test_render_pressure_and_gaps);
  return g_test_run();
}
