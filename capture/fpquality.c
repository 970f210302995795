/* Fingerprint image quality (see fpquality.h). Per block: grey standard
 * deviation (is it finger, and is there ridge/valley contrast), the
 * coherence of the gradient structure tensor (one clear ridge direction,
 * which noise and smudges lack; 0.6 already is a clean real print, noise is
 * near 0.1) and the ridge period measured across that direction (4..15 px:
 * 500 ppi prints and slightly reduced ones; noise has no such rhythm). */
#include "fpquality.h"

#include <math.h>
#include <stdlib.h>

#define FG_MIN_STD    12.0  /* below: background or a featureless smear */
#define FG_MAX_MEAN   235.0 /* above: (nearly) white, i.e. no skin */
#define FULL_CONTRAST 30.0
#define COH_NONE      0.15 /* noise sits below this */
#define COH_FULL      0.60 /* real ridges rarely do better in 16 px blocks */
#define MIN_AREA      0.30 /* this much usable finger scores full area */
#define PERIOD_MIN    4.0
#define PERIOD_MAX    15.0
#define PROFILE_LEN   32

const char *fpquality_verdict_to_string(FpQualityVerdict verdict)
{
  return verdict == FPQUALITY_GOOD ? "good" : "poor";
}

static double px_at(const BkImage *img, double x, double y)
{
  int ix = CLAMP((int)lround(x), 0, img->width - 1);
  int iy = CLAMP((int)lround(y), 0, img->height - 1);
  return *image_pixel(img, ix, iy);
}

/* Ridge period around (cx, cy) across ridges of direction `theta`: count
 * sign changes of the mean-removed grey profile along the normal, averaged
 * over three parallel lines. Returns 0 when there is no rhythm. */
static double block_period(const BkImage *img, double cx, double cy,
                           double theta)
{
  double nx = -sin(theta), ny = cos(theta), tx = cos(theta), ty = sin(theta);
  double prof[PROFILE_LEN], mean = 0;
  int crossings = 0, first = -1, last = -1;

  for (int i = 0; i < PROFILE_LEN; i++) {
    double s = i - PROFILE_LEN / 2.0, v = 0;
    for (int k = -1; k <= 1; k++)
      v += px_at(img, cx + s * nx + 3 * k * tx, cy + s * ny + 3 * k * ty);
    prof[i] = v / 3;
    mean += prof[i];
  }
  mean /= PROFILE_LEN;
  for (int i = 1; i < PROFILE_LEN; i++)
    if ((prof[i - 1] - mean) * (prof[i] - mean) < 0) {
      crossings++;
      if (first < 0)
        first = i;
      last = i;
    }
  if (crossings < 2)
    return 0;
  /* Two sign changes per period, measured between the first and last. */
  return 2.0 * (last - first) / (crossings - 1);
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Grey level and gradient structure tensor of one block. */
typedef struct {
  double mean, std;
  double gxx, gyy, gxy;
} BlockMoments;

/* The block whose top-left pixel is (x0, y0); its one-pixel surround must
 * be inside the image (central differences). */
static BlockMoments block_moments(const BkImage *img, int x0, int y0)
{
  double sum = 0, sumsq = 0;
  BlockMoments m = {0};
  int n = FPQUALITY_BLOCK * FPQUALITY_BLOCK;

  for (int y = y0; y < y0 + FPQUALITY_BLOCK; y++) {
    for (int x = x0; x < x0 + FPQUALITY_BLOCK; x++) {
      double v = *image_pixel(img, x, y);
      double gx =
          (double)*image_pixel(img, x + 1, y) - *image_pixel(img, x - 1, y);
      double gy =
          (double)*image_pixel(img, x, y + 1) - *image_pixel(img, x, y - 1);
      sum += v;
      sumsq += v * v;
      m.gxx += gx * gx;
      m.gyy += gy * gy;
      m.gxy += gx * gy;
    }
  }
  m.mean = sum / n;
  m.std = sqrt(MAX(0.0, sumsq / n - m.mean * m.mean));
  return m;
}

/* The sums over the finger's blocks. */
typedef struct {
  int fg; /* foreground blocks */
  double qsum, cohsum, stdsum;
  double *periods; /* plausible ridge periods, one per block at most */
  int n_periods;
} BlockTally;

/* Adds the block at (x0, y0) to `t` when it is finger. */
static void assess_block(const BkImage *img, int x0, int y0, BlockTally *t)
{
  BlockMoments m = block_moments(img, x0, y0);
  double coh, theta, period, bq;

  if (m.std < FG_MIN_STD || m.mean > FG_MAX_MEAN)
    return;
  t->fg++;
  coh = m.gxx + m.gyy > 0
            ? sqrt((m.gxx - m.gyy) * (m.gxx - m.gyy) + 4 * m.gxy * m.gxy) /
                  (m.gxx + m.gyy)
            : 0;
  /* Ridges run perpendicular to the dominant gradient. */
  theta = 0.5 * atan2(2 * m.gxy, m.gxx - m.gyy) + G_PI / 2;
  period = block_period(img, x0 + FPQUALITY_BLOCK / 2.0,
                        y0 + FPQUALITY_BLOCK / 2.0, theta);
  bq = CLAMP((coh - COH_NONE) / (COH_FULL - COH_NONE), 0.0, 1.0) *
       MIN(1.0, m.std / FULL_CONTRAST);
  if (period >= PERIOD_MIN && period <= PERIOD_MAX)
    t->periods[t->n_periods++] = period;
  else
    bq *= 0.3;
  t->qsum += bq;
  t->cohsum += coh;
  t->stdsum += m.std;
}

/* The means over the finger and the score; q->blocks must be set. */
static void tally_finish(BlockTally *t, FpQuality *q)
{
  double area, mean_q;

  if (t->fg == 0)
    return;
  area = (double)t->fg / q->blocks;
  mean_q = t->qsum / t->fg;
  q->foreground = area;
  q->coherence = t->cohsum / t->fg;
  q->contrast = t->stdsum / t->fg;
  if (t->n_periods > 0) {
    qsort(t->periods, t->n_periods, sizeof(double), cmp_double);
    q->period = t->periods[t->n_periods / 2];
  }
  q->score = (int)lround(
      CLAMP(100.0 * mean_q * MIN(1.0, area / MIN_AREA), 0.0, 100.0));
}

FpQualityVerdict fpquality_assess(const BkImage *image, FpQuality *ret_quality)
{
  g_autoptr(BkImage) grey = NULL;
  const BkImage *img = image;
  FpQuality q = {0};
  BlockTally tally = {0};
  g_autofree double *periods = NULL;
  int bw, bh;

  g_return_val_if_fail(image && ret_quality, FPQUALITY_POOR);
  if (image->channels != 1) {
    grey = image_convert(image, 1);
    img = grey;
  }
  bw = (img->width - 2) / FPQUALITY_BLOCK;
  bh = (img->height - 2) / FPQUALITY_BLOCK;
  if (bw < 3 || bh < 3) {
    q.verdict = FPQUALITY_POOR;
    *ret_quality = q;
    return q.verdict;
  }
  periods = g_new(double, (gsize)bw *bh);
  tally.periods = periods;
  q.blocks = bw * bh;
  for (int by = 0; by < bh; by++)
    for (int bx = 0; bx < bw; bx++)
      assess_block(img, 1 + bx * FPQUALITY_BLOCK, 1 + by * FPQUALITY_BLOCK,
                   &tally);
  tally_finish(&tally, &q);
  q.verdict = q.score >= FPQUALITY_GOOD_SCORE ? FPQUALITY_GOOD : FPQUALITY_POOR;
  *ret_quality = q;
  return q.verdict;
}
