/* The running kiosk: configuration, database, devices on their worker
 * threads, the session, the record queue, and the event-driven loop that
 * ties them to a front end. The front end is an interface so that the
 * runtime does not depend on ui/ (cli/main.c passes the SDL one).
 *
 * The loop sleeps until the next input, the next worker result or camera
 * frame (workers wake it through Frontend.wake), or the session's next
 * deadline; nothing polls on a fixed interval. */
#pragma once

#include <glib.h>

#include "session.h"
#include "settings.h"
#include "speech.h"
#include "view.h"

/* What the application needs from a front end. */
typedef struct {
  /* Draws the view. Main thread; must not be NULL. */
  void (*render)(gpointer data, const KioskView *view);
  /* Waits up to timeout_ms (negative: without limit) for an intent or a
   * wake(); TRUE with `ret_intent` filled for an intent, FALSE when woken
   * or timed out. Main thread; must not be NULL. */
  gboolean (*next_intent)(gpointer data, int timeout_ms,
                          KioskIntent *ret_intent);
  /* Makes a waiting (or the next) next_intent() return. Called from any
   * thread, never blocks; must not be NULL. */
  void (*wake)(gpointer data);
  /* Pushes a synthetic touch on a target (demo/tests). Main thread; may be
   * NULL. */
  gboolean (*press)(gpointer data, const char *target);
  /* Saves the last frame as PNG (demo/tests). Main thread; may be NULL. */
  gboolean (*screenshot)(gpointer data, const char *path, GError **error);
  gpointer data;
  /* Opens the audio output `device` ("" = the default) for mono signed
   * 16-bit samples at `rate` Hz and starts it: from then on its own thread
   * calls pull(pull_data, samples, n) for every buffer. Returns a handle
   * for audio_close(), or NULL with `error`. Main thread; may be NULL
   * (no sound: spoken guidance stays off). */
  gpointer (*audio_open)(const char *device, int rate,
                         void (*pull)(gpointer pull_data, gint16 *samples,
                                      int n),
                         gpointer pull_data, GError **error);
  /* Closes what audio_open() returned; pull is not called after it.
   * Main thread; set when audio_open is. */
  void (*audio_close)(gpointer handle);
} Frontend;

typedef struct App App;

/* The officer PIN of the shipped configuration's demo hash. */
#define APP_DEMO_PIN "2468"

/* TRUE when the configured officer.pin_hash accepts APP_DEMO_PIN (one
 * argon2id verification: a fraction of a second). A kiosk that seals to a
 * real back-office key must not run with it: `run` refuses unless told
 * --allow-demo-pin, and app_new() warns in the log and on every screen. */
gboolean app_uses_demo_pin(const KioskConfig *config);

/* Opens the database (importing nothing), the queue and the configured
 * devices. A device that cannot be opened is not an error here: the kiosk
 * starts and shows the device's state (the worker keeps trying). */
App *app_new(KioskConfig *config, GError **error);
void app_free(App *app); /* accepts NULL */

/* The database connection, for importing appointments before running. */
gpointer app_database(App *app);

/* Delivers every queued record to the configured outbox now (the demo;
 * `run` leaves this to the uploader thread). *ret_delivered counts the
 * acknowledged ones. */
gboolean app_upload(App *app, guint *ret_delivered, GError **error);

/* Interactive loop until the front end sends INTENT_QUIT. Returns an exit
 * status. `first_frame` (may be NULL) is called once, right after the first
 * frame was presented; returning FALSE ends the loop (start-up check). */
int app_run(App *app, const Frontend *frontend,
            gboolean (*first_frame)(gpointer), gpointer first_frame_data);

/* ---- for drivers of the loop other than app_run (the demo, tests) ---- */

/* The session (state and view) the application runs. Main thread. */
Session *app_session(App *app);

/* Draws the session's view now. */
void app_render(App *app, const Frontend *frontend);

/* Handles input, results and deadlines, sleeping on the front end between
 * them, until no device or worker job that the session waits for is in
 * flight. FALSE with G_IO_ERROR_TIMED_OUT when that takes longer than
 * `timeout_us`. */
gboolean app_settle(App *app, const Frontend *frontend, gint64 timeout_us,
                    GError **error);

/* The newest device failure's message, or NULL (the demo treats any as a
 * fault). */
const char *app_last_device_error(App *app);

/* TRUE while the application keeps captured data of a person (a photo,
 * a signature, prints, exception photos): tests check that the idle reset
 * leaves none. */
gboolean app_holds_person_data(App *app);

/* Ids of the records stored since app_new(), in order. */
const GPtrArray *app_stored_records(App *app);

/* The spoken guidance's engine (speech-guide.h), NULL when the kiosk does
 * not speak; for the bench and tests. */
Speech *app_speech(App *app);

/* The automatic backdrop calibration (photo-calibrate.h), and the
 * measures of the current person's photo (a{sd}; NULL before one was
 * taken). Main thread; for tests. */
typedef struct PhotoCalibrator PhotoCalibrator;
PhotoCalibrator *app_backdrop(App *app);
GVariant *app_photo_measures(App *app);

/* The technician screen (technician-run.h). Main thread. */
typedef struct TechRun TechRun;
TechRun *app_technician(App *app);

/* ---- training mode (kiosk/demo/training.c) ---- */

/* A layer between the session and the front end. `view` may decorate or
 * replace the session's view before it is drawn: it returns `view` or one
 * of its own, valid until its next call. `intent` may take an intent for
 * itself: TRUE keeps it from the session, and the screen is drawn again.
 * Main thread; either member may be NULL. */
typedef struct {
  const KioskView *(*view)(gpointer data, const KioskView *view);
  gboolean (*intent)(gpointer data, const KioskIntent *intent);
  GDestroyNotify destroy; /* frees `data` when the layer goes */
  gpointer data;
} AppLayer;

/* Installs `layer` (copied; NULL removes it), after the previous one's
 * destroy(); app_free() calls this one's. */
void app_set_layer(App *app, const AppLayer *layer);

/* Puts `subject` (a simulated camera's, "scenario-two-faces") in front of
 * the camera for every person from the next live view on; "" puts person
 * N of the appointment as "#N" whatever the configuration names; NULL
 * goes back to camera.subject when configured, else "#N". */
void app_set_camera_subject(App *app, const char *subject);
