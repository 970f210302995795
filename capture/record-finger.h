/* A finger image as the record keeps it (docs/record-format.md): the raw
 * grey pixels as part "<name>" (image/x-grey8, with <name>.width, .height
 * and .ppi), and the same image as an ISO/IEC 19794-4:2005 finger image
 * record, JPEG 2000 lossless, as part "<name>.iso19794-4"
 * (application/x-iso19794-4). And the officer's photo for a finger
 * exception, a JPEG part of its own. */
#pragma once

#include "image.h"
#include "record.h"

#define RECORD_FINGER_ISO_SUFFIX ".iso19794-4"
/* The exception photo of finger "<finger>" is part
 * RECORD_FINGER_EXCEPTION_PHOTO_PREFIX "<finger>". */
#define RECORD_FINGER_EXCEPTION_PHOTO_PREFIX "finger-exception/"

/* Adds both parts for the 1-channel `image` of finger `position` (1..10)
 * at `ppi` with `quality` (0..100, -1 unknown). FALSE with the encoder's
 * error, adding nothing. */
gboolean record_add_finger_image(BkRecord *record, const char *name,
                                 const BkImage *image, int ppi, int position,
                                 int quality, GError **error);

/* Adds the officer's exception photo (JPEG bytes, copied) for `finger`
 * (its record name, e.g. "right_index") as an image/jpeg part; returns the
 * part's name for fingerprint.exceptions[].photo (g_free). */
char *record_add_finger_exception_photo(BkRecord *record, const char *finger,
                                        GBytes *jpeg);
