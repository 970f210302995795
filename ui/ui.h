/* The SDL2 front end: a window (or the dummy/offscreen driver when there is
 * no display) that renders a KioskView and turns touches and keys into
 * KioskIntents. Runs on the main thread only. */
#pragma once

#include <glib.h>

#include "view.h"

#define UI_ERROR (ui_error_quark())
GQuark ui_error_quark(void);

typedef enum {
  UI_ERROR_INIT,       /* no video driver, window or renderer */
  UI_ERROR_FONT,       /* the font file cannot be opened */
  UI_ERROR_SCREENSHOT, /* nothing rendered yet, or the frame cannot be read */
} UiError;

typedef struct Ui Ui;

typedef struct {
  int width; /* logical size; 1280 x 800 by default */
  int height;
  gboolean headless;     /* force SDL's offscreen/dummy driver + software
                            renderer (byte-stable frames) */
  const char *font_path; /* TrueType font; NULL = BK_FONT_PATH. The bold
                            face is "<name>-Bold.ttf" next to it */
  const char *location;  /* shown in the header band (the IND desk's name);
                            NULL = none. Copied. */
  gboolean fullscreen;   /* a window: cover the whole output (kiosk under
                            cage), the frame scaled to it */
  /* ISO 15924 codes of the scripts the kiosk may show ("Arab", "Ethi"):
   * their faces must open (ui-fonts.h). NULL = every script's. */
  const char *const *scripts;
  /* Where the script faces are; NULL = BK_FONT_DIR. */
  const char *font_dir;
} UiOptions;

/* Opens the window or the headless surface. Headless is also chosen when
 * there is no DISPLAY/WAYLAND_DISPLAY. Fails (UI_ERROR_FONT, naming the
 * file) when a face for one of `scripts` is missing. */
Ui *ui_new(const UiOptions *options, GError **error);
void ui_free(Ui *ui); /* accepts NULL */

/* Draws `view` and presents it. Deterministic: the same view gives the same
 * pixels. */
void ui_render(Ui *ui, const KioskView *view);

/* Waits up to timeout_ms for input (0 = only what is queued, negative =
 * until something comes) or a ui_wake(); returns TRUE and fills `ret_intent`
 * when there was an intent, FALSE when the time ran out, or when it was
 * woken and no input is queued. A key
 * or button gives its intent when the touch is released on the target it went
 * down on; touches that hit nothing, disabled targets and other keys give
 * INTENT_ACTIVITY. Physical keys: digits, Backspace, Enter (the primary button
 * when there is no keypad), Ctrl+Q quits (not full screen: the appliance
 * under cage keeps running). */
gboolean ui_next_intent(Ui *ui, int timeout_ms, KioskIntent *ret_intent);

/* Makes a waiting (or the next) ui_next_intent() return FALSE at once.
 * The one call here that any thread may make: workers use it to say that
 * a result or a camera frame is ready. Never blocks. */
void ui_wake(Ui *ui);

/* Pushes a synthetic touch (down + up, through SDL's own event queue) on
 * `target`: a keypad key "0".."9", "back", "ok", or a button id of the last
 * rendered view. FALSE when the target is not on screen. Used by the demo
 * and end-to-end tests so they exercise the real hit testing. */
gboolean ui_press(Ui *ui, const char *target);

/* The touch targets of the last rendered frame, for tests: the `index`th
 * one's id (a key, a button id, or VIEW_TARGET_SIGN for the writing area
 * of a view with pen input, which comes last) and rectangle in logical
 * pixels. FALSE past the last one. */
gboolean ui_target(Ui *ui, guint index, const char **ret_id, int ret_rect[4]);

/* TRUE when the front end keeps a rendered text containing `needle` for
 * reuse. It forgets them all (wiped) when a view without a person follows
 * one with a person, so that a name does not outlive its screens; tests
 * check that. */
gboolean ui_keeps_text(Ui *ui, const char *needle);

/* Saves the last presented frame as PNG (RGB, logical size). */
gboolean ui_screenshot(Ui *ui, const char *png_path, GError **error);

/* TRUE when rendering goes to an offscreen surface only (no window). */
gboolean ui_is_headless(Ui *ui);

/* One touch sample of a stroke on the signing area of VIEW_SIGNATURE: x and
 * y normalised to the area (0..1, clamped: a stroke may leave the box),
 * pressure 0..1 (0 = lifted; touches without pressure and a pressed mouse
 * give 1), t_us SDL's event time in microseconds (millisecond steps). */
typedef struct {
  double x;
  double y;
  double pressure;
  gint64 t_us;
} UiSample;

typedef void (*UiSampleFunc)(const UiSample *sample, gpointer user_data);

/* Makes the signing area a writing surface (the touchscreen as signature
 * pad): every sample of a stroke that starts inside it goes to `func`, on
 * the main thread from within ui_next_intent(); the stroke's first touch
 * gives INTENT_ACTIVITY, the rest no intent. NULL `func` turns this off
 * (the default: the area is then only a picture). */
void ui_set_sample_func(Ui *ui, UiSampleFunc func, gpointer user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Ui, ui_free)
