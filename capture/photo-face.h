/* Face and eye detection for the photo validator: our own evaluator for
 * OpenCV's boosted Haar cascades (the XML files Debian ships in
 * opencv-data), run on a greyscale image. Internal to capture/. */
#pragma once

#include "image.h"

typedef struct _PhotoCascade PhotoCascade;

typedef struct {
  double x, y, w, h; /* in the pixels of the image searched */
  int neighbours;    /* raw detections merged into this one */
} PhotoDetection;

/* Loads a cascade in OpenCV's "opencv-cascade-classifier" XML format
 * (stump or tree based, Haar features, untilted). Returns NULL with
 * CAPTURE_ERROR_IO / _INVALID_DATA / _UNSUPPORTED. */
PhotoCascade *photo_cascade_load(const char *path, GError **error);
void photo_cascade_free(PhotoCascade *cascade);

/* The cascade's window size. */
int photo_cascade_width(const PhotoCascade *cascade);
int photo_cascade_height(const PhotoCascade *cascade);

/* Runs the cascade over the region (rx, ry, rw, rh) of the grey image `grey`
 * (1 channel) for windows from min_size to max_size pixels wide, growing by
 * `step` (e.g. 1.1), and groups overlapping hits as OpenCV's
 * groupRectangles does. Returns a GArray of PhotoDetection with at least
 * `min_neighbours` hits each, largest group first. */
GArray *photo_cascade_detect(const PhotoCascade *cascade, const BkImage *grey,
                             int rx, int ry, int rw, int rh, double min_size,
                             double max_size, double step, int min_neighbours);

/* The same, skipping windows whose centre falls on a zero pixel of `mask`
 * (1 channel, the size of `grey`; NULL = no mask): the validator passes the
 * non-background pixels, since a face is never part of the backdrop. */
GArray *photo_cascade_detect_masked(const PhotoCascade *cascade,
                                    const BkImage *grey, const BkImage *mask,
                                    int rx, int ry, int rw, int rh,
                                    double min_size, double max_size,
                                    double step, int min_neighbours);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PhotoCascade, photo_cascade_free)
