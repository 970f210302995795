/* The technician's screen (VIEW_TECHNICIAN): page tabs down the left, the
 * page's rows of facts and checks, a test picture with its caption on the
 * right, the page's buttons at the bottom; and the discreet control on the
 * check-in screen that opens it. Used by ui-screens.c only. */
#pragma once

#include "ui-screens.h"

/* Draws VIEW_TECHNICIAN into `inner` and appends its targets. */
void ui_technician_draw(UiCanvas *canvas, const UiScreenInfo *info,
                        const KioskView *view, SDL_Rect inner, GArray *targets);

/* The check-in screen's small "Service" control at the right end of the
 * footer (KioskView.technician_entry): a touch target of its own. */
void ui_technician_entry(UiCanvas *canvas, const UiScreenInfo *info,
                         GArray *targets);
