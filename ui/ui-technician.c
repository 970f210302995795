/* See ui-technician.h. The colours are the kiosk's (ui-palette.h); a
 * check's state is told by a word and a mark as well as by its colour. */
#include "ui-technician.h"

#include "ui-palette.h"

enum {
  TAB_W = 250,
  TAB_H = 60,
  TAB_GAP = 8,
  COL_GAP = 36,
  PICTURE_W = 320,
  PICTURE_H = 240,
  LABEL_W = 170,
  ROW_FONT = 21,
};

static void add_target(GArray *targets, const char *id, SDL_Rect rect)
{
  UiTarget target = {.rect = rect, .type = INTENT_BUTTON, .enabled = TRUE};

  g_strlcpy(target.id, id, sizeof target.id);
  g_array_append_val(targets, target);
}

static void draw_tabs(UiCanvas *canvas, const ViewPanel *panel, SDL_Rect col,
                      GArray *targets)
{
  TTF_Font *f = ui_canvas_font(canvas, UI_FONT_BOLD, 24);
  int n = CLAMP(panel->n_tabs, 0, VIEW_MAX_TABS);

  for (int i = 0; i < n; i++) {
    SDL_Rect r = {col.x, col.y + i * (TAB_H + TAB_GAP), col.w, TAB_H};
    gboolean current = i == panel->current;

    ui_draw_round_rect(canvas, r, 10, current ? BLUE : KEY_BG, 2,
                       current ? BLUE : EDGE);
    ui_draw_text(canvas, f, current ? WHITE : BLUE, r.x + 20,
                 r.y + (r.h - TTF_FontHeight(f)) / 2, 0, UI_ALIGN_LEFT,
                 panel->tab_labels[i] ? panel->tab_labels[i] : "");
    add_target(targets, panel->tab_ids[i] ? panel->tab_ids[i] : "", r);
  }
}

/* The mark and colour of a row's state. */
static const char *row_mark(ViewRowStatus status, UiColor *ret_color)
{
  switch (status) {
  case VIEW_ROW_OK:
    *ret_color = GREEN;
    return "✓";
  case VIEW_ROW_WARN:
    *ret_color = AMBER;
    return "!";
  case VIEW_ROW_FAIL:
    *ret_color = RED_DARK;
    return "✗";
  case VIEW_ROW_PLAIN:
  case VIEW_ROW_HEAD:
    break;
  }
  *ret_color = INK;
  return NULL;
}

/* One row: a heading, or a mark, the label and the value (wrapped to at
 * most three lines). Returns its height. */
static int draw_row(UiCanvas *canvas, const ViewRow *row, int x, int y, int w)
{
  TTF_Font *f = ui_canvas_font(canvas, UI_FONT_REGULAR, ROW_FONT);
  TTF_Font *bf = ui_canvas_font(canvas, UI_FONT_BOLD, ROW_FONT);
  int skip = TTF_FontLineSkip(f);
  g_auto(GStrv) lines = NULL;
  UiColor color;
  const char *mark = row_mark(row->status, &color);
  int n;

  if (row->status == VIEW_ROW_HEAD) {
    ui_draw_text(canvas, bf, BLUE, x, y + 6, 0, UI_ALIGN_LEFT,
                 row->label ? row->label : "");
    ui_draw_fill(canvas, (SDL_Rect){x, y + 6 + skip, w, 2}, RULE);
    return skip + 12;
  }
  if (mark)
    ui_draw_text(canvas, bf, color, x, y, 24, UI_ALIGN_CENTER, mark);
  ui_draw_text(canvas, f, INK_SOFT, x + 30, y, 0, UI_ALIGN_LEFT,
               row->label ? row->label : "");
  lines = ui_text_wrap(f, row->value, w - LABEL_W - 30);
  n = lines ? MIN((int)g_strv_length(lines), 3) : 0;
  for (int i = 0; i < n; i++)
    ui_draw_text(canvas, mark && row->status != VIEW_ROW_OK ? bf : f,
                 mark && row->status != VIEW_ROW_OK ? color : INK,
                 x + 30 + LABEL_W, y + i * skip, 0, UI_ALIGN_LEFT, lines[i]);
  return MAX(n, 1) * skip + 4;
}

/* The test picture and its caption (or the caption alone) at the top
 * right of `area`, cut at its bottom; returns the width taken (0: none). */
static int draw_result(UiCanvas *canvas, const KioskView *v, SDL_Rect area)
{
  TTF_Font *f = ui_canvas_font(canvas, UI_FONT_BOLD, 20);
  SDL_Rect box = {area.x + area.w - PICTURE_W, area.y, PICTURE_W, PICTURE_H};
  SDL_Rect pic;
  int y = area.y;

  if (!v->image.pixels && !(v->image_caption && *v->image_caption))
    return 0;
  if (v->image.pixels &&
      ui_draw_image(canvas, &v->image, box, SDL_BLENDMODE_NONE, &pic)) {
    ui_draw_fill(canvas, (SDL_Rect){pic.x - 2, pic.y - 2, pic.w + 4, 2}, EDGE);
    ui_draw_fill(canvas, (SDL_Rect){pic.x - 2, pic.y + pic.h, pic.w + 4, 2},
                 EDGE);
    ui_draw_fill(canvas, (SDL_Rect){pic.x - 2, pic.y, 2, pic.h}, EDGE);
    ui_draw_fill(canvas, (SDL_Rect){pic.x + pic.w, pic.y, 2, pic.h}, EDGE);
    y = box.y + box.h + 12;
  }
  if (v->image_caption) {
    ui_canvas_clip(canvas, &(SDL_Rect){box.x, y, box.w, area.y + area.h - y});
    ui_draw_paragraph(canvas, f, v->warning ? RED_DARK : INK, box.x, y, box.w,
                      UI_ALIGN_LEFT, v->image_caption, TRUE);
    ui_canvas_clip(canvas, NULL);
  }
  return PICTURE_W + COL_GAP;
}

void ui_technician_draw(UiCanvas *canvas, const UiScreenInfo *info,
                        const KioskView *view, SDL_Rect inner, GArray *targets)
{
  TTF_Font *tf = ui_canvas_font(canvas, UI_FONT_BOLD, 34);
  SDL_Rect tabs = {inner.x, inner.y, TAB_W, inner.h};
  SDL_Rect page = {inner.x + TAB_W + COL_GAP, inner.y, 0, inner.h};
  int buttons_h, picture_w, y, bottom;

  page.w = inner.x + inner.w - page.x;
  draw_tabs(canvas, &view->panel, tabs, targets);
  ui_draw_text(canvas, tf, INK, page.x, page.y - 6, 0, UI_ALIGN_LEFT,
               view->title ? view->title : "");
  /* The buttons span the width under the tabs: one row for all four. */
  buttons_h = ui_screens_draw_buttons(canvas, info, view, inner, targets);
  y = page.y + TTF_FontLineSkip(tf) + 8;
  bottom = page.y + page.h - buttons_h - 16;
  picture_w = draw_result(canvas, view,
                          (SDL_Rect){page.x, y + 4, page.w, bottom - y - 4});
  ui_canvas_clip(canvas,
                 &(SDL_Rect){page.x, y, page.w - picture_w, bottom - y});
  for (int i = 0; i < CLAMP(view->panel.n_rows, 0, VIEW_MAX_ROWS); i++) {
    if (y >= bottom)
      break;
    y += draw_row(canvas, &view->panel.rows[i], page.x, y, page.w - picture_w);
  }
  ui_canvas_clip(canvas, NULL);
}

void ui_technician_entry(UiCanvas *canvas, const UiScreenInfo *info,
                         GArray *targets)
{
  TTF_Font *f = ui_canvas_font(canvas, UI_FONT_REGULAR, 20);
  const char *label = "Service";
  int w = ui_text_width(f, label) + 40;
  /* The footer is 48 px: the control fills its height at the right end,
   * touchable but quiet. */
  SDL_Rect r = {info->width - w - 8, info->height - 44, w, 40};

  ui_draw_round_rect(canvas, r, 8, KEY_BG, 1, RULE);
  ui_draw_text(canvas, f, INK_SOFT, r.x, r.y + (r.h - TTF_FontHeight(f)) / 2,
               r.w, UI_ALIGN_CENTER, label);
  add_target(targets, VIEW_BUTTON_TECHNICIAN, r);
}
