/* The kiosk's palette, one place for every screen (ui-screens.c,
 * ui-technician.c). */
#pragma once

#include "ui-draw.h"

/* Dark blue and yellow in the spirit of the Dutch government's house
 * style; every text/background pair is at least 4.5:1 (WCAG AA). */
static const UiColor WHITE = {0xff, 0xff, 0xff, 0xff};
static const UiColor BLUE = {0x15, 0x42, 0x73, 0xff};
static const UiColor BLUE_SOFT = {0x7f, 0x9c, 0xbf, 0xff};
static const UiColor INK = {0x1a, 0x1a, 0x1a, 0xff};
static const UiColor INK_SOFT = {0x3d, 0x3d, 0x3d, 0xff};
static const UiColor EDGE = {0x5f, 0x7a, 0x99, 0xff};
static const UiColor BANNER_BG = {0xf9, 0xe1, 0x1e, 0xff};
static const UiColor BANNER_EDGE = {0xc9, 0xb4, 0x00, 0xff};
static const UiColor FOOTER_BG = {0xe8, 0xee, 0xf4, 0xff};
static const UiColor FOOTER_EDGE = {0xc3, 0xce, 0xd9, 0xff};
static const UiColor RED = {0xb3, 0x14, 0x1c, 0xff};
static const UiColor RED_DARK = {0x8e, 0x0f, 0x16, 0xff};
static const UiColor WARN_BG = {0xfc, 0xeb, 0xec, 0xff};
static const UiColor GREEN = {0x2a, 0x7a, 0x36, 0xff};
static const UiColor KEY_BG = {0xee, 0xf3, 0xf8, 0xff};
/* The yellow correction key's edge: 5.5:1 on white, so the key's shape
 * shows (WCAG 1.4.11 asks 3:1 of a control's boundary; BANNER_EDGE has
 * 2.1:1). */
static const UiColor KEY_BACK_EDGE = {0x7a, 0x6a, 0x00, 0xff};
static const UiColor DISABLED_BG = {0xe6, 0xe6, 0xe6, 0xff};
static const UiColor DISABLED_EDGE = {0xb5, 0xb5, 0xb5, 0xff};
static const UiColor DISABLED_INK = {0x6b, 0x6b, 0x6b, 0xff};
static const UiColor PLACEHOLDER = {0xe9, 0xee, 0xf3, 0xff};

/* The technician screen's rules between sections and its "needs a look"
 * state; amber on white is 6.8:1. */
static const UiColor RULE = {0xd5, 0xdd, 0xe6, 0xff};
static const UiColor AMBER = {0x8a, 0x4b, 0x00, 0xff};
