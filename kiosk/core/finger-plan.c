/* The substitution plan and the finger exceptions' reason codes; see
 * finger-plan.h. */
#include "finger-plan.h"

#include <glib/gi18n.h>
#include <string.h>

static const char *const temporary_reasons[] = {
    "bandage",
    "wet_or_dirty",
    "temporary_injury",
    NULL,
};

static const char *const permanent_reasons[] = {
    "amputation",
    "permanent_injury",
    "congenital",
    NULL,
};

static gboolean is_little(FingerPosition finger)
{
  return finger == FINGER_RIGHT_LITTLE || finger == FINGER_LEFT_LITTLE;
}

static gboolean plan_fail(char **ret_problem, char *problem)
{
  if (ret_problem)
    *ret_problem = problem;
  else
    g_free(problem);
  return FALSE;
}

/* One finger name of entry `entry` (1-based), item `item` (1: the finger,
 * 2..: its substitutes) into *ret_finger; `seen` marks the fingers named so
 * far. */
static gboolean plan_finger(const char *name, int entry, int item,
                            gboolean seen[FINGER_LEFT_LITTLE + 1],
                            FingerPosition *ret_finger, char **ret_problem)
{
  g_autofree char *trimmed = g_strstrip(g_strdup(name));
  FingerPosition finger = finger_position_from_string(trimmed);
  const char *what = item == 1 ? "the finger" : "a substitute";

  if (finger == FINGER_UNKNOWN)
    return plan_fail(ret_problem,
                     g_strdup_printf("finger names right_thumb .. left_ring "
                                     "(entry %d: %s is not one)",
                                     entry, what));
  if (is_little(finger))
    return plan_fail(
        ret_problem,
        g_strdup_printf("no little finger (entry %d: %s is one)", entry, what));
  if (seen[finger])
    return plan_fail(ret_problem,
                     g_strdup_printf("each finger once (entry %d: %s is "
                                     "named before)",
                                     entry, what));
  seen[finger] = TRUE;
  *ret_finger = finger;
  return TRUE;
}

/* One entry "finger:sub,sub" (1-based `entry`) into *slot. */
static gboolean plan_entry(const char *text, int entry,
                           gboolean seen[FINGER_LEFT_LITTLE + 1],
                           FingerPlanSlot *slot, char **ret_problem)
{
  g_auto(GStrv) halves = g_strsplit(text, ":", 2);
  g_auto(GStrv) subs = NULL;

  memset(slot, 0, sizeof *slot);
  if (!plan_finger(halves[0] ? halves[0] : "", entry, 1, seen, &slot->finger,
                   ret_problem))
    return FALSE;
  if (!halves[0] || !halves[1] || !*g_strstrip(halves[1]))
    return TRUE; /* no substitutes */
  subs = g_strsplit(halves[1], ",", -1);
  if (g_strv_length(subs) > FINGER_PLAN_MAX_SUBSTITUTES)
    return plan_fail(ret_problem,
                     g_strdup_printf("at most %d substitutes per finger "
                                     "(entry %d has more)",
                                     FINGER_PLAN_MAX_SUBSTITUTES, entry));
  for (int i = 0; subs[i]; i++)
    if (!plan_finger(subs[i], entry, i + 2, seen,
                     &slot->substitutes[slot->n_substitutes++], ret_problem))
      return FALSE;
  return TRUE;
}

gboolean finger_plan_parse(const char *text, FingerPlan *ret_plan,
                           char **ret_problem)
{
  gboolean seen[FINGER_LEFT_LITTLE + 1] = {FALSE};
  g_auto(GStrv) entries = NULL;
  FingerPlan plan = {0};
  guint n;

  g_return_val_if_fail(text != NULL, FALSE);
  entries = g_strsplit(text, ";", -1);
  n = g_strv_length(entries);
  /* A key-file list may end with its separator. */
  if (n > 1 && !*g_strstrip(entries[n - 1]))
    n--;
  if (n == 0 || (n == 1 && !*g_strstrip(entries[0])))
    return plan_fail(ret_problem, g_strdup("at least one finger to take"));
  if (n > FINGER_PLAN_MAX_SLOTS)
    return plan_fail(ret_problem,
                     g_strdup_printf("at most %d fingers to take, separated "
                                     "by ';'",
                                     FINGER_PLAN_MAX_SLOTS));
  for (guint i = 0; i < n; i++)
    if (!plan_entry(entries[i], (int)i + 1, seen, &plan.slots[plan.n_slots++],
                    ret_problem))
      return FALSE;
  *ret_plan = plan;
  return TRUE;
}

char *finger_plan_check(const char *text)
{
  FingerPlan plan;
  char *problem = NULL;

  if (finger_plan_parse(text, &plan, &problem))
    return NULL;
  return problem;
}

FingerPosition finger_plan_next(const FingerPlanSlot *slot,
                                FingerPosition current)
{
  g_return_val_if_fail(slot != NULL, FINGER_UNKNOWN);
  if (current == slot->finger)
    return slot->n_substitutes > 0 ? slot->substitutes[0] : FINGER_UNKNOWN;
  for (int i = 0; i + 1 < slot->n_substitutes; i++)
    if (slot->substitutes[i] == current)
      return slot->substitutes[i + 1];
  return FINGER_UNKNOWN;
}

const char *finger_exception_kind_to_string(FingerExceptionKind kind)
{
  return kind == FINGER_EXCEPTION_PERMANENT ? "permanent" : "temporary";
}

const char *const *finger_exception_reasons(FingerExceptionKind kind)
{
  return kind == FINGER_EXCEPTION_PERMANENT ? permanent_reasons
                                            : temporary_reasons;
}

const char *finger_exception_reason(FingerExceptionKind kind, const char *code)
{
  const char *const *reasons = finger_exception_reasons(kind);

  for (int i = 0; code && reasons[i]; i++)
    if (g_str_equal(code, reasons[i]))
      return reasons[i];
  return NULL;
}

const char *finger_exception_reason_label(const char *code)
{
  static const struct {
    const char *code;
    const char *label;
  } labels[] = {
      {"bandage", N_("bandage")},
      {"wet_or_dirty", N_("wet or dirty")},
      {"temporary_injury", N_("temporary injury")},
      {"amputation", N_("amputation")},
      {"permanent_injury", N_("permanent injury")},
      {"congenital", N_("from birth")},
  };

  for (gsize i = 0; code && i < G_N_ELEMENTS(labels); i++)
    if (g_str_equal(code, labels[i].code))
      return _(labels[i].label);
  return code;
}
