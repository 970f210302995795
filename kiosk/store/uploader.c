/* The uploader thread (see uploader.h): sleeps on a condition variable until
 * its interval has passed, it is kicked, a heartbeat is due or it is
 * stopped; each pass is one queue_upload() of the due records on the
 * thread's own connection, each beat one heartbeat_beat() on another. */
#include "uploader.h"

#include "audit.h"
#include "db.h"
#include "heartbeat.h"
#include "log.h"
#include "queue.h"

struct _KioskUploader {
  KioskQueue *queue; /* on its own connection */
  char *target_url;
  gint64 interval_us;
  GThread *thread;
  /* The heartbeat's own connection and state, made at its first beat. */
  char *database_path;
  char *state_dir;
  TransportOptions options;
  sqlite3 *heartbeat_db;
  KioskHeartbeat *heartbeat;

  GMutex lock; /* guards everything below */
  GCond cond;
  gboolean stop;
  gboolean kicked;
  UploaderStats stats;
  gint64 heartbeat_us;  /* interval; 0: no heartbeat */
  gint64 heartbeat_due; /* monotonic */
  char *location_id;
  char *version;
  char *devices;
};

static void uploader_pass(KioskUploader *uploader)
{
  g_autoptr(QueueUploadReport) report = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  gboolean ok;

  ok = queue_upload(uploader->queue, uploader->target_url, now,
                    QUEUE_UPLOAD_DUE, &report, &error);

  g_mutex_lock(&uploader->lock);
  uploader->stats.last_pass = now;
  uploader->stats.n_passes++;
  if (!ok) {
    g_free(uploader->stats.last_error);
    uploader->stats.last_error = g_strdup(error->message);
  } else {
    uploader->stats.n_acknowledged += report->n_acknowledged;
    uploader->stats.n_failed += report->n_failed;
    uploader->stats.n_quarantined += report->n_quarantined;
    for (guint i = 0; i < report->items->len; i++) {
      QueueUploadItem *item = g_ptr_array_index(report->items, i);
      if (item->error) {
        g_free(uploader->stats.last_error);
        uploader->stats.last_error = g_strdup(item->error);
      }
    }
  }
  g_mutex_unlock(&uploader->lock);
  if (!ok)
    log_event(G_LOG_LEVEL_MESSAGE, LOG_EVENT_UPLOAD_FAILED, NULL,
              "upload pass failed: %s", error->message);
}

/* Monotonic time of the next pass after one that just ended: when the
 * earliest retry falls due (plus jitter), but at least every interval, and
 * never sooner than a second (a record that stays due must not spin). */
static gint64 uploader_next_deadline(KioskUploader *uploader)
{
  gint64 mono = g_get_monotonic_time();
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  gint64 wait = uploader->interval_us;
  QueueStatus status = {0};

  if (queue_status(uploader->queue, now, &status, NULL) &&
      status.n_records > status.n_quarantined && status.next_attempt > 0) {
    gint64 due = MAX(status.next_attempt - now, 1) * G_USEC_PER_SEC;
    gint64 jitter = (gint64)(g_random_double() * (double)due / 4);

    wait = MIN(wait, due + jitter);
  }
  g_mutex_lock(&uploader->lock);
  uploader->stats.quarantined_now = status.n_quarantined;
  g_mutex_unlock(&uploader->lock);
  return mono + MAX(wait, G_USEC_PER_SEC);
}

/* The heartbeat's connection (with the audit anchor) and state, opened
 * at the first beat and kept; closed again after a failure. */
static gboolean uploader_heartbeat_open(KioskUploader *uploader, GError **error)
{
  if (uploader->heartbeat)
    return TRUE;
  if (!uploader->heartbeat_db)
    uploader->heartbeat_db = db_open(uploader->database_path, error);
  if (uploader->heartbeat_db &&
      audit_init(uploader->heartbeat_db, uploader->state_dir, error))
    uploader->heartbeat =
        heartbeat_open(uploader->heartbeat_db, uploader->state_dir, error);
  if (uploader->heartbeat)
    return TRUE;
  g_clear_pointer(&uploader->heartbeat_db, db_close);
  return FALSE;
}

/* One beat when it is due (see uploader_set_heartbeat()). */
static void uploader_heartbeat(KioskUploader *uploader)
{
  g_autoptr(KioskTransport) transport = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *location_id = NULL;
  g_autofree char *version = NULL;
  g_autofree char *devices = NULL;
  gint64 mono = g_get_monotonic_time();
  HeartbeatReport report = {0};
  gboolean ok;

  g_mutex_lock(&uploader->lock);
  ok = uploader->heartbeat_us && mono >= uploader->heartbeat_due;
  if (ok)
    uploader->heartbeat_due = mono + uploader->heartbeat_us;
  location_id = g_strdup(uploader->location_id);
  version = g_strdup(uploader->version);
  devices = g_strdup(uploader->devices);
  g_mutex_unlock(&uploader->lock);
  if (!ok)
    return;

  const HeartbeatInputs inputs = {location_id, version, devices};
  ok = uploader_heartbeat_open(uploader, &error) &&
       (transport = transport_open_with_options(uploader->target_url,
                                                &uploader->options, &error)) &&
       heartbeat_beat(uploader->heartbeat, transport, &inputs,
                      g_get_real_time(), mono, &report, &error);
  g_mutex_lock(&uploader->lock);
  if (ok) {
    uploader->stats.n_heartbeats += report.n_delivered;
    uploader->stats.last_heartbeat = g_get_real_time() / G_USEC_PER_SEC;
  } else {
    g_free(uploader->stats.last_error);
    uploader->stats.last_error = g_strdup(error->message);
  }
  g_mutex_unlock(&uploader->lock);
  if (!ok)
    log_event(G_LOG_LEVEL_MESSAGE, LOG_EVENT_HEARTBEAT_FAILED, NULL,
              "heartbeat failed: %s", error->message);
}

static gpointer uploader_thread(gpointer data)
{
  KioskUploader *uploader = data;
  gint64 deadline = g_get_monotonic_time(); /* first pass at once */

  g_mutex_lock(&uploader->lock);
  while (!uploader->stop) {
    gint64 wake = uploader->heartbeat_us
                      ? MIN(deadline, uploader->heartbeat_due)
                      : deadline;
    gboolean upload;

    if (!uploader->kicked && g_get_monotonic_time() < wake) {
      g_cond_wait_until(&uploader->cond, &uploader->lock, wake);
      continue; /* re-check stop, kick and the deadlines */
    }
    upload = uploader->kicked || g_get_monotonic_time() >= deadline;
    uploader->kicked = FALSE;
    g_mutex_unlock(&uploader->lock);
    if (upload) {
      uploader_pass(uploader);
      deadline = uploader_next_deadline(uploader);
    }
    uploader_heartbeat(uploader);
    g_mutex_lock(&uploader->lock);
  }
  g_mutex_unlock(&uploader->lock);
  return NULL;
}

static void uploader_free(KioskUploader *uploader)
{
  queue_close(uploader->queue);
  heartbeat_close(uploader->heartbeat);
  db_close(uploader->heartbeat_db);
  transport_options_clear(&uploader->options);
  g_free(uploader->database_path);
  g_free(uploader->state_dir);
  g_free(uploader->location_id);
  g_free(uploader->version);
  g_free(uploader->devices);
  g_free(uploader->target_url);
  g_free(uploader->stats.last_error);
  g_mutex_clear(&uploader->lock);
  g_cond_clear(&uploader->cond);
  g_free(uploader);
}

KioskUploader *uploader_start(const char *database_path, const char *state_dir,
                              const char *backoffice_public_key,
                              const char *target_url, guint interval_s,
                              GError **error)
{
  return uploader_start_with_options(database_path, state_dir,
                                     backoffice_public_key, target_url, NULL,
                                     interval_s, error);
}

KioskUploader *uploader_start_with_options(const char *database_path,
                                           const char *state_dir,
                                           const char *backoffice_public_key,
                                           const char *target_url,
                                           const TransportOptions *options,
                                           guint interval_s, GError **error)
{
  KioskUploader *uploader;

  g_return_val_if_fail(database_path != NULL, NULL);
  g_return_val_if_fail(state_dir != NULL, NULL);
  g_return_val_if_fail(interval_s > 0, NULL);

  if (!queue_check_upload_target(target_url, options, error))
    return NULL;
  uploader = g_new0(KioskUploader, 1);
  g_mutex_init(&uploader->lock);
  g_cond_init(&uploader->cond);
  uploader->target_url = g_strdup(target_url);
  uploader->interval_us = (gint64)interval_s * G_USEC_PER_SEC;
  uploader->database_path = g_strdup(database_path);
  uploader->state_dir = g_strdup(state_dir);
  transport_options_copy(&uploader->options, options);
  uploader->queue =
      queue_open_file(database_path, state_dir, backoffice_public_key, error);
  if (!uploader->queue) {
    uploader_free(uploader);
    return NULL;
  }
  queue_set_transport_options(uploader->queue, options);
  uploader->thread =
      g_thread_try_new("uploader", uploader_thread, uploader, error);
  if (!uploader->thread) {
    uploader_free(uploader);
    return NULL;
  }
  return uploader;
}

void uploader_set_heartbeat(KioskUploader *uploader, guint interval_s,
                            const char *location_id, const char *version)
{
  g_return_if_fail(uploader != NULL);
  g_mutex_lock(&uploader->lock);
  uploader->heartbeat_us = (gint64)interval_s * G_USEC_PER_SEC;
  uploader->heartbeat_due = g_get_monotonic_time();
  g_free(uploader->location_id);
  uploader->location_id = g_strdup(location_id);
  g_free(uploader->version);
  uploader->version = g_strdup(version);
  g_cond_signal(&uploader->cond);
  g_mutex_unlock(&uploader->lock);
}

void uploader_set_device_states(KioskUploader *uploader, const char *states)
{
  g_return_if_fail(uploader != NULL);
  g_mutex_lock(&uploader->lock);
  g_free(uploader->devices);
  uploader->devices = g_strdup(states);
  g_mutex_unlock(&uploader->lock);
}

void uploader_kick(KioskUploader *uploader)
{
  g_return_if_fail(uploader != NULL);
  g_mutex_lock(&uploader->lock);
  uploader->kicked = TRUE;
  g_cond_signal(&uploader->cond);
  g_mutex_unlock(&uploader->lock);
}

void uploader_get_stats(KioskUploader *uploader, UploaderStats *ret_stats)
{
  g_return_if_fail(uploader != NULL && ret_stats != NULL);
  g_mutex_lock(&uploader->lock);
  *ret_stats = uploader->stats;
  ret_stats->last_error = g_strdup(uploader->stats.last_error);
  g_mutex_unlock(&uploader->lock);
}

void uploader_stop(KioskUploader *uploader)
{
  if (!uploader)
    return;
  g_mutex_lock(&uploader->lock);
  uploader->stop = TRUE;
  g_cond_signal(&uploader->cond);
  g_mutex_unlock(&uploader->lock);
  g_thread_join(uploader->thread);
  uploader_free(uploader);
}
