/* Constructors and destructors of jobs and results; see jobs.h. */
#include "jobs.h"

#include <string.h>

#include "finger-best.h"

Job *job_new(JobType type)
{
  Job *job = g_new0(Job, 1);

  job->type = type;
  job->age = -1;
  return job;
}

void job_free(Job *job)
{
  if (!job)
    return;
  g_clear_pointer(&job->record, record_free);
  g_clear_pointer(&job->jpeg, g_bytes_unref);
  g_clear_pointer(&job->frame, image_free);
  g_clear_pointer(&job->backdrop, photo_backdrop_unref);
  g_clear_pointer(&job->best, finger_best_free);
  explicit_bzero(job->pin, sizeof job->pin);
  g_free(job->pin_hash);
  g_free(job->pin_bootstrap_hash);
  g_free(job->subject);
  g_free(job);
}

void result_free(Result *r)
{
  if (!r)
    return;
  g_clear_error(&r->error);
  photo_outcome_clear(&r->photo);
  signature_outcome_clear(&r->signature);
  finger_outcome_clear(&r->finger);
  g_free(r->record_id);
  g_strfreev(r->guidance);
  g_clear_pointer(&r->backdrop, photo_backdrop_unref);
  g_clear_pointer(&r->best, finger_best_free);
  exception_photo_clear(&r->exception_photo);
  g_free(r);
}
