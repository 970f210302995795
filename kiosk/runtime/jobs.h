/* The work the main thread hands to a worker (Job) and what comes back
 * (Result). A job is owned by the worker once pushed; a result by the main
 * thread once delivered. Both carry the person epoch they were made in: a
 * result from an older epoch belongs to a person whose data was discarded
 * or whose device work was cancelled, and is dropped. */
#pragma once

#include <glib.h>

#include "exception-photo.h"
#include "image.h"
#include "photo-calibrate.h"
#include "record.h"
#include "steps.h"

typedef struct FingerBest FingerBest; /* finger-best.h */

typedef enum {
  JOB_PHOTO,           /* analyse a still (photo worker) */
  JOB_GUIDE,           /* check a live-view frame (photo worker); advisory */
  JOB_SIGNATURE,       /* collect and check a signature (pad worker) */
  JOB_FINGER,          /* capture and judge one finger (reader worker); with
                          `best` set: compare its impressions and choose */
  JOB_STORE,           /* seal and queue a record (store worker) */
  JOB_BACKDROP,        /* measure an empty-backdrop still (photo worker) */
  JOB_EXCEPTION_PHOTO, /* the officer's plain still of the hand for a
                          finger exception: no validator (photo worker) */
  JOB_PIN,             /* verify an officer's PIN (PIN worker) */
} JobType;

typedef struct {
  JobType type;
  guint64 epoch;
  int timeout_ms;         /* device jobs: the session's limit for the step */
  int finger;             /* JOB_FINGER, JOB_EXCEPTION_PHOTO: FingerPosition */
  gboolean head_covering; /* JOB_PHOTO, JOB_GUIDE: declared */
  int age;                /* JOB_PHOTO, JOB_GUIDE: years, -1 unknown */
  GBytes *jpeg;           /* JOB_PHOTO, JOB_EXCEPTION_PHOTO: the still */
  BkImage *frame;         /* JOB_GUIDE: a live-view frame */
  /* JOB_PHOTO, JOB_GUIDE: the backdrop calibration in use (a reference),
   * or NULL */
  PhotoBackdrop *backdrop;
  char *subject;    /* JOB_FINGER: who is at the reader (simulators) */
  BkRecord *record; /* JOB_STORE: the record (wiped when freed) */
  FingerBest *best; /* JOB_FINGER: pick the best of these (owned) */
  /* JOB_PIN: the PIN (wiped with the job), the named officer's hash (NULL:
   * the bootstrap PIN, or an unknown id when `pin_named`), the bootstrap
   * hash (the decoy of an unknown id), and the session's check number. */
  char pin[SESSION_PIN_MAX_DIGITS + 1];
  gboolean pin_named;
  char *pin_hash;
  char *pin_bootstrap_hash;
  guint pin_check;
} Job;

typedef struct {
  JobType type;
  guint64 epoch;
  GError *error; /* the device or the work failed */
  PhotoOutcome photo;
  SignatureOutcome signature;
  FingerOutcome finger;
  char *record_id;  /* JOB_STORE */
  char **guidance;  /* JOB_GUIDE: reason codes, NULL-terminated */
  FingerBest *best; /* JOB_FINGER with best: back, chosen (owned) */
  ExceptionPhoto exception_photo; /* JOB_EXCEPTION_PHOTO */
  PhotoBackdrop *backdrop; /* JOB_BACKDROP: the new one (owned), or NULL */
  int pin_verdict;         /* JOB_PIN: OfficerPinVerdict */
  guint pin_check;         /* JOB_PIN: the job's pin_check */
} Result;

Job *job_new(JobType type);
void job_free(Job *job);          /* accepts NULL */
void result_free(Result *result); /* accepts NULL */
