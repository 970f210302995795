/* The more-time prompt's arithmetic (idle.h). The seconds shown are the
 * officer idle lock's countdown rule: whole seconds rounded up, so the
 * screen says "1 s" until the very end and never "0 s". */
#include "idle.h"

#include "officer.h"

int idle_prompt_span(int timeout_s, int warning_s)
{
  if (timeout_s <= 0 || warning_s <= 0)
    return 0;
  return MIN(warning_s, timeout_s / 2);
}

void idle_prompt_tick(IdlePrompt *prompt, gboolean applies,
                      gint64 last_activity_us, gint64 now_us, int timeout_s,
                      int warning_s)
{
  prompt->since = last_activity_us;
  prompt->left =
      applies ? officer_idle_countdown(last_activity_us, now_us, timeout_s,
                                       idle_prompt_span(timeout_s, warning_s))
              : 0;
}

int idle_prompt_left(const IdlePrompt *prompt, gint64 last_activity_us)
{
  return prompt->since == last_activity_us ? prompt->left : 0;
}

gint64 idle_prompt_deadline(const IdlePrompt *prompt, gboolean applies,
                            gint64 last_activity_us, int timeout_s,
                            int warning_s)
{
  int span = idle_prompt_span(timeout_s, warning_s);
  gint64 reset_us = last_activity_us + (gint64)timeout_s * G_USEC_PER_SEC;
  int left = idle_prompt_left(prompt, last_activity_us);

  if (!applies || span <= 0)
    return G_MAXINT64;
  if (left <= 0)
    return reset_us - (gint64)span * G_USEC_PER_SEC;
  return reset_us - (gint64)(left - 1) * G_USEC_PER_SEC;
}
