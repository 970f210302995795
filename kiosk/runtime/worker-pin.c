/* The PIN worker: verifies officer PINs (argon2id, about half a second)
 * so that the screen keeps drawing meanwhile. The main thread looks the
 * hashes up (its database connection) and the session keeps the lockouts
 * and the audit; this thread only compares. No device. */
#include "worker.h"

#include "officers.h"

static void pin_worker_run(gpointer context, gpointer device, const Job *job,
                           GCancellable *cancellable, Result *r)
{
  OfficerPinVerdict verdict;

  g_return_if_fail(job->type == JOB_PIN);
  if (job->pin_named) {
    verdict =
        officers_verify_pin(job->pin_hash, job->pin_bootstrap_hash, job->pin);
  } else {
    /* The bootstrap PIN: right or wrong, no such thing as an unknown id. */
    verdict = officers_verify_pin(job->pin_bootstrap_hash, NULL, job->pin);
    if (verdict == OFFICER_PIN_UNKNOWN)
      verdict = OFFICER_PIN_WRONG;
  }
  r->pin_verdict = verdict;
  r->pin_check = job->pin_check;
}

const WorkerClass worker_pin_class = {
    .name = "pin",
    .label = NULL, /* no device: never in the footer */
    .open = NULL,
    .close = NULL,
    .run = pin_worker_run,
};
