/* ISO/IEC 19794-4:2005 finger image records: what the record keeps of each
 * finger besides its raw pixels, in the format registration systems
 * exchange. One record per finger, one view, the image JPEG 2000 coded
 * losslessly (j2kio.h). Layout and field values: docs/fingerprints.md.
 *
 *   general header (32 bytes): "FIR\0", "010\0", record length (6 bytes),
 *     capture device id (2), image acquisition level (2), number of
 *     fingers (1), scale units (1: 1 = ppi, 2 = ppcm), horizontal and
 *     vertical scan resolution (2 + 2), horizontal and vertical image
 *     resolution (2 + 2), pixel depth (1, bits), compression (1: 0 raw,
 *     1 bit-packed, 2 WSQ, 3 JPEG, 4 JPEG 2000, 5 PNG), reserved (2)
 *   per finger, a finger image header (14 bytes): data block length (4,
 *     header included), finger position (1: 0..10), count of views (1),
 *     view number (1), quality (1: 0..100, 254 not computed), impression
 *     type (1: 0 live-scan plain), horizontal and vertical line length
 *     (2 + 2), reserved (1); then the image data.
 * All numbers big-endian. */
#pragma once

#include <glib.h>

#include "image.h"

#define ISO19794_4_MEDIA_TYPE       "application/x-iso19794-4"
#define ISO19794_4_HEADER_LEN       32
#define ISO19794_4_VIEW_HEADER_LEN  14
#define ISO19794_4_COMPRESSION_RAW  0
#define ISO19794_4_COMPRESSION_JP2  4
#define ISO19794_4_QUALITY_UNKNOWN  254
#define ISO19794_4_IMPRESSION_PLAIN 0 /* live-scan plain */
#define ISO19794_4_MAX_VIEWS        4

/* One finger view as parsed; `data` points into the parsed buffer. */
typedef struct {
  int position;   /* 0 unknown, 1..10 */
  int view_count; /* views of this finger */
  int view_number;
  int quality; /* 0..100, or ISO19794_4_QUALITY_UNKNOWN */
  int impression_type;
  int width, height; /* line lengths */
  const guint8 *data;
  gsize data_len;
} Iso19794View;

typedef struct {
  gsize record_length;
  int device_id;
  int acquisition_level;
  int scale_units;
  int scan_ppi_h, scan_ppi_v;   /* in scale units */
  int image_ppi_h, image_ppi_v; /* in scale units */
  int pixel_depth;
  int compression;
  int n_views;
  Iso19794View views[ISO19794_4_MAX_VIEWS];
} Iso19794Record;

/* A record of one finger: the grey `image` at `ppi`, JPEG 2000 lossless,
 * at finger `position` (0..10) with `quality` (0..100, or -1 unknown).
 * NULL with CAPTURE_ERROR_INVALID_DATA for what cannot be written (colour,
 * a size or resolution beyond the 16-bit fields, a position out of range).
 * The bytes wipe themselves when freed. */
GBytes *iso19794_4_encode(const BkImage *image, int ppi, int position,
                          int quality, GError **error);

/* Parses and checks the headers: identifier and version, the record
 * length against `len`, every block length, positions 0..10, quality,
 * resolution, depth 8, a known compression. FALSE with
 * CAPTURE_ERROR_INVALID_DATA and a one-line message naming the field;
 * never reads beyond `len`. `ret` points into `data`. */
gboolean iso19794_4_parse(const guint8 *data, gsize len, Iso19794Record *ret,
                          GError **error);

/* Decodes a parsed view's image (raw 8-bit or JPEG 2000); checks that its
 * size is the header's. NULL with CAPTURE_ERROR_INVALID_DATA otherwise
 * (CAPTURE_ERROR_UNSUPPORTED for WSQ, JPEG and PNG, which we never
 * write). */
BkImage *iso19794_4_decode_view(const Iso19794Record *record,
                                const Iso19794View *view, GError **error);

/* Everything a back office checks: parses, decodes each view and, when
 * `expected` is not NULL, compares the first view's pixels with it (the
 * lossless promise). Returns the first view's image (NULL on failure,
 * with the one-line reason). */
BkImage *iso19794_4_validate(const guint8 *data, gsize len,
                             const BkImage *expected, Iso19794Record *ret,
                             GError **error);
