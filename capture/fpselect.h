/* Best of three: which of up to FPSELECT_MAX impressions of one finger the
 * record keeps. Pure: the caller measures quality (fpquality.h) and has
 * the reader library compare the impressions (drivers/fpreader.h,
 * fpreader_compare()); this only decides, and says why.
 *
 * The rule (docs/fingerprints.md): only impressions of acceptable quality
 * are candidates. Each candidate's match term is the mean of its match
 * scores (0..100) with the other candidates, both directions where both
 * are known. Its combined score is
 *     FPSELECT_QUALITY_WEIGHT * quality + FPSELECT_MATCH_WEIGHT * match
 * when any match score is known, and its quality alone otherwise (a
 * reader that cannot compare stored impressions, or a single candidate).
 * The highest combined score is kept; ties go to the higher quality, then
 * to the earlier impression. */
#pragma once

#include <glib.h>

#define FPSELECT_MAX            3
#define FPSELECT_QUALITY_WEIGHT 0.5
#define FPSELECT_MATCH_WEIGHT   0.5

typedef struct {
  int quality;         /* 0..100 (fpquality score) */
  gboolean acceptable; /* the quality verdict was good */
  int number; /* the impression's number in `why` (1-based); 0: its index
                 + 1 */
} FpSelectInput;

typedef struct {
  int n;            /* impressions considered */
  int kept;         /* index of the kept one, -1 when none was acceptable */
  gboolean matched; /* any match score was known */
  double combined[FPSELECT_MAX]; /* -1 for an impression not a candidate */
  double match[FPSELECT_MAX];    /* mean match 0..100, -1 unknown */
  int agreed[FPSELECT_MAX];      /* other candidates it matched (>= 50) */
  int compared[FPSELECT_MAX];    /* other candidates compared with */
  char why[320]; /* one line: which was kept and why, every figure */
} FpSelection;

/* Chooses among `n` (1..FPSELECT_MAX) impressions. `scores` is n * n:
 * scores[i * n + j] how well impression j matched a print enrolled from
 * impression i (0..100), -1 when not compared; NULL when nothing was.
 * Returns ret->kept. */
int fpselect_choose(const FpSelectInput *inputs, int n, const int *scores,
                    FpSelection *ret);
