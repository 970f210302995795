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
#include "photo-pose.h"
#include "photo-texture.h"
#include "pngio.h"

struct _PhotoValidator {
  PhotoConfig config;
  PhotoCascade *face;
  const Landmarker *landmarks; /* shared by every validator, never freed */
};

/* ---- reason codes ---- */

const char *const photo_reason_codes[] = {
    PHOTO_REASON_NO_FACE,
    PHOTO_REASON_MULTIPLE_FACES,
    PHOTO_REASON_NOT_FRONTAL,
    PHOTO_REASON_EYES_NOT_VISIBLE,
    PHOTO_REASON_EYES_CLOSED,
    PHOTO_REASON_MOUTH_OPEN,
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

static const struct {
  const char *key;
  gsize offset;
  double def, lo, hi;
} photo_limit_table[] = {
#define PHOTO_LIMIT(key, def, lo, hi)                                          \
  {#key, G_STRUCT_OFFSET(PhotoLimits, key), def, lo, hi},
#include "photo-limits.def"
#undef PHOTO_LIMIT
};

void photo_limits_init(PhotoLimits *limits)
{
  for (gsize i = 0; i < G_N_ELEMENTS(photo_limit_table); i++)
    G_STRUCT_MEMBER(double, limits, photo_limit_table[i].offset) =
        photo_limit_table[i].def;
}

gboolean photo_limits_set(PhotoLimits *limits, const char *key, double value,
                          GError **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS(photo_limit_table); i++) {
    if (strcmp(photo_limit_table[i].key, key) != 0)
      continue;
    if (!(value >= photo_limit_table[i].lo &&
          value <= photo_limit_table[i].hi)) {
      g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                  "photo limit %s must lie between %g and %g", key,
                  photo_limit_table[i].lo, photo_limit_table[i].hi);
      return FALSE;
    }
    G_STRUCT_MEMBER(double, limits, photo_limit_table[i].offset) = value;
    return TRUE;
  }
  g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
              "no photo limit is called %s", key);
  return FALSE;
}

gboolean photo_limits_set_table(PhotoLimits *limits, GHashTable *table,
                                GError **error)
{
  GHashTableIter iter;
  gpointer key, value;

  if (!table)
    return TRUE;
  g_hash_table_iter_init(&iter, table);
  while (g_hash_table_iter_next(&iter, &key, &value)) {
    char *end = NULL;
    double v = g_ascii_strtod(value, &end);
    if (!end || end == value || *end != '\0') {
      g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                  "photo limit %s: '%s' is not a number", (const char *)key,
                  (const char *)value);
      return FALSE;
    }
    if (!photo_limits_set(limits, key, v, error))
      return FALSE;
  }
  return TRUE;
}

void photo_config_init(PhotoConfig *config)
{
  memset(config, 0, sizeof(*config));
  config->cascade_dir = g_strdup("/usr/share/opencv4/haarcascades");
  config->landmark_model = g_strdup(LANDMARKS_DEFAULT_MODEL);
  photo_limits_init(&config->limits);
}

void photo_config_clear(PhotoConfig *config)
{
  if (!config)
    return;
  g_clear_pointer(&config->cascade_dir, g_free);
  g_clear_pointer(&config->landmark_model, g_free);
}

/* ---- validator object ---- */

PhotoValidator *photo_validator_new(const PhotoConfig *config, GError **error)
{
  g_autoptr(PhotoValidator) v = g_new0(PhotoValidator, 1);
  g_autofree char *face_path = NULL;

  v->config = *config;
  v->config.cascade_dir = g_strdup(config->cascade_dir);
  v->config.landmark_model = g_strdup(config->landmark_model);
  face_path = g_build_filename(config->cascade_dir,
                               "haarcascade_frontalface_alt2.xml", NULL);
  v->face = photo_cascade_load(face_path, error);
  if (!v->face)
    return NULL;
  /* Read once per process, on the first validator: a missing model is an
   * error here, never a silent fallback later. */
  v->landmarks = landmarks_model_get(config->landmark_model, error);
  if (!v->landmarks)
    return NULL;

  return g_steal_pointer(&v);
}

void photo_validator_free(PhotoValidator *v)
{
  if (!v)
    return;
  photo_cascade_free(v->face);
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

/* A covering too light for the backdrop is the applicant's to fix, and
 * its shading can also disturb the backdrop's measures: it is named first,
 * before any background reason (the message shows the first). */
static void reasons_order(GPtrArray *reasons)
{
  for (guint i = 1; i < reasons->len; i++)
    if (strcmp(g_ptr_array_index(reasons, i), PHOTO_REASON_COVERING_WHITE) ==
        0) {
      gpointer code = g_ptr_array_steal_index(reasons, i);
      g_ptr_array_insert(reasons, 0, code);
      return;
    }
}

static void result_finish(PhotoResult *r)
{
  /* The codes about a declared covering, which the applicant chose to
   * wear. A mere referral of head_covering_not_declared is not among them:
   * on hair or a bald head it is a doubt for the officer (r->referrals),
   * and wrong and hurtful to say to the applicant. */
  static const char *const covering[] = {
      PHOTO_REASON_COVERING_WHITE,
      PHOTO_REASON_COVERING_LOW_CONTRAST,
      PHOTO_REASON_COVERING_NOT_SINGLE_COLOURED,
      PHOTO_REASON_COVERING_NOT_SMOOTH,
  };

  /* A doubtful declared covering is always said, even when another reason
   * refuses the photo: the applicant has to change it for the next photo
   * too (and a light one is named first, below). */
  for (gsize k = 0; k < G_N_ELEMENTS(covering) && r->reasons->len > 0; k++)
    if (g_ptr_array_find_with_equal_func(r->referrals, covering[k], g_str_equal,
                                         NULL))
      add_code(r->reasons, covering[k]);
  if (r->reasons->len > 0) {
    r->verdict = PHOTO_VERDICT_REFUSE;
  } else if (r->referrals->len > 0) {
    r->verdict = PHOTO_VERDICT_REFER;
    for (guint i = 0; i < r->referrals->len; i++)
      add_code(r->reasons, g_ptr_array_index(r->referrals, i));
  } else {
    r->verdict = PHOTO_VERDICT_ACCEPT;
  }
  reasons_order(r->reasons);
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

/* Room for the background model and each pixel's difference from it. */
static void model_alloc(Analysis *an)
{
  an->bgdiff = g_new(float, (gsize)an->w * an->h);
  an->model_L = g_new(float, (gsize)an->w * an->h);
  an->model_A = g_new(float, (gsize)an->w * an->h);
  an->model_B = g_new(float, (gsize)an->w * an->h);
}

/* Stores the model's colour at pixel i and the pixel's difference from it
 * (dE76). Darker than the model counts half: soft shadow on the backdrop
 * is background (measured separately), not subject. */
static void model_store(Analysis *an, gsize i, double l, double a, double b)
{
  double dl = an->L[i] - l;

  an->model_L[i] = (float)l;
  an->model_A[i] = (float)a;
  an->model_B[i] = (float)b;
  if (dl < 0)
    dl *= 0.5;
  an->bgdiff[i] = (float)sqrt(dl * dl + (an->A[i] - a) * (an->A[i] - a) +
                              (an->B[i] - b) * (an->B[i] - b));
}

/* A plane per CIELAB channel, fitted to border samples near their median
 * so hair touching the top edge does not bend it. */
static void border_planes(const Analysis *an, double plane[3][3])
{
  g_autoptr(GArray) xs = g_array_new(FALSE, FALSE, sizeof(double));
  g_autoptr(GArray) ys = g_array_new(FALSE, FALSE, sizeof(double));
  g_autoptr(GArray) l = g_array_new(FALSE, FALSE, sizeof(float));
  g_autoptr(GArray) a = g_array_new(FALSE, FALSE, sizeof(float));
  g_autoptr(GArray) b = g_array_new(FALSE, FALSE, sizeof(float));
  GArray *v[3] = {l, a, b};
  const float *chan[3] = {an->L, an->A, an->B};
  double med[3];
  g_autofree double *fx = NULL, *fy = NULL, *fv = NULL;
  int n = 0;

  for (int y = 0; y < an->h; y += 2)
    for (int x = 0; x < an->w; x += 2)
      if (is_border_sample(x, y, an->w, an->h)) {
        double dx = x, dy = y;
        g_array_append_val(xs, dx);
        g_array_append_val(ys, dy);
        for (int c = 0; c < 3; c++)
          g_array_append_val(v[c], chan[c][idx(an, x, y)]);
      }
  for (int c = 0; c < 3; c++) {
    g_autoptr(GArray) t = g_array_copy(v[c]);
    med[c] = percentile(t, 0.5);
  }
  fx = g_new(double, xs->len + 1);
  fy = g_new(double, xs->len + 1);
  fv = g_new(double, 3 * (xs->len + 1));
  for (guint i = 0; i < xs->len; i++) {
    double vl = g_array_index(l, float, i), va = g_array_index(a, float, i),
           vb = g_array_index(b, float, i);
    if (fabs(vl - med[0]) > 10 || hypot(va - med[1], vb - med[2]) > 8)
      continue;
    fx[n] = g_array_index(xs, double, i);
    fy[n] = g_array_index(ys, double, i);
    fv[n] = vl, fv[xs->len + 1 + n] = va, fv[2 * (xs->len + 1) + n] = vb;
    n++;
  }
  for (int c = 0; c < 3; c++)
    fit_plane(fx, fy, fv + c * (xs->len + 1), n, plane[c]);
}

/* The background model without a calibration frame: the border's planes. */
static void background_model_border(Analysis *an)
{
  double p[3][3];

  border_planes(an, p);
  model_alloc(an);
  for (int y = 0; y < an->h; y++)
    for (int x = 0; x < an->w; x++)
      model_store(an, idx(an, x, y), p[0][0] + p[0][1] * x + p[0][2] * y,
                  p[1][0] + p[1][1] * x + p[1][2] * y,
                  p[2][0] + p[2][1] * x + p[2][2] * y);
}

static void background_model_calibration(Analysis *an, const BkImage *calib)
{
  g_autoptr(BkImage) rgb = image_convert(calib, 3);
  g_autoptr(BkImage) scaled = image_scale(rgb, an->w, an->h);

  model_alloc(an);
  for (int y = 0; y < an->h; y++)
    for (int x = 0; x < an->w; x++) {
      const guint8 *p = image_pixel(scaled, x, y);
      PhotoLab c = photo_colour_lab(p[0], p[1], p[2], an->gain);
      model_store(an, idx(an, x, y), c.L, c.a, c.b);
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

/* A component of the frame that is neither backdrop nor the subject. */
typedef struct {
  double area; /* fraction of the frame */
  double x, y; /* its centroid, analysis pixels */
} OtherObject;

/* Labels the non-background components; the one containing (sx, sy) is the
 * subject. The others go to `others` (OtherObject). */
static void subject_components(Analysis *an, int sx, int sy, GArray *others)
{
  gsize total = (gsize)an->w * an->h;
  g_autofree gint32 *label = g_new0(gint32, total);
  g_autofree guint32 *queue = g_new(guint32, total);
  gint32 next = 0, subject_label = 0;

  an->subject = g_new0(guint8, total);
  for (gsize s = 0; s < total; s++) {
    gsize head = 0, tail = 0, area = 0;
    double sum_x = 0, sum_y = 0;
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
      sum_x += x, sum_y += y;
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
    if (has_seed) {
      subject_label = next;
    } else {
      OtherObject o = {(double)area / total, sum_x / area, sum_y / area};
      g_array_append_val(others, o);
    }
  }
  for (gsize i = 0; i < total; i++)
    an->subject[i] = subject_label && label[i] == subject_label;
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

typedef enum { MODE_FULL, MODE_LIVE } Mode;

/* Faces the cascade missed, from dlib's HOG detector (its window is 80 px:
 * it searches a copy whose short side is 360 px, the long side at most 720
 * so that an odd shape cannot make it huge). Returned as cascade-like boxes
 * in the pixels of `grey`, largest first. */
static GArray *faces_fallback(const BkImage *grey)
{
  GArray *faces = g_array_new(FALSE, FALSE, sizeof(PhotoDetection));
  double f = MIN(360.0 / MIN(grey->width, grey->height),
                 720.0 / MAX(grey->width, grey->height));
  g_autoptr(BkImage) det = NULL;
  LandmarksBox boxes[4];
  int n;

  if (MIN(grey->width, grey->height) * f < 80)
    return faces; /* no room for a face the detector could find */
  det = image_scale(grey, MAX(1, (int)(grey->width * f)),
                    MAX(1, (int)(grey->height * f)));
  n = landmarks_detect_faces(det, boxes, G_N_ELEMENTS(boxes));

  f = (double)grey->width / det->width;
  for (int i = 0; i < n; i++) {
    /* dlib's box is 2.35 eye distances from 0.62 above the eyes; the
     * cascade's 2.5 from 0.95 above. */
    PhotoDetection d = {0};
    d.w = d.h = boxes[i].w * f * 1.064;
    d.x = (boxes[i].x + boxes[i].w / 2) * f - d.w / 2;
    d.y = (boxes[i].y - 0.14 * boxes[i].w) * f;
    d.neighbours = 10;
    g_array_append_val(faces, d);
  }
  return faces;
}

/* Columns of the head's frame in which the top of the head is examined:
 * eye distances along the eye line, -COVER_HALF to +COVER_HALF. */
#define COVER_HALF    0.6
#define COVER_COLUMNS 49

/* What a region of the head holds: pixels, backdrop-like, skin-like, and
 * the CIELAB of the rest ("other": hair or covering). */
typedef struct {
  int n, n_bg, n_skin;
  GArray *ol, *oa, *ob; /* "other" */
  GArray *nl, *na, *nb; /* everything not backdrop-like */
  /* the mean of all; the medians of "other" and of the not backdrop-like */
  PhotoLab mean, other, subject;
} Region;

/* The head covering's sample (check_covering_colour and after), in the
 * head's frame: up = eye distances above the eye midpoint along the head's
 * vertical, along = along the eye line. Per column: the top of the
 * subject's outline (`top`) and the band examined (from `lo` to `hi`). */
typedef struct {
  double top[COVER_COLUMNS], lo[COVER_COLUMNS], hi[COVER_COLUMNS];
  gboolean lost[COVER_COLUMNS]; /* the outline ends lower than a skull */
  int n_lost;
  Region band, above, sides, neck;
  PhotoLab lab, light; /* the covering's colour; that of the lost part */
  double multi, de00_bg, texture, colour_texture;
  gboolean present, backdrop_like, has_texture;
  double rim_multi; /* colour variety at the face opening (under-scarf) */
} Covering;

/* Everything one analysis measures, passed from check to check. Positions
 * are in analysis pixels; `scale` turns them into pixels of the input and
 * `S` into original camera pixels. */
typedef struct {
  PhotoValidator *v;
  const PhotoLimits *lim;
  const PhotoRequest *req;
  Mode mode;
  PhotoResult *r;
  const BkImage *rgb; /* the input as given (grey, RGB or RGBA) */
  BkImage *small;     /* RGB, at most 512 (live 320) px on the long side */
  BkImage *grey;      /* the same in grey */
  Analysis an;
  double scale, S;
  GArray *faces;
  GArray *others; /* OtherObject */
  PhotoDetection face;
  PhotoPose pose;
  double mx, my, d, roll; /* eye midpoint, eye distance, eye line */
  SkinFilter skin;
  double top_up;      /* top of the outline, eye distances above the eyes */
  double chin_up;     /* the chin, the same (negative) */
  double crown, chin; /* bounded by head proportions */
  double cos_roll, sin_roll;
  PhotoLab forehead; /* skin just above the brows */
  gboolean has_forehead;
  gboolean declared;
  gboolean pose_trusted; /* landmarks on the face box, pose fit good */
  int age;
  Covering cov;
} Check;

/* One named check: FALSE ends the analysis (nothing more can be judged). */
typedef struct {
  const char *name;
  gboolean (*run)(Check *c);
  gboolean full_only; /* skipped on live-view frames */
} CheckEntry;

/* A point of the head's frame - `along` eye distances along the eye line
 * (towards the image-right eye), `up` eye distances above the eye midpoint
 * along the head's vertical - in analysis pixels. */
static void head_point(const Check *c, double along, double up, double *x,
                       double *y)
{
  *x = c->mx + (along * c->cos_roll + up * c->sin_roll) * c->d;
  *y = c->my + (along * c->sin_roll - up * c->cos_roll) * c->d;
}

/* The reverse: where an analysis pixel lies in the head's frame. */
static void head_frame(const Check *c, double x, double y, double *along,
                       double *up)
{
  double dx = x - c->mx, dy = y - c->my;

  *along = (dx * c->cos_roll + dy * c->sin_roll) / c->d;
  *up = (dx * c->sin_roll - dy * c->cos_roll) / c->d;
}

/* The analysis pixel at a point of the head's frame; FALSE off the image. */
static gboolean head_index(const Check *c, double along, double up, gsize *ret)
{
  double x, y;

  head_point(c, along, up, &x, &y);
  if (!(x >= 0 && y >= 0 && x < c->an.w && y < c->an.h))
    return FALSE;
  *ret = idx(&c->an, (int)x, (int)y);
  return TRUE;
}

/* The top of the subject's outline in one column of the head's frame:
 * walking up from `from`, the last subject pixel before a gap of 0.15 eye
 * distances (white hair or a pale covering may leave holes). */
static double column_top(const Check *c, double along, double from)
{
  double step = 1.0 / MAX(c->d, 1.0), top = from, gap = 0;

  for (double up = from; up <= 3.2; up += step) {
    gsize i;
    if (!head_index(c, along, up, &i))
      break;
    if (c->an.subject[i])
      top = up, gap = 0;
    else if ((gap += step) > 0.15)
      break;
  }
  return top;
}

/* The image reduced for analysis, white-balanced CIELAB, grey copy. */
static gboolean check_prepare(Check *c)
{
  double max_side = c->mode == MODE_LIVE ? 320.0 : 512.0;
  double scale = MAX(1.0, MAX(c->rgb->width, c->rgb->height) / max_side);
  g_autoptr(BkImage) any = NULL;

  if (scale > 1.0)
    any = image_scale(c->rgb, MAX(1, (int)(c->rgb->width / scale)),
                      MAX(1, (int)(c->rgb->height / scale)));
  else
    any = image_copy(c->rgb);
  c->small = any->channels == 3 ? g_steal_pointer(&any) : image_convert(any, 3);
  c->scale = (double)c->rgb->width / c->small->width;
  c->S = c->scale *
         (c->req && c->req->source_scale > 0 ? c->req->source_scale : 1.0);
  c->an.w = c->small->width;
  c->an.h = c->small->height;
  analysis_colour(&c->an, c->small);
  c->grey = image_new(c->an.w, c->an.h, 1);
  for (int y = 0; y < c->an.h; y++)
    memcpy(image_pixel(c->grey, 0, y), c->an.grey + idx(&c->an, 0, y),
           (gsize)c->an.w);
  return TRUE;
}

/* The background model (calibration frame, or a plane fitted to the
 * border) and what of the frame is backdrop. */
static gboolean check_backdrop(Check *c)
{
  gboolean calibrated = c->req && c->req->background;

  if (calibrated)
    background_model_calibration(&c->an, c->req->background);
  else
    background_model_border(&c->an);
  background_flood(&c->an, calibrated ? c->lim->backdrop_tolerance_calibrated
                                      : c->lim->backdrop_tolerance_model);
  return TRUE;
}

/* The backdrop's white-balanced mean, for the covering's contrast. The
 * backdrop itself is judged after the subject's outline is known
 * (check_background_outside). */
static gboolean check_background(Check *c)
{
  Analysis *an = &c->an;
  double sl = 0, sa = 0, sb = 0;
  int m = 0;

  for (gsize i = 0; i < (gsize)an->w * an->h; i += 3)
    if (an->bg[i])
      sl += an->L[i], sa += an->A[i], sb += an->B[i], m++;
  an->bg_lab.L = m ? sl / m : 95;
  an->bg_lab.a = m ? sa / m : 0;
  an->bg_lab.b = m ? sb / m : 0;
  return TRUE;
}

/* Inside the subject's outline as a declared covering may draw it: the
 * head and a covering up to 2.9 eye distances above the eyes and 1.8 to
 * each side, widening below the face as a scarf drapes to the shoulders.
 * A covering as light as the backdrop floods as backdrop; its folds are
 * not the backdrop's defects. */
static gboolean in_covering_outline(const Check *c, int x, int y)
{
  double along, up;

  head_frame(c, x, y, &along, &up);
  return up < 2.9 && fabs(along) < 1.8 + 0.65 * MAX(0, -up - 0.8);
}

/* On the shoulders: below the chin and within 3.5 eye distances of the
 * head's axis, widening by 0.2 per eye distance lower down as shoulders
 * and arms do, where white clothes on a white backdrop flood as backdrop
 * or stand apart from it in pieces (a white shirt's lower corner, cut off
 * by the backdrop-coloured shirt between, is not an object behind). */
static gboolean in_body_outline(const Check *c, int x, int y)
{
  double along, up, below;

  head_frame(c, x, y, &along, &up);
  below = c->chin_up - 0.3 - up;
  return below > 0 && fabs(along) < 3.5 + 0.2 * below;
}

/* background_not_white / _not_uniform on the raw colour of the backdrop
 * outside the subject's outline. */
static void background_judge(Check *c, gboolean outline)
{
  const PhotoLimits *lim = c->lim;
  Analysis *an = &c->an;
  g_autoptr(GArray) ls = g_array_new(FALSE, FALSE, sizeof(float));
  double ra = 0, rb = 0, rl = 0;
  int n = 0;

  for (int y = 0; y < an->h; y += 2)
    for (int x = 0; x < an->w; x += 2) {
      const guint8 *p = image_pixel(c->small, x, y);
      PhotoLab raw;
      float fl;
      if (!an->bg[idx(an, x, y)] ||
          (outline && (in_body_outline(c, x, y) ||
                       (c->declared && in_covering_outline(c, x, y)))))
        continue;
      raw = photo_colour_lab(p[0], p[1], p[2], NULL);
      rl += raw.L, ra += raw.a, rb += raw.b;
      fl = (float)raw.L;
      g_array_append_val(ls, fl);
      n++;
    }
  if (n == 0) {
    refuse(c->r, PHOTO_REASON_BACKGROUND_NOT_WHITE);
    return;
  }
  measure(c->r, "background_L", rl / n);
  measure(c->r, "background_chroma", hypot(ra / n, rb / n));
  measure(c->r, "background_spread_L",
          percentile(ls, 0.97) - percentile(ls, 0.03));
  measure(c->r, "background_fraction", (double)n * 4 / (an->w * an->h));
  judge(c->r, PHOTO_REASON_BACKGROUND_NOT_WHITE, rl / n, FALSE,
        lim->background_refer_L, lim->background_refuse_L);
  judge(c->r, PHOTO_REASON_BACKGROUND_NOT_WHITE, hypot(ra / n, rb / n), TRUE,
        lim->background_chroma_refer, lim->background_chroma_refuse);
  judge(c->r, PHOTO_REASON_BACKGROUND_NOT_UNIFORM,
        percentile(ls, 0.97) - percentile(ls, 0.03), TRUE,
        lim->background_spread_refer_L, lim->background_spread_refuse_L);
}

/* The face cascade on a copy whose short side is 240 px (160 live), only
 * on windows centred off the backdrop. In analysis pixels. */
static GArray *cascade_faces(Check *c)
{
  Analysis *an = &c->an;
  int min_side = MIN(an->w, an->h);
  double f = MAX(1.0, min_side / (c->mode == MODE_LIVE ? 160.0 : 240.0));
  g_autoptr(BkImage) det = f > 1.0
                               ? image_scale(c->grey, MAX(1, (int)(an->w / f)),
                                             MAX(1, (int)(an->h / f)))
                               : image_copy(c->grey);
  int ds = MIN(det->width, det->height);
  g_autoptr(BkImage) mask = image_new(det->width, det->height, 1);
  GArray *faces;

  f = (double)an->w / det->width;
  for (int y = 0; y < det->height; y++)
    for (int x = 0; x < det->width; x++)
      image_pixel(mask, x, y)[0] = !an->bg[idx(an, MIN((int)(x * f), an->w - 1),
                                               MIN((int)(y * f), an->h - 1))];
  faces = photo_cascade_detect_masked(c->v->face, det, mask, 0, 0, det->width,
                                      det->height, MAX(24.0, ds * 0.12), ds,
                                      c->mode == MODE_LIVE ? 1.15 : 1.1, 3);
  for (guint i = 0; i < faces->len; i++) {
    PhotoDetection *fd = &g_array_index(faces, PhotoDetection, i);
    fd->x *= f, fd->y *= f, fd->w *= f, fd->h *= f;
  }
  return faces;
}

/* no_face / multiple_faces. Heads rolled beyond what the frontal cascade
 * tolerates (about 12 degrees) are found by dlib's HOG detector, which has
 * filters for rolled faces. */
static gboolean check_faces(Check *c)
{
  double main_w;
  int count = 0, main_n;

  c->faces = cascade_faces(c);
  if (c->faces->len == 0) {
    g_array_unref(c->faces);
    c->faces = faces_fallback(c->grey);
  }
  main_w = c->faces->len ? g_array_index(c->faces, PhotoDetection, 0).w : 0;
  main_n =
      c->faces->len ? g_array_index(c->faces, PhotoDetection, 0).neighbours : 0;
  /* Faces of comparable size only: tiny hits in a pattern are not people. */
  for (guint i = 0; i < c->faces->len; i++) {
    const PhotoDetection *f = &g_array_index(c->faces, PhotoDetection, i);
    if (f->w >= main_w * 0.6 && (i == 0 || f->neighbours >= MAX(4, main_n / 3)))
      count++;
  }
  c->r->faces = count;
  measure(c->r, "faces", count);
  if (c->faces->len == 0) {
    refuse(c->r, PHOTO_REASON_NO_FACE);
    background_judge(c, FALSE);
    return FALSE;
  }
  if (count > 1)
    refuse(c->r, PHOTO_REASON_MULTIPLE_FACES);
  c->face = g_array_index(c->faces, PhotoDetection, 0);
  c->r->face_x = c->face.x * c->scale, c->r->face_y = c->face.y * c->scale;
  c->r->face_w = c->face.w * c->scale, c->r->face_h = c->face.h * c->scale;
  return TRUE;
}

/* The 68 landmarks and what they give: eye centres, the eye frame of
 * reference (midpoint, distance, roll), pose and expression measures. */
static gboolean check_landmarks(Check *c)
{
  const PhotoDetection *f = &c->face;
  PhotoResult *r = c->r;
  const PhotoPose *p = &c->pose;

  /* The cascade's box is wider and higher than the one dlib's predictor
   * was trained on (about 2.35 eye distances square, from 0.62 above the
   * eyes, with the eyes at 0.38 of the cascade's box). */
  photo_pose_fit(c->v->landmarks, c->grey, f->x + 0.032 * f->w,
                 f->y + 0.38 * f->h - 0.248 * f->w, 0.94 * f->w, 0.94 * f->w,
                 &c->pose);
  r->eye_left_x = p->eye_lx * c->scale, r->eye_left_y = p->eye_ly * c->scale;
  r->eye_right_x = p->eye_rx * c->scale, r->eye_right_y = p->eye_ry * c->scale;
  c->mx = p->mx, c->my = p->my, c->d = p->d, c->roll = p->roll_deg;
  measure(r, "eye_left_x", p->eye_lx * c->S);
  measure(r, "eye_left_y", p->eye_ly * c->S);
  measure(r, "eye_right_x", p->eye_rx * c->S);
  measure(r, "eye_right_y", p->eye_ry * c->S);
  measure(r, "eye_distance_px", c->d * c->S);
  measure(r, "roll_deg", c->roll);
  measure(r, "yaw_deg", p->yaw_deg);
  measure(r, "pitch_deg", p->pitch_deg);
  measure(r, "pose_residual", p->pose_residual);
  measure(r, "eye_aspect", p->eye_aspect);
  measure(r, "mouth_open", p->mouth_open);
  measure(r, "brow_height_eye_d", p->brow_height);
  c->pose_trusted = p->pose_residual <= c->lim->pose_residual_max;
  if (c->d < f->w * 0.25 || c->d > f->w * 0.7) {
    /* Landmarks that do not fit the face box: do not trust them. */
    c->d = f->w * 0.42;
    c->mx = f->x + f->w / 2;
    c->my = f->y + f->h * 0.38;
    c->roll = 0;
    c->pose_trusted = FALSE;
    refer(r, PHOTO_REASON_EYES_NOT_VISIBLE);
  }
  c->cos_roll = cos(c->roll * G_PI / 180);
  c->sin_roll = sin(c->roll * G_PI / 180);
  return TRUE;
}

/* not_frontal: roll from the eye line, yaw and pitch from the pose fit.
 * When the fit cannot be trusted, the mirror axis judges yaw as well
 * (check_symmetry). */
static gboolean check_pose(Check *c)
{
  const PhotoLimits *lim = c->lim;

  judge(c->r, PHOTO_REASON_NOT_FRONTAL, fabs(c->roll), TRUE,
        lim->roll_refer_deg, lim->roll_refuse_deg);
  judge(c->r, PHOTO_REASON_NOT_FRONTAL, fabs(c->pose.yaw_deg), TRUE,
        lim->yaw_refer_deg, lim->yaw_refuse_deg);
  judge(c->r, PHOTO_REASON_NOT_FRONTAL, fabs(c->pose.pitch_deg), TRUE,
        lim->pitch_refer_deg, lim->pitch_refuse_deg);
  return TRUE;
}

/* eyes_not_visible: an open, visible eye shows bright sclera beside a dark
 * iris; dark glasses, hair or a frame over the eye do not. L* spread in a
 * box around each eye, the weaker eye counts. eyes_closed: the lids'
 * aspect ratio. mouth_open: the inner lips' gap, on the still only (in
 * live view the lip line is a few pixels and its measure flickers). */
static gboolean check_eyes_and_mouth(Check *c)
{
  const PhotoLimits *lim = c->lim;
  double weakest = 1e9, d = c->d;

  for (int k = 0; k < 2; k++) {
    double ex = k == 0 ? c->pose.eye_lx : c->pose.eye_rx;
    double ey = k == 0 ? c->pose.eye_ly : c->pose.eye_ry;
    g_autoptr(GArray) ls = g_array_new(FALSE, FALSE, sizeof(float));
    for (int y = (int)(ey - 0.1 * d); y <= (int)(ey + 0.1 * d); y++)
      for (int x = (int)(ex - 0.22 * d); x <= (int)(ex + 0.22 * d); x++)
        if (x >= 0 && y >= 0 && x < c->an.w && y < c->an.h)
          g_array_append_val(ls, c->an.L[idx(&c->an, x, y)]);
    if (ls->len > 4)
      weakest = MIN(weakest, percentile(ls, 0.95) - percentile(ls, 0.05));
  }
  if (weakest < 1e9) {
    measure(c->r, "eye_contrast_L", weakest);
    judge(c->r, PHOTO_REASON_EYES_NOT_VISIBLE, weakest, FALSE,
          lim->eye_contrast_refer_L, lim->eye_contrast_refuse_L);
  }
  /* Closed lids are only judged on eyes that are visible at all. */
  if (!photo_result_has_reason(c->r, PHOTO_REASON_EYES_NOT_VISIBLE))
    judge(c->r, PHOTO_REASON_EYES_CLOSED, c->pose.eye_aspect, FALSE,
          lim->eye_aspect_refer, lim->eye_aspect_refuse);
  if (c->mode == MODE_FULL)
    judge(c->r, PHOTO_REASON_MOUTH_OPEN, c->pose.mouth_open, TRUE,
          lim->mouth_open_refer, lim->mouth_open_refuse);
  return TRUE;
}

/* resolution_too_low, on the still in the camera's own pixels (live-view
 * frames are scaled for the screen and say nothing about it). */
static gboolean check_resolution(Check *c)
{
  judge(c->r, PHOTO_REASON_RESOLUTION_TOO_LOW, c->d * c->S, FALSE,
        c->lim->eye_distance_refer_px, c->lim->eye_distance_refuse_px);
  return TRUE;
}

/* The subject and the other objects on the backdrop (judged with the
 * backdrop, check_background_outside). */
static gboolean check_objects(Check *c)
{
  Analysis *an = &c->an;

  c->others = g_array_new(FALSE, FALSE, sizeof(OtherObject));
  subject_components(an, CLAMP((int)c->mx, 0, an->w - 1),
                     CLAMP((int)(c->my + 0.8 * c->d), 0, an->h - 1), c->others);
  return TRUE;
}

/* background_not_uniform: another object on the backdrop - outside a
 * declared covering's outline, where a light covering's folds may stand
 * apart from the backdrop in pieces, and not on the shoulders below the
 * chin, where white clothes on a white backdrop do the same. */
static void objects_judge(Check *c)
{
  double largest = 0;

  for (guint i = 0; i < c->others->len; i++) {
    const OtherObject *o = &g_array_index(c->others, OtherObject, i);
    if ((c->declared && in_covering_outline(c, (int)o->x, (int)o->y)) ||
        in_body_outline(c, (int)o->x, (int)o->y))
      continue;
    largest = MAX(largest, o->area);
  }
  measure(c->r, "other_object_fraction", largest);
  judge(c->r, PHOTO_REASON_BACKGROUND_NOT_UNIFORM, largest, TRUE,
        c->lim->other_object_refer, c->lim->other_object_refuse);
}

/* A shadow on the backdrop: darker than the background model without a
 * change of hue, beside the head (where neither hair nor shoulders are)
 * and outside a declared covering's outline. Its box goes to the result
 * for the refusal screen. */
static void shadow_judge(Check *c)
{
  Analysis *an = &c->an;
  double mx = c->mx, my = c->my, d = c->d;
  double x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
  int n = 0, dark = 0;

  for (int y = MAX(0, (int)(my - 2.5 * d)); y < MIN(an->h, (int)(my + 2 * d));
       y++)
    for (int x = 0; x < an->w; x++) {
      gsize i = idx(an, x, y);
      if (fabs(x - mx) < 1.7 * d ||
          (c->declared && in_covering_outline(c, x, y)))
        continue;
      n++;
      if (an->model_L[i] - an->L[i] > 8 &&
          hypot(an->A[i] - an->model_A[i], an->B[i] - an->model_B[i]) < 4) {
        dark++;
        x0 = MIN(x0, x), y0 = MIN(y0, y), x1 = MAX(x1, x), y1 = MAX(y1, y);
      }
    }
  if (n == 0)
    return;
  measure(c->r, "shadow_fraction", (double)dark / n);
  judge(c->r, PHOTO_REASON_BACKGROUND_NOT_UNIFORM, (double)dark / n, TRUE,
        c->lim->shadow_refer, c->lim->shadow_refuse);
  if ((double)dark / n > c->lim->shadow_refer) {
    c->r->has_shadow = TRUE;
    c->r->shadow_x = x0 * c->scale, c->r->shadow_y = y0 * c->scale;
    c->r->shadow_w = (x1 - x0 + 1) * c->scale;
    c->r->shadow_h = (y1 - y0 + 1) * c->scale;
  }
}

/* The backdrop judged outside the subject's outline - with a declared
 * covering, outside the outline the covering may have (a light covering
 * merges with the backdrop) - and the shadow beside the head. */
static gboolean check_background_outside(Check *c)
{
  background_judge(c, TRUE);
  objects_judge(c);
  shadow_judge(c);
  return TRUE;
}

/* Skin colour from below the eyes (nose and cheeks), and the face's visible
 * width at cheekbone height: walk outward until a few pixels in a row are
 * not skin. */
static gboolean check_skin(Check *c)
{
  Analysis *an = &c->an;
  double mx = c->mx, my = c->my, d = c->d;
  RegionStats st = region_stats(an, mx - 0.35 * d, my + 0.25 * d, mx + 0.35 * d,
                                my + 0.75 * d, keep_subject, NULL);
  int row = CLAMP((int)(my + 0.45 * d), 0, an->h - 1);
  int xl = (int)mx, xr = (int)mx, miss = 0;

  c->skin.skin.L = st.L, c->skin.skin.a = st.a, c->skin.skin.b = st.b;
  c->skin.max_de = 14;
  for (int x = (int)mx; x >= 0 && miss < 3; x--) {
    if (x < an->w && keep_skin(an, idx(an, x, row), &c->skin))
      xl = x, miss = 0;
    else
      miss++;
  }
  miss = 0;
  for (int x = MAX((int)mx, 0); x < an->w && miss < 3; x++) {
    if (keep_skin(an, idx(an, x, row), &c->skin))
      xr = x, miss = 0;
    else
      miss++;
  }
  measure(c->r, "face_width_px", (xr - xl + 1) * c->S);
  c->r->face_x = xl * c->scale;
  c->r->face_w = (xr - xl + 1) * c->scale;
  return TRUE;
}

/* A second yaw measure that does not rest on the landmarks: the vertical
 * axis about which the edges below the eyes are most nearly
 * mirror-symmetric, its offset from the eye midpoint in eye distances
 * (roughly 0.1 per 10 degrees; side light adds to it, which is why it
 * judges yaw only when the landmark pose fit cannot be trusted). */
static gboolean check_symmetry(Check *c)
{
  Analysis *an = &c->an;
  double mx = c->mx, my = c->my, d = c->d, best = 1e18, best_o = 0;
  int y0 = MAX((int)(my + 0.2 * d), 0), y1 = MIN((int)(my + 1.2 * d), an->h);

  for (double o = -0.3 * d; o <= 0.3 * d; o += MAX(1.0, d * 0.02)) {
    double ax = mx + o, sum = 0;
    int n = 0;
    for (int y = y0; y < y1; y++)
      for (double x = 0.05 * d; x < 0.5 * d; x += 1) {
        int xa = (int)(ax - x), xb = (int)(ax + x);
        const float *L = an->L + idx(an, 0, y);
        if (xa < 1 || xb >= an->w - 1)
          continue;
        /* Gradient magnitudes: the nose's and mouth's edges decide, not a
         * smooth lighting slope. */
        sum += fabs(fabs(L[xa + 1] - L[xa - 1]) - fabs(L[xb + 1] - L[xb - 1]));
        n++;
      }
    if (n && sum / n < best)
      best = sum / n, best_o = o;
  }
  measure(c->r, "yaw_offset", best_o / d);
  if (!c->pose_trusted)
    judge(c->r, PHOTO_REASON_NOT_FRONTAL, fabs(best_o / d), TRUE,
          c->lim->yaw_offset_refer, c->lim->yaw_offset_refuse);
  return TRUE;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Crown: the top of the subject outline along the head's vertical (the
 * median of nine columns across the skull), bounded to 1.6-2.3 eye
 * distances so hair volume or a covering cannot make the head absurd
 * (top_up keeps the unbounded value). Chin: landmark 8, along the head's
 * vertical. */
static gboolean check_crown_and_chin(Check *c)
{
  double d = c->d, tops[9], along, up;

  for (int k = 0; k < 9; k++)
    tops[k] = column_top(c, -0.4 + 0.1 * k, 0.8);
  qsort(tops, 9, sizeof(double), cmp_double);
  c->top_up = tops[4];
  measure(c->r, "crown_raw_eye_d", c->top_up);
  c->crown = c->my - CLAMP(c->top_up, 1.6, 2.3) * d;
  head_frame(c, c->pose.chin_x, c->pose.chin_y, &along, &up);
  c->chin_up = -CLAMP(-up, 1.2, 2.1);
  c->chin = c->my - c->chin_up * d;
  c->r->crown_y = c->crown * c->scale;
  c->r->chin_y = c->chin * c->scale;
  return TRUE;
}

/* Geometry after the kiosk's crop: the head scaled to the target height,
 * centred on the eye midpoint, the crown at a fixed share of the space
 * above. Only what the crop cannot fix is a reason (head_too_small,
 * head_too_large, face_off_centre). */
static gboolean check_geometry(Check *c)
{
  const PhotoLimits *lim = c->lim;
  PhotoResult *r = c->r;
  double head = c->chin - c->crown, mm_per_px = lim->head_target_mm / head;
  double cw = lim->crop_width_mm / mm_per_px;
  double ch = lim->crop_height_mm / mm_per_px;
  double top = (lim->crop_height_mm - lim->head_target_mm) * 0.42 / mm_per_px;
  double cx, cy, shift_x = 0, head_mm, face_mm, needed_px, offset_mm;
  double head_min = c->age >= 0 && c->age < lim->child_age
                        ? lim->head_min_mm_child
                        : lim->head_min_mm;

  if (ch > c->an.h || cw > c->an.w) { /* too close: shrink to the frame */
    double f = MIN(c->an.h / ch, c->an.w / cw);
    ch *= f, cw *= f, top *= f;
    mm_per_px = lim->crop_height_mm / ch;
  }
  cx = c->mx - cw / 2, cy = c->crown - top;
  if (cx < 0)
    shift_x = -cx;
  else if (cx + cw > c->an.w)
    shift_x = c->an.w - (cx + cw);
  cx += shift_x;
  cy = CLAMP(cy, 0, MAX(0, c->an.h - ch));
  head_mm = head * mm_per_px;
  face_mm = r->face_w / c->scale * mm_per_px;
  offset_mm = fabs(shift_x) * mm_per_px;
  needed_px = lim->crop_height_mm / 25.4 * lim->crop_dpi;
  measure(r, "head_height_mm", head_mm);
  measure(r, "face_width_mm", face_mm);
  measure(r, "face_offset_mm", offset_mm);
  measure(r, "crop_height_px", ch * c->S);
  measure(r, "crop_upscale", needed_px / (ch * c->S));
  judge(r, PHOTO_REASON_HEAD_TOO_LARGE, head_mm, TRUE,
        lim->head_max_mm - lim->head_margin_mm, lim->head_max_mm);
  judge(r, PHOTO_REASON_HEAD_TOO_SMALL, head_mm, FALSE,
        head_min + lim->head_margin_mm, head_min);
  /* Coming closer helps when the crop would be enlarged a lot. */
  judge(r, PHOTO_REASON_HEAD_TOO_SMALL, needed_px / (ch * c->S), TRUE,
        lim->crop_upscale_refer, lim->crop_upscale_refuse);
  judge(r, PHOTO_REASON_FACE_OFF_CENTRE, offset_mm, TRUE,
        lim->centre_offset_refer_mm, lim->centre_offset_refuse_mm);
  /* Face width varies between people more than head height: outside the
   * template by a margin it is an officer's call. */
  if (face_mm < lim->face_width_min_mm - lim->face_width_margin_mm ||
      face_mm > lim->face_width_max_mm + lim->face_width_margin_mm)
    refer(r, face_mm < lim->face_width_min_mm ? PHOTO_REASON_HEAD_TOO_SMALL
                                              : PHOTO_REASON_HEAD_TOO_LARGE);
  r->crop_x = cx * c->S, r->crop_y = cy * c->S;
  r->crop_w = cw * c->S, r->crop_h = ch * c->S;
  r->has_crop = TRUE;
  return TRUE;
}

/* underexposed / overexposed: median skin L* and clipped white in the face;
 * uneven_lighting: left against right cheek. */
static gboolean check_exposure(Check *c)
{
  const PhotoLimits *lim = c->lim;
  Analysis *an = &c->an;
  double mx = c->mx, my = c->my, d = c->d;
  g_autoptr(GArray) ls = g_array_new(FALSE, FALSE, sizeof(float));
  int clipped = 0, n = 0;
  RegionStats lc, rc;

  for (int y = MAX((int)(my - 0.2 * d), 0); y < MIN((int)(my + 1.3 * d), an->h);
       y++)
    for (int x = MAX((int)(mx - 0.7 * d), 0);
         x < MIN((int)(mx + 0.7 * d), an->w); x++) {
      gsize i = idx(an, x, y);
      const guint8 *p = image_pixel(c->small, x, y);
      if (!keep_skin(an, i, &c->skin))
        continue;
      g_array_append_val(ls, an->L[i]);
      /* Blown-out highlights are white; bright skin may clip red alone. */
      clipped += p[0] >= 250 && p[1] >= 250 && p[2] >= 250;
      n++;
    }
  if (n > 10) {
    double median = percentile(ls, 0.5);
    measure(c->r, "face_L", median);
    measure(c->r, "face_clipped_fraction", (double)clipped / n);
    judge(c->r, PHOTO_REASON_UNDEREXPOSED, median, FALSE,
          lim->face_dark_refer_L, lim->face_dark_refuse_L);
    judge(c->r, PHOTO_REASON_OVEREXPOSED, median, TRUE,
          lim->face_bright_refer_L, lim->face_bright_refuse_L);
    judge(c->r, PHOTO_REASON_OVEREXPOSED, (double)clipped / n, TRUE,
          lim->face_clipped_refer, lim->face_clipped_refuse);
  }
  lc = region_stats(an, mx - 0.85 * d, my + 0.3 * d, mx - 0.3 * d, my + 1.0 * d,
                    keep_skin, &c->skin);
  rc = region_stats(an, mx + 0.3 * d, my + 0.3 * d, mx + 0.85 * d, my + 1.0 * d,
                    keep_skin, &c->skin);
  if (lc.n > 5 && rc.n > 5) {
    measure(c->r, "lighting_lr_dL", lc.L - rc.L);
    judge(c->r, PHOTO_REASON_UNEVEN_LIGHTING, fabs(lc.L - rc.L), TRUE,
          lim->lighting_refer_L, lim->lighting_refuse_L);
    if (fabs(lc.L - rc.L) > lim->lighting_refer_L) {
      /* The darker half of the face, for the refusal screen. */
      c->r->has_shadow = TRUE;
      c->r->shadow_x = (lc.L < rc.L ? mx - d : mx) * c->scale;
      c->r->shadow_y = (my - 0.6 * d) * c->scale;
      c->r->shadow_w = d * c->scale, c->r->shadow_h = 2 * d * c->scale;
    }
  }
  return TRUE;
}

/* unnatural_colour: human skin after white balance has warm hues (roughly
 * red to yellow, CIELAB hab 30-75 degrees for all complexions) and some
 * but not extreme chroma; a grey face is a black-and-white or badly
 * balanced photo. */
static gboolean check_colour(Check *c)
{
  const PhotoLimits *lim = c->lim;
  double chroma = photo_colour_chroma(c->skin.skin);
  double hue = atan2(c->skin.skin.b, c->skin.skin.a) * 180 / G_PI;

  measure(c->r, "skin_chroma", chroma);
  measure(c->r, "skin_hue_deg", hue);
  judge(c->r, PHOTO_REASON_UNNATURAL_COLOUR, chroma, FALSE,
        lim->skin_grey_refer_chroma, lim->skin_grey_refuse_chroma);
  judge(c->r, PHOTO_REASON_UNNATURAL_COLOUR, chroma, TRUE,
        lim->skin_vivid_refer_chroma, lim->skin_vivid_refuse_chroma);
  if (chroma >= lim->skin_grey_refuse_chroma)
    judge(c->r, PHOTO_REASON_UNNATURAL_COLOUR, fabs(hue - lim->skin_hue_deg),
          TRUE, lim->skin_hue_refer_deg, lim->skin_hue_refuse_deg);
  return TRUE;
}

/* blurred: the face patch resampled so the eye distance is what it would
 * be in the crop (at most 48 px), then the share of gradient that survives
 * at that fine scale versus half resolution. */
static gboolean check_sharpness(Check *c)
{
  double d = c->d;
  double crop_d = d * (c->lim->crop_height_mm / 25.4 * c->lim->crop_dpi) /
                  (c->r->crop_h / c->S);
  g_autoptr(BkImage) patch =
      face_patch(c->rgb, c->scale, c->mx, c->my, d, -0.8, -0.4, 0.8, 1.3,
                 MIN(MIN(crop_d, d * c->scale), 48.0));

  if (patch && patch->width > 16) {
    g_autoptr(BkImage) grey = image_convert(patch, 1);
    g_autoptr(BkImage) half =
        image_scale(grey, grey->width / 2, grey->height / 2);
    g_autoptr(BkImage) back = image_scale(half, grey->width, grey->height);
    double fine = mean_gradient(grey), coarse = mean_gradient(back);
    double ratio = coarse > 0 ? fine / coarse : 0;
    measure(c->r, "sharpness", ratio);
    judge(c->r, PHOTO_REASON_BLURRED, ratio, FALSE, c->lim->sharpness_refer,
          c->lim->sharpness_refuse);
  }
  return TRUE;
}

/* Skin for the covering's regions: close to the face's own skin in hue
 * and chroma, and in lightness lighter by a little more than a lit bald
 * scalp is, darker by less. (The face's own checks tolerate more; a brown,
 * rust, pink or maroon covering must not pass for a bald head here.) */
static gboolean skin_like(const Check *c, gsize i)
{
  const Analysis *an = &c->an;
  const PhotoLab *s = &c->skin.skin;

  for (int k = 0; k < (c->has_forehead ? 2 : 1); k++, s = &c->forehead) {
    double dl = an->L[i] - s->L;
    if (dl < c->lim->covering_skin_lighter_dL &&
        -dl < c->lim->covering_skin_darker_dL &&
        hypot(an->A[i] - s->a, an->B[i] - s->b) < c->lim->covering_skin_max_dab)
      return TRUE;
  }
  return FALSE;
}

/* The forehead just above the brows (0.1 to 0.3 eye distances over the
 * brow line, 0.35 to each side), a second reference for skin: a scalp
 * continues the forehead's colour more than the cheeks'. Used only when
 * it is near the cheeks' colour itself (not a covering low on the
 * forehead). */
static void forehead_sample(Check *c)
{
  g_autoptr(GArray) l = g_array_new(FALSE, FALSE, sizeof(float));
  g_autoptr(GArray) a = g_array_new(FALSE, FALSE, sizeof(float));
  g_autoptr(GArray) b = g_array_new(FALSE, FALSE, sizeof(float));
  double step = 1.0 / MAX(c->d, 1.0);
  double brow = CLAMP(c->pose.brow_height, 0.2, 0.6);
  const PhotoLab *s = &c->skin.skin;

  for (double up = brow + 0.1; up < brow + 0.3; up += step)
    for (double along = -0.35; along <= 0.35; along += step) {
      gsize i;
      if (!head_index(c, along, up, &i))
        continue;
      g_array_append_val(l, c->an.L[i]);
      g_array_append_val(a, c->an.A[i]);
      g_array_append_val(b, c->an.B[i]);
    }
  if (l->len < 4)
    return;
  c->forehead.L = percentile(l, 0.5);
  c->forehead.a = percentile(a, 0.5);
  c->forehead.b = percentile(b, 0.5);
  c->has_forehead =
      fabs(c->forehead.L - s->L) < c->lim->covering_skin_lighter_dL &&
      hypot(c->forehead.a - s->a, c->forehead.b - s->b) <
          2 * c->lim->covering_skin_max_dab;
}

static gboolean backdrop_like(const Check *c, gsize i)
{
  return c->an.bg[i] || c->an.bgdiff[i] < c->lim->covering_backdrop_de;
}

static void region_init(Region *rg)
{
  memset(rg, 0, sizeof(*rg));
  rg->ol = g_array_new(FALSE, FALSE, sizeof(float));
  rg->oa = g_array_new(FALSE, FALSE, sizeof(float));
  rg->ob = g_array_new(FALSE, FALSE, sizeof(float));
  rg->nl = g_array_new(FALSE, FALSE, sizeof(float));
  rg->na = g_array_new(FALSE, FALSE, sizeof(float));
  rg->nb = g_array_new(FALSE, FALSE, sizeof(float));
}

static void region_clear(Region *rg)
{
  if (rg->ol) {
    g_array_unref(rg->ol);
    g_array_unref(rg->oa);
    g_array_unref(rg->ob);
    g_array_unref(rg->nl);
    g_array_unref(rg->na);
    g_array_unref(rg->nb);
  }
}

/* Counts the pixel at a point of the head's frame into `rg`. */
static void region_add(const Check *c, Region *rg, double along, double up)
{
  const Analysis *an = &c->an;
  gsize i;

  if (!head_index(c, along, up, &i))
    return;
  rg->n++;
  rg->mean.L += an->L[i], rg->mean.a += an->A[i], rg->mean.b += an->B[i];
  if (backdrop_like(c, i)) {
    rg->n_bg++;
    return;
  }
  g_array_append_val(rg->nl, an->L[i]);
  g_array_append_val(rg->na, an->A[i]);
  g_array_append_val(rg->nb, an->B[i]);
  if (skin_like(c, i)) {
    rg->n_skin++;
    return;
  }
  g_array_append_val(rg->ol, an->L[i]);
  g_array_append_val(rg->oa, an->A[i]);
  g_array_append_val(rg->ob, an->B[i]);
}

/* Means and medians once the region is sampled; the share of "other". */
static double region_finish(Region *rg)
{
  if (rg->n > 0)
    rg->mean.L /= rg->n, rg->mean.a /= rg->n, rg->mean.b /= rg->n;
  rg->other.L = percentile(rg->ol, 0.5);
  rg->other.a = percentile(rg->oa, 0.5);
  rg->other.b = percentile(rg->ob, 0.5);
  rg->subject.L = percentile(rg->nl, 0.5);
  rg->subject.a = percentile(rg->na, 0.5);
  rg->subject.b = percentile(rg->nb, 0.5);
  return rg->n ? (double)rg->ol->len / rg->n : 0;
}

/* The top of the head, hung from the outline: in each column of the head's
 * frame, from 0.55 to 0.15 eye distances below the outline's top, never
 * below the brow line plus 0.45. Where the outline ends lower than any
 * skull (covering_skull_min_eye_d above the eyes in the middle, less
 * towards the sides), it has lost a covering as light as the backdrop,
 * which floods as backdrop: there the skull's place above the outline, to
 * 1.85 eye distances, is examined instead (`above`). */
static void covering_band(Check *c)
{
  Covering *cv = &c->cov;
  double step = 1.0 / MAX(c->d, 1.0);
  double floor_up = CLAMP(c->pose.brow_height, 0.2, 0.6) + 0.45;

  region_init(&cv->band);
  region_init(&cv->above);
  for (int k = 0; k < COVER_COLUMNS; k++) {
    double along = -COVER_HALF + 2 * COVER_HALF * k / (COVER_COLUMNS - 1);
    double skull = c->lim->covering_skull_min_eye_d - 0.6 * along * along;
    cv->top[k] = column_top(c, along, 0.8);
    cv->lost[k] = cv->top[k] < skull;
    cv->n_lost += cv->lost[k];
    cv->hi[k] = cv->lost[k] ? 1.85 - 0.6 * along * along : cv->top[k] - 0.15;
    cv->lo[k] = cv->lost[k] ? cv->top[k] + 0.1
                            : MIN(MAX(cv->top[k] - 0.55, floor_up), cv->hi[k]);
    for (double up = cv->lo[k]; up < cv->hi[k]; up += step)
      region_add(c, cv->lost[k] ? &cv->above : &cv->band, along, up);
  }
}

/* Beside the cheeks, just outside the face's contour (the jaw landmarks
 * 2-5 and 11-14, outward along the eye line), and below the chin, where a
 * neck is unless something wraps it. */
static void covering_sides_and_neck(Check *c)
{
  Covering *cv = &c->cov;
  double step = 1.0 / MAX(c->d, 1.0);

  region_init(&cv->sides);
  region_init(&cv->neck);
  for (int j = 2; j <= 14; j++) {
    double along, up;
    if (j > 5 && j < 11)
      continue;
    head_frame(c, c->pose.pts.x[j], c->pose.pts.y[j], &along, &up);
    for (double k = 0.08; k < 0.35; k += 0.03)
      region_add(c, &cv->sides, along + (j < 8 ? -k : k), up);
  }
  for (double up = c->chin_up - 0.15; up > c->chin_up - 0.45; up -= step)
    for (double along = -0.25; along <= 0.25; along += step)
      region_add(c, &cv->neck, along, up);
}

/* A colour natural hair has: near neutral (black, grey, white) or of the
 * warm hues of brown, blonde and red hair below a chroma. */
static gboolean hair_coloured(const PhotoLimits *lim, PhotoLab lab)
{
  double chroma = photo_colour_chroma(lab);
  double hue = atan2(lab.b, lab.a) * 180 / G_PI;

  return chroma < lim->hair_neutral_chroma ||
         (hue > lim->hair_hue_min_deg && hue < lim->hair_hue_max_deg &&
          chroma < lim->hair_max_chroma);
}

/* Counts one pixel of the covering into n and, when it is more than
 * covering_multicolour_de00 from the covering's colour (lightness weighted
 * down by 3 so that folds do not count), into far; with `no_hair`, only
 * when it is also of a colour no hair has. Skin is not counted. */
static void multicolour_add(const Check *c, double along, double up,
                            gboolean no_hair, int *n, int *far)
{
  const Analysis *an = &c->an;
  gsize i;
  PhotoLab p;

  if (!head_index(c, along, up, &i) || skin_like(c, i))
    return;
  p = (PhotoLab){an->L[i], an->A[i], an->B[i]};
  (*n)++;
  *far += photo_colour_de00(p, c->cov.lab, 3.0, 1.0, 1.0) >
              c->lim->covering_multicolour_de00 &&
          !(no_hair && hair_coloured(c->lim, p));
}

/* Colour variety of the band: the share of its non-skin pixels - backdrop-
 * like ones included, as a white stripe is - of another colour. */
static double covering_multicolour(Check *c)
{
  const Covering *cv = &c->cov;
  double step = 1.0 / MAX(c->d, 1.0);
  int n = 0, far = 0;

  for (int k = 0; k < COVER_COLUMNS; k++) {
    double along = -COVER_HALF + 2 * COVER_HALF * k / (COVER_COLUMNS - 1);
    for (double up = cv->lo[k]; up < cv->hi[k]; up += step)
      multicolour_add(c, along, up, FALSE, &n, &far);
  }
  return n ? (double)far / n : 0;
}

static double ray_inner(const Check *c, double phi, double outer, double floor);

/* Colour variety of the covering's rim: on the ray from the eye midpoint
 * through the foot of each column of the band, from the covering's inner
 * edge (where the forehead starts, at the latest the brow line) out
 * covering_rim_eye_d, never into the band. An under-scarf of another
 * colour framing the face shows there and nowhere in the band. Hair shows
 * there too, under a scarf or a cap: only colours no hair has count. */
static double covering_rim_multicolour(Check *c)
{
  const Covering *cv = &c->cov;
  double step = 1.0 / MAX(c->d, 1.0);
  double brow = MAX(c->pose.brow_height, 0.05);
  int n = 0, far = 0;

  for (int k = 0; k < COVER_COLUMNS; k++) {
    double along = -COVER_HALF + 2 * COVER_HALF * k / (COVER_COLUMNS - 1);
    double phi = atan2(along, cv->lo[k]), t_lo = hypot(along, cv->lo[k]);
    double inner = ray_inner(c, phi, t_lo, brow / cos(phi));
    double top = MIN(t_lo, inner + c->lim->covering_rim_eye_d);
    for (double t = inner; t < top; t += step)
      multicolour_add(c, t * sin(phi), t * cos(phi), TRUE, &n, &far);
  }
  return n ? (double)far / n : 0;
}

/* The covering's colour: the median of the band's "other" pixels; when the
 * band looks like the backdrop, its mean (a white covering on a white
 * backdrop is that case); declared but skin-like (a bald head, or a cream
 * or pastel covering): the median of everything not backdrop. */
static gboolean check_covering_colour(Check *c)
{
  Covering *cv = &c->cov;
  double fo, fb;

  forehead_sample(c);
  covering_band(c);
  covering_sides_and_neck(c);
  fo = region_finish(&cv->band);
  fb = cv->band.n ? (double)cv->band.n_bg / cv->band.n : 0;
  measure(c->r, "top_other_fraction", fo);
  measure(c->r, "top_background_fraction", fb);
  measure(c->r, "top_skin_fraction",
          cv->band.n ? (double)cv->band.n_skin / cv->band.n : 0);
  measure(c->r, "side_other_fraction", region_finish(&cv->sides));
  measure(c->r, "neck_other_fraction", region_finish(&cv->neck));
  region_finish(&cv->above);
  cv->light = cv->above.mean;
  measure(c->r, "top_lost_fraction", (double)cv->n_lost / COVER_COLUMNS);
  /* Present where the outline holds the head (two thirds of the skull
   * lost: the band is forehead or the hair under a light covering). */
  cv->present = fo >= 0.5 && cv->n_lost * 3 < COVER_COLUMNS * 2;
  cv->backdrop_like = !cv->present && (fb >= 0.5 || cv->n_lost > 0);
  cv->lab = cv->present      ? cv->band.other
            : cv->n_lost > 0 ? cv->light
                             : cv->band.mean;
  if (c->declared && !cv->present && !cv->backdrop_like)
    cv->lab = cv->band.subject;
  if (cv->present) {
    cv->multi = covering_multicolour(c);
    cv->rim_multi = covering_rim_multicolour(c);
  }
  cv->de00_bg = photo_colour_de00(cv->lab, c->an.bg_lab, 1, 1, 1);
  measure(c->r, "covering_L", cv->lab.L);
  measure(c->r, "covering_chroma", photo_colour_chroma(cv->lab));
  measure(c->r, "covering_de00_background", cv->de00_bg);
  measure(c->r, "covering_multicolour_fraction", cv->multi);
  measure(c->r, "covering_rim_multicolour_fraction", cv->rim_multi);
  return TRUE;
}

/* A mask of the patch cut by face_patch() (rectangle rx0, ry0 in eye
 * distances from the eye midpoint, `d48` patch pixels per eye distance)
 * marking the pixels that lie in the covering's band. */
static guint8 *band_mask(const Check *c, const BkImage *patch, double rx0,
                         double ry0, double d48)
{
  guint8 *mask = g_new0(guint8, (gsize)patch->width * patch->height);
  const Covering *cv = &c->cov;

  for (int y = 0; y < patch->height; y++)
    for (int x = 0; x < patch->width; x++) {
      double along, up;
      int k;
      head_frame(c, c->mx + (rx0 + x / d48) * c->d,
                 c->my + (ry0 + y / d48) * c->d, &along, &up);
      k = (int)lround((along + COVER_HALF) / (2 * COVER_HALF) *
                      (COVER_COLUMNS - 1));
      if (k >= 0 && k < COVER_COLUMNS && up >= cv->lo[k] && up < cv->hi[k])
        mask[(gsize)y * patch->width + x] = 1;
    }
  return mask;
}

/* The band's bounding box, in eye distances from the eye midpoint: both
 * ends of the outer columns and of the middle one, which reaches highest. */
static void band_box(const Check *c, double box[4])
{
  const Covering *cv = &c->cov;
  const int cols[3] = {0, COVER_COLUMNS / 2, COVER_COLUMNS - 1};

  box[0] = box[1] = 1e9, box[2] = box[3] = -1e9;
  for (int k = 0; k < 3; k++)
    for (int e = 0; e < 2; e++) {
      double x, y,
          along = -COVER_HALF + 2 * COVER_HALF * cols[k] / (COVER_COLUMNS - 1);
      head_point(c, along, e ? cv->hi[cols[k]] : cv->lo[cols[k]], &x, &y);
      box[0] = MIN(box[0], (x - c->mx) / c->d);
      box[2] = MAX(box[2], (x - c->mx) / c->d);
      box[1] = MIN(box[1], (y - c->my) / c->d);
      box[3] = MAX(box[3], (y - c->my) / c->d);
    }
}

/* The band's fine texture at a normalised scale (d = 48 px): the band's
 * bounding box cut from the input at full resolution, the band's own
 * pixels measured: the mean fine texture of its lightness, and the lower
 * quartile of its fine colour texture (photo-texture.h). */
static gboolean band_texture(const Check *c, double *texture, double *colour)
{
  double box[4];
  g_autoptr(BkImage) patch = NULL;
  g_autoptr(BkImage) grey = NULL;
  g_autofree guint8 *mask = NULL;

  band_box(c, box);
  patch = face_patch(c->rgb, c->scale, c->mx, c->my, c->d, box[0], box[1],
                     box[2], box[3], 48.0);
  if (!patch)
    return FALSE;
  grey = image_convert(patch, 1);
  mask = band_mask(c, grey, box[0], box[1], 48.0);
  *texture = fine_texture(grey, 2, mask, grey->width);
  *colour = photo_texture_colour(patch, mask, 0.25);
  return TRUE;
}

/* The same on a backdrop patch from a top corner (sensor and JPEG noise):
 * the mean fine texture and the upper decile of the fine colour texture. */
static void backdrop_texture(const Check *c, double *texture, double *colour)
{
  double d = c->d, scale = c->scale;
  double side_x = c->mx < c->an.w / 2.0 ? c->an.w - 1.3 * d : 0.1 * d;
  g_autoptr(BkImage) crop =
      image_crop(c->rgb, (int)(side_x * scale), (int)(0.1 * d * scale),
                 (int)(1.2 * d * scale), (int)(0.45 * d * scale));

  *texture = *colour = 0;
  if (crop && crop->width > 4 && crop->height > 4) {
    double f = 48.0 / (d * scale);
    g_autoptr(BkImage) s = image_scale(crop, MAX(6, (int)(crop->width * f)),
                                       MAX(6, (int)(crop->height * f)));
    g_autoptr(BkImage) grey = image_convert(s, 1);
    *texture = fine_texture(grey, 2, NULL, 0);
    *colour = photo_texture_colour(s, NULL, 0.9);
  }
}

/* Fine texture of the covering's band minus the same measure on the
 * backdrop; its fine colour texture above the backdrop's. */
static gboolean check_covering_texture(Check *c)
{
  double texture = 0, colour = 0, noise, colour_noise;

  band_texture(c, &texture, &colour);
  backdrop_texture(c, &noise, &colour_noise);
  measure(c->r, "covering_texture", texture);
  measure(c->r, "background_texture", noise);
  measure(c->r, "covering_colour_texture", colour - colour_noise);
  c->cov.texture = texture - noise;
  c->cov.colour_texture = colour - colour_noise;
  c->cov.has_texture = TRUE;
  return TRUE;
}

/* A covering colour that is white or light grey, or too close to the
 * backdrop (CIEDE2000), is refused; just outside these limits, referred. */
static void judge_covering_colour(Check *c, PhotoLab lab)
{
  const PhotoLimits *lim = c->lim;
  double chroma = photo_colour_chroma(lab);
  double de00 = photo_colour_de00(lab, c->an.bg_lab, 1, 1, 1);
  gboolean light = lab.L >= lim->covering_light_refuse_L &&
                   chroma <= lim->covering_light_refuse_chroma;

  if (light || de00 < lim->covering_contrast_refuse_de00) {
    /* As light as the backdrop, or indistinguishable from it. */
    refuse(c->r, light || lab.L >= lim->covering_pale_white_L
                     ? PHOTO_REASON_COVERING_WHITE
                     : PHOTO_REASON_COVERING_LOW_CONTRAST);
  } else if (lab.L >= lim->covering_light_refer_L &&
             chroma <= lim->covering_light_refer_chroma) {
    refer(c->r, PHOTO_REASON_COVERING_WHITE);
  } else if (de00 < lim->covering_contrast_refer_de00) {
    refer(c->r, PHOTO_REASON_COVERING_LOW_CONTRAST);
  }
}

/* A declared covering: not white or light grey, distinct from the backdrop,
 * single-coloured and smooth. A part lost against the backdrop (a third of
 * the skull or more) is judged for its colour too: a covering half white
 * is as light as a white one there. */
static gboolean check_covering_declared(Check *c)
{
  const PhotoLimits *lim = c->lim;
  const Covering *cv = &c->cov;

  if (!c->declared)
    return TRUE;
  judge_covering_colour(c, cv->lab);
  if (cv->present && cv->n_lost * 3 >= COVER_COLUMNS)
    judge_covering_colour(c, cv->light);
  if (cv->present) {
    judge(c->r, PHOTO_REASON_COVERING_NOT_SINGLE_COLOURED, cv->multi, TRUE,
          lim->covering_multicolour_refer, lim->covering_multicolour_refuse);
    judge(c->r, PHOTO_REASON_COVERING_NOT_SINGLE_COLOURED, cv->rim_multi, TRUE,
          lim->covering_rim_multicolour_refer,
          lim->covering_rim_multicolour_refuse);
    if (cv->has_texture)
      judge(c->r, PHOTO_REASON_COVERING_NOT_SMOOTH, cv->texture, TRUE,
            lim->covering_texture_refer, lim->covering_texture_refuse);
  }
  return TRUE;
}

/* Wrapped: both sides of the face and the neck below the chin hold
 * something of the top's colour - a hijab or scarf, which hair never is
 * (hair does not cover the throat). */
static gboolean covering_wrapped(const Check *c)
{
  const Covering *cv = &c->cov;
  const PhotoLimits *lim = c->lim;
  double fs = cv->sides.n ? (double)cv->sides.ol->len / cv->sides.n : 0;
  double fn = cv->neck.n ? (double)cv->neck.ol->len / cv->neck.n : 0;

  return fs >= lim->covering_wrap_fraction &&
         fn >= lim->covering_wrap_fraction &&
         photo_colour_de00(cv->sides.other, cv->lab, 2, 1, 1) <
             lim->covering_wrap_de00 &&
         photo_colour_de00(cv->neck.other, cv->lab, 2, 1, 1) <
             lim->covering_wrap_de00;
}

/* Not declared: something covering the top of the head whose colour no
 * natural hair has (near neutral - black, grey, white - or the warm hues
 * of brown, blonde and red hair) is refused, and so is one that wraps the
 * face and throat. Hair-coloured but as smooth as fabric, or wrapping but
 * textured like hair, is referred. Judged on the still only. */
static gboolean check_covering_undeclared(Check *c)
{
  const PhotoLimits *lim = c->lim;
  const Covering *cv = &c->cov;
  gboolean hair_colour, wrapped, smooth;

  if (c->declared || !cv->present)
    return TRUE;
  hair_colour = hair_coloured(lim, cv->lab);
  wrapped = covering_wrapped(c);
  /* Hair is textured in lightness, or in colour (thin strands over the
   * scalp, grey strands in dark hair, show little of the former). */
  smooth = cv->texture < lim->hair_min_texture &&
           cv->colour_texture < lim->hair_min_colour_texture;
  measure(c->r, "hair_colour", hair_colour);
  measure(c->r, "covering_wrapped", wrapped);
  if (!hair_colour || (wrapped && smooth))
    refuse(c->r, PHOTO_REASON_COVERING_NOT_DECLARED);
  else if (smooth || wrapped)
    refer(c->r, PHOTO_REASON_COVERING_NOT_DECLARED);
  return TRUE;
}

/* Outline points on each edge of the covering (PhotoOutline holds both). */
#define OUTLINE_HALF 16

/* A point `t` eye distances from the eye midpoint in the direction `phi`
 * (radians from the head's up, positive towards the image-right eye). */
static gboolean ray_index(const Check *c, double phi, double t, gsize *ret)
{
  return head_index(c, t * sin(phi), t * cos(phi), ret);
}

/* How far the subject reaches along the ray `phi`: walking out from `from`,
 * the last subject pixel before a gap of 0.15 eye distances, at most 2.9
 * eye distances out (a covering's outline, in_covering_outline) and never
 * lower than `low` eye distances above the eyes. */
static double ray_outer(const Check *c, double phi, double from, double low)
{
  double step = 1.0 / MAX(c->d, 1.0), reach = from, gap = 0;

  for (double t = from; t <= 2.9; t += step) {
    gsize i;
    if (t * cos(phi) < low || !ray_index(c, phi, t, &i))
      break;
    if (c->an.subject[i])
      reach = t, gap = 0;
    else if ((gap += step) > 0.15)
      break;
  }
  return reach;
}

/* The covering's inner edge along the ray `phi`: walking in from `outer`,
 * where three samples in a row are skin (the forehead, the temples, the
 * cheeks), at the latest `floor` eye distances from the eyes. */
static double ray_inner(const Check *c, double phi, double outer, double floor)
{
  double step = 1.0 / MAX(c->d, 1.0);
  int skin = 0;

  for (double t = outer; t > floor; t -= step) {
    gsize i;
    if (!ray_index(c, phi, t, &i))
      return t;
    skin = skin_like(c, i) ? skin + 1 : 0;
    if (skin == 3)
      return t + 2 * step;
  }
  return floor;
}

/* The covering hangs beside the face: on both sides, at the height of jaw
 * points 2 and 14, the subject reaches a quarter eye distance past the
 * face's contour, and the sides are not mostly skin (hair or a bare
 * neck). */
static gboolean covering_beside_face(const Check *c)
{
  const Region *sides = &c->cov.sides;

  if (sides->n == 0 || sides->n_skin * 2 >= sides->n)
    return FALSE;
  for (int j = 2; j <= 14; j += 12) {
    double along, up;
    head_frame(c, c->pose.pts.x[j], c->pose.pts.y[j], &along, &up);
    if (ray_outer(c, atan2(along, up), hypot(along, up), c->chin_up) <
        hypot(along, up) + 0.25)
      return FALSE;
  }
  return TRUE;
}

/* The covering's outline for the refusal screen, in the pixels of the
 * image passed in: its outer edge - the subject's outline from the eyes
 * outward, over the head from one side to the other, down beside the face
 * to the chin when the covering hangs there, and round under it when it
 * also covers the throat - and back along its inner edge, where the face's
 * skin begins. Where the outline lost a covering as
 * light as the backdrop, the skull's place counts as covered (at least 2
 * eye distances above the eyes, 1.2 to the sides). Drawn when a covering
 * is declared or one was found undeclared. */
static gboolean check_covering_outline(Check *c)
{
  const Covering *cv = &c->cov;
  PhotoOutline *o = &c->r->covering;
  gboolean beside = covering_beside_face(c);
  gboolean throat =
      beside && cv->neck.n > 0 && cv->neck.n_skin * 2 < cv->neck.n;
  double reach = throat ? 2.9 : beside ? 2.1 : 1.3; /* radians from up */
  double low = throat ? c->chin_up - 0.6 : c->chin_up, floor = 0.6;

  G_STATIC_ASSERT(2 * OUTLINE_HALF <= G_N_ELEMENTS(o->x));
  o->n = 0;
  if (!(c->declared
            ? cv->present || cv->band.n > 0
            : photo_result_has_reason(c->r,
                                      PHOTO_REASON_COVERING_NOT_DECLARED) ||
                  g_ptr_array_find_with_equal_func(
                      c->r->referrals, PHOTO_REASON_COVERING_NOT_DECLARED,
                      g_str_equal, NULL)))
    return TRUE;
  for (int i = 0; i < OUTLINE_HALF; i++) {
    double phi = -reach + 2 * reach * i / (OUTLINE_HALF - 1);
    double outer = ray_outer(c, phi, floor, low), inner, x, y;
    if (cv->n_lost > 0)
      outer = MAX(outer, 1 / hypot(sin(phi) / 1.2, cos(phi) / 2.0));
    inner = ray_inner(c, phi, outer, floor);
    head_point(c, outer * sin(phi), outer * cos(phi), &x, &y);
    o->x[i] = x * c->scale, o->y[i] = y * c->scale;
    head_point(c, inner * sin(phi), inner * cos(phi), &x, &y);
    o->x[2 * OUTLINE_HALF - 1 - i] = x * c->scale;
    o->y[2 * OUTLINE_HALF - 1 - i] = y * c->scale;
  }
  o->n = 2 * OUTLINE_HALF;
  return TRUE;
}

/* The checks in the order they run; a later check may use what an earlier
 * one measured (the face frame, the skin colour, the crop). */
static const CheckEntry checks[] = {
    {"prepare", check_prepare, FALSE},
    {"backdrop", check_backdrop, FALSE},
    {"background", check_background, FALSE},
    {"faces", check_faces, FALSE},
    {"landmarks", check_landmarks, FALSE},
    {"pose", check_pose, FALSE},
    {"eyes_and_mouth", check_eyes_and_mouth, FALSE},
    {"resolution", check_resolution, TRUE},
    {"objects", check_objects, FALSE},
    {"skin", check_skin, FALSE},
    {"symmetry", check_symmetry, FALSE},
    {"crown_and_chin", check_crown_and_chin, FALSE},
    {"geometry", check_geometry, FALSE},
    {"exposure", check_exposure, FALSE},
    {"colour", check_colour, FALSE},
    {"sharpness", check_sharpness, TRUE},
    {"covering_colour", check_covering_colour, FALSE},
    {"covering_texture", check_covering_texture, TRUE},
    {"covering_declared", check_covering_declared, FALSE},
    {"covering_undeclared", check_covering_undeclared, TRUE},
    {"background_outside", check_background_outside, FALSE},
    {"covering_outline", check_covering_outline, FALSE},
};

static PhotoResult *analyse(PhotoValidator *v, const BkImage *input,
                            const PhotoRequest *req, Mode mode)
{
  Check c = {
      .v = v,
      .lim = &v->config.limits,
      .req = req,
      .mode = mode,
      .r = result_new(),
      .rgb = input,
      .declared = req && req->head_covering_declared,
      .age = req ? req->age : -1,
  };
  PhotoResult *r = c.r;

  for (gsize i = 0; i < G_N_ELEMENTS(checks); i++) {
    if (checks[i].full_only && mode != MODE_FULL)
      continue;
    if (!checks[i].run(&c))
      break;
  }
  result_finish(r);
  analysis_clear(&c.an);
  image_free(c.small);
  image_free(c.grey);
  if (c.faces)
    g_array_unref(c.faces);
  if (c.others)
    g_array_unref(c.others);
  region_clear(&c.cov.band);
  region_clear(&c.cov.above);
  region_clear(&c.cov.sides);
  region_clear(&c.cov.neck);
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
