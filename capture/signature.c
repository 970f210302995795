/* Signature rendering and checks (see signature.h). Rendering draws each
 * pen-down segment as a capsule whose radius follows the pressure, with
 * coverage from the exact distance to the segment (so edges are
 * antialiased), combined by taking the darkest value: overlaps do not pile
 * up ink and the result does not depend on floating-point summation order. */
#include "signature.h"

#include <math.h>
#include <string.h>

const char *signature_reason_to_string(SignatureReason reason)
{
  switch (reason) {
  case SIGNATURE_REASON_EMPTY:
    return "empty";
  case SIGNATURE_REASON_TOO_SHORT:
    return "too_short";
  case SIGNATURE_REASON_TOO_SMALL:
    return "too_small";
  case SIGNATURE_REASON_OFF_PAD:
    return "off_pad";
  case SIGNATURE_REASON_NONE:
    break;
  }
  return NULL;
}

static gboolean down(const SignatureSample *s)
{
  return s->pressure > 0.0;
}

gboolean signature_check(const SignatureSample *samples, gsize n,
                         SignatureCheck *ret_result)
{
  SignatureCheck r;
  double minx = G_MAXDOUBLE, miny = G_MAXDOUBLE;
  double maxx = -G_MAXDOUBLE, maxy = -G_MAXDOUBLE, psum = 0;
  gint64 first_t = 0, last_t = 0;
  int inked = 0, off = 0;
  static const SignatureReason order[] = {
      SIGNATURE_REASON_EMPTY, SIGNATURE_REASON_OFF_PAD,
      SIGNATURE_REASON_TOO_SHORT, SIGNATURE_REASON_TOO_SMALL};

  g_return_val_if_fail(ret_result, FALSE);
  g_return_val_if_fail(samples || n == 0, FALSE);
  memset(&r, 0, sizeof(r));
  r.samples = (int)MIN(n, (gsize)G_MAXINT);

  for (gsize i = 0; i < n; i++) {
    const SignatureSample *s = &samples[i];
    if (!down(s))
      continue;
    if (inked == 0)
      first_t = s->t_us;
    last_t = s->t_us;
    inked++;
    psum += s->pressure;
    if (i == 0 || !down(&samples[i - 1]))
      r.strokes++;
    else
      r.ink_length += hypot(s->x - samples[i - 1].x, s->y - samples[i - 1].y);
    if (s->x < 0 || s->x > 1 || s->y < 0 || s->y > 1)
      off++;
    minx = MIN(minx, s->x);
    maxx = MAX(maxx, s->x);
    miny = MIN(miny, s->y);
    maxy = MAX(maxy, s->y);
  }

  if (inked == 0) {
    r.reasons |= SIGNATURE_REASON_EMPTY;
  } else {
    r.duration_ms = (double)(last_t - first_t) / 1000.0;
    r.mean_pressure = psum / inked;
    r.bbox_x = minx;
    r.bbox_y = miny;
    r.bbox_w = maxx - minx;
    r.bbox_h = maxy - miny;
    if ((double)off / inked > SIGNATURE_MAX_OFF_PAD)
      r.reasons |= SIGNATURE_REASON_OFF_PAD;
    if (r.ink_length < SIGNATURE_MIN_INK_LENGTH ||
        r.duration_ms < SIGNATURE_MIN_DURATION_MS)
      r.reasons |= SIGNATURE_REASON_TOO_SHORT;
    if (r.bbox_w < SIGNATURE_MIN_WIDTH || r.bbox_h < SIGNATURE_MIN_HEIGHT)
      r.reasons |= SIGNATURE_REASON_TOO_SMALL;
  }
  for (gsize i = 0; i < G_N_ELEMENTS(order); i++)
    if (r.reasons & order[i]) {
      r.reason = signature_reason_to_string(order[i]);
      break;
    }
  r.ok = r.reasons == 0;
  *ret_result = r;
  return r.ok;
}

/* Pen width in pixels at full pressure, relative to the image width. */
static double max_radius(int width)
{
  return MAX(1.2, width / 300.0);
}

static void draw_segment(BkImage *img, double x0, double y0, double r0,
                         double x1, double y1, double r1, double ink0,
                         double ink1)
{
  double dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
  double rmax = MAX(r0, r1) + 1.0;
  int bx0 = (int)floor(MIN(x0, x1) - rmax), bx1 = (int)ceil(MAX(x0, x1) + rmax);
  int by0 = (int)floor(MIN(y0, y1) - rmax), by1 = (int)ceil(MAX(y0, y1) + rmax);

  bx0 = MAX(bx0, 0);
  by0 = MAX(by0, 0);
  bx1 = MIN(bx1, img->width - 1);
  by1 = MIN(by1, img->height - 1);
  for (int y = by0; y <= by1; y++) {
    for (int x = bx0; x <= bx1; x++) {
      double px = x + 0.5, py = y + 0.5;
      double t = len2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / len2 : 0;
      double cx, cy, d, r, cover, ink;
      guint8 *p, v;

      t = CLAMP(t, 0.0, 1.0);
      cx = x0 + t * dx;
      cy = y0 + t * dy;
      d = hypot(px - cx, py - cy);
      r = r0 + (r1 - r0) * t;
      cover = CLAMP(r + 0.5 - d, 0.0, 1.0);
      if (cover <= 0)
        continue;
      ink = ink0 + (ink1 - ink0) * t;
      v = (guint8)lround(255.0 - 255.0 * ink * cover);
      p = image_pixel(img, x, y);
      if (v < *p)
        *p = v;
    }
  }
}

BkImage *signature_render(const SignatureSample *samples, gsize n, int width,
                          int height)
{
  BkImage *img;
  double rmax;

  if (width < 1 || height < 1 || width > 8192 || height > 8192)
    return NULL;
  img = image_new(width, height, 1);
  memset(img->pixels, 255, img->stride * (gsize)height);
  rmax = max_radius(width);
  for (gsize i = 0; i < n; i++) {
    const SignatureSample *a = i > 0 ? &samples[i - 1] : NULL;
    const SignatureSample *b = &samples[i];
    double pa, pb;

    if (!down(b))
      continue;
    pb = CLAMP(b->pressure, 0.0, 1.0);
    if (!a || !down(a)) {
      /* A dot where a stroke starts; the next segment continues it. */
      a = b;
    }
    pa = CLAMP(a->pressure, 0.0, 1.0);
    /* Radius 35..100 % of the pen width, darkness 55..100 % with pressure. */
    draw_segment(img, a->x * width, a->y * height, rmax * (0.35 + 0.65 * pa),
                 b->x * width, b->y * height, rmax * (0.35 + 0.65 * pb),
                 0.55 + 0.45 * pa, 0.55 + 0.45 * pb);
  }
  return img;
}
