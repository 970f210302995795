/* Named officers (docs/officers.md): the rules for an officer id, the
 * officer actions a configuration can put under four eyes, and the idle
 * lock's countdown. Pure: the officers table is store/officers.h, the
 * screens are session.c's. */
#pragma once

#include <glib.h>

/* An officer id is a pseudonym the desk's keypad can type: 3 to 10
 * digits, never a name or a personnel number. */
#define OFFICER_ID_MIN_DIGITS 3
#define OFFICER_ID_MAX_DIGITS 10

/* TRUE when `id` is 3..10 ASCII digits. */
gboolean officer_id_is_valid(const char *id);

/* The actor an audit entry names for the officer `id`: "officer:<id>", or
 * "officer" for the bootstrap PIN (id NULL or ""). Written into `buf`. */
#define OFFICER_ACTOR_SIZE (sizeof "officer:" + OFFICER_ID_MAX_DIGITS)
const char *officer_actor(char buf[OFFICER_ACTOR_SIZE], const char *id);

/* What the runtime's check of an officer id and PIN says. */
typedef enum {
  OFFICER_PIN_RIGHT,
  OFFICER_PIN_WRONG,   /* a known officer, a wrong PIN */
  OFFICER_PIN_UNKNOWN, /* no such officer (told apart only in the log) */
} OfficerPinVerdict;

/* Officer actions that [officer] four_eyes can require a second, different
 * officer's PIN for (a bit set). */
typedef enum {
  OFFICER_ACTION_PHOTO_OVERRIDE = 1 << 0,
  OFFICER_ACTION_PERMANENT_FINGER_EXCEPTION = 1 << 1,
} OfficerAction;

/* The configuration's names of the actions, comma-separated:
 * "photo_override", "permanent_finger_exception"; "" or "none" for none.
 * FALSE (and `ret_actions` untouched) when a name is unknown. */
gboolean officer_four_eyes_parse(const char *text, guint *ret_actions);
#define OFFICER_FOUR_EYES_NAMES "photo_override, permanent_finger_exception"

/* The idle lock: officer mode locks itself `lock_s` seconds after the last
 * touch; the last `warning_s` of them the screen counts down. Given the
 * last touch and now (monotonic microseconds), the whole seconds left to
 * show, or 0 when no countdown is due yet (or the lock is off, lock_s 0). */
int officer_idle_countdown(gint64 last_activity_us, gint64 now_us, int lock_s,
                           int warning_s);
