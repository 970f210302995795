/* Placeholder until the SDL front end lands (issue 2, ui/). */
#include "ui.h"

G_DEFINE_QUARK(biokiosk-ui-error-quark, ui_error)
