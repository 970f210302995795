/* Lossless JPEG 2000 of 8-bit grey images through libopenjp2, in memory:
 * the codec of the ISO/IEC 19794-4 finger image records (iso19794.h).
 * Files are JP2 (the boxed format, ISO/IEC 15444-1 annex I), coded with
 * the reversible 5/3 wavelet and one quality layer, so decoding gives the
 * very pixels that were encoded. */
#pragma once

#include <glib.h>

#include "image.h"

/* Encodes a 1-channel image. NULL with CAPTURE_ERROR_INVALID_DATA for
 * another channel count, CAPTURE_ERROR_FAILED when the codec fails. The
 * returned bytes wipe themselves when freed (they hold a fingerprint). */
GBytes *j2kio_encode_lossless(const BkImage *image, GError **error);

/* Decodes JP2 data holding one 8-bit grey component. Anything else
 * (another format, colour, more bits, truncated or corrupt data) is NULL
 * with CAPTURE_ERROR_INVALID_DATA and a one-line message; never a crash. */
BkImage *j2kio_decode(const guint8 *data, gsize len, GError **error);
