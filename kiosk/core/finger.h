/* Finger positions as the session, the desk's plan and the record speak of
 * them: the ISO/IEC 19794-4 / ANSI-NIST codes 1..10. The reader backends
 * use the same numbers (drivers/fpreader.h); the runtime, which sees both,
 * asserts at build time that they agree. */
#pragma once

typedef enum {
  FINGER_UNKNOWN = 0,
  FINGER_RIGHT_THUMB = 1,
  FINGER_RIGHT_INDEX = 2,
  FINGER_RIGHT_MIDDLE = 3,
  FINGER_RIGHT_RING = 4,
  FINGER_RIGHT_LITTLE = 5,
  FINGER_LEFT_THUMB = 6,
  FINGER_LEFT_INDEX = 7,
  FINGER_LEFT_MIDDLE = 8,
  FINGER_LEFT_RING = 9,
  FINGER_LEFT_LITTLE = 10,
} FingerPosition;

/* The record's name for a position ("right_index"); "unknown" for anything
 * outside 1..10. Static string. */
const char *finger_position_to_string(FingerPosition finger);

/* The position a record name stands for ("right_index" -> 2);
 * FINGER_UNKNOWN for NULL or any other text. */
FingerPosition finger_position_from_string(const char *name);
