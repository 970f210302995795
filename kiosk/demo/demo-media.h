/* What the demo needs on disk before it starts: a folder of portrait JPEGs
 * for the simulated camera (drawn by us, no real person), and a helper to
 * clear a folder the demo made earlier. */
#pragma once

#include <glib.h>

/* Draws the demo's synthetic portrait(s) into `dir` (created when absent)
 * as JPEG files. Deterministic: the same bytes on every run. */
gboolean demo_media_write_portraits(const char *dir, GError **error);

/* Removes `path` and everything below it (no symlinks followed). */
gboolean demo_media_remove_tree(const char *path, GError **error);
