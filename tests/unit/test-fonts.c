/* The faces per script and right-to-left text (ui/ui-fonts.c,
 * ui/ui-draw.c), checked on what is drawn:
 * - every character of every translation in every built catalogue is in
 *   the face the renderer picks for it (no empty boxes), and Arabic and
 *   Ethiopic letters get their own faces;
 * - a missing face stops the UI at start with an error naming the file;
 * - faces of different scripts share the baseline and the letter height;
 * - digits and Latin names inside Arabic keep their left-to-right order,
 *   compared pixel for pixel with the same digits drawn alone, and English
 *   in brackets keeps its brackets;
 * - Arabic letters come out joined;
 * - a right-to-left screen is mirrored, its keypad and code are not, and
 *   touches land on what was drawn. */
#include <SDL.h>
#include <SDL_ttf.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "bk-config.h"
#include "i18n.h"
#include "testlib.h"
#include "ui-draw.h"
#include "ui.h"

#define W 1280
#define H 800

static UiFonts *fonts;

/* ---- the catalogues ---- */

static guint32 mo_word(const guint8 *data, gsize size, gsize off)
{
  g_assert_cmpuint(off + 4, <=, size);
  return (guint32)data[off] | (guint32)data[off + 1] << 8 |
         (guint32)data[off + 2] << 16 | (guint32)data[off + 3] << 24;
}

/* The translations of a compiled catalogue (GNU .mo, little-endian as
 * msgfmt writes it here), header left out; plural forms one by one. */
static GPtrArray *mo_translations(const char *path)
{
  g_autofree char *data = NULL;
  gsize size = 0;
  GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
  const guint8 *d;
  guint32 n, table;

  g_assert_true(g_file_get_contents(path, &data, &size, NULL));
  d = (const guint8 *)data;
  g_assert_cmphex(mo_word(d, size, 0), ==, 0x950412de);
  n = mo_word(d, size, 8);
  table = mo_word(d, size, 16);
  for (guint32 i = 0; i < n; i++) {
    guint32 len = mo_word(d, size, table + 8 * i);
    guint32 off = mo_word(d, size, table + 8 * i + 4);
    gsize at = 0;

    g_assert_cmpuint((gsize)off + len, <=, size);
    if (mo_word(d, size, mo_word(d, size, 12) + 8 * i) == 0)
      continue; /* the header's msgid is "" */
    while (at <= len) {
      const char *form = data + off + at;

      g_ptr_array_add(out, g_strdup(form));
      at += strlen(form) + 1;
    }
  }
  return out;
}

static gboolean invisible(gunichar c)
{
  return c == '\n' || c == '\t' || g_unichar_type(c) == G_UNICODE_FORMAT;
}

/* Every character of `text` is in the face of the piece it is drawn
 * with; counts the characters drawn with a script's face. */
static void assert_covered(TTF_Font *font, const char *text, const char *what,
                           guint *ret_script_chars)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

  for (int l = 0; lines[l]; l++) {
    g_autoptr(GArray) pieces = ui_text_pieces(font, lines[l]);

    for (guint i = 0; i < pieces->len; i++) {
      const UiTextPiece *p = &g_array_index(pieces, UiTextPiece, i);
      const char *end = lines[l] + p->start + p->len;

      for (const char *c = lines[l] + p->start; c < end;
           c = g_utf8_next_char(c)) {
        gunichar u = g_utf8_get_char(c);

        if (invisible(u))
          continue;
        if (!TTF_GlyphIsProvided32(p->font, u))
          g_error("%s: U+%04X in \"%s\" has no glyph in its face", what, u,
                  lines[l]);
        if (p->font != font)
          (*ret_script_chars)++;
      }
    }
  }
}

static void test_catalogues_covered(void)
{
  g_autofree char *dir =
      g_build_filename(i18n_locale_dir(), "biokiosk", "LC_MESSAGES", NULL);
  g_autoptr(GDir) folder = g_dir_open(dir, 0, NULL);
  TTF_Font *faces[] = {ui_fonts_get(fonts, UI_FONT_REGULAR, 28),
                       ui_fonts_get(fonts, UI_FONT_BOLD, 44)};
  const char *name;
  int catalogues = 0;

  g_assert_nonnull(folder);
  while ((name = g_dir_read_name(folder))) {
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autoptr(GPtrArray) texts = NULL;
    guint script_chars = 0;

    if (!g_str_has_suffix(name, ".mo"))
      continue;
    texts = mo_translations(path);
    g_assert_cmpuint(texts->len, >, 100);
    for (guint i = 0; i < texts->len; i++)
      for (gsize f = 0; f < G_N_ELEMENTS(faces); f++)
        assert_covered(faces[f], g_ptr_array_index(texts, i), name,
                       &script_chars);
    g_test_message("%s: %u texts covered, %u characters in a script's face",
                   name, texts->len, script_chars / 2);
    /* Arabic, Farsi and Tigrinya are drawn with their own faces. */
    if (strstr(name, "-ar.") || strstr(name, "-fa.") || strstr(name, "-ti."))
      g_assert_cmpuint(script_chars, >, 1000);
    else
      g_assert_cmpuint(script_chars, ==, 0);
    catalogues++;
  }
  g_assert_cmpint(catalogues, >=, 6);
  for (const char *const *l = i18n_known_languages(); *l; l++) {
    guint n = 0;

    assert_covered(faces[1], i18n_language_name(*l), *l, &n);
  }
}

/* The primary face draws Ethiopic as empty boxes: the check above can
 * fail. */
static void test_primary_lacks_ethiopic(void)
{
  TTF_Font *font = ui_fonts_get(fonts, UI_FONT_REGULAR, 28);

  g_assert_false(TTF_GlyphIsProvided32(font, 0x1275)); /* ት */
  g_assert_true(ui_fonts_for_script(font, G_UNICODE_SCRIPT_ETHIOPIC) != font);
  g_assert_true(TTF_GlyphIsProvided32(
      ui_fonts_for_script(font, G_UNICODE_SCRIPT_ETHIOPIC), 0x1275));
  g_assert_true(ui_fonts_for_script(font, G_UNICODE_SCRIPT_CYRILLIC) == font);
}

/* ---- a missing face ---- */

static void test_missing_face(void)
{
  g_autofree char *empty = testlib_mkdtemp();
  const char *const ethiopic[] = {"Latn", "Ethi", NULL};
  const char *const latin[] = {"Latn", "Cyrl", NULL};
  UiOptions options = {.width = W,
                       .height = H,
                       .headless = TRUE,
                       .scripts = ethiopic,
                       .font_dir = empty};
  g_autoptr(GError) error = NULL;
  g_autoptr(Ui) ui = ui_new(&options, &error);
  g_autoptr(UiFonts) plain = NULL;

  g_assert_null(ui);
  g_assert_error(error, UI_ERROR, UI_ERROR_FONT);
  g_test_message("%s", error->message);
  g_assert_nonnull(strstr(error->message, "Ethi"));
  g_assert_nonnull(strstr(error->message, "noto/NotoSansEthiopic-Regular.ttf"));
  g_assert_null(strchr(error->message, '\n'));
  /* Languages in the primary face's scripts need nothing more. */
  plain = ui_fonts_new(BK_FONT_PATH, empty, latin, &error);
  g_assert_nonnull(plain);
  testlib_rmtree(empty);
}

/* ---- drawing ---- */

typedef struct {
  SDL_Surface *surface;
  SDL_Renderer *renderer;
  UiCanvas *canvas;
} Board;

static void board_open(Board *b)
{
  g_autoptr(GError) error = NULL;

  b->surface =
      SDL_CreateRGBSurfaceWithFormat(0, W, H, 32, SDL_PIXELFORMAT_RGB888);
  b->renderer = SDL_CreateSoftwareRenderer(b->surface);
  b->canvas = ui_canvas_new(b->renderer, BK_FONT_PATH, &error);
  g_assert_no_error(error);
  ui_draw_fill(b->canvas, (SDL_Rect){0, 0, W, H},
               (UiColor){255, 255, 255, 255});
}

static void board_close(Board *b)
{
  ui_canvas_free(b->canvas);
  SDL_DestroyRenderer(b->renderer);
  SDL_FreeSurface(b->surface);
}

static gboolean inked(const Board *b, int x, int y)
{
  const guint32 *row = (const guint32 *)((const guint8 *)b->surface->pixels +
                                         (gsize)y * b->surface->pitch);

  return (row[x] & 0xff) < 128; /* dark on white */
}

/* The rows that hold ink in columns [x0, x1). */
static void ink_rows(const Board *b, int x0, int x1, int *ret_top,
                     int *ret_bottom)
{
  *ret_top = H;
  *ret_bottom = -1;
  for (int y = 0; y < H; y++)
    for (int x = x0; x < x1; x++)
      if (inked(b, x, y)) {
        *ret_top = MIN(*ret_top, y);
        *ret_bottom = MAX(*ret_bottom, y);
      }
}

static const UiTextPiece *find_piece(GArray *pieces, const char *text,
                                     const char *part)
{
  for (guint i = 0; i < pieces->len; i++) {
    const UiTextPiece *p = &g_array_index(pieces, UiTextPiece, i);

    if (p->len == strlen(part) && memcmp(text + p->start, part, p->len) == 0)
      return p;
  }
  g_error("no piece \"%s\" in \"%s\"", part, text);
}

/* "H" and the Ethiopic "ሀ" (both flat on the baseline) on one line: the
 * same bottom row, and letters of about the same height. */
static void test_same_baseline(void)
{
  Board b;
  const char *text = "Hሀ";
  TTF_Font *font;
  g_autoptr(GArray) pieces = NULL;
  const UiTextPiece *latin, *ethiopic;
  int lt, lb, et, eb;

  board_open(&b);
  font = ui_canvas_font(b.canvas, UI_FONT_REGULAR, 100);
  pieces = ui_text_pieces(font, text);
  g_assert_cmpuint(pieces->len, ==, 2);
  latin = find_piece(pieces, text, "H");
  ethiopic = find_piece(pieces, text, "ሀ");
  g_assert_true(latin->font == font && ethiopic->font != font);
  ui_draw_text(b.canvas, font, (UiColor){0, 0, 0, 255}, 100, 300, 0,
               UI_ALIGN_LEFT, text);
  ink_rows(&b, 100 + latin->x, 100 + latin->x + latin->width, &lt, &lb);
  ink_rows(&b, 100 + ethiopic->x, 100 + ethiopic->x + ethiopic->width, &et,
           &eb);
  g_test_message("H rows %d-%d, ሀ rows %d-%d", lt, lb, et, eb);
  g_assert_cmpint(ABS(lb - eb), <=, 2);
  g_assert_cmpint(ABS((lb - lt) - (eb - et)), <=, (lb - lt) / 8);
  board_close(&b);
}

/* Compares the ink of columns [x, x + w) of two boards, rows 200..400. */
static int differing_pixels(const Board *a, int ax, const Board *b, int bx,
                            int w)
{
  int n = 0;

  for (int y = 200; y < 400; y++)
    for (int x = 0; x < w; x++)
      n += inked(a, ax + x, y) != inked(b, bx + x, y);
  return n;
}

static int ink_count(const Board *b, int x0, int w)
{
  int n = 0;

  for (int y = 200; y < 400; y++)
    for (int x = x0; x < x0 + w; x++)
      n += inked(b, x, y);
  return n;
}

/* The appointment code and a name inside an Arabic sentence: pieces of
 * their own, left to right, left of the Arabic that precedes them, and
 * drawn exactly as when they stand alone. */
static void test_ltr_inside_rtl(void)
{
  const char *text = "رمز الموعد 48213907 للسيدة Amira Haddad";
  const char *parts[] = {"48213907", "Amira Haddad"};
  Board line, alone;
  TTF_Font *font;
  g_autoptr(GArray) pieces = NULL;
  const UiTextPiece *code, *name, *first;

  board_open(&line);
  font = ui_canvas_font(line.canvas, UI_FONT_REGULAR, 40);
  pieces = ui_text_pieces(font, text);
  code = find_piece(pieces, text, parts[0]);
  name = find_piece(pieces, text, parts[1]);
  first = find_piece(pieces, text, "رمز الموعد ");
  g_assert_false(code->rtl);
  g_assert_false(name->rtl);
  g_assert_true(first->rtl);
  /* Right to left: the sentence starts at the right, the name ends it. */
  g_assert_cmpint(name->x, <, code->x);
  g_assert_cmpint(code->x, <, first->x);
  g_assert_true(ui_text_is_rtl(text));
  ui_draw_text(line.canvas, font, (UiColor){0, 0, 0, 255}, 100, 300, 0,
               UI_ALIGN_LEFT, text);
  for (gsize i = 0; i < G_N_ELEMENTS(parts); i++) {
    const UiTextPiece *p = i == 0 ? code : name;

    board_open(&alone);
    ui_draw_text(alone.canvas,
                 ui_canvas_font(alone.canvas, UI_FONT_REGULAR, 40),
                 (UiColor){0, 0, 0, 255}, 100, 300, 0, UI_ALIGN_LEFT, parts[i]);
    g_assert_cmpint(ink_count(&alone, 100, p->width), >, 200);
    g_assert_cmpint(differing_pixels(&line, 100 + p->x, &alone, 100, p->width),
                    ==, 0);
    /* Reversed digits would not match: the comparison can fail. */
    if (i == 0) {
      board_close(&alone);
      board_open(&alone);
      ui_draw_text(
          alone.canvas, ui_canvas_font(alone.canvas, UI_FONT_REGULAR, 40),
          (UiColor){0, 0, 0, 255}, 100, 300, 0, UI_ALIGN_LEFT, "70931284");
      g_assert_cmpint(
          differing_pixels(&line, 100 + p->x, &alone, 100, p->width), >, 100);
    }
    board_close(&alone);
  }
  board_close(&line);
}

/* A device's English state in brackets inside an Arabic footer keeps its
 * closing bracket: one left-to-right piece, leftmost. */
static void test_brackets_inside_rtl(void)
{
  const char *text = "لوحة التوقيع: simulated signature pad (sim · ready)";
  TTF_Font *font = ui_fonts_get(fonts, UI_FONT_REGULAR, 22);
  g_autoptr(GArray) pieces = ui_text_pieces(font, text);
  const UiTextPiece *device =
      find_piece(pieces, text, "simulated signature pad (sim · ready)");

  g_assert_false(device->rtl);
  g_assert_cmpint(device->x, ==, 0);
}

/* Columns between the first and the last inked one that hold no ink. */
static int ink_gaps(const char *text)
{
  Board b;
  int first = -1, last = -1, gaps = 0;
  gboolean col[W] = {FALSE};

  board_open(&b);
  ui_draw_text(b.canvas, ui_canvas_font(b.canvas, UI_FONT_REGULAR, 60),
               (UiColor){0, 0, 0, 255}, 100, 300, 0, UI_ALIGN_LEFT, text);
  for (int x = 0; x < W; x++) {
    for (int y = 250; y < 450 && !col[x]; y++)
      col[x] = inked(&b, x, y);
    if (col[x]) {
      first = first < 0 ? x : first;
      last = x;
    }
  }
  for (int x = first; x >= 0 && x <= last; x++)
    gaps += !col[x];
  board_close(&b);
  return gaps;
}

/* "محمد" joins every letter to the next: one stroke along the baseline.
 * The same letters with spaces between stand apart. */
static void test_arabic_joined(void)
{
  g_assert_cmpint(ink_gaps("محمد"), ==, 0);
  g_assert_cmpint(ink_gaps("م ح م د"), >, 20);
}

/* ---- a mirrored screen ---- */

static SDL_Point pressed_at(Ui *ui, const char *target)
{
  SDL_Event ev;
  KioskIntent intent;

  g_assert_true(ui_press(ui, target));
  g_assert_cmpint(
      SDL_PeepEvents(&ev, 1, SDL_PEEKEVENT, SDL_FINGERDOWN, SDL_FINGERDOWN), ==,
      1);
  /* The press reaches what was drawn there. */
  g_assert_true(ui_next_intent(ui, 200, &intent));
  if (intent.type == INTENT_KEY)
    g_assert_cmpint(intent.key, ==, target[0]);
  else
    g_assert_cmpstr(intent.button, ==, target);
  return (SDL_Point){(int)(ev.tfinger.x * W), (int)(ev.tfinger.y * H)};
}

static KioskView checkin_view(gboolean rtl)
{
  KioskView v = {0};

  v.screen = VIEW_CHECKIN;
  v.rtl = rtl;
  v.title = rtl ? "مرحبًا بكم. يُرجى إدخال رمز الموعد" : "Welcome";
  v.lines[v.n_lines++] = rtl ? "رمز الموعد موجود في رسالة التأكيد" : "Code";
  v.entry = "4821";
  v.entry_max = 8;
  v.buttons[0] = (ViewButton){"help", "Help", FALSE, TRUE};
  v.n_buttons = 1;
  return v;
}

static void test_mirrored_screen(void)
{
  UiOptions options = {.width = W, .height = H, .headless = TRUE};
  g_autoptr(GError) error = NULL;
  g_autoptr(Ui) ui = ui_new(&options, &error);
  g_autofree char *png = testlib_build_path("fonts-checkin-rtl.png");
  KioskView ltr = checkin_view(FALSE), rtl = checkin_view(TRUE);
  SDL_Point one, three, help, l_one, l_help;

  g_assert_no_error(error);
  ui_render(ui, &ltr);
  l_one = pressed_at(ui, "1");
  l_help = pressed_at(ui, "help");
  ui_render(ui, &rtl);
  one = pressed_at(ui, "1");
  three = pressed_at(ui, "3");
  help = pressed_at(ui, "help");
  g_test_message("1 at %d (ltr %d), 3 at %d, help at %d (ltr %d)", one.x,
                 l_one.x, three.x, help.x, l_help.x);
  /* The keypad moved to the left half, keys still 1 2 3 left to right. */
  g_assert_cmpint(l_one.x, >, W / 2);
  g_assert_cmpint(one.x, <, W / 2);
  g_assert_cmpint(one.x, <, three.x);
  /* Everything else is the mirror image. */
  g_assert_cmpint(ABS(help.x - (W - l_help.x)), <=, 1);
  g_assert_cmpint(help.y, ==, l_help.y);
  g_assert_true(ui_screenshot(ui, png, &error));
  g_assert_no_error(error);
}

int main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  setlocale(LC_ALL, "");
  g_test_init(&argc, &argv, NULL);
  if (!i18n_init("en"))
    testlib_skip_all("no catalogues in %s", i18n_locale_dir());
  g_assert_cmpint(TTF_Init(), ==, 0);
  fonts = ui_fonts_new(BK_FONT_PATH, NULL, NULL, &error);
  g_assert_no_error(error);
  g_test_add_func("/fonts/catalogues-covered", test_catalogues_covered);
  g_test_add_func("/fonts/primary-lacks-ethiopic", test_primary_lacks_ethiopic);
  g_test_add_func("/fonts/missing-face", test_missing_face);
  g_test_add_func("/fonts/same-baseline", test_same_baseline);
  g_test_add_func("/fonts/ltr-inside-rtl", test_ltr_inside_rtl);
  g_test_add_func("/fonts/brackets-inside-rtl", test_brackets_inside_rtl);
  g_test_add_func("/fonts/arabic-joined", test_arabic_joined);
  g_test_add_func("/fonts/mirrored-screen", test_mirrored_screen);
  status = g_test_run();
  ui_fonts_free(fonts);
  TTF_Quit();
  return status;
}
