/* The kiosk's photo step (kiosk/steps.c) end to end on portraits drawn by
 * kiosk/portrait.c: JPEG as a camera sends it -> DCT-scaled decode ->
 * validator -> crop. The portraits are made differently from the photo
 * corpus (tests/tools), so they also guard the validator against tuning to
 * that corpus, above all the desk's head-covering rule. */
#include <string.h>

#include "jpegio.h"
#include "photo.h"
#include "portrait.h"
#include "steps.h"
#include "testlib.h"

/* The validator the photo worker would own, made once for the test run. */
static PhotoValidator *validator(void)
{
  static PhotoValidator *v;

  if (!v) {
    g_autoptr(GError) error = NULL;
    PhotoConfig config;

    photo_config_init(&config);
    v = photo_validator_new(&config, &error);
    photo_config_clear(&config);
    g_assert_no_error(error);
  }
  return v;
}

typedef struct {
  gboolean covering;
  guint32 colour;
  gboolean declared;
  const char *expect; /* "accept", "refuse", "not-accept" */
  const char *reason; /* expected among the reasons, or NULL */
} Case;

static PhotoOutcome run_case(const Case *c)
{
  g_autoptr(GError) error = NULL;
  PortraitStyle style;
  g_autoptr(BkImage) image = NULL;
  g_autoptr(GBytes) jpeg = NULL;
  PhotoOutcome outcome = {0};

  portrait_style_default(&style);
  style.covering = c->covering;
  style.covering_colour = c->colour;
  image = portrait_draw(1200, 1600, &style);
  jpeg = jpegio_encode(image, 92, &error);
  g_assert_no_error(error);
  g_assert_true(
      steps_photo(validator(), jpeg, c->declared, 35, &outcome, &error));
  g_assert_no_error(error);
  return outcome;
}

static gboolean has_reason(const PhotoOutcome *o, const char *code)
{
  return o->reasons && g_strv_contains((const char *const *)o->reasons, code);
}

static void test_covering_rule(void)
{
  const Case cases[] = {
      {FALSE, 0, FALSE, "accept", NULL},
      {TRUE, 0x1f3f7a, TRUE, "accept", NULL}, /* dark blue, declared */
      {TRUE, 0x7a1f2e, TRUE, "accept", NULL}, /* burgundy, declared */
      {TRUE, 0xf4f4f0, TRUE, "refuse", PHOTO_REASON_COVERING_WHITE},
      {TRUE, 0xc8c8c8, TRUE, "refuse", PHOTO_REASON_COVERING_WHITE},
      {TRUE, 0x1f3f7a, FALSE, "not-accept", PHOTO_REASON_COVERING_NOT_DECLARED},
      {TRUE, 0x7a1f2e, FALSE, "not-accept", PHOTO_REASON_COVERING_NOT_DECLARED},
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    PhotoOutcome o = run_case(&cases[i]);
    g_autofree char *reasons = g_strjoinv(",", o.reasons);
    g_test_message("case %zu (%06x %s): %s %s [%s]", i, cases[i].colour,
                   cases[i].declared ? "declared" : "undeclared",
                   o.accepted   ? "accept"
                   : o.referred ? "refer"
                                : "refuse",
                   cases[i].expect, reasons);
    if (g_str_equal(cases[i].expect, "accept")) {
      g_assert_true(o.accepted);
    } else if (g_str_equal(cases[i].expect, "refuse")) {
      g_assert_false(o.accepted);
      g_assert_false(o.referred);
    } else {
      g_assert_false(o.accepted);
    }
    if (cases[i].reason)
      g_assert_true(has_reason(&o, cases[i].reason));
    photo_outcome_clear(&o);
  }
}

/* What the record gets: the camera's JPEG untouched, a 35 x 45 crop, a
 * display image that fits the screen. */
static void test_outcome_parts(void)
{
  const Case c = {FALSE, 0, FALSE, "accept", NULL};
  PhotoOutcome o = run_case(&c);

  g_assert_nonnull(o.camera_jpeg);
  g_assert_nonnull(o.crop);
  g_assert_cmpfloat_with_epsilon((double)o.crop->width / o.crop->height,
                                 35.0 / 45.0, 0.01);
  g_assert_cmpint(o.display->width, <=, STEPS_PREVIEW_MAX_W);
  g_assert_cmpint(o.display->height, <=, STEPS_PREVIEW_MAX_H);
  g_assert_nonnull(o.measures);
  photo_outcome_clear(&o);
  g_assert_null(o.camera_jpeg);
}

/* The live-view check on a display-size frame: a subject too far away is
 * told so; a well-framed one gets no hint. */
static void test_guidance(void)
{
  PortraitStyle style;
  g_autoptr(BkImage) good = NULL, far = NULL, good_small = NULL,
                     far_small = NULL;
  g_auto(GStrv) good_hints = NULL, far_hints = NULL;

  portrait_style_default(&style);
  good = portrait_draw(1200, 1600, &style);
  style.head_scale = 0.3;
  far = portrait_draw(1200, 1600, &style);
  good_small = image_scale(good, 480, 640);
  far_small = image_scale(far, 480, 640);
  good_hints = steps_guide(validator(), good_small, FALSE, 35);
  far_hints = steps_guide(validator(), far_small, FALSE, 35);
  g_assert_cmpuint(g_strv_length(good_hints), ==, 0);
  g_assert_true(g_strv_contains((const char *const *)far_hints,
                                PHOTO_REASON_HEAD_TOO_SMALL));
  /* The frame is small for the screen, not the camera: no such hint. */
  g_assert_false(g_strv_contains((const char *const *)far_hints,
                                 PHOTO_REASON_RESOLUTION_TOO_LOW));
}

static void test_unreadable_still(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) junk =
      g_bytes_new_static("\xff\xd8\xff\xe0 not a jpeg", 17);
  PhotoOutcome o = {0};

  g_assert_false(steps_photo(validator(), junk, FALSE, 30, &o, &error));
  g_assert_error(error, STEPS_ERROR, STEPS_ERROR_UNREADABLE_PHOTO);
  g_assert_null(o.camera_jpeg);
}

int main(int argc, char **argv)
{
  g_autofree char *cascade =
      g_build_filename("/usr/share/opencv4/haarcascades",
                       "haarcascade_frontalface_alt2.xml", NULL);

  g_test_init(&argc, &argv, NULL);
  if (!g_file_test(cascade, G_FILE_TEST_EXISTS))
    testlib_skip_all("opencv-data's cascades are not installed");
  g_test_add_func("/steps/photo/covering-rule", test_covering_rule);
  g_test_add_func("/steps/photo/outcome-parts", test_outcome_parts);
  g_test_add_func("/steps/photo/unreadable-still", test_unreadable_still);
  g_test_add_func("/steps/photo/guidance", test_guidance);
  return g_test_run();
}
