/* The automatic shot's countdown (kiosk/core/photo-auto.h), with time
 * passed in, and the kiosk's own [photo] settings beside the validator's
 * limits. */
#include "photo-auto.h"
#include "settings.h"
#include "testlib.h"

#define S G_USEC_PER_SEC

/* N good checks start a 3-2-1 countdown that fires once, at its end. */
static void test_fires_after_frames(void)
{
  PhotoAuto a;
  gint64 t = 1000 * S;

  photo_auto_init(&a, 3, 3);
  photo_auto_guidance(&a, TRUE, t);
  photo_auto_guidance(&a, TRUE, t + S / 10);
  g_assert_cmpint(photo_auto_countdown(&a, t + S / 10), ==, 0);
  g_assert_cmpint(photo_auto_deadline(&a, t), ==, G_MAXINT64);
  photo_auto_guidance(&a, TRUE, t + S / 5);
  t += S / 5;
  g_assert_cmpint(photo_auto_countdown(&a, t), ==, 3);
  g_assert_cmpint(photo_auto_deadline(&a, t), ==, t + S);
  g_assert_cmpint(photo_auto_countdown(&a, t + S), ==, 2);
  g_assert_cmpint(photo_auto_countdown(&a, t + 2 * S + 1), ==, 1);
  /* More good checks do not restart it. */
  photo_auto_guidance(&a, TRUE, t + 2 * S);
  g_assert_false(photo_auto_due(&a, t + 3 * S - 1));
  g_assert_true(photo_auto_due(&a, t + 3 * S));
  g_assert_false(photo_auto_due(&a, t + 3 * S + 1));
  g_assert_cmpint(photo_auto_countdown(&a, t + 3 * S), ==, 0);
}

/* A reason during the countdown cancels it; the streak starts again. */
static void test_guidance_failure_cancels(void)
{
  PhotoAuto a;
  gint64 t = 50 * S;

  photo_auto_init(&a, 2, 3);
  photo_auto_guidance(&a, TRUE, t);
  photo_auto_guidance(&a, TRUE, t);
  g_assert_cmpint(photo_auto_countdown(&a, t + S / 2), ==, 3);
  photo_auto_guidance(&a, FALSE, t + S);
  g_assert_cmpint(photo_auto_countdown(&a, t + S), ==, 0);
  g_assert_false(photo_auto_due(&a, t + 10 * S));
  photo_auto_guidance(&a, TRUE, t + 11 * S);
  g_assert_cmpint(photo_auto_countdown(&a, t + 11 * S), ==, 0);
  photo_auto_guidance(&a, TRUE, t + 11 * S);
  g_assert_cmpint(photo_auto_countdown(&a, t + 11 * S), ==, 3);
  photo_auto_reset(&a);
  g_assert_false(photo_auto_due(&a, t + 20 * S));
}

/* 0 frames: never. */
static void test_off(void)
{
  PhotoAuto a;

  photo_auto_init(&a, 0, 3);
  for (int i = 0; i < 100; i++)
    photo_auto_guidance(&a, TRUE, i * S);
  g_assert_cmpint(photo_auto_countdown(&a, 100 * S), ==, 0);
  g_assert_false(photo_auto_due(&a, 1000 * S));
}

/* The settings share [photo] with the limits: read with their defaults,
 * checked against their ranges, unknown keys still refused. */
static void test_settings(void)
{
  g_autoptr(GError) error = NULL;
  KioskConfig *config = config_load(NULL, &error);

  g_assert_no_error(error);
  g_assert_true(photo_setting_known("auto_capture_frames"));
  g_assert_false(photo_setting_known("roll_refuse_deg"));
  g_assert_cmpfloat(photo_setting(config, "auto_capture_countdown_s"), ==, 3);
  g_assert_true(config_override(config, "photo.auto_capture_frames=7", &error));
  g_assert_no_error(error);
  g_assert_cmpfloat(photo_setting(config, "auto_capture_frames"), ==, 7);
  g_assert_false(
      config_override(config, "photo.auto_capture_frames=500", &error));
  g_assert_nonnull(error);
  g_clear_error(&error);
  g_assert_false(config_override(config, "photo.auto_capture=5", &error));
  g_assert_nonnull(error);
  config_free(config);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/photo-auto/fires-after-frames", test_fires_after_frames);
  g_test_add_func("/photo-auto/failure-cancels", test_guidance_failure_cancels);
  g_test_add_func("/photo-auto/off", test_off);
  g_test_add_func("/photo-auto/settings", test_settings);
  return g_test_run();
}
