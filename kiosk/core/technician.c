/* See technician.h. */
#include "technician.h"

#include <string.h>

#define TECH_PIN_MAX_DIGITS 8

typedef struct {
  ViewRow rows[VIEW_MAX_ROWS];
  char *texts[VIEW_MAX_ROWS][2]; /* owned label and value */
  int n_rows;
} PageRows;

struct Technician {
  const KioskConfig *config;
  gboolean training;
  TechnicianPinFunc check_pin;
  gpointer user_data;

  TechnicianMode mode;
  TechnicianPage page;
  char entry[TECH_PIN_MAX_DIGITS + 1];
  char *notice; /* PIN screen: wrong PIN, locked */
  Lockout lockout;
  gint64 last_activity_us;

  PageRows pages[TECHNICIAN_N_PAGES];
  gboolean busy;
  TechnicianPage result_page; /* the page the result belongs to */
  gboolean has_result;
  gboolean result_ok;
  char *caption;
  int image_w, image_h, image_channels;
  guint8 *image; /* copy of the result picture, NULL for none */

  GQueue requests; /* TechnicianRequest* */
  KioskView view;
  char *tab_ids[TECHNICIAN_N_PAGES];
};

static const char *const page_names[TECHNICIAN_N_PAGES] = {
    [TECHNICIAN_PAGE_DEVICES] = "devices",
    [TECHNICIAN_PAGE_CAMERA] = "camera",
    [TECHNICIAN_PAGE_SYSTEM] = "system",
    [TECHNICIAN_PAGE_CALIBRATION] = "calibration",
    [TECHNICIAN_PAGE_EXPORT] = "export",
    [TECHNICIAN_PAGE_TRAINING] = "training",
};

const char *technician_page_name(TechnicianPage page)
{
  if ((int)page < 0 || page >= TECHNICIAN_N_PAGES)
    return "unknown";
  return page_names[page];
}

static const char *page_label(TechnicianPage page)
{
  switch (page) {
  case TECHNICIAN_PAGE_DEVICES:
    return "Devices";
  case TECHNICIAN_PAGE_CAMERA:
    return "Camera settings";
  case TECHNICIAN_PAGE_SYSTEM:
    return "Queue and clock";
  case TECHNICIAN_PAGE_CALIBRATION:
    return "Calibration";
  case TECHNICIAN_PAGE_EXPORT:
    return "Export";
  case TECHNICIAN_PAGE_TRAINING:
    return "Training";
  case TECHNICIAN_N_PAGES:
    break;
  }
  return "";
}

Technician *technician_new(const KioskConfig *config, gboolean training,
                           TechnicianPinFunc check_pin, gpointer user_data)
{
  Technician *tech = g_new0(Technician, 1);

  tech->config = config;
  tech->training = training;
  tech->check_pin = check_pin;
  tech->user_data = user_data;
  g_queue_init(&tech->requests);
  for (int i = 0; i < TECHNICIAN_N_PAGES; i++)
    tech->tab_ids[i] = g_strconcat(VIEW_TAB_PREFIX, page_names[i], NULL);
  return tech;
}

static void page_rows_clear(PageRows *p)
{
  for (int i = 0; i < p->n_rows; i++) {
    g_free(p->texts[i][0]);
    g_free(p->texts[i][1]);
  }
  memset(p, 0, sizeof *p);
}

static void result_clear(Technician *tech)
{
  tech->has_result = FALSE;
  g_clear_pointer(&tech->caption, g_free);
  g_clear_pointer(&tech->image, g_free);
}

void technician_free(Technician *tech)
{
  if (!tech)
    return;
  for (int i = 0; i < TECHNICIAN_N_PAGES; i++) {
    page_rows_clear(&tech->pages[i]);
    g_free(tech->tab_ids[i]);
  }
  result_clear(tech);
  g_free(tech->notice);
  g_queue_clear_full(&tech->requests, g_free);
  g_free(tech);
}

gboolean technician_enabled(const Technician *tech)
{
  const char *hash = tech->config->technician_pin_hash;

  return (hash && *hash) || tech->training;
}

void technician_set_training(Technician *tech, gboolean training)
{
  tech->training = training;
}

TechnicianMode technician_mode(const Technician *tech)
{
  return tech->mode;
}

TechnicianPage technician_page(const Technician *tech)
{
  return tech->page;
}

gboolean technician_busy(const Technician *tech)
{
  return tech->busy;
}

void technician_restore_lockout(Technician *tech, const Lockout *lockout)
{
  tech->lockout = *lockout;
}

static void request(Technician *tech, TechnicianRequestType type)
{
  TechnicianRequest *r = g_new0(TechnicianRequest, 1);

  r->type = type;
  r->page = tech->page;
  r->lockout = tech->lockout;
  g_queue_push_tail(&tech->requests, r);
}

static void audit(Technician *tech, const char *event)
{
  request(tech, TECHNICIAN_REQ_AUDIT);
  ((TechnicianRequest *)g_queue_peek_tail(&tech->requests))->event = event;
}

gboolean technician_next_request(Technician *tech, TechnicianRequest *ret)
{
  TechnicianRequest *r = g_queue_pop_head(&tech->requests);

  if (!r)
    return FALSE;
  *ret = *r;
  g_free(r);
  return TRUE;
}

static void entry_clear(Technician *tech)
{
  memset(tech->entry, 0, sizeof tech->entry);
}

static void set_mode(Technician *tech, TechnicianMode mode)
{
  static const char *const names[] = {"closed", "pin", "open"};

  g_debug("technician: %s -> %s", names[tech->mode], names[mode]);
  if (mode == TECHNICIAN_CLOSED && tech->mode == TECHNICIAN_OPEN) {
    request(tech, TECHNICIAN_REQ_CANCEL);
    audit(tech, "technician.closed");
  }
  tech->mode = mode;
  entry_clear(tech);
  g_clear_pointer(&tech->notice, g_free);
  if (mode != TECHNICIAN_OPEN) {
    tech->busy = FALSE;
    result_clear(tech);
  }
}

static void show_page(Technician *tech, TechnicianPage page)
{
  tech->page = page;
  request(tech, TECHNICIAN_REQ_REFRESH);
}

/* A right PIN opens the pages; a wrong one counts towards the lockout. */
static void submit_pin(Technician *tech, gint64 now_us)
{
  gboolean right = tech->check_pin(tech->entry, tech->user_data);

  entry_clear(tech);
  g_clear_pointer(&tech->notice, g_free);
  if (right) {
    if (tech->lockout.failures) {
      lockout_reset(&tech->lockout);
      request(tech, TECHNICIAN_REQ_SAVE_LOCKOUT);
    }
    audit(tech, "technician.unlocked");
    set_mode(tech, TECHNICIAN_OPEN);
    show_page(tech, TECHNICIAN_PAGE_DEVICES);
    return;
  }
  audit(tech, "technician.wrong_pin");
  if (lockout_fail(&tech->lockout, tech->config->officer_max_attempts,
                   tech->config->officer_lockout_s, now_us)) {
    audit(tech, "technician.locked_out");
    tech->notice = g_strdup("The technician screen is locked after too "
                            "many wrong PINs.");
  } else {
    tech->notice = g_strdup("Wrong PIN.");
  }
  request(tech, TECHNICIAN_REQ_SAVE_LOCKOUT);
}

static void pin_intent(Technician *tech, const KioskIntent *intent,
                       gint64 now_us)
{
  gboolean locked = lockout_locked(&tech->lockout, now_us);
  gsize len = strlen(tech->entry);

  switch (intent->type) {
  case INTENT_KEY:
    if (!locked && len < TECH_PIN_MAX_DIGITS && g_ascii_isdigit(intent->key))
      tech->entry[len] = intent->key;
    break;
  case INTENT_BACKSPACE:
    if (len > 0)
      tech->entry[len - 1] = '\0';
    break;
  case INTENT_SUBMIT:
    if (locked && !tech->notice)
      tech->notice = g_strdup("The technician screen is locked after too "
                              "many wrong PINs.");
    if (!locked && len > 0)
      submit_pin(tech, now_us);
    break;
  case INTENT_BUTTON:
    if (g_str_equal(intent->button, VIEW_BUTTON_CANCEL))
      set_mode(tech, TECHNICIAN_CLOSED);
    break;
  case INTENT_NONE:
  case INTENT_ACTIVITY:
  case INTENT_QUIT:
  case INTENT_PEN:
    break;
  }
}

/* The action buttons of each page: id and request. */
static const struct {
  TechnicianPage page;
  const char *id;
  TechnicianRequestType type;
} actions[] = {
    {TECHNICIAN_PAGE_DEVICES, VIEW_BUTTON_TEST_SHOT, TECHNICIAN_REQ_TEST_SHOT},
    {TECHNICIAN_PAGE_DEVICES, VIEW_BUTTON_TEST_FINGER,
     TECHNICIAN_REQ_TEST_FINGER},
    {TECHNICIAN_PAGE_DEVICES, VIEW_BUTTON_TEST_STROKE,
     TECHNICIAN_REQ_TEST_STROKE},
    {TECHNICIAN_PAGE_CALIBRATION, VIEW_BUTTON_CALIBRATE,
     TECHNICIAN_REQ_CALIBRATE},
    {TECHNICIAN_PAGE_EXPORT, VIEW_BUTTON_EXPORT, TECHNICIAN_REQ_EXPORT},
};

static gboolean page_shown(const Technician *tech, TechnicianPage page)
{
  return page != TECHNICIAN_PAGE_TRAINING || tech->training;
}

static void open_button(Technician *tech, const char *id)
{
  if (g_str_equal(id, VIEW_BUTTON_CLOSE)) {
    set_mode(tech, TECHNICIAN_CLOSED);
    return;
  }
  if (g_str_has_prefix(id, VIEW_TAB_PREFIX)) {
    for (int p = 0; p < TECHNICIAN_N_PAGES; p++)
      if (g_str_equal(id, tech->tab_ids[p]) && page_shown(tech, p))
        show_page(tech, p);
    return;
  }
  for (gsize i = 0; i < G_N_ELEMENTS(actions); i++) {
    if (actions[i].page != tech->page || !g_str_equal(id, actions[i].id) ||
        tech->busy)
      continue;
    result_clear(tech);
    tech->busy = TRUE;
    tech->result_page = tech->page;
    request(tech, actions[i].type);
  }
}

gboolean technician_handle_intent(Technician *tech, const KioskIntent *intent,
                                  gint64 now_us)
{
  if (tech->mode == TECHNICIAN_CLOSED) {
    if (intent->type != INTENT_BUTTON ||
        !g_str_equal(intent->button, VIEW_BUTTON_TECHNICIAN))
      return FALSE;
    if (!technician_enabled(tech))
      return TRUE; /* no screen: the control is not shown either */
    tech->last_activity_us = now_us;
    set_mode(tech, TECHNICIAN_PIN);
    return TRUE;
  }
  if (intent->type == INTENT_QUIT)
    return FALSE;
  tech->last_activity_us = now_us;
  if (tech->mode == TECHNICIAN_PIN)
    pin_intent(tech, intent, now_us);
  else if (intent->type == INTENT_BUTTON)
    open_button(tech, intent->button);
  return TRUE;
}

static gint64 idle_us(const Technician *tech)
{
  return (gint64)tech->config->idle_timeout_s * G_USEC_PER_SEC;
}

gint64 technician_next_deadline(const Technician *tech)
{
  if (tech->mode == TECHNICIAN_CLOSED || idle_us(tech) <= 0)
    return G_MAXINT64;
  /* A test in progress is the technician waiting, not gone. */
  if (tech->busy)
    return G_MAXINT64;
  return tech->last_activity_us + idle_us(tech);
}

void technician_tick(Technician *tech, gint64 now_us)
{
  if (now_us < technician_next_deadline(tech))
    return;
  g_debug("technician: idle for %d s", tech->config->idle_timeout_s);
  set_mode(tech, TECHNICIAN_CLOSED);
}

void technician_set_rows(Technician *tech, TechnicianPage page,
                         const ViewRow *rows, int n_rows)
{
  PageRows *p;

  g_return_if_fail((int)page >= 0 && page < TECHNICIAN_N_PAGES);
  p = &tech->pages[page];
  page_rows_clear(p);
  p->n_rows = CLAMP(n_rows, 0, VIEW_MAX_ROWS);
  for (int i = 0; i < p->n_rows; i++) {
    p->texts[i][0] = g_strdup(rows[i].label);
    p->texts[i][1] = g_strdup(rows[i].value);
    p->rows[i] = (ViewRow){p->texts[i][0], p->texts[i][1], rows[i].status};
  }
}

void technician_set_result(Technician *tech, int width, int height,
                           int channels, const guint8 *pixels,
                           const char *caption, gboolean ok)
{
  result_clear(tech);
  tech->busy = FALSE;
  tech->has_result = TRUE;
  tech->result_ok = ok;
  tech->caption = g_strdup(caption);

  if (pixels && width > 0 && height > 0 && (channels == 1 || channels == 3)) {
    tech->image_w = width;
    tech->image_h = height;
    tech->image_channels = channels;
    tech->image = g_memdup2(pixels, (gsize)width * height * channels);
  }
}

static void add_button(KioskView *v, const char *id, const char *label,
                       gboolean primary, gboolean enabled)
{
  if (v->n_buttons >= VIEW_MAX_BUTTONS)
    return;
  v->buttons[v->n_buttons++] = (ViewButton){id, label, primary, enabled};
}

static const char *action_label(const char *id)
{
  if (g_str_equal(id, VIEW_BUTTON_TEST_SHOT))
    return "Test shot";
  if (g_str_equal(id, VIEW_BUTTON_TEST_FINGER))
    return "Test finger";
  if (g_str_equal(id, VIEW_BUTTON_TEST_STROKE))
    return "Test stroke";
  if (g_str_equal(id, VIEW_BUTTON_CALIBRATE))
    return "Capture backdrop";
  return "Export to USB";
}

static void view_pin(Technician *tech, KioskView *v)
{
  v->screen = VIEW_TECHNICIAN_PIN;
  v->title = "Technician: enter your PIN";
  v->lines[v->n_lines++] =
      "The technician screen shows the devices, the queue and the clock, "
      "and exports a diagnose report.";
  v->entry = tech->entry;
  v->entry_masked = TRUE;
  v->entry_max = TECH_PIN_MAX_DIGITS;
  if (tech->notice) {
    v->lines[v->n_lines++] = tech->notice;
    v->warning = TRUE;
  }
  add_button(v, VIEW_BUTTON_CANCEL, "Cancel", FALSE, TRUE);
}

static void view_open(Technician *tech, KioskView *v)
{
  const PageRows *rows = &tech->pages[tech->page];

  v->screen = VIEW_TECHNICIAN;
  v->title = page_label(tech->page);
  for (int p = 0; p < TECHNICIAN_N_PAGES; p++) {
    if (!page_shown(tech, p) || v->panel.n_tabs >= VIEW_MAX_TABS)
      continue;
    if ((TechnicianPage)p == tech->page)
      v->panel.current = v->panel.n_tabs;
    v->panel.tab_ids[v->panel.n_tabs] = tech->tab_ids[p];
    v->panel.tab_labels[v->panel.n_tabs++] = page_label(p);
  }
  memcpy(v->panel.rows, rows->rows, sizeof rows->rows);
  v->panel.n_rows = rows->n_rows;
  for (gsize i = 0; i < G_N_ELEMENTS(actions); i++)
    if (actions[i].page == tech->page)
      add_button(v, actions[i].id, action_label(actions[i].id), FALSE,
                 !tech->busy);
  add_button(v, VIEW_BUTTON_CLOSE, "Close", TRUE, TRUE);
  if (tech->busy && tech->result_page == tech->page)
    v->image_caption = "Testing… one moment.";
  if (tech->has_result && tech->result_page == tech->page) {
    v->image_caption = tech->caption;
    v->warning = !tech->result_ok;
    v->image = (ViewImage){
        tech->image_w,        tech->image_h,
        tech->image_channels, (gsize)tech->image_w * tech->image_channels,
        tech->image,          0};
  }
}

const KioskView *technician_view(Technician *tech, const char *footer)
{
  KioskView *v = &tech->view;

  memset(v, 0, sizeof *v);
  v->footer = footer;
  if (tech->mode == TECHNICIAN_PIN)
    view_pin(tech, v);
  else if (tech->mode == TECHNICIAN_OPEN)
    view_open(tech, v);
  else
    v->screen = VIEW_MESSAGE;
  return v;
}
