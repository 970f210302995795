/* The refusal screen's marks and figures from a validator result
 * (kiosk/runtime/photo-marks.h), on results made up here: which region is
 * drawn for which reason, in the displayed crop's coordinates, and which
 * measured value and limit each reason's sentence gives. */
#include <math.h>

#include "photo-marks.h"
#include "testlib.h"

/* A refused result with one reason and a face in the middle of a
 * 1200 x 1600 image whose crop is its middle 600 x 800. */
static PhotoResult *result(const char *reason)
{
  PhotoResult *r = g_new0(PhotoResult, 1);

  r->verdict = PHOTO_VERDICT_REFUSE;
  r->reasons = g_ptr_array_new();
  r->referrals = g_ptr_array_new();
  r->measures = g_array_new(FALSE, FALSE, sizeof(PhotoMeasure));
  g_ptr_array_add(r->reasons, (gpointer)reason);
  r->face_x = 500, r->face_y = 600, r->face_w = 200, r->face_h = 200;
  r->crown_y = 520, r->chin_y = 880;
  r->eye_left_x = 550, r->eye_left_y = 680;
  r->eye_right_x = 650, r->eye_right_y = 700;
  r->crop_x = 300, r->crop_y = 400, r->crop_w = 600, r->crop_h = 800;
  r->has_crop = TRUE;
  return r;
}

static void measure(PhotoResult *r, const char *name, double value)
{
  PhotoMeasure m = {name, value};

  g_array_append_val(r->measures, m);
}

static const PhotoMarksFrame frame = {TRUE, 1200, 1600, 1.0};

static PhotoLimits limits(void)
{
  PhotoLimits l;

  photo_limits_init(&l);
  return l;
}

/* Off-centre: the head's box, and the template's centred on the crop. */
static void test_head_against_template(void)
{
  g_autoptr(PhotoResult) r = result(PHOTO_REASON_FACE_OFF_CENTRE);
  PhotoLimits l = limits();
  ViewMark m[VIEW_MAX_MARKS];
  ReasonFigure f[4];

  g_assert_cmpint(photo_marks_draw(r, &l, &frame, m), ==, 2);
  g_assert_cmpint(m[0].role, ==, VIEW_MARK_FAULT);
  g_assert_cmpfloat_with_epsilon(m[0].x[0], (500.0 - 300) / 600, 1e-6);
  g_assert_cmpfloat_with_epsilon(m[0].y[0], (520.0 - 400) / 800, 1e-6);
  g_assert_cmpint(m[1].role, ==, VIEW_MARK_TARGET);
  g_assert_cmpfloat_with_epsilon((m[1].x[0] + m[1].x[1]) / 2, 0.5, 1e-6);
  g_assert_cmpfloat_with_epsilon(m[1].y[2] - m[1].y[0],
                                 l.head_target_mm / l.crop_height_mm, 1e-6);
  measure(r, "face_offset_mm", 4.2);
  g_assert_cmpint(photo_marks_figures(r, &l, 30, f, 4), ==, 1);
  g_assert_cmpstr(f[0].figure, ==, REASON_FIGURE_OFF_CENTRE);
  g_assert_cmpfloat(f[0].value, ==, 4.2);
  g_assert_cmpfloat(f[0].limit, ==, l.centre_offset_refuse_mm);
}

/* Rolled: the eye line through both eyes and a level one. */
static void test_eye_line(void)
{
  g_autoptr(PhotoResult) r = result(PHOTO_REASON_NOT_FRONTAL);
  PhotoLimits l = limits();
  ViewMark m[VIEW_MAX_MARKS];
  ReasonFigure f[4];

  g_assert_cmpint(photo_marks_draw(r, &l, &frame, m), ==, 2);
  g_assert_false(m[0].closed);
  g_assert_cmpfloat(m[0].y[1], >, m[0].y[0]);  /* tilted like the eyes */
  g_assert_cmpfloat(m[1].y[1], ==, m[1].y[0]); /* level */
  measure(r, "roll_deg", -12.4);
  measure(r, "yaw_deg", 3);
  g_assert_cmpint(photo_marks_figures(r, &l, 30, f, 4), ==, 1);
  g_assert_cmpstr(f[0].figure, ==, REASON_FIGURE_ROLL);
  g_assert_cmpfloat(f[0].value, ==, 12.4);
  g_assert_cmpfloat(f[0].limit, ==, l.roll_refuse_deg);
}

/* A light covering: the validator's outline once it gives one, an
 * ellipse around the head until then; the lightness against its limit. */
static void test_covering(void)
{
  g_autoptr(PhotoResult) r = result(PHOTO_REASON_COVERING_WHITE);
  PhotoLimits l = limits();
  ViewMark m[VIEW_MAX_MARKS];
  ReasonFigure f[4];
  g_autofree char *text = NULL;

  g_assert_cmpint(photo_marks_draw(r, &l, &frame, m), ==, 1);
  g_assert_cmpint(m[0].n, ==, 24);
  r->covering.n = 3;
  r->covering.x[0] = 300, r->covering.y[0] = 400;
  r->covering.x[1] = 900, r->covering.y[1] = 400;
  r->covering.x[2] = 600, r->covering.y[2] = 1200;
  g_assert_cmpint(photo_marks_draw(r, &l, &frame, m), ==, 1);
  g_assert_cmpint(m[0].n, ==, 3);
  g_assert_cmpfloat(m[0].x[1], ==, 1.0f);
  g_assert_cmpfloat(m[0].y[2], ==, 1.0f);
  measure(r, "covering_L", 91);
  g_assert_cmpint(photo_marks_figures(r, &l, 30, f, 4), ==, 1);
  text = reason_figure_text(&f[0]);
  g_assert_cmpstr(text, ==,
                  "Your head covering is too light (lightness 91, limit 70). "
                  "Please use a darker one.");
}

/* No figure without a measure, none below the limit, nothing for an
 * accepted photo. */
static void test_nothing_to_show(void)
{
  g_autoptr(PhotoResult) r = result(PHOTO_REASON_HEAD_TOO_LARGE);
  PhotoLimits l = limits();
  ViewMark m[VIEW_MAX_MARKS];
  ReasonFigure f[4];

  g_assert_cmpint(photo_marks_figures(r, &l, 30, f, 4), ==, 0);
  measure(r, "head_height_mm", 20);
  g_assert_cmpint(photo_marks_figures(r, &l, 30, f, 4), ==, 0);
  r->verdict = PHOTO_VERDICT_ACCEPT;
  g_assert_cmpint(photo_marks_draw(r, &l, &frame, m), ==, 0);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/photo-marks/head-against-template",
                  test_head_against_template);
  g_test_add_func("/photo-marks/eye-line", test_eye_line);
  g_test_add_func("/photo-marks/covering", test_covering);
  g_test_add_func("/photo-marks/nothing-to-show", test_nothing_to_show);
  return g_test_run();
}
