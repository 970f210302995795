/* Pieces of the libgphoto2 camera backend that tests reach directly: the
 * mapping of libgphoto2 results to drivers errors and the search for the
 * desktop's gvfs, which claims USB cameras before the kiosk can. Private to
 * drivers/ and tests. */
#pragma once

#include "camera.h"

/* Maps a libgphoto2 result code (< 0) to a DriversError. */
DriversError camera_gphoto2_error_code(int gp_result);

/* Looks through `proc_root` (normally "/proc") for a running gvfs gphoto2
 * monitor or backend. Returns a newly allocated "name (pid N)" of the first
 * one, or NULL when there is none. */
char *camera_gphoto2_find_gvfs(const char *proc_root);

/* Whether `data` looks like a complete JPEG: starts with SOI and has EOI in
 * its last bytes (cameras may pad after EOI). */
gboolean camera_gphoto2_jpeg_complete(const guint8 *data, gsize len);
