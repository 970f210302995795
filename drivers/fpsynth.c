/* Synthetic fingerprint generator (see fpsynth.h). The master pattern is
 * grown from noise by alternating a 1-D smoothing along the local ridge
 * direction with a 1-D Gabor band-pass across it (an oriented Gabor filter
 * split in its two separable axes, which is what keeps it fast) and a
 * saturating non-linearity; where growing ridge fronts disagree, endings and
 * bifurcations appear on their own, as in real skin. */
#include "fpsynth.h"

#include <math.h>
#include <string.h>

#define N_ORIENT       32 /* orientation bins over [0, pi) */
#define TANGENT_RADIUS 15 /* taps along the ridge: 2 * 15 + 1 */
#define NORMAL_RADIUS  8  /* taps across the ridge: 2 * 8 + 1 */
#define PAD            (TANGENT_RADIUS + 2)
#define MARGIN         28 /* master is this much larger on every side */
#define N_ITERATIONS   10
#define FADE_BAND      0.45 /* of the outline's super-ellipse measure */

struct FpSynthFinger {
  guint64 seed;
  int finger;
  FpSynthClass klass;
  double period;
  int width, height; /* impression size */
  int mw, mh;        /* master size: impression + 2 * MARGIN */
  float *master;     /* mw * mh ridge field, about -1 (valley) .. 1 (ridge) */
};

/* splitmix64: tiny, fast, and identical everywhere, unlike rand(). */
typedef struct {
  guint64 state;
} Rng;

static guint64 rng_next(Rng *rng)
{
  guint64 z = (rng->state += G_GUINT64_CONSTANT(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_uniform(Rng *rng)
{
  return (double)(rng_next(rng) >> 11) * (1.0 / 9007199254740992.0);
}

static double rng_range(Rng *rng, double lo, double hi)
{
  return lo + (hi - lo) * rng_uniform(rng);
}

static double rng_gauss(Rng *rng)
{
  double u1 = rng_uniform(rng), u2 = rng_uniform(rng);
  if (u1 < 1e-300)
    u1 = 1e-300;
  return sqrt(-2.0 * log(u1)) * cos(2.0 * G_PI * u2);
}

static Rng rng_for(guint64 seed, guint64 a, guint64 b)
{
  Rng rng = {seed ^ (a * G_GUINT64_CONSTANT(0xD1B54A32D192ED03)) ^
             (b * G_GUINT64_CONSTANT(0x8CB92BA72F3D8DD7))};
  rng_next(&rng);
  return rng;
}

const char *fpsynth_class_to_string(FpSynthClass klass)
{
  switch (klass) {
  case FPSYNTH_ARCH:
    return "arch";
  case FPSYNTH_TENTED_ARCH:
    return "tented_arch";
  case FPSYNTH_LEFT_LOOP:
    return "left_loop";
  case FPSYNTH_RIGHT_LOOP:
    return "right_loop";
  case FPSYNTH_WHORL:
    return "whorl";
  }
  return "unknown";
}

guint64 fpsynth_seed_from_string(const char *text)
{
  guint64 hash = G_GUINT64_CONSTANT(0xCBF29CE484222325);
  gboolean digits = text && *text;

  if (!text)
    return 0;
  for (const char *p = text; *p; p++)
    if (!g_ascii_isdigit(*p))
      digits = FALSE;
  if (digits && strlen(text) < 20)
    return g_ascii_strtoull(text, NULL, 10);
  for (const char *p = text; *p; p++) {
    hash ^= (guint8)*p;
    hash *= G_GUINT64_CONSTANT(0x100000001B3);
  }
  return hash;
}

/* Singular points of the orientation model, in master pixels. */
typedef struct {
  int n_cores, n_deltas;
  double core_x[2], core_y[2];
  double delta_x[2], delta_y[2];
  /* Low-frequency wobble so no two fingers of a class look alike. */
  double wobble_amp[3], wobble_fx[3], wobble_fy[3], wobble_phase[3];
  double theta0; /* the model's direction at infinity: fingers differ */
} OrientModel;

static FpSynthClass pick_class(Rng *rng, int finger)
{
  double u = rng_uniform(rng);
  gboolean thumb = finger == 1 || finger == 6;
  gboolean right_hand = finger >= 1 && finger <= 5;

  /* Roughly the population frequencies: loops most common, whorls next,
   * arches rare; thumbs lean to whorls. Loops open towards the little
   * finger on most hands (ulnar loops). */
  if (u < (thumb ? 0.40 : 0.27))
    return FPSYNTH_WHORL;
  if (u < (thumb ? 0.43 : 0.31))
    return FPSYNTH_ARCH;
  if (u < (thumb ? 0.46 : 0.35))
    return FPSYNTH_TENTED_ARCH;
  if (rng_uniform(rng) < 0.85)
    return right_hand ? FPSYNTH_RIGHT_LOOP : FPSYNTH_LEFT_LOOP;
  return right_hand ? FPSYNTH_LEFT_LOOP : FPSYNTH_RIGHT_LOOP;
}

static void orient_model_init(OrientModel *m, FpSynthClass klass, Rng *rng,
                              int mw, int mh)
{
  double cx = mw * 0.5 + rng_range(rng, -0.05, 0.05) * mw;
  double cy = mh * 0.45 + rng_range(rng, -0.05, 0.05) * mh;
  double side;

  memset(m, 0, sizeof(*m));
  switch (klass) {
  case FPSYNTH_ARCH:
    break;
  case FPSYNTH_TENTED_ARCH:
    m->n_cores = m->n_deltas = 1;
    m->core_x[0] = cx;
    m->core_y[0] = cy;
    m->delta_x[0] = cx + rng_range(rng, -4, 4);
    m->delta_y[0] = cy + rng_range(rng, 28, 40);
    break;
  case FPSYNTH_LEFT_LOOP:
  case FPSYNTH_RIGHT_LOOP:
    side = klass == FPSYNTH_LEFT_LOOP ? 1.0 : -1.0;
    m->n_cores = m->n_deltas = 1;
    m->core_x[0] = cx - side * rng_range(rng, 0.0, 0.06) * mw;
    m->core_y[0] = cy;
    m->delta_x[0] = cx + side * rng_range(rng, 0.22, 0.32) * mw;
    m->delta_y[0] = cy + rng_range(rng, 0.24, 0.32) * mh;
    break;
  case FPSYNTH_WHORL:
    m->n_cores = m->n_deltas = 2;
    m->core_x[0] = cx + rng_range(rng, -6, 6);
    m->core_y[0] = cy - rng_range(rng, 10, 18);
    m->core_x[1] = cx + rng_range(rng, -6, 6);
    m->core_y[1] = cy + rng_range(rng, 10, 18);
    m->delta_x[0] = cx - rng_range(rng, 0.26, 0.34) * mw;
    m->delta_y[0] = cy + rng_range(rng, 0.25, 0.32) * mh;
    m->delta_x[1] = cx + rng_range(rng, 0.26, 0.34) * mw;
    m->delta_y[1] = cy + rng_range(rng, 0.25, 0.32) * mh;
    break;
  }
  m->theta0 = rng_range(rng, -0.2, 0.2);
  for (int i = 0; i < 3; i++) {
    m->wobble_amp[i] = rng_range(rng, 0.03, 0.10);
    m->wobble_fx[i] = rng_range(rng, 0.5, 2.0) * 2.0 * G_PI / mw;
    m->wobble_fy[i] = rng_range(rng, 0.5, 2.0) * 2.0 * G_PI / mh;
    m->wobble_phase[i] = rng_range(rng, 0, 2.0 * G_PI);
  }
}

/* Ridge direction at (x, y), in [0, pi): the zero-pole model (half the
 * argument sum over cores minus deltas), or for arches a bump that flattens
 * towards the finger's base. */
static double orient_at(const OrientModel *m, FpSynthClass klass, double x,
                        double y, int mw, int mh)
{
  double theta = 0.0;

  if (klass == FPSYNTH_ARCH) {
    double dx = (x - mw * 0.5) / (mw * 0.28);
    double strength = 1.4 * CLAMP(1.0 - y / (mh * 0.9), 0.15, 1.0);
    theta = atan(-strength * dx * exp(-0.5 * dx * dx));
  } else {
    for (int i = 0; i < m->n_cores; i++)
      theta += 0.5 * atan2(y - m->core_y[i], x - m->core_x[i]);
    for (int i = 0; i < m->n_deltas; i++)
      theta -= 0.5 * atan2(y - m->delta_y[i], x - m->delta_x[i]);
  }
  theta += m->theta0;
  for (int i = 0; i < 3; i++)
    theta += m->wobble_amp[i] * sin(m->wobble_fx[i] * x + m->wobble_fy[i] * y +
                                    m->wobble_phase[i]);
  theta = fmod(theta, G_PI);
  if (theta < 0)
    theta += G_PI;
  return theta;
}

typedef struct {
  int tangent_off[N_ORIENT][2 * TANGENT_RADIUS + 1];
  float tangent_w[2 * TANGENT_RADIUS + 1];
  int normal_off[N_ORIENT][2 * NORMAL_RADIUS + 1];
  float normal_w[2 * NORMAL_RADIUS + 1];
} Kernels;

static void kernels_init(Kernels *k, int stride, double period)
{
  double sigma_t = 10.0, sigma_n = 0.45 * period, mean = 0, sum = 0;
  int nn = 2 * NORMAL_RADIUS + 1;

  for (int i = -TANGENT_RADIUS; i <= TANGENT_RADIUS; i++) {
    k->tangent_w[i + TANGENT_RADIUS] =
        (float)exp(-0.5 * i * i / (sigma_t * sigma_t));
    sum += k->tangent_w[i + TANGENT_RADIUS];
  }
  for (int i = 0; i < 2 * TANGENT_RADIUS + 1; i++)
    k->tangent_w[i] /= (float)sum;

  for (int i = -NORMAL_RADIUS; i <= NORMAL_RADIUS; i++) {
    double g = exp(-0.5 * i * i / (sigma_n * sigma_n));
    k->normal_w[i + NORMAL_RADIUS] = (float)(g * cos(2.0 * G_PI * i / period));
    mean += k->normal_w[i + NORMAL_RADIUS];
  }
  /* A band-pass must not pass the mean grey level: remove the DC response. */
  mean /= nn;
  for (int i = 0; i < nn; i++)
    k->normal_w[i] -= (float)mean;

  for (int q = 0; q < N_ORIENT; q++) {
    double theta = (q + 0.5) * G_PI / N_ORIENT;
    double tx = cos(theta), ty = sin(theta);
    for (int i = -TANGENT_RADIUS; i <= TANGENT_RADIUS; i++)
      k->tangent_off[q][i + TANGENT_RADIUS] =
          (int)lround(i * ty) * stride + (int)lround(i * tx);
    for (int i = -NORMAL_RADIUS; i <= NORMAL_RADIUS; i++)
      k->normal_off[q][i + NORMAL_RADIUS] =
          (int)lround(i * tx) * stride + (int)lround(-i * ty);
  }
}

static void grow_master(FpSynthFinger *f, Rng *rng)
{
  int mw = f->mw, mh = f->mh;
  int stride = mw + 2 * PAD;
  gsize n = (gsize)stride * (mh + 2 * PAD);
  g_autofree float *a = g_new0(float, n);
  g_autofree float *b = g_new0(float, n);
  g_autofree guint8 *orient = g_new(guint8, (gsize)mw * mh);
  g_autofree Kernels *k = g_new0(Kernels, 1);
  OrientModel model;

  orient_model_init(&model, f->klass, rng, mw, mh);
  kernels_init(k, stride, f->period);

  /* The orientation field changes slowly: evaluate it on a 4-pixel grid
   * and copy, which keeps the atan2 calls off the hot path. */
  for (int y = 0; y < mh; y += 4)
    for (int x = 0; x < mw; x += 4) {
      double theta = orient_at(&model, f->klass, x + 1.5, y + 1.5, mw, mh);
      int q = (int)(theta / G_PI * N_ORIENT) % N_ORIENT;
      for (int yy = y; yy < MIN(y + 4, mh); yy++)
        for (int xx = x; xx < MIN(x + 4, mw); xx++)
          orient[yy * mw + xx] = (guint8)q;
    }

  /* Sparse random seeds: few starting points give few, natural defects
   * where the growing fronts meet. */
  for (int y = 0; y < mh; y++)
    for (int x = 0; x < mw; x++)
      a[(gsize)(y + PAD) * stride + x + PAD] =
          rng_uniform(rng) < 0.005 ? (float)rng_range(rng, -1, 1) : 0.0f;

  for (int it = 0; it < N_ITERATIONS; it++) {
    double sumsq = 0;
    float gain;

    for (int y = 0; y < mh; y++) {
      const guint8 *orow = orient + (gsize)y * mw;
      gsize base = (gsize)(y + PAD) * stride + PAD;
      for (int x = 0; x < mw; x++) {
        const int *off = k->tangent_off[orow[x]];
        const float *src = a + base + x;
        float acc = 0;
        for (int i = 0; i < 2 * TANGENT_RADIUS + 1; i++)
          acc += k->tangent_w[i] * src[off[i]];
        b[base + x] = acc;
      }
    }
    for (int y = 0; y < mh; y++) {
      const guint8 *orow = orient + (gsize)y * mw;
      gsize base = (gsize)(y + PAD) * stride + PAD;
      for (int x = 0; x < mw; x++) {
        const int *off = k->normal_off[orow[x]];
        const float *src = b + base + x;
        float acc = 0;
        for (int i = 0; i < 2 * NORMAL_RADIUS + 1; i++)
          acc += k->normal_w[i] * src[off[i]];
        a[base + x] = acc;
        sumsq += (double)acc * acc;
      }
    }
    /* Saturate: amplify and clip, so ridges grow to full contrast and the
     * pattern settles into a near-binary ridge/valley field. */
    gain = (float)(2.5 / sqrt(sumsq / ((double)mw * mh) + 1e-12));
    for (int y = 0; y < mh; y++) {
      float *row = a + (gsize)(y + PAD) * stride + PAD;
      for (int x = 0; x < mw; x++)
        row[x] = CLAMP(row[x] * gain, -1.0f, 1.0f);
    }
  }

  f->master = g_new(float, (gsize)mw *mh);
  for (int y = 0; y < mh; y++)
    memcpy(f->master + (gsize)y * mw, a + (gsize)(y + PAD) * stride + PAD,
           sizeof(float) * mw);
}

FpSynthFinger *fpsynth_finger_new(guint64 person_seed, int finger, int width,
                                  int height)
{
  FpSynthFinger *f;
  Rng rng;

  if (width == 0 && height == 0) {
    width = FPSYNTH_DEFAULT_WIDTH;
    height = FPSYNTH_DEFAULT_HEIGHT;
  }
  if (width < 64 || height < 64 || width > 1024 || height > 1024)
    return NULL;
  rng = rng_for(person_seed, (guint64)finger + 1, 0);
  f = g_new0(FpSynthFinger, 1);
  f->seed = person_seed;
  f->finger = finger;
  f->width = width;
  f->height = height;
  f->mw = width + 2 * MARGIN;
  f->mh = height + 2 * MARGIN;
  f->klass = pick_class(&rng, finger);
  f->period = rng_range(&rng, 8.6, 9.8);
  grow_master(f, &rng);
  return f;
}

void fpsynth_finger_free(FpSynthFinger *finger)
{
  if (!finger)
    return;
  if (finger->master) {
    explicit_bzero(finger->master,
                   sizeof(float) * (gsize)finger->mw * finger->mh);
    g_free(finger->master);
  }
  g_free(finger);
}

FpSynthClass fpsynth_finger_get_class(const FpSynthFinger *finger)
{
  return finger->klass;
}

double fpsynth_finger_get_period(const FpSynthFinger *finger)
{
  return finger->period;
}

void fpsynth_finger_get_size(const FpSynthFinger *finger, int *ret_width,
                             int *ret_height)
{
  if (ret_width)
    *ret_width = finger->width;
  if (ret_height)
    *ret_height = finger->height;
}

static float master_sample(const FpSynthFinger *f, double u, double v)
{
  int x0 = (int)floor(u), y0 = (int)floor(v);
  double fx = u - x0, fy = v - y0;
  float p00, p10, p01, p11;

  if (x0 < 0 || y0 < 0 || x0 + 1 >= f->mw || y0 + 1 >= f->mh)
    return -1.0f; /* off the master: valley, i.e. no ink */
  p00 = f->master[(gsize)y0 * f->mw + x0];
  p10 = f->master[(gsize)y0 * f->mw + x0 + 1];
  p01 = f->master[(gsize)(y0 + 1) * f->mw + x0];
  p11 = f->master[(gsize)(y0 + 1) * f->mw + x0 + 1];
  return (float)((p00 * (1 - fx) + p10 * fx) * (1 - fy) +
                 (p01 * (1 - fx) + p11 * fx) * fy);
}

guint8 *fpsynth_finger_impress(const FpSynthFinger *f, int impression)
{
  Rng rng = rng_for(f->seed, (guint64)f->finger + 1, (guint64)impression + 1);
  int w = f->width, h = f->height;
  guint8 *out = g_malloc((gsize)w * h);
  double angle = CLAMP(rng_gauss(&rng) * 3.0, -7.0, 7.0) * G_PI / 180.0;
  double tx = rng_range(&rng, -12, 12), ty = rng_range(&rng, -12, 12);
  double ca = cos(angle), sa = sin(angle);
  double pressure = rng_range(&rng, 0.85, 1.15);
  double pgx = rng_range(&rng, -0.25, 0.25), pgy = rng_range(&rng, -0.25, 0.25);
  /* The contact area follows the finger, which moved by (tx, ty). */
  double ecx = w * 0.5 + tx, ecy = h * 0.56 + ty;
  double eax = w * rng_range(&rng, 0.41, 0.45),
         eay = h * rng_range(&rng, 0.43, 0.47);
  double dist_amp = rng_range(&rng, 0.5, 2.0),
         dist_ph = rng_range(&rng, 0, 6.3);
  double dist_f = 2.0 * G_PI / rng_range(&rng, 150, 300);

  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) {
      double rx = x - w * 0.5, ry = y - h * 0.5;
      /* Inverse placement: rotate about the centre, then shift; a small
       * smooth displacement stands in for skin elasticity. */
      double u = ca * rx + sa * ry + w * 0.5 - tx + MARGIN +
                 dist_amp * sin(dist_f * y + dist_ph);
      double v = -sa * rx + ca * ry + h * 0.5 - ty + MARGIN +
                 dist_amp * cos(dist_f * x + dist_ph);
      double ex = (x - ecx) / eax, ey = (y - ecy) / eay;
      /* Fingertip outline: a super-ellipse, rounder at the top. */
      double e = pow(fabs(ex), 2.4) + pow(fabs(ey), ey < 0 ? 2.0 : 3.0);
      double mask = CLAMP((1.0 - e) * 12.0, 0.0, 1.0);
      double local_p =
          pressure * (1.0 + pgx * ex + pgy * ey) * (0.75 + 0.25 * mask);
      double r = master_sample(f, u, v);
      double s = 0.5 + 0.5 * tanh(2.2 * (r - 0.3 + 0.45 * (local_p - 1.0)));
      double ridge = 45.0 + 40.0 * CLAMP(1.2 - local_p, 0.0, 1.0);
      double valley = 205.0;
      double grey = valley + (ridge - valley) * s;
      /* Skin contact fades out towards the outline, as on a real platen;
       * a hard full-contrast edge would end every ridge there in a crisp
       * "minutia" that all synthetic fingers share. */
      double fade = CLAMP((1.0 - e) / FADE_BAND, 0.0, 1.0);
      double value;
      fade = fade * fade * (3.0 - 2.0 * fade);
      grey = 246.0 + (grey - 246.0) * fade;
      value = mask * grey + (1.0 - mask) * 246.0 +
              rng_gauss(&rng) * (1.5 + 3.5 * mask);
      out[(gsize)y * w + x] = (guint8)CLAMP(lround(value), 0, 255);
    }
  }
  return out;
}

guint8 *fpsynth_generate(guint64 person_seed, int finger, int impression,
                         int width, int height)
{
  g_autoptr(FpSynthFinger) f =
      fpsynth_finger_new(person_seed, finger, width, height);

  if (!f)
    return NULL;
  return fpsynth_finger_impress(f, impression);
}

/* What a dry finger laid on lightly leaves: the ridges broken into
 * fragments (a dry patch is no contact at all), faint where they touch, and
 * contact only over part of the fingertip, with the sensor's noise on top. */
guint8 *fpsynth_finger_impress_poor(const FpSynthFinger *f, int impression)
{
  Rng rng = rng_for(f->seed ^ G_GUINT64_CONSTANT(0x5EED0F0A11),
                    (guint64)f->finger + 1, (guint64)impression + 1);
  guint8 *out = fpsynth_finger_impress(f, impression);
  int w = f->width, h = f->height;
  /* the part in contact: an ellipse off the print's centre */
  double cx = w * rng_range(&rng, 0.35, 0.65),
         cy = h * rng_range(&rng, 0.3, 0.5);
  double rx = w * 0.24, ry = h * 0.2;
  double ph[4];

  for (int i = 0; i < 4; i++)
    ph[i] = rng_range(&rng, 0, 2 * G_PI);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      double ex = (x - cx) / rx, ey = (y - cy) / ry;
      double contact = CLAMP((1.0 - (ex * ex + ey * ey)) * 3.0, 0.0, 1.0);
      /* dry patches: a few pixels wide, everywhere */
      double dry = sin(x * 0.9 + ph[0]) * sin(y * 0.7 + ph[1]) +
                   sin((x + y) * 0.5 + ph[2]) * sin((x - y) * 0.8 + ph[3]);
      double grey = out[(gsize)y * w + x];
      double faint = dry > 0.2 ? 0.0 : 0.4 * contact;
      double value = 246.0 + (grey - 246.0) * faint + rng_gauss(&rng) * 6.0;

      out[(gsize)y * w + x] = (guint8)CLAMP(lround(value), 0, 255);
    }
  return out;
}
