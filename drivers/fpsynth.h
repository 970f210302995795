/* Synthetic fingerprints for machines without a reader: a "master" ridge
 * pattern per (person seed, finger) grown by iterated oriented Gabor
 * filtering over a core/delta orientation field, and impressions of it
 * (rotation, translation, pressure, noise, finger-shaped contact area).
 * 500 ppi, 8-bit grey, ridges dark. Fully deterministic from the seeds. */
#pragma once

#include <glib.h>

#define FPSYNTH_PPI            500
#define FPSYNTH_DEFAULT_WIDTH  300
#define FPSYNTH_DEFAULT_HEIGHT 400

/* Henry pattern classes the generator draws from. */
typedef enum {
  FPSYNTH_ARCH,
  FPSYNTH_TENTED_ARCH,
  FPSYNTH_LEFT_LOOP,
  FPSYNTH_RIGHT_LOOP,
  FPSYNTH_WHORL,
} FpSynthClass;

const char *fpsynth_class_to_string(FpSynthClass klass);

/* One synthetic finger (its master ridge pattern). Immutable once made, so
 * one finger may be shared by threads. */
typedef struct FpSynthFinger FpSynthFinger;

/* Grows the master pattern of finger `finger` (1..10, any int is accepted)
 * of the synthetic person `person_seed`, for impressions of width x height
 * (each 64..1024; 0 means the default 300 x 400). Same arguments, same
 * finger, on every machine. Takes a few tens of milliseconds. Free with
 * fpsynth_finger_free(). Returns NULL only for out-of-range sizes. */
FpSynthFinger *fpsynth_finger_new(guint64 person_seed, int finger, int width,
                                  int height);

/* Accepts NULL. */
void fpsynth_finger_free(FpSynthFinger *finger);

FpSynthClass fpsynth_finger_get_class(const FpSynthFinger *finger);
/* Ridge period in pixels the master was grown with (about 9-10.5). */
double fpsynth_finger_get_period(const FpSynthFinger *finger);
void fpsynth_finger_get_size(const FpSynthFinger *finger, int *ret_width,
                             int *ret_height);

/* Impression number `impression` (0, 1, ...) of the finger: the master seen
 * through a slightly different placement (a few degrees of rotation, up to
 * about a millimetre of translation), pressure and sensor noise each time.
 * Returns width * height grey bytes (row-major, background near white),
 * owned by the caller (g_free; they are biometric-like, wipe if you care). */
guint8 *fpsynth_finger_impress(const FpSynthFinger *finger, int impression);

/* Impression number `impression` as a dry finger laid on lightly leaves it:
 * faint, broken ridges over part of the fingertip. capture/fpquality.c
 * scores it poor (below FPQUALITY_GOOD_SCORE). Same ownership as above. */
guint8 *fpsynth_finger_impress_poor(const FpSynthFinger *finger,
                                    int impression);

/* Convenience: one impression without keeping the master. */
guint8 *fpsynth_generate(guint64 person_seed, int finger, int impression,
                         int width, int height);

/* Hashes free text (a configuration "seed" option, an appointment id) to a
 * person seed. Digits-only strings are taken as their number. */
guint64 fpsynth_seed_from_string(const char *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(FpSynthFinger, fpsynth_finger_free)
