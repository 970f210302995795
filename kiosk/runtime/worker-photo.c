/* The photo worker: analyses the camera's stills (validate, crop), checks
 * live-view frames for guidance, and makes the officer's exception photos
 * (no validator). Its "device" is the photo validator, made
 * when the worker starts (reading the face cascade and, once per process,
 * the landmark model takes a moment) with the [photo] limits, and
 * freed with the worker; only this thread uses it. */
#include "worker.h"

#include <glib/gi18n.h>

#include "photo-auto.h"
#include "photo.h"
#include "steps.h"

/* `context` is the configuration's [photo] group (limit name -> number as
 * text, each checked against its range when the file was read), or NULL. */
static gpointer photo_worker_open(gpointer context, GError **error)
{
  GHashTable *limits = context;
  PhotoConfig config;
  PhotoValidator *validator = NULL;
  GHashTableIter iter;
  gpointer key, value;
  gboolean ok = TRUE;

  photo_config_init(&config);
  if (limits) {
    g_hash_table_iter_init(&iter, limits);
    while (ok && g_hash_table_iter_next(&iter, &key, &value))
      /* The kiosk's own settings share the group (photo-auto.h). */
      ok = photo_setting_known(key) ||
           photo_limits_set(&config.limits, key, g_ascii_strtod(value, NULL),
                            error);
  }
  if (ok)
    validator = photo_validator_new(&config, error);
  photo_config_clear(&config);
  return validator;
}

static void photo_worker_close(gpointer device)
{
  photo_validator_free(device);
}

static void photo_worker_run(gpointer context, gpointer device, const Job *job,
                             GCancellable *cancellable, Result *r)
{
  switch (job->type) {
  case JOB_PHOTO:
    steps_photo_calibrated(device, job->jpeg, job->head_covering, job->age,
                           job->backdrop, &r->photo, &r->error);
    break;
  case JOB_GUIDE:
    r->guidance = steps_guide_calibrated(device, job->frame, job->head_covering,
                                         job->age, job->backdrop);
    break;
  case JOB_BACKDROP:
    r->backdrop = photo_backdrop_from_jpeg(device, job->jpeg, STEPS_ANALYSIS_W,
                                           &r->error);
    break;
  case JOB_EXCEPTION_PHOTO:
    exception_photo_make(job->jpeg, job->finger, &r->exception_photo,
                         &r->error);
    break;
  case JOB_SIGNATURE:
  case JOB_FINGER:
  case JOB_STORE:
  case JOB_PIN:
    g_critical("photo worker: job %d is not for this worker", job->type);
    break;
  }
}

const WorkerClass worker_photo_class = {
    .name = "photo",
    .label = N_("Camera"), /* its trouble is the camera's: see app.c */
    .open = photo_worker_open,
    .close = photo_worker_close,
    .run = photo_worker_run,
};
