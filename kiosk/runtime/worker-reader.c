/* The fingerprint reader's worker: opens the configured reader backend and
 * captures one finger per job, judged by the finger step. */
#include "worker.h"

#include <glib/gi18n.h>

#include "config.h"
#include "finger-best.h"
#include "finger.h"
#include "fpreader.h"
#include "steps.h"

/* The model's finger positions and the reader's are the same ISO codes. */
G_STATIC_ASSERT((int)FINGER_UNKNOWN == (int)READER_FINGER_UNKNOWN);
G_STATIC_ASSERT((int)FINGER_RIGHT_THUMB == (int)READER_FINGER_RIGHT_THUMB);
G_STATIC_ASSERT((int)FINGER_RIGHT_INDEX == (int)READER_FINGER_RIGHT_INDEX);
G_STATIC_ASSERT((int)FINGER_LEFT_THUMB == (int)READER_FINGER_LEFT_THUMB);
G_STATIC_ASSERT((int)FINGER_LEFT_INDEX == (int)READER_FINGER_LEFT_INDEX);
G_STATIC_ASSERT((int)FINGER_LEFT_LITTLE == (int)READER_FINGER_LEFT_LITTLE);

static gpointer reader_worker_open(gpointer context, GError **error)
{
  const KioskConfig *config = context;
  BkFpReader *reader =
      fpreader_open(config->reader_backend, config->reader_options, error);

  /* A reader unfit for enrolment (resolution, image size) is refused. */
  if (reader && !fpreader_check_fit(reader, config->reader_options, error))
    g_clear_pointer(&reader, fpreader_close);
  return reader;
}

static void reader_worker_close(gpointer device)
{
  fpreader_close(device);
}

static void reader_worker_run(gpointer context, gpointer device, const Job *job,
                              GCancellable *cancellable, Result *r)
{
  const KioskConfig *config = context;
  g_autoptr(FpImpression) imp = NULL;

  g_return_if_fail(job->type == JOB_FINGER);
  if (job->best) {
    g_autoptr(GError) error = NULL;

    /* Best of three: the impressions go back with the choice (the worker
     * owns the job). A failed comparison leaves the choice to quality. */
    if (!finger_best_pick(job->best, device, &error))
      g_warning("best of three on quality alone: %s", error->message);
    r->best = g_steal_pointer(&((Job *)job)->best);
    return;
  }
  fpreader_set_subject(device, job->subject);
  imp = fpreader_capture(device, (ReaderFinger)job->finger, job->timeout_ms,
                         cancellable, &r->error);
  /* Its real image size, known now, must be fit too. */
  if (imp && !fpreader_check_impression(device, config->reader_options, imp,
                                        &r->error))
    return;
  if (imp)
    steps_finger(job->finger, imp->width, imp->height, imp->ppi,
                 g_steal_pointer(&imp->pixels), imp->minutiae, &r->finger,
                 &r->error);
}

static gboolean reader_worker_describe(gpointer device, DeviceInfo *ret_info,
                                       GError **error)
{
  return fpreader_describe(device, ret_info, error);
}

const WorkerClass worker_reader_class = {
    .name = "reader",
    .label = N_("Fingerprint reader"),
    .open = reader_worker_open,
    .close = reader_worker_close,
    .run = reader_worker_run,
    .describe = reader_worker_describe,
};
