/* The running kiosk: configuration, database, devices on their worker
 * threads, the session, the record queue, and the loop that ties them to a
 * front end. The front end is an interface so that kiosk/ does not depend
 * on ui/ (main.c passes the SDL one). */
#pragma once

#include <glib.h>

#include "settings.h"
#include "view.h"

/* What the application needs from a front end. All members are called on
 * the main thread only. */
typedef struct {
  /* Draws the view; must not be NULL. */
  void (*render)(gpointer data, const KioskView *view);
  /* Waits up to timeout_ms for an intent; must not be NULL. */
  gboolean (*next_intent)(gpointer data, int timeout_ms,
                          KioskIntent *ret_intent);
  /* Pushes a synthetic touch on a target (demo/tests); may be NULL. */
  gboolean (*press)(gpointer data, const char *target);
  /* Saves the last frame as PNG (demo/tests); may be NULL. */
  gboolean (*screenshot)(gpointer data, const char *path, GError **error);
  gpointer data;
} Frontend;

typedef struct App App;

/* Opens the database (importing nothing), the queue and the configured
 * devices. A device that cannot be opened is not an error here: the kiosk
 * starts and shows the device's state (the worker keeps trying). */
App *app_new(KioskConfig *config, GError **error);
void app_free(App *app); /* accepts NULL */

/* The database connection, for importing appointments before running. */
gpointer app_database(App *app);

/* Delivers every queued record to the configured outbox folder now (the
 * demo; `run` leaves this to the uploader thread). *ret_delivered counts the
 * acknowledged ones. */
gboolean app_upload(App *app, guint *ret_delivered, GError **error);

/* Interactive loop until the front end sends INTENT_QUIT. Returns an exit
 * status. `first_frame` (may be NULL) is called once, right after the first
 * frame was presented; returning FALSE ends the loop (start-up check). */
int app_run(App *app, const Frontend *frontend,
            gboolean (*first_frame)(gpointer), gpointer first_frame_data);

/* One appointment end to end, driven by synthetic touches through the front
 * end: checks in with `code` as of `clock`, takes every person through every
 * step, and writes a PNG of every screen it passes to `screens_dir`.
 * Returns the ids of the stored records (NULL-terminated, g_strfreev) or
 * NULL with an error. */
char **app_demo(App *app, const Frontend *frontend, const char *code,
                GDateTime *clock, const char *screens_dir, GError **error);
