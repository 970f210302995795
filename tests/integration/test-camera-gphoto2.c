/* The "gphoto2" camera backend through the real libgphoto2 (ptp2 driver over
 * PTP/IP) against the emulator in tests/emulators: open and describe,
 * capture and download into memory, live view, the six settings, and every
 * injected fault ending in a result or a clear error, never a hang. */
#include "camera-gphoto2.h"
#include "camera.h"
#include "emulators/ptpip-camera.h"
#include "testlib.h"

#include <glib/gstdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  PtpipCamera *emu;
  GHashTable *options;
  BkCamera *camera;
} Fixture;

static BkCamera *open_camera(Fixture *f, GError **error)
{
  return camera_open("gphoto2", f->options, error);
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->emu = ptpip_camera_new(&error);
  g_assert_no_error(error);
  f->options = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert(f->options, g_strdup("port"),
                      ptpip_camera_address(f->emu));
  f->camera = open_camera(f, &error);
  g_assert_no_error(error);
  g_assert_nonnull(f->camera);
  ptpip_camera_pin_gphoto2_modules();
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
  camera_close(f->camera);
  ptpip_camera_free(f->emu);
  g_hash_table_unref(f->options);
}

static void reopen(Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_clear_pointer(&f->camera, camera_close);
  f->camera = open_camera(f, &error);
  g_assert_no_error(error);
}

static void test_describe(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  DeviceInfo info = {0};
  g_autofree char *address = ptpip_camera_address(f->emu);

  g_assert_true(camera_describe(f->camera, &info, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(info.backend, ==, "gphoto2");
  g_assert_cmpstr(info.model, ==, "BK-EMU D1");
  g_assert_cmpstr(info.serial, ==, "EMU000123");
  g_assert_cmpstr(info.firmware, ==, "V1.00");
  g_assert_cmpstr(info.port, ==, address);
  g_assert_nonnull(strstr(info.extra, "battery 80%"));
  device_info_clear(&info);
}

static void test_capture(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) still = ptpip_camera_make_jpeg(1200, 800, 7, 90);
  g_autoptr(GBytes) got = NULL;

  ptpip_camera_set_still(f->emu, still);
  got = camera_capture(f->camera, &error);
  g_assert_no_error(error);
  g_assert_true(g_bytes_equal(got, still));
  g_assert_cmpuint(ptpip_camera_count(f->emu, PTPIP_COUNT_CAPTURES), ==, 1);
  g_assert_cmpuint(ptpip_camera_count(f->emu, PTPIP_COUNT_DOWNLOADS), ==, 1);
  /* Deleted on the camera: no portrait stays on the card. */
  g_assert_cmpuint(ptpip_camera_count(f->emu, PTPIP_COUNT_OBJECTS), ==, 0);

  g_clear_pointer(&got, g_bytes_unref);
  got = camera_capture(f->camera, &error);
  g_assert_no_error(error);
  g_assert_true(g_bytes_equal(got, still));
  g_assert_cmpuint(ptpip_camera_count(f->emu, PTPIP_COUNT_OBJECTS), ==, 0);
}

static void test_body_shutter(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) got = NULL;

  /* A picture taken on the camera body is announced by an event; the
   * driver deletes it so no portrait stays on the card. */
  ptpip_camera_press_shutter(f->emu);
  while (ptpip_camera_count(f->emu, PTPIP_COUNT_OBJECTS) == 0)
    g_usleep(1000);
  got = camera_capture(f->camera, &error);
  g_assert_no_error(error);
  g_assert_nonnull(got);
  g_assert_cmpuint(ptpip_camera_count(f->emu, PTPIP_COUNT_DOWNLOADS), ==, 1);
  g_assert_cmpuint(ptpip_camera_count(f->emu, PTPIP_COUNT_OBJECTS), ==, 0);
}

static void test_liveview(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  GBytes *frames[3];
  guint served_before;
  int matched = 0;

  for (int i = 0; i < 3; i++)
    frames[i] = ptpip_camera_make_jpeg(320, 240, (guint)i * 10, 70);
  ptpip_camera_set_frames(f->emu, frames, 3);

  /* 120 consecutive frames, each exactly one of the served JPEGs (the
   * Nikon header stripped by libgphoto2), in the camera's order. */
  for (int i = 0; i < 120; i++) {
    g_autoptr(GBytes) frame = camera_preview(f->camera, &error);
    g_assert_no_error(error);
    served_before = ptpip_camera_count(f->emu, PTPIP_COUNT_FRAMES);
    g_assert_true(g_bytes_equal(frame, frames[(served_before - 1) % 3]));
    matched++;
  }
  g_assert_cmpint(matched, ==, 120);
  for (int i = 0; i < 3; i++)
    g_bytes_unref(frames[i]);
}

static void test_settings(Fixture *f, gconstpointer data)
{
  static const struct {
    const char *name;
    const char *before, *after;
    guint16 code;
    gint64 raw_after;
  } cases[] = {
      {"iso", "100", "400", 0x500F, 400},
      {"aperture", "f/8", "f/5.6", 0x5007, 560},
      {"shutterspeed", "0.0080s", "0.0040s", 0x500D, 40},
      {"whitebalance", "Automatic", "Daylight", 0x5005, 4},
      {"imageformat", "JPEG Fine", "JPEG Normal", 0x5004, 1},
      {"focusmode", "AF-S", "Manual", 0x500A, 1},
  };
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *before =
        camera_get_setting(f->camera, cases[i].name, &error);
    g_autofree char *after = NULL;

    g_assert_no_error(error);
    g_assert_cmpstr(before, ==, cases[i].before);
    g_assert_true(
        camera_set_setting(f->camera, cases[i].name, cases[i].after, &error));
    g_assert_no_error(error);
    g_assert_cmpint(ptpip_camera_get_prop(f->emu, cases[i].code), ==,
                    cases[i].raw_after);
    after = camera_get_setting(f->camera, cases[i].name, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(after, ==, cases[i].after);
  }

  /* A value the camera does not offer, and a setting nobody knows. */
  g_assert_false(camera_set_setting(f->camera, "iso", "123", &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID);
  g_assert_nonnull(strstr(error->message, "1600"));
  g_clear_error(&error);
  g_assert_null(camera_get_setting(f->camera, "zoom", &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_UNSUPPORTED);
}

static void test_fault_busy(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) still = NULL;

  /* Two busy answers: the backoff inside the driver absorbs them. */
  ptpip_camera_inject(f->emu, PTPIP_FAULT_BUSY, 2);
  still = camera_capture(f->camera, &error);
  g_assert_no_error(error);
  g_assert_nonnull(still);
  g_assert_cmpuint(ptpip_camera_count(f->emu, PTPIP_COUNT_BUSY), ==, 2);
  g_clear_pointer(&still, g_bytes_unref);

  /* Busy for longer than the backoff: a clear BUSY, then it works again. */
  ptpip_camera_inject(f->emu, PTPIP_FAULT_BUSY, 50);
  still = camera_capture(f->camera, &error);
  g_assert_null(still);
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_BUSY);
  g_clear_error(&error);
  ptpip_camera_inject(f->emu, PTPIP_FAULT_BUSY, 0);
  still = camera_capture(f->camera, &error);
  g_assert_no_error(error);
  g_assert_nonnull(still);
}

static void test_fault_drop(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GBytes) still = NULL;

  frame = camera_preview(f->camera, &error);
  g_assert_no_error(error);
  g_clear_pointer(&frame, g_bytes_unref);

  ptpip_camera_inject(f->emu, PTPIP_FAULT_DROP, 1);
  frame = camera_preview(f->camera, &error);
  g_assert_null(frame);
  g_assert_nonnull(error);
  g_assert_true(error->domain == DRIVERS_ERROR);
  g_test_message("drop during live view: %s", error->message);
  g_clear_error(&error);

  /* The worker's answer to a lost camera: close and reopen. */
  reopen(f);
  frame = camera_preview(f->camera, &error);
  g_assert_no_error(error);

  /* Dropped during the download of a still. */
  ptpip_camera_inject(f->emu, PTPIP_FAULT_DROP, 1);
  still = camera_capture(f->camera, &error);
  g_assert_null(still);
  g_assert_nonnull(error);
  g_test_message("drop during download: %s", error->message);
  g_clear_error(&error);
  reopen(f);
  still = camera_capture(f->camera, &error);
  g_assert_no_error(error);
  g_assert_nonnull(still);
}

static void test_fault_truncated(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GBytes) still = NULL;

  frame = camera_preview(f->camera, &error);
  g_assert_no_error(error);
  g_clear_pointer(&frame, g_bytes_unref);

  /* A frame without its end: libgphoto2 refuses it; the next one is fine. */
  ptpip_camera_inject(f->emu, PTPIP_FAULT_TRUNCATE, 1);
  frame = camera_preview(f->camera, &error);
  g_assert_null(frame);
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_FAILED);
  g_clear_error(&error);
  frame = camera_preview(f->camera, &error);
  g_assert_no_error(error);
  g_assert_nonnull(frame);

  /* A truncated still is refused by the driver, and deleted on the card. */
  ptpip_camera_inject(f->emu, PTPIP_FAULT_TRUNCATE, 1);
  still = camera_capture(f->camera, &error);
  g_assert_null(still);
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_FAILED);
  g_assert_nonnull(strstr(error->message, "incomplete"));
  g_assert_cmpuint(ptpip_camera_count(f->emu, PTPIP_COUNT_OBJECTS), ==, 0);
}

static void test_fault_slow(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) big = ptpip_camera_make_jpeg(1600, 1200, 3, 95);
  g_autoptr(GBytes) still = NULL;
  gint64 start;
  guint chunks = (guint)(g_bytes_get_size(big) / (64 * 1024)) + 1;

  ptpip_camera_set_still(f->emu, big);
  ptpip_camera_set_slow_ms(f->emu, 30);
  ptpip_camera_inject(f->emu, PTPIP_FAULT_SLOW, 1);
  start = g_get_monotonic_time();
  still = camera_capture(f->camera, &error);
  g_assert_no_error(error);
  g_assert_true(g_bytes_equal(still, big));
  /* The transfer really was slow, and still arrived whole. */
  g_assert_cmpint(g_get_monotonic_time() - start, >=, (gint64)chunks * 30000);
}

static void test_fault_sleep(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) frame = NULL;
  gint64 start;

  ptpip_camera_set_asleep(f->emu, TRUE);
  start = g_get_monotonic_time();
  frame = camera_preview(f->camera, &error);
  g_assert_null(frame);
  g_assert_nonnull(error);
  g_test_message("asleep: %s after %.1f s", error->message,
                 (g_get_monotonic_time() - start) / 1e6);
  /* No hang: libgphoto2's PTP/IP timeout (2.5 s) ends the wait. */
  g_assert_cmpint(g_get_monotonic_time() - start, <, 10 * G_USEC_PER_SEC);
  g_clear_error(&error);

  /* While asleep, a reopen fails with a clear error, not a hang. */
  g_clear_pointer(&f->camera, camera_close);
  f->camera = open_camera(f, &error);
  g_assert_null(f->camera);
  g_assert_nonnull(error);
  g_clear_error(&error);

  ptpip_camera_set_asleep(f->emu, FALSE);
  reopen(f);
  frame = camera_preview(f->camera, &error);
  g_assert_no_error(error);
  g_assert_nonnull(frame);
}

static void test_unplug(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) frame = NULL;

  ptpip_camera_unplug(f->emu);
  frame = camera_preview(f->camera, &error);
  g_assert_null(frame);
  g_assert_nonnull(error);
  g_clear_error(&error);

  g_clear_pointer(&f->camera, camera_close);
  f->camera = open_camera(f, &error);
  g_assert_null(f->camera);
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND);
  g_clear_error(&error);

  g_assert_true(ptpip_camera_replug(f->emu, &error));
  g_assert_no_error(error);
  reopen(f);
  frame = camera_preview(f->camera, &error);
  g_assert_no_error(error);
  g_assert_nonnull(frame);
}

static void test_jpeg_complete(void)
{
  static const guint8 whole[] = {0xFF, 0xD8, 1, 2, 3, 0xFF, 0xD9};
  static const guint8 cut[] = {0xFF, 0xD8, 1, 2, 3, 4, 5};
  static const guint8 not_jpeg[] = {'G', 'I', 'F', '8', 0xFF, 0xD9};
  g_autofree guint8 *padded = g_malloc0(3000);
  g_autofree guint8 *far = g_malloc0(10000);

  g_assert_true(camera_gphoto2_jpeg_complete(whole, sizeof whole));
  g_assert_false(camera_gphoto2_jpeg_complete(cut, sizeof cut));
  g_assert_false(camera_gphoto2_jpeg_complete(not_jpeg, sizeof not_jpeg));
  g_assert_false(camera_gphoto2_jpeg_complete(whole, 3));
  /* Zero padding (under 4 KiB) after EOI, as some cameras write. */
  memcpy(padded, whole, sizeof whole);
  g_assert_true(camera_gphoto2_jpeg_complete(padded, 3000));
  /* An EOI far before the end is a thumbnail's, not the image's. */
  memcpy(far, whole, sizeof whole);
  g_assert_false(camera_gphoto2_jpeg_complete(far, 10000));
}

static void test_no_camera(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) options =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(PtpipCamera) emu = ptpip_camera_new(&error);
  g_autofree char *address = NULL;

  /* A port where nothing listens any more. */
  g_assert_no_error(error);
  address = ptpip_camera_address(emu);
  g_clear_pointer(&emu, ptpip_camera_free);
  g_hash_table_insert(options, g_strdup("port"), g_strdup(address));
  g_assert_null(camera_open("gphoto2", options, &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND);
  g_clear_error(&error);

  g_hash_table_insert(options, g_strdup("model"), g_strdup("No Such Camera"));
  g_assert_null(camera_open("gphoto2", options, &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID);
}

static void test_stdin_kept(Fixture *f, gconstpointer data)
{
  struct stat mine, after;
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *path = g_build_filename(dir, "stdin", NULL);
  int saved = dup(0), fd;

  /* libgphoto2 2.5.30 closes fd 0 when a PTP/IP camera is closed; the
   * driver puts the process's own stdin back. A file of our own as stdin
   * makes sure it is that one, not just any /dev/null. */
  g_clear_pointer(&f->camera, camera_close);
  g_assert_true(g_file_set_contents(path, "stdin", -1, NULL));
  g_assert_cmpint(stat(path, &mine), ==, 0);
  fd = open(path, O_RDONLY);
  g_assert_cmpint(dup2(fd, 0), ==, 0);
  close(fd);
  for (int i = 0; i < 2; i++) {
    reopen(f);
    g_clear_pointer(&f->camera, camera_close);
    g_assert_cmpint(fstat(0, &after), ==, 0);
    g_assert_cmpuint(mine.st_dev, ==, after.st_dev);
    g_assert_cmpuint(mine.st_ino, ==, after.st_ino);
  }
  dup2(saved, 0);
  close(saved);
  testlib_rmtree(dir);
}

static void test_gvfs_diagnostic(void)
{
  g_autofree char *root = testlib_mkdtemp();
  g_autofree char *pid_dir = g_build_filename(root, "4242", NULL);
  g_autofree char *cmdline = g_build_filename(pid_dir, "cmdline", NULL);
  g_autofree char *found = NULL;
  static const char argv0[] = "/usr/libexec/gvfs-gphoto2-volume-monitor\0";

  g_assert_null(camera_gphoto2_find_gvfs(root));
  g_assert_cmpint(g_mkdir(pid_dir, 0700), ==, 0);
  g_assert_true(g_file_set_contents(cmdline, argv0, sizeof argv0, NULL));
  found = camera_gphoto2_find_gvfs(root);
  g_assert_cmpstr(found, ==, "gvfs-gphoto2-volume-monitor (pid 4242)");
  testlib_rmtree(root);

  g_assert_cmpint(camera_gphoto2_error_code(-53), ==, DRIVERS_ERROR_CLAIMED);
  g_assert_cmpint(camera_gphoto2_error_code(-60), ==, DRIVERS_ERROR_CLAIMED);
  g_assert_cmpint(camera_gphoto2_error_code(-52), ==, DRIVERS_ERROR_NOT_FOUND);
  g_assert_cmpint(camera_gphoto2_error_code(-110), ==, DRIVERS_ERROR_BUSY);
  g_assert_cmpint(camera_gphoto2_error_code(-10), ==, DRIVERS_ERROR_TIMEOUT);
  g_assert_cmpint(camera_gphoto2_error_code(-7), ==,
                  DRIVERS_ERROR_DISCONNECTED);
}

int main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtpipCamera) probe = NULL;

  g_test_init(&argc, &argv, NULL);
  ptpip_camera_pin_gphoto2_modules();
  probe = ptpip_camera_new(&error);
  if (!probe)
    testlib_skip_all("cannot run the PTP/IP emulator: %s", error->message);
  g_clear_pointer(&probe, ptpip_camera_free);
  if (!camera_driver_find("gphoto2"))
    testlib_skip_all("no gphoto2 camera backend built");

  g_test_add_func("/camera/gphoto2/no-camera", test_no_camera);
  g_test_add_func("/camera/gphoto2/gvfs-diagnostic", test_gvfs_diagnostic);
  g_test_add_func("/camera/gphoto2/jpeg-complete", test_jpeg_complete);
#define ADD(path, fn)                                                          \
  g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD("/camera/gphoto2/describe", test_describe);
  ADD("/camera/gphoto2/capture", test_capture);
  ADD("/camera/gphoto2/body-shutter", test_body_shutter);
  ADD("/camera/gphoto2/liveview", test_liveview);
  ADD("/camera/gphoto2/settings", test_settings);
  ADD("/camera/gphoto2/fault-busy", test_fault_busy);
  ADD("/camera/gphoto2/fault-drop", test_fault_drop);
  ADD("/camera/gphoto2/fault-truncated", test_fault_truncated);
  ADD("/camera/gphoto2/fault-slow", test_fault_slow);
  ADD("/camera/gphoto2/fault-sleep", test_fault_sleep);
  ADD("/camera/gphoto2/unplug", test_unplug);
  ADD("/camera/gphoto2/stdin-kept", test_stdin_kept);
#undef ADD
  return g_test_run();
}
