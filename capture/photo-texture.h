/* Fine colour texture, for telling hair from a head covering's fabric.
 * Internal to capture/. */
#pragma once

#include "image.h"

/* The fine colour texture of an RGB patch (resampled by the caller to a
 * fixed number of pixels per eye distance): the opponent channel R - B
 * minus its 5 x 5 box mean, its absolute value averaged over a 5 x 5
 * window around each pixel, and of these the `quantile` (0..1) over the
 * pixels `mask` marks (NULL: all; the mask has the patch's size). 8-bit
 * units.
 *
 * Hair changes colour from pixel to pixel nearly everywhere: strands over
 * a scalp, grey strands in brown hair. A dyed fabric's colour is the same
 * between its folds and creases, so most of its pixels hold only sensor
 * and JPEG noise. A low quantile of the band against a high one of the
 * backdrop tells the two apart. Returns 0 for a patch too small (under
 * 5 x 5) or not RGB, or when the mask marks nothing. */
double photo_texture_colour(const BkImage *rgb, const guint8 *mask,
                            double quantile);
