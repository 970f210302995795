/* What the demo needs on disk before it starts: a folder of portrait JPEGs
 * for the simulated camera (drawn by us, no real person), and its own
 * private folders, which it clears only when it made them. */
#pragma once

#include <glib.h>

/* Draws the demo's synthetic portrait(s) into `dir` (created when absent)
 * as JPEG files. Deterministic: the same bytes on every run. */
gboolean demo_media_write_portraits(const char *dir, GError **error);

/* The file that marks a folder as made by the demo (and so as the demo's to
 * clear). */
#define DEMO_MEDIA_MARKER ".biokiosk-demo"

/* Makes `path` a fresh, empty folder of the demo's: created with mode 0700
 * and marked. A folder an earlier demo made (it has the marker) is cleared
 * first; anything else at `path` is refused with G_IO_ERROR_EXISTS and left
 * as it is. */
gboolean demo_media_prepare_folder(const char *path, GError **error);

/* Removes `path` and everything below it (no symlinks followed). */
gboolean demo_media_remove_tree(const char *path, GError **error);
