/* The technician screen in the running kiosk: the pure state machine
 * (core/technician.h) given its facts and its work. It reads each device's
 * state and identity from the workers that hold them, runs the live tests
 * as jobs on those workers (a test shot, a test finger, a test stroke),
 * stores the backdrop calibration (store/calibration.h), fills the pages
 * from the checks shared with `biokiosk diagnose` (diagnose.h) and exports
 * the last day's log and a diagnose report to the configured folder.
 * Main thread only; app.c holds one and routes intents, results and views
 * through it. */
#pragma once

#include <sqlite3.h>

#include "camera-worker.h"
#include "photo-calibrate.h"
#include "jobs.h"
#include "technician.h"
#include "uploader.h"
#include "worker-pad.h"
#include "worker.h"

/* The epoch of the technician's test jobs: a result carrying it belongs to
 * the technician screen, never to a person (the app's epochs count up from
 * 0 and never reach it). */
#define TECHRUN_EPOCH G_MAXUINT64

/* What the runtime lends the technician screen; all borrowed from the app
 * and alive as long as the TechRun. */
typedef struct {
  const KioskConfig *config;
  sqlite3 *db; /* main thread's connection: queue status, lockouts */
  CameraWorker *camera;
  Worker *reader;
  Worker *pad;
  PadLink *pad_link;
  KioskUploader *const *uploader; /* the app's, started later (may be NULL) */
  char *const *reader_trouble;    /* the app's device trouble per worker */
  char *const *pad_trouble;
  const DeviceState *pad_state;
  /* The kiosk's automatic backdrop shots (may be NULL). */
  const PhotoCalibrator *backdrop;
  /* Appends an audit entry (actor "technician"). */
  void (*audit)(gpointer data, const char *event);
  /* Wakes the loop from another thread (the export's). */
  void (*wake)(gpointer data);
  gpointer data;
} TechRunHost;

typedef struct TechRun TechRun;

TechRun *techrun_new(const TechRunHost *host);
void techrun_free(TechRun *run); /* accepts NULL */

/* The state machine (tests). */
Technician *techrun_technician(TechRun *run);

/* An intent for the technician screen: TRUE when it took it. */
gboolean techrun_intent(TechRun *run, const KioskIntent *intent, gint64 now_us);

/* A result of a job sent with TECHRUN_EPOCH (the app hands it over and
 * frees it afterwards). */
void techrun_result(TechRun *run, Result *result);

/* Polls what the screen waits for (the camera's still, the export) and
 * the idle timeout; TRUE when the screen changed. */
gboolean techrun_pump(TechRun *run, gint64 now_us);

/* The next time the screen has something to do on its own, monotonic. */
gint64 techrun_deadline(TechRun *run);

/* TRUE while a test or export runs. */
gboolean techrun_busy(TechRun *run);

/* The view to draw: the technician's own while its screen is up; else
 * `view`, with the check-in screen's technician control when there is a
 * technician PIN. Valid until the next call. */
const KioskView *techrun_view(TechRun *run, const KioskView *view);

/* Training mode (kiosk/demo/training.c): the screen opens with the
 * training `pin` (the officer's, printed on the terminal) whether or not a
 * technician PIN is configured, and its training page lists today's
 * training schedule (its codes) and that PIN. */
void techrun_set_training(TechRun *run, const char *pin);
