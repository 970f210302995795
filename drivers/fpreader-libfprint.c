/* Fingerprint reader backend "libfprint": the real libfprint 1.94. Every
 * libfprint call runs on the calling (worker) thread with a private
 * GMainContext pushed as its thread default, iterated only while a call is
 * in progress. With option virtual_image_feed=synthetic, libfprint's
 * virtual_image driver is switched on with a private socket and a feeder
 * thread writes fpsynth prints into it whenever a capture waits for a finger:
 * the images still go through libfprint's real NBIS minutiae extraction.
 * Option poor_impressions=N[,M...] makes impressions N, M (0-based, per
 * finger and person) faint and partial, as a dry finger leaves them
 * (fpsynth_finger_impress_poor()): best of three with a poor one.
 * With option virtual_image_socket=PATH the virtual_image driver listens on
 * PATH and someone else feeds it (the tests). libfprint finds that driver
 * through FP_VIRTUAL_IMAGE, which prepare() sets once on the main thread
 * before any thread starts; open() on the worker only checks it. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fpreader.h"
#include "fpsynth.h"

#include <fprint.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <math.h>

#define VIRTUAL_IMAGE_ENV     "FP_VIRTUAL_IMAGE"
#define VIRTUAL_IMAGE_DRIVER  "virtual_image"
#define VIRTUAL_DRIVER_PREFIX "virtual_"
#define OPTION_FEED           "virtual_image_feed"
#define OPTION_SOCKET         "virtual_image_socket"
#define SOCKET_NAME           "reader"
/* The private folder: <tmp>/biokiosk-fp-XXXXXX, holding the socket and a
 * lock file that its process holds locked for as long as it lives. */
#define PREPARED_DIR_PREFIX "biokiosk-fp-"
#define PREPARED_LOCK_NAME  "lock"
/* A folder without a lock file (made before there were lock files) is
 * taken as left behind once it is this old. */
#define PREPARED_DIR_STALE_S (24 * 3600)

extern const FpReaderDriver fpreader_libfprint_driver;

typedef struct {
  GThread *thread;
  GAsyncQueue *requests; /* FeedRequest*, or &feed_stop to end */
  char *socket_path;
  guint64 seed;
  int width, height;
  guint64 poor;   /* bit n: impression n comes out poor */
  gint capturing; /* atomic: a capture() is in progress */
} Feeder;

typedef struct {
  guint64 seed; /* the synthetic person */
  int finger;
  int impression;
  GBytes *pixels; /* instead: these width x height pixels (compare()) */
  int width, height;
} FeedRequest;

static void feed_request_free(FeedRequest *req)
{
  if (req->pixels)
    g_bytes_unref(req->pixels);
  g_free(req);
}

static FeedRequest feed_stop;

typedef struct {
  GMainContext *ctx;
  FpContext *fp_ctx;
  FpDevice *device;
  Feeder *feeder;
  int impressions[11]; /* per finger position: next impression number */
  gboolean feed_pending;
  ReaderFinger feed_finger;
  guint64 base_seed;    /* option "seed" */
  guint64 subject_seed; /* base_seed mixed with the current subject */
} FpreaderLibfprint;

/* The socket prepare() pointed FP_VIRTUAL_IMAGE at, for the rest of the
 * process, and the private folder (g_dir_make_tmp(): mode 0700) it made to
 * hold it when no virtual_image_socket was given, with the descriptor of
 * its lock; the folder is removed at exit, or by a later run's prepare()
 * when this one was killed. Written on the main thread before any thread
 * starts, only read afterwards. */
static char *prepared_socket;
static char *prepared_dir;
static int prepared_lock_fd = -1;

/* Writes one impression; FALSE when the connection broke. */
static gboolean feeder_write_print(GOutputStream *out, Feeder *feeder,
                                   GHashTable *fingers, const FeedRequest *req)
{
  gboolean ok;
  FpSynthFinger *finger;
  g_autofree guint8 *pixels = NULL;
  gint32 header[2];

  if (req->pixels) {
    header[0] = req->width;
    header[1] = req->height;
    return g_output_stream_write_all(out, header, sizeof(header), NULL, NULL,
                                     NULL) &&
           g_output_stream_write_all(out, g_bytes_get_data(req->pixels, NULL),
                                     g_bytes_get_size(req->pixels), NULL, NULL,
                                     NULL);
  }
  /* Another person: the grown fingers of the previous one go. */
  if (req->seed != feeder->seed) {
    g_hash_table_remove_all(fingers);
    feeder->seed = req->seed;
  }
  finger = g_hash_table_lookup(fingers, GINT_TO_POINTER(req->finger));
  if (!finger) {
    finger = fpsynth_finger_new(feeder->seed, req->finger, feeder->width,
                                feeder->height);
    g_hash_table_insert(fingers, GINT_TO_POINTER(req->finger), finger);
  }
  pixels = req->impression < 64 && (feeder->poor >> req->impression & 1)
               ? fpsynth_finger_impress_poor(finger, req->impression)
               : fpsynth_finger_impress(finger, req->impression);
  header[0] = feeder->width;
  header[1] = feeder->height;
  ok = g_output_stream_write_all(out, header, sizeof(header), NULL, NULL,
                                 NULL) &&
       g_output_stream_write_all(out, pixels,
                                 (gsize)feeder->width * feeder->height, NULL,
                                 NULL, NULL);
  if (!ok)
    g_debug("fpreader-libfprint: feeding the virtual reader failed");
  explicit_bzero(pixels, (gsize)feeder->width * feeder->height);
  return ok;
}

/* The feeder thread: one connection to the virtual reader, one print per
 * request. Blocking writes are fine here; the worker thread meanwhile
 * iterates libfprint's context, which reads the other end. */
static gpointer feeder_main(gpointer data)
{
  Feeder *feeder = data;
  g_autoptr(GHashTable) fingers = g_hash_table_new_full(
      NULL, NULL, NULL, (GDestroyNotify)fpsynth_finger_free);
  g_autoptr(GSocketConnection) conn = NULL;
  FeedRequest *req;

  while ((req = g_async_queue_pop(feeder->requests)) != &feed_stop) {
    /* A request left over from a capture that ended (cancelled, timed out)
     * is dropped: an image arriving while no capture waits would confuse
     * the virtual driver. */
    if (!g_atomic_int_get(&feeder->capturing)) {
      feed_request_free(req);
      continue;
    }
    if (!conn) {
      g_autoptr(GSocketClient) client = g_socket_client_new();
      g_autoptr(GSocketAddress) addr =
          g_unix_socket_address_new(feeder->socket_path);
      conn = g_socket_client_connect(client, G_SOCKET_CONNECTABLE(addr), NULL,
                                     NULL);
    }
    /* A broken connection is dropped so the next request reconnects. */
    if (conn &&
        !feeder_write_print(g_io_stream_get_output_stream(G_IO_STREAM(conn)),
                            feeder, fingers, req))
      g_clear_object(&conn);
    feed_request_free(req);
  }
  if (conn)
    g_io_stream_close(G_IO_STREAM(conn), NULL, NULL);
  return NULL;
}

static void feeder_free(Feeder *feeder)
{
  if (!feeder)
    return;
  if (feeder->thread) {
    g_async_queue_push(feeder->requests, &feed_stop);
    g_thread_join(feeder->thread);
  }
  g_async_queue_unref(feeder->requests);
  g_free(feeder->socket_path);
  g_free(feeder);
}

/* Runs the private context until *done is set. */
static void iterate_until(GMainContext *ctx, const gboolean *done)
{
  while (!*done)
    g_main_context_iteration(ctx, TRUE);
}

typedef struct {
  gboolean done;
  gboolean ok;
  FpImage *image;
  GError *error;
} AsyncOp;

static void open_done(GObject *source, GAsyncResult *res, gpointer data)
{
  AsyncOp *op = data;
  op->ok = fp_device_open_finish(FP_DEVICE(source), res, &op->error);
  op->done = TRUE;
}

static void close_done(GObject *source, GAsyncResult *res, gpointer data)
{
  AsyncOp *op = data;
  op->ok = fp_device_close_finish(FP_DEVICE(source), res, &op->error);
  op->done = TRUE;
}

static void capture_done(GObject *source, GAsyncResult *res, gpointer data)
{
  AsyncOp *op = data;
  op->image = fp_device_capture_finish(FP_DEVICE(source), res, &op->error);
  op->done = TRUE;
}

static void fpreader_libfprint_close(gpointer data)
{
  FpreaderLibfprint *self = data;

  if (!self)
    return;
  if (self->device && fp_device_is_open(self->device)) {
    AsyncOp op = {0};
    g_main_context_push_thread_default(self->ctx);
    fp_device_close(self->device, NULL, close_done, &op);
    iterate_until(self->ctx, &op.done);
    g_clear_error(&op.error);
    g_main_context_pop_thread_default(self->ctx);
  }
  g_clear_object(&self->device);
  if (self->fp_ctx) {
    g_main_context_push_thread_default(self->ctx);
    g_clear_object(&self->fp_ctx);
    /* Let libfprint's pending idle callbacks run before the context goes. */
    while (g_main_context_iteration(self->ctx, FALSE))
      ;
    g_main_context_pop_thread_default(self->ctx);
  }
  feeder_free(self->feeder);
  g_clear_pointer(&self->ctx, g_main_context_unref);
  g_free(self);
}

/* The virtual reader's options: *ret_feed for virtual_image_feed=synthetic,
 * *ret_socket for virtual_image_socket (NULL when absent). FALSE with
 * DRIVERS_ERROR_INVALID for values that cannot work. */
static gboolean virtual_options(DeviceOptions *options, gboolean *ret_feed,
                                const char **ret_socket, GError **error)
{
  const char *feed = device_option(options, OPTION_FEED, NULL);
  const char *socket = device_option(options, OPTION_SOCKET, NULL);

  if (feed && g_strcmp0(feed, "synthetic") != 0) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                OPTION_FEED " must be 'synthetic', not '%s'", feed);
    return FALSE;
  }
  if (socket && !g_path_is_absolute(socket)) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                OPTION_SOCKET " must be an absolute path, not '%s'", socket);
    return FALSE;
  }
  *ret_feed = feed != NULL;
  *ret_socket = socket;
  return TRUE;
}

/* Removes a private folder's socket and lock, then the folder. */
static void prepared_dir_delete(const char *dir)
{
  g_autofree char *sock = g_build_filename(dir, SOCKET_NAME, NULL);
  g_autofree char *lock = g_build_filename(dir, PREPARED_LOCK_NAME, NULL);

  g_unlink(sock);
  g_unlink(lock);
  g_rmdir(dir);
}

static void prepared_dir_remove(void)
{
  prepared_dir_delete(prepared_dir);
  close(prepared_lock_fd);
}

/* TRUE when the run that made `dir` is gone: nobody holds its lock (a
 * killed process drops its locks), or, for a folder without a lock file,
 * the folder is older than PREPARED_DIR_STALE_S. */
static gboolean prepared_dir_is_stale(const char *dir, const struct stat *st)
{
  g_autofree char *lock = g_build_filename(dir, PREPARED_LOCK_NAME, NULL);
  int fd = open(lock, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  gboolean stale;

  if (fd < 0)
    return errno == ENOENT &&
           g_get_real_time() / G_USEC_PER_SEC - (gint64)st->st_mtime >
               PREPARED_DIR_STALE_S;
  stale = flock(fd, LOCK_EX | LOCK_NB) == 0;
  close(fd);
  return stale;
}

/* A killed run never gets to its atexit(): its folder would stay, one per
 * run. Removes the folders of this user's runs that are gone. */
static void prepared_dirs_clean(void)
{
  const char *tmp = g_get_tmp_dir();
  g_autoptr(GDir) dir = g_dir_open(tmp, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name(dir))) {
    g_autofree char *path = NULL;
    struct stat st;

    if (!g_str_has_prefix(name, PREPARED_DIR_PREFIX) ||
        strlen(name) != strlen(PREPARED_DIR_PREFIX) + 6)
      continue;
    path = g_build_filename(tmp, name, NULL);
    if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) ||
        st.st_uid != geteuid() || !prepared_dir_is_stale(path, &st))
      continue;
    g_debug("removing %s, left by a run that is gone", path);
    prepared_dir_delete(path);
  }
}

/* Makes the private folder and its lock, held until the process ends. The
 * lock is taken under another name and then renamed into place, so that
 * prepared_dirs_clean() in another process never finds it unlocked. */
static gboolean prepared_dir_make(GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *tmp_lock = NULL;
  g_autofree char *lock = NULL;
  char *dir = g_dir_make_tmp(PREPARED_DIR_PREFIX "XXXXXX", &local);
  int fd;

  if (!dir) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_FAILED,
                "cannot make the virtual reader's folder: %s", local->message);
    return FALSE;
  }
  tmp_lock = g_build_filename(dir, PREPARED_LOCK_NAME ".new", NULL);
  lock = g_build_filename(dir, PREPARED_LOCK_NAME, NULL);
  fd = open(tmp_lock, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 || flock(fd, LOCK_EX) != 0 || g_rename(tmp_lock, lock) != 0) {
    int saved = errno;

    if (fd >= 0)
      close(fd);
    g_unlink(tmp_lock);
    g_rmdir(dir);
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_FAILED,
                "cannot lock the virtual reader's folder %s: %s", dir,
                g_strerror(saved));
    g_free(dir);
    return FALSE;
  }
  prepared_dir = dir;
  prepared_lock_fd = fd;
  return TRUE;
}

/* libfprint lists its virtual_image device only while FP_VIRTUAL_IMAGE
 * names a socket path, and reads the variable on whichever thread
 * enumerates. setenv() is not safe while another thread may call getenv()
 * (glibc's gettext, GLib and libgphoto2 do), so the variable is set here,
 * once per process, before any thread exists, and never changed again. */
static gboolean fpreader_libfprint_prepare(DeviceOptions *options,
                                           GError **error)
{
  static gboolean cleaned;
  const char *socket;
  gboolean feed;

  /* Start-up: what killed runs left behind goes first. */
  if (!cleaned)
    prepared_dirs_clean();
  cleaned = TRUE;
  if (!virtual_options(options, &feed, &socket, error))
    return FALSE;
  if (!feed && !socket)
    return TRUE; /* a real reader: libfprint reads no variable of ours */
  if (prepared_socket) {
    if (socket && !g_str_equal(socket, prepared_socket)) {
      g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                  "%s is already %s; a process has one virtual reader "
                  "socket, not also %s",
                  VIRTUAL_IMAGE_ENV, prepared_socket, socket);
      return FALSE;
    }
    return TRUE;
  }
  if (!socket) {
    if (!prepared_dir_make(error))
      return FALSE;
    atexit(prepared_dir_remove);
  }
  prepared_socket = socket ? g_strdup(socket)
                           : g_build_filename(prepared_dir, SOCKET_NAME, NULL);
  g_setenv(VIRTUAL_IMAGE_ENV, prepared_socket, TRUE);
  return TRUE;
}

/* The socket the virtual reader listens on, in *ret_socket (NULL for a
 * real reader): virtual_image_socket, or the private one prepare() made
 * for the synthetic feed. Runs on the worker thread, so it only reads the
 * environment: FP_VIRTUAL_IMAGE must already name that socket. */
static gboolean virtual_socket(DeviceOptions *options, gboolean *ret_feed,
                               const char **ret_socket, GError **error)
{
  const char *socket;
  const char *env = g_getenv(VIRTUAL_IMAGE_ENV);
  gboolean feed;

  if (!virtual_options(options, &feed, &socket, error))
    return FALSE;
  if (feed && !socket) {
    if (!prepared_socket) {
      g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_FAILED,
                  OPTION_FEED
                  " needs fpreader_prepare() on the main thread "
                  "before any thread starts (it sets " VIRTUAL_IMAGE_ENV ")");
      return FALSE;
    }
    socket = prepared_socket;
  }
  if (socket && g_strcmp0(env, socket) != 0) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_FAILED,
                VIRTUAL_IMAGE_ENV " is %s, not %s: call fpreader_prepare() "
                                  "on the main thread before any thread starts",
                env ? env : "unset", socket);
    return FALSE;
  }
  *ret_feed = feed;
  *ret_socket = socket;
  return TRUE;
}

/* Creates the FpContext and lists devices (NULL, and no context, when the
 * default main context belongs to another thread). */
static GPtrArray *enumerate(FpreaderLibfprint *self)
{
  GPtrArray *devices;

  /* fp_context_enumerate() iterates the global default context, so device
   * probing must complete there, and this thread must be able to own it:
   * if another thread runs a main loop on it, enumeration could wait
   * forever. Own it for the duration, or refuse. */
  if (!g_main_context_acquire(g_main_context_default()))
    return NULL;
  self->fp_ctx = fp_context_new();
  devices = fp_context_get_devices(self->fp_ctx);
  g_main_context_release(g_main_context_default());
  return devices;
}

/* Keeps the first device whose libfprint driver is `want` (NULL: any).
 * libfprint lists its virtual drivers whenever their variable is set; they
 * are taken for the virtual reader only, never as a real reader. */
static gboolean device_find(FpreaderLibfprint *self, const char *want,
                            gboolean virtual_reader, GError **error)
{
  GPtrArray *devices = enumerate(self);

  if (!self->fp_ctx) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_BUSY,
                "cannot list fingerprint readers: GLib's default main context "
                "is owned by another thread");
    return FALSE;
  }
  for (guint i = 0; devices && i < devices->len; i++) {
    FpDevice *dev = g_ptr_array_index(devices, i);
    const char *driver = fp_device_get_driver(dev);

    if (!virtual_reader && g_str_has_prefix(driver, VIRTUAL_DRIVER_PREFIX))
      continue;
    if (!want || g_strcmp0(driver, want) == 0) {
      self->device = g_object_ref(dev);
      return TRUE;
    }
  }
  if (!want)
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND,
                "no fingerprint reader found");
  else if (!virtual_reader && g_str_has_prefix(want, VIRTUAL_DRIVER_PREFIX))
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND,
                "libfprint's %s driver is only used with " OPTION_FEED
                " or " OPTION_SOCKET,
                want);
  else
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND,
                "no fingerprint reader with libfprint driver '%s'", want);
  return FALSE;
}

static gboolean device_open(FpreaderLibfprint *self, GError **error)
{
  AsyncOp op = {0};
  gboolean busy;

  g_main_context_push_thread_default(self->ctx);
  fp_device_open(self->device, NULL, open_done, &op);
  iterate_until(self->ctx, &op.done);
  g_main_context_pop_thread_default(self->ctx);
  if (op.ok)
    return TRUE;
  busy = g_error_matches(op.error, FP_DEVICE_ERROR, FP_DEVICE_ERROR_BUSY);
  g_set_error(error, DRIVERS_ERROR,
              busy ? DRIVERS_ERROR_CLAIMED : DRIVERS_ERROR_FAILED,
              "cannot open the fingerprint reader: %s", op.error->message);
  g_clear_error(&op.error);
  return FALSE;
}

/* Option poor_impressions: impression numbers 0..63, comma-separated. */
static gboolean parse_poor(DeviceOptions *options, guint64 *ret, GError **error)
{
  const char *text = device_option(options, "poor_impressions", "");
  g_auto(GStrv) items = g_strsplit(text, ",", -1);
  guint64 n;

  *ret = 0;
  for (int i = 0; *text && items[i]; i++) {
    if (!g_ascii_string_to_unsigned(g_strstrip(items[i]), 10, 0, 63, &n,
                                    NULL)) {
      g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                  "poor_impressions must list numbers 0..63, not '%s'", text);
      return FALSE;
    }
    *ret |= G_GUINT64_CONSTANT(1) << n;
  }
  return TRUE;
}

/* The synthetic feed: a thread that writes prints into `socket_path`. */
static void feeder_start(FpreaderLibfprint *self, const char *socket_path,
                         DeviceOptions *options, guint64 poor)
{
  self->feeder = g_new0(Feeder, 1);
  self->feeder->poor = poor;
  self->feeder->requests = g_async_queue_new();
  self->feeder->socket_path = g_strdup(socket_path);
  self->feeder->seed =
      fpsynth_seed_from_string(device_option(options, "seed", "0"));
  self->base_seed = self->subject_seed = self->feeder->seed;
  self->feeder->width = FPSYNTH_DEFAULT_WIDTH;
  self->feeder->height = FPSYNTH_DEFAULT_HEIGHT;
  self->feeder->thread =
      g_thread_new("fp-synth-feeder", feeder_main, self->feeder);
}

static gpointer fpreader_libfprint_open(DeviceOptions *options, GError **error)
{
  const char *want = device_option(options, "driver", NULL);
  const char *socket_path = NULL;
  FpreaderLibfprint *self;
  gboolean feed = FALSE;
  guint64 poor = 0;

  if (!virtual_socket(options, &feed, &socket_path, error) ||
      !parse_poor(options, &poor, error))
    return NULL;
  /* The virtual reader is the only device that qualifies then. */
  if (socket_path)
    want = VIRTUAL_IMAGE_DRIVER;
  self = g_new0(FpreaderLibfprint, 1);
  self->ctx = g_main_context_new();
  if (!device_find(self, want, socket_path != NULL, error) ||
      !device_open(self, error)) {
    fpreader_libfprint_close(self);
    return NULL;
  }
  if (feed)
    feeder_start(self, socket_path, options, poor);
  g_debug("fpreader-libfprint: opened driver %s",
          fp_device_get_driver(self->device));
  return self;
}

static gboolean fpreader_libfprint_describe(gpointer data, DeviceInfo *ret_info,
                                            GError **error)
{
  FpreaderLibfprint *self = data;
  const char *scan = fp_device_get_scan_type(self->device) == FP_SCAN_TYPE_SWIPE
                         ? "swipe"
                         : "press";

  ret_info->backend = g_strdup("libfprint");
  ret_info->model = g_strdup(fp_device_get_name(self->device));
  ret_info->serial = g_strdup(fp_device_get_device_id(self->device));
  ret_info->firmware = g_strdup("libfprint-2");
  ret_info->port = g_strdup(self->feeder ? "virtual (synthetic feed)" : "usb");
  ret_info->extra = g_strdup_printf("driver=%s scan=%s",
                                    fp_device_get_driver(self->device), scan);
  return TRUE;
}

/* What libfprint 1.94's drivers deliver, as replayed from recordings of the
 * real readers (tests/integration/test-fpreader-libfprint.c): the image
 * size of one capture. libfprint states no resolution (every FpImage says
 * 500 ppi), so ppi stays unknown (0) here: a technician declares
 * reader.ppi from the datasheet. Each of these is too small for a
 * residence document anyway. */
static const struct {
  const char *driver;
  int width, height;
} reader_table[] = {
    {"aes3500", 256, 256}, {"nb1010", 256, 180}, {"upektc_img", 144, 384},
    {"vfs7552", 224, 224}, {"vfs301", 200, 214},
};

/* The virtual reader, with fpsynth's prints (FPSYNTH_PPI) or the test's. */
static void geometry_virtual(gboolean feed, FpReaderGeometry *g)
{
  g->ppi = FPSYNTH_PPI;
  g->source = "the virtual reader's synthetic prints";
  if (feed) {
    g->width = FPSYNTH_DEFAULT_WIDTH;
    g->height = FPSYNTH_DEFAULT_HEIGHT;
  }
}

static void geometry_of_driver(const char *driver, FpReaderGeometry *g)
{
  for (gsize i = 0; driver && i < G_N_ELEMENTS(reader_table); i++)
    if (g_str_equal(reader_table[i].driver, driver)) {
      g->width = reader_table[i].width;
      g->height = reader_table[i].height;
      g->source = "libfprint driver table";
    }
}

static void fpreader_libfprint_geometry(gpointer data, DeviceOptions *options,
                                        FpReaderGeometry *g)
{
  FpreaderLibfprint *self = data;
  const char *socket = NULL;
  gboolean feed = FALSE;

  if (!virtual_options(options, &feed, &socket, NULL))
    return;
  if (feed || socket) {
    geometry_virtual(feed, g);
    return;
  }
  g->source = "libfprint, which states no resolution";
  geometry_of_driver(self ? fp_device_get_driver(self->device)
                          : device_option(options, "driver", NULL),
                     g);
}

/* A capture is waiting for a finger: ask the feeder for the next
 * impression. Runs on the worker thread (notify from the private context). */
static void on_finger_status(GObject *obj, GParamSpec *pspec, gpointer data)
{
  FpreaderLibfprint *self = data;
  FeedRequest *req;
  int f = CLAMP((int)self->feed_finger, 0, 10);

  if (!self->feed_pending ||
      !(fp_device_get_finger_status(FP_DEVICE(obj)) & FP_FINGER_STATUS_NEEDED))
    return;
  self->feed_pending = FALSE;
  req = g_new0(FeedRequest, 1);
  req->seed = self->subject_seed;
  req->finger = f;
  req->impression = self->impressions[f]++;
  g_async_queue_push(self->feeder->requests, req);
}

typedef struct {
  GCancellable *inner;
  gboolean timed_out;
} CancelState;

static gboolean on_timeout(gpointer data)
{
  CancelState *cs = data;
  cs->timed_out = TRUE;
  g_cancellable_cancel(cs->inner);
  return G_SOURCE_REMOVE;
}

/* The caller's cancellable may fire on any thread; forward it into the
 * private context so libfprint sees the cancel on its own thread. */
static gboolean on_outer_cancelled(GCancellable *outer, gpointer data)
{
  CancelState *cs = data;
  g_cancellable_cancel(cs->inner);
  return G_SOURCE_REMOVE;
}

static GError *map_error(GError *fp_error, const CancelState *cs)
{
  if (cs->timed_out)
    return g_error_new(DRIVERS_ERROR, DRIVERS_ERROR_TIMEOUT,
                       "no finger on the reader in time");
  if (g_error_matches(fp_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "fingerprint capture cancelled");
  if (fp_error->domain == FP_DEVICE_RETRY)
    return g_error_new(DRIVERS_ERROR, DRIVERS_ERROR_BUSY,
                       "the reader asks to try again: %s", fp_error->message);
  if (g_error_matches(fp_error, FP_DEVICE_ERROR, FP_DEVICE_ERROR_REMOVED))
    return g_error_new(DRIVERS_ERROR, DRIVERS_ERROR_DISCONNECTED,
                       "the fingerprint reader went away: %s",
                       fp_error->message);
  if (g_error_matches(fp_error, FP_DEVICE_ERROR, FP_DEVICE_ERROR_BUSY))
    return g_error_new(DRIVERS_ERROR, DRIVERS_ERROR_BUSY,
                       "the fingerprint reader is busy: %s", fp_error->message);
  return g_error_new(DRIVERS_ERROR, DRIVERS_ERROR_FAILED,
                     "fingerprint capture failed: %s", fp_error->message);
}

static FpImpression *
fpreader_libfprint_capture(gpointer data, ReaderFinger finger, int timeout_ms,
                           GCancellable *cancellable, GError **error)
{
  FpreaderLibfprint *self = data;
  g_autoptr(GCancellable) inner = g_cancellable_new();
  CancelState cs = {inner, FALSE};
  GSource *timeout = NULL, *outer = NULL;
  AsyncOp op = {0};
  FpImpression *imp;
  GPtrArray *minutiae;
  gulong handler = 0;
  const guchar *pixels;
  gsize len = 0;
  double ppmm;

  if (g_cancellable_set_error_if_cancelled(cancellable, error))
    return NULL;
  g_main_context_push_thread_default(self->ctx);
  if (timeout_ms > 0) {
    timeout = g_timeout_source_new((guint)timeout_ms);
    g_source_set_callback(timeout, on_timeout, &cs, NULL);
    g_source_attach(timeout, self->ctx);
  }
  if (cancellable) {
    outer = g_cancellable_source_new(cancellable);
    g_source_set_callback(outer, G_SOURCE_FUNC(on_outer_cancelled), &cs, NULL);
    g_source_attach(outer, self->ctx);
  }
  if (self->feeder) {
    g_atomic_int_set(&self->feeder->capturing, 1);
    self->feed_pending = TRUE;
    self->feed_finger = finger;
    handler = g_signal_connect(self->device, "notify::finger-status",
                               G_CALLBACK(on_finger_status), self);
  }

  fp_device_capture(self->device, TRUE, inner, capture_done, &op);
  iterate_until(self->ctx, &op.done);

  if (handler) {
    g_signal_handler_disconnect(self->device, handler);
    g_atomic_int_set(&self->feeder->capturing, 0);
  }
  self->feed_pending = FALSE;
  if (timeout) {
    g_source_destroy(timeout);
    g_source_unref(timeout);
  }
  if (outer) {
    g_source_destroy(outer);
    g_source_unref(outer);
  }
  g_main_context_pop_thread_default(self->ctx);

  if (!op.image) {
    g_propagate_error(error, map_error(op.error, &cs));
    g_clear_error(&op.error);
    return NULL;
  }

  pixels = fp_image_get_data(op.image, &len);
  imp = g_new0(FpImpression, 1);
  imp->width = (int)fp_image_get_width(op.image);
  imp->height = (int)fp_image_get_height(op.image);
  ppmm = fp_image_get_ppmm(op.image);
  imp->ppi = ppmm > 0 ? (int)lround(ppmm * 25.4) : 500;
  imp->pixels = g_bytes_new(pixels, len);
  minutiae = fp_image_get_minutiae(op.image);
  imp->minutiae = minutiae ? (int)minutiae->len : -1;
  imp->finger = finger;
  g_object_unref(op.image);
  return imp;
}

/* ---- compare(): enrol from one stored impression, verify another ---- */

typedef struct {
  FpreaderLibfprint *self;
  FpImpression *feed; /* what goes on the reader whenever it asks */
  gboolean was_needed;
  gboolean done;
  gboolean matched;
  FpPrint *print;
  GError *error;
} CompareOp;

/* Each time the device starts asking for a finger, the stored impression
 * is laid on the virtual reader (an enrolment asks once per stage). */
static void on_compare_status(GObject *obj, GParamSpec *pspec, gpointer data)
{
  CompareOp *op = data;
  gboolean needed = (fp_device_get_finger_status(FP_DEVICE(obj)) &
                     FP_FINGER_STATUS_NEEDED) != 0;
  FeedRequest *req;

  if (needed && !op->was_needed && op->feed) {
    req = g_new0(FeedRequest, 1);
    req->pixels = g_bytes_ref(op->feed->pixels);
    req->width = op->feed->width;
    req->height = op->feed->height;
    g_async_queue_push(op->self->feeder->requests, req);
  }
  op->was_needed = needed;
}

static void compare_enroll_done(GObject *src, GAsyncResult *res, gpointer data)
{
  CompareOp *op = data;
  op->print = fp_device_enroll_finish(FP_DEVICE(src), res, &op->error);
  op->done = TRUE;
}

static void compare_verify_done(GObject *src, GAsyncResult *res, gpointer data)
{
  CompareOp *op = data;
  fp_device_verify_finish(FP_DEVICE(src), res, &op->matched, NULL, &op->error);
  op->done = TRUE;
}

/* Runs one enrolment (probe NULL: enrol `imp`, the print in op->print) or
 * one verification of `imp` against op->print. */
static gboolean compare_step(CompareOp *op, FpImpression *imp, gboolean enrol)
{
  FpreaderLibfprint *self = op->self;

  op->feed = imp;
  op->done = FALSE;
  op->was_needed = FALSE;
  if (enrol)
    fp_device_enroll(self->device, fp_print_new(self->device), NULL, NULL, NULL,
                     NULL, compare_enroll_done, op);
  else
    fp_device_verify(self->device, op->print, NULL, NULL, NULL, NULL,
                     compare_verify_done, op);
  iterate_until(self->ctx, &op->done);
  return op->error == NULL;
}

/* libfprint says match or no match (NBIS bozorth3 at the driver's
 * threshold), never the score: 100 or 0. Symmetric, so each pair once. */
static gboolean fpreader_libfprint_compare(gpointer data,
                                           FpImpression *const *imps, int n,
                                           int *scores, GError **error)
{
  FpreaderLibfprint *self = data;
  CompareOp op = {.self = self};
  gulong handler;

  /* A real reader cannot be handed a stored image. */
  if (!self->feeder)
    return TRUE;
  g_main_context_push_thread_default(self->ctx);
  g_atomic_int_set(&self->feeder->capturing, 1);
  handler = g_signal_connect(self->device, "notify::finger-status",
                             G_CALLBACK(on_compare_status), &op);
  for (int i = 0; i < n - 1 && !op.error; i++) {
    if (!compare_step(&op, imps[i], TRUE))
      break;
    for (int j = i + 1; j < n && !op.error; j++)
      if (compare_step(&op, imps[j], FALSE))
        scores[i * n + j] = scores[j * n + i] = op.matched ? 100 : 0;
    g_clear_object(&op.print);
  }
  g_signal_handler_disconnect(self->device, handler);
  g_atomic_int_set(&self->feeder->capturing, 0);
  g_main_context_pop_thread_default(self->ctx);
  if (!op.error)
    return TRUE;
  g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_FAILED,
              "comparing impressions failed: %s", op.error->message);
  g_clear_error(&op.error);
  return FALSE;
}

static void fpreader_libfprint_set_subject(gpointer data, const char *subject)
{
  FpreaderLibfprint *self = data;
  g_autofree char *text = g_strdup_printf(
      "%" G_GUINT64_FORMAT "/%s", self->base_seed, subject ? subject : "");
  guint64 seed = subject ? fpsynth_seed_from_string(text) : self->base_seed;

  /* Only the synthetic feed has persons to choose; a real reader ignores
   * this. */
  if (!self->feeder || seed == self->subject_seed)
    return;
  self->subject_seed = seed;
  memset(self->impressions, 0, sizeof self->impressions);
}

const FpReaderDriver fpreader_libfprint_driver = {
    .name = "libfprint",
    .description = "fingerprint reader through libfprint (options: driver, "
                   "virtual_image_feed=synthetic, seed, poor_impressions, "
                   "virtual_image_socket)",
    .prepare = fpreader_libfprint_prepare,
    .open = fpreader_libfprint_open,
    .close = fpreader_libfprint_close,
    .describe = fpreader_libfprint_describe,
    .capture = fpreader_libfprint_capture,
    .set_subject = fpreader_libfprint_set_subject,
    .geometry = fpreader_libfprint_geometry,
    .compare = fpreader_libfprint_compare,
};
