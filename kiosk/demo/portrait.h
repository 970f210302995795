/* A synthetic passport portrait, drawn by code: a head and shoulders against
 * the white studio background, lit evenly, for the demo's simulated camera
 * and for tests. No real person's face is involved. */
#pragma once

#include "image.h"

typedef struct {
  guint32 skin; /* 0xRRGGBB */
  guint32 hair;
  guint32 clothing;
  guint32 background;
  double head_scale; /* 1.0 = chin-to-crown about 60 % of the height */
  double offset_x;   /* head centre, fraction of width from the middle */
  double offset_y;   /* head centre, fraction of height (down positive) */
  gboolean covering; /* a smooth head covering (hijab-like) instead of
                        visible hair */
  guint32 covering_colour;
  /* What the training scenarios and the live view need: */
  gboolean eyes_closed; /* lids down: a blink */
  double roll_deg;      /* head (not shoulders) rotated about the chin,
                           clockwise on the image, in degrees */
  double second_face_x; /* 0: alone; else a second person's head centre,
                           fraction of width from the middle */
  double exposure;      /* 1.0 normal; > 1 brighter (clips), < 1 darker */
  guint32 noise_seed;   /* sensor noise pattern; 0 the default one */
  double body_scale;    /* shoulders' size, 1.0 default (a person further
                           away is smaller all over) */
} PortraitStyle;

/* The demo's default look. */
void portrait_style_default(PortraitStyle *ret_style);

/* Draws the portrait as an RGB image of width x height (portrait
 * orientation works best, e.g. 1200 x 1600). Deterministic. */
BkImage *portrait_draw(int width, int height, const PortraitStyle *style);
