/* Signature pad backend "wacom-stu": Wacom STU-430/530/540 pads over
 * hidraw, through hidapi, speaking the pads' USB HID reports
 * (stu-protocol.h). Options ([pad] in the configuration):
 *   path      the hidraw node ("/dev/hidraw3"); default: the first STU
 *   serial    the pad's USB serial number, to pick one of several
 *   settle_ms end a signature after the pen rested this long (default 0:
 *             the signer taps OK on the pad)
 *   colour    "yes": the prompt in colour on the 530/540; default "no"
 *             (monochrome: 190 reports instead of 4,554, see
 *             docs/pad-wacom-stu.md)
 * The pad shows "Sign here / Teken hier" and the buttons OK, Clear and
 * Cancel (drawn here, sent as an image); pen reports inside the writing box
 * are the signature, taps on a button are the button. Pen data encryption
 * is not used (docs/pad-wacom-stu.md says why). */
#include "pad.h"
#include "stu-protocol.h"

#include <errno.h>
#include <hidapi/hidapi.h>
#include <string.h>

extern const PadDriver pad_wacom_stu_driver;

/* How long one read waits before checking the clock and the cancellable. */
#define STU_POLL_MS 50
/* How long the pad may stay busy with an image before we give up. */
#define STU_STATUS_TIMEOUT_MS 3000
/* The pad's millisecond clock is 16 bits: a step of more than half its
 * range is a step back, unless the host saw that long a pause (the pad is
 * silent while the pen is away). */
#define STU_CLOCK_HALF_MS 32768

typedef enum {
  PEN_IDLE,   /* up or away */
  PEN_INK,    /* down, started outside the buttons: writing */
  PEN_BUTTON, /* down, started on a button */
} PenState;

typedef struct {
  hid_device *dev;
  char *path;
  char *serial;
  StuModel model;
  StuInformation info;
  StuCapability cap;
  StuEncoding encoding;
  StuLayout layout;
  StuCounters counters;
  PadStats stats;
  int settle_ms;
  gboolean colour;       /* the prompt in colour where the pad has it */
  gboolean prompt_shown; /* the full image is on the pad */

  /* The signature being taken. */
  PenState pen;
  StuButton button; /* with PEN_BUTTON */
  gboolean have_clock;
  guint16 last_clock, last_sequence;
  gint64 clock_us;   /* the pad's clock, unwrapped */
  gint64 arrival_us; /* the host's clock at the last timed report */
} PadStu;

/* The wide-character strings hidapi uses, as UTF-8. */
static char *wide_to_utf8(const wchar_t *w)
{
  GString *s = g_string_new(NULL);

  for (; w && *w; w++)
    g_string_append_unichar(s, g_unichar_validate(*w) ? (gunichar)*w : '?');
  return g_string_free(s, FALSE);
}

/* The enumerated STU that `path` or `serial` names (either may be NULL:
 * then the first supported pad). */
static struct hid_device_info *find_pad(struct hid_device_info *list,
                                        const char *path, const char *serial)
{
  for (struct hid_device_info *d = list; d; d = d->next) {
    g_autofree char *sn = wide_to_utf8(d->serial_number);

    if (stu_model_from_product_id(d->product_id) == STU_MODEL_UNKNOWN)
      continue;
    if (path && g_strcmp0(d->path, path) != 0)
      continue;
    if (serial && g_strcmp0(sn, serial) != 0)
      continue;
    return d;
  }
  return NULL;
}

static void not_found(const char *path, const char *serial, GError **error)
{
  if (path || serial)
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND,
                "no Wacom STU-430/530/540 pad %s %s",
                path ? "at" : "with serial", path ? path : serial);
  else
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND,
                "no Wacom STU-430/530/540 pad found (USB vendor 056a, "
                "products 00a4, 00a5, 00a8)");
}

/* Opens the node; a node we may not open says what to do about it. */
static hid_device *open_node(const char *path, GError **error)
{
  hid_device *dev;
  int saved;

  errno = 0;
  dev = hid_open_path(path);
  saved = errno;
  if (dev)
    return dev;
  if (saved == EACCES || saved == EPERM)
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_CLAIMED,
                "permission denied on %s: install "
                "config/70-biokiosk-pads.rules (udev) and replug the pad",
                path);
  else
    g_set_error(error, DRIVERS_ERROR,
                saved == ENOENT || saved == ENODEV ? DRIVERS_ERROR_NOT_FOUND
                                                   : DRIVERS_ERROR_FAILED,
                "cannot open the pad at %s: %s", path,
                g_strerror(saved ? saved : EIO));
  return NULL;
}

/* One GET_FEATURE of `size` bytes into `buf` (byte 0 set to `id`). A pad
 * that does not answer makes the kernel give up after its control
 * transfer timeout (5 s): ETIMEDOUT. */
static gboolean get_feature(PadStu *self, guint8 id, guint8 *buf, gsize size,
                            const char *what, GError **error)
{
  int r, saved;

  memset(buf, 0, size);
  buf[0] = id;
  errno = 0;
  r = hid_get_feature_report(self->dev, buf, size);
  saved = errno;
  if (r >= 0)
    return TRUE;
  if (saved == ETIMEDOUT)
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_TIMEOUT,
                "the pad at %s did not answer its %s request (timed out)",
                self->path, what);
  else
    g_set_error(error, DRIVERS_ERROR,
                saved == ENODEV ? DRIVERS_ERROR_DISCONNECTED
                                : DRIVERS_ERROR_FAILED,
                "the pad at %s refused its %s request: %s", self->path, what,
                g_strerror(saved ? saved : EIO));
  return FALSE;
}

static gboolean set_feature(PadStu *self, const guint8 *buf, gsize size,
                            GError **error)
{
  int saved;

  errno = 0;
  if (hid_send_feature_report(self->dev, buf, size) >= 0)
    return TRUE;
  saved = errno;
  g_set_error(error, DRIVERS_ERROR,
              saved == ENODEV ? DRIVERS_ERROR_DISCONNECTED
                              : DRIVERS_ERROR_FAILED,
              "the pad at %s refused report 0x%02x: %s", self->path, buf[0],
              g_strerror(saved ? saved : EIO));
  return FALSE;
}

static gboolean set_byte(PadStu *self, StuReportId id, guint8 value,
                         GError **error)
{
  guint8 buf[STU_SIZE_ONE_BYTE];

  stu_encode_byte(id, value, buf);
  return set_feature(self, buf, sizeof buf, error);
}

/* Capability and information: what the pad is. */
static gboolean identify(PadStu *self, GError **error)
{
  guint8 buf[STU_SIZE_CAPABILITY];

  if (!get_feature(self, STU_REPORT_CAPABILITY, buf, sizeof buf, "capability",
                   error))
    return FALSE;
  if (!stu_decode_capability(buf, sizeof buf, &self->cap, &self->counters)) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_FAILED,
                "the pad at %s sent a malformed capability report", self->path);
    return FALSE;
  }
  if (!get_feature(self, STU_REPORT_INFORMATION, buf, STU_SIZE_INFORMATION,
                   "information", error))
    return FALSE;
  if (!stu_decode_information(buf, STU_SIZE_INFORMATION, &self->info,
                              &self->counters)) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_FAILED,
                "the pad at %s sent a malformed information report",
                self->path);
    return FALSE;
  }
  self->encoding =
      stu_choose_encoding(self->model, self->cap.encoding_flag, self->colour);
  stu_layout(self->cap.screen_width, self->cap.screen_height, &self->layout);
  g_debug("wacom-stu: %s at %s, firmware %u.%02u, %ux%u, tablet %ux%u, "
          "pressure 0..%u, encoding 0x%02x",
          self->info.model_name, self->path, self->info.firmware_major,
          self->info.firmware_minor, self->cap.screen_width,
          self->cap.screen_height, self->cap.max_x, self->cap.max_y,
          self->cap.max_pressure, self->encoding);
  return TRUE;
}

static void pad_stu_close(gpointer data)
{
  PadStu *self = data;

  if (!self)
    return;
  if (self->dev)
    hid_close(self->dev);
  g_free(self->path);
  g_free(self->serial);
  g_free(self);
}

/* A yes/no option; FALSE with an error for anything else. */
static gboolean option_bool(DeviceOptions *options, const char *key,
                            gboolean *ret_value, GError **error)
{
  const char *v = device_option(options, key, "no");

  if (g_strcmp0(v, "yes") == 0 || g_strcmp0(v, "no") == 0) {
    *ret_value = g_strcmp0(v, "yes") == 0;
    return TRUE;
  }
  g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
              "pad option %s must be yes or no, not '%s'", key, v);
  return FALSE;
}

static gpointer pad_stu_open(DeviceOptions *options, GError **error)
{
  const char *path = device_option(options, "path", NULL);
  const char *serial = device_option(options, "serial", NULL);
  struct hid_device_info *list, *found;
  gboolean colour;
  PadStu *self;

  if (path && !*path)
    path = NULL;
  if (serial && !*serial)
    serial = NULL;
  if (!option_bool(options, "colour", &colour, error))
    return NULL;
  hid_init();
  list = hid_enumerate(STU_VENDOR_ID, 0);
  found = find_pad(list, path, serial);
  if (!found) {
    hid_free_enumeration(list);
    not_found(path, serial, error);
    return NULL;
  }
  self = g_new0(PadStu, 1);
  self->path = g_strdup(found->path);
  self->serial = wide_to_utf8(found->serial_number);
  self->model = stu_model_from_product_id(found->product_id);
  self->settle_ms = MAX(0, device_option_int(options, "settle_ms", 0));
  self->colour = colour;
  hid_free_enumeration(list);
  self->dev = open_node(self->path, error);
  if (!self->dev || !identify(self, error)) {
    pad_stu_close(self);
    return NULL;
  }
  return self;
}

static gboolean pad_stu_describe(gpointer data, DeviceInfo *ret_info,
                                 GError **error)
{
  PadStu *self = data;
  const char *colour = self->encoding == STU_ENCODING_24BIT   ? "24-bit colour"
                       : self->encoding == STU_ENCODING_16BIT ? "16-bit colour"
                                                              : "monochrome";

  ret_info->backend = g_strdup("wacom-stu");
  ret_info->model = g_strdup_printf(
      "Wacom %s", *self->info.model_name ? self->info.model_name
                                         : stu_model_name(self->model));
  ret_info->serial = *self->serial ? g_strdup(self->serial) : NULL;
  ret_info->firmware = stu_firmware_string(&self->info);
  ret_info->port = g_strdup(self->path);
  ret_info->extra = g_strdup_printf(
      "screen %ux%u, prompt in %s, tablet %ux%u, pressure 0..%u, %u "
      "reports/s",
      self->cap.screen_width, self->cap.screen_height, colour, self->cap.max_x,
      self->cap.max_y, self->cap.max_pressure, self->cap.max_report_rate);
  return TRUE;
}

/* Waits until the pad is ready for commands; FALSE with an error when it
 * says the last command failed or stays busy. */
static gboolean wait_ready(PadStu *self, const char *after, GError **error)
{
  gint64 deadline = g_get_monotonic_time() + STU_STATUS_TIMEOUT_MS * 1000;
  guint8 buf[STU_SIZE_STATUS];
  StuStatus st;

  for (;;) {
    if (!get_feature(self, STU_REPORT_STATUS, buf, sizeof buf, "status", error))
      return FALSE;
    if (!stu_decode_status(buf, sizeof buf, &st, &self->counters)) {
      g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_FAILED,
                  "the pad at %s sent a malformed status report", self->path);
      return FALSE;
    }
    if (st.last_result != 0) {
      g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_FAILED,
                  "the pad at %s refused %s (error 0x%02x)", self->path, after,
                  st.last_result);
      return FALSE;
    }
    if (st.code == STU_STATUS_READY)
      return TRUE;
    if (g_get_monotonic_time() > deadline) {
      g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_BUSY,
                  "the pad at %s stayed busy (status %u) after %s", self->path,
                  st.code, after);
      return FALSE;
    }
    g_usleep(10000);
  }
}

/* Sends the prompt screen as an image: start, blocks of at most 253
 * bytes, commit. */
static gboolean write_prompt(PadStu *self, GError **error)
{
  int w = self->cap.screen_width, h = self->cap.screen_height;
  g_autofree guint8 *rgb =
      stu_prompt_render(w, h, self->encoding == STU_ENCODING_1BIT);
  g_autofree guint8 *data = NULL;
  guint8 block[STU_SIZE_IMAGE_BLOCK];
  gsize len = 0;

  data = stu_image_encode(self->encoding, rgb, w, h, &len);
  if (!data) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_UNSUPPORTED,
                "the pad's screen size %dx%d is not supported", w, h);
    return FALSE;
  }
  if (!wait_ready(self, "an earlier command", error) ||
      !set_byte(self, STU_REPORT_START_IMAGE_DATA, self->encoding, error))
    return FALSE;
  for (gsize off = 0; off < len; off += STU_IMAGE_BLOCK_MAX) {
    gsize n = MIN(STU_IMAGE_BLOCK_MAX, len - off);

    stu_encode_image_block(data + off, n, block);
    if (!set_feature(self, block, sizeof block, error))
      return FALSE;
  }
  return set_byte(self, STU_REPORT_END_IMAGE_DATA, 0, error) &&
         wait_ready(self, "the prompt image", error);
}

/* Empties the writing box (inside its frame) for a new signature. */
static gboolean clear_box(PadStu *self, GError **error)
{
  StuRect r = self->layout.signature;
  int inset = MAX(1, self->cap.screen_height / 200) + 1;
  guint8 buf[STU_SIZE_CLEAR_AREA];

  r.left += inset;
  r.top += inset;
  r.right -= inset;
  r.bottom -= inset;
  stu_encode_clear_area(&r, buf);
  return set_feature(self, buf, sizeof buf, error);
}

/* The screen for a new signature: the prompt (sent once per open, since a
 * colour image is thousands of reports), an empty box, ink only in the
 * box, timed pen reports. */
static gboolean show_prompt(PadStu *self, GError **error)
{
  guint8 buf[STU_SIZE_RECTANGLE];
  g_autoptr(GError) local = NULL;

  if (!set_byte(self, STU_REPORT_INKING_MODE, 0, error))
    return FALSE;
  /* Older firmware lacks the timed reports: then the host clock is used. */
  if (!set_byte(self, STU_REPORT_PEN_DATA_OPTION_MODE,
                STU_PEN_OPTION_TIME_COUNT, &local))
    g_debug("wacom-stu: no timed pen reports: %s", local->message);
  if (!self->prompt_shown) {
    if (!set_byte(self, STU_REPORT_CLEAR_SCREEN, 0, error) ||
        !write_prompt(self, error))
      return FALSE;
    self->prompt_shown = TRUE;
  } else if (!clear_box(self, error)) {
    return FALSE;
  }
  stu_encode_handwriting_area(&self->layout.signature, buf);
  if (!set_feature(self, buf, sizeof buf, error))
    return FALSE;
  return set_byte(self, STU_REPORT_INKING_MODE, 1, error);
}

/* Reports left over from before the prompt are not this signature's. */
static void drain(PadStu *self)
{
  guint8 buf[STU_SIZE_INPUT_MAX];

  for (int i = 0; i < 4096; i++)
    if (hid_read_timeout(self->dev, buf, sizeof buf, 0) <= 0)
      break;
}

/* The pad's millisecond clock, unwrapped, in microseconds; untimed reports
 * take the host's clock. A lost report (sequence gap) is counted as a
 * resync. A step back is passed on as such, so the trace drops that sample
 * and counts it, and the clock continues from there; a pause longer than
 * the 16-bit clock can tell is measured with the host's clock. */
static gint64 pen_time_us(PadStu *self, const StuPenData *pen)
{
  gint64 now = g_get_monotonic_time();
  gint64 host_ms = (now - self->arrival_us) / 1000;
  guint16 gap = (guint16)(pen->time_count - self->last_clock);
  gboolean first = !self->have_clock;

  if (!pen->timed)
    return now;
  if (!first && (guint16)(pen->sequence - self->last_sequence) > 1)
    self->stats.resyncs++;
  self->have_clock = TRUE;
  self->last_clock = pen->time_count;
  self->last_sequence = pen->sequence;
  self->arrival_us = now;
  if (first)
    return self->clock_us = 0;
  if (host_ms >= STU_CLOCK_HALF_MS)
    self->clock_us += host_ms * 1000;
  else if (gap >= STU_CLOCK_HALF_MS)
    return self->clock_us - 1000; /* backwards: refused by the trace */
  else
    self->clock_us += (gint64)gap * 1000;
  return self->clock_us;
}

typedef enum {
  PRESS_NONE = -1,
  PRESS_OK = STU_BUTTON_OK,
  PRESS_CLEAR = STU_BUTTON_CLEAR,
  PRESS_CANCEL = STU_BUTTON_CANCEL,
} Press;

static void add_point(PadStu *self, PadTrace *trace, const PadSink *sink,
                      double sx, double sy, double pressure, gint64 t_us,
                      gboolean hover)
{
  const StuRect *box = &self->layout.signature;
  PadSample s = {
      CLAMP((sx - box->left) / MAX(1, box->right - box->left), 0.0, 1.0),
      CLAMP((sy - box->top) / MAX(1, box->bottom - box->top), 0.0, 1.0),
      pressure, t_us};
  PadPoint p = pad_point_now(&s, hover);

  pad_trace_add(trace, &p, sink);
}

static gboolean in_box(const StuRect *r, double x, double y)
{
  return x >= r->left && x <= r->right && y >= r->top && y <= r->bottom;
}

/* One pen report through the pen's state machine: ink from strokes that
 * start outside the buttons, a button press from a tap that starts and
 * ends on the same button. */
static Press handle_pen(PadStu *self, const StuPenData *pen, PadTrace *trace,
                        const PadSink *sink)
{
  double sx = pen->x * (double)(self->cap.screen_width - 1) / self->cap.max_x;
  double sy = pen->y * (double)(self->cap.screen_height - 1) / self->cap.max_y;
  gboolean down = pen->in_proximity && pen->sw;
  double p =
      down ? MAX(pen->pressure, 1) / (double)self->cap.max_pressure : 0.0;
  gint64 t = pen_time_us(self, pen);
  StuButton b;

  switch (self->pen) {
  case PEN_IDLE:
    b = down ? stu_layout_hit(&self->layout, sx, sy) : STU_BUTTON_NONE;
    if (b != STU_BUTTON_NONE) {
      self->pen = PEN_BUTTON;
      self->button = b;
    } else if (down) {
      self->pen = PEN_INK;
      add_point(self, trace, sink, sx, sy, p, t, FALSE);
    } else if (pen->in_proximity && in_box(&self->layout.signature, sx, sy)) {
      add_point(self, trace, sink, sx, sy, 0.0, t, TRUE);
    }
    return PRESS_NONE;
  case PEN_INK:
    add_point(self, trace, sink, sx, sy, p, t, pen->in_proximity);
    if (!down)
      self->pen = PEN_IDLE;
    return PRESS_NONE;
  case PEN_BUTTON:
    if (down)
      return PRESS_NONE;
    self->pen = PEN_IDLE;
    return stu_layout_hit(&self->layout, sx, sy) == self->button
               ? (Press)self->button
               : PRESS_NONE;
  }
  return PRESS_NONE;
}

/* Decodes one input report; malformed ones are dropped and counted. */
static Press handle_report(PadStu *self, const guint8 *buf, gsize len,
                           PadTrace *trace, const PadSink *sink)
{
  guint64 clamped = self->counters.out_of_range;
  StuPenData pen;

  if (!stu_decode_pen_data(buf, len, &self->cap, &pen, &self->counters)) {
    self->stats.dropped++;
    return PRESS_NONE;
  }
  if (self->counters.out_of_range != clamped)
    self->stats.clamped++;
  return handle_pen(self, &pen, trace, sink);
}

/* What a button press does to the signature being taken: TRUE when
 * collecting goes on. */
static gboolean on_press(PadStu *self, Press press, PadTrace *trace,
                         const PadSink *sink, GArray **ret_samples,
                         GError **error)
{
  switch (press) {
  case PRESS_OK:
    *ret_samples = pad_trace_steal(trace);
    return FALSE;
  case PRESS_CLEAR:
    pad_trace_reset(trace);
    self->stats.restarts++;
    pad_sink_restart(sink, "cleared on the pad");
    return clear_box(self, error);
  case PRESS_CANCEL:
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                "the signer cancelled on the pad");
    return FALSE;
  default:
    return TRUE;
  }
}

static GArray *pad_stu_collect(gpointer data, int timeout_ms,
                               GCancellable *cancellable, const PadSink *sink,
                               GError **error)
{
  PadStu *self = data;
  gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  guint8 buf[STU_SIZE_INPUT_MAX];
  GArray *samples = NULL;
  PadTrace trace;

  drain(self);
  if (!show_prompt(self, error))
    return NULL;
  self->pen = PEN_IDLE;
  self->have_clock = FALSE;
  pad_trace_init(&trace, &self->stats);
  for (;;) {
    gint64 now = g_get_monotonic_time();
    int r;

    if (g_cancellable_set_error_if_cancelled(cancellable, error))
      break;
    if (now >= deadline) {
      g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_TIMEOUT,
                  "no signature on the pad within %d ms", timeout_ms);
      break;
    }
    r = hid_read_timeout(self->dev, buf, sizeof buf,
                         (int)MIN(STU_POLL_MS, (deadline - now) / 1000 + 1));
    if (r < 0) {
      self->prompt_shown = FALSE;
      g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_DISCONNECTED,
                  "the pad at %s was unplugged", self->path);
      break;
    }
    if (r > 0 && !on_press(self, handle_report(self, buf, r, &trace, sink),
                           &trace, sink, &samples, error))
      break;
    if (self->settle_ms > 0 &&
        pad_trace_settled(&trace, g_get_monotonic_time(), self->settle_ms)) {
      samples = pad_trace_steal(&trace);
      break;
    }
  }
  pad_trace_clear(&trace);
  return samples;
}

static void pad_stu_stats(gpointer data, PadStats *ret_stats)
{
  PadStu *self = data;

  *ret_stats = self->stats;
}

const PadDriver pad_wacom_stu_driver = {
    .name = "wacom-stu",
    .description = "Wacom STU-430/530/540 over hidraw (options: path, "
                   "serial, settle_ms, colour)",
    .open = pad_stu_open,
    .close = pad_stu_close,
    .describe = pad_stu_describe,
    .collect = pad_stu_collect,
    .stats = pad_stu_stats,
};
