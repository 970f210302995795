/* The applicant's speaker button (KioskView.speech): in the middle of the
 * header band of every screen that is read aloud, showing whether speech
 * is on, a touch target (VIEW_BUTTON_SPEECH) that turns it off and on.
 * Used by ui-screens.c only. */
#pragma once

#include "ui-screens.h"

/* Half the width the button takes in the header, so that the location's
 * text can stop short of it. */
#define UI_SPEAKER_HALF_W 52

/* Draws the button for view->speech (nothing for VIEW_SPEECH_NONE, nor
 * in the seated layout) and appends its target. */
void ui_speaker_draw(UiCanvas *canvas, const UiScreenInfo *info,
                     const KioskView *view, GArray *targets);
