/* ISO/IEC 19794-4:2005 finger image records (issue 12, item 4): a
 * synthetic print written as a record parses with the header fields it
 * was given and decodes, through JPEG 2000, to the very same pixels; every
 * kind of damage is refused with a one-line reason naming the field, and
 * random damage never crashes. */
#include "fpsynth.h"
#include "iso19794.h"
#include "j2kio.h"
#include "testlib.h"

#include <string.h>

#define W 300
#define H 400

static BkImage *print_image(void)
{
  BkImage *img = image_new(W, H, 1);
  g_autofree guint8 *px = fpsynth_generate(77, 2, 0, W, H);

  memcpy(img->pixels, px, (gsize)W * H);
  return img;
}

static guint8 *encoded(const BkImage *img, gsize *ret_len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) rec = iso19794_4_encode(img, 500, 2, 87, &error);

  g_assert_no_error(error);
  return g_memdup2(g_bytes_get_data(rec, ret_len), g_bytes_get_size(rec));
}

static void test_round_trip(void)
{
  g_autoptr(BkImage) img = print_image();
  g_autoptr(BkImage) back = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;
  g_autofree guint8 *rec = encoded(img, &len);
  Iso19794Record r;

  g_assert_cmpmem(rec, 8,
                  "FIR\0"
                  "010\0",
                  8);
  back = iso19794_4_validate(rec, len, img, &r, &error);
  g_assert_no_error(error);
  g_assert_nonnull(back);
  g_assert_cmpuint(r.record_length, ==, len);
  g_assert_cmpint(r.n_views, ==, 1);
  g_assert_cmpint(r.scale_units, ==, 1);
  g_assert_cmpint(r.image_ppi_h, ==, 500);
  g_assert_cmpint(r.scan_ppi_v, ==, 500);
  g_assert_cmpint(r.pixel_depth, ==, 8);
  g_assert_cmpint(r.compression, ==, ISO19794_4_COMPRESSION_JP2);
  g_assert_cmpint(r.acquisition_level, ==, 31);
  g_assert_cmpint(r.views[0].position, ==, 2);
  g_assert_cmpint(r.views[0].quality, ==, 87);
  g_assert_cmpint(r.views[0].width, ==, W);
  g_assert_cmpint(r.views[0].height, ==, H);
  g_assert_cmpint(r.views[0].impression_type, ==, 0);
  /* Lossless, and actually compressed. */
  g_assert_cmpmem(back->pixels, (gsize)W * H, img->pixels, (gsize)W * H);
  g_assert_cmpuint(len, <, (gsize)W * H * 3 / 4);
  g_test_message("300x400 print: %zu bytes (%.1f:1)", len, (double)W * H / len);
}

/* Applies `damage` to a fresh record and expects a refusal saying `why`
 * (one of its '|'-separated alternatives). */
static void expect_refused(const char *why, void (*damage)(guint8 *, gsize *))
{
  g_autoptr(BkImage) img = print_image();
  g_autoptr(GError) error = NULL;
  gsize len;
  g_autofree guint8 *rec = encoded(img, &len);
  g_auto(GStrv) whys = g_strsplit(why, "|", -1);
  gboolean said = FALSE;
  Iso19794Record r;

  damage(rec, &len);
  g_assert_null(iso19794_4_validate(rec, len, img, &r, &error));
  g_assert_nonnull(error);
  g_test_message("%s -> %s", why, error->message);
  for (int i = 0; whys[i]; i++)
    said = said || strstr(error->message, whys[i]);
  g_assert_true(said);
  g_assert_null(strchr(error->message, '\n'));
}

static void d_format(guint8 *r, gsize *len)
{
  r[0] = 'X';
}
static void d_version(guint8 *r, gsize *len)
{
  r[5] = '2';
}
static void d_truncated(guint8 *r, gsize *len)
{
  *len -= 100;
}
static void d_length(guint8 *r, gsize *len)
{
  r[13] ^= 1;
}
static void d_position(guint8 *r, gsize *len)
{
  r[32 + 4] = 11;
}
static void d_quality(guint8 *r, gsize *len)
{
  r[32 + 7] = 180;
}
static void d_block(guint8 *r, gsize *len)
{
  r[32 + 1] = 0x7f;
}
static void d_depth(guint8 *r, gsize *len)
{
  r[28] = 16;
}
static void d_width(guint8 *r, gsize *len)
{
  r[32 + 10] ^= 4;
}
static void d_codestream(guint8 *r, gsize *len)
{
  /* Deep in the JPEG 2000 data: decodes to other pixels, or not at all. */
  for (gsize i = *len / 2; i < *len / 2 + 64; i++)
    r[i] ^= 0x5a;
}
static void d_jp2(guint8 *r, gsize *len)
{
  r[46 + 4] = 'x'; /* the JP2 signature box */
}

static void test_refused(void)
{
  expect_refused("format identifier", d_format);
  expect_refused("version", d_version);
  expect_refused("record length", d_truncated);
  expect_refused("record length", d_length);
  expect_refused("finger position code out of range", d_position);
  expect_refused("quality out of range", d_quality);
  expect_refused("block length", d_block);
  expect_refused("pixel depth", d_depth);
  expect_refused("line lengths", d_width);
  expect_refused("JPEG 2000", d_jp2);
  /* Corrupt image data: refused, whichever way it fails. */
  expect_refused("JPEG 2000|own pixels", d_codestream);
}

static void test_encode_refuses(void)
{
  g_autoptr(BkImage) rgb = image_new(10, 10, 3);
  g_autoptr(BkImage) grey = image_new(10, 10, 1);
  g_autoptr(GError) error = NULL;

  g_assert_null(iso19794_4_encode(rgb, 500, 2, 50, &error));
  g_assert_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA);
  g_clear_error(&error);
  g_assert_null(iso19794_4_encode(grey, 500, 11, 50, &error));
  g_assert_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA);
  g_clear_error(&error);
  g_assert_null(j2kio_decode((const guint8 *)"nonsense", 8, &error));
  g_assert_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA);
}

/* Random bytes flipped anywhere: a result or an error, never a crash;
 * checked against the pixels the record was made of, nearly always an
 * error (a flip may land where no pixel depends on it). */
static void test_random_damage(void)
{
  g_autoptr(BkImage) img = print_image();
  gsize len;
  g_autofree guint8 *rec = encoded(img, &len);
  g_autoptr(GRand) rand = g_rand_new_with_seed(19794);
  int refused = 0;

  for (int i = 0; i < 60; i++) {
    g_autofree guint8 *copy = g_memdup2(rec, len);
    g_autoptr(GError) error = NULL;
    g_autoptr(BkImage) back = NULL;
    Iso19794Record r;

    for (int k = 0; k < 1 + i % 4; k++)
      copy[g_rand_int_range(rand, 0, (gint32)len)] ^=
          (guint8)g_rand_int_range(rand, 1, 256);
    back = iso19794_4_validate(copy, len, i % 2 ? img : NULL, &r, &error);
    g_assert_true((back == NULL) == (error != NULL));
    refused += i % 2 && back == NULL;
  }
  g_test_message("%d of 30 damaged records refused", refused);
  g_assert_cmpint(refused, >=, 25);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/iso19794/round-trip", test_round_trip);
  g_test_add_func("/iso19794/refused", test_refused);
  g_test_add_func("/iso19794/encode-refuses", test_encode_refuses);
  g_test_add_func("/iso19794/random-damage", test_random_damage);
  return g_test_run();
}
