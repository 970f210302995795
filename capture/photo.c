/* The photo validator: finds the face and eyes (Haar cascades), models the
 * white background (from the calibration frame when there is one, else from
 * the frame's border), and measures geometry after the kiosk's own 35 x 45 mm
 * crop, background, exposure, colour, sharpness and the head covering.
 * Every threshold comes from PhotoConfig or is a physical unit (CIELAB,
 * degrees, multiples of the eye distance); docs/photo-validator.md explains
 * each. Values near a threshold refer to the officer instead of refusing. */
#include "photo.h"

#include <math.h>
#include <string.h>

#include "jpegio.h"
#include "photo-colour.h"
#include "photo-face.h"
#include "pngio.h"

struct _PhotoValidator {
  PhotoConfig config;
  PhotoCascade *face;
  PhotoCascade *eye;
};

/* ---- reason codes ---- */

const char *const photo_reason_codes[] = {
    PHOTO_REASON_NO_FACE,
    PHOTO_REASON_MULTIPLE_FACES,
    PHOTO_REASON_NOT_FRONTAL,
    PHOTO_REASON_EYES_NOT_VISIBLE,
    PHOTO_REASON_HEAD_TOO_SMALL,
    PHOTO_REASON_HEAD_TOO_LARGE,
    PHOTO_REASON_FACE_OFF_CENTRE,
    PHOTO_REASON_RESOLUTION_TOO_LOW,
    PHOTO_REASON_BACKGROUND_NOT_WHITE,
    PHOTO_REASON_BACKGROUND_NOT_UNIFORM,
    PHOTO_REASON_UNDEREXPOSED,
    PHOTO_REASON_OVEREXPOSED,
    PHOTO_REASON_UNEVEN_LIGHTING,
    PHOTO_REASON_UNNATURAL_COLOUR,
    PHOTO_REASON_BLURRED,
    PHOTO_REASON_COVERING_NOT_DECLARED,
    PHOTO_REASON_COVERING_WHITE,
    PHOTO_REASON_COVERING_LOW_CONTRAST,
    PHOTO_REASON_COVERING_NOT_SINGLE_COLOURED,
    PHOTO_REASON_COVERING_NOT_SMOOTH,
    NULL,
};

const char *photo_verdict_name(PhotoVerdict verdict)
{
  switch (verdict) {
  case PHOTO_VERDICT_ACCEPT:
    return "accept";
  case PHOTO_VERDICT_REFUSE:
    return "refuse";
  case PHOTO_VERDICT_REFER:
    return "refer";
  }
  return "refer";
}

/* ---- configuration ---- */

void photo_config_init(PhotoConfig *config)
{
  memset(config, 0, sizeof(*config));
  config->cascade_dir = g_strdup("/usr/share/opencv4/haarcascades");
  config->crop_width_mm = 35;
  config->crop_height_mm = 45;
  config->crop_dpi = 300;
  config->head_min_mm = 26;
  config->head_max_mm = 30;
  config->head_min_mm_child = 19;
  config->child_age = 11;
  config->head_target_mm = 28.5;
  config->face_width_min_mm = 16;
  config->face_width_max_mm = 20;
  config->max_centre_offset_mm = 1.5;
  config->min_eye_distance_px = 90;
  config->max_roll_deg = 5;
  config->max_yaw = 0.2;
  config->allow_light_grey = FALSE;
  config->background_min_L = 80;
  config->background_max_chroma = 8;
  config->background_max_spread = 14;
  config->covering_light_L = 70;
  config->covering_light_chroma = 12;
  config->covering_min_de00 = 12;
}

void photo_config_clear(PhotoConfig *config)
{
  if (config)
    g_clear_pointer(&config->cascade_dir, g_free);
}

/* ---- validator object ---- */

PhotoValidator *photo_validator_new(const PhotoConfig *config, GError **error)
{
  g_autoptr(PhotoValidator) v = g_new0(PhotoValidator, 1);
  g_autofree char *face_path = NULL, *eye_path = NULL;

  v->config = *config;
  v->config.cascade_dir = g_strdup(config->cascade_dir);
  face_path = g_build_filename(config->cascade_dir,
                               "haarcascade_frontalface_alt2.xml", NULL);
  eye_path = g_build_filename(config->cascade_dir, "haarcascade_eye.xml", NULL);
  v->face = photo_cascade_load(face_path, error);
  if (!v->face)
    return NULL;
  v->eye = photo_cascade_load(eye_path, error);
  if (!v->eye)
    return NULL;

  return g_steal_pointer(&v);
}

void photo_validator_free(PhotoValidator *v)
{
  if (!v)
    return;
  photo_cascade_free(v->face);
  photo_cascade_free(v->eye);
  photo_config_clear(&v->config);
  g_free(v);
}

const PhotoConfig *photo_validator_get_config(const PhotoValidator *v)
{
  return &v->config;
}

/* ---- results ---- */

static PhotoResult *result_new(void)
{
  PhotoResult *r = g_new0(PhotoResult, 1);

  r->reasons = g_ptr_array_new();
  r->referrals = g_ptr_array_new();
  r->measures = g_array_new(FALSE, FALSE, sizeof(PhotoMeasure));
  return r;
}

void photo_result_free(PhotoResult *r)
{
  if (!r)
    return;
  g_ptr_array_unref(r->reasons);
  g_ptr_array_unref(r->referrals);
  g_array_unref(r->measures);
  g_free(r);
}

gboolean photo_result_get_measure(const PhotoResult *r, const char *name,
                                  double *ret_value)
{
  for (guint i = 0; i < r->measures->len; i++) {
    const PhotoMeasure *m = &g_array_index(r->measures, PhotoMeasure, i);
    if (strcmp(m->name, name) == 0) {
      if (ret_value)
        *ret_value = m->value;
      return TRUE;
    }
  }
  return FALSE;
}

gboolean photo_result_has_reason(const PhotoResult *r, const char *code)
{
  for (guint i = 0; i < r->reasons->len; i++)
    if (strcmp(g_ptr_array_index(r->reasons, i), code) == 0)
      return TRUE;
  return FALSE;
}

static void measure(PhotoResult *r, const char *name, double value)
{
  PhotoMeasure m = {name, isfinite(value) ? value : 0.0};

  for (guint i = 0; i < r->measures->len; i++)
    if (strcmp(g_array_index(r->measures, PhotoMeasure, i).name, name) == 0) {
      g_array_index(r->measures, PhotoMeasure, i).value = m.value;
      return;
    }
  g_array_append_val(r->measures, m);
}

static void add_code(GPtrArray *list, const char *code)
{
  for (guint i = 0; i < list->len; i++)
    if (strcmp(g_ptr_array_index(list, i), code) == 0)
      return;
  g_ptr_array_add(list, (gpointer)code);
}

static void refuse(PhotoResult *r, const char *code)
{
  add_code(r->reasons, code);
}

static void refer(PhotoResult *r, const char *code)
{
  add_code(r->referrals, code);
}

/* value beyond `refuse_at` refuses, beyond `refer_at` refers (both on the
 * same side: `above` TRUE means large values are bad). */
static void judge(PhotoResult *r, const char *code, double value,
                  gboolean above, double refer_at, double refuse_at)
{
  gboolean bad_refuse = above ? value > refuse_at : value < refuse_at;
  gboolean bad_refer = above ? value > refer_at : value < refer_at;

  if (bad_refuse)
    refuse(r, code);
  else if (bad_refer)
    refer(r, code);
}

static void result_finish(PhotoResult *r)
{
  if (r->reasons->len > 0) {
    r->verdict = PHOTO_VERDICT_REFUSE;
  } else if (r->referrals->len > 0) {
    r->verdict = PHOTO_VERDICT_REFER;
    for (guint i = 0; i < r->referrals->len; i++)
      add_code(r->reasons, g_ptr_array_index(r->referrals, i));
  } else {
    r->verdict = PHOTO_VERDICT_ACCEPT;
  }
}

/* ---- analysis ---- */

typedef struct {
  int w, h;
  float *L, *A, *B; /* white-balanced CIELAB */
  guint8 *grey;
  float *bgdiff; /* difference from the background model, dE76 */
  float *model_L, *model_A, *model_B; /* the background model itself */
  guint8 *bg;      /* 1 = background (flood from the border) */
  guint8 *subject; /* 1 = the main subject */
  PhotoLab bg_lab; /* mean background, white-balanced */
  double gain[3];
} Analysis;

static void analysis_clear(Analysis *an)
{
  g_free(an->L);
  g_free(an->A);
  g_free(an->B);
  g_free(an->grey);
  g_free(an->bgdiff);
  g_free(an->model_L);
  g_free(an->model_A);
  g_free(an->model_B);
  g_free(an->bg);
  g_free(an->subject);
}

static inline gsize idx(const Analysis *an, int x, int y)
{
  return (gsize)y * (gsize)an->w + (gsize)x;
}

static int cmp_float(const void *a, const void *b)
{
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

static double percentile(GArray *values, double p)
{
  if (values->len == 0)
    return 0;
  g_array_sort(values, cmp_float);
  return g_array_index(values, float,
                       (guint)CLAMP(p * (values->len - 1), 0, values->len - 1));
}

/* The border samples that describe the background: the top rows and the
 * upper parts of both sides (the shoulders reach the lower sides). */
static gboolean is_border_sample(int x, int y, int w, int h)
{
  int m = MAX(2, MIN(w, h) / 25);

  return y < m || ((x < m || x >= w - m) && y < h / 2);
}

static void analysis_colour(Analysis *an, const BkImage *rgb)
{
  double white[3] = {0};
  int n = 0;
  gsize total = (gsize)an->w * (gsize)an->h;

  /* White balance on the background: the mean linear RGB of the border. */
  for (int y = 0; y < an->h; y++)
    for (int x = 0; x < an->w; x++)
      if (is_border_sample(x, y, an->w, an->h)) {
        const guint8 *p = image_pixel(rgb, x, y);
        for (int c = 0; c < 3; c++)
          white[c] += photo_colour_linear(p[c]);
        n++;
      }
  for (int c = 0; c < 3; c++)
    white[c] /= MAX(n, 1);
  photo_colour_gain_for_white(white, an->gain);
  /* A dark or strongly tinted border is no white background: do not let it
   * turn the whole photo grey. */
  for (int c = 0; c < 3; c++)
    an->gain[c] = CLAMP(an->gain[c], 0.7, 1.4);

  an->L = g_new(float, total);
  an->A = g_new(float, total);
  an->B = g_new(float, total);
  an->grey = g_new(guint8, total);
  for (int y = 0; y < an->h; y++)
    for (int x = 0; x < an->w; x++) {
      const guint8 *p = image_pixel(rgb, x, y);
      PhotoLab lab = photo_colour_lab(p[0], p[1], p[2], an->gain);
      gsize i = idx(an, x, y);
      an->L[i] = (float)lab.L;
      an->A[i] = (float)lab.a;
      an->B[i] = (float)lab.b;
      an->grey[i] = (guint8)((299 * p[0] + 587 * p[1] + 114 * p[2]) / 1000);
    }
}

/* Least-squares plane v = c0 + c1 x + c2 y through samples. */
static void fit_plane(const double *xs, const double *ys, const double *vs,
                      int n, double ret[3])
{
  double s[3][4] = {{0}};

  for (int i = 0; i < n; i++) {
    double row[3] = {1, xs[i], ys[i]};
    for (int a = 0; a < 3; a++) {
      for (int b = 0; b < 3; b++)
        s[a][b] += row[a] * row[b];
      s[a][3] += row[a] * vs[i];
    }
  }
  /* Gauss-Jordan on the 3x3 system; fall back to the mean when singular. */
  for (int c = 0; c < 3; c++) {
    int piv = c;
    for (int r = c + 1; r < 3; r++)
      if (fabs(s[r][c]) > fabs(s[piv][c]))
        piv = r;
    if (fabs(s[piv][c]) < 1e-9) {
      ret[0] = n > 0 ? s[0][3] / MAX(s[0][0], 1) : 0;
      ret[1] = ret[2] = 0;
      return;
    }
    for (int k = 0; k < 4; k++) {
      double t = s[c][k];
      s[c][k] = s[piv][k];
      s[piv][k] = t;
    }
    for (int r = 0; r < 3; r++) {
      double f;
      if (r == c)
        continue;
      f = s[r][c] / s[c][c];
      for (int k = 0; k < 4; k++)
        s[r][k] -= f * s[c][k];
    }
  }
  for (int c = 0; c < 3; c++)
    ret[c] = s[c][3] / s[c][c];
}

/* bgdiff from a smooth model of the border (no calibration frame): a plane
 * per CIELAB channel, fitted to border samples near their median so hair
 * touching the top edge does not bend it. */
static void background_model_border(Analysis *an)
{
  g_autoptr(GArray) xs = g_array_new(FALSE, FALSE, sizeof(double));
  g_autoptr(GArray) ys = g_array_new(FALSE, FALSE, sizeof(double));
  g_autoptr(GArray) ls = g_array_new(FALSE, FALSE, sizeof(float));
  g_autoptr(GArray) as = g_array_new(FALSE, FALSE, sizeof(float));
  g_autoptr(GArray) bs = g_array_new(FALSE, FALSE, sizeof(float));
  double med[3], plane[3][3];
  g_autofree double *fx = NULL;
  g_autofree double *fy = NULL;
  double *fv[3] = {NULL, NULL, NULL};
  int n = 0;

  for (int y = 0; y < an->h; y += 2)
    for (int x = 0; x < an->w; x += 2)
      if (is_border_sample(x, y, an->w, an->h)) {
        gsize i = idx(an, x, y);
        double dx = x, dy = y;
        g_array_append_val(xs, dx);
        g_array_append_val(ys, dy);
        g_array_append_val(ls, an->L[i]);
        g_array_append_val(as, an->A[i]);
        g_array_append_val(bs, an->B[i]);
      }
  {
    g_autoptr(GArray) t0 = g_array_copy(ls);
    g_autoptr(GArray) t1 = g_array_copy(as);
    g_autoptr(GArray) t2 = g_array_copy(bs);
    med[0] = percentile(t0, 0.5);
    med[1] = percentile(t1, 0.5);
    med[2] = percentile(t2, 0.5);
  }
  fx = g_new(double, xs->len + 1);
  fy = g_new(double, xs->len + 1);
  for (int c = 0; c < 3; c++)
    fv[c] = g_new(double, xs->len + 1);
  for (guint i = 0; i < xs->len; i++) {
    double l = g_array_index(ls, float, i), a = g_array_index(as, float, i),
           b = g_array_index(bs, float, i);
    if (fabs(l - med[0]) > 10 || hypot(a - med[1], b - med[2]) > 8)
      continue;
    fx[n] = g_array_index(xs, double, i);
    fy[n] = g_array_index(ys, double, i);
    fv[0][n] = l, fv[1][n] = a, fv[2][n] = b;
    n++;
  }
  for (int c = 0; c < 3; c++)
    fit_plane(fx, fy, fv[c], n, plane[c]);
  for (int c = 0; c < 3; c++)
    g_free(fv[c]);
  an->bgdiff = g_new(float, (gsize)an->w * an->h);
  an->model_L = g_new(float, (gsize)an->w * an->h);
  an->model_A = g_new(float, (gsize)an->w * an->h);
  an->model_B = g_new(float, (gsize)an->w * an->h);
  for (int y = 0; y < an->h; y++)
    for (int x = 0; x < an->w; x++) {
      gsize i = idx(an, x, y);
      double l = plane[0][0] + plane[0][1] * x + plane[0][2] * y;
      double a = plane[1][0] + plane[1][1] * x + plane[1][2] * y;
      double b = plane[2][0] + plane[2][1] * x + plane[2][2] * y;
      an->model_L[i] = (float)l;
      an->model_A[i] = (float)a;
      an->model_B[i] = (float)b;
      double dl = an->L[i] - l;
      /* Darker than the model counts half: soft shadow on the backdrop is
       * background (measured separately), not subject. */
      if (dl < 0)
        dl *= 0.5;
      an->bgdiff[i] = (float)sqrt(dl * dl + (an->A[i] - a) * (an->A[i] - a) +
                                  (an->B[i] - b) * (an->B[i] - b));
    }
}

static void background_model_calibration(Analysis *an, const BkImage *calib)
{
  g_autoptr(BkImage) rgb = image_convert(calib, 3);
  g_autoptr(BkImage) scaled = image_scale(rgb, an->w, an->h);

  an->bgdiff = g_new(float, (gsize)an->w * an->h);
  an->model_L = g_new(float, (gsize)an->w * an->h);
  an->model_A = g_new(float, (gsize)an->w * an->h);
  an->model_B = g_new(float, (gsize)an->w * an->h);
  for (int y = 0; y < an->h; y++)
    for (int x = 0; x < an->w; x++) {
      const guint8 *p = image_pixel(scaled, x, y);
      PhotoLab c = photo_colour_lab(p[0], p[1], p[2], an->gain);
      gsize i = idx(an, x, y);
      an->model_L[i] = (float)c.L;
      an->model_A[i] = (float)c.a;
      an->model_B[i] = (float)c.b;
      double dl = an->L[i] - c.L;
      if (dl < 0)
        dl *= 0.5;
      an->bgdiff[i] =
          (float)sqrt(dl * dl + (an->A[i] - c.a) * (an->A[i] - c.a) +
                      (an->B[i] - c.b) * (an->B[i] - c.b));
    }
}

/* Background = what the border reaches through pixels close to the model.
 * Breadth-first over a queue of pixel indices. */
static void background_flood(Analysis *an, double threshold)
{
  gsize total = (gsize)an->w * an->h;
  g_autofree guint32 *queue = g_new(guint32, total);
  gsize head = 0, tail = 0;

  an->bg = g_new0(guint8, total);
  for (int y = 0; y < an->h; y++)
    for (int x = 0; x < an->w; x++) {
      gsize i = idx(an, x, y);
      /* Seeds: the top edge and both sides (the bottom edge is the body). */
      if ((y == 0 || x == 0 || x == an->w - 1) && an->bgdiff[i] < threshold) {
        an->bg[i] = 1;
        queue[tail++] = (guint32)i;
      }
    }
  while (head < tail) {
    guint32 i = queue[head++];
    int x = (int)(i % (guint32)an->w), y = (int)(i / (guint32)an->w);
    const int nx[4] = {x - 1, x + 1, x, x};
    const int ny[4] = {y, y, y - 1, y + 1};
    for (int k = 0; k < 4; k++) {
      gsize j;
      if (nx[k] < 0 || ny[k] < 0 || nx[k] >= an->w || ny[k] >= an->h)
        continue;
      j = idx(an, nx[k], ny[k]);
      if (!an->bg[j] && an->bgdiff[j] < threshold) {
        an->bg[j] = 1;
        queue[tail++] = (guint32)j;
      }
    }
  }
}

/* Labels the non-background components; the one containing (sx, sy) is the
 * subject. Returns the area of the largest other component, as a fraction
 * of the image. */
static double subject_components(Analysis *an, int sx, int sy)
{
  gsize total = (gsize)an->w * an->h;
  g_autofree gint32 *label = g_new0(gint32, total);
  g_autofree guint32 *queue = g_new(guint32, total);
  gint32 next = 0, subject_label = 0;
  gsize largest_other = 0;

  an->subject = g_new0(guint8, total);
  for (gsize s = 0; s < total; s++) {
    gsize head = 0, tail = 0, area = 0;
    gboolean has_seed = FALSE;
    if (an->bg[s] || label[s])
      continue;
    next++;
    label[s] = next;
    queue[tail++] = (guint32)s;
    while (head < tail) {
      guint32 i = queue[head++];
      int x = (int)(i % (guint32)an->w), y = (int)(i / (guint32)an->w);
      const int nx[4] = {x - 1, x + 1, x, x};
      const int ny[4] = {y, y, y - 1, y + 1};
      area++;
      if (ABS(x - sx) <= 1 && ABS(y - sy) <= 1)
        has_seed = TRUE;
      for (int k = 0; k < 4; k++) {
        gsize j;
        if (nx[k] < 0 || ny[k] < 0 || nx[k] >= an->w || ny[k] >= an->h)
          continue;
        j = idx(an, nx[k], ny[k]);
        if (!an->bg[j] && !label[j]) {
          label[j] = next;
          queue[tail++] = (guint32)j;
        }
      }
    }
    if (has_seed)
      subject_label = next;
    else
      largest_other = MAX(largest_other, area);
  }
  for (gsize i = 0; i < total; i++)
    an->subject[i] = subject_label && label[i] == subject_label;
  return (double)largest_other / (double)total;
}

/* Mean and spread of a rectangle of L*, for pixels accepted by `keep`. */
typedef gboolean (*PixelFilter)(const Analysis *an, gsize i, gpointer data);

typedef struct {
  double L, a, b; /* medians */
  double n;       /* pixels used */
} RegionStats;

static RegionStats region_stats(const Analysis *an, double x0, double y0,
                                double x1, double y1, PixelFilter keep,
                                gpointer data)
{
  g_autoptr(GArray) ls = g_array_new(FALSE, FALSE, sizeof(float));
  g_autoptr(GArray) as = g_array_new(FALSE, FALSE, sizeof(float));
  g_autoptr(GArray) bs = g_array_new(FALSE, FALSE, sizeof(float));
  RegionStats st = {0};
  int ix0 = CLAMP((int)x0, 0, an->w), ix1 = CLAMP((int)ceil(x1), 0, an->w);
  int iy0 = CLAMP((int)y0, 0, an->h), iy1 = CLAMP((int)ceil(y1), 0, an->h);

  for (int y = iy0; y < iy1; y++)
    for (int x = ix0; x < ix1; x++) {
      gsize i = idx(an, x, y);
      if (keep && !keep(an, i, data))
        continue;
      g_array_append_val(ls, an->L[i]);
      g_array_append_val(as, an->A[i]);
      g_array_append_val(bs, an->B[i]);
    }
  st.n = ls->len;
  st.L = percentile(ls, 0.5);
  st.a = percentile(as, 0.5);
  st.b = percentile(bs, 0.5);
  return st;
}

static gboolean keep_subject(const Analysis *an, gsize i, gpointer data)
{
  return an->subject[i];
}

typedef struct {
  PhotoLab skin;
  double max_de;
} SkinFilter;

static gboolean keep_skin(const Analysis *an, gsize i, gpointer data)
{
  const SkinFilter *f = data;
  PhotoLab p = {an->L[i], an->A[i], an->B[i]};

  /* Lightness varies with shading across a face; hue and chroma much less. */
  return an->subject[i] &&
         photo_colour_de00(p, f->skin, 3.0, 1.0, 1.0) < f->max_de;
}

/* A normalised greyscale patch of the original image around the face:
 * the rectangle given in multiples of the eye distance d relative to the
 * eye midpoint, resampled so that d becomes `target_d` pixels. */
static BkImage *face_patch(const BkImage *image, double scale, double mx,
                           double my, double d, double rx0, double ry0,
                           double rx1, double ry1, double target_d)
{
  /* mx, my, d are in analysis pixels; `scale` converts to image pixels. */
  int x = (int)((mx + rx0 * d) * scale), y = (int)((my + ry0 * d) * scale);
  int w = (int)((rx1 - rx0) * d * scale), h = (int)((ry1 - ry0) * d * scale);
  g_autoptr(BkImage) crop = NULL;
  double f = target_d / (d * scale);
  int ow, oh;

  if (w < 2 || h < 2)
    return NULL;
  crop = image_crop(image, x, y, w, h);
  if (!crop || crop->width < 2 || crop->height < 2)
    return NULL;
  ow = MAX(2, (int)(crop->width * f));
  oh = MAX(2, (int)(crop->height * f));
  return image_scale(crop, ow, oh);
}

/* Mean absolute difference between a grey patch and its box blur of radius
 * r: fine texture (pattern, hair strands, detail) survives, broad shading
 * and folds do not. */
static double fine_texture(const BkImage *grey, int r, const guint8 *mask,
                           int mask_stride)
{
  double sum = 0;
  int n = 0;

  for (int y = r; y < grey->height - r; y++)
    for (int x = r; x < grey->width - r; x++) {
      int s = 0, c = 0;
      if (mask && !mask[y * mask_stride + x])
        continue;
      for (int dy = -r; dy <= r; dy++)
        for (int dx = -r; dx <= r; dx++, c++)
          s += image_pixel(grey, x + dx, y + dy)[0];
      sum += fabs(image_pixel(grey, x, y)[0] - (double)s / c);
      n++;
    }
  return n ? sum / n : 0;
}

/* Mean gradient magnitude of a grey image (central differences). */
static double mean_gradient(const BkImage *grey)
{
  double sum = 0;
  int n = 0;

  for (int y = 1; y < grey->height - 1; y++)
    for (int x = 1; x < grey->width - 1; x++) {
      int gx = image_pixel(grey, x + 1, y)[0] - image_pixel(grey, x - 1, y)[0];
      int gy = image_pixel(grey, x, y + 1)[0] - image_pixel(grey, x, y - 1)[0];
      sum += sqrt((double)(gx * gx + gy * gy));
      n++;
    }
  return n ? sum / n : 0;
}

typedef struct {
  double x, y;
  gboolean found; /* by the eye cascade, not guessed */
} EyePoint;

/* Eyes: the eye cascade in each upper quarter of the face box, on a patch
 * of the original image scaled to a fixed face width. When the cascade
 * finds nothing, the darkest smoothed spot stands in (marked not found). */
static void find_eyes(PhotoValidator *v, const BkImage *image, double scale,
                      const PhotoDetection *face, EyePoint *left,
                      EyePoint *right)
{
  const double norm_w = 160.0;
  int x = (int)(face->x * scale), y = (int)(face->y * scale);
  int w = (int)(face->w * scale), h = (int)(face->h * scale * 0.65);
  g_autoptr(BkImage) crop = image_crop(image, x, y, w, h);
  g_autoptr(BkImage) scaled = NULL;
  g_autoptr(BkImage) grey = NULL;
  double f;
  double gx[2] = {0, 0}, gy[2] = {0, 0}; /* in the normalised patch */

  left->found = right->found = FALSE;
  left->x = face->x + face->w * 0.3, right->x = face->x + face->w * 0.7;
  left->y = right->y = face->y + face->h * 0.38;
  if (!crop)
    return;
  f = norm_w / crop->width;
  scaled = image_scale(crop, (int)norm_w, MAX(24, (int)(crop->height * f)));
  grey = image_convert(scaled, 1);
  for (int side = 0; side < 2; side++) {
    EyePoint *eye = side == 0 ? left : right;
    int rx = side == 0 ? 0 : (int)(norm_w * 0.45);
    int ry = (int)(grey->height * 0.2);
    int rw = (int)(norm_w * 0.55), rh = (int)(grey->height * 0.65);
    g_autoptr(GArray) hits = photo_cascade_detect(
        v->eye, grey, rx, ry, rw, rh, norm_w * 0.14, norm_w * 0.4, 1.1, 2);
    if (hits->len == 0) {
      g_array_unref(hits);
      /* Spectacle frames and reflections weaken the response: accept a
       * single hit on the second try. */
      hits = photo_cascade_detect(v->eye, grey, rx, ry, rw, rh, norm_w * 0.14,
                                  norm_w * 0.4, 1.1, 1);
    }
    if (hits->len > 0) {
      const PhotoDetection *d = &g_array_index(hits, PhotoDetection, 0);
      double cx = d->x + d->w / 2, cy = d->y + d->h / 2;
      /* The box centre is only roughly the eye's centre. The iris is the
       * darkest disc in the box's middle: take the minimum of a box mean
       * about the iris's size, which a thin spectacle frame or an eyelash
       * line does not win, plus a small penalty for leaving the box's
       * centre, which a thick frame at the box's edge does not win. */
      {
        int r = MAX(2, (int)(d->w * 0.09));
        int x0 = (int)(d->x + d->w * 0.2), x1 = (int)(d->x + d->w * 0.8);
        int y0 = (int)(d->y + d->h * 0.25), y1 = (int)(d->y + d->h * 0.8);
        double best = 1e18, bcx = cx, bcy = cy;
        const double area = (2.0 * r + 1) * (2.0 * r + 1);
        x0 = MAX(x0, r), y0 = MAX(y0, r);
        x1 = MIN(x1, grey->width - r), y1 = MIN(y1, grey->height - r);
        for (int yy = y0; yy < y1; yy++)
          for (int xx = x0; xx < x1; xx++) {
            int sum = 0;
            for (int dy = -r; dy <= r; dy++) {
              const guint8 *row = image_pixel(grey, xx - r, yy + dy);
              for (int dx = 0; dx <= 2 * r; dx++)
                sum += row[dx];
            }
            double score = sum / area + 1.5 * hypot(xx - bcx, yy - bcy);
            if (score < best)
              best = score, cx = xx, cy = yy;
          }
      }
      eye->x = face->x + cx / f / scale;
      eye->y = face->y + cy / f / scale;
      eye->found = TRUE;
      gx[side] = cx, gy[side] = cy;
    } else {
      /* Darkest 5x5 mean in the expected area. */
      double best = 1e9;
      int bx = 0, by = 0;
      int x0 = side == 0 ? (int)(norm_w * 0.18) : (int)(norm_w * 0.55);
      int x1 = x0 + (int)(norm_w * 0.27);
      int y0 = (int)(grey->height * 0.4), y1 = (int)(grey->height * 0.75);
      for (int yy = MAX(y0, 2); yy < MIN(y1, grey->height - 2); yy++)
        for (int xx = MAX(x0, 2); xx < MIN(x1, grey->width - 2); xx++) {
          int s = 0;
          for (int dy = -2; dy <= 2; dy++)
            for (int dx = -2; dx <= 2; dx++)
              s += image_pixel(grey, xx + dx, yy + dy)[0];
          if (s < best)
            best = s, bx = xx, by = yy;
        }
      if (best < 1e9) {
        eye->x = face->x + bx / f / scale;
        eye->y = face->y + by / f / scale;
      }
    }
  }
  /* One eye found, the other missed (typically behind a spectacle frame):
   * faces are nearly mirror-symmetric, so look for the mirror image of the
   * found eye near the mirrored position (normalised cross-correlation).
   * Much closer than the darkest spot, which lands on the frame. */
  if (left->found != right->found) {
    int a = left->found ? 0 : 1;
    EyePoint *other = a == 0 ? right : left;
    const int tw = (int)(norm_w * 0.1), th = (int)(norm_w * 0.06);
    const int search_x = (int)(norm_w * 0.08), search_y = (int)(norm_w * 0.05);
    double ex = norm_w - gx[a], ey = gy[a];
    double best = -2;
    int bx = (int)ex, by = (int)ey;

    for (int oy = -search_y; oy <= search_y; oy++)
      for (int ox = -search_x; ox <= search_x; ox++) {
        int cx = (int)ex + ox, cy = (int)ey + oy;
        double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, n = 0, ncc;
        if (cx - tw < 0 || cx + tw >= grey->width || cy - th < 0 ||
            cy + th >= grey->height || gx[a] - tw < 0 ||
            gx[a] + tw >= grey->width || gy[a] - th < 0 ||
            gy[a] + th >= grey->height)
          continue;
        for (int dy = -th; dy <= th; dy++)
          for (int dx = -tw; dx <= tw; dx++) {
            double va = image_pixel(grey, (int)gx[a] - dx, (int)gy[a] + dy)[0];
            double vb = image_pixel(grey, cx + dx, cy + dy)[0];
            sa += va, sb += vb, saa += va * va, sbb += vb * vb, sab += va * vb;
            n++;
          }
        ncc = (sab - sa * sb / n) /
              sqrt(MAX((saa - sa * sa / n) * (sbb - sb * sb / n), 1e-9));
        if (ncc > best)
          best = ncc, bx = cx, by = cy;
      }
    if (best > 0.5) {
      other->x = face->x + bx / f / scale;
      other->y = face->y + by / f / scale;
    }
  }
}

typedef enum { MODE_FULL, MODE_LIVE } Mode;

static PhotoResult *analyse(PhotoValidator *v, const BkImage *input,
                            const PhotoRequest *req, Mode mode)
{
  const PhotoConfig *cfg = &v->config;
  PhotoResult *r = result_new();
  /* The input as given (grey, RGB or RGBA): the patches cut from it are
   * converted as needed, so a 24 MP frame is never copied whole. */
  const BkImage *rgb = input;
  g_autoptr(BkImage) small_any = NULL;
  g_autoptr(BkImage) small = NULL;
  g_autoptr(BkImage) grey_img = NULL;
  g_autoptr(GArray) faces = NULL;
  Analysis an = {0};
  double source_scale = req && req->source_scale > 0 ? req->source_scale : 1.0;
  double max_side = mode == MODE_LIVE ? 320.0 : 512.0;
  double scale; /* image pixels per analysis pixel */
  double S;     /* original pixels per analysis pixel */
  const PhotoDetection *face;
  EyePoint le, re;
  double mx, my, d, roll, other_object;
  gboolean declared = req && req->head_covering_declared;
  int age = req ? req->age : -1;
  PhotoLab skin;
  SkinFilter skin_filter;

  scale = MAX(1.0, MAX(rgb->width, rgb->height) / max_side);
  if (scale > 1.0)
    small_any = image_scale(rgb, MAX(1, (int)(rgb->width / scale)),
                            MAX(1, (int)(rgb->height / scale)));
  else
    small_any = image_copy(rgb);
  small = small_any->channels == 3 ? g_steal_pointer(&small_any)
                                   : image_convert(small_any, 3);
  scale = (double)rgb->width / small->width;
  S = scale * source_scale;
  an.w = small->width;
  an.h = small->height;
  analysis_colour(&an, small);

  /* Background model and the subject's outline. */
  if (req && req->background)
    background_model_calibration(&an, req->background);
  else
    background_model_border(&an);
  background_flood(&an, req && req->background ? 5.0 : 7.0);

  /* Background measures: raw (not white-balanced) colour of the backdrop. */
  {
    g_autoptr(GArray) ls = g_array_new(FALSE, FALSE, sizeof(float));
    double ra = 0, rb = 0, rl = 0;
    int n = 0;
    for (int y = 0; y < an.h; y += 2)
      for (int x = 0; x < an.w; x += 2) {
        gsize i = idx(&an, x, y);
        const guint8 *p = image_pixel(small, x, y);
        PhotoLab raw;
        if (!an.bg[i])
          continue;
        raw = photo_colour_lab(p[0], p[1], p[2], NULL);
        rl += raw.L, ra += raw.a, rb += raw.b;
        {
          float fl = (float)raw.L;
          g_array_append_val(ls, fl);
        }
        n++;
      }
    if (n > 0) {
      double spread, chroma;
      rl /= n, ra /= n, rb /= n;
      chroma = hypot(ra, rb);
      spread = percentile(ls, 0.97) - percentile(ls, 0.03);
      measure(r, "background_L", rl);
      measure(r, "background_chroma", chroma);
      measure(r, "background_spread_L", spread);
      measure(r, "background_fraction", (double)n * 4 / (an.w * an.h));
      judge(r, PHOTO_REASON_BACKGROUND_NOT_WHITE, rl, FALSE,
            (cfg->allow_light_grey ? 65.0 : cfg->background_min_L) + 3,
            cfg->allow_light_grey ? 65.0 : cfg->background_min_L);
      judge(r, PHOTO_REASON_BACKGROUND_NOT_WHITE, chroma, TRUE,
            cfg->background_max_chroma * 0.75, cfg->background_max_chroma);
      judge(r, PHOTO_REASON_BACKGROUND_NOT_UNIFORM, spread, TRUE,
            cfg->background_max_spread * 0.8, cfg->background_max_spread);
    } else {
      refuse(r, PHOTO_REASON_BACKGROUND_NOT_WHITE);
    }
    {
      /* The background's white-balanced mean, for covering contrast. */
      RegionStats st = {0};
      double sl = 0, sa = 0, sb = 0;
      int m = 0;
      for (gsize i = 0; i < (gsize)an.w * an.h; i += 3)
        if (an.bg[i])
          sl += an.L[i], sa += an.A[i], sb += an.B[i], m++;
      (void)st;
      an.bg_lab.L = m ? sl / m : 95;
      an.bg_lab.a = m ? sa / m : 0;
      an.bg_lab.b = m ? sb / m : 0;
    }
  }

  /* Faces. */
  grey_img = image_new(an.w, an.h, 1);
  for (int y = 0; y < an.h; y++)
    memcpy(image_pixel(grey_img, 0, y), an.grey + idx(&an, 0, y), (gsize)an.w);
  {
    /* Faces in a kiosk photo are large: search a smaller copy (the eyes
     * are located on a full-resolution patch afterwards). */
    int min_side = MIN(an.w, an.h);
    double f = MAX(1.0, min_side / (mode == MODE_LIVE ? 160.0 : 240.0));
    g_autoptr(BkImage) det =
        f > 1.0 ? image_scale(grey_img, MAX(1, (int)(an.w / f)),
                              MAX(1, (int)(an.h / f)))
                : image_copy(grey_img);
    int ds = MIN(det->width, det->height);
    g_autoptr(BkImage) mask = image_new(det->width, det->height, 1);
    f = (double)an.w / det->width;
    /* Faces are not backdrop: only windows centred on the rest are tried. */
    for (int y = 0; y < det->height; y++)
      for (int x = 0; x < det->width; x++)
        image_pixel(mask, x, y)[0] = !an.bg[idx(
            &an, MIN((int)(x * f), an.w - 1), MIN((int)(y * f), an.h - 1))];
    faces = photo_cascade_detect_masked(v->face, det, mask, 0, 0, det->width,
                                        det->height, MAX(24.0, ds * 0.12), ds,
                                        mode == MODE_LIVE ? 1.15 : 1.1, 3);
    for (guint i = 0; i < faces->len; i++) {
      PhotoDetection *fd = &g_array_index(faces, PhotoDetection, i);
      fd->x *= f, fd->y *= f, fd->w *= f, fd->h *= f;
    }
  }
  {
    /* Count faces of comparable size only: tiny hits in a pattern are not
     * people. */
    double main_w = faces->len ? g_array_index(faces, PhotoDetection, 0).w : 0;
    int count = 0;
    for (guint i = 0; i < faces->len; i++) {
      const PhotoDetection *f = &g_array_index(faces, PhotoDetection, i);
      if (f->w >= main_w * 0.6 &&
          (i == 0 ||
           f->neighbours >=
               MAX(4, g_array_index(faces, PhotoDetection, 0).neighbours / 3)))
        count++;
    }
    r->faces = count;
    measure(r, "faces", count);
  }
  if (faces->len == 0) {
    refuse(r, PHOTO_REASON_NO_FACE);
    goto done;
  }
  if (r->faces > 1)
    refuse(r, PHOTO_REASON_MULTIPLE_FACES);
  face = &g_array_index(faces, PhotoDetection, 0);
  r->face_x = face->x * scale, r->face_y = face->y * scale;
  r->face_w = face->w * scale, r->face_h = face->h * scale;

  /* Eyes and the face's frame of reference: eye midpoint and distance. */
  find_eyes(v, rgb, scale, face, &le, &re);
  r->eye_left_x = le.x * scale, r->eye_left_y = le.y * scale;
  r->eye_right_x = re.x * scale, r->eye_right_y = re.y * scale;
  mx = (le.x + re.x) / 2;
  my = (le.y + re.y) / 2;
  d = hypot(re.x - le.x, re.y - le.y);
  roll = atan2(re.y - le.y, re.x - le.x) * 180 / G_PI;
  measure(r, "eyes_found", (le.found ? 1 : 0) + (re.found ? 1 : 0));
  measure(r, "eye_left_x", le.x * S);
  measure(r, "eye_left_y", le.y * S);
  measure(r, "eye_right_x", re.x * S);
  measure(r, "eye_right_y", re.y * S);
  measure(r, "eye_distance_px", d * S);
  measure(r, "roll_deg", roll);
  if (d < face->w * 0.25 || d > face->w * 0.7) {
    /* The eyes found do not fit the face: do not trust them. */
    d = face->w * 0.42;
    mx = face->x + face->w / 2;
    my = face->y + face->h * 0.38;
    roll = 0;
    refer(r, PHOTO_REASON_EYES_NOT_VISIBLE);
  } else if (!le.found && !re.found) {
    refer(r, PHOTO_REASON_EYES_NOT_VISIBLE);
  }
  /* One eye missed by the cascade (spectacles, reflections) is fine when
   * the stand-in point fits the face: the contrast check below still
   * requires a visible, open eye there. */
  /* Eye centres from the cascade are good to about 3 degrees of roll: above
   * the limit by less than that is for the officer to judge. */
  judge(r, PHOTO_REASON_NOT_FRONTAL, fabs(roll), TRUE, cfg->max_roll_deg,
        cfg->max_roll_deg + 3);
  /* An open, visible eye shows bright sclera beside a dark iris; closed
   * eyes (skin) and dark glasses do not. L* spread in a box around each
   * eye, the weaker eye counts. */
  {
    double weakest = 1e9;
    for (int k = 0; k < 2; k++) {
      const EyePoint *e = k == 0 ? &le : &re;
      g_autoptr(GArray) ls = g_array_new(FALSE, FALSE, sizeof(float));
      for (int y = (int)(e->y - 0.1 * d); y <= (int)(e->y + 0.1 * d); y++)
        for (int x = (int)(e->x - 0.22 * d); x <= (int)(e->x + 0.22 * d); x++)
          if (x >= 0 && y >= 0 && x < an.w && y < an.h)
            g_array_append_val(ls, an.L[idx(&an, x, y)]);
      if (ls->len > 4) {
        double spread = percentile(ls, 0.95) - percentile(ls, 0.05);
        weakest = MIN(weakest, spread);
      }
    }
    if (weakest < 1e9) {
      measure(r, "eye_contrast_L", weakest);
      judge(r, PHOTO_REASON_EYES_NOT_VISIBLE, weakest, FALSE, 20, 12);
    }
  }
  /* Live-view frames are scaled for the screen: resolution is judged on
   * the still, in the camera's own pixels, not on them. */
  if (mode == MODE_FULL)
    judge(r, PHOTO_REASON_RESOLUTION_TOO_LOW, d * S, FALSE,
          cfg->min_eye_distance_px * 1.05, cfg->min_eye_distance_px);

  other_object = subject_components(&an, CLAMP((int)mx, 0, an.w - 1),
                                    CLAMP((int)(my + 0.8 * d), 0, an.h - 1));
  measure(r, "other_object_fraction", other_object);
  /* A shadow on the backdrop: darker than the background model without a
   * change of hue, beside the head (where neither hair nor shoulders are). */
  {
    int n = 0, dark = 0;
    for (int y = MAX(0, (int)(my - 2.5 * d));
         y < MIN(an.h, (int)(my + 2.0 * d)); y++)
      for (int x = 0; x < an.w; x++) {
        gsize i = idx(&an, x, y);
        if (fabs(x - mx) < 1.7 * d)
          continue;
        n++;
        if (an.model_L[i] - an.L[i] > 8 &&
            hypot(an.A[i] - an.model_A[i], an.B[i] - an.model_B[i]) < 4)
          dark++;
      }
    if (n > 0) {
      measure(r, "shadow_fraction", (double)dark / n);
      judge(r, PHOTO_REASON_BACKGROUND_NOT_UNIFORM, (double)dark / n, TRUE,
            0.015, 0.03);
    }
  }
  judge(r, PHOTO_REASON_BACKGROUND_NOT_UNIFORM, other_object, TRUE, 0.002,
        0.005);

  /* Skin colour from below the eyes (nose and cheeks), and the face's
   * visible width at cheekbone height. */
  {
    RegionStats st =
        region_stats(&an, mx - 0.35 * d, my + 0.25 * d, mx + 0.35 * d,
                     my + 0.75 * d, keep_subject, NULL);
    skin.L = st.L, skin.a = st.a, skin.b = st.b;
    skin_filter.skin = skin;
    skin_filter.max_de = 14;
  }
  {
    int row = CLAMP((int)(my + 0.45 * d), 0, an.h - 1);
    int xl = (int)mx, xr = (int)mx, miss = 0;
    /* Walk outward until a few pixels in a row are not skin. */
    for (int x = (int)mx; x >= 0 && miss < 3; x--) {
      if (keep_skin(&an, idx(&an, x, row), &skin_filter))
        xl = x, miss = 0;
      else
        miss++;
    }
    miss = 0;
    for (int x = (int)mx; x < an.w && miss < 3; x++) {
      if (keep_skin(&an, idx(&an, x, row), &skin_filter))
        xr = x, miss = 0;
      else
        miss++;
    }
    measure(r, "face_width_px", (xr - xl + 1) * S);
    r->face_x = xl * scale;
    r->face_w = (xr - xl + 1) * scale;
  }
  /* Yaw: a turned head moves the nose and mouth off the eyes' midline.
   * Find the vertical axis about which the region below the eyes is most
   * nearly mirror-symmetric; its offset from the eye midpoint, in eye
   * distances, is the yaw measure (roughly 0.1 per 10 degrees; lighting
   * from one side adds to it, hence the generous default limit). */
  {
    double best = 1e18, best_o = 0;
    int y0 = (int)(my + 0.2 * d), y1 = (int)(my + 1.2 * d);
    for (double o = -0.3 * d; o <= 0.3 * d; o += MAX(1.0, d * 0.02)) {
      double ax = mx + o, sum = 0;
      int n = 0;
      for (int y = MAX(y0, 0); y < MIN(y1, an.h); y++)
        for (double x = 0.05 * d; x < 0.5 * d; x += 1) {
          int xa = (int)(ax - x), xb = (int)(ax + x);
          if (xa < 0 || xb >= an.w)
            continue;
          /* Horizontal gradient magnitudes: the nose's and mouth's edges,
           * not a smooth lighting slope, decide the axis. */
          if (xa < 1 || xb >= an.w - 1)
            continue;
          sum +=
              fabs(fabs(an.L[idx(&an, xa + 1, y)] - an.L[idx(&an, xa - 1, y)]) -
                   fabs(an.L[idx(&an, xb + 1, y)] - an.L[idx(&an, xb - 1, y)]));
          n++;
        }
      if (n && sum / n < best)
        best = sum / n, best_o = o;
    }
    measure(r, "yaw_offset", best_o / d);
    judge(r, PHOTO_REASON_NOT_FRONTAL, fabs(best_o / d), TRUE, cfg->max_yaw,
          cfg->max_yaw * 1.7);
  }

  /* Crown: the top of the subject above the eyes; chin: the strongest
   * light-to-dark edge below the mouth. Both are bounded by head
   * proportions in eye distances, so hair volume or a missing edge cannot
   * make the head absurd. The unbounded top (head_top) is where hair or a
   * covering is measured below. */
  double head_top = my - 1.9 * d;
  {
    double crown = my - 1.9 * d, chin = my + 2.0 * d;
    int band0 = (int)(mx - 0.4 * d), band1 = (int)(mx + 0.4 * d);
    int ystart = (int)(my - 1.2 * d);
    for (int y = ystart; y >= 0; y--) {
      int n = 0, s = 0;
      for (int x = MAX(band0, 0); x <= MIN(band1, an.w - 1); x++, n++)
        s += an.subject[idx(&an, x, y)];
      if (n == 0 || s * 2 < n)
        break;
      crown = y;
    }
    measure(r, "crown_raw_eye_d", (my - crown) / d);
    head_top = crown;
    crown = CLAMP(crown, my - 2.3 * d, my - 1.6 * d);
    chin = my + 1.65 * d;
    {
      double best = 0;
      int y0 = (int)(my + 1.2 * d), y1 = (int)(my + 2.1 * d);
      for (int y = MAX(y0, 2); y < MIN(y1, an.h - 2); y++) {
        double s = 0;
        int n = 0;
        for (int x = MAX(band0, 0); x <= MIN(band1, an.w - 1); x++, n++)
          s += an.L[idx(&an, x, y - 2)] - an.L[idx(&an, x, y + 2)];
        if (n && s / n > best && s / n > 4)
          best = s / n, chin = y;
      }
    }
    r->crown_y = crown * scale;
    r->chin_y = chin * scale;

    /* The kiosk's crop: head scaled to the target height, centred on the
     * eye midpoint, crown at a fixed share of the space above. */
    {
      double head = chin - crown;
      double mm_per_px = cfg->head_target_mm / head;
      double cw = cfg->crop_width_mm / mm_per_px;
      double ch = cfg->crop_height_mm / mm_per_px;
      double top =
          (cfg->crop_height_mm - cfg->head_target_mm) * 0.42 / mm_per_px;
      double cx = mx - cw / 2, cy = crown - top;
      double shift_x = 0, head_mm, face_mm, needed_px, offset_mm;
      double face_w = r->face_w / scale;
      double head_min = age >= 0 && age < cfg->child_age
                            ? cfg->head_min_mm_child
                            : cfg->head_min_mm;

      /* Too close: the crop does not fit; shrink it to the frame. */
      if (ch > an.h || cw > an.w) {
        double f = MIN(an.h / ch, an.w / cw);
        ch *= f, cw *= f, top *= f;
        mm_per_px = cfg->crop_height_mm / ch;
        cx = mx - cw / 2, cy = crown - top;
      }
      if (cx < 0)
        shift_x = -cx;
      else if (cx + cw > an.w)
        shift_x = an.w - (cx + cw);
      cx += shift_x;
      cy = CLAMP(cy, 0, MAX(0, an.h - ch));
      head_mm = head * mm_per_px;
      face_mm = face_w * mm_per_px;
      offset_mm = fabs(shift_x) * mm_per_px;
      needed_px = cfg->crop_height_mm / 25.4 * cfg->crop_dpi;
      measure(r, "head_height_mm", head_mm);
      measure(r, "face_width_mm", face_mm);
      measure(r, "face_offset_mm", offset_mm);
      measure(r, "crop_height_px", ch * S);
      measure(r, "crop_upscale", needed_px / (ch * S));
      judge(r, PHOTO_REASON_HEAD_TOO_LARGE, head_mm, TRUE,
            cfg->head_max_mm - 0.3, cfg->head_max_mm);
      judge(r, PHOTO_REASON_HEAD_TOO_SMALL, head_mm, FALSE, head_min + 0.3,
            head_min);
      /* Coming closer helps when the crop would be enlarged a lot. */
      judge(r, PHOTO_REASON_HEAD_TOO_SMALL, needed_px / (ch * S), TRUE, 1.5,
            2.0);
      judge(r, PHOTO_REASON_FACE_OFF_CENTRE, offset_mm, TRUE,
            cfg->max_centre_offset_mm * 0.7, cfg->max_centre_offset_mm);
      /* Face width varies between people more than head height; outside
       * the template by a margin it is an officer's call. */
      if (face_mm < cfg->face_width_min_mm - 4 ||
          face_mm > cfg->face_width_max_mm + 4)
        refer(r, face_mm < cfg->face_width_min_mm
                     ? PHOTO_REASON_HEAD_TOO_SMALL
                     : PHOTO_REASON_HEAD_TOO_LARGE);
      r->crop_x = cx * S, r->crop_y = cy * S;
      r->crop_w = cw * S, r->crop_h = ch * S;
      r->has_crop = TRUE;
    }
  }

  /* Exposure and colour of the face. */
  {
    g_autoptr(GArray) ls = g_array_new(FALSE, FALSE, sizeof(float));
    int clipped = 0, n = 0;
    RegionStats lc, rc;
    double chroma, hue;
    for (int y = (int)(my - 0.2 * d); y < (int)(my + 1.3 * d); y++)
      for (int x = (int)(mx - 0.7 * d); x < (int)(mx + 0.7 * d); x++) {
        gsize i;
        const guint8 *p;
        if (x < 0 || y < 0 || x >= an.w || y >= an.h)
          continue;
        i = idx(&an, x, y);
        if (!keep_skin(&an, i, &skin_filter))
          continue;
        p = image_pixel(small, x, y);
        g_array_append_val(ls, an.L[i]);
        /* Blown-out highlights are white; bright skin may clip red alone. */
        clipped += p[0] >= 250 && p[1] >= 250 && p[2] >= 250;
        n++;
      }
    if (n > 10) {
      double median = percentile(ls, 0.5);
      measure(r, "face_L", median);
      measure(r, "face_clipped_fraction", (double)clipped / n);
      judge(r, PHOTO_REASON_UNDEREXPOSED, median, FALSE, 42, 35);
      judge(r, PHOTO_REASON_OVEREXPOSED, median, TRUE, 82, 88);
      judge(r, PHOTO_REASON_OVEREXPOSED, (double)clipped / n, TRUE, 0.05, 0.12);
    }
    lc = region_stats(&an, mx - 0.85 * d, my + 0.3 * d, mx - 0.3 * d,
                      my + 1.0 * d, keep_skin, &skin_filter);
    rc = region_stats(&an, mx + 0.3 * d, my + 0.3 * d, mx + 0.85 * d,
                      my + 1.0 * d, keep_skin, &skin_filter);
    if (lc.n > 5 && rc.n > 5) {
      measure(r, "lighting_lr_dL", lc.L - rc.L);
      judge(r, PHOTO_REASON_UNEVEN_LIGHTING, fabs(lc.L - rc.L), TRUE, 12, 18);
    }
    chroma = photo_colour_chroma(skin);
    hue = atan2(skin.b, skin.a) * 180 / G_PI;
    measure(r, "skin_chroma", chroma);
    measure(r, "skin_hue_deg", hue);
    /* Human skin after white balance: warm hues (roughly red to yellow),
     * some but not extreme chroma. A grey face is a black-and-white or
     * badly balanced photo. */
    judge(r, PHOTO_REASON_UNNATURAL_COLOUR, chroma, FALSE, 6, 4);
    judge(r, PHOTO_REASON_UNNATURAL_COLOUR, chroma, TRUE, 45, 55);
    /* Skin hues of all complexions lie around 30-75 degrees (CIELAB hab). */
    if (chroma >= 4)
      judge(r, PHOTO_REASON_UNNATURAL_COLOUR, fabs(hue - 55), TRUE, 30, 40);
  }

  /* Sharpness at the scale of the document crop: the face patch resampled
   * so the eye distance is what it would be in the crop, then the share of
   * gradient that survives at that fine scale versus half resolution. */
  if (mode == MODE_FULL) {
    double crop_d =
        d * (cfg->crop_height_mm / 25.4 * cfg->crop_dpi) / (r->crop_h / S);
    g_autoptr(BkImage) patch =
        face_patch(rgb, scale, mx, my, d, -0.8, -0.4, 0.8, 1.3,
                   MIN(MIN(crop_d, d * scale), 48.0));
    if (patch && patch->width > 16) {
      g_autoptr(BkImage) grey = image_convert(patch, 1);
      g_autoptr(BkImage) half =
          image_scale(grey, grey->width / 2, grey->height / 2);
      g_autoptr(BkImage) back = image_scale(half, grey->width, grey->height);
      double fine = mean_gradient(grey), coarse = mean_gradient(back);
      double ratio = coarse > 0 ? fine / coarse : 0;
      measure(r, "sharpness", ratio);
      judge(r, PHOTO_REASON_BLURRED, ratio, FALSE, 1.17, 1.10);
    }
  }

  /* Head covering: what is above the forehead (top of the skull) and
   * beside the cheeks, classified as background, skin or other. The top
   * band hangs from the measured top of the head (0.2 to 0.55 eye
   * distances below it): heads and coverings differ in height above the
   * eyes, so a band at fixed eye distances can miss the head entirely and
   * judge the backdrop as the covering. Starting 0.2 below the top keeps
   * the head's outline (an edge, not texture) out. It never reaches the
   * brows, and falls back to the textbook skull when no top was found. */
  {
    double top = CLAMP(head_top, my - 2.6 * d, my - 1.3 * d);
    double t0 = top + 0.2 * d, t1 = MIN(top + 0.55 * d, my - 0.95 * d);
    double tx0 = mx - 0.6 * d, tx1 = mx + 0.6 * d;
    int n = 0, n_bg = 0, n_skin = 0;
    g_autoptr(GArray) ol = g_array_new(FALSE, FALSE, sizeof(float));
    g_autoptr(GArray) oa = g_array_new(FALSE, FALSE, sizeof(float));
    g_autoptr(GArray) ob = g_array_new(FALSE, FALSE, sizeof(float));
    PhotoLab cov = {0}, top_mean = {0};
    double texture = 0, noise = 0, multi = 0, dE_bg;
    gboolean light, present;
    int side_other = 0, side_n = 0;

    for (int y = (int)t0; y < (int)t1; y++)
      for (int x = (int)tx0; x < (int)tx1; x++) {
        gsize i;
        if (x < 0 || y < 0 || x >= an.w || y >= an.h)
          continue;
        i = idx(&an, x, y);
        n++;
        top_mean.L += an.L[i], top_mean.a += an.A[i], top_mean.b += an.B[i];
        if (an.bgdiff[i] < 5 || an.bg[i])
          n_bg++;
        else if (keep_skin(&an, i, &skin_filter))
          n_skin++;
        else {
          g_array_append_val(ol, an.L[i]);
          g_array_append_val(oa, an.A[i]);
          g_array_append_val(ob, an.B[i]);
        }
      }
    /* Beside the cheeks, just outside the visible face. */
    for (int side = -1; side <= 1; side += 2)
      for (int y = (int)(my + 0.3 * d); y < (int)(my + 1.2 * d); y++)
        for (double k = 0.05; k < 0.35; k += 0.05) {
          int x = side < 0 ? (int)(r->face_x / scale - k * d)
                           : (int)((r->face_x + r->face_w) / scale + k * d);
          gsize i;
          if (x < 0 || y < 0 || x >= an.w || y >= an.h)
            continue;
          i = idx(&an, x, y);
          side_n++;
          if (!an.bg[i] && an.bgdiff[i] >= 5 &&
              !keep_skin(&an, i, &skin_filter))
            side_other++;
        }
    if (n > 0) {
      top_mean.L /= n, top_mean.a /= n, top_mean.b /= n;
      cov.L = percentile(ol, 0.5);
      cov.a = percentile(oa, 0.5);
      cov.b = percentile(ob, 0.5);
    }
    {
      double fo = n ? (double)ol->len / n : 0;
      double fb = n ? (double)n_bg / n : 0;
      double fs = n ? (double)n_skin / n : 0;
      double fside = side_n ? (double)side_other / side_n : 0;
      measure(r, "top_other_fraction", fo);
      measure(r, "top_background_fraction", fb);
      measure(r, "top_skin_fraction", fs);
      measure(r, "side_other_fraction", fside);
      present = fo >= 0.5;
      /* When the top of the head looks like the backdrop, what is there
       * (if anything) is as light as the background. */
      if (!present && fb >= 0.5)
        cov = top_mean;
      /* Declared but the top looks like skin: a bald head, or a covering
       * in a skin-like pale colour (cream, pastel pink). Judge the colour
       * of everything that is not backdrop there; real skin passes the
       * light and contrast tests, a pale covering does not. */
      if (declared && !present && fb < 0.5) {
        RegionStats st =
            region_stats(&an, tx0, t0, tx1, t1, keep_subject, NULL);
        if (st.n > 0)
          cov.L = st.L, cov.a = st.a, cov.b = st.b;
      }
    }
    /* Texture of the top of the head at a normalised scale (d = 48 px),
     * minus the same measure on the backdrop (sensor and JPEG noise). */
    if (mode == MODE_FULL) {
      g_autoptr(BkImage) patch = face_patch(
          rgb, scale, mx, my, d, -0.6, (t0 - my) / d, 0.6, (t1 - my) / d, 48.0);
      g_autoptr(BkImage) bgpatch = NULL;
      if (patch) {
        g_autoptr(BkImage) grey = image_convert(patch, 1);
        texture = fine_texture(grey, 2, NULL, 0);
      }
      /* A backdrop patch of the same size from a top corner. */
      {
        double side_x = mx < an.w / 2.0 ? an.w - 1.3 * d : 0.1 * d;
        int px = (int)(side_x * scale), py = (int)(0.1 * d * scale);
        g_autoptr(BkImage) crop = image_crop(
            rgb, px, py, (int)(1.2 * d * scale), (int)(0.45 * d * scale));
        if (crop && crop->width > 4 && crop->height > 4) {
          double f = 48.0 / (d * scale);
          g_autoptr(BkImage) s =
              image_scale(crop, MAX(6, (int)(crop->width * f)),
                          MAX(6, (int)(crop->height * f)));
          g_autoptr(BkImage) grey = image_convert(s, 1);
          noise = fine_texture(grey, 2, NULL, 0);
        }
        (void)bgpatch;
      }
      measure(r, "covering_texture", texture);
      measure(r, "background_texture", noise);
    }
    {
      /* Colour variety of the "other" pixels, tolerant of shading. */
      int far = 0;
      for (guint i = 0; i < ol->len; i++) {
        PhotoLab p = {g_array_index(ol, float, i), g_array_index(oa, float, i),
                      g_array_index(ob, float, i)};
        if (photo_colour_de00(p, cov, 3.0, 1.0, 1.0) > 12)
          far++;
      }
      multi = ol->len ? (double)far / ol->len : 0;
    }
    dE_bg = photo_colour_de00(cov, an.bg_lab, 1, 1, 1);
    light = cov.L >= cfg->covering_light_L &&
            photo_colour_chroma(cov) <= cfg->covering_light_chroma;
    measure(r, "covering_L", cov.L);
    measure(r, "covering_chroma", photo_colour_chroma(cov));
    measure(r, "covering_de00_background", dE_bg);
    measure(r, "covering_multicolour_fraction", multi);

    if (declared) {
      double tex = texture - noise;
      if (light || dE_bg < cfg->covering_min_de00 * 0.6) {
        /* As light as the backdrop, or indistinguishable from it. */
        if (light || cov.L >= cfg->covering_light_L - 5)
          refuse(r, PHOTO_REASON_COVERING_WHITE);
        else
          refuse(r, PHOTO_REASON_COVERING_LOW_CONTRAST);
      } else if (cov.L >= cfg->covering_light_L - 8 &&
                 photo_colour_chroma(cov) <= cfg->covering_light_chroma + 6) {
        refer(r, PHOTO_REASON_COVERING_WHITE);
      } else if (dE_bg < cfg->covering_min_de00) {
        refer(r, PHOTO_REASON_COVERING_LOW_CONTRAST);
      }
      if (present) {
        judge(r, PHOTO_REASON_COVERING_NOT_SINGLE_COLOURED, multi, TRUE, 0.2,
              0.3);
        if (mode == MODE_FULL)
          judge(r, PHOTO_REASON_COVERING_NOT_SMOOTH, tex, TRUE, 5, 7);
      }
    } else if (present && mode == MODE_FULL) {
      /* Not declared: a covering is "other" stuff at the top that is
       * smooth (fabric) or of a colour hair does not have. */
      double tex = texture - noise;
      double chroma = photo_colour_chroma(cov);
      double hue = atan2(cov.b, cov.a) * 180 / G_PI;
      /* Natural hair: near neutral (black, grey, white) or the warm hues of
       * brown, blonde and red hair; dyed blue or green hair is rare enough
       * to leave to the officer. */
      gboolean hair_colour =
          chroma < 14 || (hue > 15 && hue < 95 && chroma < 60);
      measure(r, "hair_colour", hair_colour);
      if (!hair_colour)
        refuse(r, PHOTO_REASON_COVERING_NOT_DECLARED);
      else if (tex < 0.8)
        refer(r, PHOTO_REASON_COVERING_NOT_DECLARED);
    }
  }

done:
  result_finish(r);
  analysis_clear(&an);
  return r;
}

PhotoResult *photo_validate(PhotoValidator *v, const BkImage *image,
                            const PhotoRequest *request)
{
  g_return_val_if_fail(v && image, NULL);
  return analyse(v, image, request, MODE_FULL);
}

/* Guidance order: what the applicant can fix by moving comes first. */
static int guide_rank(const char *code)
{
  static const char *const order[] = {
      PHOTO_REASON_NO_FACE,          PHOTO_REASON_MULTIPLE_FACES,
      PHOTO_REASON_HEAD_TOO_SMALL,   PHOTO_REASON_HEAD_TOO_LARGE,
      PHOTO_REASON_FACE_OFF_CENTRE,  PHOTO_REASON_NOT_FRONTAL,
      PHOTO_REASON_EYES_NOT_VISIBLE, PHOTO_REASON_COVERING_NOT_DECLARED,
      PHOTO_REASON_COVERING_WHITE,   PHOTO_REASON_COVERING_LOW_CONTRAST,
  };

  for (gsize i = 0; i < G_N_ELEMENTS(order); i++)
    if (strcmp(code, order[i]) == 0)
      return (int)i;
  return (int)G_N_ELEMENTS(order);
}

static int compare_guide(gconstpointer a, gconstpointer b)
{
  return guide_rank(*(const char *const *)a) -
         guide_rank(*(const char *const *)b);
}

PhotoResult *photo_guide(PhotoValidator *v, const BkImage *frame,
                         const PhotoRequest *request)
{
  PhotoResult *r;

  g_return_val_if_fail(v && frame, NULL);
  r = analyse(v, frame, request, MODE_LIVE);
  g_ptr_array_sort(r->reasons, compare_guide);
  return r;
}
