/* Lossless JPEG 2000 through libopenjp2 (see j2kio.h). libopenjp2 reads
 * and writes through stream callbacks; here they work on a GByteArray
 * (encode) or a borrowed buffer (decode). Its messages go to our debug
 * log, the first error into the GError. */
#include "j2kio.h"

#include <openjpeg.h>
#include <string.h>

#include "record.h"

/* Decoding refuses images larger than this on either side. */
#define J2K_MAX_SIDE 4096

typedef struct {
  GByteArray *out;  /* encode */
  const guint8 *in; /* decode */
  gsize len;
  gsize pos;
  char first_error[160];
} J2kBuffer;

static void on_error(const char *msg, void *data)
{
  J2kBuffer *b = data;

  if (!b->first_error[0])
    g_strlcpy(b->first_error, msg, sizeof b->first_error);
  g_strchomp(b->first_error);
}

static void on_message(const char *msg, void *data)
{
  g_debug("openjpeg: %s", msg);
}

static OPJ_SIZE_T buf_write(void *src, OPJ_SIZE_T n, void *data)
{
  J2kBuffer *b = data;

  if (b->pos + n > b->out->len)
    g_byte_array_set_size(b->out, (guint)(b->pos + n));
  memcpy(b->out->data + b->pos, src, n);
  b->pos += n;
  return n;
}

static OPJ_SIZE_T buf_read(void *dst, OPJ_SIZE_T n, void *data)
{
  J2kBuffer *b = data;
  gsize left = b->len - b->pos;

  if (left == 0)
    return (OPJ_SIZE_T)-1;
  n = MIN(n, left);
  memcpy(dst, b->in + b->pos, n);
  b->pos += n;
  return n;
}

static gsize buf_size(const J2kBuffer *b)
{
  return b->out ? b->out->len : b->len;
}

static OPJ_OFF_T buf_skip(OPJ_OFF_T n, void *data)
{
  J2kBuffer *b = data;

  /* Writing may skip ahead (it fills in later); reading stops at the end. */
  if (n < 0 && (gsize)-n > b->pos)
    return -1;
  if (!b->out && n > 0 && b->pos + (gsize)n > b->len)
    n = (OPJ_OFF_T)(b->len - b->pos);
  b->pos += n;
  if (b->out && b->pos > b->out->len)
    g_byte_array_set_size(b->out, (guint)b->pos);
  return n;
}

static OPJ_BOOL buf_seek(OPJ_OFF_T at, void *data)
{
  J2kBuffer *b = data;

  if (at < 0 || (!b->out && (gsize)at > buf_size(b)))
    return OPJ_FALSE;
  b->pos = (gsize)at;
  if (b->out && b->pos > b->out->len)
    g_byte_array_set_size(b->out, (guint)b->pos);
  return OPJ_TRUE;
}

static opj_stream_t *stream_new(J2kBuffer *b, gboolean input)
{
  opj_stream_t *s = opj_stream_create(64 * 1024, input);

  opj_stream_set_user_data(s, b, NULL);
  if (input) {
    opj_stream_set_user_data_length(s, b->len);
    opj_stream_set_read_function(s, buf_read);
  } else {
    opj_stream_set_write_function(s, buf_write);
  }
  opj_stream_set_skip_function(s, buf_skip);
  opj_stream_set_seek_function(s, buf_seek);
  return s;
}

static void handlers(opj_codec_t *codec, J2kBuffer *b)
{
  opj_set_error_handler(codec, on_error, b);
  opj_set_warning_handler(codec, on_message, b);
  opj_set_info_handler(codec, on_message, b);
}

/* Wipes the decoded or encoded pixels (a fingerprint), then frees. */
static void opj_image_wipe_destroy(opj_image_t *o)
{
  for (OPJ_UINT32 i = 0; i < o->numcomps; i++)
    if (o->comps[i].data)
      memset(o->comps[i].data, 0,
             sizeof(OPJ_INT32) * (gsize)o->comps[i].w * o->comps[i].h);
  opj_image_destroy(o);
}

/* The image as libopenjp2 takes it: one 8-bit unsigned grey component. */
static opj_image_t *opj_image_of(const BkImage *img)
{
  opj_image_cmptparm_t cp = {0};
  opj_image_t *o;

  cp.dx = cp.dy = 1;
  cp.w = (OPJ_UINT32)img->width;
  cp.h = (OPJ_UINT32)img->height;
  cp.prec = 8;
  o = opj_image_create(1, &cp, OPJ_CLRSPC_GRAY);
  if (!o)
    return NULL;
  o->x1 = cp.w;
  o->y1 = cp.h;
  for (int y = 0; y < img->height; y++)
    for (int x = 0; x < img->width; x++)
      o->comps[0].data[(gsize)y * img->width + x] =
          img->pixels[(gsize)y * img->stride + x];
  return o;
}

GBytes *j2kio_encode_lossless(const BkImage *image, GError **error)
{
  opj_cparameters_t p;
  J2kBuffer b = {0};
  opj_image_t *o;
  opj_codec_t *codec;
  opj_stream_t *s;
  gboolean ok;
  GBytes *bytes;

  g_return_val_if_fail(image, NULL);
  if (image->channels != 1) {
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA,
                "JPEG 2000: a grey image is needed, not %d channels",
                image->channels);
    return NULL;
  }
  opj_set_default_encoder_parameters(&p);
  p.irreversible = 0; /* the 5/3 wavelet: lossless */
  p.tcp_numlayers = 1;
  p.tcp_rates[0] = 0; /* no rate limit: every bit kept */
  p.cp_disto_alloc = 1;
  p.numresolution = MIN(
      6, 1 + (int)g_bit_nth_msf((gulong)MIN(image->width, image->height), -1));
  o = opj_image_of(image);
  codec = opj_create_compress(OPJ_CODEC_JP2);
  handlers(codec, &b);
  b.out = g_byte_array_new();
  s = stream_new(&b, FALSE);
  ok = o && opj_setup_encoder(codec, &p, o) &&
       opj_start_compress(codec, o, s) && opj_encode(codec, s) &&
       opj_end_compress(codec, s);
  opj_stream_destroy(s);
  opj_destroy_codec(codec);
  if (o)
    opj_image_wipe_destroy(o);
  if (!ok) {
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_UNSUPPORTED,
                "JPEG 2000 encoding failed: %s",
                b.first_error[0] ? b.first_error : "no reason given");
    memset(b.out->data, 0, b.out->len);
    g_byte_array_unref(b.out);
    return NULL;
  }
  bytes = record_wiped_bytes_new(b.out->data, b.out->len, NULL);
  memset(b.out->data, 0, b.out->len);
  g_byte_array_unref(b.out);
  return bytes;
}

/* One 8-bit unsigned grey component, whole and of a sane size. */
static BkImage *image_of_opj(const opj_image_t *o, GError **error)
{
  const opj_image_comp_t *c;
  BkImage *img;

  if (o->numcomps != 1 || o->comps[0].prec != 8 || o->comps[0].sgnd ||
      o->comps[0].dx != 1 || o->comps[0].dy != 1 || !o->comps[0].data) {
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA,
                "JPEG 2000: not one 8-bit grey component (%u components)",
                o->numcomps);
    return NULL;
  }
  c = &o->comps[0];
  if (c->w == 0 || c->h == 0 || c->w > J2K_MAX_SIDE || c->h > J2K_MAX_SIDE) {
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA,
                "JPEG 2000: image size %ux%u out of range", c->w, c->h);
    return NULL;
  }
  img = image_new((int)c->w, (int)c->h, 1);
  for (OPJ_UINT32 y = 0; y < c->h; y++)
    for (OPJ_UINT32 x = 0; x < c->w; x++)
      img->pixels[y * img->stride + x] =
          (guint8)CLAMP(c->data[(gsize)y * c->w + x], 0, 255);
  return img;
}

BkImage *j2kio_decode(const guint8 *data, gsize len, GError **error)
{
  static const guint8 jp2_signature[12] = {0,   0,   0,    12,   'j',  'P',
                                           ' ', ' ', 0x0d, 0x0a, 0x87, 0x0a};
  opj_dparameters_t p;
  J2kBuffer b = {.in = data, .len = len};
  opj_image_t *o = NULL;
  opj_codec_t *codec;
  opj_stream_t *s;
  BkImage *img = NULL;
  gboolean ok;

  if (!data || len < sizeof jp2_signature ||
      memcmp(data, jp2_signature, sizeof jp2_signature) != 0) {
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA,
                "JPEG 2000: no JP2 signature");
    return NULL;
  }
  opj_set_default_decoder_parameters(&p);
  codec = opj_create_decompress(OPJ_CODEC_JP2);
  handlers(codec, &b);
  s = stream_new(&b, TRUE);
  ok = opj_setup_decoder(codec, &p) && opj_read_header(s, codec, &o) &&
       o->x1 - o->x0 <= J2K_MAX_SIDE && o->y1 - o->y0 <= J2K_MAX_SIDE &&
       opj_decode(codec, s, o) && opj_end_decompress(codec, s);
  if (ok)
    img = image_of_opj(o, error);
  else
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA,
                "JPEG 2000 does not decode: %s",
                b.first_error[0] ? b.first_error
                                 : "image too large or corrupt");
  opj_stream_destroy(s);
  opj_destroy_codec(codec);
  if (o)
    opj_image_wipe_destroy(o);
  return img;
}
