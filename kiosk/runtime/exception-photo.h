/* The officer's exception photo (docs/fingerprints.md): a plain still of
 * the applicant's hand, taken through the portrait's camera path but not
 * judged by the portrait validator. The photo worker decodes it at a
 * reduced size and keeps a modest JPEG for the record, where it goes next
 * to the finger exception it belongs to (fingerprint.exceptions[].photo).
 * Nothing here touches the UI or the session. */
#pragma once

#include <glib.h>

#include "image.h"

/* The stored photo's longest side (pixels) and its JPEG quality: enough
 * to show a missing or bandaged finger, far less than a 24 MP still. */
#define EXCEPTION_PHOTO_MAX_SIDE 1600
#define EXCEPTION_PHOTO_QUALITY  85
/* Photos kept per person, indexed by FingerPosition (1..10). */
#define EXCEPTION_PHOTO_SLOTS 11

typedef struct {
  int finger;       /* FingerPosition of the exception */
  GBytes *jpeg;     /* for the record; wipes itself when freed */
  BkImage *display; /* RGB, fits STEPS_PREVIEW_MAX_W x STEPS_PREVIEW_MAX_H */
} ExceptionPhoto;

/* Frees what `photo` holds and zeroes it; accepts an empty one. */
void exception_photo_clear(ExceptionPhoto *photo);

/* Makes the exception photo of `finger` from the camera's still: decoded
 * with libjpeg's DCT scaling, fitted into EXCEPTION_PHOTO_MAX_SIDE, encoded
 * at EXCEPTION_PHOTO_QUALITY. FALSE with STEPS_ERROR_UNREADABLE_PHOTO
 * when the still does not decode (*ret untouched). Runs on the photo
 * worker's thread. */
gboolean exception_photo_make(GBytes *camera_jpeg, int finger,
                              ExceptionPhoto *ret, GError **error);
