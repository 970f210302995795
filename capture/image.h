/* In-memory raster images shared by the capture code: decoded camera frames,
 * crops, fingerprint and signature images. Plain 8-bit pixels, interleaved,
 * rows `stride` bytes apart. Images live in RAM only: biometric pixels never
 * touch the disk unsealed. */
#pragma once

#include <glib.h>

typedef struct {
  int width;
  int height;
  int channels;   /* 1 grey, 3 RGB, 4 RGBA */
  gsize stride;   /* bytes per row, >= width * channels */
  guint8 *pixels; /* owned by the image */
} BkImage;

#define CAPTURE_ERROR (capture_error_quark())
GQuark capture_error_quark(void);

typedef enum {
  CAPTURE_ERROR_INVALID_DATA, /* corrupt, truncated or not the format claimed */
  CAPTURE_ERROR_UNSUPPORTED,  /* valid but not something we handle */
  CAPTURE_ERROR_TOO_LARGE,    /* dimensions beyond the configured limit */
  CAPTURE_ERROR_IO,           /* a file could not be read or written */
} CaptureError;

/* A new image with zeroed pixels. Returns NULL when width, height or channels
 * are out of range (each side 1..32768, channels 1, 3 or 4). Free with
 * image_free(). */
BkImage *image_new(int width, int height, int channels);

/* Frees the pixels and the image; accepts NULL. Pixels are wiped first, since
 * they may be biometric. */
void image_free(BkImage *image);

/* A deep copy. */
BkImage *image_copy(const BkImage *image);

/* Pointer to the first byte of pixel (x, y). No bounds check. */
static inline guint8 *image_pixel(const BkImage *image, int x, int y)
{
  return image->pixels + (gsize)y * image->stride + (gsize)x * image->channels;
}

/* The rectangle (x, y, width, height), clipped to the image, as a new image.
 * Returns NULL when nothing of the rectangle lies inside the image. */
BkImage *image_crop(const BkImage *image, int x, int y, int width, int height);

/* A resampled copy of width x height (area averaging when shrinking,
 * bilinear when enlarging). */
BkImage *image_scale(const BkImage *image, int width, int height);

/* A copy converted to `channels` (grey uses Rec. 601 luma, alpha is dropped
 * or set opaque). */
BkImage *image_convert(const BkImage *image, int channels);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(BkImage, image_free)
