/* The signature pad's worker: opens the configured pad backend and collects
 * one signature per job, rendered and checked by the signature step. */
#include "worker.h"

#include <glib/gi18n.h>

#include "config.h"
#include "pad.h"
#include "steps.h"

static gpointer pad_worker_open(gpointer context, GError **error)
{
  const KioskConfig *config = context;

  return pad_open(config->pad_backend, config->pad_options, error);
}

static void pad_worker_close(gpointer device)
{
  pad_close(device);
}

static void pad_worker_run(gpointer context, gpointer device, const Job *job,
                           GCancellable *cancellable, Result *r)
{
  GArray *samples;

  g_return_if_fail(job->type == JOB_SIGNATURE);
  samples = pad_collect(device, job->timeout_ms, cancellable, &r->error);
  if (samples)
    steps_signature(samples, &r->signature, &r->error);
}

static gboolean pad_worker_describe(gpointer device, DeviceInfo *ret_info,
                                    GError **error)
{
  return pad_describe(device, ret_info, error);
}

const WorkerClass worker_pad_class = {
    .name = "pad",
    .label = N_("Signature pad"),
    .open = pad_worker_open,
    .close = pad_worker_close,
    .run = pad_worker_run,
    .describe = pad_worker_describe,
};
