/* The camera worker over the real libgphoto2 and the PTP/IP emulator: live
 * view decoded to display size, stills during live view, and self-healing
 * (unplug and replug, sleep, busy, damaged frames) with the state the kiosk
 * shows along the way. Also proves that a capture leaves no image file in
 * the working folders. */
#include "camera-worker.h"
#include "emulators/ptpip-camera.h"
#include "testlib.h"

#include <glib/gstdio.h>
#include <string.h>

typedef struct {
  PtpipCamera *emu;
  GHashTable *options;
  CameraWorker *worker;
} Fixture;

static gboolean wait_state(CameraWorker *w, DeviceState want, guint ms)
{
  gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;

  while (g_get_monotonic_time() < end) {
    if (camera_worker_state(w, NULL) == want)
      return TRUE;
    g_usleep(5000);
  }
  return camera_worker_state(w, NULL) == want;
}

static gboolean wait_not_state(CameraWorker *w, DeviceState avoid, guint ms)
{
  gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;

  while (g_get_monotonic_time() < end) {
    if (camera_worker_state(w, NULL) != avoid)
      return TRUE;
    g_usleep(5000);
  }
  return FALSE;
}

/* Takes frames until `n` more have been decoded or `ms` passed; returns how
 * many the worker decoded. */
static guint64 run_frames(CameraWorker *w, guint64 n, guint ms)
{
  CameraWorkerStats start, now;
  gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;

  camera_worker_stats(w, &start);
  do {
    BkImage *image = camera_worker_take_frame(w, NULL, NULL);
    image_free(image);
    g_usleep(1000);
    camera_worker_stats(w, &now);
  } while (now.frames - start.frames < n && g_get_monotonic_time() < end);
  return now.frames - start.frames;
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) frame = ptpip_camera_make_jpeg(960, 640, 4, 80);

  f->emu = ptpip_camera_new(&error);
  g_assert_no_error(error);
  ptpip_camera_set_frames(f->emu, &frame, 1);
  f->options = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert(f->options, g_strdup("port"),
                      ptpip_camera_address(f->emu));
  g_hash_table_insert(f->options, g_strdup("iso"), g_strdup("200"));
  f->worker = camera_worker_new("gphoto2", f->options, 480, 320, &error);
  g_assert_no_error(error);
  g_assert_true(wait_state(f->worker, DEVICE_STATE_READY, 5000));
  ptpip_camera_pin_gphoto2_modules();
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
  camera_worker_free(f->worker);
  ptpip_camera_free(f->emu);
  g_hash_table_unref(f->options);
}

static void test_liveview(Fixture *f, gconstpointer data)
{
  g_autoptr(BkImage) image = NULL;
  DeviceInfo info = {0};
  gint64 end;

  /* Settings from the configuration were applied on open. */
  g_assert_cmpint(ptpip_camera_get_prop(f->emu, 0x500F), ==, 200);
  g_assert_true(camera_worker_describe(f->worker, &info));
  g_assert_cmpstr(info.model, ==, "BK-EMU D1");
  device_info_clear(&info);

  camera_worker_set_liveview(f->worker, TRUE);
  g_assert_cmpuint(run_frames(f->worker, 100, 20000), >=, 100);
  end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  while (!image && g_get_monotonic_time() < end) {
    image = camera_worker_take_frame(f->worker, NULL, NULL);
    g_usleep(1000);
  }
  g_assert_nonnull(image);
  /* 960x640 fitted into 480x320 (DCT-scaled by 1/2 while decoding). */
  g_assert_cmpint(image->width, ==, 480);
  g_assert_cmpint(image->height, ==, 320);
  g_assert_cmpint(camera_worker_state(f->worker, NULL), ==, DEVICE_STATE_READY);
}

static void test_still_during_liveview(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) still = ptpip_camera_make_jpeg(1500, 1000, 9, 90);
  g_autoptr(GBytes) got = NULL;

  ptpip_camera_set_still(f->emu, still);
  camera_worker_set_liveview(f->worker, TRUE);
  g_assert_cmpuint(run_frames(f->worker, 5, 5000), >=, 5);
  camera_worker_request_still(f->worker);
  got = camera_worker_wait_still(f->worker, 10000, &error);
  g_assert_no_error(error);
  g_assert_true(g_bytes_equal(got, still));
  g_assert_cmpuint(ptpip_camera_count(f->emu, PTPIP_COUNT_OBJECTS), ==, 0);
  /* Live view goes on after the still. */
  g_assert_cmpuint(run_frames(f->worker, 5, 5000), >=, 5);
}

static void test_unplug_replug(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) still = NULL;
  CameraWorkerStats stats;
  gint64 replugged, back;
  g_autofree char *message = NULL;

  camera_worker_set_liveview(f->worker, TRUE);
  g_assert_cmpuint(run_frames(f->worker, 5, 5000), >=, 5);

  ptpip_camera_unplug(f->emu);
  g_assert_true(wait_not_state(f->worker, DEVICE_STATE_READY, 5000));
  /* The kiosk keeps running and shows why. */
  g_usleep(300000);
  g_assert_cmpint(camera_worker_state(f->worker, &message), ==,
                  DEVICE_STATE_RECOVERING);
  g_test_message("unplugged: %s", message);
  /* A photo asked for now fails at once with a clear error. */
  camera_worker_request_still(f->worker);
  still = camera_worker_wait_still(f->worker, 5000, &error);
  g_assert_null(still);
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND);

  g_usleep(1500000);
  g_assert_true(ptpip_camera_replug(f->emu, NULL));
  replugged = g_get_monotonic_time();
  g_assert_true(wait_state(f->worker, DEVICE_STATE_READY, 2000));
  back = g_get_monotonic_time();
  g_test_message("back %.0f ms after replug", (back - replugged) / 1000.0);
  g_assert_cmpint(back - replugged, <=, 2 * G_USEC_PER_SEC);
  g_assert_cmpuint(run_frames(f->worker, 5, 5000), >=, 5);
  camera_worker_stats(f->worker, &stats);
  g_assert_cmpuint(stats.reconnects, >=, 1);
  /* Settings were applied again to the replugged camera. */
  g_assert_cmpint(ptpip_camera_get_prop(f->emu, 0x500F), ==, 200);
}

static void test_unplug_while_idle(Fixture *f, gconstpointer data)
{
  gint64 unplugged, replugged;

  /* No live view, no photo asked: the worker still notices. */
  ptpip_camera_unplug(f->emu);
  unplugged = g_get_monotonic_time();
  g_assert_true(wait_state(f->worker, DEVICE_STATE_RECOVERING, 4000));
  g_test_message("lost noticed %.0f ms after unplug",
                 (g_get_monotonic_time() - unplugged) / 1000.0);
  g_assert_true(ptpip_camera_replug(f->emu, NULL));
  replugged = g_get_monotonic_time();
  g_assert_true(wait_state(f->worker, DEVICE_STATE_READY, 2000));
  g_assert_cmpint(g_get_monotonic_time() - replugged, <=, 2 * G_USEC_PER_SEC);
}

static void test_sleep_wake(Fixture *f, gconstpointer data)
{
  gint64 woken, back;

  camera_worker_set_liveview(f->worker, TRUE);
  g_assert_cmpuint(run_frames(f->worker, 5, 5000), >=, 5);
  ptpip_camera_set_asleep(f->emu, TRUE);
  /* libgphoto2 gives up on a silent PTP/IP camera after 2.5 s. */
  g_assert_true(wait_state(f->worker, DEVICE_STATE_RECOVERING, 8000));
  /* While it sleeps the worker keeps trying: a handshake probe (no
   * libgphoto2 open, no 2.5 s wait) finds it silent each time. */
  g_usleep(2500000);
  g_assert_cmpint(camera_worker_state(f->worker, NULL), ==,
                  DEVICE_STATE_RECOVERING);
  ptpip_camera_set_asleep(f->emu, FALSE);
  woken = g_get_monotonic_time();
  g_assert_true(wait_state(f->worker, DEVICE_STATE_READY, 2000));
  back = g_get_monotonic_time();
  g_test_message("back %.0f ms after wake", (back - woken) / 1000.0);
  g_assert_cmpint(back - woken, <=, 2 * G_USEC_PER_SEC);
  g_assert_cmpuint(run_frames(f->worker, 5, 5000), >=, 5);
}

static void test_damaged_frames(Fixture *f, gconstpointer data)
{
  CameraWorkerStats before, after;

  camera_worker_set_liveview(f->worker, TRUE);
  g_assert_cmpuint(run_frames(f->worker, 3, 5000), >=, 3);
  camera_worker_stats(f->worker, &before);
  /* Two frames whose scan is cut short: decoded as errors, dropped,
   * counted; live view carries on without a reconnect. */
  ptpip_camera_inject(f->emu, PTPIP_FAULT_CORRUPT, 2);
  g_assert_cmpuint(run_frames(f->worker, 10, 5000), >=, 10);
  camera_worker_stats(f->worker, &after);
  g_assert_cmpuint(after.corrupt - before.corrupt, ==, 2);
  g_assert_cmpuint(after.reconnects, ==, before.reconnects);

  /* Truncated frames are refused by libgphoto2 itself. */
  ptpip_camera_inject(f->emu, PTPIP_FAULT_TRUNCATE, 1);
  g_assert_cmpuint(run_frames(f->worker, 5, 5000), >=, 5);
  g_assert_cmpint(camera_worker_state(f->worker, NULL), ==, DEVICE_STATE_READY);
}

static void test_busy(Fixture *f, gconstpointer data)
{
  camera_worker_set_liveview(f->worker, TRUE);
  g_assert_cmpuint(run_frames(f->worker, 3, 5000), >=, 3);
  /* More busy answers than libgphoto2's own 20 retries of a frame. */
  ptpip_camera_inject(f->emu, PTPIP_FAULT_BUSY, 30);
  g_assert_cmpuint(run_frames(f->worker, 5, 8000), >=, 5);
  g_assert_cmpuint(ptpip_camera_count(f->emu, PTPIP_COUNT_BUSY), ==, 30);
  g_assert_true(wait_state(f->worker, DEVICE_STATE_READY, 2000));
}

static void test_drop_during_still(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) still = NULL;

  ptpip_camera_inject(f->emu, PTPIP_FAULT_DROP, 1);
  camera_worker_request_still(f->worker);
  still = camera_worker_wait_still(f->worker, 10000, &error);
  g_assert_null(still);
  g_assert_nonnull(error);
  g_clear_error(&error);
  /* Reconnected on its own; the next photo works. */
  g_assert_true(wait_state(f->worker, DEVICE_STATE_READY, 3000));
  camera_worker_request_still(f->worker);
  still = camera_worker_wait_still(f->worker, 10000, &error);
  g_assert_no_error(error);
  g_assert_nonnull(still);
}

/* Files under `dir` (depth-limited) modified at or after `since` (seconds)
 * that contain `token`. */
static guint scan_for_token(const char *dir, gint64 since, const char *token,
                            int depth)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *name;
  guint hits = 0;

  if (!d || depth < 0)
    return 0;
  while ((name = g_dir_read_name(d))) {
    g_autofree char *path = g_build_filename(dir, name, NULL);
    GStatBuf st;

    if (g_lstat(path, &st) != 0)
      continue;
    if (S_ISDIR(st.st_mode)) {
      hits += scan_for_token(path, since, token, depth - 1);
    } else if (S_ISREG(st.st_mode) && st.st_mtime >= since &&
               st.st_size < 64 * 1024 * 1024) {
      g_autofree char *data = NULL;
      gsize len;

      if (g_file_get_contents(path, &data, &len, NULL) &&
          memmem(data, len, token, strlen(token))) {
        g_test_message("image bytes found on disk: %s", path);
        hits++;
      }
    }
  }
  return hits;
}

static void test_no_image_on_disk(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) base = ptpip_camera_make_jpeg(800, 600, 2, 90);
  g_autoptr(GBytes) still = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autofree char *token =
      g_strdup_printf("BK-PORTRAIT-%08x%08x", g_random_int(), g_random_int());
  g_autofree char *cwd = g_get_current_dir();
  g_autofree char *home_cache =
      g_build_filename(g_get_home_dir(), ".cache", NULL);
  const char *dirs[] = {cwd, g_get_tmp_dir(), "/tmp", "/var/tmp", home_cache};
  gint64 since = g_get_real_time() / G_USEC_PER_SEC - 1;
  gsize len;
  const guint8 *b = g_bytes_get_data(base, &len);
  GByteArray *marked = g_byte_array_new();
  guint16 seglen = (guint16)(strlen(token) + 2);
  guint8 com[4] = {0xFF, 0xFE, seglen >> 8, seglen & 0xFF};
  guint hits = 0;

  /* The still carries a unique token in a JPEG comment, so any copy of it
   * on disk can be found by content, whatever its name. */
  g_byte_array_append(marked, b, 2);
  g_byte_array_append(marked, com, 4);
  g_byte_array_append(marked, (const guint8 *)token, (guint)strlen(token));
  g_byte_array_append(marked, b + 2, (guint)len - 2);
  still = g_byte_array_free_to_bytes(marked);
  ptpip_camera_set_still(f->emu, still);

  camera_worker_set_liveview(f->worker, TRUE);
  camera_worker_request_still(f->worker);
  got = camera_worker_wait_still(f->worker, 10000, &error);
  g_assert_no_error(error);
  g_assert_true(g_bytes_equal(got, still));

  for (gsize i = 0; i < G_N_ELEMENTS(dirs); i++)
    hits += scan_for_token(dirs[i], since, token, 3);
  g_assert_cmpuint(hits, ==, 0);
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

#define ADD(path, fn)                                                          \
  g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD("/camera/worker-gphoto2/liveview", test_liveview);
  ADD("/camera/worker-gphoto2/still-during-liveview",
      test_still_during_liveview);
  ADD("/camera/worker-gphoto2/unplug-replug", test_unplug_replug);
  ADD("/camera/worker-gphoto2/unplug-while-idle", test_unplug_while_idle);
  ADD("/camera/worker-gphoto2/sleep-wake", test_sleep_wake);
  ADD("/camera/worker-gphoto2/damaged-frames", test_damaged_frames);
  ADD("/camera/worker-gphoto2/busy", test_busy);
  ADD("/camera/worker-gphoto2/drop-during-still", test_drop_during_still);
  ADD("/camera/worker-gphoto2/no-image-on-disk", test_no_image_on_disk);
#undef ADD
  return g_test_run();
}
