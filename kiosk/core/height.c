/* The seated layout's height guidance (height.h). A camera that cannot
 * move is the officer's job: the applicant is never asked to do what they
 * cannot. */
#include "height.h"

#include <glib/gi18n.h>

const char *height_guidance_code(double face_y, double face_h, int frame_h)
{
  double centre;

  if (frame_h <= 0 || face_h <= 0)
    return NULL;
  centre = (face_y + face_h / 2) / frame_h;
  if (centre < HEIGHT_FACE_TOP_MAX)
    return HEIGHT_CAMERA_TOO_LOW;
  if (centre > HEIGHT_FACE_BOTTOM_MIN)
    return HEIGHT_CAMERA_TOO_HIGH;
  return NULL;
}

gboolean height_guidance_is(const char *code)
{
  return g_strcmp0(code, HEIGHT_CAMERA_TOO_HIGH) == 0 ||
         g_strcmp0(code, HEIGHT_CAMERA_TOO_LOW) == 0;
}

const char *height_guidance_text(const char *code, gboolean adjustable)
{
  gboolean high = g_strcmp0(code, HEIGHT_CAMERA_TOO_HIGH) == 0;

  if (!height_guidance_is(code))
    return NULL;
  if (!adjustable)
    return high ? _("The camera is too high for you. Please call the officer.")
                : _("The camera is too low for you. Please call the officer.");
  return high ? _("The camera is too high for you. Please move it down until "
                  "your face is inside the oval.")
              : _("The camera is too low for you. Please move it up until your "
                  "face is inside the oval.");
}
