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

struct UiCanvas {
  SDL_Renderer *renderer;
  char *regular_path;
  char *bold_path;        /* NULL: synthesise bold from the regular face */
  GHashTable *fonts;      /* GINT_TO_POINTER(style << 16 | size) -> TTF_Font */
  GHashTable *text_cache; /* key string -> SDL_Texture */
};

static void close_font(gpointer font)
{
  TTF_CloseFont(font);
}

static void destroy_texture(gpointer texture)
{
  SDL_DestroyTexture(texture);
}

static char *bold_path_for(const char *regular)
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

UiCanvas *ui_canvas_new(SDL_Renderer *renderer, const char *font_path,
                        GError **error)
{
  UiCanvas *canvas;
  TTF_Font *probe;

  g_return_val_if_fail(renderer != NULL, NULL);
  g_return_val_if_fail(font_path != NULL, NULL);

  probe = TTF_OpenFont(font_path, 20);
  if (!probe) {
    g_set_error(error, UI_ERROR, UI_ERROR_FONT, "cannot open font %s: %s",
                font_path, TTF_GetError());
    return NULL;
  }
  TTF_CloseFont(probe);

  canvas = g_new0(UiCanvas, 1);
  canvas->renderer = renderer;
  canvas->regular_path = g_strdup(font_path);
  canvas->bold_path = bold_path_for(font_path);
  canvas->fonts = g_hash_table_new_full(NULL, NULL, NULL, close_font);
  canvas->text_cache =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, destroy_texture);
  return canvas;
}

void ui_canvas_free(UiCanvas *canvas)
{
  if (!canvas)
    return;
  g_clear_pointer(&canvas->text_cache, g_hash_table_unref);
  g_clear_pointer(&canvas->fonts, g_hash_table_unref);
  g_free(canvas->regular_path);
  g_free(canvas->bold_path);
  g_free(canvas);
}

TTF_Font *ui_canvas_font(UiCanvas *canvas, UiFontStyle style, int size)
{
  gpointer key = GINT_TO_POINTER((int)style << 16 | (size & 0xffff));
  TTF_Font *font = g_hash_table_lookup(canvas->fonts, key);
  gboolean synth_bold = FALSE;

  if (font)
    return font;
  if (style == UI_FONT_BOLD && canvas->bold_path)
    font = TTF_OpenFont(canvas->bold_path, size);
  else
    synth_bold = style == UI_FONT_BOLD;
  if (!font)
    font = TTF_OpenFont(canvas->regular_path, size);
  /* The regular face opened in ui_canvas_new(); failing now means the file
   * went away under us, which is not something a kiosk can recover from. */
  if (!font)
    g_error("font %s vanished: %s", canvas->regular_path, TTF_GetError());
  if (synth_bold)
    TTF_SetFontStyle(font, TTF_STYLE_BOLD);
  g_hash_table_insert(canvas->fonts, key, font);
  return font;
}

void ui_canvas_clip(UiCanvas *canvas, const SDL_Rect *rect)
{
  SDL_RenderSetClipRect(canvas->renderer, rect);
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
  double cx = rect.x + rect.w / 2.0;
  double cy = rect.y + rect.h / 2.0;
  double a = rect.w / 2.0, b = rect.h / 2.0;
  double ai = a - thickness, bi = b - thickness;

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

/* ---- right-to-left text ----
 * SDL_ttf shapes with HarfBuzz but does no bidi: Arabic or Hebrew text
 * drawn as is comes out in reversed order with unjoined letters. Text that
 * contains right-to-left letters is therefore cut into runs of one
 * direction (digits and Latin names inside Arabic stay left-to-right), each
 * shaped with its direction and script, and the runs are placed in visual
 * order. A simplified bidi, enough for sentences with embedded names and
 * numbers; text without such letters takes the plain path unchanged. */

typedef enum {
  DIR_NEUTRAL,
  DIR_LTR,
  DIR_RTL,
} CharDir;

typedef struct {
  gsize start; /* byte offsets into the text */
  gsize len;
  gboolean rtl;
  GUnicodeScript script; /* of its first letter; COMMON when none */
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

static CharDir char_dir(gunichar c)
{
  GUnicodeScript script;

  /* Numbers read left to right in every script. */
  if (g_unichar_isdigit(c))
    return DIR_LTR;
  if (!g_unichar_isalpha(c))
    return DIR_NEUTRAL;
  script = g_unichar_get_script(c);
  if (script == G_UNICODE_SCRIPT_COMMON || script == G_UNICODE_SCRIPT_INHERITED)
    return DIR_NEUTRAL;
  return script_is_rtl(script) ? DIR_RTL : DIR_LTR;
}

static gboolean text_has_rtl(const char *text)
{
  for (const char *p = text; *p; p = g_utf8_next_char(p)) {
    if (char_dir(g_utf8_get_char(p)) == DIR_RTL)
      return TRUE;
  }
  return FALSE;
}

/* Splits `text` into runs in logical order; *ret_base_rtl is the paragraph
 * direction (that of its first letter). Neutrals (spaces, punctuation) stay
 * with the run they follow, except after a run against the paragraph
 * direction, where they belong to the paragraph's side. */
static GArray *text_runs(const char *text, gboolean *ret_base_rtl)
{
  GArray *runs = g_array_new(FALSE, TRUE, sizeof(TextRun));
  gboolean base_rtl = FALSE, have_strong = FALSE;
  TextRun cur = {0, 0, FALSE, G_UNICODE_SCRIPT_COMMON};
  gssize neutral_start = -1;
  gsize end = strlen(text);

  /* The paragraph takes the direction of its first letter (not digit). */
  for (const char *p = text; *p; p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);
    CharDir d = char_dir(c);

    if (d != DIR_NEUTRAL && !g_unichar_isdigit(c)) {
      base_rtl = d == DIR_RTL;
      break;
    }
  }
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
      cur.script = g_unichar_get_script(g_utf8_get_char(p));
    } else if ((d == DIR_RTL) != cur.rtl) {
      gsize split = off;

      if (cur.rtl != base_rtl && neutral_start >= 0)
        split = (gsize)neutral_start;
      cur.len = split - cur.start;
      g_array_append_val(runs, cur);
      cur = (TextRun){split, 0, d == DIR_RTL,
                      g_unichar_get_script(g_utf8_get_char(p))};
    }
    neutral_start = -1;
  }
  if (cur.rtl != base_rtl && neutral_start >= 0) {
    TextRun tail = {(gsize)neutral_start, end - (gsize)neutral_start, base_rtl,
                    G_UNICODE_SCRIPT_COMMON};

    cur.len = (gsize)neutral_start - cur.start;
    g_array_append_val(runs, cur);
    g_array_append_val(runs, tail);
  } else {
    cur.len = end - cur.start;
    g_array_append_val(runs, cur);
  }
  *ret_base_rtl = base_rtl;
  return runs;
}

/* Sets the font up for one run. The plain path never calls this, and
 * text_font_reset() restores SDL_ttf's defaults ("Zzzz" lets HarfBuzz guess
 * the script, as a fresh font does), so cached fonts render other text
 * exactly as before. */
static void text_font_set(TTF_Font *font, const TextRun *run)
{
  guint32 tag = g_unicode_script_to_iso15924(run->script);
  char name[5] = {(char)(tag >> 24), (char)(tag >> 16), (char)(tag >> 8),
                  (char)tag, 0};

  TTF_SetFontDirection(font, run->rtl ? TTF_DIRECTION_RTL : TTF_DIRECTION_LTR);
  if (!run->rtl || TTF_SetFontScriptName(font, name) != 0)
    TTF_SetFontScriptName(font, "Zzzz");
}

static void text_font_reset(TTF_Font *font)
{
  TTF_SetFontDirection(font, TTF_DIRECTION_LTR);
  TTF_SetFontScriptName(font, "Zzzz");
}

static int run_width(TTF_Font *font, const char *text, const TextRun *run)
{
  g_autofree char *part = g_strndup(text + run->start, run->len);
  int w = 0, h = 0;

  text_font_set(font, run);
  if (TTF_SizeUTF8(font, part, &w, &h) != 0)
    w = 0;
  text_font_reset(font);
  return w;
}

gboolean ui_text_is_rtl(const char *text)
{
  gboolean base_rtl = FALSE;
  g_autoptr(GArray) runs = NULL;

  if (!text || !*text || !text_has_rtl(text))
    return FALSE;
  runs = text_runs(text, &base_rtl);
  return base_rtl;
}

int ui_text_width(TTF_Font *font, const char *text)
{
  int w = 0, h = 0;

  if (!text || !*text)
    return 0;
  if (text_has_rtl(text)) {
    gboolean base_rtl;
    g_autoptr(GArray) runs = text_runs(text, &base_rtl);

    for (guint i = 0; i < runs->len; i++)
      w += run_width(font, text, &g_array_index(runs, TextRun, i));
    return w;
  }
  if (TTF_SizeUTF8(font, text, &w, &h) != 0)
    return 0;
  return w;
}

/* Renders mixed-direction text: each run shaped on its own, placed in
 * visual order (right to left for a right-to-left paragraph). */
static SDL_Surface *render_runs(TTF_Font *font, const char *text,
                                SDL_Color color)
{
  gboolean base_rtl;
  g_autoptr(GArray) runs = text_runs(text, &base_rtl);
  int total = 0, x = 0, h = TTF_FontHeight(font);
  SDL_Surface *out;

  for (guint i = 0; i < runs->len; i++)
    total += run_width(font, text, &g_array_index(runs, TextRun, i));
  out = SDL_CreateRGBSurfaceWithFormat(0, MAX(total, 1), h, 32,
                                       SDL_PIXELFORMAT_ARGB8888);
  if (!out)
    return NULL;
  SDL_FillRect(out, NULL, 0);
  for (guint k = 0; k < runs->len; k++) {
    guint i = base_rtl ? runs->len - 1 - k : k;
    const TextRun *run = &g_array_index(runs, TextRun, i);
    g_autofree char *part = g_strndup(text + run->start, run->len);
    SDL_Surface *piece;
    int w = run_width(font, text, run);

    text_font_set(font, run);
    piece = *part ? TTF_RenderUTF8_Blended(font, part, color) : NULL;
    text_font_reset(font);
    if (piece) {
      SDL_Rect dst = {x, 0, piece->w, piece->h};

      /* Copy, alpha included: the pieces do not overlap. */
      SDL_SetSurfaceBlendMode(piece, SDL_BLENDMODE_NONE);
      SDL_BlitSurface(piece, NULL, out, &dst);
      SDL_FreeSurface(piece);
    }
    x += w;
  }
  return out;
}

static SDL_Texture *text_texture(UiCanvas *canvas, TTF_Font *font,
                                 UiColor color, const char *text)
{
  g_autofree char *key = g_strdup_printf(
      "%p|%02x%02x%02x%02x|%s", font, color.r, color.g, color.b, color.a, text);
  SDL_Texture *texture = g_hash_table_lookup(canvas->text_cache, key);
  SDL_Color sdl_color = {color.r, color.g, color.b, color.a};
  SDL_Surface *surface;

  if (texture)
    return texture;
  if (text_has_rtl(text))
    surface = render_runs(font, text, sdl_color);
  else
    surface = TTF_RenderUTF8_Blended(font, text, sdl_color);
  if (!surface) {
    g_debug("ui: text rendering failed: %s", TTF_GetError());
    return NULL;
  }
  texture = SDL_CreateTextureFromSurface(canvas->renderer, surface);
  SDL_FreeSurface(surface);
  if (!texture) {
    g_debug("ui: text texture failed: %s", SDL_GetError());
    return NULL;
  }
  SDL_SetTextureBlendMode(texture, SDL_BLENDMODE_BLEND);
  if (g_hash_table_size(canvas->text_cache) >= TEXT_CACHE_MAX)
    g_hash_table_remove_all(canvas->text_cache);
  g_hash_table_insert(canvas->text_cache, g_steal_pointer(&key), texture);
  return texture;
}

int ui_draw_text(UiCanvas *canvas, TTF_Font *font, UiColor color, int x, int y,
                 int width, UiAlign align, const char *text)
{
  SDL_Texture *texture;
  SDL_Rect dst = {x, y, 0, 0};

  if (!text || !*text)
    return 0;
  texture = text_texture(canvas, font, color, text);
  if (!texture)
    return 0;
  SDL_QueryTexture(texture, NULL, NULL, &dst.w, &dst.h);
  /* A right-to-left paragraph starts at the right edge of its box. */
  if (align == UI_ALIGN_LEFT && width > 0 && ui_text_is_rtl(text))
    align = UI_ALIGN_RIGHT;
  if (align == UI_ALIGN_CENTER)
    dst.x = x + (width - dst.w) / 2;
  else if (align == UI_ALIGN_RIGHT)
    dst.x = x + width - dst.w;
  SDL_RenderCopy(canvas->renderer, texture, NULL, &dst);
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
  SDL_RenderCopy(canvas->renderer, texture, NULL, &dst);
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
