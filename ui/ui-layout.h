/* The applicant's layout choices (docs/ui.md): the text ladder, larger
 * with KioskView.large_text, and the seated layout's reach line, above
 * which KioskView.seated puts no touch target. */
#pragma once

#include <SDL.h>

#include "view.h"

/* Title, body and a person's name in px; a screen takes the first step of
 * its ladder whose text fits, and cuts at a whole line on the last. */
typedef struct {
  int title;
  int body;
  int name;
} UiTextSizes;

/* The ladder for `view` (largest first) and its number of steps. */
const UiTextSizes *ui_layout_ladder(const KioskView *view, int *ret_n);

/* The seated layout's reach line, as a share of the screen's height from
 * the top: every touch target lies below it (docs/ui.md says why 40 %). */
#define UI_SEATED_TOP_PERCENT 40

/* The reach line's y on a screen `height` px high. */
int ui_layout_seated_top(int height);

/* For a seated view, `rect` keeps its bottom and starts no higher than the
 * reach line; unchanged otherwise. */
SDL_Rect ui_layout_reach(const KioskView *view, int height, SDL_Rect rect);
