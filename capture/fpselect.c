/* Best of three (see fpselect.h for the rule). */
#include "fpselect.h"

#include <stdio.h>
#include <string.h>

#define AGREE_SCORE 50 /* a match score from here on counts as a match */

/* The match term of candidate i: the mean over the other candidates of
 * their pair's known scores. */
static void match_term(const FpSelectInput *in, int n, const int *scores, int i,
                       FpSelection *ret)
{
  double sum = 0;
  int known = 0;

  ret->match[i] = -1;
  for (int j = 0; scores && j < n; j++) {
    int pair[2] = {scores[i * n + j], scores[j * n + i]};
    double s = 0;
    int k = 0;

    if (j == i || !in[j].acceptable)
      continue;
    for (int d = 0; d < 2; d++)
      if (pair[d] >= 0) {
        s += CLAMP(pair[d], 0, 100);
        k++;
      }
    if (k == 0)
      continue;
    ret->compared[i]++;
    if (s / k >= AGREE_SCORE)
      ret->agreed[i]++;
    sum += s / k;
    known++;
  }
  if (known > 0) {
    ret->match[i] = sum / known;
    ret->matched = TRUE;
  }
}

/* Is candidate a better than b (b may be -1)? */
static gboolean better(const FpSelectInput *in, const FpSelection *s, int a,
                       int b)
{
  if (b < 0)
    return TRUE;
  if (s->combined[a] != s->combined[b])
    return s->combined[a] > s->combined[b];
  return in[a].quality > in[b].quality; /* else the earlier stays */
}

static int number_of(const FpSelectInput *in, int i)
{
  return in[i].number > 0 ? in[i].number : i + 1;
}

/* The one line: the kept one first, then the others. */
static void explain(const FpSelectInput *in, FpSelection *s)
{
  GString *why = g_string_new(NULL);

  if (s->kept < 0)
    g_string_append_printf(why,
                           "none of %d impressions had acceptable "
                           "quality",
                           s->n);
  else
    g_string_append_printf(why, "impression %d kept (of %d), best %s",
                           number_of(in, s->kept), s->n,
                           s->matched ? "quality and match" : "quality");
  for (int i = 0; i < s->n; i++) {
    g_string_append_printf(why, "; %d: quality %d", number_of(in, i),
                           in[i].quality);
    if (!in[i].acceptable)
      g_string_append(why, " (poor)");
    else if (s->match[i] >= 0)
      g_string_append_printf(why, ", matched %d of %d, score %.1f",
                             s->agreed[i], s->compared[i], s->combined[i]);
  }
  g_strlcpy(s->why, why->str, sizeof s->why);
  g_string_free(why, TRUE);
}

int fpselect_choose(const FpSelectInput *in, int n, const int *scores,
                    FpSelection *ret)
{
  g_return_val_if_fail(ret, -1);
  memset(ret, 0, sizeof *ret);
  ret->kept = -1;
  if (!in || n < 1 || n > FPSELECT_MAX) {
    g_strlcpy(ret->why, "no impressions to choose from", sizeof ret->why);
    return -1;
  }
  ret->n = n;
  for (int i = 0; i < n; i++)
    if (in[i].acceptable)
      match_term(in, n, scores, i, ret);
    else
      ret->match[i] = -1;
  for (int i = 0; i < n; i++) {
    ret->combined[i] = -1;
    if (!in[i].acceptable)
      continue;
    /* A candidate compared with nobody while others were counts 0. */
    ret->combined[i] = ret->matched
                           ? FPSELECT_QUALITY_WEIGHT * in[i].quality +
                                 FPSELECT_MATCH_WEIGHT * MAX(ret->match[i], 0.0)
                           : in[i].quality;
    if (better(in, ret, i, ret->kept))
      ret->kept = i;
  }
  explain(in, ret);
  return ret->kept;
}
