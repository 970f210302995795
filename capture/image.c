/* BkImage: allocation, copy, crop, resampling and channel conversion. The
 * resampler is deliberately simple (area average / bilinear); hot paths that
 * need speed decode at a reduced scale instead (jpegio_decode). */
#include "image.h"

#include <string.h>

G_DEFINE_QUARK(biokiosk - capture - error - quark, capture_error)

#define IMAGE_MAX_SIDE 32768

BkImage *image_new(int width, int height, int channels)
{
  BkImage *image;

  if (width < 1 || height < 1 || width > IMAGE_MAX_SIDE ||
      height > IMAGE_MAX_SIDE ||
      (channels != 1 && channels != 3 && channels != 4))
    return NULL;
  image = g_new0(BkImage, 1);
  image->width = width;
  image->height = height;
  image->channels = channels;
  image->stride = (gsize)width * (gsize)channels;
  image->pixels = g_malloc0(image->stride * (gsize)height);
  return image;
}

void image_free(BkImage *image)
{
  if (!image)
    return;
  if (image->pixels) {
    /* explicit_bzero is not optimised away, unlike memset before free. */
    explicit_bzero(image->pixels, image->stride * (gsize)image->height);
    g_free(image->pixels);
  }
  g_free(image);
}

BkImage *image_copy(const BkImage *image)
{
  BkImage *copy;

  g_return_val_if_fail(image, NULL);
  copy = image_new(image->width, image->height, image->channels);
  for (int y = 0; y < image->height; y++)
    memcpy(image_pixel(copy, 0, y), image_pixel(image, 0, y),
           (gsize)image->width * (gsize)image->channels);
  return copy;
}

BkImage *image_crop(const BkImage *image, int x, int y, int width, int height)
{
  int x0 = MAX(x, 0), y0 = MAX(y, 0);
  int x1 = MIN(x + width, image->width), y1 = MIN(y + height, image->height);
  BkImage *out;

  g_return_val_if_fail(image, NULL);
  if (x1 <= x0 || y1 <= y0)
    return NULL;
  out = image_new(x1 - x0, y1 - y0, image->channels);
  for (int row = y0; row < y1; row++)
    memcpy(image_pixel(out, 0, row - y0), image_pixel(image, x0, row),
           (gsize)out->width * (gsize)image->channels);
  return out;
}

/* Area average: each output pixel is the mean of the source pixels its
 * footprint covers (whole pixels; good enough for shrinking by >= 1.5). */
static void scale_down(const BkImage *src, BkImage *dst)
{
  const int ch = src->channels;

  for (int y = 0; y < dst->height; y++) {
    int sy0 = (int)((gint64)y * src->height / dst->height);
    int sy1 = MAX(sy0 + 1, (int)((gint64)(y + 1) * src->height / dst->height));
    for (int x = 0; x < dst->width; x++) {
      int sx0 = (int)((gint64)x * src->width / dst->width);
      int sx1 = MAX(sx0 + 1, (int)((gint64)(x + 1) * src->width / dst->width));
      guint32 sum[4] = {0};
      guint32 n = (guint32)((sy1 - sy0) * (sx1 - sx0));
      guint8 *out = image_pixel(dst, x, y);

      for (int sy = sy0; sy < sy1; sy++) {
        const guint8 *p = image_pixel(src, sx0, sy);
        for (int sx = sx0; sx < sx1; sx++, p += ch)
          for (int c = 0; c < ch; c++)
            sum[c] += p[c];
      }
      for (int c = 0; c < ch; c++)
        out[c] = (guint8)((sum[c] + n / 2) / n);
    }
  }
}

static void scale_bilinear(const BkImage *src, BkImage *dst)
{
  const int ch = src->channels;
  const double fx = (double)src->width / dst->width;
  const double fy = (double)src->height / dst->height;

  for (int y = 0; y < dst->height; y++) {
    double sy = CLAMP((y + 0.5) * fy - 0.5, 0.0, src->height - 1.0);
    int y0 = (int)sy, y1 = MIN(y0 + 1, src->height - 1);
    double wy = sy - y0;
    for (int x = 0; x < dst->width; x++) {
      double sx = CLAMP((x + 0.5) * fx - 0.5, 0.0, src->width - 1.0);
      int x0 = (int)sx, x1 = MIN(x0 + 1, src->width - 1);
      double wx = sx - x0;
      const guint8 *a = image_pixel(src, x0, y0), *b = image_pixel(src, x1, y0);
      const guint8 *c = image_pixel(src, x0, y1), *d = image_pixel(src, x1, y1);
      guint8 *out = image_pixel(dst, x, y);
      for (int k = 0; k < ch; k++) {
        double top = a[k] + (b[k] - a[k]) * wx;
        double bottom = c[k] + (d[k] - c[k]) * wx;
        out[k] = (guint8)(top + (bottom - top) * wy + 0.5);
      }
    }
  }
}

BkImage *image_scale(const BkImage *image, int width, int height)
{
  BkImage *out;

  g_return_val_if_fail(image, NULL);
  out = image_new(width, height, image->channels);
  if (!out)
    return NULL;
  if (width <= image->width && height <= image->height)
    scale_down(image, out);
  else
    scale_bilinear(image, out);
  return out;
}

BkImage *image_convert(const BkImage *image, int channels)
{
  BkImage *out;

  g_return_val_if_fail(image, NULL);
  out = image_new(image->width, image->height, channels);
  if (!out)
    return NULL;
  for (int y = 0; y < image->height; y++) {
    for (int x = 0; x < image->width; x++) {
      const guint8 *s = image_pixel(image, x, y);
      guint8 *d = image_pixel(out, x, y);
      guint8 r, g, b;

      if (image->channels == 1)
        r = g = b = s[0];
      else
        r = s[0], g = s[1], b = s[2];
      if (channels == 1) {
        d[0] = (guint8)((299 * r + 587 * g + 114 * b + 500) / 1000);
      } else {
        d[0] = r, d[1] = g, d[2] = b;
        if (channels == 4)
          d[3] = image->channels == 4 ? s[3] : 255;
      }
    }
  }
  return out;
}
