/* Unit tests of capture/image.c, capture/jpegio.c and capture/pngio.c:
 * round trips, DCT scaling, channel layouts, and corrupt or truncated input
 * that must fail with CAPTURE_ERROR_INVALID_DATA instead of crashing. */
#include <string.h>

#include "image.h"
#include "jpegio.h"
#include "pngio.h"
#include "testlib.h"

/* A smooth test pattern (JPEG-friendly) with a distinct colour per quadrant. */
static BkImage *make_pattern(int width, int height, int channels)
{
  BkImage *image = image_new(width, height, channels);

  g_assert_nonnull(image);
  for (int y = 0; y < height; y++) {
    for (int x = 0; x < width; x++) {
      guint8 *p = image_pixel(image, x, y);
      guint8 r = (guint8)(x * 255 / MAX(width - 1, 1));
      guint8 g = (guint8)(y * 255 / MAX(height - 1, 1));
      guint8 b = (guint8)((x < width / 2) == (y < height / 2) ? 200 : 40);
      if (channels == 1) {
        p[0] = (guint8)((r + g) / 2);
      } else {
        p[0] = r, p[1] = g, p[2] = b;
        if (channels == 4)
          p[3] = (guint8)((x + y) & 0xFF);
      }
    }
  }
  return image;
}

static double mean_abs_diff(const BkImage *a, const BkImage *b, int channels)
{
  double sum = 0;

  g_assert_cmpint(a->width, ==, b->width);
  g_assert_cmpint(a->height, ==, b->height);
  for (int y = 0; y < a->height; y++)
    for (int x = 0; x < a->width; x++)
      for (int c = 0; c < channels; c++)
        sum += ABS((int)image_pixel(a, x, y)[c] - (int)image_pixel(b, x, y)[c]);
  return sum / ((double)a->width * a->height * channels);
}

static gboolean images_equal(const BkImage *a, const BkImage *b)
{
  if (a->width != b->width || a->height != b->height ||
      a->channels != b->channels)
    return FALSE;
  for (int y = 0; y < a->height; y++)
    if (memcmp(image_pixel(a, 0, y), image_pixel(b, 0, y),
               (gsize)a->width * a->channels) != 0)
      return FALSE;
  return TRUE;
}

/* ---- image.c ---- */

static void test_image_new_limits(void)
{
  g_autoptr(BkImage) ok = image_new(3, 2, 4);

  g_assert_nonnull(ok);
  g_assert_cmpuint(ok->stride, >=, 12);
  for (gsize i = 0; i < ok->stride * 2; i++)
    g_assert_cmpuint(ok->pixels[i], ==, 0);
  g_assert_null(image_new(0, 10, 3));
  g_assert_null(image_new(10, -1, 3));
  g_assert_null(image_new(10, 10, 2));
  g_assert_null(image_new(40000, 10, 1));
  image_free(NULL);
}

static void test_image_copy_crop(void)
{
  g_autoptr(BkImage) image = make_pattern(40, 30, 3);
  g_autoptr(BkImage) copy = image_copy(image);
  g_autoptr(BkImage) crop = image_crop(image, 30, 20, 20, 20);
  g_autoptr(BkImage) neg = image_crop(image, -5, -5, 10, 10);

  g_assert_true(images_equal(image, copy));
  g_assert_nonnull(crop);
  g_assert_cmpint(crop->width, ==, 10); /* clipped at the right edge */
  g_assert_cmpint(crop->height, ==, 10);
  g_assert_cmpmem(image_pixel(crop, 0, 0), 3, image_pixel(image, 30, 20), 3);
  g_assert_cmpmem(image_pixel(crop, 9, 9), 3, image_pixel(image, 39, 29), 3);
  g_assert_cmpint(neg->width, ==, 5);
  g_assert_cmpmem(image_pixel(neg, 0, 0), 3, image_pixel(image, 0, 0), 3);
  g_assert_null(image_crop(image, 40, 0, 5, 5));
  g_assert_null(image_crop(image, -10, 0, 10, 5));
}

static void test_image_scale(void)
{
  g_autoptr(BkImage) flat = image_new(64, 48, 3);
  g_autoptr(BkImage) down = NULL;
  g_autoptr(BkImage) up = NULL;
  g_autoptr(BkImage) pattern = make_pattern(64, 48, 1);
  g_autoptr(BkImage) half = NULL;

  memset(flat->pixels, 123, flat->stride * 48);
  down = image_scale(flat, 16, 12);
  up = image_scale(flat, 100, 90);
  g_assert_cmpint(down->width, ==, 16);
  g_assert_cmpint(up->height, ==, 90);
  /* A flat image stays flat either way. */
  for (int y = 0; y < 12; y++)
    for (int x = 0; x < 16; x++)
      g_assert_cmpuint(image_pixel(down, x, y)[1], ==, 123);
  for (int y = 0; y < 90; y++)
    for (int x = 0; x < 100; x++)
      g_assert_cmpuint(image_pixel(up, x, y)[2], ==, 123);
  /* Halving averages 2x2 blocks. */
  half = image_scale(pattern, 32, 24);
  for (int y = 0; y < 24; y++)
    for (int x = 0; x < 32; x++) {
      int sum = image_pixel(pattern, 2 * x, 2 * y)[0] +
                image_pixel(pattern, 2 * x + 1, 2 * y)[0] +
                image_pixel(pattern, 2 * x, 2 * y + 1)[0] +
                image_pixel(pattern, 2 * x + 1, 2 * y + 1)[0];
      g_assert_cmpint(ABS(image_pixel(half, x, y)[0] - (sum + 2) / 4), <=, 1);
    }
  g_assert_null(image_scale(flat, 0, 10));
}

static void test_image_convert(void)
{
  g_autoptr(BkImage) rgb = image_new(2, 1, 3);
  g_autoptr(BkImage) grey = NULL;
  g_autoptr(BkImage) rgba = NULL;
  g_autoptr(BkImage) back = NULL;

  image_pixel(rgb, 0, 0)[0] = 255; /* pure red */
  image_pixel(rgb, 1, 0)[0] = 255; /* white */
  image_pixel(rgb, 1, 0)[1] = 255;
  image_pixel(rgb, 1, 0)[2] = 255;
  grey = image_convert(rgb, 1);
  g_assert_cmpuint(image_pixel(grey, 0, 0)[0], ==, 76); /* 0.299 * 255 */
  g_assert_cmpuint(image_pixel(grey, 1, 0)[0], ==, 255);
  rgba = image_convert(rgb, 4);
  g_assert_cmpuint(image_pixel(rgba, 0, 0)[3], ==, 255);
  g_assert_cmpuint(image_pixel(rgba, 0, 0)[0], ==, 255);
  back = image_convert(rgba, 3);
  g_assert_true(images_equal(back, rgb));
}

/* ---- jpegio.c ---- */

static GBytes *encode_jpeg(const BkImage *image, int quality)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes = jpegio_encode(image, quality, &error);

  g_assert_no_error(error);
  g_assert_nonnull(bytes);
  return bytes;
}

static void test_jpeg_round_trip_rgb(void)
{
  g_autoptr(BkImage) image = make_pattern(160, 120, 3);
  g_autoptr(GBytes) bytes = encode_jpeg(image, 95);
  g_autoptr(GError) error = NULL;
  g_autoptr(BkImage) decoded = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data(bytes, &len);
  int w = 0, h = 0;

  g_assert_cmpuint(data[0], ==, 0xFF);
  g_assert_cmpuint(data[1], ==, 0xD8);
  g_assert_true(jpegio_probe(data, len, &w, &h, &error));
  g_assert_no_error(error);
  g_assert_cmpint(w, ==, 160);
  g_assert_cmpint(h, ==, 120);
  decoded = jpegio_decode(data, len, 0, 0, FALSE, &error);
  g_assert_no_error(error);
  g_assert_cmpint(decoded->channels, ==, 3);
  g_assert_cmpfloat(mean_abs_diff(image, decoded, 3), <, 3.0);
}

static void test_jpeg_quality_matters(void)
{
  g_autoptr(BkImage) image = make_pattern(160, 120, 3);
  g_autoptr(GBytes) hi = encode_jpeg(image, 95);
  g_autoptr(GBytes) lo = encode_jpeg(image, 10);

  g_assert_cmpuint(g_bytes_get_size(lo), <, g_bytes_get_size(hi));
}

static void test_jpeg_grey(void)
{
  g_autoptr(BkImage) image = make_pattern(64, 64, 1);
  g_autoptr(GBytes) bytes = encode_jpeg(image, 90);
  g_autoptr(BkImage) grey = NULL;
  g_autoptr(BkImage) rgb = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data(bytes, &len);

  grey = jpegio_decode(data, len, 0, 0, TRUE, NULL);
  rgb = jpegio_decode(data, len, 0, 0, FALSE, NULL);
  g_assert_cmpint(grey->channels, ==, 1);
  g_assert_cmpint(rgb->channels, ==, 3);
  g_assert_cmpfloat(mean_abs_diff(image, grey, 1), <, 3.0);
  /* Grey expanded to RGB has equal channels. */
  g_assert_cmpuint(image_pixel(rgb, 10, 20)[0], ==,
                   image_pixel(rgb, 10, 20)[1]);
  g_assert_cmpuint(image_pixel(rgb, 10, 20)[0], ==,
                   image_pixel(rgb, 10, 20)[2]);
}

static void test_jpeg_rgba_drops_alpha(void)
{
  g_autoptr(BkImage) rgba = make_pattern(48, 32, 4);
  g_autoptr(BkImage) rgb = image_convert(rgba, 3);
  g_autoptr(GBytes) bytes = encode_jpeg(rgba, 95);
  g_autoptr(BkImage) decoded = jpegio_decode(
      g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), 0, 0, TRUE, NULL);

  g_assert_cmpint(decoded->channels, ==, 3);
  g_assert_cmpfloat(mean_abs_diff(rgb, decoded, 3), <, 4.0);
}

static void test_jpeg_scaling(void)
{
  g_autoptr(BkImage) image = make_pattern(800, 600, 3);
  g_autoptr(GBytes) bytes = encode_jpeg(image, 90);
  gsize len;
  const guint8 *data = g_bytes_get_data(bytes, &len);
  struct {
    int max_w, max_h, want_w, want_h;
  } cases[] = {
      {0, 0, 800, 600},     /* no limit: full size */
      {400, 300, 400, 300}, /* exactly 1/2 */
      {401, 0, 800, 600},   /* 1/2 would be too small */
      {200, 150, 200, 150}, /* 1/4 */
      {100, 10, 100, 75},   /* 1/8 */
      {1, 1, 100, 75},      /* never below 1/8 */
      {0, 140, 200, 150},   /* height alone */
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(BkImage) out =
        jpegio_decode(data, len, cases[i].max_w, cases[i].max_h, FALSE, &error);
    g_autoptr(BkImage) ref = NULL;

    g_assert_no_error(error);
    g_assert_cmpint(out->width, ==, cases[i].want_w);
    g_assert_cmpint(out->height, ==, cases[i].want_h);
    /* The scaled decode looks like the shrunken original. */
    ref = image_scale(image, out->width, out->height);
    g_assert_cmpfloat(mean_abs_diff(ref, out, 3), <, 4.0);
  }
}

static void assert_invalid_jpeg(const guint8 *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BkImage) out = jpegio_decode(data, len, 0, 0, FALSE, &error);

  g_assert_null(out);
  g_assert_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA);
}

static void test_jpeg_truncated(void)
{
  g_autoptr(BkImage) image = make_pattern(256, 192, 3);
  g_autoptr(GBytes) bytes = encode_jpeg(image, 90);
  gsize len;
  const guint8 *data = g_bytes_get_data(bytes, &len);

  /* Every cut, from inside the header to just before EOI. */
  for (gsize cut = 0; cut < len - 2; cut += MAX(1, len / 97))
    assert_invalid_jpeg(data, cut);
  assert_invalid_jpeg(data, len - 2);
  {
    int w, h;
    g_autoptr(GError) error = NULL;
    g_assert_false(jpegio_probe(data, 20, &w, &h, &error));
    g_assert_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA);
  }
}

static void test_jpeg_corrupt(void)
{
  g_autoptr(BkImage) image = make_pattern(256, 192, 3);
  g_autoptr(GBytes) bytes = encode_jpeg(image, 90);
  gsize len;
  const guint8 *orig = g_bytes_get_data(bytes, &len);
  g_autofree guint8 *data = g_memdup2(orig, len);
  GRand *rand = g_rand_new_with_seed(42);
  int failures = 0;
  static const guint8 junk[] = "this is not a jpeg at all";

  assert_invalid_jpeg(junk, sizeof(junk));
  assert_invalid_jpeg(NULL, 0);
  /* Corrupt scan data: inject markers that cannot occur in entropy-coded
   * data. libjpeg only warns about these; we must fail. */
  memcpy(data, orig, len);
  data[len / 2] = 0xFF;
  data[len / 2 + 1] = 0xD9; /* early EOI */
  assert_invalid_jpeg(data, len);
  memcpy(data, orig, len);
  data[len / 2] = 0xFF;
  data[len / 2 + 1] = 0xD3; /* a restart marker out of sequence */
  assert_invalid_jpeg(data, len);

  /* Random byte flips: must never crash; most must fail cleanly, and any
   * image returned must have the header's size. */
  for (int i = 0; i < 200; i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(BkImage) out = NULL;

    memcpy(data, orig, len);
    for (int k = 0; k < 4; k++)
      data[g_rand_int_range(rand, 2, (gint32)len)] ^=
          (guint8)g_rand_int_range(rand, 1, 256);
    out = jpegio_decode(data, len, 0, 0, FALSE, &error);
    if (out) {
      g_assert_no_error(error);
      g_assert_cmpint(out->width, ==, 256);
    } else {
      g_assert_nonnull(error);
      failures++;
    }
  }
  g_assert_cmpint(failures, >, 0);
  g_rand_free(rand);
}

static void test_jpeg_huge_header(void)
{
  g_autoptr(BkImage) image = make_pattern(16, 16, 3);
  g_autoptr(GBytes) bytes = encode_jpeg(image, 90);
  gsize len;
  g_autofree guint8 *data =
      g_memdup2(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
  g_autoptr(GError) error = NULL;

  len = g_bytes_get_size(bytes);
  /* Patch the SOF0 frame size to 60000 x 60000. */
  for (gsize i = 2; i + 8 < len; i++) {
    if (data[i] == 0xFF && (data[i + 1] == 0xC0 || data[i + 1] == 0xC2)) {
      data[i + 5] = 0xEA, data[i + 6] = 0x60;
      data[i + 7] = 0xEA, data[i + 8] = 0x60;
      break;
    }
  }
  g_assert_null(jpegio_decode(data, len, 0, 0, FALSE, &error));
  g_assert_nonnull(error);
  g_assert_true(error->code == CAPTURE_ERROR_TOO_LARGE ||
                error->code == CAPTURE_ERROR_INVALID_DATA);
}

/* ---- pngio.c ---- */

static void test_png_round_trip(gconstpointer data)
{
  int channels = GPOINTER_TO_INT(data);
  g_autoptr(BkImage) image = make_pattern(37, 23, channels);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = pngio_encode(image, &error);
  g_autoptr(BkImage) decoded = NULL;

  g_assert_no_error(error);
  decoded = pngio_decode(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes),
                         &error);
  g_assert_no_error(error);
  g_assert_true(images_equal(image, decoded));
}

static void test_png_deterministic(void)
{
  g_autoptr(BkImage) image = make_pattern(50, 40, 3);
  g_autoptr(GBytes) a = pngio_encode(image, NULL);
  g_autoptr(GBytes) b = NULL;
  const guint8 *p;
  gsize len;

  g_usleep(1100 * 1000); /* a timestamp would now differ */
  b = pngio_encode(image, NULL);
  g_assert_true(g_bytes_equal(a, b));
  /* No tIME or text chunks. */
  p = g_bytes_get_data(a, &len);
  for (gsize i = 0; i + 4 <= len; i++) {
    g_assert_false(memcmp(p + i, "tIME", 4) == 0);
    g_assert_false(memcmp(p + i, "tEXt", 4) == 0);
  }
}

static void test_png_corrupt(void)
{
  g_autoptr(BkImage) image = make_pattern(64, 48, 3);
  g_autoptr(GBytes) bytes = pngio_encode(image, NULL);
  gsize len;
  const guint8 *orig = g_bytes_get_data(bytes, &len);
  g_autofree guint8 *data = g_memdup2(orig, len);
  GRand *rand = g_rand_new_with_seed(7);

  for (gsize cut = 0; cut < len; cut += MAX(1, len / 61)) {
    g_autoptr(GError) error = NULL;
    g_assert_null(pngio_decode(orig, cut, &error));
    g_assert_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA);
  }
  for (int i = 0; i < 200; i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(BkImage) out = NULL;

    memcpy(data, orig, len);
    data[g_rand_int_range(rand, 8, (gint32)len)] ^=
        (guint8)g_rand_int_range(rand, 1, 256);
    out = pngio_decode(data, len, &error);
    /* CRCs catch almost every flip; never a crash either way. */
    g_assert_true((out != NULL) == (error == NULL));
  }
  g_rand_free(rand);
}

static void test_png_files(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *path = g_build_filename(dir, "shot.png", NULL);
  g_autofree char *missing = g_build_filename(dir, "nope.png", NULL);
  g_autoptr(BkImage) image = make_pattern(20, 10, 4);
  g_autoptr(BkImage) back = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true(pngio_write_file(image, path, &error));
  g_assert_no_error(error);
  back = pngio_read_file(path, &error);
  g_assert_no_error(error);
  g_assert_true(images_equal(image, back));
  g_assert_null(pngio_read_file(missing, &error));
  g_assert_error(error, CAPTURE_ERROR, CAPTURE_ERROR_IO);
  testlib_rmtree(dir);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/image/new-limits", test_image_new_limits);
  g_test_add_func("/image/copy-crop", test_image_copy_crop);
  g_test_add_func("/image/scale", test_image_scale);
  g_test_add_func("/image/convert", test_image_convert);
  g_test_add_func("/jpeg/round-trip-rgb", test_jpeg_round_trip_rgb);
  g_test_add_func("/jpeg/quality", test_jpeg_quality_matters);
  g_test_add_func("/jpeg/grey", test_jpeg_grey);
  g_test_add_func("/jpeg/rgba", test_jpeg_rgba_drops_alpha);
  g_test_add_func("/jpeg/scaling", test_jpeg_scaling);
  g_test_add_func("/jpeg/truncated", test_jpeg_truncated);
  g_test_add_func("/jpeg/corrupt", test_jpeg_corrupt);
  g_test_add_func("/jpeg/huge-header", test_jpeg_huge_header);
  g_test_add_data_func("/png/round-trip/grey", GINT_TO_POINTER(1),
                       test_png_round_trip);
  g_test_add_data_func("/png/round-trip/rgb", GINT_TO_POINTER(3),
                       test_png_round_trip);
  g_test_add_data_func("/png/round-trip/rgba", GINT_TO_POINTER(4),
                       test_png_round_trip);
  g_test_add_func("/png/deterministic", test_png_deterministic);
  g_test_add_func("/png/corrupt", test_png_corrupt);
  g_test_add_func("/png/files", test_png_files);
  return g_test_run();
}
