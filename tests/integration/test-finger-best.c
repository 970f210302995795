/* Best of three (issue 12, item 1): the rule of capture/fpselect.c on
 * made-up figures, then three impressions through the real libfprint's
 * virtual_image driver (fed by fpsynth, compared with libfprint's own
 * enrol/verify, NBIS bozorth3): with one poor impression the better good
 * one is kept, and a well-printed wrong finger loses to two that match
 * each other. Also through the reader worker's JOB_FINGER_PICK. */
#include "finger-best.h"
#include "fpquality.h"
#include "fpreader.h"
#include "fpselect.h"
#include "fpsynth.h"
#include "jobs.h"
#include "testlib.h"

#include <string.h>

#define W 300
#define H 400

/* ---- the rule ---- */

static void test_rule_quality_only(void)
{
  const FpSelectInput in[] = {{60, TRUE}, {75, TRUE}, {20, FALSE}};
  FpSelection s;

  g_assert_cmpint(fpselect_choose(in, 3, NULL, &s), ==, 1);
  g_assert_false(s.matched);
  g_assert_cmpfloat(s.combined[1], ==, 75);
  g_assert_cmpfloat(s.combined[2], ==, -1);
  g_assert_nonnull(strstr(s.why, "impression 2 kept (of 3), best quality"));
  g_assert_nonnull(strstr(s.why, "3: quality 20 (poor)"));
}

static void test_rule_match_decides(void)
{
  /* 0 and 1 match each other; 2 prints best but matches nobody. */
  const FpSelectInput in[] = {{55, TRUE}, {60, TRUE}, {90, TRUE}};
  const int scores[] = {-1, 100, 0, 100, -1, 0, 0, 0, -1};
  FpSelection s;

  g_assert_cmpint(fpselect_choose(in, 3, scores, &s), ==, 1);
  g_assert_true(s.matched);
  g_assert_cmpfloat(s.combined[1], ==, 0.5 * 60 + 0.5 * 50);
  g_assert_cmpfloat(s.combined[2], ==, 0.5 * 90);
  g_assert_cmpint(s.agreed[1], ==, 1);
  g_assert_cmpint(s.compared[1], ==, 2);
  g_assert_nonnull(strstr(s.why, "quality and match"));
}

static void test_rule_none_and_ties(void)
{
  const FpSelectInput poor[] = {{10, FALSE}, {30, FALSE}};
  const FpSelectInput tie[] = {{50, TRUE}, {50, TRUE}};
  const FpSelectInput one[] = {{45, TRUE}};
  const FpSelectInput numbered[] = {
      {60, TRUE, 1}, {70, TRUE, 3}, {80, TRUE, 4}};
  FpSelection s;

  g_assert_cmpint(fpselect_choose(poor, 2, NULL, &s), ==, -1);
  g_assert_nonnull(strstr(s.why, "none of 2"));
  g_assert_cmpint(fpselect_choose(tie, 2, NULL, &s), ==, 0);
  g_assert_cmpint(fpselect_choose(one, 1, NULL, &s), ==, 0);
  g_assert_cmpint(fpselect_choose(one, 0, NULL, &s), ==, -1);
  /* Impressions named by the numbers they were taken with. */
  g_assert_cmpint(fpselect_choose(numbered, 3, NULL, &s), ==, 2);
  g_assert_nonnull(strstr(s.why, "impression 4 kept (of 3)"));
  g_assert_nonnull(strstr(s.why, "; 1: quality 60; 3: quality 70"));
}

/* ---- through libfprint ---- */

static GHashTable *feed_options(void)
{
  GHashTable *opts = g_hash_table_new(g_str_hash, g_str_equal);

  g_hash_table_insert(opts, "virtual_image_feed", "synthetic");
  g_hash_table_insert(opts, "seed", "best-of-three");
  return opts;
}

/* An outcome as the reader worker makes one, from raw pixels. */
static void outcome_of(int finger, guint8 *pixels, FingerOutcome *ret)
{
  g_autoptr(GError) error = NULL;

  g_assert_true(steps_finger(finger, W, H, 500,
                             g_bytes_new_take(pixels, (gsize)W * H), -1, ret,
                             &error));
  g_assert_no_error(error);
}

static void capture_outcome(BkFpReader *reader, FingerOutcome *ret)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(FpImpression) imp =
      fpreader_capture(reader, READER_FINGER_RIGHT_INDEX, 20000, NULL, &error);

  g_assert_no_error(error);
  g_assert_true(steps_finger(2, imp->width, imp->height, imp->ppi,
                             g_steal_pointer(&imp->pixels), imp->minutiae, ret,
                             &error));
}

/* The second impression of each finger comes out faint and partial (the
 * feed's poor_impressions), through libfprint like the others. */
static void test_one_poor(void)
{
  g_autoptr(GHashTable) opts = feed_options();
  g_autoptr(GError) error = NULL;
  g_autoptr(BkFpReader) reader = NULL;
  g_autoptr(FingerBest) best = finger_best_new(2);
  FingerOutcome o = {0}, kept = {0};
  int q[3], expected;
  const FpSelection *s;

  g_hash_table_insert(opts, "poor_impressions", "1");
  reader = fpreader_open("libfprint", opts, &error);
  g_assert_no_error(error);
  fpreader_set_subject(reader, "person-a");
  capture_outcome(reader, &o);
  q[0] = o.quality;
  g_assert_true(o.ok);
  g_assert_cmpint(finger_best_add(best, &o), ==, 1);
  g_assert_null(o.image); /* taken */

  /* The second lands lightly: faint and partial, poor quality. */
  capture_outcome(reader, &o);
  q[1] = o.quality;
  g_assert_false(o.ok);
  g_assert_cmpint(finger_best_add(best, &o), ==, 2);
  g_assert_true(finger_best_wants_more(best, 1));

  capture_outcome(reader, &o);
  q[2] = o.quality;
  g_assert_true(o.ok);
  g_assert_cmpint(finger_best_add(best, &o), ==, 3);
  g_assert_cmpint(finger_best_acceptable(best), ==, 2);

  g_assert_true(finger_best_pick(best, reader, &error));
  g_assert_no_error(error);
  s = finger_best_selection(best);
  g_test_message("qualities %d %d %d: %s", q[0], q[1], q[2], s->why);
  /* The two good ones match each other (bozorth3 through verify), so
   * quality decides between them; the poor one is never kept. */
  g_assert_true(s->matched);
  g_assert_cmpint(s->agreed[0], ==, 1);
  g_assert_cmpint(s->agreed[2], ==, 1);
  expected = q[2] > q[0] ? 2 : 0;
  g_assert_cmpint(s->kept, ==, expected);
  g_assert_true(finger_best_take_kept(best, &kept));
  g_assert_cmpint(kept.impression, ==, expected + 1);
  g_assert_cmpint(kept.impressions, ==, 3);
  g_assert_cmpint(kept.quality, ==, q[expected]);
  g_assert_nonnull(strstr(kept.selection, "kept"));
  g_assert_false(finger_best_take_kept(best, &o));
  finger_outcome_clear(&kept);
}

/* A well-printed wrong finger (the applicant put the middle one) loses to
 * two impressions that match each other. */
static void test_wrong_finger(void)
{
  g_autoptr(GHashTable) opts = feed_options();
  g_autoptr(GError) error = NULL;
  g_autoptr(BkFpReader) reader = fpreader_open("libfprint", opts, &error);
  g_autoptr(FingerBest) best = finger_best_new(2);
  FingerOutcome o = {0};
  const FpSelection *s;

  g_assert_no_error(error);
  fpreader_set_subject(reader, "person-b");
  capture_outcome(reader, &o);
  finger_best_add(best, &o);
  outcome_of(2, fpsynth_generate(fpsynth_seed_from_string("other"), 3, 0, W, H),
             &o);
  g_assert_true(o.ok);
  finger_best_add(best, &o);
  capture_outcome(reader, &o);
  finger_best_add(best, &o);
  g_assert_true(finger_best_pick(best, reader, &error));
  s = finger_best_selection(best);
  g_test_message("%s", s->why);
  g_assert_cmpint(s->agreed[1], ==, 0);
  g_assert_cmpint(s->agreed[0], ==, 1);
  g_assert_cmpint(s->kept, !=, 1);
}

/* The sim reader has no matcher: quality alone, said so. */
static void test_poor_option(void)
{
  g_autoptr(GHashTable) opts = feed_options();
  g_autoptr(GError) error = NULL;

  g_hash_table_insert(opts, "poor_impressions", "1,x");
  g_assert_null(fpreader_open("libfprint", opts, &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID);
}

static void test_sim_quality_alone(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BkFpReader) reader = fpreader_open("sim", NULL, &error);
  g_autoptr(FingerBest) best = finger_best_new(7);
  FingerOutcome o = {0};

  g_assert_no_error(error);
  for (int i = 0; i < 4; i++) {
    g_autoptr(FpImpression) imp =
        fpreader_capture(reader, READER_FINGER_LEFT_INDEX, 0, NULL, &error);
    g_assert_true(steps_finger(7, imp->width, imp->height, imp->ppi,
                               g_steal_pointer(&imp->pixels), -1, &o, &error));
    g_assert_cmpint(finger_best_add(best, &o), ==, i + 1);
  }
  /* Four taken, three held; none wanted more. */
  g_assert_cmpint(finger_best_count(best), ==, 3);
  g_assert_false(finger_best_wants_more(best, 5));
  g_assert_true(finger_best_pick(best, reader, &error));
  g_assert_false(finger_best_selection(best)->matched);
  g_assert_nonnull(strstr(finger_best_selection(best)->why, "best quality"));
  g_assert_nonnull(strstr(finger_best_selection(best)->why, "(of 3)"));
}

int main(int argc, char **argv)
{
  g_autoptr(GHashTable) opts = feed_options();
  g_autoptr(GError) error = NULL;

  g_test_init(&argc, &argv, NULL);
  /* As the kiosk does: before any thread starts. */
  if (!fpreader_prepare("libfprint", opts, &error))
    g_error("fpreader_prepare: %s", error->message);
  g_test_add_func("/finger-best/rule/quality-only", test_rule_quality_only);
  g_test_add_func("/finger-best/rule/match-decides", test_rule_match_decides);
  g_test_add_func("/finger-best/rule/none-and-ties", test_rule_none_and_ties);
  g_test_add_func("/finger-best/libfprint/one-poor", test_one_poor);
  g_test_add_func("/finger-best/libfprint/wrong-finger", test_wrong_finger);
  g_test_add_func("/finger-best/libfprint/poor-option", test_poor_option);
  g_test_add_func("/finger-best/sim/quality-alone", test_sim_quality_alone);
  return g_test_run();
}
