/* See photo-marks.h. The template's head box follows the validator's crop
 * (capture/photo.c, check_geometry): the head scaled to head_target_mm,
 * centred, its crown at 0.42 of the space above it. */
#include "photo-marks.h"

#include <math.h>
#include <string.h>

/* Share of the free height above the template's head (see above). */
#define TEMPLATE_TOP_SHARE 0.42
/* Points of an ellipse drawn in place of a covering outline. */
#define ELLIPSE_POINTS 24

typedef struct {
  const PhotoResult *r;
  const PhotoMarksFrame *frame;
  ViewMark *marks;
  int n;
} Marks;

/* An analysed-image point in the display's 0..1. */
static void to_display(const Marks *m, double x, double y, float *u, float *v)
{
  const PhotoMarksFrame *f = m->frame;
  double s = f->source_scale > 0 ? f->source_scale : 1;

  if (f->cropped && m->r->crop_w > 0 && m->r->crop_h > 0) {
    *u = (float)((x * s - m->r->crop_x) / m->r->crop_w);
    *v = (float)((y * s - m->r->crop_y) / m->r->crop_h);
  } else {
    *u = (float)(x / MAX(f->width, 1));
    *v = (float)(y / MAX(f->height, 1));
  }
}

static ViewMark *mark_new(Marks *m, ViewMarkRole role, gboolean closed)
{
  ViewMark *k;

  if (m->n >= VIEW_MAX_MARKS)
    return NULL;
  k = &m->marks[m->n++];
  memset(k, 0, sizeof *k);
  k->role = role;
  k->closed = closed;
  return k;
}

static void mark_point(const Marks *m, ViewMark *k, double x, double y)
{
  if (k && k->n < VIEW_MARK_MAX_POINTS) {
    to_display(m, x, y, &k->x[k->n], &k->y[k->n]);
    k->n++;
  }
}

/* A box in analysed pixels. */
static void mark_box(Marks *m, ViewMarkRole role, double x, double y, double w,
                     double h)
{
  ViewMark *k = mark_new(m, role, TRUE);

  mark_point(m, k, x, y);
  mark_point(m, k, x + w, y);
  mark_point(m, k, x + w, y + h);
  mark_point(m, k, x, y + h);
}

/* The covering: the validator's outline, or until it gives one, an ellipse
 * around the head from the crown to below the chin. */
static void mark_covering(Marks *m)
{
  const PhotoResult *r = m->r;
  ViewMark *k;
  double cx = r->face_x + r->face_w / 2, head = r->chin_y - r->crown_y;

  if (r->covering.n > 0) {
    k = mark_new(m, VIEW_MARK_FAULT, TRUE);
    for (int i = 0; i < MIN(r->covering.n, VIEW_MARK_MAX_POINTS); i++)
      mark_point(m, k, r->covering.x[i], r->covering.y[i]);
    return;
  }
  if (r->face_w <= 0 || head <= 0)
    return;
  k = mark_new(m, VIEW_MARK_FAULT, TRUE);
  for (int i = 0; i < ELLIPSE_POINTS; i++) {
    double a = 2 * G_PI * i / ELLIPSE_POINTS;

    mark_point(m, k, cx + 0.85 * r->face_w * cos(a),
               r->crown_y + 0.6 * head + 0.68 * head * sin(a));
  }
}

/* The head (crown to chin, face width) and, on the crop, the template's. */
static void mark_head(Marks *m, const PhotoLimits *lim)
{
  const PhotoResult *r = m->r;
  double head = r->chin_y - r->crown_y;
  float hx0, hy0, hx1, hy1, th, tw, top;
  ViewMark *k;

  if (r->face_w <= 0 || head <= 0)
    return;
  mark_box(m, VIEW_MARK_FAULT, r->face_x, r->crown_y, r->face_w, head);
  if (!m->frame->cropped || !r->has_crop)
    return;
  to_display(m, r->face_x, r->crown_y, &hx0, &hy0);
  to_display(m, r->face_x + r->face_w, r->chin_y, &hx1, &hy1);
  th = (float)(lim->head_target_mm / lim->crop_height_mm);
  tw = (hx1 - hx0) * th / MAX(hy1 - hy0, 1e-3f);
  top = (float)((lim->crop_height_mm - lim->head_target_mm) *
                TEMPLATE_TOP_SHARE / lim->crop_height_mm);
  k = mark_new(m, VIEW_MARK_TARGET, TRUE);
  if (!k)
    return;
  k->n = 4;
  k->x[0] = k->x[3] = 0.5f - tw / 2;
  k->x[1] = k->x[2] = 0.5f + tw / 2;
  k->y[0] = k->y[1] = top;
  k->y[2] = k->y[3] = top + th;
}

/* The eye line, drawn past both eyes, against a level one. */
static void mark_eye_line(Marks *m)
{
  const PhotoResult *r = m->r;
  double dx = r->eye_right_x - r->eye_left_x;
  double dy = r->eye_right_y - r->eye_left_y;
  double d = hypot(dx, dy), mx = (r->eye_left_x + r->eye_right_x) / 2;
  double my = (r->eye_left_y + r->eye_right_y) / 2;
  ViewMark *k;

  if (d <= 0)
    return;
  k = mark_new(m, VIEW_MARK_FAULT, FALSE);
  mark_point(m, k, mx - dx, my - dy);
  mark_point(m, k, mx + dx, my + dy);
  k = mark_new(m, VIEW_MARK_TARGET, FALSE);
  mark_point(m, k, mx - d, my);
  mark_point(m, k, mx + d, my);
}

static gboolean is_covering(const char *code)
{
  return g_str_has_prefix(code, "head_covering_");
}

static gboolean is_geometry(const char *code)
{
  return g_str_equal(code, PHOTO_REASON_HEAD_TOO_SMALL) ||
         g_str_equal(code, PHOTO_REASON_HEAD_TOO_LARGE) ||
         g_str_equal(code, PHOTO_REASON_FACE_OFF_CENTRE);
}

int photo_marks_draw(const PhotoResult *r, const PhotoLimits *lim,
                     const PhotoMarksFrame *frame, ViewMark *ret_marks)
{
  Marks m = {.r = r, .frame = frame, .marks = ret_marks};
  gboolean covering = FALSE, head = FALSE, eyes = FALSE, shadow = FALSE;

  if (r->verdict == PHOTO_VERDICT_ACCEPT)
    return 0;
  for (guint i = 0; i < r->reasons->len; i++) {
    const char *code = g_ptr_array_index(r->reasons, i);

    if (is_covering(code) && !covering) {
      covering = TRUE;
      mark_covering(&m);
    } else if (is_geometry(code) && !head) {
      head = TRUE;
      mark_head(&m, lim);
    } else if (g_str_equal(code, PHOTO_REASON_NOT_FRONTAL) && !eyes) {
      eyes = TRUE;
      mark_eye_line(&m);
    } else if (g_str_equal(code, PHOTO_REASON_BACKGROUND_NOT_UNIFORM) &&
               r->has_shadow && !shadow) {
      shadow = TRUE;
      mark_box(&m, VIEW_MARK_FAULT, r->shadow_x, r->shadow_y, r->shadow_w,
               r->shadow_h);
    }
  }
  /* A mark cut short for want of room is no mark. */
  while (m.n > 0 && m.marks[m.n - 1].n < 2)
    m.n--;
  return m.n;
}

/* ---- figures ---- */

/* The limit `value` passed: the refusal's when past it, else the
 * referral's; NAN when it passed neither. `above`: larger is worse. */
static double passed(double value, double refer, double refuse, gboolean above)
{
  if (above ? value > refuse : value < refuse)
    return refuse;
  if (above ? value > refer : value < refer)
    return refer;
  return NAN;
}

typedef struct {
  const PhotoResult *r;
  const PhotoLimits *lim;
  int age;
} FigureInput;

/* A shadow the validator found (has_shadow), and nothing else on the
 * backdrop (another person, an object), which would darken it too. */
static gboolean shadow_only(const FigureInput *in)
{
  double v;

  if (!in->r->has_shadow ||
      photo_result_has_reason(in->r, PHOTO_REASON_MULTIPLE_FACES))
    return FALSE;
  return !photo_result_get_measure(in->r, "other_object_fraction", &v) ||
         v <= in->lim->other_object_refer;
}

/* The figure behind `code`, FALSE when none was measured. */
static gboolean figure_for(const FigureInput *in, const char *code,
                           ReasonFigure *f)
{
  const PhotoLimits *l = in->lim;
  double v = NAN;

  f->reason = code;
  f->limit = NAN;
  if (g_str_equal(code, PHOTO_REASON_COVERING_WHITE) &&
      photo_result_get_measure(in->r, "covering_L", &v)) {
    f->figure = REASON_FIGURE_COVERING_LIGHTNESS;
    f->limit =
        passed(v, l->covering_light_refer_L, l->covering_light_refuse_L, TRUE);
    if (isnan(f->limit) && v > l->covering_pale_white_L)
      f->limit = l->covering_pale_white_L;
  } else if (g_str_equal(code, PHOTO_REASON_COVERING_LOW_CONTRAST) &&
             photo_result_get_measure(in->r, "covering_de00_background", &v)) {
    f->figure = REASON_FIGURE_COVERING_CONTRAST;
    f->limit = passed(v, l->covering_contrast_refer_de00,
                      l->covering_contrast_refuse_de00, FALSE);
  } else if (g_str_equal(code, PHOTO_REASON_FACE_OFF_CENTRE) &&
             photo_result_get_measure(in->r, "face_offset_mm", &v)) {
    f->figure = REASON_FIGURE_OFF_CENTRE;
    f->limit =
        passed(v, l->centre_offset_refer_mm, l->centre_offset_refuse_mm, TRUE);
  } else if (g_str_equal(code, PHOTO_REASON_BACKGROUND_NOT_UNIFORM) &&
             shadow_only(in) &&
             photo_result_get_measure(in->r, "shadow_fraction", &v)) {
    f->figure = REASON_FIGURE_SHADOW;
    v *= 100;
    f->limit = passed(v, l->shadow_refer * 100, l->shadow_refuse * 100, TRUE);
  }
  f->value = v;
  return !isnan(f->limit);
}

/* not_frontal: the first of roll, yaw and pitch past its limit. */
static gboolean figure_pose(const FigureInput *in, ReasonFigure *f)
{
  const PhotoLimits *l = in->lim;
  const struct {
    const char *measure, *figure;
    double refer, refuse;
  } pose[] = {
      {"roll_deg", REASON_FIGURE_ROLL, l->roll_refer_deg, l->roll_refuse_deg},
      {"yaw_deg", REASON_FIGURE_YAW, l->yaw_refer_deg, l->yaw_refuse_deg},
      {"pitch_deg", REASON_FIGURE_PITCH, l->pitch_refer_deg,
       l->pitch_refuse_deg},
  };

  f->reason = PHOTO_REASON_NOT_FRONTAL;
  for (gsize i = 0; i < G_N_ELEMENTS(pose); i++) {
    double v;

    if (!photo_result_get_measure(in->r, pose[i].measure, &v))
      continue;
    f->figure = pose[i].figure;
    f->value = fabs(v);
    f->limit = passed(f->value, pose[i].refer, pose[i].refuse, TRUE);
    if (!isnan(f->limit))
      return TRUE;
  }
  return FALSE;
}

/* head_too_small / _too_large on the head's height in the crop. */
static gboolean figure_head(const FigureInput *in, const char *code,
                            ReasonFigure *f)
{
  const PhotoLimits *l = in->lim;
  double v, min = in->age >= 0 && in->age < l->child_age ? l->head_min_mm_child
                                                         : l->head_min_mm;

  if (!photo_result_get_measure(in->r, "head_height_mm", &v))
    return FALSE;
  f->reason = code;
  f->value = v;
  if (g_str_equal(code, PHOTO_REASON_HEAD_TOO_LARGE)) {
    f->figure = REASON_FIGURE_HEAD_LARGE;
    f->limit = l->head_max_mm;
    return v > l->head_max_mm - l->head_margin_mm;
  }
  f->figure = REASON_FIGURE_HEAD_SMALL;
  f->limit = min;
  return v < min + l->head_margin_mm;
}

int photo_marks_figures(const PhotoResult *r, const PhotoLimits *lim, int age,
                        ReasonFigure *ret_figures, int max)
{
  const FigureInput in = {r, lim, age};
  int n = 0;

  for (guint i = 0; i < r->reasons->len && n < max; i++) {
    const char *code = g_ptr_array_index(r->reasons, i);
    ReasonFigure f = {0};
    gboolean ok;

    if (g_str_equal(code, PHOTO_REASON_NOT_FRONTAL))
      ok = figure_pose(&in, &f);
    else if (g_str_equal(code, PHOTO_REASON_HEAD_TOO_SMALL) ||
             g_str_equal(code, PHOTO_REASON_HEAD_TOO_LARGE))
      ok = figure_head(&in, code, &f);
    else
      ok = figure_for(&in, code, &f);
    if (ok)
      ret_figures[n++] = f;
  }
  return n;
}
