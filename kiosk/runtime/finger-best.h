/* Best of three for one finger: the impressions taken so far and, once
 * asked, the one kept (capture/fpselect.h has the rule; docs/
 * fingerprints.md explains it). For the session's finger flow:
 *
 *   main thread, per finger:   best = finger_best_new(finger);
 *   after each JOB_FINGER:     n = finger_best_add(best, &r->finger);
 *                              ("impression n taken"; takes the outcome)
 *   another one?               finger_best_wants_more(best, attempts_left)
 *   "pick best":               job = job_new(JOB_FINGER);
 *                              job->best = best; (the job owns it now)
 *                              push to the reader worker, which runs
 *                              finger_best_pick() with its open reader
 *                              instead of capturing
 *   back on the main thread:   a JOB_FINGER result with r->best set
 *                              (ownership back with the result);
 *                              finger_best_selection(best)->kept, ->why;
 *                              kept = finger_best_take_kept(best) is the
 *                              FingerOutcome for the record (it carries
 *                              impression, impressions and selection).
 *
 * Not thread-safe: one thread at a time, handed over with the job. */
#pragma once

#include <glib.h>

#include "fpreader.h"
#include "fpselect.h"
#include "steps.h"

/* Impressions of acceptable quality the session wants per finger. */
#define FINGER_BEST_WANT FPSELECT_MAX

typedef struct FingerBest FingerBest;

FingerBest *finger_best_new(int finger);
void finger_best_free(FingerBest *best); /* accepts NULL; wipes pixels */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FingerBest, finger_best_free)

int finger_best_finger(const FingerBest *best);

/* Takes `outcome` (it is left cleared) as the next impression and returns
 * its number, 1-based. A poor one is kept too (it is shown, and counted by
 * the choice as not acceptable); once FPSELECT_MAX are held, the poorest
 * one makes room. Returns 0 for an outcome without an image. */
int finger_best_add(FingerBest *best, FingerOutcome *outcome);

int finger_best_count(const FingerBest *best);      /* held */
int finger_best_acceptable(const FingerBest *best); /* good quality */

/* Should the session take another impression? Yes while fewer than
 * FINGER_BEST_WANT acceptable ones are held and `attempts_left` > 0. */
gboolean finger_best_wants_more(const FingerBest *best, int attempts_left);

/* Compares the held impressions through `reader` (NULL, or a reader that
 * cannot compare stored ones: quality alone decides) and chooses. Runs on
 * the reader's worker thread. FALSE with the reader's error when the
 * comparison failed; the choice is then made on quality alone and still
 * available. */
gboolean finger_best_pick(FingerBest *best, BkFpReader *reader, GError **error);

/* After finger_best_pick(): the choice (kept -1 when none acceptable). */
const FpSelection *finger_best_selection(const FingerBest *best);

/* The kept impression, moved out (the caller owns and clears it); its
 * `impression`, `impressions` and `selection` say which and why. FALSE
 * when nothing was kept (or it was already taken). */
gboolean finger_best_take_kept(FingerBest *best, FingerOutcome *ret_outcome);
