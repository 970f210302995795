/* One worker type for every kind of background work: a thread with a job
 * queue, running one class of work — a device's blocking calls (reader,
 * pad), the photo analysis, or sealing records — and delivering each result
 * through a callback that the application turns into a wake-up of its main
 * loop. What differs between classes is a small vtable (WorkerClass);
 * adding a class is one new worker-<name>.c file and a line in the app's
 * table. The camera has a worker of its own (camera-worker.h) because it
 * streams frames rather than answering jobs.
 *
 * Threads: worker_new(), worker_push(), worker_cancel(), worker_free() and
 * worker_device_line() are called on the main thread; the class members run
 * on the worker's thread only. */
#pragma once

#include <gio/gio.h>

#include "device.h"
#include "jobs.h"

typedef struct Worker Worker;

typedef struct {
  const char *name;  /* thread name, and the device class in the record's
                        device lines ("reader", "pad") */
  const char *label; /* N_() name for the footer ("Fingerprint reader") */

  /* Opens the class's device from `context` (what worker_new() was given)
   * and returns it; NULL with `error` when it cannot. Called before the
   * first job and again after a job lost the device. May be NULL: the
   * class has no device. Blocks as long as opening takes. */
  gpointer (*open)(gpointer context, GError **error);

  /* Closes what open() returned. Must not be NULL when open is set. */
  void (*close)(gpointer device);

  /* Runs one job: fills `result` (its outcome, or its error). Must not be
   * NULL. Blocks for at most the job's timeout_ms where it waits on a
   * device, and returns early when `cancellable` is cancelled. `device` is
   * what open() returned (NULL for classes without open). */
  void (*run)(gpointer context, gpointer device, const Job *job,
              GCancellable *cancellable, Result *result);

  /* Identity of the open device for the record. May be NULL. */
  gboolean (*describe)(gpointer device, DeviceInfo *ret_info, GError **error);
} WorkerClass;

/* Where a worker hands its results; called on the worker's thread, must
 * not block, and takes the result. */
typedef void (*WorkerDeliverFunc)(gpointer data, Result *result);

/* Starts the thread. `context` is borrowed and must outlive the worker;
 * `backend` names the device backend for the record's device line (NULL for
 * classes without a device). */
Worker *worker_new(const WorkerClass *klass, gpointer context,
                   const char *backend, WorkerDeliverFunc deliver,
                   gpointer deliver_data);

/* Stops the thread (cancelling the job in progress) and closes the device;
 * queued jobs are dropped. Accepts NULL. */
void worker_free(Worker *worker);

/* Queues a job (the worker takes it). */
void worker_push(Worker *worker, Job *job);

/* Cancels the job in progress; later jobs run as usual. */
void worker_cancel(Worker *worker);

const WorkerClass *worker_class(const Worker *worker);

/* "reader=libfprint <model> <serial>" for the record once the device was
 * opened, else NULL. Newly allocated. Any thread. */
char *worker_device_line(Worker *worker);

/* The classes the application runs. */
extern const WorkerClass worker_photo_class;
extern const WorkerClass worker_reader_class;
extern const WorkerClass worker_pad_class;
extern const WorkerClass worker_store_class;
extern const WorkerClass worker_pin_class;
