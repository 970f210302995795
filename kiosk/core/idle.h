/* The "Do you need more time?" prompt before the idle reset (docs/ui.md):
 * when it appears, the seconds it counts down, and when the next change is
 * due. Time is passed in as monotonic microseconds; nothing here sleeps, so
 * the session's tick() drives it and tests need no clock. */
#pragma once

#include <glib.h>

typedef struct {
  int left;     /* seconds shown at the last tick; 0 = no prompt */
  gint64 since; /* the last activity `left` was counted for */
} IdlePrompt;

/* The seconds of warning before a reset after `timeout_s`: `warning_s`,
 * but at most half the timeout (a short timeout must not become a prompt
 * that appears right after every touch). 0 when either is 0. */
int idle_prompt_span(int timeout_s, int warning_s);

/* Counts the prompt at `now_us`, for inactivity since `last_activity_us`;
 * `applies` is FALSE where inactivity does not count (the prompt goes). */
void idle_prompt_tick(IdlePrompt *prompt, gboolean applies,
                      gint64 last_activity_us, gint64 now_us, int timeout_s,
                      int warning_s);

/* The seconds the prompt shows; 0 when there is none, or when a touch came
 * after the tick that counted them (one touch dismisses it). */
int idle_prompt_left(const IdlePrompt *prompt, gint64 last_activity_us);

/* When the prompt next appears or its number changes; G_MAXINT64 when
 * inactivity does not count. The reset itself is the session's own
 * deadline. */
gint64 idle_prompt_deadline(const IdlePrompt *prompt, gboolean applies,
                            gint64 last_activity_us, int timeout_s,
                            int warning_s);
