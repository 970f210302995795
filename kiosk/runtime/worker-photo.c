/* The photo worker: analyses the camera's stills (validate, crop) and checks
 * live-view frames for guidance. Its "device" is the photo validator, made
 * when the worker starts (loading the face cascades takes a moment) and
 * freed with the worker; only this thread uses it. */
#include "worker.h"

#include <glib/gi18n.h>

#include "photo.h"
#include "steps.h"

static gpointer photo_worker_open(gpointer context, GError **error)
{
  PhotoConfig config;
  PhotoValidator *validator;

  photo_config_init(&config);
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
    steps_photo(device, job->jpeg, job->head_covering, job->age, &r->photo,
                &r->error);
    break;
  case JOB_GUIDE:
    r->guidance = steps_guide(device, job->frame, job->head_covering, job->age);
    break;
  case JOB_SIGNATURE:
  case JOB_FINGER:
  case JOB_STORE:
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
