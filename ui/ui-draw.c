/* Drawing primitives for the screens (see ui-draw.h). Shapes are drawn as
 * horizontal spans computed here rather than with anti-aliased geometry, so
 * the software renderer gives byte-identical frames on every run; rendered
 * text is cached as textures because most of a screen stays the same from
 * one frame to the next (live view redraws the whole screen). */
#include "ui-draw.h"

#include <math.h>
#include <string.h>

#include "ui.h"

/* Dropping the whole cache beyond this keeps memory bounded without the
 * bookkeeping of an LRU; a screen uses a few dozen strings. */
#define TEXT_CACHE_MAX 400
#define MAX_LTR_BLOCKS 8

struct UiCanvas {
  SDL_Renderer *renderer;
  UiFonts *fonts;
  GHashTable *text_cache; /* key string -> CachedText */

  /* A right-to-left screen: layout coordinates are mirrored. */
  gboolean mirror;
  int width;
  SDL_Rect ltr_blocks[MAX_LTR_BLOCKS]; /* kept in reading order this frame */
  int n_ltr_blocks;
  int ltr_block; /* the one being drawn, -1 none */

  UiTextProbe probe; /* tests: sees every text before it is drawn */
  gpointer probe_data;
};

/* A rendered line: the texture and how far its top lies above the top of
 * the primary face's line (taller faces of other scripts reach higher). */
typedef struct {
  SDL_Texture *texture;
  int rise;
} CachedText;

/* A text's key holds the text (a name, say): wiped before it is freed. */
static void wipe_key(gpointer key)
{
  explicit_bzero(key, strlen(key));
  g_free(key);
}

static void destroy_text(gpointer data)
{
  CachedText *text = data;

  SDL_DestroyTexture(text->texture);
  g_free(text);
}

UiCanvas *ui_canvas_new_with_fonts(SDL_Renderer *renderer, UiFonts *fonts)
{
  UiCanvas *canvas;

  g_return_val_if_fail(renderer != NULL, NULL);
  g_return_val_if_fail(fonts != NULL, NULL);

  canvas = g_new0(UiCanvas, 1);
  canvas->renderer = renderer;
  canvas->fonts = fonts;
  canvas->text_cache =
      g_hash_table_new_full(g_str_hash, g_str_equal, wipe_key, destroy_text);
  canvas->ltr_block = -1;
  return canvas;
}

void ui_canvas_forget_texts(UiCanvas *canvas)
{
  g_hash_table_remove_all(canvas->text_cache);
}

gboolean ui_canvas_keeps_text(UiCanvas *canvas, const char *needle)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init(&iter, canvas->text_cache);
  while (g_hash_table_iter_next(&iter, &key, NULL))
    if (strstr(key, needle))
      return TRUE;
  return FALSE;
}

UiCanvas *ui_canvas_new(SDL_Renderer *renderer, const char *font_path,
                        GError **error)
{
  UiFonts *fonts;

  g_return_val_if_fail(renderer != NULL, NULL);
  g_return_val_if_fail(font_path != NULL, NULL);

  fonts = ui_fonts_new(font_path, NULL, NULL, error);
  return fonts ? ui_canvas_new_with_fonts(renderer, fonts) : NULL;
}

void ui_canvas_free(UiCanvas *canvas)
{
  if (!canvas)
    return;
  g_clear_pointer(&canvas->text_cache, g_hash_table_unref);
  ui_fonts_free(canvas->fonts);
  g_free(canvas);
}

TTF_Font *ui_canvas_font(UiCanvas *canvas, UiFontStyle style, int size)
{
  return ui_fonts_get(canvas->fonts, style, size);
}

UiFonts *ui_canvas_fonts(UiCanvas *canvas)
{
  return canvas->fonts;
}

void ui_canvas_set_text_probe(UiCanvas *canvas, UiTextProbe probe,
                              gpointer user_data)
{
  canvas->probe = probe;
  canvas->probe_data = user_data;
}

/* ---- mirroring ---- */

void ui_canvas_set_mirror(UiCanvas *canvas, gboolean mirror, int width)
{
  canvas->mirror = mirror;
  canvas->width = width;
  canvas->n_ltr_blocks = 0;
  canvas->ltr_block = -1;
}

gboolean ui_canvas_mirrored(UiCanvas *canvas)
{
  return canvas->mirror;
}

void ui_canvas_keep_ltr(UiCanvas *canvas, const SDL_Rect *block)
{
  canvas->ltr_block = -1;
  if (!block || !canvas->mirror || canvas->n_ltr_blocks == MAX_LTR_BLOCKS)
    return;
  canvas->ltr_blocks[canvas->n_ltr_blocks] = *block;
  canvas->ltr_block = canvas->n_ltr_blocks++;
}

/* Layout x to screen x for a rectangle inside `block` (moved as a whole,
 * not mirrored) or anywhere else (mirrored). */
static SDL_Rect place_in(const UiCanvas *canvas, SDL_Rect rect, int block)
{
  if (!canvas->mirror)
    return rect;
  if (block >= 0) {
    const SDL_Rect *b = &canvas->ltr_blocks[block];

    rect.x += canvas->width - 2 * b->x - b->w;
  } else {
    rect.x = canvas->width - rect.x - rect.w;
  }
  return rect;
}

static SDL_Rect place(const UiCanvas *canvas, SDL_Rect rect)
{
  return place_in(canvas, rect, canvas->ltr_block);
}

SDL_Rect ui_canvas_place(UiCanvas *canvas, SDL_Rect rect)
{
  for (int i = 0; i < canvas->n_ltr_blocks; i++) {
    SDL_Rect inside;

    if (SDL_IntersectRect(&rect, &canvas->ltr_blocks[i], &inside) &&
        SDL_RectEquals(&inside, &rect))
      return place_in(canvas, rect, i);
  }
  return place_in(canvas, rect, -1);
}

void ui_canvas_clip(UiCanvas *canvas, const SDL_Rect *rect)
{
  SDL_Rect placed;

  if (rect)
    placed = place(canvas, *rect);
  SDL_RenderSetClipRect(canvas->renderer, rect ? &placed : NULL);
}

static void set_color(UiCanvas *canvas, UiColor color)
{
  SDL_SetRenderDrawBlendMode(canvas->renderer, color.a == 255
                                                   ? SDL_BLENDMODE_NONE
                                                   : SDL_BLENDMODE_BLEND);
  SDL_SetRenderDrawColor(canvas->renderer, color.r, color.g, color.b, color.a);
}

void ui_draw_fill(UiCanvas *canvas, SDL_Rect rect, UiColor color)
{
  if (rect.w <= 0 || rect.h <= 0)
    return;
  rect = place(canvas, rect);
  set_color(canvas, color);
  SDL_RenderFillRect(canvas->renderer, &rect);
}

static void fill_span(UiCanvas *canvas, int x0, int x1, int y)
{
  SDL_Rect span = {x0, y, x1 - x0, 1};

  if (span.w > 0)
    SDL_RenderFillRect(canvas->renderer, &span);
}

/* Filled rounded rectangle in the current colour. */
static void fill_round(UiCanvas *canvas, SDL_Rect rect, int radius)
{
  SDL_Rect middle;

  if (rect.w <= 0 || rect.h <= 0)
    return;
  radius = MIN(radius, MIN(rect.w, rect.h) / 2);
  if (radius <= 0) {
    SDL_RenderFillRect(canvas->renderer, &rect);
    return;
  }
  for (int i = 0; i < radius; i++) {
    /* Distance from the corner circle's centre to this row's middle. */
    double dy = radius - i - 0.5;
    int inset = (int)lround(radius - sqrt((double)radius * radius - dy * dy));

    fill_span(canvas, rect.x + inset, rect.x + rect.w - inset, rect.y + i);
    fill_span(canvas, rect.x + inset, rect.x + rect.w - inset,
              rect.y + rect.h - 1 - i);
  }
  middle = (SDL_Rect){rect.x, rect.y + radius, rect.w, rect.h - 2 * radius};
  if (middle.h > 0)
    SDL_RenderFillRect(canvas->renderer, &middle);
}

void ui_draw_round_rect(UiCanvas *canvas, SDL_Rect rect, int radius,
                        UiColor fill, int border, UiColor edge)
{
  rect = place(canvas, rect);
  if (border > 0) {
    SDL_Rect inner = {rect.x + border, rect.y + border, rect.w - 2 * border,
                      rect.h - 2 * border};

    set_color(canvas, edge);
    fill_round(canvas, rect, radius);
    set_color(canvas, fill);
    fill_round(canvas, inner, MAX(0, radius - border));
  } else {
    set_color(canvas, fill);
    fill_round(canvas, rect, radius);
  }
}

void ui_draw_ring(UiCanvas *canvas, SDL_Rect rect, int thickness, UiColor color)
{
  double cx, cy, a, b, ai, bi;

  rect = place(canvas, rect);
  cx = rect.x + rect.w / 2.0;
  cy = rect.y + rect.h / 2.0;
  a = rect.w / 2.0;
  b = rect.h / 2.0;
  ai = a - thickness;
  bi = b - thickness;
  if (rect.w <= 0 || rect.h <= 0 || thickness <= 0)
    return;
  set_color(canvas, color);
  for (int y = rect.y; y < rect.y + rect.h; y++) {
    double py = y + 0.5 - cy;
    double xo, xi;

    if (fabs(py) >= b)
      continue;
    xo = a * sqrt(1.0 - (py * py) / (b * b));
    if (ai > 0 && bi > 0 && fabs(py) < bi) {
      xi = ai * sqrt(1.0 - (py * py) / (bi * bi));
      fill_span(canvas, (int)lround(cx - xo), (int)lround(cx - xi), y);
      fill_span(canvas, (int)lround(cx + xi), (int)lround(cx + xo), y);
    } else {
      fill_span(canvas, (int)lround(cx - xo), (int)lround(cx + xo), y);
    }
  }
}

/* ---- text: directions and faces ----
 * SDL_ttf shapes with HarfBuzz but does no bidi and no font fallback:
 * Arabic drawn as is comes out in reversed order with unjoined letters, and
 * Ethiopic in DejaVu Sans as empty boxes. Text that needs it is therefore
 * cut into pieces of one direction and one face: first into runs of one
 * direction (digits and Latin names inside Arabic stay left to right), then
 * each run where the face changes (ui-fonts.c says which script takes
 * which). Each piece is shaped with its direction and script, and the
 * pieces are put in visual order by their bidi levels. A simplified bidi,
 * enough for sentences with embedded names and numbers; text the primary
 * face draws alone, left to right, takes the plain path unchanged. */

typedef enum {
  DIR_NEUTRAL,
  DIR_LTR,
  DIR_RTL,
} CharDir;

typedef struct {
  gsize start; /* byte offsets into the text */
  gsize len;
  gboolean rtl;
} TextRun;

static gboolean script_is_rtl(GUnicodeScript script)
{
  switch (script) {
  case G_UNICODE_SCRIPT_ARABIC:
  case G_UNICODE_SCRIPT_HEBREW:
  case G_UNICODE_SCRIPT_SYRIAC:
  case G_UNICODE_SCRIPT_THAANA:
  case G_UNICODE_SCRIPT_NKO:
  case G_UNICODE_SCRIPT_SAMARITAN:
  case G_UNICODE_SCRIPT_MANDAIC:
  case G_UNICODE_SCRIPT_ADLAM:
    return TRUE;
  default:
    return FALSE;
  }
}

static gboolean script_is_neutral(GUnicodeScript script)
{
  return script == G_UNICODE_SCRIPT_COMMON ||
         script == G_UNICODE_SCRIPT_INHERITED ||
         script == G_UNICODE_SCRIPT_UNKNOWN;
}

static CharDir char_dir(gunichar c)
{
  GUnicodeScript script;

  /* Numbers read left to right in every script. */
  if (g_unichar_isdigit(c))
    return DIR_LTR;
  if (!g_unichar_isalpha(c))
    return DIR_NEUTRAL;
  script = g_unichar_get_script(c);
  if (script_is_neutral(script))
    return DIR_NEUTRAL;
  return script_is_rtl(script) ? DIR_RTL : DIR_LTR;
}

/* TRUE when `text` needs pieces: right-to-left letters, or letters that
 * another face than `font` draws. */
static gboolean text_needs_pieces(TTF_Font *font, const char *text)
{
  for (const char *p = text; *p; p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);
    GUnicodeScript script;

    if (c < 0x80)
      continue;
    if (char_dir(c) == DIR_RTL)
      return TRUE;
    script = g_unichar_get_script(c);
    if (!script_is_neutral(script) && ui_fonts_for_script(font, script) != font)
      return TRUE;
  }
  return FALSE;
}

static gboolean text_base_rtl(const char *text)
{
  /* The paragraph takes the direction of its first letter (not digit). */
  for (const char *p = text; *p; p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);
    CharDir d = char_dir(c);

    if (d != DIR_NEUTRAL && !g_unichar_isdigit(c))
      return d == DIR_RTL;
  }
  return FALSE;
}

/* Where a run against the paragraph's direction ends when neutrals follow
 * it from `neutral` on: before them, except that closing brackets closing
 * one opened inside the run stay with it ("(sim · ready)" in Arabic keeps
 * its brackets; Unicode's rule N0, simplified). */
static gsize run_split(const char *text, gsize start, gsize neutral)
{
  const char *p;
  int open = 0;

  for (p = text + start; p < text + neutral; p = g_utf8_next_char(p)) {
    GUnicodeType type = g_unichar_type(g_utf8_get_char(p));

    if (type == G_UNICODE_OPEN_PUNCTUATION)
      open++;
    else if (type == G_UNICODE_CLOSE_PUNCTUATION && open > 0)
      open--;
  }
  for (; *p && open > 0 &&
         g_unichar_type(g_utf8_get_char(p)) == G_UNICODE_CLOSE_PUNCTUATION;
       p = g_utf8_next_char(p))
    open--;
  return (gsize)(p - text);
}

/* Splits `text` into runs of one direction in logical order. Neutrals
 * (spaces, punctuation) stay with the run they follow, except after a run
 * against the paragraph direction, where they belong to the paragraph's
 * side. */
static GArray *text_runs(const char *text, gboolean base_rtl)
{
  GArray *runs = g_array_new(FALSE, TRUE, sizeof(TextRun));
  gboolean have_strong = FALSE;
  TextRun cur = {0, 0, base_rtl};
  gssize neutral_start = -1;
  gsize end = strlen(text);

  for (const char *p = text; *p; p = g_utf8_next_char(p)) {
    CharDir d = char_dir(g_utf8_get_char(p));
    gsize off = (gsize)(p - text);

    if (d == DIR_NEUTRAL) {
      if (neutral_start < 0)
        neutral_start = (gssize)off;
      continue;
    }
    if (!have_strong) {
      have_strong = TRUE;
      cur.rtl = d == DIR_RTL;
    } else if ((d == DIR_RTL) != cur.rtl) {
      gsize split = off;

      if (cur.rtl != base_rtl && neutral_start >= 0)
        split = run_split(text, cur.start, (gsize)neutral_start);
      cur.len = split - cur.start;
      g_array_append_val(runs, cur);
      cur = (TextRun){split, 0, d == DIR_RTL};
    }
    neutral_start = -1;
  }
  if (cur.rtl != base_rtl && neutral_start >= 0)
    neutral_start = (gssize)run_split(text, cur.start, (gsize)neutral_start);
  if (cur.rtl != base_rtl && neutral_start >= 0 && (gsize)neutral_start < end) {
    TextRun tail = {(gsize)neutral_start, end - (gsize)neutral_start, base_rtl};

    cur.len = (gsize)neutral_start - cur.start;
    g_array_append_val(runs, cur);
    g_array_append_val(runs, tail);
  } else {
    cur.len = end - cur.start;
    g_array_append_val(runs, cur);
  }
  return runs;
}

/* The face for character `c` in a piece drawn so far with `current` (NULL
 * at a run's start): its script's face for letters; for spaces,
 * punctuation, digits and marks the current face when that has the glyph
 * (so that shaping is not cut), else the primary face. */
static TTF_Font *char_font(TTF_Font *primary, TTF_Font *current, gunichar c)
{
  GUnicodeScript script = g_unichar_get_script(c);

  if (!script_is_neutral(script))
    return ui_fonts_for_script(primary, script);
  if (current && (script == G_UNICODE_SCRIPT_INHERITED ||
                  g_unichar_type(c) == G_UNICODE_FORMAT ||
                  TTF_GlyphIsProvided32(current, c)))
    return current;
  return primary;
}

static void piece_close(GArray *pieces, UiTextPiece *cur, gsize end)
{
  if (!cur->font)
    return;
  cur->len = end - cur->start;
  g_array_append_val(pieces, *cur);
}

/* Cuts one direction run into pieces of one face, appended in logical
 * order. */
static void run_pieces(TTF_Font *primary, const char *text, const TextRun *run,
                       int level, GArray *pieces)
{
  UiTextPiece cur = {0};
  gsize end = run->start + run->len;

  for (const char *p = text + run->start; p < text + end;
       p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);
    TTF_Font *f = char_font(primary, cur.font, c);
    GUnicodeScript script = g_unichar_get_script(c);

    if (f != cur.font) {
      piece_close(pieces, &cur, (gsize)(p - text));
      cur = (UiTextPiece){.start = (gsize)(p - text),
                          .rtl = level % 2 == 1,
                          .level = level,
                          .script = G_UNICODE_SCRIPT_COMMON,
                          .font = f};
    }
    if (cur.script == G_UNICODE_SCRIPT_COMMON && !script_is_neutral(script))
      cur.script = script;
  }
  piece_close(pieces, &cur, end);
}

/* A right-to-left piece with no letter (a bracket or colon the script's
 * face lacks, drawn by the primary face): HarfBuzz leaves its brackets
 * unmirrored without a script, so it is reversed and mirrored here and
 * shaped left to right. */
static gboolean piece_flipped(const UiTextPiece *piece)
{
  return piece->rtl && piece->script == G_UNICODE_SCRIPT_COMMON;
}

/* The text a piece is shaped from (g_free). */
static char *piece_text(const char *text, const UiTextPiece *piece)
{
  const char *start = text + piece->start;
  const char *p = start + piece->len;
  GString *out;

  if (!piece_flipped(piece))
    return g_strndup(start, piece->len);
  out = g_string_new(NULL);
  while (p > start) {
    gunichar c, mirror;

    p = g_utf8_prev_char(p);
    c = g_utf8_get_char(p);
    g_string_append_unichar(out,
                            g_unichar_get_mirror_char(c, &mirror) ? mirror : c);
  }
  return g_string_free(out, FALSE);
}

/* Sets `font` up for one piece; text_font_reset() restores SDL_ttf's
 * defaults ("Zzzz" lets HarfBuzz guess the script, as a fresh font does),
 * so cached fonts render other text exactly as before. */
static void text_font_set(const UiTextPiece *piece)
{
  guint32 tag = g_unicode_script_to_iso15924(piece->script);
  char name[5] = {(char)(tag >> 24), (char)(tag >> 16), (char)(tag >> 8),
                  (char)tag, 0};

  TTF_SetFontDirection(piece->font, piece->rtl && !piece_flipped(piece)
                                        ? TTF_DIRECTION_RTL
                                        : TTF_DIRECTION_LTR);
  if (piece->script == G_UNICODE_SCRIPT_COMMON ||
      TTF_SetFontScriptName(piece->font, name) != 0)
    TTF_SetFontScriptName(piece->font, "Zzzz");
}

static void text_font_reset(TTF_Font *font)
{
  TTF_SetFontDirection(font, TTF_DIRECTION_LTR);
  TTF_SetFontScriptName(font, "Zzzz");
}

static int piece_width(const char *text, const UiTextPiece *piece)
{
  g_autofree char *part = piece_text(text, piece);
  int w = 0, h = 0;

  text_font_set(piece);
  if (TTF_SizeUTF8(piece->font, part, &w, &h) != 0)
    w = 0;
  text_font_reset(piece->font);
  return w;
}

/* Unicode's rule L2: from the highest level down to the lowest odd one,
 * reverses every sequence of pieces at that level or higher. */
static void pieces_reorder(GArray *pieces)
{
  int high = 0, low_odd = G_MAXINT;

  for (guint i = 0; i < pieces->len; i++) {
    int level = g_array_index(pieces, UiTextPiece, i).level;

    high = MAX(high, level);
    if (level % 2)
      low_odd = MIN(low_odd, level);
  }
  for (int level = high; level >= low_odd; level--) {
    for (guint i = 0; i < pieces->len;) {
      guint j = i;

      while (j < pieces->len &&
             g_array_index(pieces, UiTextPiece, j).level >= level)
        j++;
      for (guint a = i, b = j; a + 1 < b; a++, b--) {
        UiTextPiece t = g_array_index(pieces, UiTextPiece, a);

        g_array_index(pieces, UiTextPiece, a) =
            g_array_index(pieces, UiTextPiece, b - 1);
        g_array_index(pieces, UiTextPiece, b - 1) = t;
      }
      i = j > i ? j : i + 1;
    }
  }
}

GArray *ui_text_pieces(TTF_Font *font, const char *text)
{
  GArray *pieces = g_array_new(FALSE, TRUE, sizeof(UiTextPiece));
  gboolean base_rtl;
  g_autoptr(GArray) runs = NULL;
  int x = 0;

  g_return_val_if_fail(font != NULL, pieces);
  if (!text || !*text)
    return pieces;
  if (!text_needs_pieces(font, text)) {
    UiTextPiece whole = {
        0, strlen(text), FALSE, 0, G_UNICODE_SCRIPT_COMMON, font, 0, 0};

    whole.width = ui_text_width(font, text);
    g_array_append_val(pieces, whole);
    return pieces;
  }
  base_rtl = text_base_rtl(text);
  runs = text_runs(text, base_rtl);
  for (guint i = 0; i < runs->len; i++) {
    const TextRun *run = &g_array_index(runs, TextRun, i);

    run_pieces(font, text, run, run->rtl ? 1 : (base_rtl ? 2 : 0), pieces);
  }
  pieces_reorder(pieces);
  for (guint i = 0; i < pieces->len; i++) {
    UiTextPiece *piece = &g_array_index(pieces, UiTextPiece, i);

    piece->x = x;
    piece->width = piece_width(text, piece);
    x += piece->width;
  }
  return pieces;
}

gboolean ui_text_is_rtl(const char *text)
{
  return text && *text && text_base_rtl(text);
}

int ui_text_width(TTF_Font *font, const char *text)
{
  int w = 0, h = 0;

  if (!text || !*text)
    return 0;
  if (text_needs_pieces(font, text)) {
    g_autoptr(GArray) pieces = ui_text_pieces(font, text);
    const UiTextPiece *last =
        &g_array_index(pieces, UiTextPiece, pieces->len - 1);

    return last->x + last->width;
  }
  if (TTF_SizeUTF8(font, text, &w, &h) != 0)
    return 0;
  return w;
}

/* Renders text in pieces, each shaped on its own with its face, placed in
 * visual order on a common baseline. The surface reaches as high and as
 * low as the tallest face used; *ret_rise says how far its top lies above
 * the top of `font`'s line. */
static SDL_Surface *render_pieces(TTF_Font *font, const char *text,
                                  SDL_Color color, int *ret_rise)
{
  g_autoptr(GArray) pieces = ui_text_pieces(font, text);
  const UiTextPiece *last =
      &g_array_index(pieces, UiTextPiece, pieces->len - 1);
  int ascent = TTF_FontAscent(font), descent = -TTF_FontDescent(font);
  SDL_Surface *out;

  for (guint i = 0; i < pieces->len; i++) {
    TTF_Font *f = g_array_index(pieces, UiTextPiece, i).font;

    ascent = MAX(ascent, TTF_FontAscent(f));
    descent = MAX(descent, -TTF_FontDescent(f));
  }
  out = SDL_CreateRGBSurfaceWithFormat(0, MAX(last->x + last->width, 1),
                                       MAX(ascent + descent, 1), 32,
                                       SDL_PIXELFORMAT_ARGB8888);
  if (!out)
    return NULL;
  SDL_FillRect(out, NULL, 0);
  for (guint i = 0; i < pieces->len; i++) {
    const UiTextPiece *piece = &g_array_index(pieces, UiTextPiece, i);
    g_autofree char *part = piece_text(text, piece);
    SDL_Surface *surface;

    text_font_set(piece);
    surface = *part ? TTF_RenderUTF8_Blended(piece->font, part, color) : NULL;
    text_font_reset(piece->font);
    if (surface) {
      SDL_Rect dst = {piece->x, ascent - TTF_FontAscent(piece->font),
                      surface->w, surface->h};

      /* Copy, alpha included: the pieces do not overlap. */
      SDL_SetSurfaceBlendMode(surface, SDL_BLENDMODE_NONE);
      SDL_BlitSurface(surface, NULL, out, &dst);
      SDL_FreeSurface(surface);
    }
  }
  *ret_rise = ascent - TTF_FontAscent(font);
  return out;
}

static const CachedText *text_texture(UiCanvas *canvas, TTF_Font *font,
                                      UiColor color, const char *text)
{
  g_autofree char *key = g_strdup_printf(
      "%p|%02x%02x%02x%02x|%s", font, color.r, color.g, color.b, color.a, text);
  CachedText *cached = g_hash_table_lookup(canvas->text_cache, key);
  SDL_Color sdl_color = {color.r, color.g, color.b, color.a};
  SDL_Surface *surface;
  int rise = 0;

  if (cached)
    return cached;
  if (text_needs_pieces(font, text))
    surface = render_pieces(font, text, sdl_color, &rise);
  else
    surface = TTF_RenderUTF8_Blended(font, text, sdl_color);
  if (!surface) {
    g_debug("ui: text rendering failed: %s", TTF_GetError());
    return NULL;
  }
  cached = g_new0(CachedText, 1);
  cached->rise = rise;
  cached->texture = SDL_CreateTextureFromSurface(canvas->renderer, surface);
  SDL_FreeSurface(surface);
  if (!cached->texture) {
    g_debug("ui: text texture failed: %s", SDL_GetError());
    g_free(cached);
    return NULL;
  }
  SDL_SetTextureBlendMode(cached->texture, SDL_BLENDMODE_BLEND);
  if (g_hash_table_size(canvas->text_cache) >= TEXT_CACHE_MAX)
    g_hash_table_remove_all(canvas->text_cache);
  g_hash_table_insert(canvas->text_cache, g_steal_pointer(&key), cached);
  return cached;
}

/* ---- text audit ---- */

static UiTextAuditFunc audit_func;
static gpointer audit_data;

void ui_text_set_audit(UiTextAuditFunc func, gpointer data)
{
  audit_func = func;
  audit_data = data;
}

void ui_text_report(UiTextFit fit, const char *text)
{
  UiTextEvent event = {fit, text, {0, 0, 0, 0}, 0};

  if (audit_func)
    audit_func(&event, audit_data);
}

/* Where a line drawn at `dst` has ink (alpha above zero): its rendering
 * is taller than the line for faces with high marks, and only the ink
 * matters to a reader. Rendered once more: the audit's slow path. */
static SDL_Rect ink_rect(TTF_Font *font, const char *text, SDL_Rect dst)
{
  SDL_Color black = {0, 0, 0, 255};
  int rise = 0, x0 = G_MAXINT, y0 = G_MAXINT, x1 = -1, y1 = -1;
  SDL_Surface *s = text_needs_pieces(font, text)
                       ? render_pieces(font, text, black, &rise)
                       : TTF_RenderUTF8_Blended(font, text, black);

  if (!s)
    return dst;
  SDL_LockSurface(s);
  for (int y = 0; y < s->h; y++) {
    for (int x = 0; x < s->w; x++) {
      Uint8 r, g, b, a;

      SDL_GetRGBA(*(Uint32 *)((Uint8 *)s->pixels + y * s->pitch + x * 4),
                  s->format, &r, &g, &b, &a);
      if (a == 0)
        continue;
      x0 = MIN(x0, x), x1 = MAX(x1, x), y0 = MIN(y0, y), y1 = MAX(y1, y);
    }
  }
  SDL_UnlockSurface(s);
  SDL_FreeSurface(s);
  if (x1 < 0)
    return (SDL_Rect){dst.x, dst.y, 0, 0};
  return (SDL_Rect){dst.x + x0, dst.y + y0, x1 - x0 + 1, y1 - y0 + 1};
}

static gboolean rect_inside(SDL_Rect r, SDL_Rect bounds)
{
  SDL_Rect inside;

  return r.w == 0 || (SDL_IntersectRect(&r, &bounds, &inside) &&
                      SDL_RectEquals(&inside, &r));
}

/* Reports a line just drawn at `dst` into a box `width` wide (0: none):
 * clipped when its ink is wider than the box or not inside the clip
 * rectangle and the canvas; hyphenated when it ends in a word
 * ui_text_wrap() broke. */
static void audit_drawn(UiCanvas *canvas, TTF_Font *font, const char *text,
                        SDL_Rect dst, int width)
{
  SDL_Rect bounds = {0, 0, 0, 0}, ink;
  UiTextEvent event = {UI_TEXT_DRAWN, text, dst, TTF_FontHeight(font)};
  gsize len = strlen(text);

  audit_func(&event, audit_data);
  SDL_GetRendererOutputSize(canvas->renderer, &bounds.w, &bounds.h);
  if (SDL_RenderIsClipEnabled(canvas->renderer))
    SDL_RenderGetClipRect(canvas->renderer, &bounds);
  event.fit = UI_TEXT_CLIPPED;
  if ((width > 0 && dst.w > width) || !rect_inside(dst, bounds)) {
    ink = ink_rect(font, text, dst);
    if ((width > 0 && ink.w > width) || !rect_inside(ink, bounds)) {
      event.rect = ink;
      audit_func(&event, audit_data);
    }
  }
  event.fit = UI_TEXT_HYPHENATED;
  if (len > 1 && text[len - 1] == '-' &&
      g_unichar_isalpha(g_utf8_get_char(g_utf8_prev_char(text + len - 1))))
    audit_func(&event, audit_data);
}

int ui_draw_text(UiCanvas *canvas, TTF_Font *font, UiColor color, int x, int y,
                 int width, UiAlign align, const char *text)
{
  const CachedText *cached;
  SDL_Rect dst = {x, y, 0, 0};

  if (!text || !*text)
    return 0;
  cached = text_texture(canvas, font, color, text);
  if (!cached)
    return 0;
  SDL_QueryTexture(cached->texture, NULL, NULL, &dst.w, &dst.h);
  dst.y -= cached->rise;
  /* A right-to-left paragraph starts at the right edge of its box; on a
   * mirrored screen the mirror already puts the start on the right. */
  if (align == UI_ALIGN_LEFT && width > 0 && !canvas->mirror &&
      ui_text_is_rtl(text))
    align = UI_ALIGN_RIGHT;
  if (align == UI_ALIGN_CENTER)
    dst.x = x + (width - dst.w) / 2;
  else if (align == UI_ALIGN_RIGHT)
    dst.x = x + width - dst.w;
  dst = place(canvas, dst);
  if (canvas->probe) {
    UiFontStyle style = UI_FONT_REGULAR;
    int size = 0;

    ui_fonts_describe(font, &style, &size);
    canvas->probe(&dst, color, style, size, canvas->probe_data);
  }
  SDL_RenderCopy(canvas->renderer, cached->texture, NULL, &dst);
  if (audit_func)
    audit_drawn(canvas, font, text, dst, width);
  return dst.w;
}

/* A hyphen belongs between two letters of an alphabetic script; scripts
 * written without spaces (wide characters) break without one. */
static gboolean wants_hyphen(const char *before_end, const char *after)
{
  gunichar a = g_utf8_get_char(g_utf8_prev_char(before_end));
  gunichar b = g_utf8_get_char(after);

  return g_unichar_isalpha(a) && g_unichar_isalpha(b) && !g_unichar_iswide(a) &&
         !g_unichar_iswide(b);
}

/* Moves the longest prefix of `word` that fits `width` (at least one
 * character, so the loop always advances) into `lines`, hyphenated where
 * that reads right; returns the rest. */
static const char *wrap_split_word(TTF_Font *font, const char *word, int width,
                                   GPtrArray *lines)
{
  const char *end = g_utf8_next_char(word);
  const char *p = end;

  while (*p) {
    const char *next = g_utf8_next_char(p);
    g_autofree char *prefix = g_strndup(word, next - word);
    g_autofree char *hyphenated = g_strconcat(prefix, "-", NULL);

    if (ui_text_width(font, *next && wants_hyphen(next, next) ? hyphenated
                                                              : prefix) > width)
      break;
    end = next;
    p = next;
  }
  if (*end && wants_hyphen(end, end)) {
    g_autofree char *prefix = g_strndup(word, end - word);
    g_ptr_array_add(lines, g_strconcat(prefix, "-", NULL));
  } else {
    g_ptr_array_add(lines, g_strndup(word, end - word));
  }
  return end;
}

static void wrap_paragraph(TTF_Font *font, const char *para, int width,
                           GPtrArray *lines)
{
  g_auto(GStrv) words = g_strsplit(para, " ", -1);
  GString *current = g_string_new(NULL);

  for (int i = 0; words[i]; i++) {
    const char *word = words[i];
    g_autofree char *candidate = NULL;

    if (!*word)
      continue; /* runs of spaces collapse */
    candidate = current->len ? g_strconcat(current->str, " ", word, NULL)
                             : g_strdup(word);
    if (ui_text_width(font, candidate) <= width) {
      g_string_assign(current, candidate);
      continue;
    }
    if (current->len)
      g_ptr_array_add(lines, g_strdup(current->str));
    while (*word && ui_text_width(font, word) > width)
      word = wrap_split_word(font, word, width, lines);
    g_string_assign(current, word);
  }
  g_ptr_array_add(lines, g_string_free(current, FALSE));
}

char **ui_text_wrap(TTF_Font *font, const char *text, int width)
{
  GPtrArray *lines = g_ptr_array_new();

  if (text && *text) {
    g_auto(GStrv) paras = g_strsplit(text, "\n", -1);

    for (int i = 0; paras[i]; i++)
      wrap_paragraph(font, paras[i], MAX(width, 1), lines);
  }
  g_ptr_array_add(lines, NULL);
  return (char **)g_ptr_array_free(lines, FALSE);
}

int ui_draw_paragraph(UiCanvas *canvas, TTF_Font *font, UiColor color, int x,
                      int y, int width, UiAlign align, const char *text,
                      gboolean draw)
{
  g_auto(GStrv) lines = ui_text_wrap(font, text, width);
  int skip = TTF_FontLineSkip(font);
  int n = 0;

  for (; lines[n]; n++) {
    if (draw)
      ui_draw_text(canvas, font, color, x, y + n * skip, width, align,
                   lines[n]);
  }
  return n * skip;
}

static gboolean image_valid(const ViewImage *image)
{
  return image && image->pixels && image->width > 0 && image->height > 0 &&
         (image->channels == 1 || image->channels == 3 ||
          image->channels == 4) &&
         image->stride >= (gsize)image->width * image->channels;
}

gboolean ui_fit_size(int width, int height, SDL_Rect box, SDL_Rect *ret_rect)
{
  gint64 w, h;

  if (width <= 0 || height <= 0 || box.w <= 0 || box.h <= 0)
    return FALSE;
  /* Compare aspect ratios in integers: width/height against box w/h. */
  if ((gint64)width * box.h >= (gint64)box.w * height) {
    w = box.w;
    h = MAX(1, (gint64)height * box.w / width);
  } else {
    h = box.h;
    w = MAX(1, (gint64)width * box.h / height);
  }
  ret_rect->x = box.x + (box.w - (int)w) / 2;
  ret_rect->y = box.y + (box.h - (int)h) / 2;
  ret_rect->w = (int)w;
  ret_rect->h = (int)h;
  return TRUE;
}

/* Converts to XRGB8888, averaging `step` x `step` blocks first: shrinking a
 * camera frame by a large factor with plain sampling would alias badly, and
 * it keeps the texture small. */
static guint32 *image_to_xrgb(const ViewImage *image, int step, int *ret_w,
                              int *ret_h)
{
  int w = image->width / step, h = image->height / step;
  guint32 *out = g_new(guint32, (gsize)w * h);
  int n = step * step;

  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) {
      guint sum[3] = {0, 0, 0};

      for (int dy = 0; dy < step; dy++) {
        const guint8 *row =
            image->pixels + (gsize)(y * step + dy) * image->stride;
        for (int dx = 0; dx < step; dx++) {
          const guint8 *px = row + (gsize)(x * step + dx) * image->channels;

          if (image->channels == 1) {
            sum[0] += px[0];
            sum[1] += px[0];
            sum[2] += px[0];
          } else {
            sum[0] += px[0];
            sum[1] += px[1];
            sum[2] += px[2];
          }
        }
      }
      out[(gsize)y * w + x] =
          0xff000000u | (sum[0] / n) << 16 | (sum[1] / n) << 8 | (sum[2] / n);
    }
  }
  *ret_w = w;
  *ret_h = h;
  return out;
}

gboolean ui_draw_image(UiCanvas *canvas, const ViewImage *image, SDL_Rect box,
                       SDL_BlendMode blend, SDL_Rect *ret_rect)
{
  SDL_Rect dst;
  g_autofree guint32 *pixels = NULL;
  SDL_Texture *texture;
  int step, w, h;

  if (!image_valid(image) ||
      !ui_fit_size(image->width, image->height, box, &dst))
    return FALSE;
  step = MAX(1, MIN(image->width / dst.w, image->height / dst.h) / 2);
  pixels = image_to_xrgb(image, step, &w, &h);
  texture = SDL_CreateTexture(canvas->renderer, SDL_PIXELFORMAT_RGB888,
                              SDL_TEXTUREACCESS_STATIC, w, h);
  if (!texture) {
    g_debug("ui: image texture failed: %s", SDL_GetError());
    return FALSE;
  }
  SDL_UpdateTexture(texture, NULL, pixels, w * 4);
  SDL_SetTextureScaleMode(texture, SDL_ScaleModeLinear);
  SDL_SetTextureBlendMode(texture, blend);
  /* Mirrored screens place the picture, never flip it. */
  SDL_RenderCopy(canvas->renderer, texture, NULL,
                 &(SDL_Rect){place(canvas, dst).x, dst.y, dst.w, dst.h});
  SDL_DestroyTexture(texture);
  if (ret_rect)
    *ret_rect = dst;
  return TRUE;
}

/* A line `width` px wide as parallel one-pixel lines across it. */
static void thick_line(SDL_Renderer *r, int x0, int y0, int x1, int y1,
                       int width)
{
  int dx = x1 - x0, dy = y1 - y0;
  gboolean steep = ABS(dy) > ABS(dx);

  for (int o = -(width / 2); o < width - width / 2; o++) {
    if (steep)
      SDL_RenderDrawLine(r, x0 + o, y0, x1 + o, y1);
    else
      SDL_RenderDrawLine(r, x0, y0 + o, x1, y1 + o);
  }
}

void ui_draw_ink(UiCanvas *canvas, SDL_Rect box, const ViewInkPoint *points,
                 int n, UiColor color)
{
  SDL_Renderer *r = canvas->renderer;

  if (!points || n < 2)
    return;
  /* Mirrored screens move the writing area; the ink is not flipped. */
  box = place(canvas, box);
  SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
  SDL_SetRenderDrawColor(r, color.r, color.g, color.b, color.a);
  for (int i = 1; i < n; i++) {
    const ViewInkPoint *a = &points[i - 1], *b = &points[i];

    if (a->pressure <= 0 || b->pressure <= 0)
      continue;
    thick_line(r, box.x + (int)(a->x * box.w), box.y + (int)(a->y * box.h),
               box.x + (int)(b->x * box.w), box.y + (int)(b->y * box.h),
               2 + (int)(3 * CLAMP(b->pressure, 0.0f, 1.0f)));
  }
}
