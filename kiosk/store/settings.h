/* The configuration as the machine holds it: read from a file or from the
 * defaults embedded in the binary, and the state folder that every relative
 * path in it is resolved against. The schema itself is core/config.h. */
#pragma once

#include <glib.h>

#include "config.h"
#include "transport.h"

/* The largest configuration file config_load() reads (the shipped one is
 * some 6 KB); docs/configuration.md lists every such cap. */
#define CONFIG_FILE_MAX_BYTES (1024 * 1024)

/* Reads the whole of `path`, which must be a regular file of at most
 * `max_bytes`, for files an operator hands the kiosk (configuration,
 * photos). A FIFO, a device such as /dev/zero, a socket or a folder is
 * refused at once (opening does not wait for a FIFO's writer), and a
 * larger file without reading it all. *ret_contents is NUL-terminated
 * (free with g_free); ret_length may be NULL. G_FILE_ERROR: from open or
 * read, or G_FILE_ERROR_INVAL for a file that is not regular or too large
 * (the message says which, not the path). */
gboolean settings_read_file(const char *path, gsize max_bytes,
                            char **ret_contents, gsize *ret_length,
                            GError **error);

/* Loads `path`, or the embedded defaults when `path` is NULL, and validates
 * it. Paths stay as written (see config_resolve_path). The file is read
 * with settings_read_file() and CONFIG_FILE_MAX_BYTES. */
KioskConfig *config_load(const char *path, GError **error);

/* `path` made absolute against state_dir (which is created, mode 0700; an
 * existing one of ours that others may enter is tightened to 0700).
 * Absolute paths and ":memory:" are returned as they are; "" and "." give
 * state_dir itself. Returns a new string. */
char *config_resolve_path(const KioskConfig *config, const char *path);

/* For the kiosk itself (`run`): the state folder, made or tightened as
 * config_resolve_path() does, must be a folder of this process's user at
 * mode 0700. Another owner (a folder made by root for a kiosk that runs as
 * its own user, say), or a mode that could not be tightened, is a one-line
 * G_IO_ERROR naming the folder: the kiosk never runs on a state folder
 * looser than it asked for. */
gboolean settings_check_state_dir(const KioskConfig *config, GError **error);

/* Device options that name files or folders ("folder", "file") are, like
 * the configuration's own paths, relative to state_dir: makes them absolute
 * in `options` (a device option table, or a copy of one). */
void config_resolve_option_paths(const KioskConfig *config,
                                 GHashTable *options);

/* The embedded default file's text (for `biokiosk config dump`, tests). */
const char *config_embedded_defaults(void);

/* The upload target of `config` and its transport options: [upload]
 * target, or file:// of paths.outbox when that is empty (a relative outbox
 * is created in state_dir), with the [upload] paths made absolute. Checks
 * them as the transport will use them (transport_open_with_options():
 * URL, scheme, every file named, a certificate and key that match), so a
 * caller can stop at start-up, before any record is touched, with the
 * one-line message, which names the key and the file. *ret_url: free with
 * g_free(); *ret_options: transport_options_clear(). TRANSPORT_ERROR or
 * G_IO_ERROR (the outbox cannot be created). */
gboolean settings_upload_target(const KioskConfig *config, char **ret_url,
                                TransportOptions *ret_options, GError **error);
