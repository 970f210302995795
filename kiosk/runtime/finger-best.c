/* Best of three for one finger (see finger-best.h). */
#include "finger-best.h"

#include <string.h>

struct FingerBest {
  int finger;
  int taken; /* impressions added so far, dropped ones included */
  int n;
  FingerOutcome held[FPSELECT_MAX];
  int numbers[FPSELECT_MAX]; /* each held one's number, 1-based */
  FpSelection selection;
  gboolean picked;
};

FingerBest *finger_best_new(int finger)
{
  FingerBest *best = g_new0(FingerBest, 1);

  best->finger = finger;
  best->selection.kept = -1;
  return best;
}

void finger_best_free(FingerBest *best)
{
  if (!best)
    return;
  for (int i = 0; i < best->n; i++)
    finger_outcome_clear(&best->held[i]); /* image_free() wipes */
  g_free(best);
}

int finger_best_finger(const FingerBest *best)
{
  return best->finger;
}

int finger_best_count(const FingerBest *best)
{
  return best->n;
}

int finger_best_acceptable(const FingerBest *best)
{
  int n = 0;

  for (int i = 0; i < best->n; i++)
    n += best->held[i].ok;
  return n;
}

gboolean finger_best_wants_more(const FingerBest *best, int attempts_left)
{
  return attempts_left > 0 && finger_best_acceptable(best) < FINGER_BEST_WANT;
}

/* The held one a new outcome may replace: the poorest (a poor verdict
 * before any good one, then the lowest quality). */
static int poorest(const FingerBest *best)
{
  int worst = 0;

  for (int i = 1; i < best->n; i++) {
    const FingerOutcome *a = &best->held[i], *w = &best->held[worst];
    if (a->ok < w->ok || (a->ok == w->ok && a->quality < w->quality))
      worst = i;
  }
  return worst;
}

int finger_best_add(FingerBest *best, FingerOutcome *outcome)
{
  int slot;

  g_return_val_if_fail(best && outcome, 0);
  if (!outcome->image)
    return 0;
  best->taken++;
  best->picked = FALSE;
  slot = best->n;
  if (slot == FPSELECT_MAX) {
    const FingerOutcome *w = &best->held[slot = poorest(best)];
    if (outcome->ok < w->ok ||
        (outcome->ok == w->ok && outcome->quality <= w->quality)) {
      finger_outcome_clear(outcome); /* the new one is the poorest */
      return best->taken;
    }
    finger_outcome_clear(&best->held[slot]);
  } else {
    best->n++;
  }
  best->held[slot] = *outcome;
  best->numbers[slot] = best->taken;
  memset(outcome, 0, sizeof *outcome);
  return best->taken;
}

/* The held images as the reader's impressions (pixels copied, wiped when
 * freed with the array). */
static GPtrArray *impressions_of(const FingerBest *best)
{
  GPtrArray *imps =
      g_ptr_array_new_with_free_func((GDestroyNotify)fp_impression_free);

  for (int i = 0; i < best->n; i++) {
    const BkImage *img = best->held[i].image;
    FpImpression *imp = g_new0(FpImpression, 1);
    guint8 *px = g_malloc((gsize)img->width * img->height);

    for (int y = 0; y < img->height; y++)
      memcpy(px + (gsize)y * img->width, img->pixels + (gsize)y * img->stride,
             (gsize)img->width);
    imp->width = img->width;
    imp->height = img->height;
    imp->ppi = best->held[i].ppi;
    imp->pixels = g_bytes_new_take(px, (gsize)img->width * img->height);
    imp->minutiae = best->held[i].minutiae;
    imp->finger = (ReaderFinger)best->finger;
    g_ptr_array_add(imps, imp);
  }
  return imps;
}

gboolean finger_best_pick(FingerBest *best, BkFpReader *reader, GError **error)
{
  FpSelectInput in[FPSELECT_MAX];
  int scores[FPSELECT_MAX * FPSELECT_MAX];
  gboolean ok = TRUE;

  g_return_val_if_fail(best, FALSE);
  for (int i = 0; i < FPSELECT_MAX * FPSELECT_MAX; i++)
    scores[i] = -1;
  for (int i = 0; i < best->n; i++)
    in[i] = (FpSelectInput){best->held[i].quality, best->held[i].ok,
                            best->numbers[i]};
  /* Comparing needs two acceptable impressions to say anything. */
  if (reader && finger_best_acceptable(best) >= 2) {
    g_autoptr(GPtrArray) imps = impressions_of(best);
    ok = fpreader_compare(reader, (FpImpression *const *)imps->pdata, best->n,
                          scores, error);
    if (!ok)
      for (int i = 0; i < FPSELECT_MAX * FPSELECT_MAX; i++)
        scores[i] = -1;
  }
  best->selection.kept = -1;
  if (best->n > 0)
    fpselect_choose(in, best->n, scores, &best->selection);
  best->picked = TRUE;
  return ok;
}

const FpSelection *finger_best_selection(const FingerBest *best)
{
  return &best->selection;
}

gboolean finger_best_take_kept(FingerBest *best, FingerOutcome *ret)
{
  int k = best->selection.kept;

  g_return_val_if_fail(best && ret, FALSE);
  if (!best->picked || k < 0 || !best->held[k].image)
    return FALSE;
  *ret = best->held[k];
  memset(&best->held[k], 0, sizeof best->held[k]);
  ret->impression = best->numbers[k];
  ret->impressions = best->taken;
  g_free(ret->selection);
  ret->selection = g_strdup(best->selection.why);
  return TRUE;
}
