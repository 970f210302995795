/* Named officers' pure rules (officer.h). */
#include "officer.h"

#include <string.h>

gboolean officer_id_is_valid(const char *id)
{
  gsize len = id ? strlen(id) : 0;

  return len >= OFFICER_ID_MIN_DIGITS && len <= OFFICER_ID_MAX_DIGITS &&
         strspn(id, "0123456789") == len;
}

const char *officer_actor(char buf[OFFICER_ACTOR_SIZE], const char *id)
{
  if (!id || !*id)
    g_strlcpy(buf, "officer", OFFICER_ACTOR_SIZE);
  else
    g_snprintf(buf, OFFICER_ACTOR_SIZE, "officer:%s", id);
  return buf;
}

static const struct {
  const char *name;
  OfficerAction action;
} four_eyes_names[] = {
    {"photo_override", OFFICER_ACTION_PHOTO_OVERRIDE},
    {"permanent_finger_exception", OFFICER_ACTION_PERMANENT_FINGER_EXCEPTION},
};

static gboolean four_eyes_name(const char *name, guint *actions)
{
  if (g_str_equal(name, "none"))
    return TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS(four_eyes_names); i++)
    if (g_str_equal(name, four_eyes_names[i].name)) {
      *actions |= four_eyes_names[i].action;
      return TRUE;
    }
  return FALSE;
}

gboolean officer_four_eyes_parse(const char *text, guint *ret_actions)
{
  g_auto(GStrv) names = g_strsplit(text ? text : "", ",", -1);
  guint actions = 0;

  for (char **n = names; *n; n++) {
    g_strstrip(*n);
    if (**n && !four_eyes_name(*n, &actions))
      return FALSE;
  }
  *ret_actions = actions;
  return TRUE;
}

int officer_idle_countdown(gint64 last_activity_us, gint64 now_us, int lock_s,
                           int warning_s)
{
  gint64 left_us = last_activity_us + (gint64)lock_s * G_USEC_PER_SEC - now_us;

  if (lock_s <= 0 || warning_s <= 0 || left_us <= 0 ||
      left_us > (gint64)warning_s * G_USEC_PER_SEC)
    return 0;
  /* Rounded up: "1 s" until the very end, never "0 s" on screen. */
  return (int)((left_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
}
