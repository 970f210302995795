/* The camera worker: one thread per camera that opens, watches and reopens
 * it, pulls live-view frames, decodes them to display size and leaves only
 * the newest in a slot for the UI, and answers still requests through a
 * queue. The UI thread never waits on the camera. */
#include "camera-worker.h"

#include "jpegio.h"
#include "log.h"

#include <string.h>

/* Reopen waits: short first, at most 1 s, so a camera that comes back is
 * found again well within 2 s. */
#define CAMERA_WORKER_BACKOFF_MIN_MS 100
#define CAMERA_WORKER_BACKOFF_MAX_MS 1000
/* A live view that failed this many times in a row is reopened. */
#define CAMERA_WORKER_MAX_FAILURES 3
/* With live view off, the camera is asked for a setting this often: a
 * camera unplugged between two applicants shows as lost at once, and the
 * traffic keeps a camera from dozing off. */
#define CAMERA_WORKER_KEEPALIVE_MS 2000
/* Live view is not pulled faster than this (a simulated camera would spin). */
#define CAMERA_WORKER_MIN_FRAME_US (G_USEC_PER_SEC / 60)

static const char *const camera_worker_settings[] = {
    "iso",          "aperture",    "shutterspeed",
    "whitebalance", "imageformat", "focusmode",
};

typedef struct {
  GBytes *jpeg;
  GError *error;
} StillResult;

struct CameraWorker {
  char *backend;
  GHashTable *options;
  int display_w, display_h;
  GThread *thread;

  GMutex lock;
  GCond cond;
  gboolean quit;
  gboolean liveview;
  guint stills_requested;
  DeviceState state;
  char *message;
  DeviceInfo info;
  gboolean have_info;
  BkImage *latest;
  guint64 latest_seq;
  guint64 taken_seq;
  CameraWorkerStats stats;
  GMainContext *notify_context;
  GSourceFunc notify_func;
  gpointer notify_data;
  void (*wake)(gpointer data);
  gpointer wake_data;
  gint64 latest_us;       /* when `latest` became available (monotonic) */
  char *subject;          /* camera_worker_set_subject(), or NULL */
  gboolean subject_dirty; /* not applied to the open camera yet */

  GAsyncQueue *stills; /* StillResult* */
  /* The settings as read after the last open. */
  char *settings_read[G_N_ELEMENTS(camera_worker_settings)];

  /* Worker thread only. */
  BkCamera *camera;
  guint backoff_ms;
  guint failures;
};

static void still_result_free(gpointer p)
{
  StillResult *r = p;

  if (!r)
    return;
  g_clear_pointer(&r->jpeg, g_bytes_unref);
  g_clear_error(&r->error);
  g_free(r);
}

/* Wakes whoever waits for the worker's news: the wake callback (a new
 * frame, a still result or a state change) and, for news other than
 * frames, the notify callback on its main context. */
static void camera_worker_news(CameraWorker *w, gboolean frame)
{
  GMainContext *context;
  GSourceFunc func;
  gpointer data;
  void (*wake)(gpointer);
  gpointer wake_data;

  g_mutex_lock(&w->lock);
  context = w->notify_context;
  func = w->notify_func;
  data = w->notify_data;
  wake = w->wake;
  wake_data = w->wake_data;
  g_mutex_unlock(&w->lock);
  if (wake)
    wake(wake_data);
  if (func && !frame)
    g_main_context_invoke(context, func, data);
}

static void camera_worker_notify(CameraWorker *w)
{
  camera_worker_news(w, FALSE);
}

/* Records a state change; logs it (without personal data) and notifies. */
static void camera_worker_set_state(CameraWorker *w, DeviceState state,
                                    const char *message)
{
  gboolean changed;

  g_mutex_lock(&w->lock);
  changed = w->state != state || g_strcmp0(w->message, message) != 0;
  if (changed) {
    log_device_state("camera", device_state_to_string(w->state),
                     device_state_to_string(state), message);
    w->state = state;
    g_free(w->message);
    w->message = g_strdup(message);
  }
  g_mutex_unlock(&w->lock);
  if (changed)
    camera_worker_notify(w);
}

/* Sleeps up to `ms` unless woken by quit, a still request or live view
 * being turned on or off; returns FALSE when the worker should quit. */
static gboolean camera_worker_wait(CameraWorker *w, guint ms)
{
  gint64 end = g_get_monotonic_time() + (gint64)ms * G_TIME_SPAN_MILLISECOND;
  gboolean go_on, liveview;

  g_mutex_lock(&w->lock);
  liveview = w->liveview;
  while (!w->quit && w->stills_requested == 0 && w->liveview == liveview &&
         g_cond_wait_until(&w->cond, &w->lock, end))
    ;
  go_on = !w->quit;
  g_mutex_unlock(&w->lock);
  return go_on;
}

/* The settings as the camera reports them after an open, for the
 * technician (camera_worker_read_settings()). */
static void camera_worker_read_back(CameraWorker *w)
{
  for (gsize i = 0; i < G_N_ELEMENTS(camera_worker_settings); i++) {
    char *value =
        camera_get_setting(w->camera, camera_worker_settings[i], NULL);

    g_mutex_lock(&w->lock);
    g_free(w->settings_read[i]);
    w->settings_read[i] = value;
    g_mutex_unlock(&w->lock);
  }
}

GHashTable *camera_worker_read_settings(CameraWorker *w)
{
  GHashTable *settings =
      g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);

  g_mutex_lock(&w->lock);
  for (gsize i = 0; i < G_N_ELEMENTS(camera_worker_settings); i++)
    if (w->settings_read[i])
      g_hash_table_insert(settings, (gpointer)camera_worker_settings[i],
                          g_strdup(w->settings_read[i]));
  g_mutex_unlock(&w->lock);
  return settings;
}

static void camera_worker_apply_settings(CameraWorker *w)
{
  for (gsize i = 0; i < G_N_ELEMENTS(camera_worker_settings); i++) {
    const char *value =
        device_option(w->options, camera_worker_settings[i], NULL);
    g_autoptr(GError) error = NULL;

    if (value && !camera_set_setting(w->camera, camera_worker_settings[i],
                                     value, &error))
      g_debug("camera: setting %s not applied: %s", camera_worker_settings[i],
              error->message);
  }
  camera_worker_read_back(w);
}

/* Applies the chosen subject when it changed, or always after an open. */
static void camera_worker_apply_subject(CameraWorker *w, gboolean always)
{
  g_autofree char *subject = NULL;
  g_autoptr(GError) error = NULL;

  g_mutex_lock(&w->lock);
  if (w->subject && (always || w->subject_dirty))
    subject = g_strdup(w->subject);
  w->subject_dirty = FALSE;
  g_mutex_unlock(&w->lock);
  if (subject && w->camera &&
      !camera_set_setting(w->camera, "subject", subject, &error))
    g_debug("camera: subject %s not shown: %s", subject, error->message);
}

static void camera_worker_close(CameraWorker *w)
{
  g_clear_pointer(&w->camera, camera_close);
  w->failures = 0;
}

/* Tries to open the camera once. On failure the state says why and how
 * long to wait comes from the backoff. */
static void camera_worker_try_open(CameraWorker *w, gboolean reconnect)
{
  g_autoptr(GError) error = NULL;
  DeviceInfo info = {0};

  w->camera = camera_open(w->backend, w->options, &error);
  if (!w->camera) {
    DeviceState state = DEVICE_STATE_RECOVERING;

    if (g_error_matches(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND))
      state = reconnect ? DEVICE_STATE_RECOVERING : DEVICE_STATE_ABSENT;
    else if (g_error_matches(error, DRIVERS_ERROR, DRIVERS_ERROR_CLAIMED) ||
             g_error_matches(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID) ||
             g_error_matches(error, DRIVERS_ERROR,
                             DRIVERS_ERROR_UNKNOWN_BACKEND))
      state = DEVICE_STATE_FAILED;
    camera_worker_set_state(w, state, error->message);
    return;
  }
  w->backoff_ms = CAMERA_WORKER_BACKOFF_MIN_MS;
  w->failures = 0;
  camera_worker_apply_settings(w);
  camera_worker_apply_subject(w, TRUE);
  if (camera_describe(w->camera, &info, NULL)) {
    g_mutex_lock(&w->lock);
    device_info_clear(&w->info);
    w->info = info;
    w->have_info = TRUE;
    g_mutex_unlock(&w->lock);
  }
  if (reconnect) {
    g_mutex_lock(&w->lock);
    w->stats.reconnects++;
    g_mutex_unlock(&w->lock);
  }
  camera_worker_set_state(w, DEVICE_STATE_READY, NULL);
}

/* Handles a failed camera call: retry soon, or close for a reopen. */
static void camera_worker_failed(CameraWorker *w, const GError *error)
{
  gboolean lost =
      g_error_matches(error, DRIVERS_ERROR, DRIVERS_ERROR_DISCONNECTED) ||
      g_error_matches(error, DRIVERS_ERROR, DRIVERS_ERROR_TIMEOUT) ||
      g_error_matches(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND);

  w->failures++;
  if (g_error_matches(error, DRIVERS_ERROR, DRIVERS_ERROR_BUSY) && !lost &&
      w->failures < 10) {
    camera_worker_set_state(w, DEVICE_STATE_BUSY, error->message);
    return;
  }
  if (lost || w->failures >= CAMERA_WORKER_MAX_FAILURES) {
    camera_worker_close(w);
    w->backoff_ms = CAMERA_WORKER_BACKOFF_MIN_MS;
    camera_worker_set_state(w, DEVICE_STATE_RECOVERING, error->message);
  }
}

static void camera_worker_take_still(CameraWorker *w)
{
  StillResult *r = g_new0(StillResult, 1);

  camera_worker_set_state(w, DEVICE_STATE_BUSY, "taking a photo");
  r->jpeg = camera_capture(w->camera, &r->error);
  if (r->jpeg) {
    w->failures = 0;
    camera_worker_set_state(w, DEVICE_STATE_READY, NULL);
  } else if (g_error_matches(r->error, DRIVERS_ERROR, DRIVERS_ERROR_BUSY)) {
    camera_worker_set_state(w, DEVICE_STATE_READY, NULL);
  } else {
    /* A failed capture or download can leave the camera's session in any
     * state (half a transfer on the wire, an object still on the card):
     * start over with a fresh connection rather than guess. */
    camera_worker_close(w);
    w->backoff_ms = CAMERA_WORKER_BACKOFF_MIN_MS;
    camera_worker_set_state(w, DEVICE_STATE_RECOVERING, r->error->message);
  }
  g_async_queue_push(w->stills, r);
  camera_worker_notify(w);
}

/* Fits width x height into the display, keeping the aspect ratio. */
static void camera_worker_fit(int width, int height, int max_w, int max_h,
                              int *ret_w, int *ret_h)
{
  if (width <= max_w && height <= max_h) {
    *ret_w = width;
    *ret_h = height;
  } else if ((gint64)width * max_h > (gint64)height * max_w) {
    *ret_w = max_w;
    *ret_h = MAX(1, (int)((gint64)height * max_w / width));
  } else {
    *ret_h = max_h;
    *ret_w = MAX(1, (int)((gint64)width * max_h / height));
  }
}

static void camera_worker_live_frame(CameraWorker *w)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) jpeg = camera_preview(w->camera, &error);
  g_autoptr(BkImage) image = NULL;
  gsize len;
  const guint8 *data;
  int fit_w, fit_h;

  if (!jpeg) {
    if (g_error_matches(error, DRIVERS_ERROR, DRIVERS_ERROR_UNSUPPORTED)) {
      /* No live view on this camera: say so once and stop asking. */
      g_mutex_lock(&w->lock);
      w->liveview = FALSE;
      g_mutex_unlock(&w->lock);
      camera_worker_set_state(w, DEVICE_STATE_READY, error->message);
      return;
    }
    camera_worker_failed(w, error);
    return;
  }
  data = g_bytes_get_data(jpeg, &len);
  /* libjpeg's DCT scaling does most of the shrinking while decoding. */
  image = jpegio_decode(data, len, w->display_w, w->display_h, FALSE, &error);
  if (!image) {
    g_mutex_lock(&w->lock);
    w->stats.corrupt++;
    g_mutex_unlock(&w->lock);
    camera_worker_failed(w, error);
    return;
  }
  camera_worker_fit(image->width, image->height, w->display_w, w->display_h,
                    &fit_w, &fit_h);
  if (fit_w != image->width || fit_h != image->height) {
    BkImage *scaled = image_scale(image, fit_w, fit_h);
    image_free(image);
    image = scaled;
  }
  w->failures = 0;

  g_mutex_lock(&w->lock);
  if (w->latest) {
    /* The UI has not taken the previous frame: drop it, never queue. */
    image_free(w->latest);
    w->stats.dropped++;
  }
  w->latest = g_steal_pointer(&image);
  w->latest_seq++;
  w->latest_us = g_get_monotonic_time();
  w->stats.frames++;
  g_mutex_unlock(&w->lock);
  camera_worker_news(w, TRUE);
  if (camera_worker_state(w, NULL) != DEVICE_STATE_READY)
    camera_worker_set_state(w, DEVICE_STATE_READY, NULL);
}

/* One cheap exchange with an idle camera (reading the ISO setting). */
static void camera_worker_keepalive(CameraWorker *w)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *value = camera_get_setting(w->camera, "iso", &error);

  if (value ||
      g_error_matches(error, DRIVERS_ERROR, DRIVERS_ERROR_UNSUPPORTED)) {
    w->failures = 0;
    return;
  }
  camera_worker_failed(w, error);
  /* An idle camera that does not answer is not waited on three times. */
  if (w->camera && !g_error_matches(error, DRIVERS_ERROR, DRIVERS_ERROR_BUSY)) {
    camera_worker_close(w);
    w->backoff_ms = CAMERA_WORKER_BACKOFF_MIN_MS;
    camera_worker_set_state(w, DEVICE_STATE_RECOVERING, error->message);
  }
}

/* No camera: tries to open it, answers a waiting still request with an
 * error (nobody should wait for a camera that is not there), and backs
 * off. FALSE when the worker should quit. */
static gboolean camera_worker_without_camera(CameraWorker *w,
                                             gboolean *opened_once,
                                             gboolean want_still)
{
  DeviceState state;

  camera_worker_try_open(w, *opened_once);
  if (w->camera) {
    *opened_once = TRUE;
    return TRUE;
  }
  state = camera_worker_state(w, NULL);
  if (want_still) {
    StillResult *r = g_new0(StillResult, 1);
    g_autofree char *message = NULL;

    camera_worker_state(w, &message);
    g_set_error(&r->error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND,
                "no camera: %s", message ? message : "not connected");
    g_mutex_lock(&w->lock);
    w->stills_requested--;
    g_mutex_unlock(&w->lock);
    g_async_queue_push(w->stills, r);
    camera_worker_notify(w);
  }
  if (!camera_worker_wait(w, state == DEVICE_STATE_FAILED
                                 ? CAMERA_WORKER_BACKOFF_MAX_MS * 2
                                 : w->backoff_ms))
    return FALSE;
  w->backoff_ms = MIN(w->backoff_ms * 2, CAMERA_WORKER_BACKOFF_MAX_MS);
  return TRUE;
}

/* Live view off: a cheap exchange every CAMERA_WORKER_KEEPALIVE_MS keeps a
 * dozing camera's health known; in between the worker sleeps until live
 * view, a still or quit wakes it. FALSE when the worker should quit. */
static gboolean camera_worker_idle(CameraWorker *w, gint64 *last_contact)
{
  gint64 due =
      *last_contact + CAMERA_WORKER_KEEPALIVE_MS * G_TIME_SPAN_MILLISECOND;
  gint64 now = g_get_monotonic_time();

  if (now >= due) {
    camera_worker_keepalive(w);
    *last_contact = now = g_get_monotonic_time();
    if (!w->camera)
      return TRUE; /* lost: reopen at once, not after the next interval */
    due = now + CAMERA_WORKER_KEEPALIVE_MS * G_TIME_SPAN_MILLISECOND;
  }
  return camera_worker_wait(w, (guint)((due - now + 999) / 1000));
}

/* One live frame, then a pause: a moment when the camera said busy, else
 * whatever keeps the rate at or below CAMERA_WORKER_MIN_FRAME_US per
 * frame. FALSE when the worker should quit. */
static gboolean camera_worker_live(CameraWorker *w)
{
  gint64 started = g_get_monotonic_time();
  gint64 spent;

  camera_worker_live_frame(w);
  if (w->camera && camera_worker_state(w, NULL) == DEVICE_STATE_BUSY)
    return camera_worker_wait(w, 50);
  spent = g_get_monotonic_time() - started;
  if (spent < CAMERA_WORKER_MIN_FRAME_US)
    return camera_worker_wait(
        w, (guint)((CAMERA_WORKER_MIN_FRAME_US - spent) / 1000));
  return TRUE;
}

static gpointer camera_worker_thread(gpointer data)
{
  CameraWorker *w = data;
  gboolean opened_once = FALSE;
  gboolean go_on = TRUE;
  gint64 last_contact = g_get_monotonic_time();

  w->backoff_ms = CAMERA_WORKER_BACKOFF_MIN_MS;
  while (go_on) {
    gboolean quit, liveview, want_still;

    g_mutex_lock(&w->lock);
    quit = w->quit;
    liveview = w->liveview;
    want_still = w->stills_requested > 0;
    g_mutex_unlock(&w->lock);
    if (quit)
      break;
    camera_worker_apply_subject(w, FALSE);
    if (!w->camera) {
      go_on = camera_worker_without_camera(w, &opened_once, want_still);
    } else if (want_still) {
      g_mutex_lock(&w->lock);
      w->stills_requested--;
      g_mutex_unlock(&w->lock);
      camera_worker_take_still(w);
    } else if (!liveview) {
      go_on = camera_worker_idle(w, &last_contact);
    } else {
      last_contact = g_get_monotonic_time();
      go_on = camera_worker_live(w);
    }
  }
  camera_worker_close(w);
  return NULL;
}

CameraWorker *camera_worker_new(const char *backend, DeviceOptions *options,
                                int display_w, int display_h, GError **error)
{
  CameraWorker *w;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail(display_w > 0 && display_h > 0, NULL);
  if (!camera_driver_find(backend)) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_UNKNOWN_BACKEND,
                "no camera backend named '%s'", backend ? backend : "(null)");
    return NULL;
  }
  w = g_new0(CameraWorker, 1);
  w->backend = g_strdup(backend);
  w->options = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  if (options) {
    g_hash_table_iter_init(&iter, options);
    while (g_hash_table_iter_next(&iter, &key, &value))
      g_hash_table_insert(w->options, g_strdup(key), g_strdup(value));
  }
  w->display_w = display_w;
  w->display_h = display_h;
  g_mutex_init(&w->lock);
  g_cond_init(&w->cond);
  w->state = DEVICE_STATE_ABSENT;
  w->message = g_strdup("opening the camera");
  w->stills = g_async_queue_new_full(still_result_free);
  w->thread = g_thread_new("camera-worker", camera_worker_thread, w);
  return w;
}

void camera_worker_free(CameraWorker *w)
{
  if (!w)
    return;
  g_mutex_lock(&w->lock);
  w->quit = TRUE;
  g_cond_broadcast(&w->cond);
  g_mutex_unlock(&w->lock);
  g_thread_join(w->thread);
  g_async_queue_unref(w->stills);
  image_free(w->latest);
  device_info_clear(&w->info);
  g_free(w->message);
  g_free(w->subject);
  for (gsize i = 0; i < G_N_ELEMENTS(w->settings_read); i++)
    g_free(w->settings_read[i]);
  g_free(w->backend);
  g_hash_table_unref(w->options);
  g_mutex_clear(&w->lock);
  g_cond_clear(&w->cond);
  g_free(w);
}

void camera_worker_set_liveview(CameraWorker *w, gboolean enabled)
{
  g_mutex_lock(&w->lock);
  w->liveview = enabled;
  g_cond_broadcast(&w->cond);
  g_mutex_unlock(&w->lock);
}

BkImage *camera_worker_take_frame(CameraWorker *w, guint64 *ret_seq,
                                  gint64 *ret_available_us)
{
  BkImage *image = NULL;

  g_mutex_lock(&w->lock);
  if (w->latest && w->latest_seq > w->taken_seq) {
    image = g_steal_pointer(&w->latest);
    w->taken_seq = w->latest_seq;
    if (ret_seq)
      *ret_seq = w->latest_seq;
    if (ret_available_us)
      *ret_available_us = w->latest_us;
  }
  g_mutex_unlock(&w->lock);
  return image;
}

void camera_worker_set_subject(CameraWorker *w, const char *subject)
{
  g_mutex_lock(&w->lock);
  g_free(w->subject);
  w->subject = g_strdup(subject);
  w->subject_dirty = TRUE;
  g_cond_broadcast(&w->cond);
  g_mutex_unlock(&w->lock);
}

void camera_worker_request_still(CameraWorker *w)
{
  g_mutex_lock(&w->lock);
  w->stills_requested++;
  g_cond_broadcast(&w->cond);
  g_mutex_unlock(&w->lock);
}

static GBytes *camera_worker_unpack(StillResult *r, GError **error)
{
  GBytes *jpeg;

  if (!r)
    return NULL;
  if (r->error) {
    g_propagate_error(error, g_steal_pointer(&r->error));
    still_result_free(r);
    return NULL;
  }
  jpeg = g_steal_pointer(&r->jpeg);
  still_result_free(r);
  return jpeg;
}

GBytes *camera_worker_poll_still(CameraWorker *w, GError **error)
{
  return camera_worker_unpack(g_async_queue_try_pop(w->stills), error);
}

GBytes *camera_worker_wait_still(CameraWorker *w, guint timeout_ms,
                                 GError **error)
{
  return camera_worker_unpack(
      g_async_queue_timeout_pop(w->stills,
                                (guint64)timeout_ms * G_TIME_SPAN_MILLISECOND),
      error);
}

void camera_worker_set_notify(CameraWorker *w, GMainContext *context,
                              GSourceFunc func, gpointer data)
{
  g_mutex_lock(&w->lock);
  w->notify_context = context;
  w->notify_func = func;
  w->notify_data = data;
  g_mutex_unlock(&w->lock);
}

void camera_worker_set_wake(CameraWorker *w, void (*wake)(gpointer data),
                            gpointer data)
{
  g_mutex_lock(&w->lock);
  w->wake = wake;
  w->wake_data = data;
  g_mutex_unlock(&w->lock);
}

DeviceState camera_worker_state(CameraWorker *w, char **ret_message)
{
  DeviceState state;

  g_mutex_lock(&w->lock);
  state = w->state;
  if (ret_message)
    *ret_message = g_strdup(w->message);
  g_mutex_unlock(&w->lock);
  return state;
}

gboolean camera_worker_describe(CameraWorker *w, DeviceInfo *ret_info)
{
  gboolean have;

  g_mutex_lock(&w->lock);
  have = w->have_info;
  if (have) {
    ret_info->backend = g_strdup(w->info.backend);
    ret_info->model = g_strdup(w->info.model);
    ret_info->serial = g_strdup(w->info.serial);
    ret_info->firmware = g_strdup(w->info.firmware);
    ret_info->port = g_strdup(w->info.port);
    ret_info->extra = g_strdup(w->info.extra);
  }
  g_mutex_unlock(&w->lock);
  return have;
}

void camera_worker_stats(CameraWorker *w, CameraWorkerStats *ret_stats)
{
  g_mutex_lock(&w->lock);
  *ret_stats = w->stats;
  g_mutex_unlock(&w->lock);
}
