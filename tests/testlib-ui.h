/* The real front end (ui/) behind the application's Frontend interface,
 * for tests that run the application headless; cli/main.c wires the
 * program's own the same way. */
#pragma once

#include "app.h"
#include "ui.h"

/* Render, intents, wake, press and screenshot go to `ui`, which must
 * outlive the Frontend. */
Frontend testlib_ui_frontend(Ui *ui);

/* Where a test writes a screen `name`.png: tests/ui-reference/ in the
 * source tree with BK_UPDATE_REFERENCE=1, else `build_subdir` in the build
 * folder. Its folder is created. */
char *testlib_ui_screen_path(const char *build_subdir, const char *name);
