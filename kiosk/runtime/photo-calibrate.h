/* The kiosk's own backdrop calibration: it shoots the empty photo corner at
 * start-up and again whenever nobody has been at the kiosk for
 * [photo] backdrop_idle_s, keeps that frame as the calibration of every
 * photo and live-view check (PhotoRequest.background), and compares its
 * white balance, uniformity and brightness with the technician's reference
 * (store/calibration.h, backdrop.json) and the absolute limits, telling the
 * technician when they drift. A frame with a face in it is not a backdrop
 * and is dropped. The frame is decoded and measured on the photo worker
 * (photo_backdrop_from_jpeg()); the schedule runs on the main thread. */
#pragma once

#include <glib.h>

#include "calibration.h"
#include "config.h"
#include "image.h"
#include "photo.h"

/* A backdrop frame and its measurements; immutable once made, shared by
 * reference between the main thread and the photo worker. */
typedef struct {
  BkImage *image;     /* RGB, at the validator's analysis size */
  Calibration values; /* measured on `image`; captured_at in unix s */
} PhotoBackdrop;

PhotoBackdrop *photo_backdrop_ref(PhotoBackdrop *backdrop);
void photo_backdrop_unref(PhotoBackdrop *backdrop); /* accepts NULL */

/* Photo worker: decodes `jpeg` to `width` px wide, measures it and checks
 * that nobody is in it (photo_guide() finds no face). NULL with an error
 * (G_IO_ERROR_INVALID_DATA unreadable, G_IO_ERROR_EXISTS someone in frame)
 * otherwise. */
PhotoBackdrop *photo_backdrop_from_jpeg(PhotoValidator *validator, GBytes *jpeg,
                                        int width, GError **error);

/* What drifted past [photo] backdrop_drift_* against `reference` (may be
 * NULL: no technician's calibration) or past the absolute limits
 * (calibration_acceptable()), as one line for the technician; NULL when
 * nothing did. Caller frees. */
char *photo_backdrop_drift(const KioskConfig *config,
                           const Calibration *reference,
                           const Calibration *now);

/* The main thread's schedule of automatic shots. */
typedef struct PhotoCalibrator PhotoCalibrator;

PhotoCalibrator *photo_calibrator_new(const KioskConfig *config, gint64 now_us);
void photo_calibrator_free(PhotoCalibrator *calibrator); /* accepts NULL */

/* Someone is at the kiosk (a person's steps, the technician): the next
 * shot waits until backdrop_idle_s after the last such moment. */
void photo_calibrator_busy(PhotoCalibrator *calibrator, gint64 now_us);

/* TRUE when a shot is due now and none is under way. */
gboolean photo_calibrator_due(const PhotoCalibrator *calibrator, gint64 now_us);

/* When the next shot is due (monotonic); G_MAXINT64 when never or one is
 * under way. */
gint64 photo_calibrator_deadline(const PhotoCalibrator *calibrator);

/* A shot was asked for; its answer comes to photo_calibrator_done(). */
void photo_calibrator_asked(PhotoCalibrator *calibrator);

/* The shot's outcome: a new backdrop (taken; used from now on when it
 * passes calibration_acceptable(), else the last good one stays), or the
 * error that kept it from being one (tried again later). Returns TRUE
 * when the technician's status changed (photo_calibrator_status()). */
gboolean photo_calibrator_done(PhotoCalibrator *calibrator,
                               PhotoBackdrop *backdrop, const GError *error,
                               gint64 now_us);

/* The backdrop in use (borrowed; take a reference to keep it), or NULL. */
PhotoBackdrop *photo_calibrator_backdrop(PhotoCalibrator *calibrator);

/* The technician's status line of the automatic backdrop, e.g.
 * "taken 14:02, within limits" or what drifted; NULL before the first
 * attempt. `ret_drifted` (may be NULL) is TRUE when something drifted. */
const char *photo_calibrator_status(const PhotoCalibrator *calibrator,
                                    gboolean *ret_drifted);

/* TRUE when the last backdrop drifted past the limits. */
gboolean photo_calibrator_drifted(const PhotoCalibrator *calibrator);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PhotoBackdrop, photo_backdrop_unref)
