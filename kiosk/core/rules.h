/* The desk's rules (docs/desk-rules.md): what happens with an
 * appointment at check-in and with each person on it. Pure functions of the
 * configuration, the appointment and the time, which is passed in. */
#pragma once

#include "appointment.h"
#include "config.h"

typedef enum {
  CHECKIN_OK,                 /* go on with the persons to capture */
  CHECKIN_UNKNOWN_CODE,       /* try again (attempt counted) */
  CHECKIN_LOCKED_OUT,         /* too many wrong codes: wait / see the desk */
  CHECKIN_OTHER_LOCATION,     /* the appointment is at another location */
  CHECKIN_TOO_EARLY,          /* before the tolerance window: see the desk */
  CHECKIN_TOO_LATE,           /* after the tolerance window: see the desk */
  CHECKIN_NOTHING_TO_CAPTURE, /* nobody on it is captured here */
} CheckinVerdict;

typedef enum {
  PERSON_CAPTURE,        /* capture per the plan */
  PERSON_SKIP_ON_FILE,   /* IND holds usable biometrics: see the desk */
  PERSON_SKIP_ABROAD,    /* first permit, taken at a representation */
  PERSON_SKIP_ASYLUM,    /* first permit, taken in the asylum procedure */
  PERSON_SKIP_UNDER_ONE, /* photo card by post, nothing captured */
} PersonVerdict;

typedef struct {
  gboolean photo;
  gboolean signature;
  gboolean fingerprints; /* the policy default; the officer may change */
} CapturePlan;

const char *checkin_verdict_to_string(CheckinVerdict verdict);
const char *person_verdict_to_string(PersonVerdict verdict);

/* Completed years (and months) of age on `now`'s date; -1 for an invalid
 * date of birth or one in the future. */
int rules_age_years(const char *date_of_birth, GDateTime *now);
int rules_age_months(const char *date_of_birth, GDateTime *now);

/* Location and time window of the appointment (not the persons). */
CheckinVerdict rules_checkin(const KioskConfig *config,
                             const Appointment *appointment, GDateTime *now);

/* What to do with one person; fills `ret_plan` when PERSON_CAPTURE. */
PersonVerdict rules_person(const KioskConfig *config, const Person *person,
                           GDateTime *now, CapturePlan *ret_plan);

/* Wrong-code rate limiting, time passed in (monotonic microseconds). */
typedef struct {
  int failures;
  gint64 locked_until_us;
} CheckinLimiter;

/* TRUE while locked out at `now_us`. */
gboolean checkin_limiter_locked(const CheckinLimiter *limiter, gint64 now_us);
/* Counts a wrong code; starts a lockout after max_attempts failures. */
void checkin_limiter_fail(CheckinLimiter *limiter, const KioskConfig *config,
                          gint64 now_us);
/* A right code resets the count. */
void checkin_limiter_reset(CheckinLimiter *limiter);
