/* The signature pad's worker and its link to the main thread (see
 * worker-pad.h): opens the configured pad backend, streams each signature's
 * samples to the screen while it is written, and renders and checks the
 * finished signature in the signature step. */
#include "worker-pad.h"

#include <glib/gi18n.h>

#include "log.h"
#include "steps.h"
#include "worker.h"

struct PadLink {
  const KioskConfig *config;
  void (*wake)(gpointer);
  gpointer wake_data;

  GMutex lock;
  GCond cond;
  gboolean quit;  /* guarded by lock: stop probing */
  GThread *probe; /* main thread before the first job, then the worker's */
  BkPad *pad;     /* guarded by lock while the probe runs */
  GArray *points; /* PadPoint, not taken yet; guarded by lock */
  gboolean restarted, changed, lost;
  DeviceState state;
  char *message;
  DeviceInfo info; /* guarded by lock */
  gboolean have_info;
};

static void link_news(PadLink *link)
{
  if (link->wake)
    link->wake(link->wake_data);
}

static void link_set_state(PadLink *link, DeviceState state,
                           const char *message)
{
  gboolean changed;

  g_mutex_lock(&link->lock);
  changed = link->state != state || g_strcmp0(link->message, message) != 0;
  if (changed) {
    log_device_state("pad", device_state_to_string(link->state),
                     device_state_to_string(state), message);
    link->state = state;
    g_free(link->message);
    link->message = g_strdup(message);
    link->changed = TRUE;
  }
  g_mutex_unlock(&link->lock);
  if (changed)
    link_news(link);
}

/* Opens the pad (any thread, link->pad must be NULL) and remembers its
 * identity. On failure the state says why: ABSENT, or `lost_state` for a
 * pad that was there a moment ago. */
static BkPad *link_open(PadLink *link, DeviceState lost_state, GError **error)
{
  g_autoptr(GError) local = NULL;
  BkPad *pad =
      pad_open(link->config->pad_backend, link->config->pad_options, &local);
  DeviceInfo info = {0};

  if (!pad) {
    link_set_state(link, lost_state, local->message);
    g_propagate_error(error, g_steal_pointer(&local));
    return NULL;
  }
  if (pad_describe(pad, &info, NULL)) {
    g_mutex_lock(&link->lock);
    device_info_clear(&link->info);
    link->info = info;
    link->have_info = TRUE;
    g_mutex_unlock(&link->lock);
  }
  link_set_state(link, DEVICE_STATE_READY, NULL);
  return pad;
}

/* Sleeps `ms` unless told to quit; FALSE on quit. */
static gboolean link_sleep(PadLink *link, int ms)
{
  gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;
  gboolean quit;

  g_mutex_lock(&link->lock);
  while (!link->quit && g_cond_wait_until(&link->cond, &link->lock, end))
    ;
  quit = link->quit;
  g_mutex_unlock(&link->lock);
  return !quit;
}

/* One look between jobs: an absent pad is opened, an open one that has
 * gone is closed. FALSE when looking again cannot help (the configuration
 * is wrong). */
static gboolean link_look(PadLink *link)
{
  g_autoptr(GError) error = NULL;
  BkPad *pad;

  g_mutex_lock(&link->lock);
  pad = link->pad;
  g_mutex_unlock(&link->lock);
  if (pad) {
    if (pad_present(pad))
      return TRUE;
    g_mutex_lock(&link->lock);
    link->pad = NULL;
    g_mutex_unlock(&link->lock);
    pad_close(pad);
    link_set_state(link, DEVICE_STATE_ABSENT, "the pad was unplugged");
    return TRUE;
  }
  pad = link_open(link, DEVICE_STATE_ABSENT, &error);
  if (pad) {
    g_mutex_lock(&link->lock);
    link->pad = pad;
    g_mutex_unlock(&link->lock);
    return TRUE;
  }
  if (g_error_matches(error, DRIVERS_ERROR, DRIVERS_ERROR_UNKNOWN_BACKEND) ||
      g_error_matches(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID)) {
    link_set_state(link, DEVICE_STATE_FAILED, error->message);
    return FALSE;
  }
  return TRUE;
}

/* The probe, between jobs: opens the pad (at start-up, so that the footer
 * says at once when it is absent), and about once a second looks whether
 * it is still there or back. */
static gpointer link_probe(gpointer data)
{
  PadLink *link = data;

  while (link_look(link) && link_sleep(link, PAD_PROBE_MS))
    ;
  return NULL;
}

static void link_stop_probe(PadLink *link)
{
  if (!link->probe)
    return;
  g_mutex_lock(&link->lock);
  link->quit = TRUE;
  g_cond_broadcast(&link->cond);
  g_mutex_unlock(&link->lock);
  g_thread_join(g_steal_pointer(&link->probe));
  g_mutex_lock(&link->lock);
  link->quit = FALSE;
  g_mutex_unlock(&link->lock);
}

PadLink *pad_link_new(const KioskConfig *config, void (*wake)(gpointer),
                      gpointer wake_data)
{
  PadLink *link = g_new0(PadLink, 1);

  link->config = config;
  link->wake = wake;
  link->wake_data = wake_data;
  g_mutex_init(&link->lock);
  g_cond_init(&link->cond);
  link->points = g_array_new(FALSE, FALSE, sizeof(PadPoint));
  link->state = DEVICE_STATE_ABSENT;
  link->probe = g_thread_new("pad-probe", link_probe, link);
  return link;
}

void pad_link_free(PadLink *link)
{
  if (!link)
    return;
  link_stop_probe(link);
  pad_close(link->pad);
  g_array_unref(link->points);
  g_free(link->message);
  device_info_clear(&link->info);
  g_mutex_clear(&link->lock);
  g_cond_clear(&link->cond);
  g_free(link);
}

gboolean pad_link_take(PadLink *link, PadNews *ret)
{
  gboolean any;

  memset(ret, 0, sizeof *ret);
  g_mutex_lock(&link->lock);
  any = link->points->len > 0 || link->restarted || link->changed || link->lost;
  if (any) {
    ret->points = link->points;
    link->points = g_array_new(FALSE, FALSE, sizeof(PadPoint));
    ret->restarted = link->restarted;
    ret->lost = link->lost;
    ret->changed = link->changed;
    ret->state = link->state;
    ret->message = g_strdup(link->message);
    link->restarted = link->changed = link->lost = FALSE;
  }
  g_mutex_unlock(&link->lock);
  return any;
}

void pad_news_clear(PadNews *news)
{
  g_clear_pointer(&news->points, g_array_unref);
  g_clear_pointer(&news->message, g_free);
}

gboolean pad_link_describe(PadLink *link, DeviceInfo *ret)
{
  gboolean have;

  memset(ret, 0, sizeof *ret);
  g_mutex_lock(&link->lock);
  have = link->have_info;
  if (have) {
    ret->backend = g_strdup(link->info.backend);
    ret->model = g_strdup(link->info.model);
    ret->serial = g_strdup(link->info.serial);
    ret->firmware = g_strdup(link->info.firmware);
    ret->port = g_strdup(link->info.port);
    ret->extra = g_strdup(link->info.extra);
  }
  g_mutex_unlock(&link->lock);
  return have;
}

/* ---- the sink: the pad worker's thread ---- */

static void link_point(gpointer data, const PadPoint *point)
{
  PadLink *link = data;

  g_mutex_lock(&link->lock);
  g_array_append_val(link->points, *point);
  g_mutex_unlock(&link->lock);
  link_news(link);
}

static void link_restart(gpointer data, const char *reason)
{
  PadLink *link = data;

  g_debug("pad: the signature so far is void: %s", reason);
  g_mutex_lock(&link->lock);
  g_array_set_size(link->points, 0);
  link->restarted = TRUE;
  g_mutex_unlock(&link->lock);
  link_news(link);
}

/* ---- the worker class ---- */

/* Waits for the pad to be (re)opened, up to `deadline_us`; NULL with
 * `error` when the job's time ran out, it was cancelled, or the
 * configuration is wrong. */
static BkPad *job_open(PadLink *link, DeviceState lost_state,
                       gint64 deadline_us, GCancellable *cancellable,
                       GError **error)
{
  for (;;) {
    g_autoptr(GError) local = NULL;
    BkPad *pad = link_open(link, lost_state, &local);

    if (pad)
      return pad;
    if (g_error_matches(local, DRIVERS_ERROR, DRIVERS_ERROR_UNKNOWN_BACKEND) ||
        g_error_matches(local, DRIVERS_ERROR, DRIVERS_ERROR_INVALID) ||
        g_get_monotonic_time() + PAD_LINK_RETRY_MS * 1000 >= deadline_us) {
      g_propagate_error(error, g_steal_pointer(&local));
      return NULL;
    }
    g_usleep(PAD_LINK_RETRY_MS * 1000);
    if (g_cancellable_set_error_if_cancelled(cancellable, error))
      return NULL;
  }
}

/* One signature: collects (reopening a lost pad and starting over) until
 * the signer is done, the job's time is up or it is cancelled. */
static GArray *job_collect(PadLink *link, const Job *job,
                           GCancellable *cancellable, GError **error)
{
  gint64 deadline =
      g_get_monotonic_time() +
      (gint64)(job->timeout_ms > 0 ? job->timeout_ms : 90000) * 1000;
  PadSink sink = {link_point, link_restart, link};
  DeviceState lost = DEVICE_STATE_ABSENT;

  for (;;) {
    g_autoptr(GError) local = NULL;
    GArray *samples;
    int left_ms;

    if (!link->pad &&
        !(link->pad = job_open(link, lost, deadline, cancellable, error)))
      return NULL;
    left_ms = (int)MAX((deadline - g_get_monotonic_time()) / 1000, 1);
    samples = pad_collect_to(link->pad, left_ms, cancellable, &sink, &local);
    if (samples)
      return samples;
    if (!g_error_matches(local, DRIVERS_ERROR, DRIVERS_ERROR_DISCONNECTED) &&
        !g_error_matches(local, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND)) {
      g_propagate_error(error, g_steal_pointer(&local));
      return NULL;
    }
    /* Lost mid-signature: what was written is void; sign again. */
    g_clear_pointer(&link->pad, pad_close);
    lost = DEVICE_STATE_RECOVERING;
    g_mutex_lock(&link->lock);
    link->lost = TRUE;
    g_mutex_unlock(&link->lock);
    link_set_state(link, lost, local->message);
    link_restart(link, "the pad was lost");
  }
}

static void pad_worker_run(gpointer context, gpointer device, const Job *job,
                           GCancellable *cancellable, Result *r)
{
  PadLink *link = context;
  GArray *samples;

  g_return_if_fail(job->type == JOB_SIGNATURE);
  /* From here on the worker's thread owns the pad. */
  link_stop_probe(link);
  samples = job_collect(link, job, cancellable, &r->error);
  if (samples && steps_signature(samples, &r->signature, &r->error))
    pad_link_describe(link, &r->signature.pad);
  /* Between jobs the probe watches the pad again: a pad that goes is shown
   * at once, one that comes back clears the footer. */
  link->probe = g_thread_new("pad-probe", link_probe, link);
}

const WorkerClass worker_pad_class = {
    .name = "pad",
    .label = N_("Signature pad"),
    .run = pad_worker_run,
};
