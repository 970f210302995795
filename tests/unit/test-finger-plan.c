/* The substitution plan ([fingerprint] plan) and the finger exceptions'
 * reason codes: the default plan (index, thumb, middle, ring of the same
 * hand), every way a plan is refused (unknown finger, little finger, a
 * finger twice, too many), and the configuration refusing such a plan with
 * one line that does not quote it. */
#include <string.h>

#include "config.h"
#include "finger-plan.h"
#include "settings.h"
#include "testlib.h"

static void test_default_plan(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskConfig) config = config_load(NULL, &error);
  FingerPlan plan;
  char *problem = NULL;

  g_assert_no_error(error);
  g_assert_cmpstr(config->fingerprint_plan, ==, FINGER_PLAN_DEFAULT);
  g_assert_true(finger_plan_parse(config->fingerprint_plan, &plan, &problem));
  g_assert_null(problem);
  g_assert_cmpint(plan.n_slots, ==, 2);
  g_assert_cmpint(plan.slots[0].finger, ==, FINGER_RIGHT_INDEX);
  g_assert_cmpint(plan.slots[0].n_substitutes, ==, 3);
  g_assert_cmpint(plan.slots[0].substitutes[0], ==, FINGER_RIGHT_THUMB);
  g_assert_cmpint(plan.slots[0].substitutes[1], ==, FINGER_RIGHT_MIDDLE);
  g_assert_cmpint(plan.slots[0].substitutes[2], ==, FINGER_RIGHT_RING);
  g_assert_cmpint(plan.slots[1].finger, ==, FINGER_LEFT_INDEX);
  g_assert_cmpint(plan.slots[1].substitutes[0], ==, FINGER_LEFT_THUMB);
  g_assert_cmpint(plan.slots[1].substitutes[2], ==, FINGER_LEFT_RING);
  /* Walking the slot: index, thumb, middle, ring, then nothing. */
  g_assert_cmpint(finger_plan_next(&plan.slots[0], FINGER_RIGHT_INDEX), ==,
                  FINGER_RIGHT_THUMB);
  g_assert_cmpint(finger_plan_next(&plan.slots[0], FINGER_RIGHT_MIDDLE), ==,
                  FINGER_RIGHT_RING);
  g_assert_cmpint(finger_plan_next(&plan.slots[0], FINGER_RIGHT_RING), ==,
                  FINGER_UNKNOWN);
  g_assert_cmpint(finger_plan_next(&plan.slots[0], FINGER_LEFT_THUMB), ==,
                  FINGER_UNKNOWN);
}

/* Spaces are allowed, a finger may have no substitutes, one finger is a
 * plan. */
static void test_other_plans(void)
{
  FingerPlan plan;

  g_assert_true(finger_plan_parse(" left_index : left_middle , left_thumb ;",
                                  &plan, NULL));
  g_assert_cmpint(plan.n_slots, ==, 1);
  g_assert_cmpint(plan.slots[0].finger, ==, FINGER_LEFT_INDEX);
  g_assert_cmpint(plan.slots[0].substitutes[0], ==, FINGER_LEFT_MIDDLE);
  g_assert_cmpint(plan.slots[0].substitutes[1], ==, FINGER_LEFT_THUMB);
  g_assert_true(finger_plan_parse("right_thumb;left_thumb:", &plan, NULL));
  g_assert_cmpint(plan.n_slots, ==, 2);
  g_assert_cmpint(plan.slots[0].n_substitutes, ==, 0);
  g_assert_cmpint(plan.slots[1].n_substitutes, ==, 0);
  g_assert_cmpint(finger_plan_next(&plan.slots[0], FINGER_RIGHT_THUMB), ==,
                  FINGER_UNKNOWN);
}

static void test_bad_plans(void)
{
  static const struct {
    const char *plan;
    const char *says;
  } cases[] = {
      {"", "at least one finger"},
      {";", "at least one finger"},
      {"right_index:right_thumb,right_pinky", "entry 1: a substitute is not"},
      {"right_index:right_thumb;left_index:left_little",
       "no little finger (entry 2"},
      {"right_little", "no little finger (entry 1: the finger"},
      {"right_index:right_thumb,right_thumb", "each finger once (entry 1"},
      {"right_index:right_thumb;left_index:right_thumb",
       "each finger once (entry 2"},
      {"right_index;right_index", "each finger once"},
      {"right_index;left_index;right_thumb", "at most 2 fingers"},
      {"right_index:right_thumb,right_middle,right_ring,left_thumb",
       "at most 3 substitutes"},
      {"2:1", "finger names"},
      {"right_index:right_thumb:right_middle", "finger names"},
      {"RIGHT_INDEX", "finger names"},
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    FingerPlan plan = {.n_slots = 99};
    char *problem = NULL;

    g_test_message("plan '%s'", cases[i].plan);
    g_assert_false(finger_plan_parse(cases[i].plan, &plan, &problem));
    g_assert_cmpint(plan.n_slots, ==, 99); /* not written */
    g_assert_nonnull(problem);
    g_test_message("  %s", problem);
    g_assert_nonnull(strstr(problem, cases[i].says));
    g_assert_null(strchr(problem, '\n'));
    g_free(problem);
    problem = finger_plan_check(cases[i].plan);
    g_assert_nonnull(problem);
    g_free(problem);
  }
  g_assert_null(finger_plan_check(FINGER_PLAN_DEFAULT));
}

/* The configuration refuses a bad plan from --set and from a file with
 * one line that names the key and does not quote the value. */
static void test_config_refuses(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskConfig) config = config_load(NULL, &error);

  g_assert_no_error(error);
  g_assert_true(config_override(
      config, "fingerprint.plan=left_index:left_thumb;right_index", &error));
  g_assert_no_error(error);
  g_assert_cmpstr(config->fingerprint_plan, ==,
                  "left_index:left_thumb;right_index");
  g_assert_false(config_override(
      config, "fingerprint.plan=right_index:right_little_finger", &error));
  g_assert_error(error, CONFIG_ERROR, CONFIG_ERROR_TYPE);
  g_assert_nonnull(strstr(error->message, "[fingerprint] plan: expected"));
  g_assert_null(strstr(error->message, "right_little_finger"));
  /* Left unchanged. */
  g_assert_cmpstr(config->fingerprint_plan, ==,
                  "left_index:left_thumb;right_index");
}

/* The kiosk refuses to start with such a plan: exit 2, one line. */
static void test_cli_refuses(void)
{
  const char *argv[] = {g_getenv("BK_BIOKIOSK"), "run", "--set",
                        "fingerprint.plan=right_index:right_little", NULL};
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_nonnull(argv[0]);
  g_assert_cmpint(testlib_spawn(argv, NULL, &out, &err), ==, 2);
  g_test_message("%s", err);
  g_assert_nonnull(
      strstr(err, "[fingerprint] plan: expected no little finger"));
  g_assert_true(g_str_has_suffix(err, "\n"));
  g_assert_null(memchr(err, '\n', strlen(err) - 1)); /* one line */
}

static void test_reasons(void)
{
  const char *const *t = finger_exception_reasons(FINGER_EXCEPTION_TEMPORARY);
  const char *const *p = finger_exception_reasons(FINGER_EXCEPTION_PERMANENT);

  g_assert_cmpuint(g_strv_length((char **)t), ==, 3);
  g_assert_cmpuint(g_strv_length((char **)p), ==, 3);
  g_assert_true(g_strv_contains(t, "bandage"));
  g_assert_true(g_strv_contains(t, "wet_or_dirty"));
  g_assert_true(g_strv_contains(t, "temporary_injury"));
  g_assert_true(g_strv_contains(p, "amputation"));
  g_assert_true(g_strv_contains(p, "permanent_injury"));
  g_assert_true(g_strv_contains(p, "congenital"));
  g_assert_true(finger_exception_reason(FINGER_EXCEPTION_PERMANENT,
                                        "amputation") == p[0]);
  g_assert_null(
      finger_exception_reason(FINGER_EXCEPTION_TEMPORARY, "amputation"));
  g_assert_null(finger_exception_reason(FINGER_EXCEPTION_PERMANENT, NULL));
  g_assert_cmpstr(finger_exception_kind_to_string(FINGER_EXCEPTION_PERMANENT),
                  ==, "permanent");
  g_assert_cmpstr(finger_exception_kind_to_string(FINGER_EXCEPTION_TEMPORARY),
                  ==, "temporary");
  g_assert_cmpstr(finger_exception_reason_label("congenital"), ==,
                  "from birth");
  g_assert_cmpstr(finger_exception_reason_label("no_such"), ==, "no_such");
}

static void test_finger_names(void)
{
  for (int f = FINGER_RIGHT_THUMB; f <= FINGER_LEFT_LITTLE; f++)
    g_assert_cmpint(finger_position_from_string(finger_position_to_string(f)),
                    ==, f);
  g_assert_cmpint(finger_position_from_string("unknown"), ==, FINGER_UNKNOWN);
  g_assert_cmpint(finger_position_from_string(NULL), ==, FINGER_UNKNOWN);
  g_assert_cmpint(finger_position_from_string("right index"), ==,
                  FINGER_UNKNOWN);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/finger-plan/default", test_default_plan);
  g_test_add_func("/finger-plan/other-plans", test_other_plans);
  g_test_add_func("/finger-plan/bad-plans", test_bad_plans);
  g_test_add_func("/finger-plan/config-refuses", test_config_refuses);
  g_test_add_func("/finger-plan/cli-refuses", test_cli_refuses);
  g_test_add_func("/finger-plan/reasons", test_reasons);
  g_test_add_func("/finger-plan/finger-names", test_finger_names);
  return g_test_run();
}
