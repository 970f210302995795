/* Fine colour texture for hair against fabric (photo-texture.h). */
#include "photo-texture.h"

#include <math.h>
#include <stdlib.h>

/* R - B of each pixel minus its mean over the 5 x 5 box around it (clamped
 * at the patch's edges), as absolute values. */
static double *opponent_detail(const BkImage *im)
{
  int w = im->width, h = im->height;
  g_autofree double *o = g_new(double, (gsize)w *h);
  double *out = g_new(double, (gsize)w *h);

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      const guint8 *p = image_pixel(im, x, y);
      o[(gsize)y * w + x] = (double)p[0] - p[2];
    }
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      double s = 0;
      int n = 0;
      for (int yy = MAX(0, y - 2); yy <= MIN(h - 1, y + 2); yy++)
        for (int xx = MAX(0, x - 2); xx <= MIN(w - 1, x + 2); xx++, n++)
          s += o[(gsize)yy * w + xx];
      out[(gsize)y * w + x] = fabs(o[(gsize)y * w + x] - s / n);
    }
  return out;
}

static int compare_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return (x > y) - (x < y);
}

double photo_texture_colour(const BkImage *rgb, const guint8 *mask,
                            double quantile)
{
  int w = rgb->width, h = rgb->height;
  g_autofree double *e = NULL;
  g_autoptr(GArray) vals = NULL;

  if (rgb->channels < 3 || w < 5 || h < 5)
    return 0;
  e = opponent_detail(rgb);
  vals = g_array_new(FALSE, FALSE, sizeof(double));
  for (int y = 2; y < h - 2; y++)
    for (int x = 2; x < w - 2; x++) {
      double s = 0;
      if (mask && !mask[(gsize)y * w + x])
        continue;
      for (int dy = -2; dy <= 2; dy++)
        for (int dx = -2; dx <= 2; dx++)
          s += e[(gsize)(y + dy) * w + x + dx];
      s /= 25;
      g_array_append_val(vals, s);
    }
  if (vals->len == 0)
    return 0;
  qsort(vals->data, vals->len, sizeof(double), compare_double);
  quantile = CLAMP(quantile, 0.0, 1.0);
  return g_array_index(vals, double, (guint)(quantile * (vals->len - 1)));
}
