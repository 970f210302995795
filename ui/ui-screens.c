/* The screens of the kiosk (see ui-screens.h and docs/ui.md): a dark blue
 * header band with the location, person and step; an optional yellow notice
 * band; white content; a footer line. Text is laid out top-down and shrinks
 * one step at a time when a translation runs long, so nothing overlaps the
 * buttons or the keypad. */
#include "ui-screens.h"

#include "ui-layout.h"
#include "ui-palette.h"
#include "ui-photo-overlay.h"
#include "ui-speaker.h"
#include "ui-technician.h"

#include <glib/gi18n.h>
#include <string.h>

enum {
  HEADER_H = 96,
  FOOTER_H = 48,
  MARGIN = 48,
  GAP = 24,
  BUTTON_H = 96,
  BUTTON_MIN_W = 220,
  BUTTON_PAD = 36,
  KEY_W = 150,
  KEY_H = 120,
  KEY_GAP = 16,
  ENTRY_H = 96,
  RADIUS = 10,
};

/* Title / body sizes, largest first; a screen takes the first that fits
 * (ui-layout.c: larger with the view's large_text). */
#define LADDER   cx->ladder
#define N_LADDER cx->n_ladder

typedef struct {
  UiCanvas *canvas;
  const UiScreenInfo *info;
  const KioskView *view;
  GArray *targets;
  SDL_Rect inner;     /* content area inside the margins */
  SDL_Rect sign_area; /* VIEW_SIGNATURE's signing area */
  const UiTextSizes *ladder;
  int n_ladder;
} Ctx;

static TTF_Font *font(Ctx *cx, UiFontStyle style, int size)
{
  return ui_canvas_font(cx->canvas, style, size);
}

static gboolean has_text(const char *s)
{
  return s && *s;
}

static int rect_bottom(SDL_Rect r)
{
  return r.y + r.h;
}

static int rect_right(SDL_Rect r)
{
  return r.x + r.w;
}

static void add_target(Ctx *cx, const char *id, SDL_Rect rect, IntentType type,
                       char key, gboolean enabled)
{
  UiTarget target = {
      .rect = rect, .type = type, .key = key, .enabled = enabled};

  g_strlcpy(target.id, id ? id : "", sizeof target.id);
  g_array_append_val(cx->targets, target);
}

/* The text shortened with an ellipsis until it fits `width`. */
static char *ellipsize(TTF_Font *f, const char *text, int width)
{
  g_autofree char *work = g_strdup(text);
  glong n = g_utf8_strlen(work, -1);

  if (ui_text_width(f, text) <= width)
    return g_steal_pointer(&work);
  ui_text_report(UI_TEXT_CUT, text);
  while (n > 0) {
    g_autofree char *cut = NULL;

    n--;
    cut = g_utf8_substring(text, 0, n);
    g_free(work);
    work = g_strconcat(cut, "…", NULL);
    if (ui_text_width(f, work) <= width)
      break;
  }
  return g_steal_pointer(&work);
}

/* ---- frame: header, banner, footer ---- */

static void draw_steps(Ctx *cx, int right, int y, int height)
{
  const KioskView *v = cx->view;
  TTF_Font *f = font(cx, UI_FONT_REGULAR, 22);
  g_autofree char *label =
      g_strdup_printf(_("Step %d of %d"), v->step, v->n_steps);
  int text_w = ui_text_width(f, label);
  int seg_w = 28, seg_h = 12, seg_gap = 6;
  int n = MIN(v->n_steps, 12);
  int x = right - text_w - 16 - n * (seg_w + seg_gap) + seg_gap;
  int mid = y + height / 2;

  for (int i = 0; i < n; i++) {
    SDL_Rect seg = {x + i * (seg_w + seg_gap), mid - seg_h / 2, seg_w, seg_h};

    if (i < v->step)
      ui_draw_round_rect(cx->canvas, seg, 4, WHITE, 0, WHITE);
    else
      ui_draw_round_rect(cx->canvas, seg, 4, BLUE, 2, BLUE_SOFT);
  }
  ui_draw_text(cx->canvas, f, WHITE, right - text_w,
               mid - TTF_FontHeight(f) / 2, 0, UI_ALIGN_LEFT, label);
}

/* The language button at the start of the header band, labelled with the
 * current language's name in itself; returns the width it takes. */
static int draw_language_button(Ctx *cx)
{
  TTF_Font *f = font(cx, UI_FONT_BOLD, 24);
  int w = MAX(160, ui_text_width(f, cx->view->language) + 2 * 28);
  SDL_Rect r = {MARGIN, 14, w, HEADER_H - 4 - 28};

  ui_draw_round_rect(cx->canvas, r, RADIUS, BLUE, 3, WHITE);
  ui_draw_text(cx->canvas, f, WHITE, r.x, r.y + (r.h - TTF_FontHeight(f)) / 2,
               r.w, UI_ALIGN_CENTER, cx->view->language);
  add_target(cx, VIEW_BUTTON_LANGUAGE, r, INTENT_BUTTON, 0, TRUE);
  return w + GAP;
}

static void draw_header(Ctx *cx)
{
  const KioskView *v = cx->view;
  int w = cx->info->width;
  int right = w - MARGIN;
  gboolean steps = v->n_steps > 0 && v->step > 0;
  int start = MARGIN;

  ui_draw_fill(cx->canvas, (SDL_Rect){0, 0, w, HEADER_H}, BLUE);
  /* A thin light rule under the band separates it from a white screen on
   * panels with poor contrast. */
  ui_draw_fill(cx->canvas, (SDL_Rect){0, HEADER_H - 4, w, 4}, BLUE_SOFT);
  if (has_text(v->language))
    start += draw_language_button(cx);

  if (has_text(cx->info->location)) {
    TTF_Font *f = font(cx, UI_FONT_BOLD, 30);
    int room = w / 2 - start - (v->speech ? UI_SPEAKER_HALF_W : 0);
    g_autofree char *text = ellipsize(f, cx->info->location, room);

    ui_draw_text(cx->canvas, f, WHITE, start,
                 (HEADER_H - 4 - TTF_FontHeight(f)) / 2, 0, UI_ALIGN_LEFT,
                 text);
  }
  if (has_text(v->person)) {
    TTF_Font *f = font(cx, UI_FONT_BOLD, 28);
    g_autofree char *text = ellipsize(f, v->person, w / 2 - 2 * MARGIN);
    int y = steps ? 10 : (HEADER_H - 4 - TTF_FontHeight(f)) / 2;

    ui_draw_text(cx->canvas, f, WHITE, right - ui_text_width(f, text), y, 0,
                 UI_ALIGN_LEFT, text);
    if (steps)
      draw_steps(cx, right, 50, 36);
  } else if (steps) {
    draw_steps(cx, right, 0, HEADER_H - 4);
  }
}

/* Returns the banner's height (0 when there is none). */
static int draw_banner(Ctx *cx, int y)
{
  const char *banner = cx->view->banner;
  TTF_Font *f;
  g_auto(GStrv) lines = NULL;
  int skip, n, h;

  if (!has_text(banner))
    return 0;
  f = font(cx, UI_FONT_BOLD, 24);
  skip = TTF_FontLineSkip(f);
  lines = ui_text_wrap(f, banner, cx->info->width - 2 * MARGIN);
  n = MIN((int)g_strv_length(lines), 2); /* a notice, not a letter */
  h = n * skip + 24;
  ui_draw_fill(cx->canvas, (SDL_Rect){0, y, cx->info->width, h}, BANNER_BG);
  ui_draw_fill(cx->canvas, (SDL_Rect){0, y + h - 3, cx->info->width, 3},
               BANNER_EDGE);
  for (int i = 0; i < n; i++) {
    g_autofree char *shown = NULL;

    if (i == n - 1 && lines[i + 1]) {
      g_autofree char *rest = g_strjoinv(" ", lines + i);
      shown = ellipsize(f, rest, cx->info->width - 2 * MARGIN);
    }
    ui_draw_text(cx->canvas, f, INK, MARGIN, y + 11 + i * skip, 0,
                 UI_ALIGN_LEFT, shown ? shown : lines[i]);
  }
  return h;
}

static void draw_footer(Ctx *cx)
{
  int y = cx->info->height - FOOTER_H;
  TTF_Font *f = font(cx, UI_FONT_REGULAR, 22);

  ui_draw_fill(cx->canvas, (SDL_Rect){0, y, cx->info->width, FOOTER_H},
               FOOTER_BG);
  ui_draw_fill(cx->canvas, (SDL_Rect){0, y, cx->info->width, 2}, FOOTER_EDGE);
  if (has_text(cx->view->footer)) {
    g_autofree char *text =
        ellipsize(f, cx->view->footer, cx->info->width - 2 * MARGIN);

    ui_draw_text(cx->canvas, f, INK_SOFT, MARGIN,
                 y + (FOOTER_H - TTF_FontHeight(f)) / 2 + 1, 0, UI_ALIGN_LEFT,
                 text);
  }
}

/* ---- text blocks ---- */

/* Title and body paragraphs of the view (lines [first, last)) as one block;
 * measures only unless `draw`. With max_h > 0 only whole lines that fit are
 * drawn and the last one shown ends in an ellipsis, so an over-long text is
 * visibly cut rather than sliced through a line. Returns the height used. */
static int text_block_max(Ctx *cx, int level, int x, int y, int w,
                          UiAlign align, const char *title, UiColor title_color,
                          int first, int last, int max_h, gboolean draw)
{
  const KioskView *v = cx->view;
  TTF_Font *tf = font(cx, UI_FONT_BOLD, LADDER[level].title);
  TTF_Font *bf = font(cx, UI_FONT_REGULAR, LADDER[level].body);
  int h = 0;

  for (int i = first - 1; i < last; i++) {
    const char *text = i < first ? title : v->lines[i];
    TTF_Font *f = i < first ? tf : bf;
    UiColor color = i < first ? title_color : INK;
    int skip = TTF_FontLineSkip(f);
    g_auto(GStrv) lines = NULL;

    if (!has_text(text))
      continue;
    lines = ui_text_wrap(f, text, w);
    if (h > 0)
      h += 14;
    for (int l = 0; lines[l]; l++) {
      gboolean more = lines[l + 1] || i + 1 < last;
      g_autofree char *shown = NULL;

      if (max_h > 0 && h + skip > max_h) {
        if (draw)
          ui_text_report(UI_TEXT_DROPPED, lines[l]);
        return MAX(0, h - 14 * (l == 0));
      }
      /* The last line that fits while more follows: mark the cut. */
      if (max_h > 0 && more &&
          h + skip + (lines[l + 1] ? skip : 14 + TTF_FontLineSkip(bf)) >
              max_h) {
        g_autofree char *with = g_strconcat(lines[l], " …", NULL);
        shown = ellipsize(f, with, w);
        if (draw)
          ui_text_report(UI_TEXT_CUT, text);
      }
      if (draw)
        ui_draw_text(cx->canvas, f, color, x, y + h, w, align,
                     shown ? shown : lines[l]);
      h += skip;
      if (shown)
        return h;
    }
  }
  return h;
}

static int text_block(Ctx *cx, int level, int x, int y, int w, UiAlign align,
                      const char *title, UiColor title_color, int first,
                      int last, gboolean draw)
{
  return text_block_max(cx, level, x, y, w, align, title, title_color, first,
                        last, 0, draw);
}

static int n_lines(const KioskView *v)
{
  return CLAMP(v->n_lines, 0, VIEW_MAX_LINES);
}

/* The largest ladder level whose block fits max_h (the smallest when none
 * does; the caller clips). */
static int fit_level(Ctx *cx, int w, int max_h, const char *title, int first,
                     int last)
{
  for (int level = 0; level < N_LADDER; level++) {
    if (text_block(cx, level, 0, 0, w, UI_ALIGN_LEFT, title, INK, first, last,
                   FALSE) <= max_h)
      return level;
  }
  return N_LADDER - 1;
}

/* Draws the block of title and lines [first, last) into `box`, as large as
 * fits, cut at a whole line when even the smallest size does not. Returns the
 * height used. */
static int draw_block_in(Ctx *cx, SDL_Rect box, UiAlign align,
                         UiColor title_color, int first, int last)
{
  const char *title = cx->view->title;
  int level = fit_level(cx, box.w, box.h, title, first, last);
  int h;

  h = text_block_max(cx, level, box.x, box.y, box.w, align, title, title_color,
                     first, last, box.h, TRUE);
  return MIN(h, box.h);
}

/* ---- buttons ---- */

static void button_style(const ViewButton *b, UiColor *fill, UiColor *edge,
                         UiColor *ink, int *border)
{
  if (!b->enabled) {
    *fill = DISABLED_BG;
    *edge = DISABLED_EDGE;
    *ink = DISABLED_INK;
    *border = 2;
  } else if (b->primary) {
    *fill = BLUE;
    *edge = BLUE;
    *ink = WHITE;
    *border = 0;
  } else {
    *fill = WHITE;
    *edge = BLUE;
    *ink = BLUE;
    *border = 3;
  }
}

static int n_buttons(const KioskView *v)
{
  return CLAMP(v->n_buttons, 0, VIEW_MAX_BUTTONS);
}

typedef struct {
  int font_size;
  int widths[VIEW_MAX_BUTTONS];
  int row[VIEW_MAX_BUTTONS]; /* which row each button goes in */
  int n_rows;
  int height; /* of the whole button area, 0 without buttons */
} ButtonPlan;

enum { BUTTON_ROW_GAP = 16 };

/* Decides how the view's buttons fit `width`: one row at 30 px, one row at
 * 26 px, else as many rows of 30 px buttons as needed (a button wider than
 * the width is narrowed and its label shortened). */
static ButtonPlan plan_buttons(Ctx *cx, int width)
{
  const KioskView *v = cx->view;
  int n = n_buttons(v);
  ButtonPlan plan = {.font_size = 30};
  int used = 0;

  if (n == 0)
    return plan;
  for (int attempt = 0; attempt < 2; attempt++) {
    TTF_Font *f = font(cx, UI_FONT_BOLD, plan.font_size);
    int min_w = attempt == 0 ? BUTTON_MIN_W : 180;
    int total = (n - 1) * GAP;

    for (int i = 0; i < n; i++) {
      plan.widths[i] =
          MIN(width, MAX(min_w, ui_text_width(f, v->buttons[i].label) +
                                    2 * BUTTON_PAD));
      total += plan.widths[i];
    }
    if (total <= width) {
      plan.n_rows = 1;
      plan.height = BUTTON_H;
      return plan;
    }
    if (attempt == 0)
      plan.font_size = 26;
  }
  /* Rows have room for the full size again. */
  plan.font_size = 30;
  for (int i = 0; i < n; i++)
    plan.widths[i] =
        MIN(width, MAX(BUTTON_MIN_W, ui_text_width(font(cx, UI_FONT_BOLD, 30),
                                                   v->buttons[i].label) +
                                         2 * BUTTON_PAD));
  plan.n_rows = 1;
  for (int i = 0; i < n; i++) {
    if (used > 0 && used + GAP + plan.widths[i] > width) {
      plan.n_rows++;
      used = 0;
    }
    used += (used > 0 ? GAP : 0) + plan.widths[i];
    plan.row[i] = plan.n_rows - 1;
  }
  plan.height = plan.n_rows * BUTTON_H + (plan.n_rows - 1) * BUTTON_ROW_GAP;
  return plan;
}

/* A label too wide for its button on one line: on two, at the button
 * size or a little smaller. FALSE when not even that fits. */
static gboolean draw_label_two_lines(Ctx *cx, const char *label, SDL_Rect rect,
                                     int font_size, UiColor ink)
{
  for (int size = font_size; size >= 22; size -= 2) {
    TTF_Font *f = font(cx, UI_FONT_BOLD, size);
    g_auto(GStrv) lines = ui_text_wrap(f, label, rect.w - 24);
    int skip = TTF_FontLineSkip(f);
    int y = rect.y + (rect.h - skip - TTF_FontHeight(f)) / 2;

    if (g_strv_length(lines) != 2 || skip + TTF_FontHeight(f) > rect.h - 8 ||
        g_str_has_suffix(lines[0], "-"))
      continue;
    for (int l = 0; l < 2; l++)
      ui_draw_text(cx->canvas, f, ink, rect.x, y + l * skip, rect.w,
                   UI_ALIGN_CENTER, lines[l]);
    return TRUE;
  }
  return FALSE;
}

static void draw_button(Ctx *cx, const ViewButton *b, SDL_Rect rect,
                        int font_size)
{
  UiColor fill, edge, ink;
  int border;
  TTF_Font *f = font(cx, UI_FONT_BOLD, font_size);
  const char *text = b->label ? b->label : "";
  g_autofree char *label = NULL;

  button_style(b, &fill, &edge, &ink, &border);
  ui_draw_round_rect(cx->canvas, rect, RADIUS, fill, border, edge);
  if (ui_text_width(f, text) <= rect.w - 24 ||
      !draw_label_two_lines(cx, text, rect, font_size, ink)) {
    label = ellipsize(f, text, rect.w - 24);
    ui_draw_text(cx->canvas, f, ink, rect.x,
                 rect.y + (rect.h - TTF_FontHeight(f)) / 2, rect.w,
                 UI_ALIGN_CENTER, label);
  }
  add_target(cx, b->id, rect, INTENT_BUTTON, 0, b->enabled);
}

/* Draws the buttons at the bottom of `area`, as planned, each row aligned
 * by `align`. */
static void draw_buttons(Ctx *cx, const ButtonPlan *plan, SDL_Rect area,
                         UiAlign align)
{
  const KioskView *v = cx->view;
  int n = n_buttons(v);
  int top = rect_bottom(area) - plan->height;

  for (int r = 0; r < plan->n_rows; r++) {
    int total = -GAP, x;

    for (int i = 0; i < n; i++) {
      if (plan->row[i] == r)
        total += plan->widths[i] + GAP;
    }
    if (align == UI_ALIGN_RIGHT)
      x = rect_right(area) - total;
    else if (align == UI_ALIGN_CENTER)
      x = area.x + (area.w - total) / 2;
    else
      x = area.x;
    for (int i = 0; i < n; i++) {
      SDL_Rect rect = {x, top + r * (BUTTON_H + BUTTON_ROW_GAP),
                       plan->widths[i], BUTTON_H};

      if (plan->row[i] != r)
        continue;
      draw_button(cx, &v->buttons[i], rect, plan->font_size);
      x += plan->widths[i] + GAP;
    }
  }
}

/* ---- shared pieces ---- */

static void outline(Ctx *cx, SDL_Rect r, int t, UiColor color)
{
  ui_draw_fill(cx->canvas, (SDL_Rect){r.x - t, r.y - t, r.w + 2 * t, t}, color);
  ui_draw_fill(cx->canvas, (SDL_Rect){r.x - t, rect_bottom(r), r.w + 2 * t, t},
               color);
  ui_draw_fill(cx->canvas, (SDL_Rect){r.x - t, r.y, t, r.h}, color);
  ui_draw_fill(cx->canvas, (SDL_Rect){rect_right(r), r.y, t, r.h}, color);
}

/* Title and lines [first, last) in `box`; with view->warning inside a pale
 * red panel with a red bar, title in dark red. Returns the height used. */
static int draw_texts(Ctx *cx, SDL_Rect box, UiAlign align, int first, int last)
{
  const KioskView *v = cx->view;
  SDL_Rect in = {box.x + 40, box.y + 24, box.w - 64, box.h - 48};
  int level, h;

  if (!v->warning)
    return draw_block_in(cx, box, align, INK, first, last);
  level = fit_level(cx, in.w, in.h, v->title, first, last);
  h = text_block_max(cx, level, 0, 0, in.w, align, v->title, RED_DARK, first,
                     last, in.h, FALSE);
  ui_draw_round_rect(cx->canvas, (SDL_Rect){box.x, box.y, box.w, h + 48}, 8,
                     WARN_BG, 0, WARN_BG);
  ui_draw_fill(cx->canvas, (SDL_Rect){box.x, box.y, 10, h + 48}, RED);
  text_block_max(cx, level, in.x, in.y, in.w, align, v->title, RED_DARK, first,
                 last, in.h, TRUE);
  return h + 48;
}

/* A picture box: the image fitted into `box` at its top, or a pale
 * placeholder with the aspect placeholder_w:placeholder_h when there is
 * none. Returns where the picture (or placeholder) went. */
static SDL_Rect draw_picture(Ctx *cx, const ViewImage *image, SDL_Rect box,
                             int placeholder_w, int placeholder_h)
{
  SDL_Rect r;

  if (image->pixels && ui_fit_size(image->width, image->height, box, &r)) {
    r.y = box.y;
    if (ui_draw_image(cx->canvas, image, r, SDL_BLENDMODE_NONE, &r))
      return r;
  }
  if (!ui_fit_size(placeholder_w, placeholder_h, box, &r))
    r = box;
  r.y = box.y;
  ui_draw_fill(cx->canvas, r, PLACEHOLDER);
  return r;
}

/* How the finger thumbnails fill their region. */
typedef struct {
  int rows, per_row;
  int cw;    /* thumbnail width (4:5) */
  int pitch; /* cell width, at least cw: wide enough for the labels' words */
  int label_lines;
} FingerGrid;

enum { FINGER_GAP = 16 };

/* The widest word of the finger labels, and the most lines one takes when
 * wrapped into `label_w` (0: not measured). */
static int finger_label_measure(TTF_Font *f, const KioskView *v, int n,
                                int label_w, int *ret_lines)
{
  int word_w = 0;

  *ret_lines = 0;
  for (int i = 0; i < n; i++) {
    g_auto(GStrv) words =
        g_strsplit(v->finger_labels[i] ? v->finger_labels[i] : "", " ", -1);

    for (int k = 0; words[k]; k++)
      word_w = MAX(word_w, ui_text_width(f, words[k]));
    if (label_w > 0) {
      g_auto(GStrv) lines = ui_text_wrap(f, v->finger_labels[i], label_w);

      *ret_lines = MAX(*ret_lines, (int)g_strv_length(lines));
    }
  }
  return word_w;
}

/* The number of rows that gives the largest thumbnails (4:5, like a
 * fingertip) within both the width and the height, preferring rows whose
 * cells are wide enough for every word of the labels (`word_w`), so that
 * no finger name is broken inside a word. */
static FingerGrid plan_finger_grid(SDL_Rect region, int n, int max_w,
                                   int label_h, int word_w, int label_lines)
{
  FingerGrid g = {1, n, 0, 0, label_lines};
  gboolean g_fits = FALSE;

  for (int r = 1; r <= 3 && r <= n; r++) {
    int pr = (n + r - 1) / r;
    int by_w = (region.w - (pr - 1) * FINGER_GAP) / pr;
    int by_h = ((region.h - (r - 1) * FINGER_GAP) / r - 8 - label_h) * 4 / 5;
    int c = MIN(max_w, MIN(by_w, by_h));
    gboolean fits = word_w + 4 - FINGER_GAP <= by_w;

    if ((fits && !g_fits) || (fits == g_fits && c > g.cw)) {
      g.cw = c;
      g.rows = r;
      g_fits = fits;
    }
  }
  g.cw = MAX(g.cw, 40);
  g.per_row = (n + g.rows - 1) / g.rows;
  g.pitch =
      MAX(g.cw, MIN(word_w + 4 - FINGER_GAP,
                    (region.w - (g.per_row - 1) * FINGER_GAP) / g.per_row));
  return g;
}

static void draw_finger_label(Ctx *cx, TTF_Font *lf, const char *label, int x,
                              int y, int w, int max_lines)
{
  g_auto(GStrv) lines = ui_text_wrap(lf, label, w);

  for (int l = 0; lines[l] && l < max_lines; l++) {
    g_autofree char *text = NULL;

    if (l == max_lines - 1 && lines[l + 1]) {
      g_autofree char *joined = g_strjoinv(" ", lines + l);
      text = ellipsize(lf, joined, w);
    } else {
      text = g_strdup(lines[l]);
    }
    ui_draw_text(cx->canvas, lf, INK, x, y + l * TTF_FontLineSkip(lf), w,
                 UI_ALIGN_CENTER, text);
  }
}

/* Thumbnails of the view's fingers with their labels, in up to three rows,
 * sized to fit `region`; a label takes two lines, three when it needs
 * them. */
static void draw_finger_grid(Ctx *cx, SDL_Rect region, int label_size,
                             int max_w)
{
  const KioskView *v = cx->view;
  int n = CLAMP(v->n_fingers, 0, VIEW_MAX_FINGERS);
  int th, label_h, need, word_w, gap = FINGER_GAP;
  TTF_Font *lf = font(cx, UI_FONT_REGULAR, label_size);
  FingerGrid g;

  if (n == 0 || region.w <= 0 || region.h <= 0)
    return;
  /* Many fingers make narrow cells: give their labels a third line. */
  word_w = finger_label_measure(lf, v, n, 0, &need);
  g = plan_finger_grid(region, n, max_w, (n > 5 ? 3 : 2) * TTF_FontLineSkip(lf),
                       word_w, n > 5 ? 3 : 2);
  finger_label_measure(lf, v, n, g.pitch + gap - 4, &need);
  if (need > g.label_lines && g.label_lines < 3)
    g = plan_finger_grid(region, n, max_w, 3 * TTF_FontLineSkip(lf), word_w, 3);
  label_h = g.label_lines * TTF_FontLineSkip(lf);
  th = g.cw * 5 / 4;
  for (int i = 0; i < n; i++) {
    int x = region.x + (i % g.per_row) * (g.pitch + gap);
    int y = region.y + (i / g.per_row) * (th + 8 + label_h + gap);
    SDL_Rect box = {x + (g.pitch - g.cw) / 2, y, g.cw, th};

    ui_draw_round_rect(cx->canvas, box, 6, PLACEHOLDER, 2, EDGE);
    ui_draw_image(cx->canvas, &v->fingers[i],
                  (SDL_Rect){box.x + 4, y + 4, g.cw - 8, th - 8},
                  SDL_BLENDMODE_NONE, NULL);
    draw_finger_label(cx, lf, v->finger_labels[i], x - gap / 2 + 2, y + th + 6,
                      g.pitch + gap - 4, g.label_lines);
  }
}

/* ---- keypad and entry ---- */

gboolean ui_screens_entry_full(const KioskView *view)
{
  const char *entry = view->entry ? view->entry : "";

  return view->entry_max > 0 && g_utf8_strlen(entry, -1) >= view->entry_max;
}

static const char *backspace_label(TTF_Font *f)
{
  if (TTF_GlyphIsProvided32(f, 0x232B))
    return "⌫";
  if (TTF_GlyphIsProvided32(f, 0x2190))
    return "←";
  return "<";
}

static void draw_keypad(Ctx *cx, SDL_Rect area)
{
  static const char *const keys[12] = {"1", "2",           "3", "4",
                                       "5", "6",           "7", "8",
                                       "9", VIEW_KEY_BACK, "0", VIEW_KEY_OK};
  int kw = MIN(KEY_W, (area.w - 2 * KEY_GAP) / 3);
  int kh = MIN(KEY_H, (area.h - 3 * KEY_GAP) / 4);
  int x0 = rect_right(area) - (3 * kw + 2 * KEY_GAP);
  int y0 = area.y;
  gboolean full = ui_screens_entry_full(cx->view);
  TTF_Font *digit_font = font(cx, UI_FONT_BOLD, 48);
  TTF_Font *ok_font = font(cx, UI_FONT_BOLD, 40);

  for (int i = 0; i < 12; i++) {
    SDL_Rect r = {x0 + (i % 3) * (kw + KEY_GAP), y0 + (i / 3) * (kh + KEY_GAP),
                  kw, kh};
    const char *id = keys[i];
    const char *label = id;
    TTF_Font *f = digit_font;
    UiColor fill = KEY_BG, edge = EDGE, ink = INK;
    IntentType type = INTENT_KEY;
    gboolean enabled = TRUE;

    /* Colours follow the cash-machine convention many users know without
     * reading: yellow corrects, green confirms. */
    if (strcmp(id, VIEW_KEY_BACK) == 0) {
      type = INTENT_BACKSPACE;
      fill = BANNER_BG;
      edge = KEY_BACK_EDGE;
      label = backspace_label(f);
    } else if (strcmp(id, VIEW_KEY_OK) == 0) {
      type = INTENT_SUBMIT;
      fill = edge = GREEN;
      ink = WHITE;
      label = "OK";
      f = ok_font;
    } else if (full) {
      enabled = FALSE;
      fill = DISABLED_BG;
      edge = DISABLED_EDGE;
      ink = DISABLED_INK;
    }
    ui_draw_round_rect(cx->canvas, r, RADIUS, fill, 2, edge);
    ui_draw_text(cx->canvas, f, ink, r.x, r.y + (r.h - TTF_FontHeight(f)) / 2,
                 r.w, UI_ALIGN_CENTER, label);
    add_target(cx, id, r, type, type == INTENT_KEY ? id[0] : 0, enabled);
  }
}

/* The typed code in one wide box, one character per fixed-width cell so the
 * digits stand apart and are easy to check against the e-mail; a bar marks
 * where the next digit goes. entry_max is a maximum, not the code's length,
 * so no per-digit boxes (they would suggest digits are missing). */
static void draw_entry(Ctx *cx, int x, int y, int w)
{
  const KioskView *v = cx->view;
  const char *entry = v->entry ? v->entry : "";
  int len = (int)g_utf8_strlen(entry, -1);
  TTF_Font *f = v->entry_masked ? font(cx, UI_FONT_REGULAR, 36)
                                : font(cx, UI_FONT_BOLD, 52);
  SDL_Rect r = {x, y, w, ENTRY_H};
  int cells = MAX(MAX(len, v->entry_max), 1);
  int pitch = MIN(48, (w - 56) / cells);
  int first = 0, tx;
  const char *p = entry;

  /* More typed than fits: show the end, where typing happens. */
  if (len * pitch > w - 56)
    first = len - (w - 56) / MAX(pitch, 1);
  ui_draw_round_rect(cx->canvas, r, 8, WHITE, 3, BLUE);
  tx = r.x + 24;
  for (int i = 0; *p; i++, p = g_utf8_next_char(p)) {
    g_autofree char *ch = g_strndup(p, g_utf8_next_char(p) - p);

    if (i < first)
      continue;
    ui_draw_text(cx->canvas, f, INK, tx, r.y + (r.h - TTF_FontHeight(f)) / 2,
                 pitch, UI_ALIGN_CENTER, v->entry_masked ? "●" : ch);
    tx += pitch;
  }
  if (!ui_screens_entry_full(v))
    ui_draw_fill(cx->canvas, (SDL_Rect){tx + 4, r.y + 18, 4, r.h - 36}, BLUE);
}

/* ---- screens ---- */

static void screen_keypad(Ctx *cx)
{
  const KioskView *v = cx->view;
  SDL_Rect in = cx->inner;
  int pad_w = 3 * KEY_W + 2 * KEY_GAP;
  SDL_Rect pad =
      ui_layout_reach(v, cx->info->height,
                      (SDL_Rect){rect_right(in) - pad_w, in.y, pad_w, in.h});
  SDL_Rect col = {in.x, in.y, pad.x - 56 - in.x, in.h};
  ButtonPlan plan = plan_buttons(cx, col.w);
  int n = n_lines(v);
  /* With a warning the last line is the error; the others instruct. */
  int error = v->warning && n > 0 && has_text(v->lines[n - 1]) ? n - 1 : -1;
  TTF_Font *ef = NULL;
  int eh = 0, avail = 0, bh, y;

  /* The error steps down the ladder with the text above it when both do
   * not fit at once (buttons in two rows leave less room). */
  for (int level = 0; level < N_LADDER; level++) {
    ef = font(cx, UI_FONT_BOLD, LADDER[level].body);
    eh = error >= 0 ? ui_draw_paragraph(cx->canvas, ef, RED, 0, 0, col.w - 24,
                                        UI_ALIGN_LEFT, v->lines[error], FALSE)
                    : 0;
    avail = col.h - ENTRY_H - 28 - (eh ? eh + 20 : 0) -
            (plan.height ? plan.height + GAP : 0);
    if (text_block(cx, level, 0, 0, col.w, UI_ALIGN_LEFT, v->title, INK, 0,
                   error >= 0 ? n - 1 : n, FALSE) <= avail)
      break;
  }
  bh = draw_block_in(cx, (SDL_Rect){col.x, col.y, col.w, MAX(avail, 0)},
                     UI_ALIGN_LEFT, INK, 0, error >= 0 ? n - 1 : n);
  y = col.y + bh + (bh ? 28 : 0);

  /* A code and a keypad read left to right in every language. */
  ui_canvas_keep_ltr(cx->canvas, &(SDL_Rect){col.x, y, col.w, ENTRY_H});
  draw_entry(cx, col.x, y, col.w);
  ui_canvas_keep_ltr(cx->canvas, NULL);
  y += ENTRY_H + 20;
  if (error >= 0) {
    ui_draw_fill(cx->canvas, (SDL_Rect){col.x, y, 8, eh}, RED);
    ui_draw_paragraph(cx->canvas, ef, RED, col.x + 24, y, col.w - 24,
                      UI_ALIGN_LEFT, v->lines[error], TRUE);
  }
  draw_buttons(cx, &plan, col, UI_ALIGN_LEFT);
  ui_canvas_keep_ltr(cx->canvas, &pad);
  draw_keypad(cx, pad);
  ui_canvas_keep_ltr(cx->canvas, NULL);
}

static void screen_message(Ctx *cx)
{
  const KioskView *v = cx->view;
  SDL_Rect in = cx->inner;
  ButtonPlan plan = plan_buttons(cx, in.w);
  /* Long lines are hard to follow: keep plain text to a readable measure,
   * a warning panel spans the width so it reads as one block. */
  int w = v->warning ? in.w : MIN(in.w, 1040);
  SDL_Rect box = {in.x, in.y, w, in.h - (plan.height ? plan.height + GAP : 0)};

  /* Right-to-left text keeps its measure on the right, where it starts. */
  if (!ui_canvas_mirrored(cx->canvas) &&
      ui_text_is_rtl(has_text(v->title) ? v->title : v->lines[0]))
    box.x = rect_right(in) - w;
  draw_texts(cx, box, UI_ALIGN_LEFT, 0, n_lines(v));
  draw_buttons(cx, &plan, in, UI_ALIGN_RIGHT);
}

static void screen_person(Ctx *cx)
{
  const KioskView *v = cx->view;
  SDL_Rect in = cx->inner;
  ButtonPlan plan = plan_buttons(cx, in.w);
  SDL_Rect area = {in.x, in.y, in.w,
                   in.h - (plan.height ? plan.height + GAP : 0)};
  g_autofree char *step =
      v->n_steps > 0 && v->step > 0
          ? g_strdup_printf(_("Step %d of %d"), v->step, v->n_steps)
          : NULL;
  int level = 0, total = 0;

  for (level = 0; level < N_LADDER; level++) {
    TTF_Font *nf = font(cx, UI_FONT_BOLD, LADDER[level].name);
    TTF_Font *sf = font(cx, UI_FONT_REGULAR, LADDER[level].body);

    total = ui_draw_paragraph(cx->canvas, nf, BLUE, 0, 0, area.w,
                              UI_ALIGN_CENTER, v->person, FALSE) +
            (step ? 12 + TTF_FontLineSkip(sf) : 0) + 32 +
            text_block(cx, level, 0, 0, area.w, UI_ALIGN_CENTER, v->title, INK,
                       0, n_lines(v), FALSE);
    if (total <= area.h || level == N_LADDER - 1)
      break;
  }
  {
    TTF_Font *nf = font(cx, UI_FONT_BOLD, LADDER[level].name);
    TTF_Font *sf = font(cx, UI_FONT_REGULAR, LADDER[level].body);
    int y = area.y + MAX(0, (area.h - total) / 2);

    ui_canvas_clip(cx->canvas, &area);
    y += text_block(cx, level, area.x, y, area.w, UI_ALIGN_CENTER, v->title,
                    INK, 0, 0, TRUE);
    y += 24;
    y += ui_draw_paragraph(cx->canvas, nf, BLUE, area.x, y, area.w,
                           UI_ALIGN_CENTER, v->person, TRUE);
    if (step) {
      ui_draw_text(cx->canvas, sf, INK_SOFT, area.x, y + 12, area.w,
                   UI_ALIGN_CENTER, step);
      y += 12 + TTF_FontLineSkip(sf);
    }
    y += 24;
    text_block(cx, level, area.x, y, area.w, UI_ALIGN_CENTER, NULL, INK, 0,
               n_lines(v), TRUE);
    ui_canvas_clip(cx->canvas, NULL);
  }
  draw_buttons(cx, &plan, in, UI_ALIGN_CENTER);
}

/* The face guide: an oval where the head should be, drawn dark with a white
 * core so it shows on light and dark backgrounds alike. */
static void draw_face_oval(Ctx *cx, SDL_Rect pic)
{
  int oh = pic.h * 62 / 100;
  int ow = MIN(oh * 74 / 100, pic.w * 80 / 100);
  SDL_Rect oval = {pic.x + (pic.w - ow) / 2, pic.y + pic.h * 45 / 100 - oh / 2,
                   ow, oh};

  ui_draw_ring(cx->canvas, oval, 10, BLUE);
  ui_draw_ring(cx->canvas,
               (SDL_Rect){oval.x + 3, oval.y + 3, oval.w - 6, oval.h - 6}, 4,
               WHITE);
}

static void screen_photo(Ctx *cx)
{
  const KioskView *v = cx->view;
  SDL_Rect in = cx->inner;
  int img_w = MIN(620, in.w / 2);
  int cap_h = has_text(v->image_caption) ? 40 : 0;
  SDL_Rect box = {in.x, in.y, img_w, in.h - cap_h};
  SDL_Rect col = {in.x + img_w + MARGIN, in.y, 0, in.h};
  SDL_Rect pic;
  ButtonPlan plan;

  col.w = rect_right(in) - col.x;
  plan = plan_buttons(cx, col.w);
  pic = draw_picture(cx, &v->image, box, 35, 45);
  outline(cx, pic, 2, EDGE);
  if (v->n_marks > 0)
    ui_photo_overlay_marks(cx->canvas, pic, v);
  else
    draw_face_oval(cx, pic);
  ui_photo_overlay_countdown(cx->canvas, pic, v->countdown);
  if (cap_h) {
    TTF_Font *f = font(cx, UI_FONT_REGULAR, 22);
    g_autofree char *text = ellipsize(f, v->image_caption, img_w);

    ui_draw_text(cx->canvas, f, INK_SOFT, box.x, rect_bottom(pic) + 10, box.w,
                 UI_ALIGN_CENTER, text);
  }
  draw_texts(cx,
             (SDL_Rect){col.x, col.y, col.w,
                        col.h - (plan.height ? plan.height + GAP : 0)},
             UI_ALIGN_LEFT, 0, n_lines(v));
  draw_buttons(cx, &plan, col, UI_ALIGN_RIGHT);
}

/* The pad's notice for the applicant, centred in the writing area. */
static void draw_ink_notice(Ctx *cx, SDL_Rect area)
{
  const ViewInk *ink = &cx->view->ink;
  TTF_Font *f = font(cx, UI_FONT_BOLD, 28);
  int h = TTF_FontHeight(f) + 24;
  SDL_Rect band = {area.x + 48, area.y + 24, area.w - 96, h};
  g_autofree char *text = ellipsize(f, ink->notice, band.w - 48);

  ui_draw_round_rect(cx->canvas, band, RADIUS,
                     ink->notice_warning ? WARN_BG : KEY_BG, 2,
                     ink->notice_warning ? RED : EDGE);
  ui_draw_text(cx->canvas, f, ink->notice_warning ? RED_DARK : BLUE,
               band.x + band.w / 2, band.y + 12, 0, UI_ALIGN_CENTER, text);
}

static void screen_signature(Ctx *cx)
{
  const KioskView *v = cx->view;
  SDL_Rect in = cx->inner;
  ButtonPlan plan = plan_buttons(cx, in.w);
  int th = draw_texts(cx, (SDL_Rect){in.x, in.y, in.w, in.h * 35 / 100},
                      UI_ALIGN_LEFT, 0, n_lines(v));
  int top = MAX(in.y + th + 20, ui_layout_reach(v, cx->info->height, in).y);
  SDL_Rect area = {in.x, top, in.w,
                   rect_bottom(in) - (plan.height ? plan.height + GAP : 0) -
                       top};
  int base_y = area.y + area.h * 72 / 100;
  TTF_Font *xf = font(cx, UI_FONT_REGULAR, 40);
  SDL_Rect writing = {area.x + 16, area.y + 16, area.w - 32, area.h - 32};

  /* The writing area has the stored image's 3:1 aspect, so that the ink
   * written, shown live and rendered afterwards all line up. */
  if (!ui_fit_size(3, 1, writing, &writing))
    writing = area;
  cx->sign_area = writing;
  ui_draw_round_rect(cx->canvas, area, 12, WHITE, 3, EDGE);
  ui_draw_fill(cx->canvas, (SDL_Rect){area.x + 96, base_y, area.w - 144, 3},
               EDGE);
  ui_draw_text(cx->canvas, xf, INK_SOFT, area.x + 36,
               base_y - TTF_FontAscent(xf) + 4, 0, UI_ALIGN_LEFT, "✕");
  /* Multiplying lays the ink over the baseline instead of blanking it. */
  ui_draw_image(cx->canvas, &v->image, writing, SDL_BLENDMODE_MOD, NULL);
  ui_canvas_clip(cx->canvas, &area);
  ui_draw_ink(cx->canvas, writing, v->ink.points, v->ink.n_points, INK);
  ui_canvas_clip(cx->canvas, NULL);
  if (has_text(v->ink.notice))
    draw_ink_notice(cx, area);
  if (has_text(v->image_caption)) {
    TTF_Font *f = font(cx, UI_FONT_REGULAR, 22);
    g_autofree char *text = ellipsize(f, v->image_caption, area.w - 72);

    ui_draw_text(cx->canvas, f, INK_SOFT, area.x + 36,
                 rect_bottom(area) - 16 - TTF_FontHeight(f), 0, UI_ALIGN_LEFT,
                 text);
  }
  draw_buttons(cx, &plan, in, UI_ALIGN_RIGHT);
}

static void screen_fingerprint(Ctx *cx)
{
  const KioskView *v = cx->view;
  SDL_Rect in = cx->inner;
  ButtonPlan plan = plan_buttons(cx, in.w);
  SDL_Rect content = {in.x, in.y, in.w,
                      in.h - (plan.height ? plan.height + GAP : 0)};
  SDL_Rect col = content;
  int grid_min = v->n_fingers > 0 ? 190 : 0;
  int th;

  if (v->image.pixels) {
    SDL_Rect big = {rect_right(content) - 320, content.y, 320,
                    MIN(400, content.h)};
    SDL_Rect pic = draw_picture(cx, &v->image, big, 4, 5);

    outline(cx, pic, 2, EDGE);
    col.w = big.x - MARGIN - col.x;
  }
  th = draw_texts(cx, (SDL_Rect){col.x, col.y, col.w, col.h - grid_min},
                  UI_ALIGN_LEFT, 0, n_lines(v));
  draw_finger_grid(
      cx, (SDL_Rect){col.x, col.y + th + 28, col.w, col.h - th - 28}, 20, 150);
  draw_buttons(cx, &plan, in, UI_ALIGN_RIGHT);
}

static void screen_review(Ctx *cx)
{
  const KioskView *v = cx->view;
  SDL_Rect in = cx->inner;
  int col_a = 280;
  int photo_h = MIN(360, (in.h - 16) * 3 / 4);
  int photo_w = photo_h * 35 / 45;
  int sig_h = MIN(130, in.h - photo_h - 16);
  SDL_Rect photo = {in.x + (col_a - photo_w) / 2, in.y, photo_w, photo_h};
  SDL_Rect sig = {in.x, in.y + photo_h + 16, col_a, sig_h};
  SDL_Rect col = {in.x + col_a + MARGIN, in.y, 0, in.h};
  SDL_Rect pic;
  ButtonPlan plan;
  int avail, th, grid_min = v->n_fingers > 0 ? 150 : 0;

  col.w = rect_right(in) - col.x;
  plan = plan_buttons(cx, col.w);
  pic = draw_picture(cx, &v->image, photo, 35, 45);
  outline(cx, pic, 2, EDGE);
  /* No box at all when no signature was taken (children under the
   * signature age): an empty frame would look like something is missing. */
  if (v->signature.pixels) {
    ui_draw_round_rect(cx->canvas, sig, 6, WHITE, 2, EDGE);
    ui_draw_image(cx->canvas, &v->signature,
                  (SDL_Rect){sig.x + 8, sig.y + 8, sig.w - 16, sig.h - 16},
                  SDL_BLENDMODE_MOD, NULL);
  }
  avail = col.h - (plan.height ? plan.height + GAP : 0);
  th = draw_texts(cx, (SDL_Rect){col.x, col.y, col.w, avail - grid_min},
                  UI_ALIGN_LEFT, 0, n_lines(v));
  draw_finger_grid(
      cx, (SDL_Rect){col.x, col.y + th + 24, col.w, avail - th - 24}, 18, 110);
  draw_buttons(cx, &plan, col, UI_ALIGN_RIGHT);
}

static void screen_done(Ctx *cx)
{
  const KioskView *v = cx->view;
  SDL_Rect in = cx->inner;
  ButtonPlan plan = plan_buttons(cx, in.w);
  SDL_Rect area = {in.x, in.y, in.w,
                   in.h - (plan.height ? plan.height + GAP : 0)};
  int mark = MIN(150, area.h / 3);
  int level =
      fit_level(cx, area.w, area.h - mark - 32, v->title, 0, n_lines(v));
  int bh = MIN(text_block(cx, level, 0, 0, area.w, UI_ALIGN_CENTER, v->title,
                          INK, 0, n_lines(v), FALSE),
               area.h - mark - 32);
  int y = area.y + MAX(0, (area.h - mark - 32 - bh) / 2);
  SDL_Rect circle = {area.x + (area.w - mark) / 2, y, mark, mark};
  TTF_Font *cf = font(cx, UI_FONT_BOLD, mark * 2 / 3);
  /* Clipped to the room left, not to the lines' height: marks below the
   * last line (Arabic dots) reach under it. */
  SDL_Rect text = {area.x, y + mark + 32, area.w,
                   rect_bottom(area) - (y + mark + 32)};

  /* A filled disc is a ring as thick as its radius. */
  ui_draw_ring(cx->canvas, circle, mark / 2 + 1, GREEN);
  ui_draw_text(cx->canvas, cf, WHITE, circle.x,
               circle.y + (mark - TTF_FontHeight(cf)) / 2, circle.w,
               UI_ALIGN_CENTER, TTF_GlyphIsProvided32(cf, 0x2714) ? "✔" : "✓");
  ui_canvas_clip(cx->canvas, &text);
  text_block(cx, level, text.x, text.y, text.w, UI_ALIGN_CENTER, v->title,
             v->warning ? RED_DARK : INK, 0, n_lines(v), TRUE);
  ui_canvas_clip(cx->canvas, NULL);
  draw_buttons(cx, &plan, in, UI_ALIGN_CENTER);
}

void ui_screens_draw(UiCanvas *canvas, const UiScreenInfo *info,
                     const KioskView *view, GArray *targets,
                     SDL_Rect *ret_sign_area)
{
  Ctx cx = {canvas, info, view, targets, {0, 0, 0, 0}, {0, 0, 0, 0}};
  int top;

  cx.ladder = ui_layout_ladder(view, &cx.n_ladder);
  g_array_set_size(targets, 0);
  ui_canvas_clip(canvas, NULL);
  ui_draw_fill(canvas, (SDL_Rect){0, 0, info->width, info->height}, WHITE);
  draw_header(&cx);
  top = HEADER_H + draw_banner(&cx, HEADER_H);
  draw_footer(&cx);
  cx.inner = (SDL_Rect){MARGIN, top + 32, info->width - 2 * MARGIN,
                        info->height - FOOTER_H - 24 - (top + 32)};

  switch (view->screen) {
  case VIEW_CHECKIN:
  case VIEW_OFFICER_PIN:
  case VIEW_TECHNICIAN_PIN:
    screen_keypad(&cx);
    break;
  case VIEW_TECHNICIAN:
    ui_technician_draw(canvas, info, view, cx.inner, targets);
    break;
  case VIEW_PERSON:
    screen_person(&cx);
    break;
  case VIEW_PHOTO:
    screen_photo(&cx);
    break;
  case VIEW_SIGNATURE:
    screen_signature(&cx);
    break;
  case VIEW_FINGERPRINT:
    screen_fingerprint(&cx);
    break;
  case VIEW_REVIEW:
    screen_review(&cx);
    break;
  case VIEW_DONE:
    screen_done(&cx);
    break;
  case VIEW_MESSAGE:
  case VIEW_N_SCREENS:
  default:
    screen_message(&cx);
    break;
  }
  if (view->screen == VIEW_CHECKIN && view->technician_entry)
    ui_technician_entry(canvas, info, targets);
  ui_speaker_draw(canvas, info, view, targets);
  if (ret_sign_area)
    *ret_sign_area = cx.sign_area;
}

int ui_screens_draw_buttons(UiCanvas *canvas, const UiScreenInfo *info,
                            const KioskView *view, SDL_Rect area,
                            GArray *targets)
{
  Ctx cx = {canvas, info, view, targets, area, {0, 0, 0, 0}};
  ButtonPlan plan;

  cx.ladder = ui_layout_ladder(view, &cx.n_ladder);
  plan = plan_buttons(&cx, area.w);

  draw_buttons(&cx, &plan, area, UI_ALIGN_RIGHT);
  return plan.height;
}

int ui_screens_hit(GArray *targets, int x, int y)
{
  SDL_Point p = {x, y};

  for (guint i = 0; i < targets->len; i++) {
    if (SDL_PointInRect(&p, &g_array_index(targets, UiTarget, i).rect))
      return (int)i;
  }
  return -1;
}

int ui_screens_find(GArray *targets, const char *id)
{
  /* Two passes so that a button that happens to be called "ok" cannot
   * shadow the keypad's own key. */
  for (int pass = 0; pass < 2; pass++) {
    for (guint i = 0; i < targets->len; i++) {
      const UiTarget *t = &g_array_index(targets, UiTarget, i);

      if ((t->type == INTENT_BUTTON) == (pass == 1) &&
          g_strcmp0(t->id, id) == 0)
        return (int)i;
    }
  }
  return -1;
}
