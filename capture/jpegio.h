/* JPEG decode and encode through libjpeg-turbo, entirely in memory. Corrupt
 * or truncated input is an error, never a crash or a half-filled image. */
#pragma once

#include "image.h"

/* Decodes JPEG bytes into an RGB (3-channel) image, or grey for grey JPEGs
 * when `keep_grey` is TRUE. When max_width/max_height are > 0, libjpeg's DCT
 * scaling (1/2, 1/4, 1/8) picks the smallest output still at least that
 * size, which is much faster than decoding fully and shrinking. Returns NULL
 * with CAPTURE_ERROR_INVALID_DATA for anything libjpeg warns about as
 * corrupt or truncated. */
BkImage *jpegio_decode(const guint8 *data, gsize len, int max_width,
                       int max_height, gboolean keep_grey, GError **error);

/* Reads only the header: dimensions of the full-size image. */
gboolean jpegio_probe(const guint8 *data, gsize len, int *ret_width,
                      int *ret_height, GError **error);

/* Encodes a grey or RGB image (RGBA loses its alpha) at quality 1..100. */
GBytes *jpegio_encode(const BkImage *image, int quality, GError **error);
