/* Names of the finger positions; see finger.h. */
#include "finger.h"

#include <glib.h>

static const char *const finger_names[] = {
    "unknown",     "right_thumb",  "right_index", "right_middle",
    "right_ring",  "right_little", "left_thumb",  "left_index",
    "left_middle", "left_ring",    "left_little",
};

const char *finger_position_to_string(FingerPosition finger)
{
  if ((int)finger < 0 || (gsize)finger >= G_N_ELEMENTS(finger_names))
    return "unknown";
  return finger_names[finger];
}

FingerPosition finger_position_from_string(const char *name)
{
  for (gsize i = FINGER_RIGHT_THUMB; name && i < G_N_ELEMENTS(finger_names);
       i++)
    if (g_str_equal(name, finger_names[i]))
      return (FingerPosition)i;
  return FINGER_UNKNOWN;
}
