/* The evdev signature pad backend against emulated pen tablets: umockdev
 * presents the device nodes, sysfs and the EVIOCG* answers of
 * tests/emulators/pad-evdev/ (see tests/emulators/README.md), and replays
 * their recorded signatures as kernel events; the real libevdev reads them.
 * The program re-executes itself under umockdev-wrapper. */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <umockdev.h>
#include <unistd.h>

#include "pad-reference.h"
#include "pad.h"
#include "signature.h"
#include "steps.h"
#include "worker-pad.h"
#include "worker.h"
#include "testlib.h"

#define DATA_DIR "emulators/pad-evdev"

/* From linux/input-event-codes.h (which session.h's names would clash
 * with). */
#define BTN_TOOL_PEN 0x140
#define BTN_TOUCH    0x14a

typedef struct {
  const char *file;  /* intuos-s, huion-h640p */
  const char *model; /* EVIOCGNAME */
  const char *node;
  const char *firmware;
} Tablet;

static const Tablet INTUOS = {"intuos-s", "Wacom Intuos S Pen",
                              "/dev/input/event20", "1.10"};
static const Tablet HUION = {"huion-h640p", "HUION Huion Tablet_H640P Pen",
                             "/dev/input/event21", "1.00"};

static char *data_path(const char *file, const char *suffix)
{
  g_autofree char *rel =
      g_strdup_printf("tests/" DATA_DIR "/%s%s", file, suffix);

  return testlib_source_path(rel);
}

/* A testbed with the tablets plugged in. */
static UMockdevTestbed *testbed_with(const Tablet *const *tablets, int n)
{
  UMockdevTestbed *tb = umockdev_testbed_new();

  for (int i = 0; i < n; i++) {
    g_autofree char *dev = data_path(tablets[i]->file, ".umockdev");
    g_autofree char *ioctl = data_path(tablets[i]->file, ".ioctl");
    g_autoptr(GError) error = NULL;

    g_assert_true(umockdev_testbed_add_from_file(tb, dev, &error));
    g_assert_no_error(error);
    g_assert_true(
        umockdev_testbed_load_ioctl(tb, tablets[i]->node, ioctl, &error));
    g_assert_no_error(error);
  }
  return tb;
}

static void replay(UMockdevTestbed *tb, const Tablet *t, const char *suffix)
{
  g_autofree char *events = data_path(t->file, suffix);
  g_autoptr(GError) error = NULL;

  g_assert_true(
      umockdev_testbed_load_evemu_events(tb, t->node, events, &error));
  g_assert_no_error(error);
}

/* umockdev 0.17 loads events from files only. */
static void replay_string(UMockdevTestbed *tb, const Tablet *t,
                          const char *events)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *path = g_build_filename(dir, "events.evemu", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true(g_file_set_contents(path, events, -1, NULL));
  g_assert_true(umockdev_testbed_load_evemu_events(tb, t->node, path, &error));
  g_assert_no_error(error);
  testlib_rmtree(dir);
}

static DeviceOptions *options_new(const char *key, const char *value, ...)
{
  DeviceOptions *o =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  va_list ap;

  va_start(ap, value);
  while (key) {
    g_hash_table_insert(o, g_strdup(key), g_strdup(value));
    key = va_arg(ap, const char *);
    if (key)
      value = va_arg(ap, const char *);
  }
  va_end(ap);
  return o;
}

/* What the sink saw. */
typedef struct {
  GArray *points; /* PadPoint */
  int restarts;
} Streamed;

static void on_point(gpointer data, const PadPoint *p)
{
  g_array_append_val(((Streamed *)data)->points, *p);
}

static void on_restart(gpointer data, const char *reason)
{
  ((Streamed *)data)->restarts++;
}

/* Opens the pad, replays the tablet's signature, collects it through the
 * sink, checks and renders it like the kiosk does. */
static void replay_signature(const Tablet *t, DeviceOptions *options,
                             const Tablet *const *plugged, int n_plugged)
{
  g_autoptr(UMockdevTestbed) tb = testbed_with(plugged, n_plugged);
  g_autoptr(GError) error = NULL;
  g_autoptr(BkPad) pad = pad_open("evdev", options, &error);
  Streamed seen = {g_array_new(FALSE, FALSE, sizeof(PadPoint)), 0};
  PadSink sink = {on_point, on_restart, &seen};
  DeviceInfo info = {0};
  SignatureOutcome outcome = {0};
  PadStats stats;
  GArray *samples;
  gboolean tilted = FALSE;

  g_assert_no_error(error);
  g_assert_nonnull(pad);
  g_assert_true(pad_describe(pad, &info, &error));
  g_assert_cmpstr(info.model, ==, t->model);
  g_assert_cmpstr(info.firmware, ==, t->firmware);
  g_assert_cmpstr(info.port, ==, t->node);
  device_info_clear(&info);

  replay(tb, t, "-signature.evemu");
  samples = pad_collect_to(pad, 20000, NULL, &sink, &error);
  g_assert_no_error(error);
  g_assert_nonnull(samples);
  /* Every sample was streamed, in order, before collect() returned. */
  g_assert_cmpuint(seen.points->len, ==, samples->len);
  g_assert_cmpint(seen.restarts, ==, 0);
  for (guint i = 0; i < samples->len; i++) {
    const PadPoint *p = &g_array_index(seen.points, PadPoint, i);
    const PadSample *s = &g_array_index(samples, PadSample, i);

    g_assert_cmpfloat(p->sample.x, ==, s->x);
    g_assert_cmpfloat(p->sample.t_us, ==, s->t_us);
    g_assert_true(s->x >= 0 && s->x <= 1 && s->y >= 0 && s->y <= 1);
    g_assert_true(p->proximity || s->pressure == 0);
    tilted |= !isnan(p->tilt_x);
  }
  /* The Intuos reports tilt; the Huion does not. */
  g_assert_true(tilted == (t == &INTUOS));
  pad_stats(pad, &stats);
  g_test_message("%s: %u samples; clamped %" G_GUINT64_FORMAT
                 ", dropped %" G_GUINT64_FORMAT ", resyncs %" G_GUINT64_FORMAT,
                 t->file, samples->len, stats.clamped, stats.dropped,
                 stats.resyncs);
  g_assert_cmpuint(stats.samples, ==, samples->len);
  g_assert_cmpuint(stats.clamped + stats.dropped + stats.resyncs, ==, 0);

  g_assert_true(steps_signature(samples, &outcome, &error));
  g_assert_true(outcome.ok);
  {
    g_autofree char *rel =
        g_strdup_printf("tests/" DATA_DIR "/%s-signature.png", t->file);

    pad_assert_reference(outcome.rendered, rel);
  }
  signature_outcome_clear(&outcome);
  g_array_unref(seen.points);
}

static void test_replay_intuos_by_path(void)
{
  const Tablet *plugged[] = {&INTUOS, &HUION};
  g_autoptr(GHashTable) o = options_new("path", INTUOS.node, NULL);

  replay_signature(&INTUOS, o, plugged, 2);
}

static void test_replay_huion_by_name(void)
{
  const Tablet *plugged[] = {&INTUOS, &HUION};
  g_autoptr(GHashTable) o = options_new("name", "h640p", NULL);

  replay_signature(&HUION, o, plugged, 2);
}

static void test_first_pen_tablet(void)
{
  const Tablet *plugged[] = {&HUION};
  g_autoptr(GHashTable) o = options_new(NULL, NULL);

  replay_signature(&HUION, o, plugged, 1);
}

static void test_absent(void)
{
  /* An empty testbed: no input device at all while it lives. */
  g_autoptr(UMockdevTestbed) tb G_GNUC_UNUSED = umockdev_testbed_new();
  g_autoptr(GHashTable) by_name = options_new("name", "intuos", NULL);
  g_autoptr(GHashTable) by_path =
      options_new("path", "/dev/input/event20", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_null(pad_open("evdev", by_name, &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND);
  g_clear_error(&error);
  g_assert_null(pad_open("evdev", by_path, &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND);
}

/* ---- faults ---- */

/* The first `n_frames` frames (lines up to the n-th SYN_REPORT) of the
 * tablet's recorded signature, then `tail` (may be NULL), then the rest
 * when `rest`. */
static char *events_cut(const Tablet *t, int n_frames, const char *tail,
                        gboolean rest)
{
  g_autofree char *path = data_path(t->file, "-signature.evemu");
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GString *out = g_string_new(NULL);
  int frames = 0;
  gboolean tail_done = FALSE;

  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  lines = g_strsplit(text, "\n", -1);
  for (guint i = 0; lines[i] && *lines[i]; i++) {
    if (frames >= n_frames && !tail_done) {
      g_string_append(out, tail ? tail : "");
      tail_done = TRUE;
      if (!rest)
        break;
    }
    g_string_append_printf(out, "%s\n", lines[i]);
    if (g_str_has_suffix(lines[i], " 0000 0000 0"))
      frames++;
  }
  return g_string_free(out, FALSE);
}

/* The tablet goes: its sysfs device, and its node (umockdev 0.17 leaves
 * the node of a removed input device behind; udev would remove it). */
static void unplug(UMockdevTestbed *tb, const Tablet *t)
{
  int event = atoi(t->node + strlen("/dev/input/event"));
  g_autofree char *root = umockdev_testbed_get_root_dir(tb); /* a copy */
  g_autofree char *node = g_build_filename(root, t->node, NULL);
  g_autofree char *sys =
      g_strdup_printf("/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/"
                      "0003:%s.%04X/input/input%d",
                      t == &INTUOS ? "056A:0374" : "256C:006D", event, event);

  umockdev_testbed_remove_device(tb, sys);
  g_unlink(node);
}

/* Collects on a thread, so that the test can act meanwhile. */
typedef struct {
  BkPad *pad;
  Streamed seen;
  GArray *samples;
  GError *error;
} Collecting;

static gpointer collect_thread(gpointer data)
{
  Collecting *c = data;
  PadSink sink = {on_point, on_restart, &c->seen};

  c->samples = pad_collect_to(c->pad, 20000, NULL, &sink, &c->error);
  return NULL;
}

static guint seen_points(Collecting *c)
{
  return g_atomic_int_get((gint *)&c->seen.points->len);
}

static void test_removed_mid_stroke(void)
{
  const Tablet *plugged[] = {&INTUOS};
  g_autoptr(UMockdevTestbed) tb = testbed_with(plugged, 1);
  g_autoptr(GHashTable) o = options_new("path", INTUOS.node, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *events = events_cut(&INTUOS, 60, NULL, FALSE);
  Collecting c = {0};
  GThread *thread;
  gint64 removed;
  int null_fd;

  c.pad = pad_open("evdev", o, &error);
  g_assert_no_error(error);
  c.seen.points = g_array_new(FALSE, FALSE, sizeof(PadPoint));
  thread = g_thread_new("collect", collect_thread, &c);
  replay_string(tb, &INTUOS, events);
  /* Until the partial stroke has arrived and nothing more comes. */
  for (guint last = 0; seen_points(&c) < 40 || seen_points(&c) != last;) {
    last = seen_points(&c);
    g_usleep(200000);
  }
  /* The cable is pulled with the pen on the pad: the node hangs up (the
   * kernel says ENODEV; umockdev's pty closes) and the device goes. */
  removed = g_get_monotonic_time();
  null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  dup2(null_fd, umockdev_testbed_get_dev_fd(tb, INTUOS.node));
  close(null_fd);
  unplug(tb, &INTUOS);
  g_thread_join(thread);
  g_assert_null(c.samples);
  g_assert_error(c.error, DRIVERS_ERROR, DRIVERS_ERROR_DISCONNECTED);
  g_assert_cmpint(g_get_monotonic_time() - removed, <, G_USEC_PER_SEC);
  /* Gone for good until it comes back: opening it again says absent. */
  pad_close(c.pad);
  g_assert_null(pad_open("evdev", o, &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND);
  g_clear_error(&c.error);
  g_array_unref(c.seen.points);
}

/* An ioctl file whose key state says the pen is on the pad (what the
 * kernel answers libevdev's resync with in the middle of a stroke). */
static char *ioctl_pen_down(const Tablet *t, const char *dir)
{
  g_autofree char *path = data_path(t->file, ".ioctl");
  g_autofree char *text = NULL;
  g_autofree char *out = g_build_filename(dir, "pen-down.ioctl", NULL);
  g_auto(GStrv) lines = NULL;
  GString *s = g_string_new(NULL);
  guint8 keys[96] = {0};

  keys[BTN_TOOL_PEN / 8] |= 1 << (BTN_TOOL_PEN % 8);
  keys[BTN_TOUCH / 8] |= 1 << (BTN_TOUCH % 8);
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  lines = g_strsplit(text, "\n", -1);
  for (guint i = 0; lines[i] && *lines[i]; i++) {
    if (g_str_has_prefix(lines[i], "EVIOCGKEY")) {
      g_string_append(s, "EVIOCGKEY(0) 96 ");
      for (gsize k = 0; k < sizeof keys; k++)
        g_string_append_printf(s, "%02X", keys[k]);
      g_string_append_c(s, '\n');
    } else {
      g_string_append_printf(s, "%s\n", lines[i]);
    }
  }
  g_assert_true(g_file_set_contents(out, s->str, -1, NULL));
  g_string_free(s, TRUE);
  return g_steal_pointer(&out);
}

static int count_strokes(const GArray *samples)
{
  int strokes = 0;
  gboolean down = FALSE;

  for (guint i = 0; i < samples->len; i++) {
    gboolean d = g_array_index(samples, PadSample, i).pressure > 0;

    strokes += d && !down;
    down = d;
  }
  return strokes;
}

static void test_syn_dropped(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autoptr(UMockdevTestbed) tb = umockdev_testbed_new();
  g_autofree char *dev = data_path(INTUOS.file, ".umockdev");
  g_autofree char *ioctl = ioctl_pen_down(&INTUOS, dir);
  g_autoptr(GHashTable) o = options_new("path", INTUOS.node, NULL);
  g_autoptr(GError) error = NULL;
  /* The kernel's buffer overflowed in the first stroke: SYN_DROPPED, then
   * the events after the loss. */
  g_autofree char *events =
      events_cut(&INTUOS, 60, "E: 1000.460000 0000 0003 0\n", TRUE);
  g_autoptr(BkPad) pad = NULL;
  g_autoptr(GArray) samples = NULL;
  SignatureOutcome outcome = {0};
  PadStats stats;

  g_assert_true(umockdev_testbed_add_from_file(tb, dev, &error));
  g_assert_true(umockdev_testbed_load_ioctl(tb, INTUOS.node, ioctl, &error));
  g_assert_no_error(error);
  pad = pad_open("evdev", o, &error);
  g_assert_no_error(error);
  replay_string(tb, &INTUOS, events);
  samples = pad_collect(pad, 20000, NULL, &error);
  g_assert_no_error(error);
  pad_stats(pad, &stats);
  g_assert_cmpuint(stats.resyncs, ==, 1);
  /* The stroke is broken where samples were lost: four strokes, not
   * three; the signature still holds. */
  g_assert_cmpint(count_strokes(samples), ==, 4);
  g_assert_true(steps_signature(g_steal_pointer(&samples), &outcome, &error));
  g_assert_true(outcome.ok);
  signature_outcome_clear(&outcome);
  testlib_rmtree(dir);
}

/* Out-of-range axes are clamped, time going backwards and floods are
 * dropped, all counted; nothing crashes and the samples stay in range. */
static void test_bad_input(void)
{
  const Tablet *plugged[] = {&INTUOS};
  g_autoptr(UMockdevTestbed) tb = testbed_with(plugged, 1);
  g_autoptr(GHashTable) o = options_new("path", INTUOS.node, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BkPad) pad = pad_open("evdev", o, &error);
  g_autoptr(GString) ev = g_string_new("# device /dev/input/event20\n");
  g_autoptr(GArray) samples = NULL;
  PadStats stats;

  g_assert_no_error(error);
  g_string_append(ev, "E: 1000.0 0001 0140 1\nE: 1000.0 0001 014A 1\n"
                      "E: 1000.0 0000 0000 0\n");
  /* A stroke at 100 Hz with the x axis running past its maximum. */
  for (int i = 1; i <= 100; i++)
    g_string_append_printf(ev,
                           "E: 1000.%d 0003 0000 %d\nE: 1000.%d 0003 0001 "
                           "4000\nE: 1000.%d 0003 0018 2000\nE: 1000.%d "
                           "0000 0000 0\n",
                           i * 10000 % 1000000, 4000 + i * 130,
                           i * 10000 % 1000000, i * 10000 % 1000000,
                           i * 10000 % 1000000);
  /* A frame stamped before the last one. */
  g_string_append(ev, "E: 1000.500000 0003 0001 4100\n"
                      "E: 1000.500000 0000 0000 0\n");
  /* A flood: 400 frames 100 us apart. */
  for (int i = 1; i <= 400; i++)
    g_string_append_printf(ev,
                           "E: 1001.%d 0003 0001 %d\nE: 1001.%d 0000 0000 "
                           "0\n",
                           i * 100, 3000 + i, i * 100);
  g_string_append(ev, "E: 1001.50000 0001 014A 0\nE: 1001.50000 0003 0018 "
                      "0\nE: 1001.50000 0000 0000 0\n"
                      "E: 1001.60000 0001 0140 0\nE: 1001.60000 0000 0000 "
                      "0\n");
  replay_string(tb, &INTUOS, ev->str);
  samples = pad_collect(pad, 20000, NULL, &error);
  g_assert_no_error(error);
  pad_stats(pad, &stats);
  g_test_message("clamped %" G_GUINT64_FORMAT ", dropped %" G_GUINT64_FORMAT
                 ", flood %" G_GUINT64_FORMAT,
                 stats.clamped, stats.dropped, stats.flood);
  g_assert_cmpuint(stats.clamped, >=, 10);
  g_assert_cmpuint(stats.dropped, >=, 1 + 300);
  g_assert_cmpuint(stats.flood, >=, 300);
  for (guint i = 0; i < samples->len; i++) {
    const PadSample *s = &g_array_index(samples, PadSample, i);

    g_assert_true(s->x >= 0 && s->x <= 1 && s->y >= 0 && s->y <= 1);
    g_assert_true(i == 0 ||
                  s->t_us >= g_array_index(samples, PadSample, i - 1).t_us);
  }
}

/* A node the kiosk's user may not open (root's, mode 0600): a clear
 * error naming the rules file. umockdev's nodes are ptys that it connects
 * on open, so this node is a plain one outside the testbed. */
static void test_permission_denied(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *node = g_build_filename(dir, "event20", NULL);
  g_autoptr(GHashTable) o = options_new("path", node, NULL);
  g_autoptr(GError) error = NULL;
  gpointer pad;

  g_assert_true(g_file_set_contents(node, "", 0, NULL));
  g_assert_cmpint(g_chmod(node, 0600), ==, 0);
  g_assert_cmpint(g_chmod(dir, 0755), ==, 0);
  /* Tests run as root, which may open anything: be nobody for a moment
   * (the effective user only; the saved one brings root back). */
  g_assert_cmpint(seteuid(65534), ==, 0);
  pad = pad_open("evdev", o, &error);
  g_assert_cmpint(seteuid(0), ==, 0);
  g_assert_null(pad);
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_FAILED);
  g_assert_nonnull(strstr(error->message, g_strerror(EACCES)));
  g_assert_nonnull(strstr(error->message, "70-biokiosk-pads.rules"));
  testlib_rmtree(dir);
}

/* `biokiosk diagnose --json` under umockdev-run with the Intuos plugged
 * in (a testbed of its own, as a technician would replay it) reports the
 * tablet found, with its model and firmware. */
static void test_diagnose(void)
{
  g_autofree char *run = g_find_program_in_path("umockdev-run");
  g_autofree char *dev = data_path(INTUOS.file, ".umockdev");
  g_autofree char *ioctl = data_path(INTUOS.file, ".ioctl");
  g_autofree char *ioctl_arg = g_strdup_printf("%s=%s", INTUOS.node, ioctl);
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *state = g_strdup_printf("paths.state_dir=%s", dir);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  const char *argv[] = {run,
                        "-d",
                        dev,
                        "-i",
                        ioctl_arg,
                        "--",
                        g_getenv("BK_BIOKIOSK"),
                        "diagnose",
                        "--json",
                        "--set",
                        state,
                        "--set",
                        "devices.pad=evdev",
                        "--set",
                        "pad.name=intuos",
                        NULL};
  JsonObject *pad;
  int status;

  /* Its stdout is the JSON: no debug lines there. */
  g_auto(GStrv) envp = g_environ_unsetenv(g_get_environ(), "G_MESSAGES_DEBUG");

  g_assert_nonnull(run);
  status = testlib_spawn(argv, (const char *const *)envp, &out, &err);
  g_test_message("diagnose: status %d; %s", status, err ? err : "");
  g_assert_true(json_parser_load_from_data(parser, out, -1, &error));
  g_assert_no_error(error);
  pad = json_object_get_object_member(
      json_node_get_object(json_parser_get_root(parser)), "pad");
  g_assert_true(json_object_get_boolean_member(pad, "found"));
  g_assert_cmpstr(json_object_get_string_member(pad, "backend"), ==, "evdev");
  g_assert_cmpstr(json_object_get_string_member(pad, "model"), ==,
                  INTUOS.model);
  g_assert_cmpstr(json_object_get_string_member(pad, "firmware"), ==,
                  INTUOS.firmware);
  g_assert_cmpstr(json_object_get_string_member(pad, "port"), ==, INTUOS.node);
  testlib_rmtree(dir);
}

/* ---- the kiosk's pad worker: absent at start, unplug and replug ---- */

/* The tablet's description moved to another node, as after a replug. */
static void plug_as(UMockdevTestbed *tb, const Tablet *t, int event)
{
  g_autofree char *dev = data_path(t->file, ".umockdev");
  g_autofree char *ioctl = data_path(t->file, ".ioctl");
  g_autofree char *text = NULL, *ioctl_text = NULL;
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *path = g_build_filename(dir, "moved.ioctl", NULL);
  g_autofree char *node = g_strdup_printf("/dev/input/event%d", event);
  g_autoptr(GString) moved = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true(g_file_get_contents(dev, &text, NULL, NULL));
  g_assert_true(g_file_get_contents(ioctl, &ioctl_text, NULL, NULL));
  moved = g_string_new(text);
  g_string_replace(moved, "event20", node + strlen("/dev/input/"), 0);
  g_string_replace(moved, "input20", "input22", 0);
  g_string_replace(moved, "13:84", "13:86", 0);
  g_string_replace(moved, "MINOR=84", "MINOR=86", 0);
  g_assert_true(umockdev_testbed_add_from_string(tb, moved->str, &error));
  g_assert_no_error(error);
  g_string_assign(moved, ioctl_text);
  g_string_replace(moved, t->node, node, 0);
  g_assert_true(g_file_set_contents(path, moved->str, -1, NULL));
  g_assert_true(umockdev_testbed_load_ioctl(tb, node, path, &error));
  g_assert_no_error(error);
  testlib_rmtree(dir);
}

/* Takes the link's news until `until` says stop (or 10 s pass); returns
 * the news that stopped it and counts points and restarts on the way. */
typedef gboolean (*NewsTest)(const PadNews *news);

static PadNews wait_news(PadLink *link, NewsTest until, guint *points,
                         int *restarts)
{
  gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  PadNews news = {0};

  while (g_get_monotonic_time() < end) {
    if (pad_link_take(link, &news)) {
      if (news.restarted && restarts)
        (*restarts)++;
      if (points)
        *points = (news.restarted ? 0 : *points) + news.points->len;
      if (until(&news))
        return news;
      pad_news_clear(&news);
    }
    g_usleep(5000);
  }
  g_error("the pad's news did not come within 10 s");
}

static gboolean news_ready(const PadNews *n)
{
  return n->changed && n->state == DEVICE_STATE_READY;
}

static gboolean news_absent(const PadNews *n)
{
  return n->changed && n->state == DEVICE_STATE_ABSENT && n->message;
}

static gboolean news_recovering(const PadNews *n)
{
  return n->changed && n->state == DEVICE_STATE_RECOVERING;
}

static gboolean news_points(const PadNews *n)
{
  return n->points->len > 0;
}

static void deliver(gpointer data, Result *r)
{
  g_async_queue_push(data, r);
}

/* Absent at start: the state says so (never the simulator); plugged in, it
 * is found without a restart. */
static void test_absent_at_start(void)
{
  g_autoptr(UMockdevTestbed) tb = umockdev_testbed_new();
  KioskConfig config = {0};
  PadLink *link;
  PadNews news;

  config.pad_backend = (char *)"evdev";
  config.pad_options = options_new("name", "intuos", NULL);
  link = pad_link_new(&config, NULL, NULL);
  news = wait_news(link, news_absent, NULL, NULL);
  g_assert_nonnull(strstr(news.message, "no input device named like"));
  pad_news_clear(&news);
  plug_as(tb, &INTUOS, 22);
  news = wait_news(link, news_ready, NULL, NULL);
  pad_news_clear(&news);
  pad_link_free(link);
  g_hash_table_unref(config.pad_options);
}

/* Unplugged while nobody signs: shown within about a second; plugged in
 * again, ready again. */
static void test_unplugged_idle(void)
{
  const Tablet *plugged[] = {&INTUOS};
  g_autoptr(UMockdevTestbed) tb = testbed_with(plugged, 1);
  KioskConfig config = {0};
  PadLink *link;
  PadNews news;
  gint64 t0;

  config.pad_backend = (char *)"evdev";
  config.pad_options = options_new("name", "intuos", NULL);
  link = pad_link_new(&config, NULL, NULL);
  pad_news_clear((news = wait_news(link, news_ready, NULL, NULL), &news));
  unplug(tb, &INTUOS);
  t0 = g_get_monotonic_time();
  news = wait_news(link, news_absent, NULL, NULL);
  g_test_message("absent %.0f ms after the unplug: %s",
                 (g_get_monotonic_time() - t0) / 1000.0, news.message);
  g_assert_cmpint(g_get_monotonic_time() - t0, <, 2 * G_USEC_PER_SEC);
  g_assert_cmpstr(news.message, ==, "the pad was unplugged");
  pad_news_clear(&news);
  plug_as(tb, &INTUOS, 22);
  pad_news_clear((news = wait_news(link, news_ready, NULL, NULL), &news));
  pad_link_free(link);
  g_hash_table_unref(config.pad_options);
}

/* Unplugged in the middle of a signature: RECOVERING, the partial
 * signature void; replugged (on another node), READY within 2 s and the
 * applicant's new signature is the one kept. */
static void test_replug_mid_signature(void)
{
  const Tablet *plugged[] = {&INTUOS};
  g_autoptr(UMockdevTestbed) tb = testbed_with(plugged, 1);
  g_autofree char *partial = events_cut(&INTUOS, 60, NULL, FALSE);
  g_autofree char *full = data_path(INTUOS.file, "-signature.evemu");
  g_autoptr(GAsyncQueue) results = g_async_queue_new();
  g_autoptr(GError) error = NULL;
  KioskConfig config = {0};
  PadLink *link;
  Worker *worker;
  PadNews news;
  Job *job = job_new(JOB_SIGNATURE);
  Result *r;
  guint points = 0;
  int restarts = 0;
  gint64 plugged_at;

  config.pad_backend = (char *)"evdev";
  config.pad_options = options_new("name", "intuos", NULL);
  link = pad_link_new(&config, NULL, NULL);
  pad_news_clear((news = wait_news(link, news_ready, NULL, NULL), &news));
  worker = worker_new(&worker_pad_class, link, "evdev", deliver, results);
  job->timeout_ms = 30000;
  worker_push(worker, job);
  g_usleep(200000); /* the job is collecting */
  replay_string(tb, &INTUOS, partial);
  pad_news_clear((news = wait_news(link, news_points, &points, NULL), &news));
  while (points < 40)
    pad_news_clear((news = wait_news(link, news_points, &points, NULL), &news));
  g_usleep(300000);
  /* Unplugged: udev removes the node (the pty stays: its number must not
   * be handed to the replugged tablet, which umockdev cannot map twice). */
  unplug(tb, &INTUOS);
  news = wait_news(link, news_recovering, &points, &restarts);
  g_assert_true(news.restarted || restarts > 0);
  pad_news_clear(&news);
  plug_as(tb, &INTUOS, 22);
  plugged_at = g_get_monotonic_time();
  pad_news_clear((news = wait_news(link, news_ready, &points, NULL), &news));
  g_test_message("back %.0f ms after the replug",
                 (g_get_monotonic_time() - plugged_at) / 1000.0);
  g_assert_cmpint(g_get_monotonic_time() - plugged_at, <, 2 * G_USEC_PER_SEC);
  g_assert_true(umockdev_testbed_load_evemu_events(tb, "/dev/input/event22",
                                                   full, &error));
  r = g_async_queue_timeout_pop(results, 20 * G_USEC_PER_SEC);
  g_assert_nonnull(r);
  g_assert_no_error(r->error);
  /* Only the second signing: the whole recording, nothing of the first. */
  g_assert_cmpuint(r->signature.samples->len, ==, 415);
  g_assert_true(r->signature.ok);
  g_assert_cmpstr(r->signature.pad.model, ==, INTUOS.model);
  g_assert_cmpstr(r->signature.pad.firmware, ==, INTUOS.firmware);
  result_free(r);
  worker_free(worker);
  pad_link_free(link);
  g_hash_table_unref(config.pad_options);
}

static void drop_log(const char *domain, GLogLevelFlags level,
                     const char *message, gpointer data)
{
}

int main(int argc, char **argv)
{
  /* umockdev_in_mock_environment() only says yes once a testbed exists. */
  if (!strstr(g_getenv("LD_PRELOAD") ? g_getenv("LD_PRELOAD") : "",
              "libumockdev-preload")) {
    g_autofree char *wrapper = g_find_program_in_path("umockdev-wrapper");
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    g_autofree char *asan = NULL;

    if (!wrapper)
      testlib_skip_all("umockdev-wrapper is not installed");
    g_ptr_array_add(args, wrapper);
    g_ptr_array_add(args, self);
    for (int i = 1; i < argc; i++)
      g_ptr_array_add(args, argv[i]);
    g_ptr_array_add(args, NULL);
    /* A sanitizer build links its runtime first; umockdev's preload in
     * front of it is fine here. Added to the test setup's own options. */
    asan = g_strdup_printf("%s%sverify_asan_link_order=0",
                           g_getenv("ASAN_OPTIONS") ? g_getenv("ASAN_OPTIONS")
                                                    : "",
                           g_getenv("ASAN_OPTIONS") ? ":" : "");
    g_setenv("ASAN_OPTIONS", asan, TRUE);
    execv(wrapper, (char **)args->pdata);
    testlib_skip_all("cannot run umockdev-wrapper: %s", g_strerror(errno));
  }
  g_test_init(&argc, &argv, NULL);
  /* umockdev's debug lines quote raw event bytes, which are not TAP. */
  g_log_set_handler(NULL, G_LOG_LEVEL_DEBUG, drop_log, NULL);
  g_test_add_func("/pad-evdev/replay/intuos-by-path",
                  test_replay_intuos_by_path);
  g_test_add_func("/pad-evdev/replay/huion-by-name", test_replay_huion_by_name);
  g_test_add_func("/pad-evdev/replay/first-pen-tablet", test_first_pen_tablet);
  g_test_add_func("/pad-evdev/absent", test_absent);
  g_test_add_func("/pad-evdev/diagnose", test_diagnose);
  g_test_add_func("/pad-evdev/kiosk/absent-at-start", test_absent_at_start);
  g_test_add_func("/pad-evdev/kiosk/unplugged-idle", test_unplugged_idle);
  g_test_add_func("/pad-evdev/kiosk/replug-mid-signature",
                  test_replug_mid_signature);
  g_test_add_func("/pad-evdev/fault/removed-mid-stroke",
                  test_removed_mid_stroke);
  g_test_add_func("/pad-evdev/fault/syn-dropped", test_syn_dropped);
  g_test_add_func("/pad-evdev/fault/bad-input", test_bad_input);
  g_test_add_func("/pad-evdev/fault/permission-denied", test_permission_denied);
  return g_test_run();
}
