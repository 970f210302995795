/* The scripted demo: one appointment end to end on the simulated devices,
 * driven through the real front end with synthetic touches, with a
 * screenshot of every screen it passes. Used by `biokiosk demo` and the
 * tests; never by `run`. */
#pragma once

#include <glib.h>

#include "app.h"
#include "session.h"

/* The sample schedule's family appointment (config/sample-schedule.json,
 * embedded) and the officer PIN of the embedded configuration's demo hash. */
#define DEMO_CODE "48213907"
#define DEMO_PIN  APP_DEMO_PIN
/* The demo's named officers (config/demo-officers.json, docs/officers.md):
 * the desk officer with the demo PIN, and a second one for four eyes. */
#define DEMO_OFFICER        "1001"
#define DEMO_SECOND_OFFICER "1002"
#define DEMO_SECOND_PIN     "1357"

/* The demo runs on simulated devices only: its screenshots and records
 * are written for show, not guarded like an applicant's. TRUE when the
 * camera is "sim", the pad "sim" or "touch" (signed with the demo's own
 * synthetic touches) and the reader is "sim" or libfprint's
 * virtual reader fed with synthetic prints (virtual_image_feed=synthetic);
 * otherwise FALSE with G_IO_ERROR_NOT_SUPPORTED naming the device. */
gboolean demo_check_devices(const KioskConfig *config, GError **error);

/* Checks in with `code` as of `clock` (NULL: the appointment's start),
 * takes every person through every step, and writes a PNG of every screen
 * to `screens_dir` (created 0700 when absent; each file 0600). The front
 * end must support press and
 * screenshot. Returns the ids of the stored records (NULL-terminated,
 * g_strfreev) or NULL with an error. */
char **demo_run(App *app, const Frontend *frontend, const char *code,
                GDateTime *clock, const char *screens_dir, GError **error);

/* Plays the same script without screenshots until the session reaches
 * `until` (the photo step, say), for benchmarks and tests that need the
 * real application in a given state. FALSE with an error when a device
 * fails or the appointment ends first. */
gboolean demo_walk(App *app, const Frontend *frontend, const char *code,
                   GDateTime *clock, SessionState until, GError **error);
