/* The configuration as the machine holds it: read from a file or from the
 * defaults embedded in the binary, and the state folder that every relative
 * path in it is resolved against. The schema itself is core/config.h. */
#pragma once

#include <glib.h>

#include "config.h"

/* Loads `path`, or the embedded defaults when `path` is NULL, and validates
 * it. Paths stay as written (see config_resolve_path). */
KioskConfig *config_load(const char *path, GError **error);

/* `path` made absolute against state_dir (which is created, mode 0700).
 * Absolute paths and ":memory:" are returned as they are; "" and "." give
 * state_dir itself. Returns a new string. */
char *config_resolve_path(const KioskConfig *config, const char *path);

/* Device options that name files or folders ("folder", "file") are, like
 * the configuration's own paths, relative to state_dir: makes them absolute
 * in `options` (a device option table, or a copy of one). */
void config_resolve_option_paths(const KioskConfig *config,
                                 GHashTable *options);

/* The embedded default file's text (for `biokiosk config dump`, tests). */
const char *config_embedded_defaults(void);
