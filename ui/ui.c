/* The SDL2 front end (see ui.h): every frame is drawn by SDL's software
 * renderer into a surface of the logical size, which makes frames
 * byte-identical across runs and machines; with a display that surface is
 * then shown in a window, scaled by SDL_RenderSetLogicalSize. Input is
 * hit-tested against the targets the last frame actually drew. */
#include "ui.h"

#include <SDL.h>
#include <SDL_ttf.h>
#include <math.h>
#include <string.h>

#include "bk-config.h"
#include "ui-draw.h"
#include "ui-screens.h"

G_DEFINE_QUARK(biokiosk - ui - error - quark, ui_error)

#define MAX_PRESSES   10
#define MOUSE_POINTER ((SDL_FingerID)-1)
/* Touch device id of ui_press()'s synthetic touches: a value no kernel
 * device gets, so they are recognisable in a debugger. */
#define SYNTHETIC_TOUCH ((SDL_TouchID)0x62696f6b)

typedef struct {
  gboolean down;
  SDL_FingerID pointer;
  UiTarget target; /* copied: the frame may be redrawn before release */
} Press;

struct Ui {
  Uint32 wake_event; /* SDL user event type that ui_wake() pushes */
  int width;
  int height;
  gboolean headless;
  Uint32 window_flags; /* fullscreen under a kiosk compositor */
  char *location;

  gboolean video_up;
  gboolean ttf_up;
  SDL_Window *window;
  SDL_Renderer *window_renderer;
  SDL_Texture *window_texture;

  SDL_Surface *frame;
  SDL_Renderer *renderer; /* software, draws into `frame` */
  UiCanvas *canvas;

  /* What the last frame showed, for input. */
  gboolean rendered;
  GArray *targets; /* UiTarget */
  gboolean keypad;
  gboolean entry_full;
  char primary[32];

  Press presses[MAX_PRESSES];
  SDL_FingerID next_synthetic;

  /* The touchscreen as signature pad. */
  SDL_Rect sign_area;     /* of the last frame; empty when not signing */
  gboolean pen_input;     /* the last frame's view.ink.pen_input */
  gboolean showed_person; /* the last frame's view had a person */
  UiSampleFunc sample_func;
  gpointer sample_data;
  gboolean stroke;
  SDL_FingerID stroke_pointer;
  KioskIntent pen; /* the INTENT_PEN of the event being handled */

  /* ui_press(VIEW_TARGET_SIGN): touch events still to push, each when its
   * time comes (monotonic), so that they reach the queue as a hand's would. */
  GArray *script;     /* SDL_Event */
  GArray *script_due; /* gint64 */
  guint script_next;
  Uint32 script_t0;       /* SDL's ticks when the script began */
  gint64 script_start_us; /* and the monotonic time */
};

static gboolean init_video(Ui *ui, GError **error)
{
  static const char *const headless_drivers[] = {"offscreen", "dummy"};

  if (!ui->headless) {
    /* A previous headless Ui may have forced a driver. */
    SDL_ResetHint(SDL_HINT_VIDEODRIVER);
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
      g_set_error(error, UI_ERROR, UI_ERROR_INIT, "cannot open the display: %s",
                  SDL_GetError());
      return FALSE;
    }
    ui->video_up = TRUE;
    return TRUE;
  }
  for (gsize i = 0; i < G_N_ELEMENTS(headless_drivers); i++) {
    SDL_SetHintWithPriority(SDL_HINT_VIDEODRIVER, headless_drivers[i],
                            SDL_HINT_OVERRIDE);
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) == 0) {
      g_debug("ui: headless with SDL video driver %s", headless_drivers[i]);
      ui->video_up = TRUE;
      return TRUE;
    }
  }
  g_set_error(error, UI_ERROR, UI_ERROR_INIT,
              "no headless SDL video driver: %s", SDL_GetError());
  return FALSE;
}

static gboolean init_window(Ui *ui, GError **error)
{
  SDL_DisplayMode desktop = {.w = ui->width, .h = ui->height};

  /* Full screen: the window takes the output's size from the start, so the
   * first frame already fits it. */
  if (ui->window_flags)
    SDL_GetDesktopDisplayMode(0, &desktop);
  ui->window = SDL_CreateWindow("biokiosk", SDL_WINDOWPOS_CENTERED,
                                SDL_WINDOWPOS_CENTERED, desktop.w, desktop.h,
                                SDL_WINDOW_SHOWN | ui->window_flags);
  if (ui->window)
    ui->window_renderer = SDL_CreateRenderer(ui->window, -1, 0);
  if (ui->window_renderer)
    ui->window_texture =
        SDL_CreateTexture(ui->window_renderer, SDL_PIXELFORMAT_RGB888,
                          SDL_TEXTUREACCESS_STREAMING, ui->width, ui->height);
  if (!ui->window_texture) {
    g_set_error(error, UI_ERROR, UI_ERROR_INIT, "cannot open a window: %s",
                SDL_GetError());
    return FALSE;
  }
  /* Panels of another size get the same picture scaled, letterboxed; SDL
   * then maps pointer and touch coordinates back to logical ones. */
  SDL_RenderSetLogicalSize(ui->window_renderer, ui->width, ui->height);
  SDL_SetTextureScaleMode(ui->window_texture, SDL_ScaleModeLinear);
  return TRUE;
}

Ui *ui_new(const UiOptions *options, GError **error)
{
  g_autoptr(Ui) ui = NULL;
  const char *font_path;
  UiFonts *fonts;

  g_return_val_if_fail(options != NULL, NULL);

  ui = g_new0(Ui, 1);
  ui->width = options->width > 0 ? options->width : 1280;
  ui->height = options->height > 0 ? options->height : 800;
  ui->headless = options->headless ||
                 (!g_getenv("DISPLAY") && !g_getenv("WAYLAND_DISPLAY"));
  ui->location = g_strdup(options->location);
  if (options->fullscreen)
    ui->window_flags = SDL_WINDOW_FULLSCREEN_DESKTOP;
  ui->targets = g_array_new(FALSE, TRUE, sizeof(UiTarget));
  ui->script = g_array_new(FALSE, TRUE, sizeof(SDL_Event));
  ui->script_due = g_array_new(FALSE, TRUE, sizeof(gint64));
  ui->next_synthetic = 1;
  font_path = options->font_path ? options->font_path : BK_FONT_PATH;

  if (!init_video(ui, error))
    return NULL;
  ui->wake_event = SDL_RegisterEvents(1);
  if (ui->wake_event == (Uint32)-1) {
    g_set_error(error, UI_ERROR, UI_ERROR_INIT,
                "no SDL user event left for waking the loop");
    return NULL;
  }
  if (!ui->headless && !init_window(ui, error))
    return NULL;
  ui->frame = SDL_CreateRGBSurfaceWithFormat(0, ui->width, ui->height, 32,
                                             SDL_PIXELFORMAT_RGB888);
  if (ui->frame)
    ui->renderer = SDL_CreateSoftwareRenderer(ui->frame);
  if (!ui->renderer) {
    g_set_error(error, UI_ERROR, UI_ERROR_INIT,
                "cannot create the software renderer: %s", SDL_GetError());
    return NULL;
  }
  if (TTF_Init() != 0) {
    g_set_error(error, UI_ERROR, UI_ERROR_FONT, "cannot start SDL_ttf: %s",
                TTF_GetError());
    return NULL;
  }
  ui->ttf_up = TRUE;
  fonts = ui_fonts_new(font_path, options->font_dir, options->scripts, error);
  if (!fonts)
    return NULL;
  ui->canvas = ui_canvas_new_with_fonts(ui->renderer, fonts);
  /* Digits come from key events; an input method would only get in the
   * way of a kiosk. */
  SDL_StopTextInput();
  return g_steal_pointer(&ui);
}

void ui_free(Ui *ui)
{
  if (!ui)
    return;
  ui_canvas_free(ui->canvas); /* before the renderer its textures live on */
  if (ui->ttf_up)
    TTF_Quit();
  if (ui->renderer)
    SDL_DestroyRenderer(ui->renderer);
  if (ui->frame)
    SDL_FreeSurface(ui->frame);
  if (ui->window_texture)
    SDL_DestroyTexture(ui->window_texture);
  if (ui->window_renderer)
    SDL_DestroyRenderer(ui->window_renderer);
  if (ui->window)
    SDL_DestroyWindow(ui->window);
  if (ui->video_up)
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
  if (ui->targets)
    g_array_unref(ui->targets);
  if (ui->script)
    g_array_unref(ui->script);
  if (ui->script_due)
    g_array_unref(ui->script_due);
  g_free(ui->location);
  g_free(ui);
}

gboolean ui_is_headless(Ui *ui)
{
  g_return_val_if_fail(ui != NULL, TRUE);
  return ui->headless;
}

static void present(Ui *ui)
{
  if (!ui->window_renderer || !ui->rendered)
    return;
  SDL_UpdateTexture(ui->window_texture, NULL, ui->frame->pixels,
                    ui->frame->pitch);
  SDL_SetRenderDrawColor(ui->window_renderer, 0, 0, 0, 255);
  SDL_RenderClear(ui->window_renderer);
  SDL_RenderCopy(ui->window_renderer, ui->window_texture, NULL, NULL);
  SDL_RenderPresent(ui->window_renderer);
}

void ui_render(Ui *ui, const KioskView *view)
{
  UiScreenInfo info;

  g_return_if_fail(ui != NULL);
  g_return_if_fail(view != NULL);

  info = (UiScreenInfo){ui->width, ui->height, ui->location};
  /* The person's screens are over (the appointment ended or was reset):
   * their name and data go from the rendered texts too. */
  if (ui->showed_person && !(view->person && *view->person))
    ui_canvas_forget_texts(ui->canvas);
  ui->showed_person = view->person && *view->person;
  /* Right-to-left screens are laid out as mirror images (ui-draw.h); the
   * technician's pages stay English and left to right. */
  ui_canvas_set_mirror(ui->canvas,
                       view->rtl && view->screen != VIEW_TECHNICIAN &&
                           view->screen != VIEW_TECHNICIAN_PIN,
                       ui->width);
  ui_screens_draw(ui->canvas, &info, view, ui->targets, &ui->sign_area);
  for (guint i = 0; i < ui->targets->len; i++) {
    UiTarget *t = &g_array_index(ui->targets, UiTarget, i);

    t->rect = ui_canvas_place(ui->canvas, t->rect);
  }
  if (!SDL_RectEmpty(&ui->sign_area))
    ui->sign_area = ui_canvas_place(ui->canvas, ui->sign_area);
  ui->pen_input = view->screen == VIEW_SIGNATURE && view->ink.pen_input;
  SDL_RenderFlush(ui->renderer);
  ui->rendered = TRUE;
  ui->keypad = view->screen == VIEW_CHECKIN ||
               view->screen == VIEW_OFFICER_PIN ||
               view->screen == VIEW_TECHNICIAN_PIN;
  ui->entry_full = ui_screens_entry_full(view);
  ui->primary[0] = '\0';
  for (int i = 0; i < MIN(view->n_buttons, VIEW_MAX_BUTTONS); i++) {
    const ViewButton *b = &view->buttons[i];

    if (b->primary && b->enabled && b->id) {
      g_strlcpy(ui->primary, b->id, sizeof ui->primary);
      break;
    }
  }
  present(ui);
}

static void set_intent(KioskIntent *ret, IntentType type, char key,
                       const char *button)
{
  memset(ret, 0, sizeof *ret);
  ret->type = type;
  ret->key = key;
  if (button)
    g_strlcpy(ret->button, button, sizeof ret->button);
}

static void target_intent(const UiTarget *t, KioskIntent *ret)
{
  set_intent(ret, t->type, t->key, t->type == INTENT_BUTTON ? t->id : NULL);
}

static Press *find_press(Ui *ui, SDL_FingerID pointer)
{
  for (int i = 0; i < MAX_PRESSES; i++) {
    if (ui->presses[i].down && ui->presses[i].pointer == pointer)
      return &ui->presses[i];
  }
  return NULL;
}

/* A touch or click went down at logical (x, y). Returns TRUE with an intent
 * only for touches outside any live target: the target's intent waits for
 * the release. */
static gboolean pointer_down(Ui *ui, SDL_FingerID pointer, int x, int y,
                             KioskIntent *ret)
{
  int hit = ui_screens_hit(ui->targets, x, y);
  Press *press = find_press(ui, pointer);
  const UiTarget *t;

  if (hit < 0 || !g_array_index(ui->targets, UiTarget, hit).enabled) {
    set_intent(ret, INTENT_ACTIVITY, 0, NULL);
    return TRUE;
  }
  t = &g_array_index(ui->targets, UiTarget, hit);
  if (!press) {
    for (int i = 0; i < MAX_PRESSES && !press; i++) {
      if (!ui->presses[i].down)
        press = &ui->presses[i];
    }
  }
  if (!press)
    press = &ui->presses[0]; /* ten fingers already down: reuse a slot */
  press->down = TRUE;
  press->pointer = pointer;
  press->target = *t;
  return FALSE;
}

static gboolean pointer_up(Ui *ui, SDL_FingerID pointer, int x, int y,
                           KioskIntent *ret)
{
  Press *press = find_press(ui, pointer);
  int hit;
  const UiTarget *t;

  if (!press)
    return FALSE; /* its down already counted as activity */
  press->down = FALSE;
  hit = ui_screens_hit(ui->targets, x, y);
  if (hit >= 0) {
    t = &g_array_index(ui->targets, UiTarget, hit);
    if (t->enabled && t->type == press->target.type &&
        strcmp(t->id, press->target.id) == 0) {
      target_intent(t, ret);
      return TRUE;
    }
  }
  /* Slid off the target: a touch, not a press. */
  set_intent(ret, INTENT_ACTIVITY, 0, NULL);
  return TRUE;
}

static gboolean key_down(Ui *ui, const SDL_KeyboardEvent *key, KioskIntent *ret)
{
  SDL_Keycode sym = key->keysym.sym;
  char digit = 0;

  if (sym >= SDLK_0 && sym <= SDLK_9)
    digit = (char)('0' + (sym - SDLK_0));
  else if (sym >= SDLK_KP_1 && sym <= SDLK_KP_9)
    digit = (char)('1' + (sym - SDLK_KP_1));
  else if (sym == SDLK_KP_0)
    digit = '0';

  /* Ctrl+Q ends a kiosk in a window; full screen (the appliance under
   * cage) a keyboard left at the desk must not take it down, as the service
   * restarts it only when it fails. */
  if (sym == SDLK_q && (key->keysym.mod & KMOD_CTRL) && !ui->window_flags)
    set_intent(ret, INTENT_QUIT, 0, NULL);
  else if (digit && ui->keypad && !ui->entry_full)
    set_intent(ret, INTENT_KEY, digit, NULL);
  else if ((sym == SDLK_BACKSPACE || sym == SDLK_KP_BACKSPACE) && ui->keypad)
    set_intent(ret, INTENT_BACKSPACE, 0, NULL);
  else if ((sym == SDLK_RETURN || sym == SDLK_KP_ENTER) && ui->keypad)
    set_intent(ret, INTENT_SUBMIT, 0, NULL);
  else if ((sym == SDLK_RETURN || sym == SDLK_KP_ENTER) && ui->primary[0])
    set_intent(ret, INTENT_BUTTON, 0, ui->primary);
  else
    set_intent(ret, INTENT_ACTIVITY, 0, NULL);
  return TRUE;
}

void ui_set_sample_func(Ui *ui, UiSampleFunc func, gpointer user_data)
{
  g_return_if_fail(ui != NULL);
  ui->sample_func = func;
  ui->sample_data = user_data;
  ui->stroke = FALSE;
}

static void emit_sample(Ui *ui, double lx, double ly, double pressure,
                        Uint32 timestamp)
{
  const SDL_Rect *a = &ui->sign_area;
  UiSample sample = {
      .x = CLAMP((lx - a->x) / MAX(a->w, 1), 0.0, 1.0),
      .y = CLAMP((ly - a->y) / MAX(a->h, 1), 0.0, 1.0),
      .pressure = CLAMP(pressure, 0.0, 1.0),
      .t_us = (gint64)timestamp * 1000,
  };

  if (ui->sample_func)
    ui->sample_func(&sample, ui->sample_data);
  if (!ui->pen_input)
    return;
  set_intent(&ui->pen, INTENT_PEN, 0, NULL);
  ui->pen.pen = (ViewPenSample){sample.x, sample.y, sample.pressure,
                                sample.t_us, g_get_monotonic_time()};
}

/* Feeds a pointer event to a signature stroke. Returns TRUE when the event
 * belongs to a stroke (started one, continued or ended it); *ret_activity
 * says whether it is the stroke's first touch. */
static gboolean stroke_event(Ui *ui, Uint32 type, SDL_FingerID pointer,
                             double lx, double ly, double pressure,
                             Uint32 timestamp, gboolean *ret_activity)
{
  SDL_Point p = {(int)lx, (int)ly};
  gboolean down = type == SDL_FINGERDOWN || type == SDL_MOUSEBUTTONDOWN;
  gboolean up = type == SDL_FINGERUP || type == SDL_MOUSEBUTTONUP;

  *ret_activity = FALSE;
  if ((!ui->sample_func && !ui->pen_input) || SDL_RectEmpty(&ui->sign_area)) {
    ui->stroke = FALSE;
    return FALSE;
  }
  if (down && !ui->stroke && SDL_PointInRect(&p, &ui->sign_area)) {
    ui->stroke = TRUE;
    ui->stroke_pointer = pointer;
    *ret_activity = TRUE;
  } else if (!ui->stroke || ui->stroke_pointer != pointer) {
    return FALSE;
  }
  if (up) {
    ui->stroke = FALSE;
    pressure = 0.0;
  } else if (pressure <= 0.0) {
    pressure = 1.0; /* down without a pressure sensor */
  }
  emit_sample(ui, lx, ly, pressure, timestamp);
  return TRUE;
}

/* Finger coordinates are normalised; with a window, SDL's renderer has
 * already mapped them to the logical area. */
static int finger_x(Ui *ui, float x)
{
  return (int)(x * (float)ui->width);
}

static int finger_y(Ui *ui, float y)
{
  return (int)(y * (float)ui->height);
}

/* A finger event's time (ms): SDL's, or for a scripted touch the moment
 * the script meant. */
static Uint32 finger_time(Ui *ui, const SDL_TouchFingerEvent *f)
{
  if (f->touchId == SYNTHETIC_TOUCH && ui->script->len)
    return ui->script_t0 + (Uint32)f->dx;
  return f->timestamp;
}

/* Pointer events that belong to a signature stroke. */
static gboolean handle_stroke(Ui *ui, const SDL_Event *ev, KioskIntent *ret)
{
  gboolean activity = FALSE, taken = FALSE;

  switch (ev->type) {
  case SDL_FINGERDOWN:
  case SDL_FINGERMOTION:
  case SDL_FINGERUP:
    taken = stroke_event(ui, ev->type, ev->tfinger.fingerId,
                         ev->tfinger.x * ui->width, ev->tfinger.y * ui->height,
                         ev->tfinger.pressure, finger_time(ui, &ev->tfinger),
                         &activity);
    break;
  case SDL_MOUSEBUTTONDOWN:
  case SDL_MOUSEBUTTONUP:
    if (ev->button.which == SDL_TOUCH_MOUSEID ||
        ev->button.button != SDL_BUTTON_LEFT)
      return FALSE;
    taken = stroke_event(ui, ev->type, MOUSE_POINTER, ev->button.x,
                         ev->button.y, 1.0, ev->button.timestamp, &activity);
    break;
  case SDL_MOUSEMOTION:
    if (ev->motion.which == SDL_TOUCH_MOUSEID)
      return FALSE;
    taken = stroke_event(ui, ev->type, MOUSE_POINTER, ev->motion.x,
                         ev->motion.y, 1.0, ev->motion.timestamp, &activity);
    break;
  default:
    return FALSE;
  }
  if (taken && ui->pen.type == INTENT_PEN)
    *ret = ui->pen; /* the application sees the stroke's activity itself */
  else if (activity)
    set_intent(ret, INTENT_ACTIVITY, 0, NULL);
  ui->pen.type = INTENT_NONE;
  return taken;
}

static gboolean handle_event(Ui *ui, const SDL_Event *ev, KioskIntent *ret)
{
  ret->type = INTENT_NONE;
  if (handle_stroke(ui, ev, ret))
    return ret->type != INTENT_NONE;

  switch (ev->type) {
  case SDL_QUIT:
    set_intent(ret, INTENT_QUIT, 0, NULL);
    return TRUE;
  case SDL_KEYDOWN:
    if (ev->key.repeat)
      return FALSE;
    return key_down(ui, &ev->key, ret);
  case SDL_MOUSEBUTTONDOWN:
  case SDL_MOUSEBUTTONUP:
    /* Touches arrive twice, as finger and as emulated mouse: keep the
     * finger. */
    if (ev->button.which == SDL_TOUCH_MOUSEID)
      return FALSE;
    if (ev->button.button != SDL_BUTTON_LEFT) {
      if (ev->type == SDL_MOUSEBUTTONUP)
        return FALSE;
      set_intent(ret, INTENT_ACTIVITY, 0, NULL);
      return TRUE;
    }
    if (ev->type == SDL_MOUSEBUTTONDOWN)
      return pointer_down(ui, MOUSE_POINTER, ev->button.x, ev->button.y, ret);
    return pointer_up(ui, MOUSE_POINTER, ev->button.x, ev->button.y, ret);
  case SDL_FINGERDOWN:
    return pointer_down(ui, ev->tfinger.fingerId, finger_x(ui, ev->tfinger.x),
                        finger_y(ui, ev->tfinger.y), ret);
  case SDL_FINGERUP:
    return pointer_up(ui, ev->tfinger.fingerId, finger_x(ui, ev->tfinger.x),
                      finger_y(ui, ev->tfinger.y), ret);
  case SDL_WINDOWEVENT:
    if (ev->window.event == SDL_WINDOWEVENT_EXPOSED ||
        ev->window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
      present(ui);
    return FALSE;
  default:
    return FALSE;
  }
}

static gint64 script_pump(Ui *ui, gint64 now);

/* How long to wait for the next event: until `deadline` (timeout_ms >= 0)
 * or without limit, but no longer than the next scripted touch is due.
 * -1 = no limit. */
static int wait_time_ms(gint64 now, int timeout_ms, gint64 deadline, gint64 due)
{
  gint64 until = timeout_ms < 0 ? due : MIN(deadline, due);

  if (until == G_MAXINT64)
    return -1;
  return until <= now ? 0 : (int)MIN((until - now + 999) / 1000, G_MAXINT);
}

gboolean ui_next_intent(Ui *ui, int timeout_ms, KioskIntent *ret_intent)
{
  gint64 deadline;
  SDL_Event ev;
  KioskIntent intent;

  g_return_val_if_fail(ui != NULL, FALSE);
  g_return_val_if_fail(ret_intent != NULL, FALSE);

  deadline = g_get_monotonic_time() + (gint64)MAX(timeout_ms, 0) * 1000;
  for (;;) {
    gint64 now = g_get_monotonic_time();
    int wait = wait_time_ms(now, timeout_ms, deadline, script_pump(ui, now));
    int got;

    if (wait < 0)
      got = SDL_WaitEvent(&ev);
    else if (wait == 0)
      got = SDL_PollEvent(&ev);
    else
      got = SDL_WaitEventTimeout(&ev, wait);
    if (!got) {
      if (timeout_ms >= 0 && g_get_monotonic_time() >= deadline)
        return FALSE;
      continue;
    }
    if (ev.type == ui->wake_event) {
      /* Woken: stop waiting, but still hand out input already queued. */
      timeout_ms = 0;
      deadline = 0;
      continue;
    }
    if (handle_event(ui, &ev, &intent)) {
      *ret_intent = intent;
      return TRUE;
    }
  }
}

void ui_wake(Ui *ui)
{
  SDL_Event ev;

  g_return_if_fail(ui != NULL);
  memset(&ev, 0, sizeof ev);
  ev.type = ui->wake_event;
  /* SDL's event queue takes events from any thread. A full queue (65535
   * events) already holds something that wakes the loop. */
  SDL_PushEvent(&ev);
}

/* Where logical (x, y) lies as a normalised window coordinate, which is what
 * a real touch screen reports. */
static void logical_to_touch(Ui *ui, int x, int y, float *ret_x, float *ret_y)
{
  float lx = (float)x + 0.5f, ly = (float)y + 0.5f;
  int ww = 0, wh = 0, wx = 0, wy = 0;

  if (!ui->window) {
    *ret_x = lx / (float)ui->width;
    *ret_y = ly / (float)ui->height;
    return;
  }
  SDL_RenderLogicalToWindow(ui->window_renderer, lx, ly, &wx, &wy);
  SDL_GetWindowSize(ui->window, &ww, &wh);
  *ret_x = ((float)wx + 0.5f) / (float)MAX(ww, 1);
  *ret_y = ((float)wy + 0.5f) / (float)MAX(wh, 1);
}

/* ---- a synthetic signature (ui_press(VIEW_TARGET_SIGN)) ---- */

/* Touch events go out at this interval: a 125 Hz touchscreen. */
#define SCRIPT_STEP_US 8000
#define SCRIPT_POINTS  90

/* Point `i` of stroke `k` of the scripted signature, in the writing area's
 * 0..1: two looping "words" on a baseline and an underline. */
static void script_point(int k, int i, double *ret_x, double *ret_y)
{
  double u = (double)i / (SCRIPT_POINTS - 1);

  if (k == 2) {
    *ret_x = 0.12 + 0.7 * u;
    *ret_y = 0.8 + 0.02 * sin(G_PI * u);
    return;
  }
  *ret_x = (k == 0 ? 0.08 : 0.5) + 0.36 * u + 0.025 * sin(2 * G_PI * 5 * u);
  *ret_y =
      0.62 - 0.3 * fabs(sin(G_PI * 5 * u)) * (k == 0 ? 1.2 - 0.5 * u : 0.8);
}

static void script_add(Ui *ui, Uint32 type, SDL_FingerID finger, double x,
                       double y, gint64 due)
{
  SDL_Event ev;
  float fx, fy;

  logical_to_touch(ui, ui->sign_area.x + (int)(x * ui->sign_area.w),
                   ui->sign_area.y + (int)(y * ui->sign_area.h), &fx, &fy);
  memset(&ev, 0, sizeof ev);
  ev.type = type;
  ev.tfinger.touchId = SYNTHETIC_TOUCH;
  ev.tfinger.fingerId = finger;
  ev.tfinger.x = fx;
  ev.tfinger.y = fy;
  ev.tfinger.pressure = type == SDL_FINGERUP ? 0.0f : 0.6f;
  /* SDL stamps pushed events with the time of pushing; the time a hand
   * would have touched rides along, in ms from the script's start, so that
   * a busy loop that pushes late does not bunch the samples together. */
  ev.tfinger.dx = (float)((due - ui->script_start_us) / 1000);
  ev.tfinger.windowID = ui->window ? SDL_GetWindowID(ui->window) : 0;
  g_array_append_val(ui->script, ev);
  g_array_append_val(ui->script_due, due);
}

static gboolean script_sign(Ui *ui)
{
  gint64 due = g_get_monotonic_time();

  if (!ui->pen_input || SDL_RectEmpty(&ui->sign_area))
    return FALSE;
  g_array_set_size(ui->script, 0);
  g_array_set_size(ui->script_due, 0);
  ui->script_next = 0;
  ui->script_t0 = SDL_GetTicks();
  ui->script_start_us = due;
  for (int k = 0; k < 3; k++) {
    SDL_FingerID finger = ui->next_synthetic++;

    for (int i = 0; i < SCRIPT_POINTS; i++) {
      double x, y;

      script_point(k, i, &x, &y);
      script_add(ui, i == 0 ? SDL_FINGERDOWN : SDL_FINGERMOTION, finger, x, y,
                 due);
      due += SCRIPT_STEP_US;
      if (i == SCRIPT_POINTS - 1)
        script_add(ui, SDL_FINGERUP, finger, x, y, due);
    }
    due += 20 * SCRIPT_STEP_US; /* the hand moves to the next stroke */
  }
  return TRUE;
}

/* Pushes the scripted touches that are due; returns when the next one is
 * (G_MAXINT64 when none is left). */
static gint64 script_pump(Ui *ui, gint64 now)
{
  while (ui->script_next < ui->script->len) {
    gint64 due = g_array_index(ui->script_due, gint64, ui->script_next);

    if (due > now)
      return due;
    SDL_PushEvent(&g_array_index(ui->script, SDL_Event, ui->script_next));
    ui->script_next++;
  }
  return G_MAXINT64;
}

gboolean ui_target(Ui *ui, guint index, const char **ret_id, int ret_rect[4])
{
  const SDL_Rect *r = &ui->sign_area;

  g_return_val_if_fail(ui != NULL, FALSE);
  if (index < ui->targets->len) {
    const UiTarget *t = &g_array_index(ui->targets, UiTarget, index);

    *ret_id = t->id;
    r = &t->rect;
  } else if (index == ui->targets->len && ui->pen_input && !SDL_RectEmpty(r)) {
    *ret_id = VIEW_TARGET_SIGN;
  } else {
    return FALSE;
  }
  ret_rect[0] = r->x;
  ret_rect[1] = r->y;
  ret_rect[2] = r->w;
  ret_rect[3] = r->h;
  return TRUE;
}

gboolean ui_keeps_text(Ui *ui, const char *needle)
{
  g_return_val_if_fail(ui != NULL, FALSE);
  return ui_canvas_keeps_text(ui->canvas, needle);
}

gboolean ui_press(Ui *ui, const char *target)
{
  int index;
  const UiTarget *t;
  SDL_Event ev;
  float x, y;

  g_return_val_if_fail(ui != NULL, FALSE);
  g_return_val_if_fail(target != NULL, FALSE);

  if (strcmp(target, VIEW_TARGET_SIGN) == 0)
    return script_sign(ui);
  index = ui->rendered ? ui_screens_find(ui->targets, target) : -1;
  if (index < 0)
    return FALSE;
  t = &g_array_index(ui->targets, UiTarget, index);
  logical_to_touch(ui, t->rect.x + t->rect.w / 2, t->rect.y + t->rect.h / 2, &x,
                   &y);

  memset(&ev, 0, sizeof ev);
  ev.type = SDL_FINGERDOWN;
  ev.tfinger.touchId = SYNTHETIC_TOUCH;
  ev.tfinger.fingerId = ui->next_synthetic++;
  ev.tfinger.x = x;
  ev.tfinger.y = y;
  ev.tfinger.pressure = 1.0f;
  ev.tfinger.windowID = ui->window ? SDL_GetWindowID(ui->window) : 0;
  if (SDL_PushEvent(&ev) != 1)
    return FALSE;
  ev.type = SDL_FINGERUP;
  ev.tfinger.x = x; /* SDL's event watch may have rewritten the first copy */
  ev.tfinger.y = y;
  ev.tfinger.pressure = 0.0f;
  return SDL_PushEvent(&ev) == 1;
}

gboolean ui_screenshot(Ui *ui, const char *png_path, GError **error)
{
  gsize stride;
  g_autofree guint8 *pixels = NULL;

  g_return_val_if_fail(ui != NULL, FALSE);
  g_return_val_if_fail(png_path != NULL, FALSE);

  if (!ui->rendered) {
    g_set_error(error, UI_ERROR, UI_ERROR_SCREENSHOT, "nothing rendered yet");
    return FALSE;
  }
  stride = (gsize)ui->width * 3;
  pixels = g_malloc(stride * ui->height);
  if (SDL_RenderReadPixels(ui->renderer, NULL, SDL_PIXELFORMAT_RGB24, pixels,
                           (int)stride) != 0) {
    g_set_error(error, UI_ERROR, UI_ERROR_SCREENSHOT,
                "cannot read the frame back: %s", SDL_GetError());
    return FALSE;
  }
  return view_save_png(ui->width, ui->height, 3, stride, pixels, png_path,
                       error);
}
