/* The work behind each capture step, run on a device's worker thread: turn
 * what the device delivered into what the session shows and the record
 * keeps (decode, validate, crop, render, judge quality), and assemble the
 * person's record. Nothing here touches the UI or the session. */
#pragma once

#include <glib.h>

#include "device.h"
#include "image.h"
#include "photo-calibrate.h"
#include "photo.h"
#include "record.h"
#include "session.h"

/* Failures of the steps themselves (the devices' own are DRIVERS_ERROR).
 * Messages are technical English; the main thread shows the applicant a
 * translated sentence per code. */
#define STEPS_ERROR (steps_error_quark())
GQuark steps_error_quark(void);

typedef enum {
  STEPS_ERROR_UNREADABLE_PHOTO, /* the camera's still does not decode */
  STEPS_ERROR_MALFORMED_FINGER, /* the reader's image has the wrong size */
} StepsError;

/* Display sizes: the UI shows these, the record keeps the originals. */
#define STEPS_PREVIEW_MAX_W 640
#define STEPS_PREVIEW_MAX_H 720
/* Width the photo is analysed at: a 6000 x 4000 still is decoded at 1/4,
 * which keeps more than twice the pixels the 35 x 45 mm crop needs. */
#define STEPS_ANALYSIS_W 1200

typedef struct {
  GBytes *camera_jpeg; /* the camera's original still */
  BkImage *crop;       /* 35 x 45 mm document crop (RGB), may be NULL */
  BkImage *display;    /* RGB, fits STEPS_PREVIEW_MAX_W/H */
  gboolean accepted;
  gboolean referred;
  char **reasons;     /* validator reason codes */
  char **referrals;   /* doubtful codes the reasons do not name */
  GVariant *measures; /* a{sd}, validator measures */
  /* For the refusal screen (photo-marks.h): the failed region over
   * `display`, and the figures behind the reasons. */
  ViewMark marks[VIEW_MAX_MARKS];
  int n_marks;
  ReasonFigure figures[SESSION_MAX_FIGURES];
  int n_figures;
} PhotoOutcome;

typedef struct {
  GArray *samples;   /* PadSample */
  BkImage *rendered; /* grey, for display and the record */
  gboolean ok;
  char **reasons;
  DeviceInfo pad; /* the pad that took it (backend, model, serial,
                     firmware); empty when unknown */
} SignatureOutcome;

typedef struct {
  int finger;     /* FingerPosition */
  BkImage *image; /* grey, 500 ppi */
  int ppi;
  int quality;  /* 0..100 */
  int minutiae; /* -1 unknown */
  gboolean ok;
  char **reasons;
  int impression;  /* best of three: which one this is (1-based), 0 n/a */
  int impressions; /* ... of how many taken */
  char *selection; /* ... and why it was kept (finger-best.h) */
} FingerOutcome;

void photo_outcome_clear(PhotoOutcome *outcome);
void signature_outcome_clear(SignatureOutcome *outcome);
void finger_outcome_clear(FingerOutcome *outcome);

/* A copy of `image` fitted into max_w x max_h, keeping its aspect (never
 * enlarged). */
BkImage *steps_fit(const BkImage *image, int max_w, int max_h);

/* Decodes and validates a still of a person aged `age` years (-1 unknown:
 * adult rules) who did or did not declare a head covering. The analysis runs
 * on a DCT-scaled decode (STEPS_ANALYSIS_W wide at least), the crop is taken
 * from it; the camera's JPEG goes into the record untouched. A refused photo
 * is an outcome, not an error; the error is for undecodable data. */
gboolean steps_photo(PhotoValidator *validator, GBytes *jpeg,
                     gboolean head_covering, int age, PhotoOutcome *ret_outcome,
                     GError **error);
/* The same with the kiosk's backdrop calibration (photo-calibrate.h; NULL:
 * none) as the validator's PhotoRequest.background; the outcome's measures
 * then carry "backdrop_captured_at" (unix s). */
gboolean steps_photo_calibrated(PhotoValidator *validator, GBytes *jpeg,
                                gboolean head_covering, int age,
                                const PhotoBackdrop *backdrop,
                                PhotoOutcome *ret_outcome, GError **error);

/* The cheap live-view check: reason codes to guide the applicant before the
 * shot ("come closer"), what they can fix first; a NULL-terminated array
 * (g_strfreev), empty when the frame would pass. Runs on the photo thread
 * (it shares the validator with steps_photo). */
char **steps_guide(PhotoValidator *validator, const BkImage *frame,
                   gboolean head_covering, int age);
char **steps_guide_calibrated(PhotoValidator *validator, const BkImage *frame,
                              gboolean head_covering, int age,
                              const PhotoBackdrop *backdrop);

/* Renders and checks a signature (takes `samples`). */
gboolean steps_signature(GArray *samples, SignatureOutcome *ret_outcome,
                         GError **error);

/* Judges a fingerprint image (takes `pixels`). */
gboolean steps_finger(int finger, int width, int height, int ppi,
                      GBytes *pixels, int minutiae, FingerOutcome *ret_outcome,
                      GError **error);

/* Everything one person's record is made of. */
typedef struct {
  const SessionPerson *person;
  const char *location_id;
  const char *kiosk_version;
  GDateTime *captured_at;
  const PhotoOutcome *photo;         /* may be NULL when not planned */
  const SignatureOutcome *signature; /* may be NULL */
  const FingerOutcome *fingers[2];   /* may be NULL */
  const char *const *devices;        /* "class=backend model serial" lines */
  /* The officer's exception photos (JPEG) by FingerPosition, NULL where
   * none; an exception marked `photo` names its part. May be NULL. */
  GBytes *const *exception_photos;
} RecordInput;

/* The person's record (in memory; the caller stores it with
 * queue_store_record() and frees it, which wipes it). */
BkRecord *steps_build_record(const RecordInput *input, GError **error);
