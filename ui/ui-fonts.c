/* The faces per script (see ui-fonts.h). The screens pass a TTF_Font
 * around, the primary face at some size; the renderer finds the script
 * faces that belong to it through a registry kept here, so that no drawing
 * call had to change its signature. */
#include "ui-fonts.h"

#include <string.h>

#include "bk-config.h"
#include "ui.h"

/* A script the primary face does not draw well or at all, and the Debian
 * faces that do (paths under BK_FONT_DIR). `scale_percent` sizes the face
 * so that its letters stand as tall as DejaVu Sans' capitals (measured at
 * 100 px: DejaVu's H is 73 px tall, Noto Sans Arabic's alef 71, Noto Sans
 * Ethiopic's letters 81; see docs/i18n.md). */
typedef struct {
  GUnicodeScript script;
  const char *code; /* ISO 15924 */
  const char *regular;
  const char *bold; /* NULL: synthesised from the regular face */
  int scale_percent;
} ScriptFace;

static const ScriptFace script_faces[] = {
    {G_UNICODE_SCRIPT_ARABIC, "Arab", "noto/NotoSansArabic-Regular.ttf",
     "noto/NotoSansArabic-Bold.ttf", 100},
    {G_UNICODE_SCRIPT_ETHIOPIC, "Ethi", "noto/NotoSansEthiopic-Regular.ttf",
     "noto/NotoSansEthiopic-Bold.ttf", 92},
};
#define N_SCRIPT_FACES ((int)G_N_ELEMENTS(script_faces))

/* Slot 0 is the primary face, slot i + 1 script_faces[i]. */
typedef struct {
  char *regular;
  char *bold; /* NULL: synthesise bold */
  gboolean checked;
} FaceFiles;

struct UiFonts {
  FaceFiles slots[N_SCRIPT_FACES + 1];
  GHashTable *open; /* font_key() -> TTF_Font */
};

/* What a primary face handed out by ui_fonts_get() is. */
typedef struct {
  UiFonts *owner;
  UiFontStyle style;
  int size;
} PrimaryFace;

/* TTF_Font* -> PrimaryFace*; main thread only, like the whole UI. */
static GHashTable *registry;

static gpointer font_key(int slot, UiFontStyle style, int size)
{
  return GINT_TO_POINTER(slot << 20 | (int)style << 16 | (size & 0xffff));
}

static char *bold_next_to(const char *regular)
{
  g_autofree char *dir = g_path_get_dirname(regular);
  g_autofree char *base = g_path_get_basename(regular);
  const char *dot = strrchr(base, '.');
  g_autofree char *stem = dot ? g_strndup(base, dot - base) : g_strdup(base);
  g_autofree char *name = g_strdup_printf("%s-Bold%s", stem, dot ? dot : "");
  char *path = g_build_filename(dir, name, NULL);

  if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
    return path;
  g_free(path);
  return NULL;
}

static gboolean face_opens(const char *path, const char *what, GError **error)
{
  TTF_Font *probe = TTF_OpenFont(path, 20);

  if (!probe) {
    g_set_error(error, UI_ERROR, UI_ERROR_FONT,
                "cannot open the font for %s %s: %s", what, path,
                TTF_GetError());
    return FALSE;
  }
  TTF_CloseFont(probe);
  return TRUE;
}

static gboolean script_wanted(const char *code, const char *const *scripts)
{
  return !scripts || g_strv_contains(scripts, code);
}

static gboolean check_script_face(UiFonts *fonts, int i, const char *dir,
                                  GError **error)
{
  const ScriptFace *face = &script_faces[i];
  FaceFiles *files = &fonts->slots[i + 1];
  g_autofree char *what = g_strdup_printf("the script %s", face->code);

  files->regular = g_build_filename(dir, face->regular, NULL);
  if (face->bold)
    files->bold = g_build_filename(dir, face->bold, NULL);
  if (!face_opens(files->regular, what, error) ||
      (files->bold && !face_opens(files->bold, what, error)))
    return FALSE;
  files->checked = TRUE;
  return TRUE;
}

UiFonts *ui_fonts_new(const char *primary_path, const char *font_dir,
                      const char *const *scripts, GError **error)
{
  g_autoptr(UiFonts) fonts = NULL;

  g_return_val_if_fail(primary_path != NULL, NULL);

  if (!face_opens(primary_path, "Latin text", error))
    return NULL;
  fonts = g_new0(UiFonts, 1);
  fonts->open = g_hash_table_new(NULL, NULL);
  fonts->slots[0].regular = g_strdup(primary_path);
  fonts->slots[0].bold = bold_next_to(primary_path);
  fonts->slots[0].checked = TRUE;
  for (int i = 0; i < N_SCRIPT_FACES; i++) {
    if (script_wanted(script_faces[i].code, scripts) &&
        !check_script_face(fonts, i, font_dir ? font_dir : BK_FONT_DIR, error))
      return NULL;
  }
  return g_steal_pointer(&fonts);
}

static gboolean close_font(gpointer key, gpointer font, gpointer user_data)
{
  (void)key;
  (void)user_data;
  if (registry)
    g_hash_table_remove(registry, font);
  TTF_CloseFont(font);
  return TRUE;
}

void ui_fonts_free(UiFonts *fonts)
{
  if (!fonts)
    return;
  if (fonts->open) {
    g_hash_table_foreach_remove(fonts->open, close_font, NULL);
    g_hash_table_unref(fonts->open);
  }
  for (int i = 0; i <= N_SCRIPT_FACES; i++) {
    g_free(fonts->slots[i].regular);
    g_free(fonts->slots[i].bold);
  }
  g_free(fonts);
}

/* Opens slot's face in `style` at `size` px, or returns the one open. */
static TTF_Font *slot_font(UiFonts *fonts, int slot, UiFontStyle style,
                           int size)
{
  gpointer key = font_key(slot, style, size);
  TTF_Font *font = g_hash_table_lookup(fonts->open, key);
  const FaceFiles *files = &fonts->slots[slot];
  gboolean synth_bold = style == UI_FONT_BOLD && !files->bold;

  if (font)
    return font;
  font = TTF_OpenFont(synth_bold || style == UI_FONT_REGULAR ? files->regular
                                                             : files->bold,
                      size);
  /* ui_fonts_new() opened every face; failing now means the file went away
   * under us, which is not something a kiosk can recover from. */
  if (!font)
    g_error("font %s vanished: %s", files->regular, TTF_GetError());
  if (synth_bold)
    TTF_SetFontStyle(font, TTF_STYLE_BOLD);
  g_hash_table_insert(fonts->open, key, font);
  return font;
}

TTF_Font *ui_fonts_get(UiFonts *fonts, UiFontStyle style, int size)
{
  TTF_Font *font;
  PrimaryFace *face;

  g_return_val_if_fail(fonts != NULL, NULL);
  font = slot_font(fonts, 0, style, size);
  if (!registry)
    registry = g_hash_table_new_full(NULL, NULL, NULL, g_free);
  if (!g_hash_table_contains(registry, font)) {
    face = g_new(PrimaryFace, 1);
    *face = (PrimaryFace){fonts, style, size};
    g_hash_table_insert(registry, font, face);
  }
  return font;
}

static int script_slot(const UiFonts *fonts, GUnicodeScript script)
{
  for (int i = 0; i < N_SCRIPT_FACES; i++) {
    if (script_faces[i].script == script)
      return fonts->slots[i + 1].checked ? i + 1 : 0;
  }
  return 0;
}

TTF_Font *ui_fonts_for_script(TTF_Font *primary, GUnicodeScript script)
{
  const PrimaryFace *face;
  int slot, size;

  g_return_val_if_fail(primary != NULL, NULL);
  face = registry ? g_hash_table_lookup(registry, primary) : NULL;
  if (!face)
    return primary;
  slot = script_slot(face->owner, script);
  if (slot == 0)
    return primary;
  size = MAX(1, (face->size * script_faces[slot - 1].scale_percent + 50) / 100);
  return slot_font(face->owner, slot, face->style, size);
}

gboolean ui_fonts_describe(TTF_Font *primary, UiFontStyle *ret_style,
                           int *ret_size)
{
  const PrimaryFace *face =
      registry && primary ? g_hash_table_lookup(registry, primary) : NULL;

  if (!face)
    return FALSE;
  *ret_style = face->style;
  *ret_size = face->size;
  return TRUE;
}

const char *ui_fonts_file(UiFonts *fonts, GUnicodeScript script,
                          UiFontStyle style)
{
  const FaceFiles *files;

  g_return_val_if_fail(fonts != NULL, NULL);
  files = &fonts->slots[script_slot(fonts, script)];
  if (style == UI_FONT_BOLD && files->bold)
    return files->bold;
  return files->regular;
}
