/* The faces the screens draw with, chosen per script in this one place:
 * DejaVu Sans (BK_FONT_PATH) for Latin, Cyrillic, Greek, digits and
 * punctuation; Noto Sans Arabic for Arabic and Persian; Noto Sans Ethiopic
 * for Tigrinya (docs/i18n.md says why these). A screen asks for the primary
 * face at a size (ui_fonts_get()); the text renderer asks for the face of
 * each run's script next to it (ui_fonts_for_script()), sized so that its
 * letters look as large as the primary face's.
 *
 * Main thread only (the UI's thread). */
#pragma once

#include <SDL_ttf.h>
#include <glib.h>

typedef enum {
  UI_FONT_REGULAR,
  UI_FONT_BOLD,
} UiFontStyle;

typedef struct UiFonts UiFonts;

/* Opens the primary face `primary_path` (its bold face is "<name>-Bold.ttf"
 * next to it, synthesised when absent) and checks the faces of `scripts`,
 * ISO 15924 codes such as "Arab" or "Ethi" (NULL: every script of the
 * table; codes the primary face serves, "Latn", "Cyrl", need nothing).
 * Script faces are looked up under `font_dir` (NULL: BK_FONT_DIR, the
 * system's TrueType folder). Fails with UI_ERROR_FONT, a one-line message
 * naming the missing file and the script, when a face cannot be opened:
 * the kiosk refuses to start rather than draw empty boxes. Free with
 * ui_fonts_free(). */
UiFonts *ui_fonts_new(const char *primary_path, const char *font_dir,
                      const char *const *scripts, GError **error);
void ui_fonts_free(UiFonts *fonts); /* accepts NULL */

/* The primary face in `style` at `size` px, opened on first use and kept
 * until ui_fonts_free(); never NULL. */
TTF_Font *ui_fonts_get(UiFonts *fonts, UiFontStyle style, int size);

/* The face that draws `script` beside `primary`, a face ui_fonts_get()
 * returned: same style, its size scaled to the same visual size, opened on
 * first use. `primary` itself for the scripts it serves (Latin, Cyrillic,
 * Common, ...), for scripts the table does not name, for a script whose
 * face was not checked by ui_fonts_new(), and for a `primary` that did not
 * come from ui_fonts_get(). Never NULL for a non-NULL `primary`. */
TTF_Font *ui_fonts_for_script(TTF_Font *primary, GUnicodeScript script);

/* The style and size `primary` (a face ui_fonts_get() returned) was asked
 * for; FALSE, leaving both alone, for another face. */
gboolean ui_fonts_describe(TTF_Font *primary, UiFontStyle *ret_style,
                           int *ret_size);

/* The file `script` is drawn with in `style`: its own face's, or the
 * primary face's for the scripts that has (and the synthesised bold's
 * regular file). Owned by `fonts`. */
const char *ui_fonts_file(UiFonts *fonts, GUnicodeScript script,
                          UiFontStyle style);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(UiFonts, ui_fonts_free)
