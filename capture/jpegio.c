/* JPEG decode and encode with libjpeg-turbo's libjpeg API, in memory.
 * libjpeg reports fatal errors through error_exit(), which must not return:
 * we longjmp back to the caller. Warnings about corrupt or truncated data are
 * promoted to errors, because a half-decoded photo must never reach the
 * validator as if it were whole. */
#include "jpegio.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

/* Refuse anything larger than this before allocating for it: a header can
 * claim 65535 x 65535 in a few bytes. */
#define JPEGIO_MAX_PIXELS (120u * 1000u * 1000u)

typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
} JpegioError;

static void jpegio_error_exit(j_common_ptr cinfo)
{
  JpegioError *err = (JpegioError *)cinfo->err;

  err->pub.format_message(cinfo, err->message);
  longjmp(err->jump, 1);
}

/* libjpeg calls emit_message(-1) for warnings such as "Premature end of JPEG
 * file" or "Corrupt JPEG data"; both mean the pixels are not what the camera
 * took, so treat them as fatal. Trace messages (level >= 0) are ignored. */
static void jpegio_emit_message(j_common_ptr cinfo, int msg_level)
{
  if (msg_level < 0)
    jpegio_error_exit(cinfo);
}

static void jpegio_output_message(j_common_ptr cinfo)
{
  /* Never print to stderr from library code. */
}

static void jpegio_error_init(struct jpeg_decompress_struct *cinfo,
                              JpegioError *err)
{
  cinfo->err = jpeg_std_error(&err->pub);
  err->pub.error_exit = jpegio_error_exit;
  err->pub.emit_message = jpegio_emit_message;
  err->pub.output_message = jpegio_output_message;
  err->message[0] = '\0';
}

static gboolean jpegio_check_input(const guint8 *data, gsize len,
                                   GError **error)
{
  if (!data || len < 4 || data[0] != 0xFF || data[1] != 0xD8) {
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA,
                "not a JPEG image");
    return FALSE;
  }
  if (len > G_MAXULONG) {
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_TOO_LARGE,
                "JPEG data too large");
    return FALSE;
  }
  return TRUE;
}

gboolean jpegio_probe(const guint8 *data, gsize len, int *ret_width,
                      int *ret_height, GError **error)
{
  struct jpeg_decompress_struct cinfo;
  JpegioError err;

  if (!jpegio_check_input(data, len, error))
    return FALSE;
  memset(&cinfo, 0, sizeof(cinfo));
  jpegio_error_init(&cinfo, &err);
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA,
                "invalid JPEG: %s", err.message);
    return FALSE;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, (unsigned long)len);
  jpeg_read_header(&cinfo, TRUE);
  if (ret_width)
    *ret_width = (int)cinfo.image_width;
  if (ret_height)
    *ret_height = (int)cinfo.image_height;
  jpeg_destroy_decompress(&cinfo);
  return TRUE;
}

/* The largest scale_denom in {1, 2, 4, 8} whose output still covers the
 * requested size; libjpeg rounds scaled sizes up. */
static unsigned int jpegio_pick_denom(unsigned int width, unsigned int height,
                                      int max_width, int max_height)
{
  unsigned int denom = 1;

  if (max_width <= 0 && max_height <= 0)
    return 1;
  for (unsigned int d = 2; d <= 8; d *= 2) {
    unsigned int w = (width + d - 1) / d, h = (height + d - 1) / d;
    if ((max_width > 0 && w < (unsigned int)max_width) ||
        (max_height > 0 && h < (unsigned int)max_height))
      break;
    denom = d;
  }
  return denom;
}

BkImage *jpegio_decode(const guint8 *data, gsize len, int max_width,
                       int max_height, gboolean keep_grey, GError **error)
{
  struct jpeg_decompress_struct cinfo;
  JpegioError err;
  /* volatile: modified between setjmp and longjmp, read after the jump. */
  BkImage *volatile image = NULL;
  int channels;

  if (!jpegio_check_input(data, len, error))
    return NULL;
  memset(&cinfo, 0, sizeof(cinfo));
  jpegio_error_init(&cinfo, &err);
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    image_free(image);
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA,
                "invalid JPEG: %s", err.message);
    return NULL;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, (unsigned long)len);
  jpeg_read_header(&cinfo, TRUE);

  if ((guint64)cinfo.image_width * cinfo.image_height > JPEGIO_MAX_PIXELS) {
    jpeg_destroy_decompress(&cinfo);
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_TOO_LARGE,
                "JPEG of %ux%u pixels is too large", cinfo.image_width,
                cinfo.image_height);
    return NULL;
  }
  if (keep_grey && cinfo.jpeg_color_space == JCS_GRAYSCALE) {
    cinfo.out_color_space = JCS_GRAYSCALE;
    channels = 1;
  } else {
    /* CMYK/YCCK cannot be converted to RGB by libjpeg. */
    if (cinfo.jpeg_color_space == JCS_CMYK ||
        cinfo.jpeg_color_space == JCS_YCCK) {
      jpeg_destroy_decompress(&cinfo);
      g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_UNSUPPORTED,
                  "CMYK JPEG is not supported");
      return NULL;
    }
    cinfo.out_color_space = JCS_RGB;
    channels = 3;
  }
  cinfo.scale_num = 1;
  cinfo.scale_denom = jpegio_pick_denom(cinfo.image_width, cinfo.image_height,
                                        max_width, max_height);
  /* Fast paths that do not change what the validator measures enough to
   * matter would go here; we keep libjpeg's accurate defaults. */
  jpeg_start_decompress(&cinfo);

  image =
      image_new((int)cinfo.output_width, (int)cinfo.output_height, channels);
  if (!image || cinfo.output_components != channels) {
    jpeg_destroy_decompress(&cinfo);
    image_free(image);
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_UNSUPPORTED,
                "unsupported JPEG layout");
    return NULL;
  }
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = image_pixel(image, 0, (int)cinfo.output_scanline);
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return image;
}

GBytes *jpegio_encode(const BkImage *image, int quality, GError **error)
{
  struct jpeg_compress_struct cinfo;
  JpegioError err;
  unsigned char *volatile buffer = NULL;
  unsigned long size = 0;
  guint8 *volatile rgb_row = NULL;
  GBytes *bytes;

  g_return_val_if_fail(image && image->pixels, NULL);
  g_return_val_if_fail(quality >= 1 && quality <= 100, NULL);

  memset(&cinfo, 0, sizeof(cinfo));
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = jpegio_error_exit;
  err.pub.output_message = jpegio_output_message;
  err.message[0] = '\0';
  if (setjmp(err.jump)) {
    jpeg_destroy_compress(&cinfo);
    free(buffer);
    g_free(rgb_row);
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA,
                "JPEG encoding failed: %s", err.message);
    return NULL;
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, (unsigned char **)&buffer, &size);
  cinfo.image_width = (JDIMENSION)image->width;
  cinfo.image_height = (JDIMENSION)image->height;
  if (image->channels == 1) {
    cinfo.input_components = 1;
    cinfo.in_color_space = JCS_GRAYSCALE;
  } else {
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
  }
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  cinfo.optimize_coding = TRUE;
  jpeg_start_compress(&cinfo, TRUE);
  if (image->channels == 4)
    rgb_row = g_malloc((gsize)image->width * 3);
  while (cinfo.next_scanline < cinfo.image_height) {
    const guint8 *src = image_pixel(image, 0, (int)cinfo.next_scanline);
    JSAMPROW row;

    if (image->channels == 4) {
      for (int x = 0; x < image->width; x++)
        memcpy(rgb_row + x * 3, src + x * 4, 3);
      row = rgb_row;
    } else {
      row = (JSAMPROW)src;
    }
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  g_free(rgb_row);
  /* libjpeg allocated the buffer with malloc(); hand it to GBytes as is. */
  bytes = g_bytes_new_with_free_func(buffer, size, free, buffer);
  return bytes;
}
