/* The uploader: a thread of its own, with its own SQLite connection and
 * KioskQueue on the kiosk database, that runs queue_upload() for due records
 * whenever kicked (right after the app stored a record: it never waits for
 * a polling interval), when the earliest retry falls due, and at least every
 * `interval` seconds. It sleeps on the monotonic clock, so that a change of
 * the wall clock neither wakes it in a loop nor stalls it; a wake-up for a
 * retry comes up to a quarter of the wait later (jitter), so that kiosks
 * that failed together do not all retry at the same moment. The app thread
 * only calls the functions below; it never waits for a transfer. */
#pragma once

#include <glib.h>

#include "transport.h"

typedef struct _KioskUploader KioskUploader;

/* A snapshot of what the uploader has done since it started. */
typedef struct {
  gint64 last_pass; /* unix seconds of the last finished pass, or 0 */
  guint n_passes;
  guint n_acknowledged; /* records delivered and removed from the queue */
  guint n_failed;       /* failed attempts (each retried later) */
  guint n_quarantined;  /* records refused for good, kept for a person */
  /* Records in quarantine now (also from before this run), as of the last
   * pass: the officer's screen shows them (queue_release() clears). */
  guint quarantined_now;
  char *last_error;      /* of the last failed attempt or pass, or NULL */
  guint n_heartbeats;    /* checkpoints delivered (heartbeat.h) */
  gint64 last_heartbeat; /* unix seconds of the last delivered one, or 0 */
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

/* As uploader_start(), with the transport's `options` (transport.h; NULL =
 * none), which are checked with the target before the thread starts. */
KioskUploader *uploader_start_with_options(const char *database_path,
                                           const char *state_dir,
                                           const char *backoffice_public_key,
                                           const char *target_url,
                                           const TransportOptions *options,
                                           guint interval_s, GError **error);

/* Sends a signed checkpoint (heartbeat.h) to the same target every
 * `interval_s` seconds (0: never), the first one at once, whether or not
 * anything is queued; `location_id` and `version` go into each. Any thread;
 * the beats run on the uploader's thread, on a connection of their own. A
 * beat that fails is tried again at the next interval (its error is the
 * stats' last_error). */
void uploader_set_heartbeat(KioskUploader *uploader, guint interval_s,
                            const char *location_id, const char *version);

/* The devices' states for the next checkpoints ("camera=ok;pad=..."; NULL
 * = not known). Any thread. */
void uploader_set_device_states(KioskUploader *uploader, const char *states);

/* Asks for a pass now (returns at once; the pass runs on the thread). */
void uploader_kick(KioskUploader *uploader);

/* Copies the current stats into *ret_stats (free last_error with g_free()). */
void uploader_get_stats(KioskUploader *uploader, UploaderStats *ret_stats);

/* Stops the thread after any pass in progress, closes its connection and
 * frees the uploader. Accepts NULL. */
void uploader_stop(KioskUploader *uploader);
