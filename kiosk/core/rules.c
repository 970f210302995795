/* The desk's rules (docs/desk-rules.md; docs/configuration.md
 * [policy]): check-in window and location, who is captured and what. Pure
 * functions: the time comes in as an argument, the limits from the
 * configuration, so tests can walk every rule without a clock. */
#include "rules.h"

#include <stdlib.h>
#include <string.h>

const char *checkin_verdict_to_string(CheckinVerdict verdict)
{
  switch (verdict) {
  case CHECKIN_OK:
    return "ok";
  case CHECKIN_UNKNOWN_CODE:
    return "unknown_code";
  case CHECKIN_LOCKED_OUT:
    return "locked_out";
  case CHECKIN_OTHER_LOCATION:
    return "other_location";
  case CHECKIN_TOO_EARLY:
    return "too_early";
  case CHECKIN_TOO_LATE:
    return "too_late";
  case CHECKIN_NOTHING_TO_CAPTURE:
    return "nothing_to_capture";
  }
  return "unknown";
}

const char *person_verdict_to_string(PersonVerdict verdict)
{
  switch (verdict) {
  case PERSON_CAPTURE:
    return "capture";
  case PERSON_SKIP_ON_FILE:
    return "skip_on_file";
  case PERSON_SKIP_ABROAD:
    return "skip_abroad";
  case PERSON_SKIP_ASYLUM:
    return "skip_asylum";
  case PERSON_SKIP_UNDER_ONE:
    return "skip_under_one";
  }
  return "unknown";
}

/* Strict "YYYY-MM-DD" of a real calendar day. */
static gboolean rules_parse_date(const char *text, int *ret_year,
                                 int *ret_month, int *ret_day)
{
  int year, month, day;

  if (!text || strlen(text) != 10 || text[4] != '-' || text[7] != '-')
    return FALSE;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit(text[i]))
      return FALSE;
  year = atoi(text);
  month = atoi(text + 5);
  day = atoi(text + 8);
  if (year < 1 || !g_date_valid_dmy(day, month, year))
    return FALSE;
  *ret_year = year;
  *ret_month = month;
  *ret_day = day;
  return TRUE;
}

int rules_age_months(const char *date_of_birth, GDateTime *now)
{
  int year, month, day, ny, nm, nd, months;

  g_return_val_if_fail(now != NULL, -1);
  if (!rules_parse_date(date_of_birth, &year, &month, &day))
    return -1;
  /* The date in now's own time zone: the desk's calendar day. */
  g_date_time_get_ymd(now, &ny, &nm, &nd);
  months = (ny - year) * 12 + (nm - month);
  /* A month is complete on the same day number. When that day does not
   * exist in the current month (born on the 31st, or on 29 February), the
   * month completes on the day after the last one, i.e. 1 March for a 29
   * February birthday in a common year. */
  if (nd < day)
    months--;
  return months < 0 ? -1 : months;
}

int rules_age_years(const char *date_of_birth, GDateTime *now)
{
  int months = rules_age_months(date_of_birth, now);

  return months < 0 ? -1 : months / 12;
}

CheckinVerdict rules_checkin(const KioskConfig *config,
                             const Appointment *appointment, GDateTime *now)
{
  g_autoptr(GDateTime) opens = NULL;
  g_autoptr(GDateTime) closes = NULL;
  gboolean anyone = FALSE;

  g_return_val_if_fail(config != NULL, CHECKIN_UNKNOWN_CODE);
  g_return_val_if_fail(appointment != NULL, CHECKIN_UNKNOWN_CODE);
  g_return_val_if_fail(now != NULL, CHECKIN_UNKNOWN_CODE);

  if (g_strcmp0(appointment->location_id, config->location_id) != 0)
    return CHECKIN_OTHER_LOCATION;

  /* Both ends of the window are inclusive. */
  opens = g_date_time_add_minutes(appointment->start,
                                  -config->checkin_early_minutes);
  closes =
      g_date_time_add_minutes(appointment->start, config->checkin_late_minutes);
  if (g_date_time_compare(now, opens) < 0)
    return CHECKIN_TOO_EARLY;
  if (g_date_time_compare(now, closes) > 0)
    return CHECKIN_TOO_LATE;

  for (guint i = 0; appointment->persons && i < appointment->persons->len;
       i++) {
    CapturePlan plan;
    if (rules_person(config, g_ptr_array_index(appointment->persons, i), now,
                     &plan) == PERSON_CAPTURE)
      anyone = TRUE;
  }
  return anyone ? CHECKIN_OK : CHECKIN_NOTHING_TO_CAPTURE;
}

PersonVerdict rules_person(const KioskConfig *config, const Person *person,
                           GDateTime *now, CapturePlan *ret_plan)
{
  int months, years;
  CapturePlan plan = {0};

  g_return_val_if_fail(config != NULL, PERSON_SKIP_ON_FILE);
  g_return_val_if_fail(person != NULL, PERSON_SKIP_ON_FILE);
  g_return_val_if_fail(now != NULL, PERSON_SKIP_ON_FILE);

  if (person->prior == PRIOR_ON_FILE)
    return PERSON_SKIP_ON_FILE;
  /* Biometrics from a representation abroad or from the asylum procedure
   * only serve the first residence permit; any later one is captured. */
  if (person->prior == PRIOR_ABROAD && person->first_permit)
    return PERSON_SKIP_ABROAD;
  if (person->prior == PRIOR_ASYLUM && person->first_permit)
    return PERSON_SKIP_ASYLUM;

  months = rules_age_months(person->date_of_birth, now);
  years = months < 0 ? -1 : months / 12;
  if (months >= 0 && months < config->photo_card_under_months)
    return PERSON_SKIP_UNDER_ONE;

  plan.photo = TRUE;
  /* An unknown age (the import refuses bad dates, so only a corrupt store
   * gets here) takes photo and signature and leaves fingerprints to the
   * officer unless they are required. */
  plan.signature = years < 0 || years >= config->signature_min_age;
  switch (person->fingerprints) {
  case FP_POLICY_NONE:
    plan.fingerprints = FALSE;
    break;
  case FP_POLICY_REQUIRED:
    plan.fingerprints = TRUE;
    break;
  case FP_POLICY_AGE:
    plan.fingerprints = years >= 0 && years >= config->fingerprint_min_age;
    break;
  }
  if (ret_plan)
    *ret_plan = plan;
  return PERSON_CAPTURE;
}

gboolean lockout_locked(const Lockout *lockout, gint64 now_us)
{
  g_return_val_if_fail(lockout != NULL, TRUE);
  return now_us < lockout->locked_until_us;
}

gboolean lockout_fail(Lockout *lockout, int max_attempts, int lockout_s,
                      gint64 now_us)
{
  g_return_val_if_fail(lockout != NULL, FALSE);

  /* A lockout in progress is not extended: the UI takes no attempts then. */
  if (lockout_locked(lockout, now_us))
    return FALSE;
  lockout->failures++;
  if (lockout->failures < max_attempts)
    return FALSE;
  lockout->locked_until_us = now_us + (gint64)lockout_s * G_USEC_PER_SEC;
  /* After the lockout a fresh series of attempts begins. */
  lockout->failures = 0;
  return TRUE;
}

void lockout_reset(Lockout *lockout)
{
  g_return_if_fail(lockout != NULL);
  lockout->failures = 0;
  lockout->locked_until_us = 0;
}

gint64 lockout_end_to_wall(gint64 locked_until_us, gint64 now_us,
                           gint64 now_wall_us)
{
  if (locked_until_us <= now_us)
    return 0;
  return now_wall_us + (locked_until_us - now_us);
}

gint64 lockout_end_from_wall(gint64 wall_until_us, gint64 now_wall_us,
                             gint64 now_us, int lockout_s)
{
  gint64 left = wall_until_us - now_wall_us;

  if (wall_until_us <= 0 || left <= 0)
    return 0;
  return now_us + MIN(left, (gint64)lockout_s * G_USEC_PER_SEC);
}

gboolean checkin_limiter_locked(const CheckinLimiter *limiter, gint64 now_us)
{
  return lockout_locked(limiter, now_us);
}

void checkin_limiter_fail(CheckinLimiter *limiter, const KioskConfig *config,
                          gint64 now_us)
{
  g_return_if_fail(config != NULL);
  lockout_fail(limiter, config->checkin_max_attempts, config->checkin_lockout_s,
               now_us);
}

void checkin_limiter_reset(CheckinLimiter *limiter)
{
  lockout_reset(limiter);
}
