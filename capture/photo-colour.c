/* sRGB -> CIELAB and CIEDE2000, written from the CIE formulas (Sharma, Wu and
 * Dalal's implementation notes for the hue-angle corner cases). The validator
 * judges a head covering's lightness and its difference from the background
 * in these units because they follow what a person (or the document
 * inspector) sees, not camera code values. */
#include "photo-colour.h"

#include <math.h>

static double linear_table[256];
static gsize linear_ready;

static void photo_colour_init(void)
{
  if (g_once_init_enter(&linear_ready)) {
    for (int i = 0; i < 256; i++) {
      double c = i / 255.0;
      linear_table[i] =
          c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
    }
    g_once_init_leave(&linear_ready, 1);
  }
}

double photo_colour_linear(guint8 v)
{
  photo_colour_init();
  return linear_table[v];
}

static double lab_f(double t)
{
  const double d = 6.0 / 29.0;
  return t > d * d * d ? cbrt(t) : t / (3 * d * d) + 4.0 / 29.0;
}

PhotoLab photo_colour_lab(guint8 r8, guint8 g8, guint8 b8, const double *gain)
{
  double r, g, b, x, y, z;
  PhotoLab lab;

  photo_colour_init();
  r = linear_table[r8], g = linear_table[g8], b = linear_table[b8];
  if (gain) {
    r = MIN(r * gain[0], 1.0);
    g = MIN(g * gain[1], 1.0);
    b = MIN(b * gain[2], 1.0);
  }
  x = 0.4124564 * r + 0.3575761 * g + 0.1804375 * b;
  y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
  z = 0.0193339 * r + 0.1191920 * g + 0.9503041 * b;
  x = lab_f(x / 0.95047);
  y = lab_f(y);
  z = lab_f(z / 1.08883);
  lab.L = 116 * y - 16;
  lab.a = 500 * (x - y);
  lab.b = 200 * (y - z);
  return lab;
}

double photo_colour_chroma(PhotoLab lab)
{
  return hypot(lab.a, lab.b);
}

static double deg(double rad)
{
  return rad * 180.0 / G_PI;
}

static double rad(double d)
{
  return d * G_PI / 180.0;
}

double photo_colour_de00(PhotoLab x, PhotoLab y, double kL, double kC,
                         double kH)
{
  double c1 = hypot(x.a, x.b), c2 = hypot(y.a, y.b);
  double cbar = (c1 + c2) / 2;
  double c7 = pow(cbar, 7);
  double gfac = 0.5 * (1 - sqrt(c7 / (c7 + pow(25.0, 7))));
  double a1 = (1 + gfac) * x.a, a2 = (1 + gfac) * y.a;
  double cp1 = hypot(a1, x.b), cp2 = hypot(a2, y.b);
  double h1 = (a1 == 0 && x.b == 0) ? 0 : deg(atan2(x.b, a1));
  double h2 = (a2 == 0 && y.b == 0) ? 0 : deg(atan2(y.b, a2));
  double dL, dC, dh, dH, lbar, cpbar, hbar, t, sl, sc, sh, rt, dtheta, rc;

  if (h1 < 0)
    h1 += 360;
  if (h2 < 0)
    h2 += 360;
  dL = y.L - x.L;
  dC = cp2 - cp1;
  if (cp1 * cp2 == 0)
    dh = 0;
  else if (fabs(h2 - h1) <= 180)
    dh = h2 - h1;
  else if (h2 - h1 > 180)
    dh = h2 - h1 - 360;
  else
    dh = h2 - h1 + 360;
  dH = 2 * sqrt(cp1 * cp2) * sin(rad(dh / 2));
  lbar = (x.L + y.L) / 2;
  cpbar = (cp1 + cp2) / 2;
  if (cp1 * cp2 == 0)
    hbar = h1 + h2;
  else if (fabs(h1 - h2) <= 180)
    hbar = (h1 + h2) / 2;
  else if (h1 + h2 < 360)
    hbar = (h1 + h2 + 360) / 2;
  else
    hbar = (h1 + h2 - 360) / 2;
  t = 1 - 0.17 * cos(rad(hbar - 30)) + 0.24 * cos(rad(2 * hbar)) +
      0.32 * cos(rad(3 * hbar + 6)) - 0.20 * cos(rad(4 * hbar - 63));
  sl = 1 +
       0.015 * (lbar - 50) * (lbar - 50) / sqrt(20 + (lbar - 50) * (lbar - 50));
  sc = 1 + 0.045 * cpbar;
  sh = 1 + 0.015 * cpbar * t;
  dtheta = 30 * exp(-((hbar - 275) / 25) * ((hbar - 275) / 25));
  rc = 2 * sqrt(pow(cpbar, 7) / (pow(cpbar, 7) + pow(25.0, 7)));
  rt = -sin(rad(2 * dtheta)) * rc;
  return sqrt((dL / (kL * sl)) * (dL / (kL * sl)) +
              (dC / (kC * sc)) * (dC / (kC * sc)) +
              (dH / (kH * sh)) * (dH / (kH * sh)) +
              rt * (dC / (kC * sc)) * (dH / (kH * sh)));
}

void photo_colour_gain_for_white(const double white[3], double ret_gain[3])
{
  double y = 0.2126729 * white[0] + 0.7151522 * white[1] + 0.0721750 * white[2];

  for (int c = 0; c < 3; c++)
    ret_gain[c] = white[c] > 1e-4 ? y / white[c] : 1.0;
}
