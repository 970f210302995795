/* Layout choices for the applicant (ui-layout.h). Large text starts 12 px
 * (title) and 8 px (body) above the usual ladder and steps down through
 * it, so a long translation still fits where the usual sizes fit. */
#include "ui-layout.h"

static const UiTextSizes LADDER[] = {
    {44, 28, 64}, {40, 26, 56}, {36, 24, 48}, {32, 22, 40}};

static const UiTextSizes LADDER_LARGE[] = {
    {56, 36, 76}, {52, 34, 72}, {48, 32, 64}, {44, 30, 60},
    {40, 28, 56}, {36, 26, 48}, {32, 24, 40}};

const UiTextSizes *ui_layout_ladder(const KioskView *view, int *ret_n)
{
  if (view && view->large_text) {
    *ret_n = (int)G_N_ELEMENTS(LADDER_LARGE);
    return LADDER_LARGE;
  }
  *ret_n = (int)G_N_ELEMENTS(LADDER);
  return LADDER;
}

int ui_layout_seated_top(int height)
{
  return height * UI_SEATED_TOP_PERCENT / 100;
}

SDL_Rect ui_layout_reach(const KioskView *view, int height, SDL_Rect rect)
{
  int top = ui_layout_seated_top(height);

  if (!view->seated || rect.y >= top)
    return rect;
  rect.h = MAX(0, rect.y + rect.h - top);
  rect.y = top;
  return rect;
}
