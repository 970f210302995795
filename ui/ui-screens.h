/* The screens: lays out and draws one KioskView on a canvas of the logical
 * size, and records where its touch targets (keypad keys, buttons) ended up
 * so that input is hit-tested against exactly what was drawn. */
#pragma once

#include "ui-draw.h"

typedef struct {
  char id[32];      /* "0".."9", "back", "ok", or a ViewButton id */
  SDL_Rect rect;    /* logical coordinates */
  IntentType type;  /* INTENT_KEY, INTENT_BACKSPACE, INTENT_SUBMIT or
                       INTENT_BUTTON */
  char key;         /* the digit for INTENT_KEY */
  gboolean enabled; /* a disabled target swallows the touch (activity only) */
} UiTarget;

typedef struct {
  int width; /* logical size */
  int height;
  const char *location; /* header band text; NULL = none */
} UiScreenInfo;

/* Draws `view` over the whole canvas and appends its targets to `targets`
 * (a GArray of UiTarget, cleared first). `ret_sign_area` (may be NULL) gets
 * the signing area of VIEW_SIGNATURE, an empty rectangle elsewhere. */
void ui_screens_draw(UiCanvas *canvas, const UiScreenInfo *info,
                     const KioskView *view, GArray *targets,
                     SDL_Rect *ret_sign_area);

/* Draws the view's buttons at the bottom of `area`, right-aligned, as the
 * screens lay them out (for ui-technician.c); returns their height. */
int ui_screens_draw_buttons(UiCanvas *canvas, const UiScreenInfo *info,
                            const KioskView *view, SDL_Rect area,
                            GArray *targets);

/* The index of the target containing (x, y), or -1. */
int ui_screens_hit(GArray *targets, int x, int y);

/* The index of the target named `id` (keypad keys first), or -1. */
int ui_screens_find(GArray *targets, const char *id);

/* TRUE when the keypad of `view` accepts no more digits. */
gboolean ui_screens_entry_full(const KioskView *view);
