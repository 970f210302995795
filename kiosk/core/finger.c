/* Names of the finger positions; see finger.h. */
#include "finger.h"

#include <glib.h>

const char *finger_position_to_string(FingerPosition finger)
{
  static const char *const names[] = {
      "unknown",     "right_thumb",  "right_index", "right_middle",
      "right_ring",  "right_little", "left_thumb",  "left_index",
      "left_middle", "left_ring",    "left_little",
  };

  if ((int)finger < 0 || (gsize)finger >= G_N_ELEMENTS(names))
    return "unknown";
  return names[finger];
}
