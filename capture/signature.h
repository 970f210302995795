/* Signature processing: rendering the pad's time series to a grey image and
 * checking that it is a plausible signature. capture/ cannot see drivers/,
 * so it has its own sample type: SignatureSample has exactly the layout of
 * drivers' PadSample (x, y, pressure as doubles, t_us as gint64), and the
 * kiosk converts (or reinterprets) a pad's GArray of PadSample into it.
 * Coordinates are normalised to the pad's writing area (0..1), pressure 0..1
 * with 0 meaning pen up, time in microseconds from the first sample. */
#pragma once

#include "image.h"

typedef struct {
  double x;
  double y;
  double pressure; /* 0 = pen up (hover or gap) */
  gint64 t_us;
} SignatureSample;

/* Why a signature is refused; a refusal is a result, not an error. Several
 * may hold at once. */
typedef enum {
  SIGNATURE_REASON_NONE = 0,
  SIGNATURE_REASON_EMPTY = 1 << 0,     /* no pen-down sample at all */
  SIGNATURE_REASON_TOO_SHORT = 1 << 1, /* too little ink or too quick */
  SIGNATURE_REASON_TOO_SMALL = 1 << 2, /* bounding box too small */
  SIGNATURE_REASON_OFF_PAD = 1 << 3,   /* ink outside the writing area */
} SignatureReason;

typedef struct {
  gboolean ok;
  guint reasons;      /* SignatureReason flags */
  const char *reason; /* the first reason as a stable word ("empty",
                       * "too_short", "too_small", "off_pad"), NULL if ok;
                       * static string */
  int samples;        /* all samples */
  int strokes;        /* pen-down runs */
  double duration_ms; /* first to last pen-down sample */
  double ink_length;  /* summed pen-down path, in pad widths */
  double mean_pressure;
  double bbox_x, bbox_y, bbox_w, bbox_h; /* of the ink, pad units */
} SignatureCheck;

/* Minimums used by signature_check(). */
#define SIGNATURE_MIN_INK_LENGTH  0.30 /* pad widths */
#define SIGNATURE_MIN_DURATION_MS 300.0
#define SIGNATURE_MIN_WIDTH       0.15 /* bbox, pad units */
#define SIGNATURE_MIN_HEIGHT      0.04
#define SIGNATURE_MAX_OFF_PAD     0.02 /* fraction of ink samples outside */

/* Measures `samples` and judges them; fills `ret_result` (always) and
 * returns ret_result->ok. `samples` may be NULL when n is 0. */
gboolean signature_check(const SignatureSample *samples, gsize n,
                         SignatureCheck *ret_result);

/* Renders the pad area to a width x height grey image (1 channel): white
 * background, dark antialiased strokes whose width and darkness follow the
 * pressure. Deterministic (same samples, same bytes). Pen-up samples break
 * the line. Returns NULL for sizes outside 1..8192. Free with image_free(). */
BkImage *signature_render(const SignatureSample *samples, gsize n, int width,
                          int height);

/* signature_check()'s reason word for one flag ("empty", ...); NULL for
 * SIGNATURE_REASON_NONE or unknown values. */
const char *signature_reason_to_string(SignatureReason reason);
