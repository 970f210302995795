/* What the photo screen draws over the picture besides the face oval: the
 * refusal's marks (the failed region in red, the template in dashed green,
 * each with a white edge so it shows on skin, hair and backdrop alike) and
 * the automatic shot's countdown. */
#pragma once

#include "ui-draw.h"

/* The view's marks over `pic`, where its image was drawn. */
void ui_photo_overlay_marks(UiCanvas *canvas, SDL_Rect pic,
                            const KioskView *view);

/* The countdown's number (3, 2, 1) in a disc at the top of `pic`. */
void ui_photo_overlay_countdown(UiCanvas *canvas, SDL_Rect pic, int seconds);
