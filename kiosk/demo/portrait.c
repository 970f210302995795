/* Drawing the synthetic portrait: a few shaded ellipses and strokes placed in
 * the proportions of an adult face (eyes at half the head height, eye
 * distance about 0.46 of the face width), then deterministic sensor noise so
 * that it looks like a photograph to the validator's detectors rather than like
 * flat clip art. */
#include "portrait.h"

#include <math.h>
#include <string.h>

typedef struct {
  double r, g, b;
} Rgb;

static Rgb rgb(guint32 hex)
{
  return (Rgb){(hex >> 16) & 0xff, (hex >> 8) & 0xff, hex & 0xff};
}

static Rgb shade(Rgb c, double f)
{
  return (Rgb){c.r * f, c.g * f, c.b * f};
}

static void put(BkImage *im, int x, int y, Rgb c, double alpha)
{
  guint8 *p;

  if (x < 0 || y < 0 || x >= im->width || y >= im->height || alpha <= 0)
    return;
  alpha = MIN(alpha, 1.0);
  p = image_pixel(im, x, y);
  p[0] = (guint8)CLAMP(p[0] + (c.r - p[0]) * alpha, 0, 255);
  p[1] = (guint8)CLAMP(p[1] + (c.g - p[1]) * alpha, 0, 255);
  p[2] = (guint8)CLAMP(p[2] + (c.b - p[2]) * alpha, 0, 255);
}

/* A filled ellipse with a soft (antialiased) edge; `light` shades it from
 * the centre (1.0) towards the rim (1.0 - light). */
static void ellipse(BkImage *im, double cx, double cy, double rx, double ry,
                    Rgb c, double light, double alpha)
{
  int x0 = (int)floor(cx - rx - 2), x1 = (int)ceil(cx + rx + 2);
  int y0 = (int)floor(cy - ry - 2), y1 = (int)ceil(cy + ry + 2);
  double edge = 1.5 / MIN(rx, ry);

  for (int y = y0; y <= y1; y++) {
    for (int x = x0; x <= x1; x++) {
      double dx = (x - cx) / rx, dy = (y - cy) / ry;
      double d = sqrt(dx * dx + dy * dy);
      double a = CLAMP((1.0 - d) / edge, 0.0, 1.0);
      if (a > 0)
        put(im, x, y, shade(c, 1.0 - light * d * d), a * alpha);
    }
  }
}

/* A thick soft line from (x0,y0) to (x1,y1). */
static void stroke(BkImage *im, double x0, double y0, double x1, double y1,
                   double width, Rgb c, double alpha)
{
  double len = hypot(x1 - x0, y1 - y0);
  int steps = (int)(len * 2) + 1;

  for (int i = 0; i <= steps; i++) {
    double t = (double)i / steps;
    ellipse(im, x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, width / 2, width / 2, c,
            0.0, alpha);
  }
}

static void eye(BkImage *im, double cx, double cy, double w, Rgb skin,
                gboolean closed)
{
  /* socket shadow, white, iris, pupil, highlight, upper lid line */
  ellipse(im, cx, cy - w * 0.05, w * 0.75, w * 0.42, shade(skin, 0.78), 0.2,
          0.8);
  if (closed) {
    /* the lid down over the eye, its lashes a curve along the bottom */
    ellipse(im, cx, cy - w * 0.02, w * 0.55, w * 0.26, shade(skin, 0.92), 0.15,
            1.0);
    stroke(im, cx - w * 0.5, cy + w * 0.02, cx, cy + w * 0.12, w * 0.05,
           rgb(0x2a1a12), 0.9);
    stroke(im, cx, cy + w * 0.12, cx + w * 0.5, cy + w * 0.02, w * 0.05,
           rgb(0x2a1a12), 0.9);
    return;
  }
  ellipse(im, cx, cy, w * 0.5, w * 0.22, rgb(0xf2eeea), 0.1, 1.0);
  ellipse(im, cx, cy, w * 0.2, w * 0.2, rgb(0x5a3b22), 0.3, 1.0);
  ellipse(im, cx, cy, w * 0.09, w * 0.09, rgb(0x120c08), 0.0, 1.0);
  ellipse(im, cx + w * 0.06, cy - w * 0.06, w * 0.035, w * 0.035, rgb(0xffffff),
          0.0, 0.9);
  stroke(im, cx - w * 0.5, cy - w * 0.05, cx, cy - w * 0.22, w * 0.06,
         rgb(0x2a1a12), 0.9);
  stroke(im, cx, cy - w * 0.22, cx + w * 0.5, cy - w * 0.05, w * 0.06,
         rgb(0x2a1a12), 0.9);
}

/* Hair is not a flat colour: strands of slightly different brightness that
 * follow the head's curve. Only pixels still close to the hair colour (not
 * face, brows or background) inside the hair's bounding ellipse change, so
 * a validator can tell hair from smooth fabric as it would on a photo. */
static void hair_strands(BkImage *im, Rgb hair, double cx, double cy, double rx,
                         double ry)
{
  for (int y = MAX(0, (int)(cy - ry)); y < MIN(im->height, (int)(cy + ry)); y++)
    for (int x = MAX(0, (int)(cx - rx)); x < MIN(im->width, (int)(cx + rx));
         x++) {
      guint8 *p = image_pixel(im, x, y);
      double dx = (x - cx) / rx, dy = (y - cy) / ry;
      double dist =
          fabs(p[0] - hair.r) + fabs(p[1] - hair.g) + fabs(p[2] - hair.b);
      /* strands run from the crown outward: their index is the angle */
      double angle = atan2(dy, dx * 1.3);
      guint32 strand = (guint32)((angle + G_PI) * 180.0) * 2654435761u;
      int offset = (int)((strand >> 16) % 41) - 20;

      if (dx * dx + dy * dy > 1.0 || dist > 60)
        continue;
      for (int c = 0; c < 3; c++)
        p[c] = (guint8)CLAMP(p[c] + offset, 0, 255);
    }
}

void portrait_style_default(PortraitStyle *s)
{
  /* Fields not named are 0: alone, eyes open, upright, no covering. */
  *s = (PortraitStyle){.skin = 0xd9a785,
                       .hair = 0x3b2618,
                       .clothing = 0x233a5e,
                       .background = 0xf4f4f2,
                       .head_scale = 0.8,
                       .covering_colour = 0x1f3f7a,
                       .exposure = 1.0,
                       .body_scale = 1.0};
}

/* Where the face is, in pixels; everything is placed relative to it. */
typedef struct {
  double u;      /* head half-height */
  double cx, cy; /* head centre */
  double fw;     /* face half-width */
  double eye_y, eye_dx, eye_w;
} Face;

/* The head under its covering, or hair behind the head, ears, face and
 * fringe. */
static void draw_head(BkImage *im, const PortraitStyle *style, const Face *f)
{
  Rgb skin = rgb(style->skin), hair = rgb(style->hair);
  double cx = f->cx, cy = f->cy, u = f->u, fw = f->fw;

  if (style->covering) {
    /* A covering wraps the head and falls to the shoulders; the face
     * (forehead to chin) stays free. Gentle shading stands for folds. */
    Rgb cover = rgb(style->covering_colour);
    ellipse(im, cx, cy + u * 0.25, fw * 1.45, u * 1.25, cover, 0.25, 1.0);
    ellipse(im, cx, cy + u * 0.1, fw * 0.98, u * 0.95, skin, 0.28, 1.0);
    ellipse(im, cx, cy - u * 0.72, fw * 1.0, u * 0.3, cover, 0.15, 1.0);
    return;
  }
  ellipse(im, cx, cy - u * 0.12, fw * 1.16, u * 0.98, hair, 0.3, 1.0);
  ellipse(im, cx - fw * 0.98, f->eye_y + u * 0.08, fw * 0.15, u * 0.2,
          shade(skin, 0.9), 0.3, 1.0);
  ellipse(im, cx + fw * 0.98, f->eye_y + u * 0.08, fw * 0.15, u * 0.2,
          shade(skin, 0.9), 0.3, 1.0);
  ellipse(im, cx, cy + u * 0.05, fw, u * 0.9, skin, 0.28, 1.0);
  ellipse(im, cx, cy - u * 0.78, fw * 0.95, u * 0.26, hair, 0.2, 1.0);
}

/* Brows, eyes, nose, mouth and the shadow under the chin. */
static void draw_features(BkImage *im, const Face *f, Rgb skin, gboolean closed)
{
  double cx = f->cx, cy = f->cy, u = f->u, fw = f->fw;
  double eye_y = f->eye_y, eye_dx = f->eye_dx, eye_w = f->eye_w;

  stroke(im, cx - eye_dx - eye_w * 0.6, eye_y - u * 0.16,
         cx - eye_dx + eye_w * 0.6, eye_y - u * 0.19, u * 0.045, rgb(0x2e1c12),
         0.95);
  stroke(im, cx + eye_dx - eye_w * 0.6, eye_y - u * 0.19,
         cx + eye_dx + eye_w * 0.6, eye_y - u * 0.16, u * 0.045, rgb(0x2e1c12),
         0.95);
  eye(im, cx - eye_dx, eye_y, eye_w, skin, closed);
  eye(im, cx + eye_dx, eye_y, eye_w, skin, closed);
  /* nose: bridge highlight, side shadow, tip, nostrils */
  ellipse(im, cx, eye_y + u * 0.2, fw * 0.1, u * 0.22, shade(skin, 1.08), 0.0,
          0.5);
  stroke(im, cx - fw * 0.1, eye_y + u * 0.1, cx - fw * 0.13, eye_y + u * 0.33,
         u * 0.03, shade(skin, 0.8), 0.5);
  ellipse(im, cx, eye_y + u * 0.38, fw * 0.14, u * 0.07, shade(skin, 0.97), 0.2,
          1.0);
  ellipse(im, cx - fw * 0.08, eye_y + u * 0.42, fw * 0.04, u * 0.02,
          rgb(0x4a2a1c), 0.0, 0.9);
  ellipse(im, cx + fw * 0.08, eye_y + u * 0.42, fw * 0.04, u * 0.02,
          rgb(0x4a2a1c), 0.0, 0.9);
  /* mouth: closed, neutral */
  ellipse(im, cx, eye_y + u * 0.6, fw * 0.3, u * 0.045, rgb(0xa4574f), 0.2,
          1.0);
  stroke(im, cx - fw * 0.28, eye_y + u * 0.6, cx + fw * 0.28, eye_y + u * 0.6,
         u * 0.012, rgb(0x5e2a26), 0.9);
  ellipse(im, cx, cy + u * 0.9, fw * 0.5, u * 0.06, shade(skin, 0.85), 0.0,
          0.35);
}

/* Deterministic sensor noise and skin texture (xorshift), +-6 levels: a
 * real camera frame has fine detail everywhere. */
static void add_noise(BkImage *im, guint32 seed)
{
  guint32 noise = seed ? seed : 0x2545f491u;

  for (int y = 0; y < im->height; y++)
    for (int x = 0; x < im->width; x++) {
      guint8 *p = image_pixel(im, x, y);
      noise ^= noise << 13;
      noise ^= noise >> 17;
      noise ^= noise << 5;
      int n = (int)(noise % 13) - 6;
      for (int c = 0; c < 3; c++)
        p[c] = (guint8)CLAMP(p[c] + n, 0, 255);
    }
}

/* Where the head of a person drawn with `style` goes. */
static void face_place(Face *f, int width, int height,
                       const PortraitStyle *style)
{
  f->u = height * 0.30 * style->head_scale;
  f->cx = width / 2.0 + style->offset_x * width;
  f->cy = height * 0.47 + style->offset_y * height;
  f->fw = f->u * 0.74;
  f->eye_y = f->cy - f->u * 0.02;
  f->eye_dx = f->fw * 0.46;
  f->eye_w = f->fw * 0.34;
}

/* Shoulders and neck; `k` scales the shoulders with a smaller person. */
static void draw_body(BkImage *im, const PortraitStyle *style, const Face *f,
                      double k)
{
  Rgb skin = rgb(style->skin), cloth = rgb(style->clothing);
  /* the shoulders' top below the chin, the body down to the frame's edge */
  double rx = im->width * 0.46 * k, ry = im->height * 0.3 * k;
  double top = f->cy + im->height * 0.31 * k;

  ellipse(im, f->cx, top + ry, rx, ry, cloth, 0.35, 1.0);
  for (int y = (int)ceil(top + ry); y < im->height; y++)
    for (int x = (int)ceil(f->cx - rx); x < f->cx + rx; x++) {
      double d = (x - f->cx) / rx;
      put(im, x, y, shade(cloth, 1.0 - 0.35 * d * d), 1.0);
    }
  ellipse(im, f->cx, f->cy + f->u * 0.95, f->fw * 0.55, f->u * 0.45,
          shade(skin, 0.86), 0.2, 1.0);
}

static void draw_face(BkImage *im, const PortraitStyle *style, const Face *f)
{
  draw_head(im, style, f);
  draw_features(im, f, rgb(style->skin), style->eyes_closed);
  if (!style->covering)
    hair_strands(im, rgb(style->hair), f->cx, f->cy - f->u * 0.12, f->fw * 1.2,
                 f->u * 1.0);
}

/* Turns what was drawn on `im` since `base` (the head) by `deg` about
 * (px, py); what it uncovers is `base` again. Bilinear. */
static void roll_head(BkImage *im, const BkImage *base, double px, double py,
                      double deg)
{
  g_autoptr(BkImage) head = image_copy(im);
  double c = cos(deg * G_PI / 180.0), s = sin(deg * G_PI / 180.0);

  for (int y = 0; y < im->height; y++)
    for (int x = 0; x < im->width; x++) {
      double qx = px + c * (x - px) + s * (y - py);
      double qy = py - s * (x - px) + c * (y - py);
      int ix = (int)floor(qx), iy = (int)floor(qy);
      double fx = qx - ix, fy = qy - iy;
      guint8 *out = image_pixel(im, x, y);
      const guint8 *b = image_pixel(base, x, y);

      if (ix < 0 || iy < 0 || ix + 1 >= im->width || iy + 1 >= im->height ||
          !memcmp(image_pixel(head, (int)lround(qx), (int)lround(qy)),
                  image_pixel(base, (int)lround(qx), (int)lround(qy)), 3)) {
        memcpy(out, b, 3);
        continue;
      }
      for (int k = 0; k < 3; k++) {
        double top = image_pixel(head, ix, iy)[k] * (1 - fx) +
                     image_pixel(head, ix + 1, iy)[k] * fx;
        double bottom = image_pixel(head, ix, iy + 1)[k] * (1 - fx) +
                        image_pixel(head, ix + 1, iy + 1)[k] * fx;
        out[k] = (guint8)CLAMP(lround(top * (1 - fy) + bottom * fy), 0, 255);
      }
    }
}

/* Light: every channel scaled by `exposure` in linear light (2 = one stop
 * more) and clipped at white, as a sensor does. */
static void expose(BkImage *im, double exposure)
{
  gsize n = (gsize)im->width * im->height * 3;
  guint8 map[256];

  for (int v = 0; v < 256; v++) {
    double linear = pow(v / 255.0, 2.2) * exposure;
    map[v] = (guint8)lround(255.0 * pow(MIN(linear, 1.0), 1 / 2.2));
  }
  for (gsize i = 0; i < n; i++)
    im->pixels[i] = map[im->pixels[i]];
}

/* A second person beside the first: another look, a little smaller. */
static void draw_second(BkImage *im, const PortraitStyle *style)
{
  PortraitStyle other = *style;
  Face f;

  other.skin = 0xc68e6a;
  other.hair = 0x1e1611;
  other.clothing = 0x4a5a3a;
  other.covering = FALSE;
  other.head_scale = style->head_scale * 0.9;
  other.offset_x = style->second_face_x;
  other.offset_y = style->offset_y + 0.03;
  other.eyes_closed = FALSE;
  face_place(&f, im->width, im->height, &other);
  draw_body(im, &other, &f, 0.85);
  draw_face(im, &other, &f);
}

BkImage *portrait_draw(int width, int height, const PortraitStyle *style)
{
  BkImage *im = image_new(width, height, 3);
  g_autoptr(BkImage) base = NULL;
  Rgb bg = rgb(style->background);
  Face f;

  g_return_val_if_fail(im, NULL);
  face_place(&f, width, height, style);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      put(im, x, y, bg, 1.0);
  if (style->second_face_x != 0.0)
    draw_second(im, style);
  draw_body(im, style, &f, style->body_scale > 0 ? style->body_scale : 1.0);
  if (style->roll_deg != 0.0)
    base = image_copy(im);
  draw_face(im, style, &f);
  if (base)
    roll_head(im, base, f.cx, f.cy + f.u * 0.9, style->roll_deg);
  if (style->exposure > 0 && style->exposure != 1.0)
    expose(im, style->exposure);
  add_noise(im, style->noise_seed);
  return im;
}
