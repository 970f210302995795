/* The camera worker with the simulated camera: it opens on its own thread,
 * delivers decoded frames scaled to the display and only the newest one,
 * answers still requests, reports a misconfigured camera as FAILED and an
 * unknown backend at once. */
#include "camera-worker.h"
#include "emulators/ptpip-camera.h"
#include "testlib.h"

#include <glib/gstdio.h>

typedef struct {
  char *dir;
  GHashTable *options;
  GBytes *frames[2];
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
  f->dir = testlib_mkdtemp();
  for (int i = 0; i < 2; i++) {
    g_autofree char *name = g_strdup_printf("frame%d.jpg", i);
    g_autofree char *path = g_build_filename(f->dir, name, NULL);
    gsize len;
    const char *bytes;

    f->frames[i] = ptpip_camera_make_jpeg(1280, 960, (guint)i * 5, 80);
    bytes = g_bytes_get_data(f->frames[i], &len);
    g_assert_true(g_file_set_contents(path, bytes, (gssize)len, NULL));
  }
  f->options = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert(f->options, g_strdup("folder"), g_strdup(f->dir));
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
  for (int i = 0; i < 2; i++)
    g_bytes_unref(f->frames[i]);
  g_hash_table_unref(f->options);
  testlib_rmtree(f->dir);
  g_free(f->dir);
}

static gboolean wait_state(CameraWorker *w, DeviceState want, guint ms)
{
  gint64 end = g_get_monotonic_time() + ms * 1000;

  while (g_get_monotonic_time() < end) {
    if (camera_worker_state(w, NULL) == want)
      return TRUE;
    g_usleep(5000);
  }
  return camera_worker_state(w, NULL) == want;
}

static BkImage *wait_frame(CameraWorker *w, guint64 *ret_seq, guint ms)
{
  gint64 end = g_get_monotonic_time() + ms * 1000;

  while (g_get_monotonic_time() < end) {
    BkImage *image = camera_worker_take_frame(w, ret_seq, NULL);
    if (image)
      return image;
    g_usleep(2000);
  }
  return NULL;
}

static void test_unknown_backend(void)
{
  g_autoptr(GError) error = NULL;

  g_assert_null(camera_worker_new("no-such", NULL, 640, 480, &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_UNKNOWN_BACKEND);
}

static void test_misconfigured(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CameraWorker) w = camera_worker_new("sim", NULL, 640, 480, &error);
  g_autofree char *message = NULL;

  g_assert_no_error(error);
  /* No folder: a configuration error for the technician, no frames. */
  g_assert_true(wait_state(w, DEVICE_STATE_FAILED, 2000));
  camera_worker_state(w, &message);
  g_assert_nonnull(strstr(message, "folder"));
  camera_worker_set_liveview(w, TRUE);
  g_usleep(50000);
  g_assert_null(camera_worker_take_frame(w, NULL, NULL));
}

static void test_liveview(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CameraWorker) w =
      camera_worker_new("sim", f->options, 640, 480, &error);
  guint64 seq = 0, last = 0;
  DeviceInfo info = {0};

  g_assert_no_error(error);
  g_assert_true(wait_state(w, DEVICE_STATE_READY, 2000));
  g_assert_true(camera_worker_describe(w, &info));
  g_assert_cmpstr(info.model, ==, "Simulated camera");
  device_info_clear(&info);

  /* Nothing before live view is on. */
  g_usleep(50000);
  g_assert_null(camera_worker_take_frame(w, NULL, NULL));

  camera_worker_set_liveview(w, TRUE);
  for (int i = 0; i < 5; i++) {
    g_autoptr(BkImage) image = wait_frame(w, &seq, 2000);

    g_assert_nonnull(image);
    /* 1280x960 decoded and fitted into 640x480. */
    g_assert_cmpint(image->width, ==, 640);
    g_assert_cmpint(image->height, ==, 480);
    g_assert_cmpint(image->channels, ==, 3);
    g_assert_cmpuint(seq, >, last);
    last = seq;
  }
  /* The same frame is never handed out twice. */
  {
    g_autoptr(BkImage) again = camera_worker_take_frame(w, &seq, NULL);
    if (again)
      g_assert_cmpuint(seq, >, last);
  }
}

static void test_drops_old_frames(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CameraWorker) w =
      camera_worker_new("sim", f->options, 320, 240, &error);
  g_autoptr(BkImage) image = NULL;
  CameraWorkerStats stats;
  guint64 seq = 0;

  g_assert_no_error(error);
  gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

  camera_worker_set_liveview(w, TRUE);
  /* A UI that is far slower than the camera gets the newest frame only;
   * the others were dropped, not queued. */
  do {
    g_usleep(20000);
    camera_worker_stats(w, &stats);
  } while (stats.frames < 4 && g_get_monotonic_time() < end);
  image = camera_worker_take_frame(w, &seq, NULL);
  g_assert_nonnull(image);
  camera_worker_stats(w, &stats);
  g_assert_cmpuint(seq, >=, 3);
  /* Every frame before the one taken was replaced unseen. */
  g_assert_cmpuint(stats.dropped, >=, seq - 1);
  g_assert_cmpuint(stats.frames, >=, seq);
}

static void test_still(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CameraWorker) w =
      camera_worker_new("sim", f->options, 320, 240, &error);
  g_autoptr(GBytes) still = NULL;

  g_assert_no_error(error);
  g_assert_null(camera_worker_poll_still(w, &error));
  g_assert_no_error(error);
  camera_worker_set_liveview(w, TRUE);
  camera_worker_request_still(w);
  still = camera_worker_wait_still(w, 3000, &error);
  g_assert_no_error(error);
  g_assert_true(g_bytes_equal(still, f->frames[0]));
}

static gboolean on_notify(gpointer data)
{
  int *count = data;

  (*count)++;
  return G_SOURCE_REMOVE;
}

static void test_notify(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainContext) context = g_main_context_new();
  g_autoptr(CameraWorker) w = NULL;
  g_autoptr(GBytes) still = NULL;
  int count = 0;
  gint64 end = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;

  w = camera_worker_new("sim", f->options, 320, 240, &error);
  camera_worker_set_notify(w, context, on_notify, &count);
  g_assert_true(wait_state(w, DEVICE_STATE_READY, 2000));
  camera_worker_request_still(w);
  while (!still && g_get_monotonic_time() < end) {
    g_main_context_iteration(context, FALSE);
    still = camera_worker_poll_still(w, &error);
    g_usleep(2000);
  }
  g_assert_no_error(error);
  g_assert_nonnull(still);
  while (g_main_context_iteration(context, FALSE))
    ;
  g_assert_cmpint(count, >=, 1);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/camera/worker/unknown-backend", test_unknown_backend);
  g_test_add_func("/camera/worker/misconfigured", test_misconfigured);
#define ADD(path, fn)                                                          \
  g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD("/camera/worker/liveview", test_liveview);
  ADD("/camera/worker/drops-old-frames", test_drops_old_frames);
  ADD("/camera/worker/still", test_still);
  ADD("/camera/worker/notify", test_notify);
#undef ADD
  return g_test_run();
}
