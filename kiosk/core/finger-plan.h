/* Which fingers the kiosk takes and what it takes instead: the substitution
 * plan ([fingerprint] plan in the configuration) and the officer's finger
 * exceptions with their fixed reason codes. Enrolment practice (BSI
 * TR-03121): an index finger that cannot be taken is replaced by the thumb,
 * then the middle finger, then the ring finger of the same hand, never the
 * little finger; a temporary cause (a bandage) postpones the fingerprints,
 * a permanent one (an amputation) is recorded and the next finger taken.
 * Pure data and checks: the session keeps the state. */
#pragma once

#include <glib.h>

#include "finger.h"

/* Fingers taken per person (each with its substitutes), and substitutes
 * per finger at most. */
#define FINGER_PLAN_MAX_SLOTS       2
#define FINGER_PLAN_MAX_SUBSTITUTES 3

/* Best of three (BSI TR-03121): acceptable impressions taken of each
 * finger, of which the runtime keeps the best (FINGER_BEST_WANT in
 * kiosk/runtime/finger-best.h, which the runtime checks against this). */
#define FINGER_IMPRESSIONS_WANTED 3

/* At most one exception per finger of the plan. */
#define FINGER_MAX_EXCEPTIONS                                                  \
  (FINGER_PLAN_MAX_SLOTS * (1 + FINGER_PLAN_MAX_SUBSTITUTES))

/* The embedded default, as [fingerprint] plan writes it: entries separated
 * by ';', each a finger to take, ':', and its substitutes in order,
 * separated by ','. */
#define FINGER_PLAN_DEFAULT                                                    \
  "right_index:right_thumb,right_middle,right_ring;"                           \
  "left_index:left_thumb,left_middle,left_ring"

typedef struct {
  FingerPosition finger; /* the finger the plan asks for */
  FingerPosition substitutes[FINGER_PLAN_MAX_SUBSTITUTES]; /* in order */
  int n_substitutes;
} FingerPlanSlot;

typedef struct {
  FingerPlanSlot slots[FINGER_PLAN_MAX_SLOTS];
  int n_slots; /* 1..FINGER_PLAN_MAX_SLOTS */
} FingerPlan;

/* Parses a plan. Refused: an empty plan, more entries or substitutes than
 * the limits, an unknown finger name, a little finger, a finger named
 * twice anywhere in the plan. On failure returns FALSE, leaves *ret_plan
 * unwritten and sets *ret_problem (may be NULL) to a new one-line text that
 * says what was expected and where, without quoting the value. */
gboolean finger_plan_parse(const char *text, FingerPlan *ret_plan,
                           char **ret_problem);

/* The configuration schema's check of [fingerprint] plan: NULL when the
 * plan parses, else what was expected (a new string). */
char *finger_plan_check(const char *text);

/* The finger after `current` in `slot` (the planned finger, then each
 * substitute); FINGER_UNKNOWN when `current` was the last or is not in the
 * slot. */
FingerPosition finger_plan_next(const FingerPlanSlot *slot,
                                FingerPosition current);

typedef enum {
  FINGER_EXCEPTION_TEMPORARY, /* may heal: the fingerprints are postponed
                                 or a substitute is taken */
  FINGER_EXCEPTION_PERMANENT, /* will not come back: the next substitute */
} FingerExceptionKind;

/* The record's name of a kind: "temporary", "permanent". */
const char *finger_exception_kind_to_string(FingerExceptionKind kind);

/* The reason codes of a kind (static, NULL-terminated), the only ones an
 * officer can choose and a record can carry:
 *   temporary: bandage, wet_or_dirty, temporary_injury
 *   permanent: amputation, permanent_injury, congenital */
const char *const *finger_exception_reasons(FingerExceptionKind kind);

/* The static code from finger_exception_reasons() equal to `code`, or NULL
 * when `code` is not a reason of `kind`. */
const char *finger_exception_reason(FingerExceptionKind kind, const char *code);

/* The officer's words for a reason code (translated; the code itself for
 * an unknown one). */
const char *finger_exception_reason_label(const char *code);

/* Officer ids as the audit log and the record name them; longer ids are
 * cut. */
#define FINGER_OFFICER_ID_MAX 64

/* One finger the officer marked unavailable. */
typedef struct {
  FingerExceptionKind kind;
  FingerPosition finger;
  const char *reason;                       /* static code of `kind` */
  char officer[FINGER_OFFICER_ID_MAX];      /* who marked it */
  char confirmed_by[FINGER_OFFICER_ID_MAX]; /* the second officer (four
                                               eyes), "" when none */
  gint64 time;                              /* unix seconds */
  gboolean photo;                           /* an exception photo was taken */
} FingerException;
