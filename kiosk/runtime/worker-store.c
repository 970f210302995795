/* The store worker: seals and queues each approved record on the queue's
 * own database connection, so that its transactions never interleave with
 * the main thread's statements. No device. */
#include "worker.h"

#include <glib/gi18n.h>

#include "queue.h"

static void store_worker_run(gpointer context, gpointer device, const Job *job,
                             GCancellable *cancellable, Result *r)
{
  KioskQueue *queue = context;

  g_return_if_fail(job->type == JOB_STORE);
  queue_store_record(queue, job->record, g_get_real_time() / G_USEC_PER_SEC,
                     &r->record_id, &r->error);
}

const WorkerClass worker_store_class = {
    .name = "store",
    .label = N_("Record queue"),
    .run = store_worker_run,
};
