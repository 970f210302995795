/* Substitute fingers and the officer's finger exceptions through the
 * running kiosk (issue 12, item 2): the real front end headless, synthetic
 * touches, the demo's officers, and the sealed record opened as the back
 * office would:
 * - right index missing (never placed on the simulated reader, which
 *   times out): an amputation, confirmed by a second officer (four eyes),
 *   and the right thumb taken instead, best of three;
 * - a bandaged finger (three poor prints through libfprint's virtual
 *   reader): a temporary exception, the fingerprints postponed.
 * The exception screens are written to tests/ui-reference/
 * finger-exception-*.png with BK_UPDATE_REFERENCE=1 (docs/fingerprints.md
 * shows them). */
#include <string.h>

#include "kiosk-desk.h"
#include "record-finger.h"
#include "record.h"
#include "testlib.h"

#define SHOTS "finger-exception-screens"

/* The applicant's right index is never placed on the (simulated) reader:
 * the capture times out, and the officer says why. */
static const char *const right_index_missing[] = {
    "devices.reader=sim",
    "reader.scenario=missing-finger",
    "reader.scenario_finger=2",
    NULL,
};

/* Through the demo's script to the signature, then to the fingerprint
 * step, where the reader waits for the right index until it gives up. */
static void to_missing_finger(KioskDesk *d)
{
  kiosk_desk_walk_to(d, SESSION_SIGNATURE);
  g_assert_true(kiosk_desk_has_button(d, VIEW_BUTTON_ACCEPT));
  kiosk_desk_touch(d, VIEW_BUTTON_ACCEPT);
  g_assert_cmpint(kiosk_desk_state(d), ==, SESSION_FINGERPRINT);
  g_assert_true(kiosk_desk_says(d, "reader is not available"));
}

/* The one exception of the record's fingerprint.exceptions, as a
 * dictionary; and the record's substitutions. */
static GVariantDict *only_exception(BkRecord *record)
{
  GVariant *list = record_get_value(record, "fingerprint.exceptions");

  g_assert_nonnull(list);
  g_assert_cmpstr(g_variant_get_type_string(list), ==, "aa{sv}");
  g_assert_cmpuint(g_variant_n_children(list), ==, 1);
  return g_variant_dict_new(g_variant_get_child_value(list, 0));
}

static const char *dict_string(GVariantDict *dict, const char *key)
{
  const char *value = NULL;

  if (!g_variant_dict_lookup(dict, key, "&s", &value))
    return NULL;
  return value;
}

/* The record's first exception photo part, or NULL. */
static const BkRecordPart *exception_photo_part(BkRecord *record)
{
  for (guint i = 0; i < record_n_parts(record); i++)
    if (g_str_has_prefix(record_part(record, i)->name,
                         RECORD_FINGER_EXCEPTION_PHOTO_PREFIX))
      return record_part(record, i);
  return NULL;
}

/* Right index missing (an amputation): the reader times out waiting for
 * it and the officer marks it; a second officer confirms; the right thumb
 * is taken in best of three; the review and the record say both. */
static void test_amputation_thumb(void)
{
  KioskDesk d;
  g_autoptr(BkRecord) record = NULL;
  g_autoptr(GVariantDict) e = NULL;
  GVariant *subs;
  gint64 impressions = 0;
  gboolean postponed = TRUE;

  kiosk_desk_open(&d, right_index_missing);
  to_missing_finger(&d);
  g_assert_true(kiosk_desk_has_button(&d, VIEW_BUTTON_MISSING));
  kiosk_desk_touch(&d, VIEW_BUTTON_MISSING);
  g_assert_true(kiosk_desk_says(&d, "right index finger is not available"));
  kiosk_desk_screenshot(&d, SHOTS, "finger-exception-kind");
  kiosk_desk_touch(&d, VIEW_BUTTON_FINGER_PERMANENT);
  kiosk_desk_screenshot(&d, SHOTS, "finger-exception-permanent");
  kiosk_desk_touch(&d, VIEW_BUTTON_REASON_PREFIX "amputation");
  /* The photo is optional: none this time. */
  g_assert_true(kiosk_desk_has_button(&d, VIEW_BUTTON_SKIP));
  kiosk_desk_touch(&d, VIEW_BUTTON_SKIP);
  /* Four eyes: a second, different officer. */
  g_assert_cmpint(kiosk_desk_state(&d), ==, SESSION_OFFICER_PIN);
  kiosk_desk_screenshot(&d, SHOTS, "finger-exception-four-eyes");
  kiosk_desk_enter(&d, "1002");
  kiosk_desk_enter(&d, "1357");
  g_assert_cmpint(kiosk_desk_state(&d), ==, SESSION_FINGERPRINT);
  /* The thumb and the left index, three impressions each. */
  for (int i = 0; i < 50 && !kiosk_desk_has_button(&d, VIEW_BUTTON_ACCEPT); i++)
    kiosk_desk_settle(&d);
  g_assert_true(kiosk_desk_has_button(&d, VIEW_BUTTON_ACCEPT));
  kiosk_desk_touch(&d, VIEW_BUTTON_ACCEPT);
  g_assert_cmpint(kiosk_desk_state(&d), ==, SESSION_REVIEW);
  g_assert_true(kiosk_desk_says(&d, "right thumb instead of right index "
                                    "finger, left index finger"));
  g_assert_true(kiosk_desk_says(&d, "right index finger permanently not "
                                    "available (amputation)"));
  kiosk_desk_screenshot(&d, SHOTS, "finger-exception-review");
  kiosk_desk_touch(&d, VIEW_BUTTON_APPROVE);
  g_assert_cmpint(kiosk_desk_state(&d), ==, SESSION_DONE);

  record = kiosk_desk_last_record(&d);
  e = only_exception(record);
  g_assert_cmpstr(dict_string(e, "kind"), ==, "permanent");
  g_assert_cmpstr(dict_string(e, "finger"), ==, "right_index");
  g_assert_cmpstr(dict_string(e, "reason"), ==, "amputation");
  g_assert_cmpstr(dict_string(e, "officer"), ==, "officer:1001");
  g_assert_cmpstr(dict_string(e, "confirmed_by"), ==, "officer:1002");
  g_assert_nonnull(dict_string(e, "time"));
  /* Without a photo: no file, no name. */
  g_assert_null(dict_string(e, "photo"));
  g_assert_null(exception_photo_part(record));
  subs = record_get_value(record, "fingerprint.substitutions");
  g_assert_nonnull(subs);
  g_assert_cmpuint(g_variant_n_children(subs), ==, 1);
  g_assert_nonnull(record_find_part(record, "finger/right_thumb"));
  g_assert_nonnull(record_find_part(record, "finger/left_index"));
  g_assert_null(record_find_part(record, "finger/right_index"));
  g_assert_true(
      record_get_boolean(record, "fingerprint.postponed", &postponed));
  g_assert_false(postponed);
  /* Best of three kept one of three impressions. */
  g_assert_true(
      record_get_int(record, "finger.right_thumb.impressions", &impressions));
  g_assert_cmpint(impressions, ==, 3);
  kiosk_desk_close(&d);
}

/* Through libfprint's virtual reader, whose first three impressions of
 * each finger come out faint and partial: a bandaged finger leaves no
 * usable print. */
static const char *const bandaged[] = {
    "reader.poor_impressions=0,1,2",
    NULL,
};

/* A bandaged right index: three poor prints, then the officer marks it
 * temporarily unavailable and postpones the fingerprints; the review and
 * the done screen say so and the record holds the photo, the signature
 * and the exception, no print. */
static void test_bandage_postponed(void)
{
  KioskDesk d;
  g_autoptr(BkRecord) record = NULL;
  g_autoptr(GVariantDict) e = NULL;
  gboolean postponed = FALSE;

  kiosk_desk_open(&d, bandaged);
  kiosk_desk_walk_to(&d, SESSION_FINGERPRINT);
  g_assert_true(kiosk_desk_says(&d, "right index finger could not be read"));
  kiosk_desk_touch(&d, VIEW_BUTTON_MISSING);
  kiosk_desk_touch(&d, VIEW_BUTTON_FINGER_TEMPORARY);
  kiosk_desk_screenshot(&d, SHOTS, "finger-exception-temporary-reason");
  kiosk_desk_touch(&d, VIEW_BUTTON_REASON_PREFIX "bandage");
  kiosk_desk_touch(&d, VIEW_BUTTON_SKIP);
  g_assert_true(kiosk_desk_has_button(&d, VIEW_BUTTON_POSTPONE));
  g_assert_true(kiosk_desk_says(&d, "temporarily not available"));
  kiosk_desk_screenshot(&d, SHOTS, "finger-exception-postpone");
  kiosk_desk_touch(&d, VIEW_BUTTON_POSTPONE);
  g_assert_cmpint(kiosk_desk_state(&d), ==, SESSION_REVIEW);
  g_assert_true(kiosk_desk_says(&d, "postponed to a new appointment"));
  g_assert_true(kiosk_desk_says(&d, "right index finger temporarily not "
                                    "available (bandage)"));
  kiosk_desk_touch(&d, VIEW_BUTTON_APPROVE);
  g_assert_cmpint(kiosk_desk_state(&d), ==, SESSION_DONE);
  g_assert_true(kiosk_desk_says(&d, "fingerprints are postponed"));
  kiosk_desk_screenshot(&d, SHOTS, "finger-exception-postponed-done");

  record = kiosk_desk_last_record(&d);
  e = only_exception(record);
  g_assert_cmpstr(dict_string(e, "kind"), ==, "temporary");
  g_assert_cmpstr(dict_string(e, "reason"), ==, "bandage");
  g_assert_cmpstr(dict_string(e, "officer"), ==, "officer:1001");
  g_assert_null(dict_string(e, "confirmed_by"));
  g_assert_true(
      record_get_boolean(record, "fingerprint.postponed", &postponed));
  g_assert_true(postponed);
  g_assert_null(record_find_part(record, "finger/right_index"));
  g_assert_null(record_find_part(record, "finger/left_index"));
  kiosk_desk_close(&d);
}

int main(int argc, char **argv)
{
  kiosk_desk_test_init(&argc, &argv);
  g_test_add_func("/finger-exceptions/amputation-thumb", test_amputation_thumb);
  g_test_add_func("/finger-exceptions/bandage-postponed",
                  test_bandage_postponed);
  return g_test_run();
}
