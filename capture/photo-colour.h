/* Colour science for the photo validator: sRGB to CIELAB (D65) and the
 * CIEDE2000 colour difference. Internal to capture/. */
#pragma once

#include <glib.h>

typedef struct {
  double L, a, b;
} PhotoLab;

/* sRGB 8-bit to CIELAB (D65 white). `gain` multiplies the linear RGB
 * channels first (white balance); pass NULL for none. */
PhotoLab photo_colour_lab(guint8 r, guint8 g, guint8 b, const double *gain);

/* CIELAB chroma C*ab. */
double photo_colour_chroma(PhotoLab lab);

/* CIEDE2000 difference with parametric factors kL, kC, kH (1, 1, 1 is the
 * standard; a larger kL tolerates lightness changes such as shading). */
double photo_colour_de00(PhotoLab x, PhotoLab y, double kL, double kC,
                         double kH);

/* sRGB 8-bit value to linear light 0..1 (table lookup). */
double photo_colour_linear(guint8 v);

/* Linear-light gains that map the linear RGB `white` (mean of the
 * background) to neutral grey of the same luminance. */
void photo_colour_gain_for_white(const double white_linear[3],
                                 double ret_gain[3]);
