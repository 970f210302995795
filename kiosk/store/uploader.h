/* The uploader: a thread of its own, with its own SQLite connection and
 * KioskQueue on the kiosk database, that runs queue_upload() for due records
 * every `interval` seconds and whenever kicked (right after the app stored a
 * record). The app thread only calls the functions below; it never waits
 * for a transfer. */
#pragma once

#include <glib.h>

typedef struct _KioskUploader KioskUploader;

/* A snapshot of what the uploader has done since it started. */
typedef struct {
  gint64 last_pass; /* unix seconds of the last finished pass, or 0 */
  guint n_passes;
  guint n_acknowledged; /* records delivered and removed from the queue */
  guint n_failed;       /* failed attempts (each retried later) */
  char *last_error;     /* of the last failed attempt or pass, or NULL */
} UploaderStats;

/* Opens `database_path` and a queue on it (keys from `state_dir` and
 * `backoffice_public_key`, as queue_open()), checks `target_url`, then
 * starts the thread, which makes a first pass at once. Errors in any of
 * these are returned here; later failures are only counted in the stats.
 * Call after the app's own queue_open() (which initialises libcurl). */
KioskUploader *uploader_start(const char *database_path, const char *state_dir,
                              const char *backoffice_public_key,
                              const char *target_url, guint interval_s,
                              GError **error);

/* Asks for a pass now (returns at once; the pass runs on the thread). */
void uploader_kick(KioskUploader *uploader);

/* Copies the current stats into *ret_stats (free last_error with g_free()). */
void uploader_get_stats(KioskUploader *uploader, UploaderStats *ret_stats);

/* Stops the thread after any pass in progress, closes its connection and
 * frees the uploader. Accepts NULL. */
void uploader_stop(KioskUploader *uploader);
