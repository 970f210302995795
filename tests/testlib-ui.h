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

/* The frame `ui` shows now, as PNG bytes (ui_screenshot() through a
 * temporary file). */
GBytes *testlib_ui_png(Ui *ui);

/* Compares the frame `png` with the reference PNG `ref` (a path in the
 * source tree) pixel by pixel, after rounding every channel of the frame to
 * `levels` evenly spaced values (256: as it is; the reference is stored so
 * rounded, which makes it much smaller): any channel of any pixel that then
 * differs is a difference. With BK_UPDATE_REFERENCE=1 writes the
 * reference instead and returns TRUE. On a difference (a missing reference
 * or another size is one) writes `actual`.png, the rounded frame, and
 * `actual`-diff.png, the differing pixels red over the frame faded, into
 * the build folder (`actual` is a path relative to it), and returns FALSE
 * with `error` naming both files and the number of pixels. */
gboolean testlib_ui_check_reference(GBytes *png, int levels, const char *ref,
                                    const char *actual, GError **error);
