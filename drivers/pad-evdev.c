/* Signature pad backend "evdev": a pen tablet the kernel drives (Wacom
 * Intuos and One, Huion, XP-Pen, ...), read through libevdev.
 *
 * Options:
 *   path       the event node (/dev/input/eventN or a /dev/input/by-id link)
 *   name       a part of the device's name (case-insensitive), when no path
 *              is given; without either, the first device with ABS_X,
 *              ABS_Y, ABS_PRESSURE and BTN_TOOL_PEN is taken
 *   field      "3:1" (default): the largest centred area of the tablet with
 *              the stored signature's 3:1 aspect, in millimetres from the
 *              axes' resolution; "full": the whole active area
 *   settle_ms  pen-up time that ends a signature (default PAD_SETTLE_MS)
 *   grab       "true" (default): EVIOCGRAB while a signature is taken, so
 *              that no other client (the desktop's cursor) sees the strokes
 *
 * Timestamps are the kernel's, switched to CLOCK_MONOTONIC (EVIOCSCLOCKID).
 * SYN_DROPPED is handled as libevdev documents: the queue is resynced with
 * LIBEVDEV_READ_FLAG_SYNC and the stroke is broken where samples were lost.
 * A node that hangs up or answers ENODEV was unplugged: collect() ends with
 * DRIVERS_ERROR_DISCONNECTED. */
#include "pad.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libevdev/libevdev.h>
#include <math.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern const PadDriver pad_evdev_driver;

#define EVDEV_POLL_MS 20
/* Events handled before looking at the time and the cancellable again. */
#define EVDEV_BATCH 512
/* A kernel timestamp further than this from now is not on our clock. */
#define EVDEV_PLAUSIBLE_US (5 * G_USEC_PER_SEC)
/* How often a quiet collect() looks whether the node still exists. */
#define EVDEV_NODE_CHECK_US (250 * 1000)

typedef struct {
  int fd;
  struct libevdev *dev;
  char *path;
  gboolean clock_monotonic; /* EVIOCSCLOCKID worked */
  gboolean grab;
  int settle_ms;
  /* The field in device units: origin and size. */
  double fx, fy, fw, fh;
  PadStats stats;

  /* The pen's state as the events so far describe it. */
  int x, y, pressure, tilt_x, tilt_y;
  gboolean touch, in_range, was_down;
  gint64 since_us;      /* events stamped earlier are from before collect() */
  gint64 next_check_us; /* when to look whether the node still exists */
} PadEvdev;

static gboolean is_pen_tablet(struct libevdev *dev)
{
  return libevdev_has_event_code(dev, EV_ABS, ABS_X) &&
         libevdev_has_event_code(dev, EV_ABS, ABS_Y) &&
         libevdev_has_event_code(dev, EV_ABS, ABS_PRESSURE) &&
         libevdev_has_event_code(dev, EV_KEY, BTN_TOOL_PEN);
}

/* Opens `path` as an evdev device; NULL with `error` (errno says why). */
static struct libevdev *evdev_open_node(const char *path, int *ret_fd,
                                        GError **error)
{
  struct libevdev *dev = NULL;
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  int rc;

  if (fd < 0) {
    int e = errno;

    g_set_error(
        error, DRIVERS_ERROR,
        e == ENOENT || e == ENODEV || e == ENXIO ? DRIVERS_ERROR_NOT_FOUND
                                                 : DRIVERS_ERROR_FAILED,
        "evdev: cannot open %s: %s%s", path, g_strerror(e),
        e == EACCES || e == EPERM ? " (the kiosk's user needs the group of "
                                    "config/70-biokiosk-pads.rules)"
                                  : "");
    return NULL;
  }
  rc = libevdev_new_from_fd(fd, &dev);
  if (rc < 0) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                "evdev: %s is not an input device: %s", path, g_strerror(-rc));
    close(fd);
    return NULL;
  }
  *ret_fd = fd;
  return dev;
}

/* Whether the device at `path` is the one the options ask for. */
static gboolean evdev_matches(struct libevdev *dev, const char *name)
{
  g_autofree char *want = NULL, *have = NULL;

  if (!name)
    return is_pen_tablet(dev);
  want = g_utf8_casefold(name, -1);
  have =
      g_utf8_casefold(libevdev_get_name(dev) ? libevdev_get_name(dev) : "", -1);
  return strstr(have, want) != NULL;
}

static int compare_nodes(gconstpointer a, gconstpointer b)
{
  const char *sa = *(const char *const *)a, *sb = *(const char *const *)b;

  /* event2 before event10 */
  return (int)(g_ascii_strtoll(sa + 5, NULL, 10) -
               g_ascii_strtoll(sb + 5, NULL, 10));
}

/* The event nodes, in the kernel's order, from sysfs. */
static GPtrArray *evdev_nodes(void)
{
  GPtrArray *nodes = g_ptr_array_new_with_free_func(g_free);
  DIR *dir = opendir("/sys/class/input");
  struct dirent *de;

  if (!dir)
    return nodes;
  while ((de = readdir(dir)))
    if (g_str_has_prefix(de->d_name, "event"))
      g_ptr_array_add(nodes, g_strdup(de->d_name));
  closedir(dir);
  g_ptr_array_sort(nodes, compare_nodes);
  return nodes;
}

/* Finds the device by name or capabilities. */
static struct libevdev *evdev_find(const char *name, int *ret_fd,
                                   char **ret_path, GError **error)
{
  g_autoptr(GPtrArray) nodes = evdev_nodes();
  g_autoptr(GError) denied = NULL;

  for (guint i = 0; i < nodes->len; i++) {
    g_autofree char *path =
        g_strdup_printf("/dev/input/%s", (char *)nodes->pdata[i]);
    g_autoptr(GError) local = NULL;
    int fd = -1;
    struct libevdev *dev = evdev_open_node(path, &fd, &local);

    if (!dev) {
      /* A node we may not open might be the tablet: say so if none is. */
      if (!denied && local->code == DRIVERS_ERROR_FAILED)
        denied = g_steal_pointer(&local);
      continue;
    }
    if (evdev_matches(dev, name)) {
      *ret_fd = fd;
      *ret_path = g_steal_pointer(&path);
      return dev;
    }
    libevdev_free(dev);
    close(fd);
  }
  if (denied) {
    g_propagate_error(error, g_steal_pointer(&denied));
    return NULL;
  }
  g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND,
              name ? "evdev: no input device named like '%s'"
                   : "evdev: no pen tablet found (none has ABS_X, ABS_Y, "
                     "ABS_PRESSURE and BTN_TOOL_PEN)%s",
              name ? name : "");
  return NULL;
}

/* Millimetres per device unit along `code` (1 when the resolution is
 * unknown: units are then taken as square). */
static double unit_mm(struct libevdev *dev, int code)
{
  const struct input_absinfo *a = libevdev_get_abs_info(dev, code);

  return a && a->resolution > 0 ? 1.0 / a->resolution : 1.0;
}

/* The signature field in device units (see "field" above). */
static gboolean evdev_field(PadEvdev *self, const char *field, GError **error)
{
  const struct input_absinfo *ax = libevdev_get_abs_info(self->dev, ABS_X);
  const struct input_absinfo *ay = libevdev_get_abs_info(self->dev, ABS_Y);
  double w, h, w_mm, h_mm;

  if (ax->maximum <= ax->minimum || ay->maximum <= ay->minimum) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                "evdev: %s reports empty axes", self->path);
    return FALSE;
  }
  w = ax->maximum - ax->minimum;
  h = ay->maximum - ay->minimum;
  self->fx = ax->minimum;
  self->fy = ay->minimum;
  self->fw = w;
  self->fh = h;
  if (g_strcmp0(field, "full") == 0)
    return TRUE;
  if (g_strcmp0(field, "3:1") != 0) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                "evdev: field must be 3:1 or full, not '%s'", field);
    return FALSE;
  }
  w_mm = w * unit_mm(self->dev, ABS_X);
  h_mm = h * unit_mm(self->dev, ABS_Y);
  if (w_mm > 3 * h_mm) {
    self->fw = 3 * h_mm / unit_mm(self->dev, ABS_X);
    self->fx += (w - self->fw) / 2;
  } else {
    self->fh = w_mm / 3 / unit_mm(self->dev, ABS_Y);
    self->fy += (h - self->fh) / 2;
  }
  return TRUE;
}

static void evdev_free(PadEvdev *self)
{
  if (self->dev)
    libevdev_free(self->dev);
  if (self->fd >= 0)
    close(self->fd);
  g_free(self->path);
  g_free(self);
}

static gboolean evdev_setup(PadEvdev *self, DeviceOptions *options,
                            GError **error)
{
  if (!libevdev_has_event_code(self->dev, EV_ABS, ABS_X) ||
      !libevdev_has_event_code(self->dev, EV_ABS, ABS_Y) ||
      !libevdev_has_event_code(self->dev, EV_ABS, ABS_PRESSURE)) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_UNSUPPORTED,
                "evdev: %s (%s) has no pen axes (ABS_X, ABS_Y, ABS_PRESSURE)",
                self->path, libevdev_get_name(self->dev));
    return FALSE;
  }
  self->settle_ms = device_option_int(options, "settle_ms", PAD_SETTLE_MS);
  if (self->settle_ms < 100 || self->settle_ms > 10000) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                "evdev: settle_ms must be 100..10000, not %d", self->settle_ms);
    return FALSE;
  }
  self->grab = g_strcmp0(device_option(options, "grab", "true"), "false");
  /* Without the monotonic clock the kernel stamps wall-clock time, which
   * jumps: arrival is then the time of reading. */
  self->clock_monotonic =
      libevdev_set_clock_id(self->dev, CLOCK_MONOTONIC) == 0;
  if (!self->clock_monotonic)
    g_debug("evdev: %s keeps its clock; arrival is the time of reading",
            self->path);
  return evdev_field(self, device_option(options, "field", "3:1"), error);
}

static gpointer pad_evdev_open(DeviceOptions *options, GError **error)
{
  const char *path = device_option(options, "path", NULL);
  PadEvdev *self = g_new0(PadEvdev, 1);

  self->fd = -1;
  if (path && *path) {
    self->path = g_strdup(path);
    self->dev = evdev_open_node(path, &self->fd, error);
  } else {
    self->dev = evdev_find(device_option(options, "name", NULL), &self->fd,
                           &self->path, error);
  }
  if (!self->dev || !evdev_setup(self, options, error)) {
    evdev_free(self);
    return NULL;
  }
  return self;
}

static void pad_evdev_close(gpointer data)
{
  PadEvdev *self = data;

  if (!self)
    return;
  libevdev_grab(self->dev, LIBEVDEV_UNGRAB);
  evdev_free(self);
}

static gboolean pad_evdev_describe(gpointer data, DeviceInfo *ret_info,
                                   GError **error)
{
  PadEvdev *self = data;
  struct libevdev *d = self->dev;
  const struct input_absinfo *ax = libevdev_get_abs_info(d, ABS_X);
  const struct input_absinfo *ay = libevdev_get_abs_info(d, ABS_Y);
  const struct input_absinfo *ap = libevdev_get_abs_info(d, ABS_PRESSURE);
  int version = libevdev_get_id_version(d);
  const char *uniq = libevdev_get_uniq(d);

  ret_info->backend = g_strdup("evdev");
  ret_info->model = g_strdup(libevdev_get_name(d));
  ret_info->serial = g_strdup(uniq && *uniq ? uniq : NULL);
  /* USB devices report their bcdDevice, the firmware release, here. */
  ret_info->firmware = g_strdup_printf("%x.%02x", version >> 8, version & 0xff);
  ret_info->port = g_strdup(self->path);
  ret_info->extra = g_strdup_printf(
      "usb %04x:%04x; x %d..%d, y %d..%d at %d/%d units/mm; pressure "
      "%d..%d%s",
      libevdev_get_id_vendor(d), libevdev_get_id_product(d), ax->minimum,
      ax->maximum, ay->minimum, ay->maximum, ax->resolution, ay->resolution,
      ap->minimum, ap->maximum,
      libevdev_has_event_code(d, EV_ABS, ABS_TILT_X) ? "; tilt" : "");
  return TRUE;
}

/* ---- events to samples ---- */

/* `value` of axis `code` pulled into its range; out of range is counted. */
static int evdev_axis(PadEvdev *self, int code, int value)
{
  const struct input_absinfo *a = libevdev_get_abs_info(self->dev, code);

  if (!a || (value >= a->minimum && value <= a->maximum))
    return value;
  self->stats.clamped++;
  return CLAMP(value, a->minimum, a->maximum);
}

static double evdev_tilt(PadEvdev *self, int code, int value)
{
  const struct input_absinfo *a = libevdev_get_abs_info(self->dev, code);

  if (!a)
    return NAN;
  /* Resolution is in units per radian; without one, units are degrees. */
  return a->resolution > 0 ? value * 180.0 / G_PI / a->resolution : value;
}

/* Whether kernel time `t_us` is on g_get_monotonic_time()'s clock (a
 * replayed recording, or a kernel without EVIOCSCLOCKID, is not). */
static gboolean evdev_on_our_clock(const PadEvdev *self, gint64 t_us)
{
  return self->clock_monotonic &&
         ABS(g_get_monotonic_time() - t_us) < EVDEV_PLAUSIBLE_US;
}

static gboolean evdev_pen_down(const PadEvdev *self)
{
  if (libevdev_has_event_code(self->dev, EV_KEY, BTN_TOUCH))
    return self->touch;
  return self->pressure > 0;
}

/* The pen's current state as a point stamped `t_us` (kernel time). */
static PadPoint evdev_point(PadEvdev *self, gint64 t_us)
{
  const struct input_absinfo *ap =
      libevdev_get_abs_info(self->dev, ABS_PRESSURE);
  double span = MAX(ap->maximum - ap->minimum, 1);
  double p = (self->pressure - ap->minimum) / span;
  gboolean down = self->in_range && evdev_pen_down(self);
  gint64 now = g_get_monotonic_time();
  PadPoint point = {
      .sample = {(self->x - self->fx) / self->fw,
                 (self->y - self->fy) / self->fh, down ? MAX(p, 0.01) : 0.0,
                 t_us},
      .tilt_x = evdev_tilt(self, ABS_TILT_X, self->tilt_x),
      .tilt_y = evdev_tilt(self, ABS_TILT_Y, self->tilt_y),
      .proximity = self->in_range,
      .arrival_us = now,
  };

  if (evdev_on_our_clock(self, t_us))
    point.arrival_us = t_us;
  return point;
}

/* One event into the pen's state; a SYN_REPORT makes a sample. */
static void evdev_event(PadEvdev *self, const struct input_event *ev,
                        PadTrace *trace, const PadSink *sink)
{
  gint64 t_us =
      (gint64)ev->input_event_sec * G_USEC_PER_SEC + ev->input_event_usec;
  PadPoint point;

  if (ev->type == EV_ABS && ev->code == ABS_X)
    self->x = evdev_axis(self, ABS_X, ev->value);
  else if (ev->type == EV_ABS && ev->code == ABS_Y)
    self->y = evdev_axis(self, ABS_Y, ev->value);
  else if (ev->type == EV_ABS && ev->code == ABS_PRESSURE)
    self->pressure = evdev_axis(self, ABS_PRESSURE, ev->value);
  else if (ev->type == EV_ABS && ev->code == ABS_TILT_X)
    self->tilt_x = evdev_axis(self, ABS_TILT_X, ev->value);
  else if (ev->type == EV_ABS && ev->code == ABS_TILT_Y)
    self->tilt_y = evdev_axis(self, ABS_TILT_Y, ev->value);
  else if (ev->type == EV_KEY && ev->code == BTN_TOOL_PEN)
    self->in_range = ev->value != 0;
  else if (ev->type == EV_KEY && ev->code == BTN_TOUCH)
    self->touch = ev->value != 0;
  if (ev->type != EV_SYN || ev->code != SYN_REPORT)
    return;
  /* Hovering far from the pad tells nothing; the frame it leaves in does. */
  if (!self->in_range && !self->was_down)
    return;
  if (evdev_on_our_clock(self, t_us) && t_us < self->since_us)
    return; /* written before this signature was asked for */
  point = evdev_point(self, t_us);
  self->was_down = point.sample.pressure > 0;
  pad_trace_add(trace, &point, sink);
}

/* After SYN_DROPPED: libevdev replays the difference to the device's state
 * in sync mode. What happened in between is lost, so a stroke in progress
 * is broken there rather than joined by a straight line. */
static int evdev_resync(PadEvdev *self, PadTrace *trace, const PadSink *sink)
{
  struct input_event ev;
  int rc;

  self->stats.resyncs++;
  if (self->was_down) {
    PadPoint lift = evdev_point(self, trace->last_raw_us);

    lift.sample.pressure = 0;
    self->was_down = FALSE;
    pad_trace_add(trace, &lift, sink);
  }
  while ((rc = libevdev_next_event(self->dev, LIBEVDEV_READ_FLAG_SYNC, &ev)) ==
         LIBEVDEV_READ_STATUS_SYNC)
    if (ev.type != EV_SYN)
      evdev_event(self, &ev, trace, sink);
  return rc == -EAGAIN ? LIBEVDEV_READ_STATUS_SUCCESS : rc;
}

/* Reads what is queued (up to EVDEV_BATCH events). FALSE with `error` when
 * the device went away. */
static gboolean evdev_read(PadEvdev *self, PadTrace *trace, const PadSink *sink,
                           GError **error)
{
  for (int n = 0; n < EVDEV_BATCH; n++) {
    struct input_event ev;
    int rc = libevdev_next_event(self->dev, LIBEVDEV_READ_FLAG_NORMAL, &ev);

    if (rc == LIBEVDEV_READ_STATUS_SYNC)
      rc = evdev_resync(self, trace, sink);
    else if (rc == LIBEVDEV_READ_STATUS_SUCCESS)
      evdev_event(self, &ev, trace, sink);
    if (rc == -EAGAIN)
      return TRUE;
    if (rc == -ENODEV || rc == -EIO) {
      g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_DISCONNECTED,
                  "evdev: %s was unplugged", self->path);
      return FALSE;
    }
    if (rc < 0) /* a short or malformed read: dropped */
      self->stats.dropped++;
  }
  return TRUE;
}

/* While the pen is quiet: whether the node has gone from /dev (udev
 * removes it on unplug, even when no read has failed yet). */
static gboolean evdev_node_gone(PadEvdev *self)
{
  gint64 now = g_get_monotonic_time();

  if (now < self->next_check_us)
    return FALSE;
  self->next_check_us = now + EVDEV_NODE_CHECK_US;
  return access(self->path, F_OK) != 0 && errno == ENOENT;
}

/* Waits for input; FALSE with `error` when the node hung up. */
static gboolean evdev_wait(PadEvdev *self, GError **error)
{
  struct pollfd pfd = {self->fd, POLLIN, 0};

  if (libevdev_has_event_pending(self->dev) > 0)
    return TRUE;
  if (poll(&pfd, 1, EVDEV_POLL_MS) < 0 && errno != EINTR) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_FAILED, "evdev: poll: %s",
                g_strerror(errno));
    return FALSE;
  }
  if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL) || evdev_node_gone(self)) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_DISCONNECTED,
                "evdev: %s was unplugged", self->path);
    return FALSE;
  }
  return TRUE;
}

static gboolean evdev_grab(PadEvdev *self, GError **error)
{
  int rc;

  if (!self->grab)
    return TRUE;
  rc = libevdev_grab(self->dev, LIBEVDEV_GRAB);
  if (rc == 0)
    return TRUE;
  g_set_error(error, DRIVERS_ERROR,
              rc == -EBUSY    ? DRIVERS_ERROR_CLAIMED
              : rc == -ENODEV ? DRIVERS_ERROR_DISCONNECTED
                              : DRIVERS_ERROR_FAILED,
              "evdev: cannot grab %s: %s", self->path, g_strerror(-rc));
  return FALSE;
}

static GArray *pad_evdev_collect(gpointer data, int timeout_ms,
                                 GCancellable *cancellable, const PadSink *sink,
                                 GError **error)
{
  PadEvdev *self = data;
  gint64 start = g_get_monotonic_time();
  GArray *samples = NULL;
  PadTrace trace;

  if (!evdev_grab(self, error))
    return NULL;
  pad_trace_init(&trace, &self->stats);
  self->was_down = FALSE;
  self->since_us = start;
  while (evdev_wait(self, error) && evdev_read(self, &trace, sink, error) &&
         !pad_trace_done(&trace, self->settle_ms, start, timeout_ms,
                         cancellable, "evdev", &samples, error))
    ;
  pad_trace_clear(&trace);
  libevdev_grab(self->dev, LIBEVDEV_UNGRAB);
  return samples;
}

/* Between signatures: the node is still in /dev (udev removes it on
 * unplug). */
static gboolean pad_evdev_present(gpointer data)
{
  PadEvdev *self = data;

  return !(access(self->path, F_OK) != 0 && errno == ENOENT);
}

static void pad_evdev_stats(gpointer data, PadStats *ret_stats)
{
  *ret_stats = ((PadEvdev *)data)->stats;
}

const PadDriver pad_evdev_driver = {
    .name = "evdev",
    .description = "a pen tablet through libevdev (options: path, name, "
                   "field, settle_ms, grab)",
    .open = pad_evdev_open,
    .close = pad_evdev_close,
    .describe = pad_evdev_describe,
    .collect = pad_evdev_collect,
    .stats = pad_evdev_stats,
    .present = pad_evdev_present,
};
