/* kiosk/core/rules.c: every desk rule of docs/desk-rules.md (biometrics on
 * file, abroad and asylum for a first permit, children under one, signature and
 * fingerprint ages, the check-in window and location) and the wrong-code
 * limiter, with the clock passed in. */
#include <string.h>

#include "rules.h"
#include "settings.h"
#include "testlib.h"

static KioskConfig *config;
static GTimeZone *amsterdam;

static GDateTime *at(int year, int month, int day, int hour, int minute)
{
  return g_date_time_new(amsterdam, year, month, day, hour, minute, 0);
}

static Person person_born(const char *date_of_birth)
{
  Person person = {
      .name = (char *)"Test Person",
      .date_of_birth = (char *)date_of_birth,
      .document_type = (char *)"residence_permit",
      .prior = PRIOR_NONE,
      .first_permit = TRUE,
      .fingerprints = FP_POLICY_AGE,
  };
  return person;
}

static void test_age_years(void)
{
  g_autoptr(GDateTime) now = at(2026, 11, 27, 10, 0);

  g_assert_cmpint(rules_age_years("1990-05-01", now), ==, 36);
  g_assert_cmpint(rules_age_years("2016-11-27", now), ==, 10); /* birthday */
  g_assert_cmpint(rules_age_years("2016-11-28", now), ==, 9);  /* tomorrow */
  g_assert_cmpint(rules_age_years("2026-11-27", now), ==, 0);  /* born today */
  g_assert_cmpint(rules_age_years("2026-11-28", now), ==, -1); /* future */
}

static void test_age_invalid(void)
{
  static const char *const bad[] = {
      "",           "2020-02-30",    "2021-02-29", "2020-13-01",
      "2020-00-10", "2020-2-03",     "20-02-2020", "2020/02/03",
      "abcd-ef-gh", "2020-02-03T00", "0000-01-01", " 2020-02-03",
  };
  g_autoptr(GDateTime) now = at(2026, 11, 27, 10, 0);

  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_assert_cmpint(rules_age_years(bad[i], now), ==, -1);
    g_assert_cmpint(rules_age_months(bad[i], now), ==, -1);
  }
  g_assert_cmpint(rules_age_years(NULL, now), ==, -1);
}

/* Born on 29 February: one year older on 1 March in a common year, on 29
 * February in a leap year. */
static void test_age_leap_day(void)
{
  g_autoptr(GDateTime) feb28 = at(2027, 2, 28, 12, 0);
  g_autoptr(GDateTime) mar1 = at(2027, 3, 1, 0, 0);
  g_autoptr(GDateTime) leap28 = at(2028, 2, 28, 12, 0);
  g_autoptr(GDateTime) leap29 = at(2028, 2, 29, 0, 0);

  g_assert_cmpint(rules_age_years("2020-02-29", feb28), ==, 6);
  g_assert_cmpint(rules_age_years("2020-02-29", mar1), ==, 7);
  g_assert_cmpint(rules_age_years("2020-02-29", leap28), ==, 7);
  g_assert_cmpint(rules_age_years("2020-02-29", leap29), ==, 8);
}

static void test_age_months(void)
{
  g_autoptr(GDateTime) now = at(2026, 11, 27, 10, 0);
  g_autoptr(GDateTime) feb28 = at(2027, 2, 28, 10, 0);
  g_autoptr(GDateTime) mar1 = at(2027, 3, 1, 10, 0);

  g_assert_cmpint(rules_age_months("2025-11-27", now), ==, 12);
  g_assert_cmpint(rules_age_months("2025-11-28", now), ==, 11);
  g_assert_cmpint(rules_age_months("2026-10-27", now), ==, 1);
  g_assert_cmpint(rules_age_months("2026-10-28", now), ==, 0);
  /* Born 31 January: the first month completes on 1 March. */
  g_assert_cmpint(rules_age_months("2027-01-31", feb28), ==, 0);
  g_assert_cmpint(rules_age_months("2027-01-31", mar1), ==, 1);
}

/* The calendar day is the desk's (the time zone of `now`), not UTC's. */
static void test_age_uses_local_date(void)
{
  g_autoptr(GDateTime) local = at(2026, 11, 27, 0, 30); /* 23:30 UTC 26th */

  g_assert_cmpint(rules_age_years("2008-11-27", local), ==, 18);
}

static void test_person_on_file(void)
{
  g_autoptr(GDateTime) now = at(2026, 11, 27, 10, 0);
  Person person = person_born("1990-01-01");
  CapturePlan plan = {.photo = 7, .signature = 7, .fingerprints = 7};

  person.prior = PRIOR_ON_FILE;
  g_assert_cmpint(rules_person(config, &person, now, &plan), ==,
                  PERSON_SKIP_ON_FILE);
  /* Whatever the permit, and before the under-one rule. */
  person.first_permit = FALSE;
  g_assert_cmpint(rules_person(config, &person, now, &plan), ==,
                  PERSON_SKIP_ON_FILE);
  person.date_of_birth = (char *)"2026-06-01";
  g_assert_cmpint(rules_person(config, &person, now, &plan), ==,
                  PERSON_SKIP_ON_FILE);
  /* The plan is only written for a capture. */
  g_assert_cmpint(plan.photo, ==, 7);
}

static void test_person_abroad_and_asylum(void)
{
  g_autoptr(GDateTime) now = at(2026, 11, 27, 10, 0);
  Person person = person_born("1990-01-01");
  CapturePlan plan;

  person.prior = PRIOR_ABROAD;
  person.first_permit = TRUE;
  g_assert_cmpint(rules_person(config, &person, now, &plan), ==,
                  PERSON_SKIP_ABROAD);
  person.first_permit = FALSE;
  g_assert_cmpint(rules_person(config, &person, now, &plan), ==,
                  PERSON_CAPTURE);

  person.prior = PRIOR_ASYLUM;
  person.first_permit = TRUE;
  g_assert_cmpint(rules_person(config, &person, now, &plan), ==,
                  PERSON_SKIP_ASYLUM);
  person.first_permit = FALSE;
  g_assert_cmpint(rules_person(config, &person, now, &plan), ==,
                  PERSON_CAPTURE);

  /* first_permit alone changes nothing for someone without prior data. */
  person.prior = PRIOR_NONE;
  person.first_permit = TRUE;
  g_assert_cmpint(rules_person(config, &person, now, &plan), ==,
                  PERSON_CAPTURE);
}

static void test_person_under_one(void)
{
  g_autoptr(GDateTime) now = at(2026, 11, 27, 10, 0);
  Person baby = person_born("2026-03-14");
  Person one = person_born("2025-11-27");
  CapturePlan plan;

  g_assert_cmpint(rules_person(config, &baby, now, &plan), ==,
                  PERSON_SKIP_UNDER_ONE);
  g_assert_cmpint(rules_person(config, &one, now, &plan), ==, PERSON_CAPTURE);
  g_assert_true(plan.photo);
  g_assert_false(plan.signature);
  g_assert_false(plan.fingerprints);
}

static void test_plan_by_age(void)
{
  static const struct {
    const char *date_of_birth;
    gboolean signature, fingerprints;
  } cases[] = {
      {"2021-11-28", FALSE, FALSE}, /* 4 */
      {"2020-11-28", FALSE, FALSE}, /* 5, 6 tomorrow */
      {"2020-11-27", FALSE, TRUE},  /* 6 today */
      {"2016-11-27", FALSE, TRUE},  /* 10 */
      {"2014-11-28", FALSE, TRUE},  /* 11 */
      {"2014-11-27", TRUE, TRUE},   /* 12 */
      {"1980-02-29", TRUE, TRUE},   /* adult */
  };
  g_autoptr(GDateTime) now = at(2026, 11, 27, 10, 0);

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    Person person = person_born(cases[i].date_of_birth);
    CapturePlan plan = {0};

    g_assert_cmpint(rules_person(config, &person, now, &plan), ==,
                    PERSON_CAPTURE);
    g_assert_true(plan.photo);
    g_assert_cmpint(plan.signature, ==, cases[i].signature);
    g_assert_cmpint(plan.fingerprints, ==, cases[i].fingerprints);
  }
}

static void test_plan_fingerprint_policy(void)
{
  g_autoptr(GDateTime) now = at(2026, 11, 27, 10, 0);
  Person child = person_born("2023-05-05"); /* 3 */
  Person adult = person_born("1985-05-05");
  CapturePlan plan;

  child.fingerprints = FP_POLICY_REQUIRED;
  g_assert_cmpint(rules_person(config, &child, now, &plan), ==, PERSON_CAPTURE);
  g_assert_true(plan.fingerprints);
  adult.fingerprints = FP_POLICY_NONE;
  g_assert_cmpint(rules_person(config, &adult, now, &plan), ==, PERSON_CAPTURE);
  g_assert_false(plan.fingerprints);
  g_assert_true(plan.photo);
  g_assert_true(plan.signature);
}

/* The limits come from the configuration, not the code. */
static void test_limits_from_config(void)
{
  g_autoptr(KioskConfig) other = config_load(NULL, NULL);
  g_autoptr(GDateTime) now = at(2026, 11, 27, 10, 0);
  Person seven = person_born("2019-06-01");
  Person baby = person_born("2025-09-01"); /* 14 months */
  CapturePlan plan;

  g_assert_true(config_override(other, "policy.fingerprint_min_age=8", NULL));
  g_assert_true(config_override(other, "policy.signature_min_age=7", NULL));
  g_assert_true(
      config_override(other, "policy.photo_card_under_months=18", NULL));
  g_assert_cmpint(rules_person(other, &seven, now, &plan), ==, PERSON_CAPTURE);
  g_assert_false(plan.fingerprints);
  g_assert_true(plan.signature);
  g_assert_cmpint(rules_person(other, &baby, now, &plan), ==,
                  PERSON_SKIP_UNDER_ONE);
  g_assert_cmpint(rules_person(config, &baby, now, &plan), ==, PERSON_CAPTURE);
}

typedef struct {
  Appointment appointment;
  Person persons[3];
} Fixture;

static void fixture_init(Fixture *f, const char *location_id)
{
  memset(f, 0, sizeof *f);
  f->appointment.code = (char *)"48213907";
  f->appointment.location_id = (char *)location_id;
  f->appointment.location_name = (char *)"IND desk";
  f->appointment.start = at(2026, 11, 27, 10, 30);
  f->appointment.persons = g_ptr_array_new();
  f->persons[0] = person_born("1988-04-12");
  f->persons[1] = person_born("2016-07-03");
  for (int i = 0; i < 2; i++)
    g_ptr_array_add(f->appointment.persons, &f->persons[i]);
}

static void fixture_clear(Fixture *f)
{
  g_date_time_unref(f->appointment.start);
  g_ptr_array_unref(f->appointment.persons);
}

static CheckinVerdict checkin_at(Fixture *f, int hour, int minute)
{
  g_autoptr(GDateTime) now = at(2026, 11, 27, hour, minute);

  return rules_checkin(config, &f->appointment, now);
}

static void test_checkin_window(void)
{
  Fixture f;

  fixture_init(&f, "IND-ZWL");
  g_assert_cmpint(checkin_at(&f, 9, 29), ==, CHECKIN_TOO_EARLY);
  g_assert_cmpint(checkin_at(&f, 9, 30), ==, CHECKIN_OK); /* start - 60 */
  g_assert_cmpint(checkin_at(&f, 10, 30), ==, CHECKIN_OK);
  g_assert_cmpint(checkin_at(&f, 11, 0), ==, CHECKIN_OK); /* start + 30 */
  g_assert_cmpint(checkin_at(&f, 11, 1), ==, CHECKIN_TOO_LATE);
  {
    g_autoptr(GDateTime) next_day = at(2026, 11, 28, 10, 30);
    g_assert_cmpint(rules_checkin(config, &f.appointment, next_day), ==,
                    CHECKIN_TOO_LATE);
  }
  fixture_clear(&f);
}

static void test_checkin_other_location(void)
{
  Fixture f;

  fixture_init(&f, "IND-DHG");
  /* Location is told before the time window matters. */
  g_assert_cmpint(checkin_at(&f, 10, 30), ==, CHECKIN_OTHER_LOCATION);
  g_assert_cmpint(checkin_at(&f, 6, 0), ==, CHECKIN_OTHER_LOCATION);
  fixture_clear(&f);
}

static void test_checkin_nothing_to_capture(void)
{
  Fixture f;

  fixture_init(&f, "IND-ZWL");
  f.persons[0].prior = PRIOR_ON_FILE;
  g_assert_cmpint(checkin_at(&f, 10, 30), ==, CHECKIN_OK);
  f.persons[1].date_of_birth = (char *)"2026-08-01"; /* a baby */
  g_assert_cmpint(checkin_at(&f, 10, 30), ==, CHECKIN_NOTHING_TO_CAPTURE);
  g_ptr_array_set_size(f.appointment.persons, 0);
  g_assert_cmpint(checkin_at(&f, 10, 30), ==, CHECKIN_NOTHING_TO_CAPTURE);
  fixture_clear(&f);
}

static void test_limiter(void)
{
  CheckinLimiter limiter = {0};
  const gint64 t0 = 1000 * G_USEC_PER_SEC;
  const gint64 lockout = (gint64)config->checkin_lockout_s * G_USEC_PER_SEC;

  for (int i = 0; i < config->checkin_max_attempts - 1; i++) {
    checkin_limiter_fail(&limiter, config, t0 + i);
    g_assert_false(checkin_limiter_locked(&limiter, t0 + i));
  }
  checkin_limiter_fail(&limiter, config, t0);
  g_assert_true(checkin_limiter_locked(&limiter, t0));
  g_assert_true(checkin_limiter_locked(&limiter, t0 + lockout - 1));
  /* Failing during the lockout does not extend it. */
  checkin_limiter_fail(&limiter, config, t0 + 10);
  g_assert_false(checkin_limiter_locked(&limiter, t0 + lockout));
  /* After the lockout a fresh series begins. */
  checkin_limiter_fail(&limiter, config, t0 + lockout);
  g_assert_false(checkin_limiter_locked(&limiter, t0 + lockout));
  checkin_limiter_reset(&limiter);
  g_assert_cmpint(limiter.failures, ==, 0);
  for (int i = 0; i < config->checkin_max_attempts - 1; i++)
    checkin_limiter_fail(&limiter, config, t0 + lockout + i);
  checkin_limiter_reset(&limiter);
  checkin_limiter_fail(&limiter, config, t0 + lockout + 10);
  g_assert_false(checkin_limiter_locked(&limiter, t0 + lockout + 10));
}

/* A lockout's end crosses a restart as wall-clock time: the monotonic
 * clock starts elsewhere in the next process. */
static void test_lockout_wall_clock(void)
{
  const gint64 sec = G_USEC_PER_SEC;
  const gint64 mono = 5000 * sec;
  const gint64 wall = 1795000000 * sec;
  Lockout lockout = {0};

  g_assert_true(lockout_fail(&lockout, 1, 60, mono));
  g_assert_cmpint(lockout_end_to_wall(lockout.locked_until_us, mono, wall), ==,
                  wall + 60 * sec);
  g_assert_cmpint(lockout_end_to_wall(0, mono, wall), ==, 0);
  g_assert_cmpint(lockout_end_to_wall(mono - 1, mono, wall), ==, 0);

  /* Restarted 10 s later, the new process's clock at 7 s: 50 s left. */
  g_assert_cmpint(
      lockout_end_from_wall(wall + 60 * sec, wall + 10 * sec, 7 * sec, 60), ==,
      57 * sec);
  /* Over, or never locked. */
  g_assert_cmpint(
      lockout_end_from_wall(wall + 60 * sec, wall + 61 * sec, 7 * sec, 60), ==,
      0);
  g_assert_cmpint(lockout_end_from_wall(0, wall, 7 * sec, 60), ==, 0);
  /* A wall clock set back a day does not make it a day long. */
  g_assert_cmpint(
      lockout_end_from_wall(wall + 60 * sec, wall - 86400 * sec, 7 * sec, 60),
      ==, 67 * sec);
}

static void test_verdict_strings(void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

  for (int v = CHECKIN_OK; v <= CHECKIN_NOTHING_TO_CAPTURE; v++) {
    const char *s = checkin_verdict_to_string(v);
    g_assert_cmpstr(s, !=, "unknown");
    g_assert_true(g_hash_table_add(seen, (gpointer)s));
  }
  for (int v = PERSON_CAPTURE; v <= PERSON_SKIP_UNDER_ONE; v++) {
    const char *s = person_verdict_to_string(v);
    g_assert_cmpstr(s, !=, "unknown");
    g_assert_true(g_hash_table_add(seen, (gpointer)s));
  }
}

int main(int argc, char **argv)
{
  int status;

  g_test_init(&argc, &argv, NULL);
  amsterdam = g_time_zone_new_identifier("Europe/Amsterdam");
  if (!amsterdam)
    testlib_skip_all("no time zone data for Europe/Amsterdam");
  config = config_load(NULL, NULL);
  g_assert_nonnull(config);

  g_test_add_func("/rules/age/years", test_age_years);
  g_test_add_func("/rules/age/invalid", test_age_invalid);
  g_test_add_func("/rules/age/leap-day", test_age_leap_day);
  g_test_add_func("/rules/age/months", test_age_months);
  g_test_add_func("/rules/age/local-date", test_age_uses_local_date);
  g_test_add_func("/rules/person/on-file", test_person_on_file);
  g_test_add_func("/rules/person/abroad-asylum", test_person_abroad_and_asylum);
  g_test_add_func("/rules/person/under-one", test_person_under_one);
  g_test_add_func("/rules/plan/by-age", test_plan_by_age);
  g_test_add_func("/rules/plan/fingerprint-policy",
                  test_plan_fingerprint_policy);
  g_test_add_func("/rules/plan/limits-from-config", test_limits_from_config);
  g_test_add_func("/rules/checkin/window", test_checkin_window);
  g_test_add_func("/rules/checkin/other-location", test_checkin_other_location);
  g_test_add_func("/rules/checkin/nothing-to-capture",
                  test_checkin_nothing_to_capture);
  g_test_add_func("/rules/limiter", test_limiter);
  g_test_add_func("/rules/lockout-wall-clock", test_lockout_wall_clock);
  g_test_add_func("/rules/verdict-strings", test_verdict_strings);
  status = g_test_run();
  config_free(config);
  g_time_zone_unref(amsterdam);
  return status;
}
