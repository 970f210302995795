/* The speaker button (see ui-speaker.h), drawn from rectangles and rings
 * so that it needs no glyph from any font: a loudspeaker with two sound
 * waves when speech is on, and with a cross instead of the waves when it
 * is off. On: a white button on the blue band; off: only its outline. */
#include "ui-speaker.h"

#include "ui-palette.h"

enum {
  SPEAKER_SIZE = 76, /* a touch target of at least 2 cm on the panel */
  SPEAKER_RADIUS = 12,
};

/* The loudspeaker: a box and a cone widening to the right, in a square of
 * `s` px at (x, y). */
static void draw_cone(UiCanvas *canvas, int x, int y, int s, UiColor color)
{
  int box_h = s * 2 / 5;
  int box_w = s / 4;
  int cone_w = s * 3 / 10;

  ui_draw_fill(canvas, (SDL_Rect){x, y + (s - box_h) / 2, box_w, box_h}, color);
  for (int i = 0; i < cone_w; i++) {
    int h = box_h + (s - box_h) * i / cone_w;

    ui_draw_fill(canvas, (SDL_Rect){x + box_w + i, y + (s - h) / 2, 1, h},
                 color);
  }
}

/* Two arcs: the right halves of rings centred on the cone's mouth. */
static void draw_waves(UiCanvas *canvas, int x, int y, int s, UiColor color)
{
  int cx = x + s * 11 / 20;
  int cy = y + s / 2;
  SDL_Rect right = {cx + s / 10, y - 2, s, s + 4};

  ui_canvas_clip(canvas, &right);
  for (int r = s / 4; r <= s / 2; r += s / 4) {
    ui_draw_ring(canvas, (SDL_Rect){cx - r, cy - r, 2 * r, 2 * r}, 4, color);
  }
  ui_canvas_clip(canvas, NULL);
}

/* A cross where the waves would be. */
static void draw_cross(UiCanvas *canvas, int x, int y, int s, UiColor color)
{
  int left = x + s * 13 / 20;
  int top = y + s / 3;
  int n = s / 3;

  for (int i = 0; i < n; i++) {
    ui_draw_fill(canvas, (SDL_Rect){left + i - 2, top + i - 2, 5, 5}, color);
    ui_draw_fill(canvas, (SDL_Rect){left + i - 2, top + n - i - 2, 5, 5},
                 color);
  }
}

void ui_speaker_draw(UiCanvas *canvas, const UiScreenInfo *info,
                     const KioskView *view, GArray *targets)
{
  /* The band is 96 px with a 4 px rule at its foot. */
  SDL_Rect r = {info->width / 2 - SPEAKER_SIZE / 2, (92 - SPEAKER_SIZE) / 2,
                SPEAKER_SIZE, SPEAKER_SIZE};
  gboolean on = view->speech == VIEW_SPEECH_ON;
  int s = SPEAKER_SIZE * 3 / 5;
  int x = r.x + (r.w - s) / 2;
  int y = r.y + (r.h - s) / 2;
  UiColor ink = on ? BLUE : WHITE;
  UiTarget target = {.rect = r, .type = INTENT_BUTTON, .enabled = TRUE};

  /* Seated, nothing is drawn above the reach line: the runtime makes the
   * switch one of the screen's buttons instead. */
  if (view->speech == VIEW_SPEECH_NONE || view->seated)
    return;
  ui_draw_round_rect(canvas, r, SPEAKER_RADIUS, on ? WHITE : BLUE, 3,
                     on ? WHITE : BLUE_SOFT);
  draw_cone(canvas, x, y, s, ink);
  if (on)
    draw_waves(canvas, x, y, s, ink);
  else
    draw_cross(canvas, x, y, s, ink);
  g_strlcpy(target.id, VIEW_BUTTON_SPEECH, sizeof target.id);
  g_array_append_val(targets, target);
}
