/* Height guidance for the seated layout (docs/ui.md): where a live-view
 * frame's face sits tells whether the camera is too high or too low for
 * the person in front of it, and the applicant is told so in words that
 * depend on whether they can move the camera themselves
 * ([kiosk] camera_height_adjustable). */
#pragma once

#include <glib.h>

/* Guidance codes, next to the photo validator's reason codes in a
 * live-view result. */
#define HEIGHT_CAMERA_TOO_HIGH "camera_too_high" /* face low in the frame */
#define HEIGHT_CAMERA_TOO_LOW  "camera_too_low"  /* face high in the frame */

/* The face's centre as a share of the frame's height, top 0: above
 * HEIGHT_FACE_TOP_MAX the camera is too low, below HEIGHT_FACE_BOTTOM_MIN
 * it is too high. The screen's face oval is centred at 0.45. */
#define HEIGHT_FACE_TOP_MAX    0.25
#define HEIGHT_FACE_BOTTOM_MIN 0.65

/* The code for a face box (its top and height) in a frame `frame_h` high,
 * or NULL when the height is right or nothing is known (no frame height). */
const char *height_guidance_code(double face_y, double face_h, int frame_h);

/* TRUE for the codes above. */
gboolean height_guidance_is(const char *code);

/* The applicant's sentence for a code (translated), or NULL for another. */
const char *height_guidance_text(const char *code, gboolean adjustable);
