/* PNG encode and decode with libpng, in memory. libpng reports errors by
 * longjmp to the setjmp in each function. Encoding writes no time or text
 * chunks and fixed compression settings, so equal pixels give equal bytes
 * (the record's hashes and the UI's reference screenshots rely on that). */
#include "pngio.h"

#include <setjmp.h>
#include <string.h>

#include <glib/gstdio.h>
#include <png.h>

/* Same reasoning as in jpegio.c: a tiny header may claim a huge image. */
#define PNGIO_MAX_PIXELS (120u * 1000u * 1000u)

typedef struct {
  GByteArray *out;
} PngioWriter;

typedef struct {
  const guint8 *data;
  gsize len;
  gsize pos;
} PngioReader;

static void pngio_error(png_structp png, png_const_charp message)
{
  char *slot = png_get_error_ptr(png);

  if (slot)
    g_strlcpy(slot, message ? message : "libpng error", 128);
  png_longjmp(png, 1);
}

static void pngio_warning(png_structp png, png_const_charp message)
{
  /* Warnings (e.g. a bad ancillary chunk) do not affect pixels; stay quiet. */
}

static void pngio_write_data(png_structp png, png_bytep data, png_size_t len)
{
  PngioWriter *writer = png_get_io_ptr(png);

  g_byte_array_append(writer->out, data, (guint)len);
}

static void pngio_flush(png_structp png)
{
}

static void pngio_read_data(png_structp png, png_bytep data, png_size_t len)
{
  PngioReader *reader = png_get_io_ptr(png);

  if (len > reader->len - reader->pos)
    png_error(png, "truncated PNG data");
  memcpy(data, reader->data + reader->pos, len);
  reader->pos += len;
}

GBytes *pngio_encode(const BkImage *image, GError **error)
{
  png_structp png;
  png_infop info = NULL;
  PngioWriter writer;
  char message[128] = "";
  int color_type;

  g_return_val_if_fail(image && image->pixels, NULL);

  png = png_create_write_struct(PNG_LIBPNG_VER_STRING, message, pngio_error,
                                pngio_warning);
  if (!png || !(info = png_create_info_struct(png))) {
    png_destroy_write_struct(&png, NULL);
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_IO, "out of memory");
    return NULL;
  }
  writer.out = g_byte_array_new();
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    g_byte_array_unref(writer.out);
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA,
                "PNG encoding failed: %s", message);
    return NULL;
  }
  switch (image->channels) {
  case 1:
    color_type = PNG_COLOR_TYPE_GRAY;
    break;
  case 3:
    color_type = PNG_COLOR_TYPE_RGB;
    break;
  default:
    color_type = PNG_COLOR_TYPE_RGB_ALPHA;
    break;
  }
  png_set_write_fn(png, &writer, pngio_write_data, pngio_flush);
  /* Fixed settings: the output depends on the pixels alone. */
  png_set_compression_level(png, 6);
  png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_VALUE_PAETH);
  png_set_IHDR(png, info, (png_uint_32)image->width, (png_uint_32)image->height,
               8, color_type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < image->height; y++)
    png_write_row(png, image_pixel(image, 0, y));
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &info);
  return g_byte_array_free_to_bytes(writer.out);
}

BkImage *pngio_decode(const guint8 *data, gsize len, GError **error)
{
  png_structp png;
  png_infop info = NULL;
  PngioReader reader = {data, len, 0};
  char message[128] = "";
  BkImage *volatile image = NULL;
  png_bytep *volatile rows = NULL;
  png_uint_32 width, height;
  int bit_depth, color_type, channels;

  if (!data || len < 8 || png_sig_cmp(data, 0, 8) != 0) {
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA,
                "not a PNG image");
    return NULL;
  }
  png = png_create_read_struct(PNG_LIBPNG_VER_STRING, message, pngio_error,
                               pngio_warning);
  if (!png || !(info = png_create_info_struct(png))) {
    png_destroy_read_struct(&png, NULL, NULL);
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_IO, "out of memory");
    return NULL;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, NULL);
    g_free(rows);
    image_free(image);
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA,
                "invalid PNG: %s", message);
    return NULL;
  }
  png_set_read_fn(png, &reader, pngio_read_data);
  png_set_user_limits(png, 32768, 32768);
  png_read_info(png, info);
  png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, NULL, NULL,
               NULL);
  if ((guint64)width * height > PNGIO_MAX_PIXELS) {
    png_destroy_read_struct(&png, &info, NULL);
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_TOO_LARGE,
                "PNG of %ux%u pixels is too large", width, height);
    return NULL;
  }
  if (color_type == PNG_COLOR_TYPE_PALETTE)
    png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8)
    png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS))
    png_set_tRNS_to_alpha(png);
  if (bit_depth == 16)
    png_set_strip_16(png);
  if (color_type == PNG_COLOR_TYPE_GRAY_ALPHA ||
      (color_type == PNG_COLOR_TYPE_GRAY &&
       png_get_valid(png, info, PNG_INFO_tRNS)))
    png_set_gray_to_rgb(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  channels = png_get_channels(png, info);
  if (png_get_bit_depth(png, info) != 8 ||
      (channels != 1 && channels != 3 && channels != 4)) {
    png_destroy_read_struct(&png, &info, NULL);
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_UNSUPPORTED,
                "unsupported PNG layout");
    return NULL;
  }
  image = image_new((int)width, (int)height, channels);
  if (!image) {
    png_destroy_read_struct(&png, &info, NULL);
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_TOO_LARGE,
                "PNG dimensions out of range");
    return NULL;
  }
  rows = g_new(png_bytep, height);
  for (png_uint_32 y = 0; y < height; y++)
    rows[y] = image_pixel(image, 0, (int)y);
  png_read_image(png, rows);
  png_read_end(png, NULL);
  png_destroy_read_struct(&png, &info, NULL);
  g_free(rows);
  return image;
}

gboolean pngio_write_file(const BkImage *image, const char *path,
                          GError **error)
{
  g_autoptr(GBytes) bytes = pngio_encode(image, error);
  g_autoptr(GError) local = NULL;

  if (!bytes)
    return FALSE;
  /* g_file_set_contents writes a temporary file and renames it. */
  if (!g_file_set_contents(path, g_bytes_get_data(bytes, NULL),
                           (gssize)g_bytes_get_size(bytes), &local)) {
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_IO, "%s", local->message);
    return FALSE;
  }
  return TRUE;
}

BkImage *pngio_read_file(const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr(GError) local = NULL;

  if (!g_file_get_contents(path, &contents, &len, &local)) {
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_IO, "%s", local->message);
    return NULL;
  }
  return pngio_decode((const guint8 *)contents, len, error);
}
