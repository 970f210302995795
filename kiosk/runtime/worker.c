/* The generic worker: thread, job queue, device life cycle; see worker.h.
 * A job that fails because the device went away closes the device, so the
 * next job opens it again (a replugged reader works without a restart). */
#include "worker.h"

#include "log.h"

struct Worker {
  const WorkerClass *klass;
  gpointer context;
  char *backend;
  WorkerDeliverFunc deliver;
  gpointer deliver_data;
  GThread *thread;
  GAsyncQueue *jobs; /* Job*; a NULL-typed sentinel ends the thread */
  gboolean quit;     /* set before the sentinel is pushed */

  GMutex lock;
  GCancellable *current; /* the running job's; guarded by lock */
  char *device_line;     /* guarded by lock */

  gpointer device; /* worker thread only */
};

static void worker_remember_device(Worker *w)
{
  DeviceInfo info = {0};
  gboolean ok =
      w->klass->describe && w->klass->describe(w->device, &info, NULL);
  char *line = g_strdup_printf("%s=%s %s %s", w->klass->name, w->backend,
                               ok && info.model ? info.model : "",
                               ok && info.serial ? info.serial : "");

  if (w->klass->describe)
    log_device(G_LOG_LEVEL_INFO, w->klass->name, "ready", "%s opened: %s",
               w->klass->name, line);
  g_mutex_lock(&w->lock);
  g_free(w->device_line);
  w->device_line = line;
  g_mutex_unlock(&w->lock);
  device_info_clear(&info);
}

static gboolean worker_ensure_device(Worker *w, GError **error)
{
  if (!w->klass->open || w->device)
    return TRUE;
  w->device = w->klass->open(w->context, error);
  if (!w->device)
    return FALSE;
  worker_remember_device(w);
  return TRUE;
}

static void worker_close_device(Worker *w)
{
  if (w->device)
    w->klass->close(w->device);
  w->device = NULL;
}

/* Each job gets a cancellable of its own, so that cancelling one job can
 * never leak into the next (a shared one would have to be reset, racing
 * with the device code that checks it). */
static void worker_run_job(Worker *w, const Job *job, Result *r)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new();

  g_mutex_lock(&w->lock);
  g_set_object(&w->current, cancellable);
  if (g_atomic_int_get(&w->quit))
    g_cancellable_cancel(cancellable);
  g_mutex_unlock(&w->lock);
  if (worker_ensure_device(w, &r->error))
    w->klass->run(w->context, w->device, job, cancellable, r);
  g_mutex_lock(&w->lock);
  g_clear_object(&w->current);
  g_mutex_unlock(&w->lock);
  if (g_error_matches(r->error, DRIVERS_ERROR, DRIVERS_ERROR_DISCONNECTED) ||
      g_error_matches(r->error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND)) {
    if (w->klass->describe)
      log_device(G_LOG_LEVEL_MESSAGE, w->klass->name, "absent", "%s: %s",
                 w->klass->name, r->error->message);
    worker_close_device(w);
  }
}

static gpointer worker_thread(gpointer data)
{
  Worker *w = data;

  for (;;) {
    Job *job = g_async_queue_pop(w->jobs);
    Result *r;

    if (g_atomic_int_get(&w->quit)) {
      job_free(job);
      break;
    }
    r = g_new0(Result, 1);
    r->type = job->type;
    r->epoch = job->epoch;
    worker_run_job(w, job, r);
    job_free(job);
    w->deliver(w->deliver_data, r);
  }
  worker_close_device(w);
  return NULL;
}

Worker *worker_new(const WorkerClass *klass, gpointer context,
                   const char *backend, WorkerDeliverFunc deliver,
                   gpointer deliver_data)
{
  Worker *w = g_new0(Worker, 1);

  g_return_val_if_fail(klass && klass->run && deliver, NULL);
  g_return_val_if_fail(!klass->open || klass->close, NULL);
  w->klass = klass;
  w->context = context;
  w->backend = g_strdup(backend ? backend : "");
  w->deliver = deliver;
  w->deliver_data = deliver_data;
  w->jobs = g_async_queue_new_full((GDestroyNotify)job_free);
  g_mutex_init(&w->lock);
  w->thread = g_thread_new(klass->name, worker_thread, w);
  return w;
}

void worker_free(Worker *w)
{
  if (!w)
    return;
  g_atomic_int_set(&w->quit, TRUE);
  worker_cancel(w);
  g_async_queue_push_front(w->jobs, job_new(JOB_PHOTO)); /* the sentinel */
  g_thread_join(w->thread);
  g_async_queue_unref(w->jobs);
  g_mutex_clear(&w->lock);
  g_free(w->device_line);
  g_free(w->backend);
  g_free(w);
}

void worker_push(Worker *w, Job *job)
{
  g_async_queue_push(w->jobs, job);
}

void worker_cancel(Worker *w)
{
  g_mutex_lock(&w->lock);
  if (w->current)
    g_cancellable_cancel(w->current);
  g_mutex_unlock(&w->lock);
}

const WorkerClass *worker_class(const Worker *w)
{
  return w->klass;
}

char *worker_device_line(Worker *w)
{
  char *line;

  g_mutex_lock(&w->lock);
  line = g_strdup(w->device_line);
  g_mutex_unlock(&w->lock);
  return line;
}
