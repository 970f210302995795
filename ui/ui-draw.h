/* Drawing primitives for the screens: a canvas over an SDL renderer with the
 * project's fonts, filled and rounded rectangles, rings, word-wrapped text and
 * images fitted into boxes. Everything is integer geometry on the software
 * renderer, so the same calls give the same pixels on every run.
 *
 * A canvas can be mirrored for right-to-left screens: callers lay out in
 * left-to-right coordinates and every rectangle, text box, clip, picture
 * and writing area lands at its mirror image (x' = width - x - w). Text,
 * pictures and ink are placed there, not flipped; UI_ALIGN_LEFT then means
 * the start side, the right. Blocks that read left to right in every
 * language (a keypad, a code being typed) are kept as they are and only
 * moved (ui_canvas_keep_ltr()). */
#pragma once

#include <SDL.h>
#include <SDL_ttf.h>
#include <glib.h>

#include "ui-fonts.h"
#include "view.h"

typedef struct {
  guint8 r, g, b, a;
} UiColor;

typedef enum {
  UI_ALIGN_LEFT,
  UI_ALIGN_CENTER,
  UI_ALIGN_RIGHT,
} UiAlign;

typedef struct UiCanvas UiCanvas;

/* A canvas drawing with `renderer` (borrowed, must outlive the canvas) and
 * `fonts` (taken: freed with the canvas). */
UiCanvas *ui_canvas_new_with_fonts(SDL_Renderer *renderer, UiFonts *fonts);

/* The same with the faces of ui_fonts_new(font_path, NULL, NULL): the
 * primary face `font_path` and every script's face. Fails when one cannot
 * be opened. */
UiCanvas *ui_canvas_new(SDL_Renderer *renderer, const char *font_path,
                        GError **error);
void ui_canvas_free(UiCanvas *canvas); /* accepts NULL */

/* The primary font of `style` at `size` px (ui_fonts_get()); never NULL.
 * Text drawn with it takes each script's own face where it needs one. */
TTF_Font *ui_canvas_font(UiCanvas *canvas, UiFontStyle style, int size);

/* The canvas's faces; owned by the canvas. */
UiFonts *ui_canvas_fonts(UiCanvas *canvas);

/* Starts a frame `width` px wide, mirrored or not; forgets the kept
 * blocks of the previous frame. */
void ui_canvas_set_mirror(UiCanvas *canvas, gboolean mirror, int width);
gboolean ui_canvas_mirrored(UiCanvas *canvas);

/* Until the next call, what is drawn lies inside `block` (layout
 * coordinates) and keeps its left-to-right order: the block as a whole goes
 * to its mirror place, its contents are only moved along. NULL ends the
 * block. Does nothing on a canvas that is not mirrored. */
void ui_canvas_keep_ltr(UiCanvas *canvas, const SDL_Rect *block);

/* Where a rectangle of the layout (a touch target) is on the screen: its
 * mirror image, or moved along with the kept block it lies inside. */
SDL_Rect ui_canvas_place(UiCanvas *canvas, SDL_Rect rect);

/* Called before each text is drawn, with where it goes on the screen
 * (before clipping), its colour and its font: how the contrast test sees
 * what the screens draw. */
typedef void (*UiTextProbe)(const SDL_Rect *where, UiColor color,
                            UiFontStyle style, int size, gpointer user_data);

/* Installs `probe` (NULL removes it). For tests. */
void ui_canvas_set_text_probe(UiCanvas *canvas, UiTextProbe probe,
                              gpointer user_data);

/* Forgets every rendered text kept for reuse, its string wiped: nothing of
 * a person's screens stays in the canvas after them. */
void ui_canvas_forget_texts(UiCanvas *canvas);

/* TRUE when a kept rendered text contains `needle` (tests). */
gboolean ui_canvas_keeps_text(UiCanvas *canvas, const char *needle);

/* Restricts drawing to `rect`; NULL lifts the restriction. */
void ui_canvas_clip(UiCanvas *canvas, const SDL_Rect *rect);

void ui_draw_fill(UiCanvas *canvas, SDL_Rect rect, UiColor color);

/* A rectangle with corners of `radius` px, filled with `fill`, with a
 * `border` px wide edge in `edge` (border 0 = none). */
void ui_draw_round_rect(UiCanvas *canvas, SDL_Rect rect, int radius,
                        UiColor fill, int border, UiColor edge);

/* An elliptic ring inside `rect` (its bounding box), `thickness` px wide. */
void ui_draw_ring(UiCanvas *canvas, SDL_Rect rect, int thickness,
                  UiColor color);

/* Width in px of `text` (UTF-8, one line) in `font`. */
int ui_text_width(TTF_Font *font, const char *text);

/* TRUE when `text` is a right-to-left paragraph (its first letter is Arabic,
 * Hebrew, ...). Such text is shaped run by run in visual order, and drawn
 * right-aligned where a left-to-right one would be left-aligned (on a
 * canvas that is not mirrored). */
gboolean ui_text_is_rtl(const char *text);

/* One piece of a line of text: bytes [start, start + len) of it, shaped in
 * one direction with one face, at x (px from the line's left edge, visual
 * order). */
typedef struct {
  gsize start;
  gsize len;
  gboolean rtl;
  int level;             /* bidi level: odd = right to left */
  GUnicodeScript script; /* for the shaper; COMMON when it has no letter */
  TTF_Font *font;        /* `font` or a script's face beside it */
  int x;
  int width;
} UiTextPiece;

/* How `text` (one line) is drawn with `font`: its pieces in visual order,
 * left to right. One piece for text the font draws alone left to right;
 * none for NULL or "". Free with g_array_unref(). */
GArray *ui_text_pieces(TTF_Font *font, const char *text);

/* Draws one line of text with the top edge of `font`'s line at y (faces of
 * other scripts on the same baseline, reaching higher or lower where they
 * are taller), aligned inside
 * [x, x + width) (width is ignored for UI_ALIGN_LEFT, except that
 * right-to-left text with a width is aligned right). Text wider than the
 * box is drawn anyway and clipped by the caller's layout. Returns the drawn
 * width. */
int ui_draw_text(UiCanvas *canvas, TTF_Font *font, UiColor color, int x, int y,
                 int width, UiAlign align, const char *text);

/* How a text failed to fit the box the layout gave it, as reported to the
 * text audit (tests and the gallery; docs/ui.md). */
typedef enum {
  UI_TEXT_DRAWN,     /* drawn whole: `rect` is where, `height` its font's */
  UI_TEXT_CUT,       /* shortened with "…" (a label, or a block cut at a
                        whole line) */
  UI_TEXT_CLIPPED,   /* drawn wider than its box, or partly outside the
                        clip rectangle or the canvas */
  UI_TEXT_DROPPED,   /* whole lines left out for lack of room */
  UI_TEXT_HYPHENATED /* a line ending in a word broken to fit */
} UiTextFit;

typedef struct {
  UiTextFit fit;
  const char *text; /* the text concerned (for CUT: in full) */
  SDL_Rect rect;    /* DRAWN, CLIPPED, HYPHENATED: where it was drawn */
  int height;       /* DRAWN: the font's height in px */
} UiTextEvent;

typedef void (*UiTextAuditFunc)(const UiTextEvent *event, gpointer data);

/* Sets the process's text audit (NULL: none, the default): from now on every
 * line drawn and every text that did not fit is reported to `func` on the
 * drawing thread. For tests; costs nothing while unset. */
void ui_text_set_audit(UiTextAuditFunc func, gpointer data);

/* Reports `fit` for `text` to the audit, if one is set (for the layouts'
 * own cutting and dropping). */
void ui_text_report(UiTextFit fit, const char *text);

/* Splits `text` into lines no wider than `width` px: at spaces, at explicit
 * newlines, and inside a word only when the word alone is too wide. Returns
 * a NULL-terminated array (g_strfreev). NULL or "" gives no lines. */
char **ui_text_wrap(TTF_Font *font, const char *text, int width);

/* Word-wraps `text` into `width` and draws it from y down, using the font's
 * line skip. With `draw` FALSE only measures. Returns the height used. */
int ui_draw_paragraph(UiCanvas *canvas, TTF_Font *font, UiColor color, int x,
                      int y, int width, UiAlign align, const char *text,
                      gboolean draw);

/* The largest rectangle with aspect width:height inside `box`, centred.
 * Returns FALSE (and leaves ret_rect alone) for an empty size or box. */
gboolean ui_fit_size(int width, int height, SDL_Rect box, SDL_Rect *ret_rect);

/* Live ink: `n` points (0..1 in `box`) joined by lines whose width
 * follows the pressure; a point with pressure 0 breaks the line. */
void ui_draw_ink(UiCanvas *canvas, SDL_Rect box, const ViewInkPoint *points,
                 int n, UiColor color);

/* Draws `image` fitted into `box` (aspect kept, centred) with `blend`
 * (SDL_BLENDMODE_NONE to replace, SDL_BLENDMODE_MOD to lay ink over what is
 * there). Returns FALSE, drawing nothing, when the image is empty or invalid;
 * on success fills ret_rect (may be NULL) with where it went. */
gboolean ui_draw_image(UiCanvas *canvas, const ViewImage *image, SDL_Rect box,
                       SDL_BlendMode blend, SDL_Rect *ret_rect);
