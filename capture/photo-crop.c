/* The crop to the document format: the 35 x 45 mm rectangle the validator
 * chose (in original camera pixels), cut from the image and resampled to
 * the configured resolution, then encoded for the record. */
#include <math.h>
#include <string.h>

#include "jpegio.h"
#include "photo.h"
#include "pngio.h"

BkImage *photo_crop(const PhotoValidator *v, const BkImage *image,
                    double to_original, const PhotoResult *result)
{
  const PhotoConfig *cfg;
  g_autoptr(BkImage) rgb = NULL;
  g_autoptr(BkImage) padded = NULL;
  int out_w, out_h, x, y, w, h;

  g_return_val_if_fail(v && image && result, NULL);
  if (!result->has_crop)
    return NULL;
  cfg = photo_validator_get_config(v);
  if (to_original <= 0)
    to_original = 1.0;
  out_w = (int)lround(cfg->limits.crop_width_mm / 25.4 * cfg->limits.crop_dpi);
  out_h = (int)lround(cfg->limits.crop_height_mm / 25.4 * cfg->limits.crop_dpi);
  x = (int)lround(result->crop_x / to_original);
  y = (int)lround(result->crop_y / to_original);
  w = MAX(1, (int)lround(result->crop_w / to_original));
  h = MAX(1, (int)lround(result->crop_h / to_original));
  rgb = image->channels == 3 ? image_copy(image) : image_convert(image, 3);
  /* White canvas, then the part of the frame that overlaps the rectangle. */
  padded = image_new(w, h, 3);
  if (!padded)
    return NULL;
  memset(padded->pixels, 255, padded->stride * (gsize)h);
  for (int row = MAX(0, -y); row < h && y + row < rgb->height; row++) {
    int x0 = MAX(0, -x), x1 = MIN(w, rgb->width - x);
    if (x1 > x0)
      memcpy(image_pixel(padded, x0, row), image_pixel(rgb, x + x0, y + row),
             (gsize)(x1 - x0) * 3);
  }
  return image_scale(padded, out_w, out_h);
}

gboolean photo_crop_encode(const BkImage *crop, int quality, GBytes **ret_jpeg,
                           GBytes **ret_png, GError **error)
{
  g_autoptr(GBytes) jpeg = NULL;
  g_autoptr(GBytes) png = NULL;

  g_return_val_if_fail(crop, FALSE);
  jpeg = jpegio_encode(crop, quality, error);
  if (!jpeg)
    return FALSE;
  png = pngio_encode(crop, error);
  if (!png)
    return FALSE;
  if (ret_jpeg)
    *ret_jpeg = g_steal_pointer(&jpeg);
  if (ret_png)
    *ret_png = g_steal_pointer(&png);
  return TRUE;
}
