/* The "libfprint" fingerprint backend against the real libfprint 1.94:
 * synthetic prints through its virtual_image driver (capture, minutiae,
 * enrol/verify of genuine and impostor fingers, injected retry/error/removal
 * events, timeout), NIST example prints fed the same way, and recorded real
 * readers replayed with umockdev-run (this program re-executes itself under
 * umockdev-run with BK_FP_REPLAY set). As in the kiosk, fpreader_prepare()
 * sets FP_VIRTUAL_IMAGE once in main(), before any thread starts, to the one
 * virtual reader socket every test uses; nothing changes the environment
 * afterwards. */
#include "fpquality.h"
#include "fpreader.h"
#include "fpsynth.h"
#include "pngio.h"
#include "testlib.h"

#include <fprint.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REPLAY_ENV "BK_FP_REPLAY"

/* ---- the virtual reader's socket and a raw writer ---- */

/* The process's one virtual reader socket (FP_VIRTUAL_IMAGE), in a folder
 * of its own; set in main() before any thread. */
static char *socket_dir;
static char *socket_path;

static GSocketConnection *connect_reader(const char *path)
{
  g_autoptr(GSocketClient) client = g_socket_client_new();
  g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
  g_autoptr(GError) error = NULL;
  GSocketConnection *conn = NULL;

  /* The listener appears when the device is opened; retry briefly. */
  for (int i = 0; i < 100 && !conn; i++) {
    g_clear_error(&error);
    conn = g_socket_client_connect(client, G_SOCKET_CONNECTABLE(addr), NULL,
                                   &error);
    if (!conn)
      g_usleep(20000);
  }
  g_assert_no_error(error);
  return conn;
}

static void send_raw(GSocketConnection *conn, gint32 w, gint32 h,
                     const guint8 *pixels)
{
  GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
  gint32 header[2] = {w, h};
  g_autoptr(GError) error = NULL;

  g_assert_true(g_output_stream_write_all(out, header, sizeof(header), NULL,
                                          NULL, &error));
  if (pixels)
    g_assert_true(g_output_stream_write_all(out, pixels, (gsize)w * h, NULL,
                                            NULL, &error));
  g_assert_no_error(error);
}

/* Opens the backend on the virtual reader's socket (no synthetic feed):
 * the test plays the finger. */
static BkFpReader *open_on_socket(void)
{
  g_autoptr(GHashTable) opts = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  BkFpReader *reader;

  g_hash_table_insert(opts, "virtual_image_socket", socket_path);
  reader = fpreader_open("libfprint", opts, &error);
  g_assert_no_error(error);
  return reader;
}

typedef struct {
  BkFpReader *reader;
  int timeout_ms;
  FpImpression *result;
  GError *error;
  gint64 elapsed_us;
} CaptureJob;

static gpointer capture_thread(gpointer data)
{
  CaptureJob *job = data;
  gint64 start = g_get_monotonic_time();

  job->result = fpreader_capture(job->reader, READER_FINGER_RIGHT_INDEX,
                                 job->timeout_ms, NULL, &job->error);
  job->elapsed_us = g_get_monotonic_time() - start;
  return NULL;
}

/* ---- synthetic feed through the backend itself ---- */

static BkFpReader *open_synthetic(const char *seed)
{
  g_autoptr(GHashTable) opts = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  BkFpReader *reader;

  g_hash_table_insert(opts, "virtual_image_feed", "synthetic");
  g_hash_table_insert(opts, "seed", (gpointer)seed);
  reader = fpreader_open("libfprint", opts, &error);
  g_assert_no_error(error);
  g_assert_nonnull(reader);
  return reader;
}

static void test_synthetic_capture(void)
{
  g_autoptr(BkFpReader) reader = open_synthetic("4711");
  g_autoptr(GError) error = NULL;
  DeviceInfo info = {0};
  g_autofree guint8 *expected = NULL;

  g_assert_true(fpreader_describe(reader, &info, &error));
  g_assert_cmpstr(info.backend, ==, "libfprint");
  g_assert_nonnull(strstr(info.extra, "driver=virtual_image"));
  g_assert_nonnull(info.model);
  device_info_clear(&info);

  /* Two captures of one finger: impressions 0 and 1, exactly as fed. */
  for (int i = 0; i < 2; i++) {
    gint64 t0 = g_get_monotonic_time();
    g_autoptr(FpImpression) imp = fpreader_capture(
        reader, READER_FINGER_RIGHT_INDEX, 10000, NULL, &error);
    g_autoptr(BkImage) img = image_new(300, 400, 1);
    FpQuality q;

    g_assert_no_error(error);
    g_assert_nonnull(imp);
    g_test_message("capture %d: %d minutiae in %.1f ms", i, imp->minutiae,
                   (g_get_monotonic_time() - t0) / 1000.0);
    g_assert_cmpint(imp->width, ==, 300);
    g_assert_cmpint(imp->height, ==, 400);
    g_assert_cmpint(imp->ppi, ==, 500);
    g_assert_cmpint(imp->finger, ==, READER_FINGER_RIGHT_INDEX);
    g_assert_cmpint(imp->minutiae, >=, 12);
    expected = fpsynth_generate(fpsynth_seed_from_string("4711"),
                                READER_FINGER_RIGHT_INDEX, i, 300, 400);
    g_assert_cmpmem(g_bytes_get_data(imp->pixels, NULL),
                    g_bytes_get_size(imp->pixels), expected, 300 * 400);
    g_clear_pointer(&expected, g_free);
    memcpy(img->pixels, g_bytes_get_data(imp->pixels, NULL), 300 * 400);
    g_assert_cmpint(fpquality_assess(img, &q), ==, FPQUALITY_GOOD);
  }
}

/* The kiosk opens and captures on a worker thread. */
static gpointer worker_main(gpointer data)
{
  g_autoptr(BkFpReader) reader = open_synthetic("worker");
  g_autoptr(GError) error = NULL;
  FpImpression *imp =
      fpreader_capture(reader, READER_FINGER_LEFT_THUMB, 10000, NULL, &error);

  g_assert_no_error(error);
  return imp;
}

static void test_worker_thread(void)
{
  g_autoptr(FpImpression) imp =
      g_thread_join(g_thread_new("reader-worker", worker_main, NULL));

  g_assert_nonnull(imp);
  g_assert_cmpint(imp->minutiae, >=, 12);
}

static gboolean quit_loop(gpointer loop)
{
  g_main_loop_quit(loop);
  return G_SOURCE_REMOVE;
}

static gpointer loop_main(gpointer loop)
{
  g_main_loop_run(loop);
  return NULL;
}

/* Someone else running GLib's default main context must give a clear error
 * from open(), not a hang in libfprint's enumeration. */
static void test_default_context_busy(void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
  g_autoptr(GHashTable) opts = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  GThread *thread = g_thread_new("default-loop", loop_main, loop);
  BkFpReader *reader;

  while (!g_main_loop_is_running(loop))
    g_usleep(1000);
  g_hash_table_insert(opts, "virtual_image_feed", "synthetic");
  reader = fpreader_open("libfprint", opts, &error);
  g_assert_null(reader);
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_BUSY);
  g_idle_add(quit_loop, loop);
  g_thread_join(thread);
}

/* A cancelled capture leaves nothing in flight: the next one gets the
 * finger's first impression, cleanly. */
static void test_synthetic_cancel_then_capture(void)
{
  g_autoptr(BkFpReader) reader = open_synthetic("cancel-then-capture");
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  g_autoptr(GError) error = NULL;
  g_autoptr(FpImpression) imp = NULL;
  g_autofree guint8 *expected =
      fpsynth_generate(fpsynth_seed_from_string("cancel-then-capture"),
                       READER_FINGER_LEFT_RING, 0, 300, 400);

  g_cancellable_cancel(cancel);
  g_assert_null(
      fpreader_capture(reader, READER_FINGER_LEFT_RING, 5000, cancel, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error(&error);
  imp = fpreader_capture(reader, READER_FINGER_LEFT_RING, 10000, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpmem(g_bytes_get_data(imp->pixels, NULL), 300 * 400, expected,
                  300 * 400);
}

static void test_open_errors(void)
{
  g_autoptr(GHashTable) opts = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  BkFpReader *reader;

  /* No reader and no feed named: refuse, never fall back to the virtual
   * reader, although FP_VIRTUAL_IMAGE makes libfprint list it. */
  g_assert_nonnull(g_getenv("FP_VIRTUAL_IMAGE"));
  g_hash_table_insert(opts, "driver", "virtual_image");
  reader = fpreader_open("libfprint", opts, &error);
  g_assert_null(reader);
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND);
  g_clear_error(&error);

  g_hash_table_insert(opts, "virtual_image_feed", "random");
  reader = fpreader_open("libfprint", opts, &error);
  g_assert_null(reader);
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID);
  g_clear_error(&error);
  g_hash_table_remove(opts, "virtual_image_feed");

  g_hash_table_insert(opts, "virtual_image_socket", "relative/reader");
  reader = fpreader_open("libfprint", opts, &error);
  g_assert_null(reader);
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID);
  g_clear_error(&error);

  /* A socket FP_VIRTUAL_IMAGE does not name: open() cannot set it (it runs
   * on a worker thread), so it says what to do. */
  g_hash_table_insert(opts, "virtual_image_socket", "/nonexistent/reader");
  reader = fpreader_open("libfprint", opts, &error);
  g_assert_null(reader);
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_FAILED);
  g_assert_nonnull(strstr(error->message, "fpreader_prepare()"));
}

static void test_no_reader_not_found(void)
{
  g_autoptr(GError) error = NULL;
  BkFpReader *reader;

  reader = fpreader_open("libfprint", NULL, &error);
  if (reader) {
    fpreader_close(reader);
    g_test_skip("a real fingerprint reader is attached");
    return;
  }
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND);
}

/* ---- the environment is set once, before threads ---- */

/* The environment's entries, pointer by pointer: setenv(), putenv() and
 * unsetenv() all change one of them, or the array itself. */
typedef struct {
  char **array;
  GPtrArray *entries;
  const char *virtual_image; /* g_getenv("FP_VIRTUAL_IMAGE") */
} EnvironSnapshot;

static void environ_snapshot(EnvironSnapshot *snap)
{
  snap->array = environ;
  snap->entries = g_ptr_array_new();
  for (char **e = environ; *e; e++)
    g_ptr_array_add(snap->entries, *e);
  snap->virtual_image = g_getenv("FP_VIRTUAL_IMAGE");
}

static void environ_assert_unchanged(EnvironSnapshot *snap)
{
  guint n = 0;

  g_assert_true(environ == snap->array);
  for (char **e = environ; *e; e++, n++) {
    g_assert_cmpuint(n, <, snap->entries->len);
    g_assert_true(*e == g_ptr_array_index(snap->entries, n));
  }
  g_assert_cmpuint(n, ==, snap->entries->len);
  g_assert_true(g_getenv("FP_VIRTUAL_IMAGE") == snap->virtual_image);
  g_ptr_array_unref(snap->entries);
}

/* Preparing again, for the same socket or for the synthetic feed (which
 * then shares it), writes nothing; what cannot work is refused. */
static void test_prepare(void)
{
  g_autoptr(GHashTable) opts = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  EnvironSnapshot snap;

  g_assert_cmpstr(g_getenv("FP_VIRTUAL_IMAGE"), ==, socket_path);
  environ_snapshot(&snap);
  g_hash_table_insert(opts, "virtual_image_socket", socket_path);
  g_assert_true(fpreader_prepare("libfprint", opts, &error));
  g_assert_no_error(error);
  g_hash_table_remove_all(opts);
  g_hash_table_insert(opts, "virtual_image_feed", "synthetic");
  g_assert_true(fpreader_prepare("libfprint", opts, &error));
  g_assert_true(fpreader_prepare("sim", opts, &error));
  g_assert_no_error(error);
  /* A real reader: libfprint states no resolution, so it must be
   * declared (reader fitness, docs/fingerprints.md). */
  g_assert_false(fpreader_prepare("libfprint", NULL, &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_UNSUPPORTED);
  g_assert_nonnull(strstr(error->message, "declare reader.ppi"));
  g_clear_error(&error);
  g_hash_table_remove_all(opts);
  g_hash_table_insert(opts, "ppi", "500");
  g_assert_true(fpreader_prepare("libfprint", opts, &error));

  g_assert_false(fpreader_prepare("nope", NULL, &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_UNKNOWN_BACKEND);
  g_clear_error(&error);
  g_hash_table_insert(opts, "virtual_image_feed", "random");
  g_assert_false(fpreader_prepare("libfprint", opts, &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID);
  g_clear_error(&error);
  g_hash_table_remove_all(opts);
  g_hash_table_insert(opts, "virtual_image_socket", "relative/reader");
  g_assert_false(fpreader_prepare("libfprint", opts, &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID);
  g_clear_error(&error);
  /* One FP_VIRTUAL_IMAGE per process: a second socket is refused. */
  g_hash_table_insert(opts, "virtual_image_socket", "/nonexistent/reader");
  g_assert_false(fpreader_prepare("libfprint", opts, &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID);
  environ_assert_unchanged(&snap);
}

/* Opening, capturing and closing, on the synthetic feed and on the bare
 * socket, on this thread and on a worker, leave the environment as it was. */
static gpointer open_capture_close(gpointer data)
{
  g_autoptr(BkFpReader) reader = open_synthetic(data);
  g_autoptr(GError) error = NULL;
  g_autoptr(FpImpression) imp =
      fpreader_capture(reader, READER_FINGER_RIGHT_THUMB, 10000, NULL, &error);

  g_assert_no_error(error);
  g_assert_nonnull(imp);
  return NULL;
}

static void test_environment_untouched(void)
{
  EnvironSnapshot snap;
  g_autoptr(BkFpReader) reader = NULL;

  environ_snapshot(&snap);
  open_capture_close("environment");
  g_thread_join(g_thread_new("reader-worker", open_capture_close, "worker"));
  reader = open_on_socket();
  g_clear_pointer(&reader, fpreader_close);
  environ_assert_unchanged(&snap);
}

/* Without fpreader_prepare() the synthetic feed does not open, and says
 * why, even though FP_VIRTUAL_IMAGE (inherited here) is set. */
static void test_unprepared(void)
{
  if (g_test_subprocess()) {
    g_autoptr(GHashTable) opts = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GError) error = NULL;
    BkFpReader *reader;

    g_hash_table_insert(opts, "virtual_image_feed", "synthetic");
    reader = fpreader_open("libfprint", opts, &error);
    g_assert_null(reader);
    g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_FAILED);
    g_assert_nonnull(strstr(error->message, "fpreader_prepare()"));
    return;
  }
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed();
}

/* ---- events injected by the test-owned feeder ---- */

static void run_event(gint32 code, gint32 arg, GQuark want_domain,
                      int want_code)
{
  g_autoptr(BkFpReader) reader = NULL;
  g_autoptr(GSocketConnection) conn = NULL;
  CaptureJob job = {0};
  GThread *thread;

  reader = open_on_socket();
  job.reader = reader;
  job.timeout_ms = 5000;
  thread = g_thread_new("capture", capture_thread, &job);
  conn = connect_reader(socket_path);
  g_usleep(300000); /* let the capture reach "waiting for finger" */
  send_raw(conn, code, arg, NULL);
  g_thread_join(thread);

  g_assert_null(job.result);
  g_assert_error(job.error, want_domain, want_code);
  g_test_message("event %d -> %s (%.0f ms)", code, job.error->message,
                 job.elapsed_us / 1000.0);
  /* A clear error well before the capture's own timeout: no hang. */
  g_assert_cmpint(job.elapsed_us, <, 4000000);
  g_clear_error(&job.error);

  if (code != -5) {
    /* The reader recovers: the next finger is captured normally. */
    g_autofree guint8 *print = fpsynth_generate(99, 2, 0, 300, 400);
    job.timeout_ms = 10000;
    thread = g_thread_new("capture", capture_thread, &job);
    g_usleep(300000);
    send_raw(conn, 300, 400, print);
    g_thread_join(thread);
    g_assert_no_error(job.error);
    g_assert_nonnull(job.result);
    g_assert_cmpmem(g_bytes_get_data(job.result->pixels, NULL), 300 * 400,
                    print, 300 * 400);
    fp_impression_free(job.result);
  }
  g_clear_object(&conn);
  g_clear_pointer(&reader, fpreader_close);
}

static void test_event_retry(void)
{
  run_event(-1, FP_DEVICE_RETRY_CENTER_FINGER, DRIVERS_ERROR,
            DRIVERS_ERROR_BUSY);
}

static void test_event_error(void)
{
  run_event(-2, FP_DEVICE_ERROR_GENERAL, DRIVERS_ERROR, DRIVERS_ERROR_FAILED);
}

static void test_event_removed(void)
{
  run_event(-5, 0, DRIVERS_ERROR, DRIVERS_ERROR_DISCONNECTED);
}

static void test_timeout(void)
{
  g_autoptr(BkFpReader) reader = NULL;
  g_autoptr(GError) error = NULL;
  FpImpression *imp;
  gint64 start;

  reader = open_on_socket();
  start = g_get_monotonic_time();
  imp = fpreader_capture(reader, READER_FINGER_LEFT_THUMB, 300, NULL, &error);
  g_assert_null(imp);
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_TIMEOUT);
  g_assert_cmpint(g_get_monotonic_time() - start, <, 3000000);
  g_clear_pointer(&reader, fpreader_close);
}

static gboolean cancel_later(gpointer data)
{
  g_cancellable_cancel(data);
  return G_SOURCE_REMOVE;
}

static gpointer cancel_thread(gpointer data)
{
  g_usleep(300000);
  cancel_later(data);
  return NULL;
}

static void test_cancel(void)
{
  g_autoptr(BkFpReader) reader = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  GThread *thread;
  FpImpression *imp;

  reader = open_on_socket();
  /* Cancelled from another thread, as the kiosk's main thread would. */
  thread = g_thread_new("cancel", cancel_thread, cancel);
  imp =
      fpreader_capture(reader, READER_FINGER_LEFT_THUMB, 10000, cancel, &error);
  g_thread_join(thread);
  g_assert_null(imp);
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_pointer(&reader, fpreader_close);
}

/* ---- matching with libfprint's own enrol/verify (NBIS + bozorth3) ---- */

typedef struct {
  GAsyncQueue *queue; /* guint8* prints to send, NULL ends */
  char *socket_path;
} MatchFeeder;

static gpointer match_feeder_main(gpointer data)
{
  MatchFeeder *mf = data;
  g_autoptr(GSocketConnection) conn = connect_reader(mf->socket_path);
  guint8 *print;

  while ((print = g_async_queue_pop(mf->queue)) != GINT_TO_POINTER(1)) {
    send_raw(conn, 300, 400, print);
    g_free(print);
  }
  return NULL;
}

typedef struct {
  MatchFeeder *feeder;
  guint64 seed;
  int finger;
  int next_impression;
  gboolean done;
  GError *error;
  gboolean matched;
  FpPrint *print;
  gboolean was_needed;
} MatchState;

static void on_needed(GObject *dev, GParamSpec *pspec, gpointer data)
{
  MatchState *ms = data;
  gboolean needed = (fp_device_get_finger_status(FP_DEVICE(dev)) &
                     FP_FINGER_STATUS_NEEDED) != 0;

  /* One print each time the device starts asking for a finger. */
  if (needed && !ms->was_needed)
    g_async_queue_push(ms->feeder->queue,
                       fpsynth_generate(ms->seed, ms->finger,
                                        ms->next_impression++, 300, 400));
  ms->was_needed = needed;
}

static void open_cb(GObject *src, GAsyncResult *res, gpointer data)
{
  MatchState *ms = data;
  fp_device_open_finish(FP_DEVICE(src), res, &ms->error);
  ms->done = TRUE;
}

static void close_cb(GObject *src, GAsyncResult *res, gpointer data)
{
  MatchState *ms = data;
  fp_device_close_finish(FP_DEVICE(src), res, &ms->error);
  ms->done = TRUE;
}

static void enroll_cb(GObject *src, GAsyncResult *res, gpointer data)
{
  MatchState *ms = data;
  ms->print = fp_device_enroll_finish(FP_DEVICE(src), res, &ms->error);
  ms->done = TRUE;
}

static void verify_cb(GObject *src, GAsyncResult *res, gpointer data)
{
  MatchState *ms = data;
  fp_device_verify_finish(FP_DEVICE(src), res, &ms->matched, NULL, &ms->error);
  ms->done = TRUE;
}

static void wait_done(MatchState *ms)
{
  while (!ms->done)
    g_main_context_iteration(NULL, TRUE);
  ms->done = FALSE;
}

/* Verifies impression `imp` of (seed, finger) against `enrolled`. */
static gboolean verify_one(FpDevice *dev, MatchState *ms, FpPrint *enrolled,
                           guint64 seed, int finger, int imp)
{
  gulong h;

  ms->seed = seed;
  ms->finger = finger;
  ms->next_impression = imp;
  h = g_signal_connect(dev, "notify::finger-status", G_CALLBACK(on_needed), ms);
  fp_device_verify(dev, enrolled, NULL, NULL, NULL, NULL, verify_cb, ms);
  wait_done(ms);
  g_signal_handler_disconnect(dev, h);
  g_assert_no_error(ms->error);
  g_test_message("verify seed %" G_GUINT64_FORMAT
                 " finger %d impression %d: %s",
                 seed, finger, imp, ms->matched ? "match" : "no match");
  return ms->matched;
}

static void test_genuine_and_impostor(void)
{
  g_autoptr(FpContext) ctx = NULL;
  GPtrArray *devices;
  FpDevice *dev = NULL;
  MatchFeeder mf;
  MatchState ms = {0};
  GThread *feeder;
  gulong h;
  int genuine = 0, impostor = 0;
  const int n_genuine = 3, n_impostor = 4;

  /* FP_VIRTUAL_IMAGE, set in main(), makes libfprint list it. */
  ctx = fp_context_new();
  devices = fp_context_get_devices(ctx);
  for (guint i = 0; i < devices->len; i++)
    if (g_strcmp0(fp_device_get_driver(g_ptr_array_index(devices, i)),
                  "virtual_image") == 0)
      dev = g_ptr_array_index(devices, i);
  g_assert_nonnull(dev);

  mf.queue = g_async_queue_new();
  mf.socket_path = socket_path;
  ms.feeder = &mf;
  fp_device_open(dev, NULL, open_cb, &ms);
  wait_done(&ms);
  g_assert_no_error(ms.error);
  feeder = g_thread_new("feeder", match_feeder_main, &mf);

  /* Enrol person 1001's right index with impressions 0..stages-1. */
  ms.seed = 1001;
  ms.finger = 2;
  h = g_signal_connect(dev, "notify::finger-status", G_CALLBACK(on_needed),
                       &ms);
  fp_device_enroll(dev, fp_print_new(dev), NULL, NULL, NULL, NULL, enroll_cb,
                   &ms);
  wait_done(&ms);
  g_signal_handler_disconnect(dev, h);
  g_assert_no_error(ms.error);
  g_assert_nonnull(ms.print);
  g_test_message("enrolled with %d impressions", ms.next_impression);

  /* Further impressions of the same finger match ... */
  for (int i = 0; i < n_genuine; i++)
    genuine += verify_one(dev, &ms, ms.print, 1001, 2, 10 + i);
  /* ... other fingers (same person, other people) do not. */
  impostor += verify_one(dev, &ms, ms.print, 1001, 3, 0);
  impostor += verify_one(dev, &ms, ms.print, 1002, 2, 0);
  impostor += verify_one(dev, &ms, ms.print, 1003, 2, 0);
  impostor += verify_one(dev, &ms, ms.print, 1004, 7, 0);
  /* BK_FP_EVAL=N: N more impostor trials, for the figures in
   * docs/fingerprints.md (reported, not asserted). */
  if (g_getenv("BK_FP_EVAL"))
    for (int i = 0; i < atoi(g_getenv("BK_FP_EVAL")); i++)
      verify_one(dev, &ms, ms.print, 2000 + i, 1 + i % 10, 0);
  g_test_message("genuine %d/%d matched, impostor %d/%d matched", genuine,
                 n_genuine, impostor, n_impostor);
  g_assert_cmpint(genuine, ==, n_genuine);
  g_assert_cmpint(impostor, ==, 0);

  g_async_queue_push(mf.queue, GINT_TO_POINTER(1));
  g_thread_join(feeder);
  fp_device_close(dev, NULL, close_cb, &ms);
  wait_done(&ms);
  g_clear_object(&ms.print);
  g_async_queue_unref(mf.queue);
  g_clear_object(&ctx);
}

/* ---- NIST example prints through virtual_image ---- */

static void test_nist_examples(void)
{
  static const char *const names[] = {"arch", "loop-right", "tented_arch",
                                      "whorl"};
  g_autoptr(BkFpReader) reader = NULL;
  g_autoptr(GSocketConnection) conn = NULL;
  g_autofree char *dir = testlib_shared_path("data/fingerprints/nist-examples");

  if (!dir) {
    g_test_skip("../shared/data/fingerprints/nist-examples is absent");
    return;
  }
  reader = open_on_socket();
  for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
    g_autofree char *name = g_strdup_printf("%s.png", names[i]);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(BkImage) rgba = pngio_read_file(path, &error);
    g_autofree guint8 *grey = NULL;
    CaptureJob job = {reader, 10000, NULL, NULL, 0};
    GThread *thread;

    g_assert_no_error(error);
    g_assert_cmpint(rgba->channels, ==, 4);
    /* The grey values live in the alpha channel. */
    grey = g_malloc((gsize)rgba->width * rgba->height);
    for (int y = 0; y < rgba->height; y++)
      for (int x = 0; x < rgba->width; x++)
        grey[(gsize)y * rgba->width + x] = image_pixel(rgba, x, y)[3];
    thread = g_thread_new("capture", capture_thread, &job);
    if (!conn)
      conn = connect_reader(socket_path);
    g_usleep(300000);
    send_raw(conn, rgba->width, rgba->height, grey);
    g_thread_join(thread);
    g_assert_no_error(job.error);
    {
      g_autoptr(BkImage) img = image_new(rgba->width, rgba->height, 1);
      FpQuality q;

      memcpy(img->pixels, grey, (gsize)rgba->width * rgba->height);
      fpquality_assess(img, &q);
      g_test_message("NIST %s: %d minutiae, quality %d (%s), area %.2f, "
                     "coherence %.2f, contrast %.1f, period %.1f",
                     names[i], job.result->minutiae, q.score,
                     fpquality_verdict_to_string(q.verdict), q.foreground,
                     q.coherence, q.contrast, q.period);
      /* Public reference prints: our quality measure must call them good. */
      g_assert_cmpint(q.verdict, ==, FPQUALITY_GOOD);
    }
    g_assert_cmpint(job.result->minutiae, >=, 12);
    g_assert_cmpmem(g_bytes_get_data(job.result->pixels, NULL),
                    g_bytes_get_size(job.result->pixels), grey,
                    (gsize)rgba->width * rgba->height);
    fp_impression_free(job.result);
  }
  g_clear_object(&conn);
  g_clear_pointer(&reader, fpreader_close);
}

/* ---- recorded real readers, replayed with umockdev ---- */

/* In the child under umockdev-run: capture from whatever reader is there and
 * compare with capture.png. Exit 0 on identical pixels. */
static int replay_child(const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BkFpReader) reader = fpreader_open("libfprint", NULL, &error);
  g_autoptr(FpImpression) imp = NULL;
  g_autofree char *rel =
      g_strdup_printf("data/fingerprints/recordings/%s/capture.png", name);
  g_autofree char *png = testlib_shared_path(rel);
  g_autoptr(BkImage) ref = NULL;
  const guint8 *pixels;

  if (!reader) {
    g_printerr("open: %s\n", error->message);
    return 2;
  }
  imp =
      fpreader_capture(reader, READER_FINGER_RIGHT_INDEX, 20000, NULL, &error);
  if (!imp) {
    g_printerr("capture: %s\n", error->message);
    return 3;
  }
  ref = png ? pngio_read_file(png, &error) : NULL;
  if (!ref) {
    g_printerr("reference: %s\n", error ? error->message : "absent");
    return 4;
  }
  if (ref->width != imp->width || ref->height != imp->height) {
    g_printerr("size %dx%d, expected %dx%d\n", imp->width, imp->height,
               ref->width, ref->height);
    return 5;
  }
  pixels = g_bytes_get_data(imp->pixels, NULL);
  for (int y = 0; y < ref->height; y++)
    for (int x = 0; x < ref->width; x++)
      if (image_pixel(ref, x, y)[0] != pixels[(gsize)y * imp->width + x]) {
        g_printerr("pixel (%d,%d) differs\n", x, y);
        return 6;
      }
  g_print("%s: %dx%d identical, %d minutiae\n", name, imp->width, imp->height,
          imp->minutiae);
  /* Laptop-class sensors: the kiosk refuses them (reader fitness). */
  if (fpreader_check_fit(reader, NULL, &error))
    return 7;
  g_print("%s: %s\n", name, error->message);
  return 0;
}

static char *first_line_field(const char *path, const char *prefix)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents(path, &text, NULL, NULL))
    return NULL;
  lines = g_strsplit(text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix(lines[i], prefix))
      return g_strstrip(g_strdup(lines[i] + strlen(prefix)));
  return NULL;
}

static void test_replay(gconstpointer data)
{
  const char *name = data;
  g_autofree char *rel =
      g_strdup_printf("data/fingerprints/recordings/%s", name);
  g_autofree char *dir = testlib_shared_path(rel);
  g_autofree char *umockdev = g_find_program_in_path("umockdev-run");
  g_autofree char *device = NULL, *ioctl = NULL, *pcap = NULL, *spec = NULL;
  g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_auto(GStrv) envp = g_get_environ();
  const char *argv[9];
  int status;

  if (!dir || !umockdev) {
    g_test_skip(!dir ? "recordings absent" : "umockdev-run not installed");
    return;
  }
  device = g_build_filename(dir, "device", NULL);
  ioctl = g_build_filename(dir, "capture.ioctl", NULL);
  pcap = g_build_filename(dir, "capture.pcapng", NULL);
  argv[0] = umockdev;
  argv[1] = "-d";
  argv[2] = device;
  if (g_file_test(ioctl, G_FILE_TEST_EXISTS)) {
    g_autofree char *dev = first_line_field(ioctl, "@DEV ");
    g_assert_nonnull(dev);
    spec = g_strdup_printf("%s=%s", dev, ioctl);
    argv[3] = "-i";
  } else {
    g_autofree char *sys = first_line_field(device, "P: ");
    g_assert_nonnull(sys);
    spec = g_strdup_printf("/sys%s=%s", sys, pcap);
    argv[3] = "-p";
  }
  argv[4] = spec;
  argv[5] = "--";
  argv[6] = self;
  argv[7] = NULL;
  envp = g_environ_setenv(envp, REPLAY_ENV, name, TRUE);
  /* libfprint's own replay tests run drivers in emulation mode. */
  envp = g_environ_setenv(envp, "FP_DEVICE_EMULATION", "1", TRUE);
  envp = g_environ_unsetenv(envp, "FP_VIRTUAL_IMAGE");
  {
    /* umockdev preloads its library ahead of everything; in a sanitizer
     * build ASan would refuse to start behind it. */
    const char *asan = g_environ_getenv(envp, "ASAN_OPTIONS");
    g_autofree char *opts = g_strdup_printf("%s%sverify_asan_link_order=0",
                                            asan ? asan : "", asan ? ":" : "");
    envp = g_environ_setenv(envp, "ASAN_OPTIONS", opts, TRUE);
  }
  status = testlib_spawn(argv, (const char *const *)envp, &out, &err);
  g_test_message("%s: status %d, %s", name, status, out ? out : "");
  if (status != 0)
    g_test_message("stderr: %s", err ? err : "");
  g_assert_cmpint(status, ==, 0);
  g_assert_nonnull(strstr(out, "identical"));
  g_assert_nonnull(strstr(out, "fingerprint reader refused"));
}

int main(int argc, char **argv)
{
  /* vfs301 does not finish replaying with Debian's 1.94.5 in reasonable
   * time on our machines; the others replay pixel-identically. */
  static const char *const recordings[] = {"aes3500", "nb1010", "vfs7552",
                                           "upektc_img"};
  const char *replay = g_getenv(REPLAY_ENV);

  g_autoptr(GHashTable) opts = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  int status;

  if (replay)
    return replay_child(replay);

  g_test_init(&argc, &argv, NULL);
  /* As the kiosk does: before any thread starts. Not in the subprocess of
   * /fpreader-libfprint/unprepared, which checks what happens without. */
  socket_dir = testlib_mkdtemp();
  socket_path = g_build_filename(socket_dir, "reader", NULL);
  g_hash_table_insert(opts, "virtual_image_socket", socket_path);
  if (!g_test_subprocess() && !fpreader_prepare("libfprint", opts, &error))
    g_error("fpreader_prepare: %s", error->message);
  g_test_add_func("/fpreader-libfprint/synthetic-capture",
                  test_synthetic_capture);
  g_test_add_func("/fpreader-libfprint/synthetic-cancel-then-capture",
                  test_synthetic_cancel_then_capture);
  g_test_add_func("/fpreader-libfprint/open-errors", test_open_errors);
  g_test_add_func("/fpreader-libfprint/prepare", test_prepare);
  g_test_add_func("/fpreader-libfprint/environment-untouched",
                  test_environment_untouched);
  g_test_add_func("/fpreader-libfprint/unprepared", test_unprepared);
  g_test_add_func("/fpreader-libfprint/worker-thread", test_worker_thread);
  g_test_add_func("/fpreader-libfprint/default-context-busy",
                  test_default_context_busy);
  g_test_add_func("/fpreader-libfprint/no-reader", test_no_reader_not_found);
  g_test_add_func("/fpreader-libfprint/event/retry", test_event_retry);
  g_test_add_func("/fpreader-libfprint/event/error", test_event_error);
  g_test_add_func("/fpreader-libfprint/event/removed", test_event_removed);
  g_test_add_func("/fpreader-libfprint/timeout", test_timeout);
  g_test_add_func("/fpreader-libfprint/cancel", test_cancel);
  g_test_add_func("/fpreader-libfprint/genuine-and-impostor",
                  test_genuine_and_impostor);
  g_test_add_func("/fpreader-libfprint/nist-examples", test_nist_examples);
  for (gsize i = 0; i < G_N_ELEMENTS(recordings); i++) {
    g_autofree char *path =
        g_strdup_printf("/fpreader-libfprint/replay/%s", recordings[i]);
    g_test_add_data_func(path, recordings[i], test_replay);
  }
  status = g_test_run();
  testlib_rmtree(socket_dir);
  g_free(socket_dir);
  g_free(socket_path);
  return status;
}
