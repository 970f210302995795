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

/* Lockout after too many wrong attempts in a row (appointment codes,
 * officer PINs), time passed in (monotonic microseconds). */
typedef struct {
  int failures;           /* wrong attempts in the current series */
  gint64 locked_until_us; /* monotonic; locked while now < this; 0 = never */
} Lockout;

/* TRUE while locked out at `now_us`. */
gboolean lockout_locked(const Lockout *lockout, gint64 now_us);
/* Counts a wrong attempt; the `max_attempts`-th in a row starts a lockout
 * of `lockout_s` seconds and a fresh series. A lockout in progress is not
 * extended. TRUE when this attempt started the lockout. */
gboolean lockout_fail(Lockout *lockout, int max_attempts, int lockout_s,
                      gint64 now_us);
/* A right attempt resets the count (and any lockout). */
void lockout_reset(Lockout *lockout);

/* A lockout outlives a restart as a wall-clock end (unix microseconds),
 * while the session's clock is monotonic. These convert the end, given
 * both clocks read at the same moment; 0 (no lockout) stays 0. */
gint64 lockout_end_to_wall(gint64 locked_until_us, gint64 now_us,
                           gint64 now_wall_us);
/* ... and back. An end already past gives 0; a wall clock set back cannot
 * lengthen a lockout beyond `lockout_s` from now. */
gint64 lockout_end_from_wall(gint64 wall_until_us, gint64 now_wall_us,
                             gint64 now_us, int lockout_s);

/* Wrong appointment codes: a Lockout with the configuration's
 * policy.checkin_max_attempts and policy.checkin_lockout_s. */
typedef Lockout CheckinLimiter;

/* TRUE while locked out at `now_us`. */
gboolean checkin_limiter_locked(const CheckinLimiter *limiter, gint64 now_us);
/* Counts a wrong code; starts a lockout after max_attempts failures. */
void checkin_limiter_fail(CheckinLimiter *limiter, const KioskConfig *config,
                          gint64 now_us);
/* A right code resets the count. */
void checkin_limiter_reset(CheckinLimiter *limiter);
