/* Fingerprint image quality, computed by us from the grey pixels in the
 * spirit of NFIQ: per 16x16 block, is there finger (contrast), do the
 * ridges flow in one direction (gradient coherence) and repeat at a
 * fingerprint-like period; the score combines block quality with the area
 * of usable finger (formula in docs/fingerprints.md). A poor print is a
 * result (verdict), never an error. */
#pragma once

#include "image.h"

typedef enum {
  FPQUALITY_GOOD,
  FPQUALITY_POOR,
} FpQualityVerdict;

typedef struct {
  int score;                /* 0 (unusable) .. 100 (excellent) */
  FpQualityVerdict verdict; /* GOOD when score >= FPQUALITY_GOOD_SCORE */
  double foreground;        /* fraction of blocks holding finger, 0..1 */
  double coherence;         /* mean ridge-flow coherence on finger, 0..1 */
  double contrast;          /* mean ridge/valley grey std on finger */
  double period;            /* median ridge period on finger, px (0 if none) */
  int blocks;               /* blocks examined */
} FpQuality;

#define FPQUALITY_GOOD_SCORE 40
#define FPQUALITY_BLOCK      16

/* Judges a 1-channel image of ridges dark on light (e.g. 500 ppi). Images of
 * other channel counts are converted to grey first. Fills `ret_quality` and
 * returns its verdict. Images smaller than 3 x 3 blocks score 0. */
FpQualityVerdict fpquality_assess(const BkImage *image, FpQuality *ret_quality);

/* "good" / "poor". */
const char *fpquality_verdict_to_string(FpQualityVerdict verdict);
