/* The camera's worker thread: owns the BkCamera (every libgphoto2 call
 * happens here, never on the UI thread), runs live view, decodes each frame
 * scaled to the display and keeps only the newest one, takes stills on
 * request, and heals itself: a camera that is unplugged, asleep, busy or
 * claimed is reported through its DeviceState and reopened with backoff,
 * back within 2 s of the camera returning, without a restart. */
#pragma once

#include "camera.h"
#include "image.h"

typedef struct CameraWorker CameraWorker;

/* Starts the worker for backend `name` with `options` (copied). The camera
 * is opened on the worker thread; until then the state is ABSENT. Returns
 * NULL with DRIVERS_ERROR_UNKNOWN_BACKEND for a name not in the registry.
 * Frames are decoded to fit within display_w x display_h (aspect kept).
 * Besides the backend's own options, the six setting names ("iso",
 * "aperture", ...) in `options` are applied after every (re)open. Free with
 * camera_worker_free(). */
CameraWorker *camera_worker_new(const char *backend, DeviceOptions *options,
                                int display_w, int display_h, GError **error);

/* Stops the thread (waits for the current camera call to end) and closes
 * the camera; accepts NULL. */
void camera_worker_free(CameraWorker *worker);

/* Turns live view on or off. Does not block. */
void camera_worker_set_liveview(CameraWorker *worker, gboolean enabled);

/* The newest decoded frame (RGB), or NULL when none newer than the last one
 * taken has arrived. The caller owns the image. `ret_seq` (may be NULL)
 * gets its sequence number; gaps mean frames were dropped because the UI
 * was slower than the camera. `ret_available_us` (may be NULL) gets the
 * monotonic time at which the frame was ready. Does not block on the
 * camera. */
BkImage *camera_worker_take_frame(CameraWorker *worker, guint64 *ret_seq,
                                  gint64 *ret_available_us);

/* Puts `subject` in front of a simulated camera (its setting "subject": a
 * name from its folder, or "#N" for the Nth by name), before the next live
 * frame or still and again after every reopen. A real camera, or a subject
 * the folder lacks, leaves the picture as it is (logged at debug level);
 * NULL forgets the choice. Does not block. */
void camera_worker_set_subject(CameraWorker *worker, const char *subject);

/* Asks for a still. The answer arrives through camera_worker_poll_still()
 * and, if set, the notify callback. Does not block. */
void camera_worker_request_still(CameraWorker *worker);

/* The next still result without blocking: the JPEG bytes (caller owns), or
 * NULL with `error` set when the capture failed, or NULL without error when
 * no result is ready yet. */
GBytes *camera_worker_poll_still(CameraWorker *worker, GError **error);

/* Like poll, but waits up to `timeout_ms` for a result (for tools and
 * tests; the UI thread polls instead). */
GBytes *camera_worker_wait_still(CameraWorker *worker, guint timeout_ms,
                                 GError **error);

/* When set, `func(data)` runs on `context` (NULL: the default context)
 * after each still result or state change. Set before use, not while the
 * worker runs results. */
void camera_worker_set_notify(CameraWorker *worker, GMainContext *context,
                              GSourceFunc func, gpointer data);

/* When set, `wake(data)` is called on the worker's thread after each new
 * live frame, still result and state change; it must not block (the
 * application's loop uses it to sleep until there is news). Set before
 * live view is turned on. */
void camera_worker_set_wake(CameraWorker *worker, void (*wake)(gpointer data),
                            gpointer data);

/* The health as the kiosk shows it, and a one-line reason (caller frees;
 * `ret_message` may be NULL). */
DeviceState camera_worker_state(CameraWorker *worker, char **ret_message);

/* Identity of the open camera, from its last successful open. FALSE when
 * it was never open. */
gboolean camera_worker_describe(CameraWorker *worker, DeviceInfo *ret_info);

/* The six settings ("iso", "aperture", ...) as the camera reported them
 * after its last open: name (static) -> value; a setting it cannot read is
 * absent. Caller frees. */
GHashTable *camera_worker_read_settings(CameraWorker *worker);

/* Counters since start: frames decoded, frames dropped before the UI took
 * them, frames the camera sent damaged, reconnects done. */
typedef struct {
  guint64 frames;
  guint64 dropped;
  guint64 corrupt;
  guint64 reconnects;
} CameraWorkerStats;

void camera_worker_stats(CameraWorker *worker, CameraWorkerStats *ret_stats);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CameraWorker, camera_worker_free)
