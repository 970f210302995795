/* See ui-photo-overlay.h. Lines are drawn as ink (ui_draw_ink) several
 * times over, shifted, for a white edge around a coloured core. */
#include "ui-photo-overlay.h"

#include <math.h>
#include <stdio.h>

#include "ui-palette.h"

enum {
  DASH_PX = 14,   /* a dash of the template's line, and the gap after it */
  DISC_PX = 132,  /* the countdown's disc */
  DIGIT_PX = 96,  /* its number */
  MAX_INK = 1024, /* points of one mark once dashed */
};

typedef struct {
  ViewInkPoint points[MAX_INK];
  int n;
} Ink;

static void ink_add(Ink *ink, double x, double y, float pressure)
{
  if (ink->n < MAX_INK)
    ink->points[ink->n++] = (ViewInkPoint){(float)x, (float)y, pressure};
}

/* One segment of a mark, whole or in dashes of DASH_PX on `pic`. */
static void ink_segment(Ink *ink, SDL_Rect pic, double x0, double y0, double x1,
                        double y1, gboolean dashed)
{
  double len = hypot((x1 - x0) * pic.w, (y1 - y0) * pic.h);
  int dashes = dashed ? MAX(1, (int)(len / (2 * DASH_PX))) : 0;

  if (!dashed) {
    ink_add(ink, x0, y0, 1);
    ink_add(ink, x1, y1, 1);
    return;
  }
  for (int i = 0; i < dashes; i++) {
    double a = (double)i / dashes, b = (i + 0.5) / dashes;

    ink_add(ink, x0 + (x1 - x0) * a, y0 + (y1 - y0) * a, 0);
    ink_add(ink, x0 + (x1 - x0) * a, y0 + (y1 - y0) * a, 1);
    ink_add(ink, x0 + (x1 - x0) * b, y0 + (y1 - y0) * b, 1);
  }
}

static void ink_of_mark(Ink *ink, SDL_Rect pic, const ViewMark *m)
{
  gboolean dashed = m->role == VIEW_MARK_TARGET;
  int segments = m->closed ? m->n : m->n - 1;

  ink->n = 0;
  for (int i = 0; i < segments; i++) {
    int j = (i + 1) % m->n;

    ink_segment(ink, pic, m->x[i], m->y[i], m->x[j], m->y[j], dashed);
  }
}

/* The ink drawn `r` px around its place in `color`. */
static void ink_spread(UiCanvas *canvas, SDL_Rect pic, const Ink *ink, int r,
                       UiColor color)
{
  for (int dy = -r; dy <= r; dy += MAX(r, 1))
    for (int dx = -r; dx <= r; dx += MAX(r, 1)) {
      SDL_Rect box = {pic.x + dx, pic.y + dy, pic.w, pic.h};

      ui_draw_ink(canvas, box, ink->points, ink->n, color);
    }
}

void ui_photo_overlay_marks(UiCanvas *canvas, SDL_Rect pic,
                            const KioskView *view)
{
  static Ink ink; /* main thread only; too large for the stack */

  ui_canvas_clip(canvas, &pic);
  /* Targets first: what is wrong is drawn on top. */
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < view->n_marks; i++) {
      const ViewMark *m = &view->marks[i];

      if ((m->role == VIEW_MARK_FAULT) != (pass == 1) || m->n < 2)
        continue;
      ink_of_mark(&ink, pic, m);
      ink_spread(canvas, pic, &ink, 3, WHITE);
      ink_spread(canvas, pic, &ink, 1, pass ? RED : GREEN);
    }
  ui_canvas_clip(canvas, NULL);
}

void ui_photo_overlay_countdown(UiCanvas *canvas, SDL_Rect pic, int seconds)
{
  TTF_Font *f = ui_canvas_font(canvas, UI_FONT_BOLD, DIGIT_PX);
  SDL_Rect disc = {pic.x + (pic.w - DISC_PX) / 2, pic.y + 24, DISC_PX, DISC_PX};
  char digit[12];

  if (seconds <= 0)
    return;
  snprintf(digit, sizeof digit, "%d", seconds);
  ui_draw_ring(canvas, disc, DISC_PX / 2, BLUE);
  ui_draw_ring(canvas, disc, 6, WHITE);
  ui_draw_text(canvas, f, WHITE, disc.x,
               disc.y + (DISC_PX - TTF_FontHeight(f)) / 2, disc.w,
               UI_ALIGN_CENTER, digit);
}
