/* The wacom-stu backend through the real hidapi (hidraw backend, libudev)
 * against the STU emulator (tests/emulators/stu-hidraw.c) with umockdev's
 * sysfs: identity per model, choosing a pad by path and serial, a replayed
 * signature that renders to the committed reference PNG, the prompt image
 * the pad received decoded and compared, the on-pad buttons, and the
 * faults: unplugged mid-stroke (and back), a report of the wrong length,
 * a permission-denied node, a pad that never answers its capability
 * request. Also `biokiosk diagnose --json` with devices.pad=wacom-stu.
 *
 * The test runs itself again with the emulator and umockdev's library in
 * LD_PRELOAD (they must be there before the process starts). */
#include "image.h"
#include "jobs.h"
#include "pad-reference.h"
#include "pad.h"
#include "pngio.h"
#include "signature.h"
#include "stu-protocol.h"
#include "testlib.h"
#include "worker-pad.h"
#include "worker.h"
#include "emulators/stu-hidraw.h"

#include <dlfcn.h>
#include <errno.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <umockdev.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#define REFERENCE          "emulators/stu-signature-reference.png"
#define RENDER_W           600
#define RENDER_H           240
#define SPEED              10.0 /* the script plays ten times faster */
#define SIGNATURE_SEED     "stu-applicant"
#define COLLECT_TIMEOUT_MS 20000

static const StuEmuApi *emu;
static UMockdevTestbed *testbed;

/* The sysfs records of one pad at /dev/hidraw<n>, as the kernel shows a
 * USB HID device: the USB device and interface, the HID device (uevent
 * with HID_ID, HID_NAME, HID_UNIQ) and its hidraw node. */
static char *pad_sysfs(int n, int model, const char *serial)
{
  int pid = model == 430 ? 0xa4 : model == 530 ? 0xa5 : 0xa8;
  g_autofree char *usb =
      g_strdup_printf("/devices/pci0000:00/0000:00:14.0/usb1/1-%d", n + 1);
  g_autofree char *hid = g_strdup_printf("%s/1-%d:1.0/0003:056A:%04X.%04X", usb,
                                         n + 1, pid, n + 1);

  return g_strdup_printf(
      "P: %s/hidraw/hidraw%d\nE: DEVNAME=/dev/hidraw%d\n"
      "E: SUBSYSTEM=hidraw\nA: dev=243:%d\nL: device=../..\n\n"
      "P: %s\nE: SUBSYSTEM=hid\nE: HID_ID=0003:0000056A:%08X\n"
      "E: HID_NAME=Wacom Co.,Ltd. STU-%d\nE: HID_UNIQ=%s\n"
      "H: report_descriptor=050D0902A101C0\n\n"
      "P: %s/1-%d:1.0\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_interface\n"
      "A: bInterfaceNumber=00\n\n"
      "P: %s\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nA: idVendor=056a\n"
      "A: idProduct=%04x\nA: manufacturer=Wacom Co.,Ltd.\n"
      "A: product=STU-%d\nA: serial=%s\n",
      hid, n, n, n, hid, pid, model, serial, usb, n + 1, usb, pid, model,
      serial);
}

/* The sysfs paths of pad n, the hidraw node first and the USB device
 * last (umockdev removes them in that order). */
static void pad_syspaths(int n, int model, char *ret[4])
{
  int pid = model == 430 ? 0xa4 : model == 530 ? 0xa5 : 0xa8;

  ret[3] =
      g_strdup_printf("/sys/devices/pci0000:00/0000:00:14.0/usb1/1-%d", n + 1);
  ret[2] = g_strdup_printf("%s/1-%d:1.0", ret[3], n + 1);
  ret[1] = g_strdup_printf("%s/0003:056A:%04X.%04X", ret[2], pid, n + 1);
  ret[0] = g_strdup_printf("%s/hidraw/hidraw%d", ret[1], n);
}

/* Plugs an emulated pad in as /dev/hidraw<n>; returns the node. */
static char *plug(int n, int model, guint8 encoding_flag)
{
  g_autofree char *serial = g_strdup_printf("EMU%d-%04d", model, n);
  g_autofree char *desc = pad_sysfs(n, model, serial);
  g_autoptr(GError) error = NULL;
  char *node = g_strdup_printf("/dev/hidraw%d", n);

  g_assert_true(umockdev_testbed_add_from_string(testbed, desc, &error));
  g_assert_no_error(error);
  emu->add(node, model, encoding_flag);
  return node;
}

static void unplug_sysfs(int n, int model)
{
  char *paths[4];

  pad_syspaths(n, model, paths);
  for (int i = 0; i < 4; i++) {
    umockdev_testbed_remove_device(testbed, paths[i]);
    g_free(paths[i]);
  }
}

/* Opens the backend with the options that are not NULL. */
static BkPad *open_pad_with(const char *path, const char *serial,
                            const char *colour, GError **error)
{
  g_autoptr(GHashTable) opts = g_hash_table_new(g_str_hash, g_str_equal);

  if (colour)
    g_hash_table_insert(opts, "colour", (gpointer)colour);
  if (path)
    g_hash_table_insert(opts, "path", (gpointer)path);
  if (serial)
    g_hash_table_insert(opts, "serial", (gpointer)serial);
  return pad_open("wacom-stu", opts, error);
}

static BkPad *open_pad(const char *path, const char *serial, GError **error)
{
  return open_pad_with(path, serial, NULL, error);
}

/* A script being written: pen reports in the emulated pad's units. */
typedef struct {
  GArray *pens; /* StuEmuPen */
  int model;
  StuLayout layout;
  int screen_w, screen_h, max_x, max_y;
} Script;

static void script_init(Script *s, int model)
{
  gboolean mono = model == 430;

  s->pens = g_array_new(FALSE, FALSE, sizeof(StuEmuPen));
  s->model = model;
  /* The emulator's capability report (README.md). */
  s->screen_w = mono ? 320 : 800;
  s->screen_h = mono ? 200 : 480;
  s->max_x = mono ? 9600 : 10800;
  s->max_y = mono ? 6000 : 6480;
  stu_layout(s->screen_w, s->screen_h, &s->layout);
}

/* A report at screen pixel (sx, sy). */
static void script_pen(Script *s, double sx, double sy, double pressure,
                       gboolean near, guint16 delay_ms)
{
  StuEmuPen p = {
      (guint16)CLAMP(sx * s->max_x / (s->screen_w - 1) + 0.5, 0, 65535),
      (guint16)CLAMP(sy * s->max_y / (s->screen_h - 1) + 0.5, 0, 65535),
      (guint16)(pressure * 1023 + 0.5),
      near,
      pressure > 0,
      delay_ms};

  g_array_append_val(s->pens, p);
}

/* A signature (normalised to the writing box) as the pad would report it:
 * the box's pixels, tablet units, the pad's millisecond clock. */
static void script_signature(Script *s, const GArray *samples)
{
  const StuRect *box = &s->layout.signature;
  gint64 prev = 0;

  for (guint i = 0; i < samples->len; i++) {
    const PadSample *p = &g_array_index(samples, PadSample, i);
    gint64 ms = (p->t_us + 500) / 1000;

    script_pen(s, box->left + p->x * (box->right - box->left),
               box->top + p->y * (box->bottom - box->top), p->pressure, TRUE,
               (guint16)(i == 0 ? 20 : ms - prev));
    prev = ms;
  }
}

/* The signer taps a button: over it, down, still, up, and away. */
static void script_tap(Script *s, StuButton button)
{
  const StuRect *b = &s->layout.buttons[button];
  double x = (b->left + b->right) / 2.0, y = (b->top + b->bottom) / 2.0;

  script_pen(s, x, y, 0, TRUE, 150);
  for (int i = 0; i < 4; i++)
    script_pen(s, x + i, y, 0.5, TRUE, 5);
  script_pen(s, x + 3, y, 0, TRUE, 5);
  script_pen(s, x + 3, y, 0, FALSE, 5);
}

static void script_load_at(Script *s, const char *node, double speed)
{
  emu->set_script(node, (const StuEmuPen *)s->pens->data, s->pens->len, speed);
  g_array_unref(s->pens);
}

static void script_load(Script *s, const char *node)
{
  script_load_at(s, node, SPEED);
}

/* The signature the simulated pad generates for `seed`. */
static GArray *source_signature(const char *seed)
{
  g_autoptr(GHashTable) opts = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autoptr(BkPad) pad = NULL;
  GArray *a;

  g_hash_table_insert(opts, "seed", (gpointer)seed);
  pad = pad_open("sim", opts, &error);
  g_assert_no_error(error);
  a = pad_collect(pad, 5000, NULL, &error);
  g_assert_no_error(error);
  return a;
}

/* Pad `n` plugged in with `source` and an OK tap scripted (at `speed`),
 * `fault` set, and opened with the default options. */
static BkPad *scripted_pad(int n, int model, const GArray *source,
                           StuEmuFault fault, int fault_after, double speed)
{
  g_autofree char *node = plug(n, model, 0);
  g_autoptr(GError) error = NULL;
  BkPad *pad;
  Script s;

  script_init(&s, model);
  script_signature(&s, source);
  script_tap(&s, STU_BUTTON_OK);
  script_load_at(&s, node, speed);
  emu->set_fault(node, fault, fault_after, 0);
  pad = open_pad(node, NULL, &error);
  g_assert_no_error(error);
  return pad;
}

/* Counts what collect() streams. */
typedef struct {
  guint points, restarts;
} SinkCount;

static void sink_point(gpointer data, const PadPoint *point)
{
  ((SinkCount *)data)->points++;
}

static void sink_restart(gpointer data, const char *reason)
{
  g_assert_cmpstr(reason, ==, "cleared on the pad");
  ((SinkCount *)data)->restarts++;
}

static BkImage *render(const GArray *samples)
{
  return signature_render((const SignatureSample *)samples->data, samples->len,
                          RENDER_W, RENDER_H);
}

static double mean_difference(const BkImage *a, const BkImage *b)
{
  double sum = 0;

  for (int y = 0; y < a->height; y++)
    for (int x = 0; x < a->width; x++)
      sum += ABS(*image_pixel(a, x, y) - *image_pixel(b, x, y));
  return sum / ((double)a->width * a->height);
}

static void save_png(const BkImage *image, const char *name)
{
  g_autofree char *path =
      g_build_filename(g_getenv("G_TEST_BUILDDIR"), name, NULL);

  g_assert_true(pngio_write_file(image, path, NULL));
  g_test_message("wrote %s", path);
}

/* The pad's screen after the prompt: the image decoded from what the
 * emulator received equals the prompt drawn for that screen (16-bit
 * colour within its rounding). Saved for a person to look at. */
static void check_screen(const char *node, int model, int want_encoding)
{
  int w = 0, h = 0, encoding = -1;
  g_autofree guint8 *screen = emu->screen(node, &w, &h, &encoding);
  g_autofree guint8 *want = NULL;
  g_autofree char *name = NULL;
  g_autoptr(BkImage) shot = NULL;
  guint64 blocks;
  int worst = 0;

  g_assert_nonnull(screen);
  g_assert_cmpint(encoding, ==, want_encoding);
  g_assert_cmpint(w, ==, model == 430 ? 320 : 800);
  want = stu_prompt_render(w, h, encoding == STU_ENCODING_1BIT);
  for (int i = 0; i < w * h * 3; i++)
    worst = MAX(worst, ABS(screen[i] - want[i]));
  g_assert_cmpint(worst, <=, encoding == STU_ENCODING_16BIT ? 7 : 0);
  /* Every image went up in full blocks of 253 bytes and one remainder. */
  blocks = (stu_image_size(encoding, w, h) + STU_IMAGE_BLOCK_MAX - 1) /
           STU_IMAGE_BLOCK_MAX;
  g_test_message("STU-%d prompt, encoding 0x%02x: %" G_GUINT64_FORMAT
                 " image reports",
                 model, encoding, blocks);
  g_assert_cmpuint(emu->count(node, "image-blocks"), ==,
                   blocks * emu->count(node, "images"));
  shot = image_new(w, h, 3);
  for (int y = 0; y < h; y++)
    memcpy(image_pixel(shot, 0, y), screen + (gsize)y * w * 3, (gsize)w * 3);
  name = g_strdup_printf("pad-wacom-stu-screen-%d-%s.png", model,
                         encoding == STU_ENCODING_1BIT ? "mono" : "colour");
  save_png(shot, name);
}

/* The replay must match the committed reference to the byte, as every
 * pad backend's does (pad-reference.h; BK_UPDATE_REFERENCE=1 writes it
 * again after a deliberate change), or come within `tolerance` grey
 * levels of it on average. */
static void check_reference(const BkImage *image, double tolerance)
{
  g_autofree char *path = testlib_source_path("tests/" REFERENCE);
  g_autoptr(BkImage) ref = NULL;
  g_autoptr(GError) error = NULL;

  if (tolerance == 0) {
    pad_assert_reference(image, "tests/" REFERENCE);
    return;
  }
  ref = pngio_read_file(path, &error);
  g_assert_no_error(error);
  g_assert_cmpint(ref->width, ==, image->width);
  g_assert_cmpint(ref->height, ==, image->height);
  g_assert_cmpint(ref->channels, ==, image->channels);
  g_test_message("mean difference to the reference: %.3f",
                 mean_difference(image, ref));
  g_assert_cmpfloat(mean_difference(image, ref), <=, tolerance);
}

static void replay_signature(int n, int model, const char *colour,
                             double tolerance)
{
  g_autoptr(GArray) source = source_signature(SIGNATURE_SEED);
  g_autofree char *node = plug(n, model, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(BkPad) pad = NULL;
  g_autoptr(GArray) first = NULL, again = NULL;
  g_autoptr(BkImage) image = NULL, source_image = NULL;
  g_autofree char *name = NULL;
  SinkCount seen = {0};
  PadSink sink = {sink_point, sink_restart, &seen};
  SignatureCheck check;
  PadStats stats;
  Script s;

  script_init(&s, model);
  script_signature(&s, source);
  script_tap(&s, STU_BUTTON_OK);
  script_load(&s, node);
  pad = open_pad_with(node, NULL, colour, &error);
  g_assert_no_error(error);
  first = pad_collect_to(pad, COLLECT_TIMEOUT_MS, NULL, &sink, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(first->len, ==, source->len);
  g_assert_cmpuint(seen.points, ==, first->len);
  g_assert_true(signature_check((const SignatureSample *)first->data,
                                first->len, &check));
  pad_stats(pad, &stats);
  g_assert_cmpuint(stats.dropped + stats.clamped + stats.resyncs, ==, 0);

  image = render(first);
  source_image = render(source);
  g_test_message("STU-%d: %u samples, mean difference to the source %.3f",
                 model, first->len, mean_difference(image, source_image));
  g_assert_cmpfloat(mean_difference(image, source_image), <, 1.0);
  name = g_strdup_printf("pad-wacom-stu-signature-%d.png", model);
  save_png(image, name);
  check_reference(image, tolerance);
  check_screen(node, model,
               model == 430 || !colour ? STU_ENCODING_1BIT
                                       : STU_ENCODING_24BIT);

  /* The next signer: the prompt stays (one image per open), the box is
   * cleared, and the same strokes give the same samples. */
  again = pad_collect(pad, COLLECT_TIMEOUT_MS, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(again->len, ==, first->len);
  g_assert_cmpmem(again->data, again->len * sizeof(PadSample), first->data,
                  first->len * sizeof(PadSample));
  g_assert_cmpuint(emu->count(node, "images"), ==, 1);
}

static void test_signature_540(void)
{
  replay_signature(3, 540, "yes", 0.0);
}

static void test_signature_430(void)
{
  /* The 430's coarser tablet grid moves some points by a fraction of a
   * pixel: close to the reference, not equal. */
  replay_signature(4, 430, NULL, 1.0);
}

static void check_identity(const char *node, const char *model,
                           const char *firmware, const char *serial)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BkPad) pad = open_pad(node, NULL, &error);
  DeviceInfo info = {0};

  g_assert_no_error(error);
  g_assert_true(pad_describe(pad, &info, &error));
  g_test_message("%s: %s, firmware %s, serial %s, %s", info.port, info.model,
                 info.firmware, info.serial, info.extra);
  g_assert_cmpstr(info.backend, ==, "wacom-stu");
  g_assert_cmpstr(info.model, ==, model);
  g_assert_cmpstr(info.firmware, ==, firmware);
  g_assert_cmpstr(info.serial, ==, serial);
  g_assert_cmpstr(info.port, ==, node);
  device_info_clear(&info);
}

static void test_identity(void)
{
  g_autofree char *n430 = plug(0, 430, 0);
  g_autofree char *n530 = plug(1, 530, 0);
  g_autofree char *n540 = plug(2, 540, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(BkPad) by_serial = NULL, first = NULL, none = NULL;
  DeviceInfo info = {0};

  check_identity(n430, "Wacom STU-430", "1.10", "EMU430-0000");
  check_identity(n530, "Wacom STU-530", "2.10", "EMU530-0001");
  check_identity(n540, "Wacom STU-540", "2.12", "EMU540-0002");

  by_serial = open_pad(NULL, "EMU540-0002", &error);
  g_assert_no_error(error);
  g_assert_true(pad_describe(by_serial, &info, &error));
  g_assert_cmpstr(info.port, ==, n540);
  device_info_clear(&info);
  first = open_pad(NULL, NULL, &error); /* the first STU */
  g_assert_no_error(error);

  none = open_pad(NULL, "NO-SUCH-PAD", &error);
  g_assert_null(none);
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND);
  g_assert_nonnull(strstr(error->message, "NO-SUCH-PAD"));
  g_clear_error(&error);
  none = open_pad("/dev/hidraw99", NULL, &error);
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND);
}

/* Clear starts over, Cancel ends with G_IO_ERROR_CANCELLED, OK with no
 * ink returns no samples; a 530 whose firmware offers 16-bit colour only. */
static void test_buttons(void)
{
  g_autoptr(GArray) source = source_signature(SIGNATURE_SEED);
  g_autoptr(GArray) half = g_array_new(FALSE, FALSE, sizeof(PadSample));
  g_autofree char *node = plug(5, 530, 0x06);
  g_autoptr(GError) error = NULL;
  g_autoptr(BkPad) pad = NULL, refused = NULL;
  g_autoptr(GArray) samples = NULL, cancelled = NULL, empty = NULL;
  SinkCount seen = {0};
  PadSink sink = {sink_point, sink_restart, &seen};
  PadStats stats;
  Script s;

  g_array_append_vals(half, source->data, source->len / 2);
  script_init(&s, 530);
  script_signature(&s, half);
  script_tap(&s, STU_BUTTON_CLEAR);
  script_signature(&s, source);
  script_tap(&s, STU_BUTTON_OK);
  script_load(&s, node);
  refused = open_pad_with(node, NULL, "maybe", &error);
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID);
  g_clear_error(&error);
  pad = open_pad_with(node, NULL, "yes", &error);
  g_assert_no_error(error);
  samples = pad_collect_to(pad, COLLECT_TIMEOUT_MS, NULL, &sink, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(seen.restarts, ==, 1);
  g_assert_cmpuint(samples->len, ==, source->len);
  check_screen(node, 530, STU_ENCODING_16BIT);

  /* Cancel, after a hover far outside the tablet (clamped and counted). */
  script_init(&s, 530);
  script_pen(&s, 5000, 5000, 0, TRUE, 10);
  script_signature(&s, half);
  script_tap(&s, STU_BUTTON_CANCEL);
  script_load(&s, node);
  cancelled = pad_collect(pad, COLLECT_TIMEOUT_MS, NULL, &error);
  g_assert_null(cancelled);
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error(&error);
  pad_stats(pad, &stats);
  g_assert_cmpuint(stats.clamped, ==, 1);
  g_assert_cmpuint(stats.restarts, ==, 1);

  script_init(&s, 530);
  script_tap(&s, STU_BUTTON_OK);
  script_load(&s, node);
  empty = pad_collect(pad, COLLECT_TIMEOUT_MS, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(empty->len, ==, 0);
}

/* Unplugged mid-stroke: collect() ends with DISCONNECTED and no samples;
 * while the pad is away it is NOT_FOUND; plugged back in, it opens and
 * takes a whole signature. */
static void test_unplug(void)
{
  g_autoptr(GArray) source = source_signature(SIGNATURE_SEED);
  const char *node = "/dev/hidraw6";
  g_autoptr(BkPad) pad =
      scripted_pad(6, 540, source, STU_EMU_FAULT_UNPLUG, 100, SPEED);
  g_autoptr(BkPad) away = NULL, back = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) samples = NULL;
  gint64 t0, latency;

  samples = pad_collect(pad, COLLECT_TIMEOUT_MS, NULL, &error);
  g_assert_null(samples);
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_DISCONNECTED);
  g_assert_true(emu->unplugged(node));
  latency =
      g_get_monotonic_time() - (gint64)emu->count(node, "unplugged-at-us");
  g_test_message("unplug noticed after %.1f ms (%s)", latency / 1000.0,
                 error->message);
  g_assert_cmpint(latency, <, G_USEC_PER_SEC / 2);
  g_assert_cmpuint(emu->count(node, "pen-reports"), ==, 100);
  g_clear_error(&error);
  g_clear_pointer(&pad, pad_close);

  unplug_sysfs(6, 540);
  away = open_pad(node, NULL, &error);
  g_assert_null(away);
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND);
  g_clear_error(&error);

  g_free(plug(6, 540, 0)); /* the same serial, as after a real replug */
  emu->replug(node);
  t0 = g_get_monotonic_time();
  back = open_pad(node, NULL, &error);
  g_assert_no_error(error);
  g_test_message("reopened %.1f ms after the replug",
                 (g_get_monotonic_time() - t0) / 1000.0);
  samples = pad_collect(back, COLLECT_TIMEOUT_MS, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(samples->len, ==, source->len);
  check_screen(node, 540, STU_ENCODING_1BIT); /* the default: monochrome */
}

/* Every 25th pen report one byte short: dropped and counted, the rest of
 * the signature arrives. */
static void test_short_reports(void)
{
  g_autoptr(GArray) source = source_signature(SIGNATURE_SEED);
  g_autoptr(BkPad) pad =
      scripted_pad(7, 540, source, STU_EMU_FAULT_SHORT, 25, SPEED);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) samples = NULL;
  guint short_in_signature = source->len / 25;
  PadStats stats;
  SignatureCheck check;

  samples = pad_collect(pad, COLLECT_TIMEOUT_MS, NULL, &error);
  g_assert_no_error(error);
  pad_stats(pad, &stats);
  g_test_message("%u samples, %" G_GUINT64_FORMAT " dropped", samples->len,
                 stats.dropped);
  g_assert_cmpuint(samples->len, ==, source->len - short_in_signature);
  g_assert_cmpuint(stats.dropped, ==, (source->len + 7) / 25);
  g_assert_true(signature_check((const SignatureSample *)samples->data,
                                samples->len, &check));
}

static void test_permission_denied(void)
{
  g_autofree char *node = plug(8, 430, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(BkPad) pad = NULL;

  emu->set_fault(node, STU_EMU_FAULT_EACCES, 0, 0);
  pad = open_pad(node, NULL, &error);
  g_assert_null(pad);
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_CLAIMED);
  g_test_message("%s", error->message);
  g_assert_nonnull(strstr(error->message, "permission denied"));
  g_assert_nonnull(strstr(error->message, "70-biokiosk-pads.rules"));
}

/* A pad that never answers its capability request: a clear error once the
 * (here shortened) control transfer timeout passes. */
static void test_silent(void)
{
  g_autofree char *node = plug(9, 530, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(BkPad) pad = NULL;
  gint64 t0 = g_get_monotonic_time(), ms;

  emu->set_fault(node, STU_EMU_FAULT_SILENT, 0, 400);
  pad = open_pad(node, NULL, &error);
  ms = (g_get_monotonic_time() - t0) / 1000;
  g_assert_null(pad);
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_TIMEOUT);
  g_test_message("after %" G_GINT64_FORMAT " ms: %s", ms, error->message);
  g_assert_nonnull(
      strstr(error->message, "did not answer its capability request"));
  g_assert_cmpint(ms, >=, 400);
  g_assert_cmpint(ms, <, 2000);
}

/* The pad link's news, taken until `state` is reported (10 s at most). */
static void wait_state(PadLink *link, DeviceState state, gboolean *restarted)
{
  gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  PadNews news = {0};

  while (g_get_monotonic_time() < end) {
    gboolean done = FALSE;

    if (pad_link_take(link, &news)) {
      if (restarted)
        *restarted |= news.restarted;
      done = news.changed && news.state == state;
      pad_news_clear(&news);
    }
    if (done)
      return;
    g_usleep(5000);
  }
  g_error("the pad did not become %s within 10 s",
          device_state_to_string(state));
}

static void deliver(gpointer data, Result *r)
{
  g_async_queue_push(data, r);
}

/* The kiosk's pad worker: the pad unplugged mid-stroke is RECOVERING and
 * the partial signature void; plugged back in it is READY within 2 s, the
 * prompt is sent again, and the signature kept is the whole new one. */
static void test_worker_replug(void)
{
  g_autoptr(GArray) source = source_signature(SIGNATURE_SEED);
  g_autoptr(BkPad) pad =
      scripted_pad(12, 540, source, STU_EMU_FAULT_UNPLUG, 60, SPEED);
  g_autoptr(GAsyncQueue) results = g_async_queue_new();
  g_autoptr(GHashTable) options = g_hash_table_new(g_str_hash, g_str_equal);
  const char *node = "/dev/hidraw12";
  KioskConfig config = {0};
  gboolean restarted = FALSE;
  Job *job = job_new(JOB_SIGNATURE);
  gint64 plugged_at;
  PadLink *link;
  Worker *worker;
  Result *r;

  g_clear_pointer(&pad, pad_close); /* the worker opens its own */
  g_hash_table_insert(options, "path", (gpointer)node);
  config.pad_backend = (char *)"wacom-stu";
  config.pad_options = options;
  link = pad_link_new(&config, NULL, NULL);
  wait_state(link, DEVICE_STATE_READY, NULL);
  worker = worker_new(&worker_pad_class, link, "wacom-stu", deliver, results);
  job->timeout_ms = 30000;
  worker_push(worker, job);
  wait_state(link, DEVICE_STATE_RECOVERING, &restarted);
  g_assert_true(emu->unplugged(node));
  unplug_sysfs(12, 540);
  g_usleep(300000); /* away for a moment */
  g_free(plug(12, 540, 0));
  emu->replug(node);
  plugged_at = g_get_monotonic_time();
  wait_state(link, DEVICE_STATE_READY, &restarted);
  g_test_message("READY %.0f ms after the replug",
                 (g_get_monotonic_time() - plugged_at) / 1000.0);
  g_assert_cmpint(g_get_monotonic_time() - plugged_at, <, 2 * G_USEC_PER_SEC);
  g_assert_true(restarted);
  r = g_async_queue_timeout_pop(results, 20 * G_USEC_PER_SEC);
  g_assert_nonnull(r);
  g_assert_no_error(r->error);
  g_assert_cmpuint(r->signature.samples->len, ==, source->len);
  g_assert_true(r->signature.ok);
  g_assert_cmpstr(r->signature.pad.model, ==, "Wacom STU-540");
  g_assert_cmpstr(r->signature.pad.firmware, ==, "2.12");
  g_assert_cmpuint(emu->count(node, "images"), ==, 2);
  result_free(r);
  worker_free(worker);
  pad_link_free(link);
}

/* The signer lifts the pen away for 20 s halfway (the pad says nothing
 * meanwhile): the pad's clock carries the pause into the samples. */
static void test_pause(void)
{
  g_autoptr(GArray) source = source_signature(SIGNATURE_SEED);
  g_autofree char *node = plug(11, 430, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(BkPad) pad = NULL;
  g_autoptr(GArray) samples = NULL;
  const PadSample *last_src, *last;
  guint half = source->len / 2;
  Script s;

  script_init(&s, 430);
  script_signature(&s, source);
  g_array_index(s.pens, StuEmuPen, half).delay_ms += 20000;
  script_tap(&s, STU_BUTTON_OK);
  script_load_at(&s, node, 200);
  pad = open_pad(node, NULL, &error);
  g_assert_no_error(error);
  samples = pad_collect(pad, COLLECT_TIMEOUT_MS, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(samples->len, ==, source->len);
  last_src = &g_array_index(source, PadSample, source->len - 1);
  last = &g_array_index(samples, PadSample, samples->len - 1);
  g_test_message("last sample at %.3f s, the source's at %.3f s",
                 last->t_us / 1e6, last_src->t_us / 1e6);
  g_assert_cmpint(ABS(last->t_us - (last_src->t_us + 20 * G_USEC_PER_SEC)), <,
                  10000);
}

/* `biokiosk diagnose --json` with devices.pad=wacom-stu: the emulator is
 * preloaded into the program too (it inherits LD_PRELOAD and umockdev's
 * UMOCKDEV_DIR) and configured through its environment. */
static void test_diagnose(void)
{
  g_autofree char *node = plug(10, 540, 0);
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *set_state = g_strdup_printf("paths.state_dir=%s", dir);
  g_autofree char *set_path = g_strdup_printf("pad.path=%s", node);
  g_autofree char *devices = g_strdup_printf("%s=540", node);
  g_auto(GStrv) env =
      g_environ_setenv(g_get_environ(), "BK_STU_EMU_DEVICES", devices, TRUE);
  const char *argv[] = {g_getenv("BK_BIOKIOSK"),
                        "diagnose",
                        "--json",
                        "--set",
                        set_state,
                        "--set",
                        "devices.pad=wacom-stu",
                        "--set",
                        set_path,
                        NULL};
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  JsonObject *pad;

  testlib_spawn(argv, (const char *const *)env, &out, &err);
  g_test_message("stderr: %s", err);
  g_assert_true(json_parser_load_from_data(parser, out, -1, &error));
  g_assert_no_error(error);
  pad = json_object_get_object_member(
      json_node_get_object(json_parser_get_root(parser)), "pad");
  g_assert_nonnull(pad);
  g_assert_true(json_object_get_boolean_member(pad, "found"));
  g_assert_cmpstr(json_object_get_string_member(pad, "backend"), ==,
                  "wacom-stu");
  g_assert_cmpstr(json_object_get_string_member(pad, "model"), ==,
                  "Wacom STU-540");
  g_assert_cmpstr(json_object_get_string_member(pad, "firmware"), ==, "2.12");
  g_assert_cmpstr(json_object_get_string_member(pad, "serial"), ==,
                  "EMU540-0010");
  testlib_rmtree(dir);
}

/* Runs `exe` under valgrind as tests/meson.build's valgrind setup does. */
static void exec_under_valgrind(const char *exe, char **argv)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *supp = testlib_source_path("tests/valgrind.supp");

  g_ptr_array_add(args, g_strdup("valgrind"));
  g_ptr_array_add(args, g_strdup("--error-exitcode=99"));
  g_ptr_array_add(args, g_strdup("--leak-check=full"));
  g_ptr_array_add(args, g_strdup("--errors-for-leak-kinds=definite"));
  g_ptr_array_add(args, g_strdup("--track-fds=no"));
  g_ptr_array_add(args, g_strdup("--quiet"));
  g_ptr_array_add(args, g_strdup_printf("--suppressions=%s", supp));
  g_ptr_array_add(args, g_strdup(exe));
  for (int i = 1; argv[i]; i++)
    g_ptr_array_add(args, g_strdup(argv[i]));
  g_ptr_array_add(args, NULL);
  execvp("valgrind", (char **)args->pdata);
}

/* Runs this program again with the emulator in front of umockdev's
 * preload library; returns only when that is not possible. */
static void reexec_preloaded(char **argv)
{
  g_autofree char *shim = g_build_filename(g_getenv("G_TEST_BUILDDIR"),
                                           "emulators", "stu-hidraw.so", NULL);
  g_autofree char *preload = NULL;
  g_autofree char *asan = NULL;
  g_autofree char *exe = NULL;

  if (!g_file_test(shim, G_FILE_TEST_EXISTS))
    testlib_skip_all("the STU emulator %s is not built", shim);
  preload = g_strdup_printf("%s:libumockdev-preload.so.0", shim);
  /* A sanitizer build links its runtime first; preloading before it is
   * fine here. */
  asan =
      g_strdup_printf("%s%sverify_asan_link_order=0",
                      g_getenv("ASAN_OPTIONS") ? g_getenv("ASAN_OPTIONS") : "",
                      g_getenv("ASAN_OPTIONS") ? ":" : "");
  g_setenv("LD_PRELOAD", preload, TRUE);
  g_setenv("ASAN_OPTIONS", asan, TRUE);
  g_setenv("BK_STU_PRELOADED", "1", TRUE);
  /* The program's own path, not /proc/self/exe: under valgrind that is
   * valgrind's tool, which refuses to be run directly (readlink gives the
   * program). Under valgrind the program runs under it again, with the
   * options of the valgrind test setup. */
  exe = g_file_read_link("/proc/self/exe", NULL);
  if (RUNNING_ON_VALGRIND)
    exec_under_valgrind(exe ? exe : argv[0], argv);
  execv(exe ? exe : argv[0], argv);
  testlib_skip_all("cannot run again with the emulator: %s", g_strerror(errno));
}

int main(int argc, char **argv)
{
  const StuEmuApi *(*api)(void);

  if (!g_getenv("BK_STU_PRELOADED"))
    reexec_preloaded(argv);
  g_test_init(&argc, &argv, NULL);
  testbed = umockdev_testbed_new();
  api = (const StuEmuApi *(*)(void))dlsym(RTLD_DEFAULT, "stu_emu_api");
  if (!umockdev_in_mock_environment() || !api)
    testlib_skip_all("umockdev's preload library or the STU emulator did "
                     "not load (LD_PRELOAD=%s)",
                     g_getenv("LD_PRELOAD"));
  emu = api();
  g_test_add_func("/pad-wacom-stu/identity", test_identity);
  g_test_add_func("/pad-wacom-stu/signature-540", test_signature_540);
  g_test_add_func("/pad-wacom-stu/signature-430", test_signature_430);
  g_test_add_func("/pad-wacom-stu/buttons", test_buttons);
  g_test_add_func("/pad-wacom-stu/unplug", test_unplug);
  g_test_add_func("/pad-wacom-stu/short-reports", test_short_reports);
  g_test_add_func("/pad-wacom-stu/pause", test_pause);
  g_test_add_func("/pad-wacom-stu/worker-replug", test_worker_replug);
  g_test_add_func("/pad-wacom-stu/permission-denied", test_permission_denied);
  g_test_add_func("/pad-wacom-stu/silent", test_silent);
  g_test_add_func("/pad-wacom-stu/diagnose", test_diagnose);
  return g_test_run();
}
