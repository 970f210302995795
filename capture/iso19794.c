/* ISO/IEC 19794-4:2005 finger image records (see iso19794.h). */
#include "iso19794.h"

#include <string.h>

#include "j2kio.h"
#include "record.h"

#define FORMAT_ID  "FIR"    /* with its NUL: 4 bytes */
#define VERSION_ID "010"    /* with its NUL: 4 bytes */
#define MAX_RECORD 0xffffff /* what we accept; the field has 6 bytes */
#define SCALE_PPI  1
#define SCALE_PPCM 2

static void put_be(guint8 *p, guint64 v, int n)
{
  for (int i = n - 1; i >= 0; i--, v >>= 8)
    p[i] = (guint8)(v & 0xff);
}

static guint64 get_be(const guint8 *p, int n)
{
  guint64 v = 0;

  for (int i = 0; i < n; i++)
    v = v << 8 | p[i];
  return v;
}

/* The image acquisition setting level (19794-4 Table 1) for a ppi. */
static int acquisition_level(int ppi)
{
  return ppi >= 1000 ? 41 : ppi >= 500 ? 31 : ppi >= 250 ? 20 : 10;
}

static void put_header(guint8 *h, gsize total, int ppi)
{
  memcpy(h, FORMAT_ID, 4);
  memcpy(h + 4, VERSION_ID, 4);
  put_be(h + 8, total, 6);
  put_be(h + 14, 0, 2); /* capture device id: not registered */
  put_be(h + 16, (guint64)acquisition_level(ppi), 2);
  h[18] = 1; /* one finger */
  h[19] = SCALE_PPI;
  put_be(h + 20, (guint64)ppi, 2); /* scan resolution */
  put_be(h + 22, (guint64)ppi, 2);
  put_be(h + 24, (guint64)ppi, 2); /* image resolution */
  put_be(h + 26, (guint64)ppi, 2);
  h[28] = 8;
  h[29] = ISO19794_4_COMPRESSION_JP2;
  put_be(h + 30, 0, 2);
}

GBytes *iso19794_4_encode(const BkImage *image, int ppi, int position,
                          int quality, GError **error)
{
  g_autoptr(GBytes) jp2 = NULL;
  gsize jp2_len, total;
  guint8 *out = NULL, *v;
  GBytes *bytes;

  g_return_val_if_fail(image, NULL);
  if (image->channels != 1 || image->width > 0xffff || image->height > 0xffff ||
      ppi <= 0 || ppi > 0xffff || position < 0 || position > 10 ||
      quality > 100) {
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA,
                "19794-4: cannot write a %d-channel %dx%d image at %d ppi, "
                "position %d, quality %d",
                image->channels, image->width, image->height, ppi, position,
                quality);
    return NULL;
  }
  jp2 = j2kio_encode_lossless(image, error);
  if (!jp2)
    return NULL;
  jp2_len = g_bytes_get_size(jp2);
  total = ISO19794_4_HEADER_LEN + ISO19794_4_VIEW_HEADER_LEN + jp2_len;
  bytes = record_wiped_bytes_new(NULL, total, &out);
  put_header(out, total, ppi);
  v = out + ISO19794_4_HEADER_LEN;
  put_be(v, ISO19794_4_VIEW_HEADER_LEN + jp2_len, 4);
  v[4] = (guint8)position;
  v[5] = 1; /* count of views */
  v[6] = 1; /* view number */
  v[7] = (guint8)(quality < 0 ? ISO19794_4_QUALITY_UNKNOWN : quality);
  v[8] = ISO19794_4_IMPRESSION_PLAIN;
  put_be(v + 9, (guint64)image->width, 2);
  put_be(v + 11, (guint64)image->height, 2);
  v[13] = 0;
  memcpy(v + ISO19794_4_VIEW_HEADER_LEN, g_bytes_get_data(jp2, NULL), jp2_len);
  return bytes;
}

static gboolean invalid(GError **error, const char *what)
{
  g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA,
              "19794-4 record: %s", what);
  return FALSE;
}

/* The general header's fields into `r`; FALSE naming the first bad one. */
static gboolean parse_header(const guint8 *d, gsize len, Iso19794Record *r,
                             GError **error)
{
  if (len < ISO19794_4_HEADER_LEN)
    return invalid(error, "shorter than its 32-byte header");
  if (memcmp(d, FORMAT_ID, 4) != 0)
    return invalid(error, "format identifier is not \"FIR\"");
  if (memcmp(d + 4, VERSION_ID, 4) != 0)
    return invalid(error, "version is not \"010\" (ISO/IEC 19794-4:2005)");
  r->record_length = (gsize)get_be(d + 8, 6);
  if (r->record_length != len)
    return invalid(error, "record length does not match its size");
  r->device_id = (int)get_be(d + 14, 2);
  r->acquisition_level = (int)get_be(d + 16, 2);
  r->n_views = d[18];
  r->scale_units = d[19];
  r->scan_ppi_h = (int)get_be(d + 20, 2);
  r->scan_ppi_v = (int)get_be(d + 22, 2);
  r->image_ppi_h = (int)get_be(d + 24, 2);
  r->image_ppi_v = (int)get_be(d + 26, 2);
  r->pixel_depth = d[28];
  r->compression = d[29];
  if (r->n_views < 1 || r->n_views > ISO19794_4_MAX_VIEWS)
    return invalid(error, "number of fingers out of range");
  if (r->scale_units != SCALE_PPI && r->scale_units != SCALE_PPCM)
    return invalid(error, "scale units neither 1 (ppi) nor 2 (ppcm)");
  if (r->scan_ppi_h == 0 || r->scan_ppi_v == 0 || r->image_ppi_h == 0 ||
      r->image_ppi_v == 0)
    return invalid(error, "a resolution of 0");
  if (r->pixel_depth != 8)
    return invalid(error, "pixel depth is not 8 bits");
  if (r->compression > 5)
    return invalid(error, "unknown compression algorithm");
  return TRUE;
}

/* One finger image header at `d` (`left` bytes to the end). */
static gboolean parse_view(const guint8 *d, gsize left, Iso19794View *v,
                           gsize *ret_block, GError **error)
{
  gsize block;

  if (left < ISO19794_4_VIEW_HEADER_LEN)
    return invalid(error, "finger image header truncated");
  block = (gsize)get_be(d, 4);
  if (block < ISO19794_4_VIEW_HEADER_LEN || block > left)
    return invalid(error, "finger data block length out of bounds");
  v->position = d[4];
  v->view_count = d[5];
  v->view_number = d[6];
  v->quality = d[7];
  v->impression_type = d[8];
  v->width = (int)get_be(d + 9, 2);
  v->height = (int)get_be(d + 11, 2);
  v->data = d + ISO19794_4_VIEW_HEADER_LEN;
  v->data_len = block - ISO19794_4_VIEW_HEADER_LEN;
  if (v->position > 10)
    return invalid(error, "finger position code out of range (0..10)");
  if (v->view_count < 1 || v->view_number < 1 || v->view_number > v->view_count)
    return invalid(error, "view number out of range");
  if (v->quality > 100 && v->quality != ISO19794_4_QUALITY_UNKNOWN)
    return invalid(error, "finger quality out of range (0..100, 254)");
  if (v->impression_type > 9 && v->impression_type != 28 &&
      v->impression_type != 29)
    return invalid(error, "unknown impression type");
  if (v->width == 0 || v->height == 0)
    return invalid(error, "a line length of 0");
  *ret_block = block;
  return TRUE;
}

gboolean iso19794_4_parse(const guint8 *data, gsize len, Iso19794Record *ret,
                          GError **error)
{
  gsize at = ISO19794_4_HEADER_LEN;

  g_return_val_if_fail(ret, FALSE);
  memset(ret, 0, sizeof *ret);
  if (!data || len > MAX_RECORD)
    return invalid(error, data ? "larger than we accept" : "empty");
  if (!parse_header(data, len, ret, error))
    return FALSE;
  for (int i = 0; i < ret->n_views; i++) {
    gsize block = 0;

    if (!parse_view(data + at, len - at, &ret->views[i], &block, error))
      return FALSE;
    at += block;
  }
  if (at != len)
    return invalid(error, "bytes after the last finger");
  return TRUE;
}

BkImage *iso19794_4_decode_view(const Iso19794Record *record,
                                const Iso19794View *view, GError **error)
{
  BkImage *img = NULL;

  if (record->compression == ISO19794_4_COMPRESSION_RAW) {
    if (view->data_len != (gsize)view->width * view->height) {
      invalid(error, "raw image size does not match its line lengths");
      return NULL;
    }
    img = image_new(view->width, view->height, 1);
    for (int y = 0; y < view->height; y++)
      memcpy(img->pixels + (gsize)y * img->stride,
             view->data + (gsize)y * view->width, (gsize)view->width);
    return img;
  }
  if (record->compression != ISO19794_4_COMPRESSION_JP2) {
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_UNSUPPORTED,
                "19794-4 record: compression %d is not read here (only raw "
                "and JPEG 2000)",
                record->compression);
    return NULL;
  }
  img = j2kio_decode(view->data, view->data_len, error);
  if (img && (img->width != view->width || img->height != view->height)) {
    invalid(error, "image size differs from the header's line lengths");
    g_clear_pointer(&img, image_free);
  }
  return img;
}

/* Are the pixels of a and b (both grey) the same? */
static gboolean same_pixels(const BkImage *a, const BkImage *b)
{
  if (a->width != b->width || a->height != b->height ||
      a->channels != b->channels)
    return FALSE;
  for (int y = 0; y < a->height; y++)
    if (memcmp(a->pixels + (gsize)y * a->stride,
               b->pixels + (gsize)y * b->stride,
               (gsize)a->width * a->channels) != 0)
      return FALSE;
  return TRUE;
}

BkImage *iso19794_4_validate(const guint8 *data, gsize len,
                             const BkImage *expected, Iso19794Record *ret,
                             GError **error)
{
  BkImage *first = NULL;

  if (!iso19794_4_parse(data, len, ret, error))
    return NULL;
  for (int i = 0; i < ret->n_views; i++) {
    BkImage *img = iso19794_4_decode_view(ret, &ret->views[i], error);

    if (!img) {
      image_free(first);
      return NULL;
    }
    if (i == 0)
      first = img;
    else
      image_free(img);
  }
  if (expected && !same_pixels(first, expected)) {
    invalid(error, "image does not decode to the record's own pixels");
    g_clear_pointer(&first, image_free);
  }
  return first;
}
