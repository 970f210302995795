/* The technician screen's state machine (docs/appliance.md): closed, PIN
 * entry, or open on one of its pages. Like the session it does no I/O and
 * reads no clock: events come in with monotonic time, work goes out as
 * requests, and it presents a KioskView. What a page shows (device states,
 * settings, the queue, the clock, test pictures) is the runtime's to fill
 * in with technician_set_rows() and technician_set_image(); the PIN check is
 * the runtime's function (argon2id), as for the officer. Its texts are in
 * English whatever the kiosk's language: a service screen, like the output
 * of `biokiosk diagnose`.
 *
 *   CLOSED --VIEW_BUTTON_TECHNICIAN--> PIN --right PIN--> OPEN(page)
 *   PIN --wrong PIN--> PIN (max_attempts in a row: locked for lockout_s)
 *   PIN, OPEN --close, idle_timeout_s without a touch--> CLOSED */
#pragma once

#include <glib.h>

#include "config.h"
#include "rules.h"
#include "view.h"

typedef enum {
  TECHNICIAN_CLOSED, /* the kiosk's own screens are shown */
  TECHNICIAN_PIN,    /* PIN entry */
  TECHNICIAN_OPEN,   /* the pages */
} TechnicianMode;

typedef enum {
  TECHNICIAN_PAGE_DEVICES,     /* state, identity and live test of each */
  TECHNICIAN_PAGE_CAMERA,      /* the camera's settings */
  TECHNICIAN_PAGE_SYSTEM,      /* queue, upload, disk, clock */
  TECHNICIAN_PAGE_CALIBRATION, /* the empty-backdrop frame */
  TECHNICIAN_PAGE_EXPORT,      /* logs and diagnose report to a stick */
  TECHNICIAN_PAGE_TRAINING,    /* training mode only: codes and PIN */
  TECHNICIAN_N_PAGES,
} TechnicianPage;

/* What the runtime is asked to do. */
typedef enum {
  TECHNICIAN_REQ_REFRESH,      /* fill the current page's rows anew */
  TECHNICIAN_REQ_TEST_SHOT,    /* a still from the camera, shown */
  TECHNICIAN_REQ_TEST_FINGER,  /* a finger from the reader, shown */
  TECHNICIAN_REQ_TEST_STROKE,  /* a stroke on the pad, shown */
  TECHNICIAN_REQ_CALIBRATE,    /* capture and store the backdrop frame */
  TECHNICIAN_REQ_EXPORT,       /* logs and report to the export folder */
  TECHNICIAN_REQ_SAVE_LOCKOUT, /* keep `lockout` across a restart */
  TECHNICIAN_REQ_CANCEL,       /* the screen closed: drop test work */
  TECHNICIAN_REQ_AUDIT,        /* append `event` (actor "technician") */
} TechnicianRequestType;

typedef struct {
  TechnicianRequestType type;
  TechnicianPage page; /* REFRESH: the page shown */
  Lockout lockout;     /* SAVE_LOCKOUT (monotonic time) */
  const char *event;   /* AUDIT: "technician.unlocked", ...; static */
} TechnicianRequest;

/* Verifies a technician PIN (the runtime's argon2id check). */
typedef gboolean (*TechnicianPinFunc)(const char *pin, gpointer user_data);

typedef struct Technician Technician;

/* A closed technician screen. `config` is borrowed (its
 * technician_pin_hash says whether there is one at all, its idle timeout
 * and the officer's lockout policy apply); `training` adds the training
 * page. */
Technician *technician_new(const KioskConfig *config, gboolean training,
                           TechnicianPinFunc check_pin, gpointer user_data);
void technician_free(Technician *tech); /* accepts NULL */

/* TRUE when a technician PIN is configured, or in training mode: only then
 * is there a screen. */
gboolean technician_enabled(const Technician *tech);

/* Training mode: adds the training page and enables the screen (the
 * runtime's PIN check then takes the training PIN). */
void technician_set_training(Technician *tech, gboolean training);

TechnicianMode technician_mode(const Technician *tech);
TechnicianPage technician_page(const Technician *tech);
const char *technician_page_name(TechnicianPage page); /* "devices", ... */

/* Restores a lockout kept across a restart (monotonic time). */
void technician_restore_lockout(Technician *tech, const Lockout *lockout);

/* Input while the screen is shown, or VIEW_BUTTON_TECHNICIAN from the
 * check-in screen: TRUE when the technician screen took the intent (the
 * session must not see it). */
gboolean technician_handle_intent(Technician *tech, const KioskIntent *intent,
                                  gint64 now_us);

/* Time passes: closes the screen after the idle timeout. */
void technician_tick(Technician *tech, gint64 now_us);

/* When the screen next has something to do on its own (the idle
 * timeout), monotonic; G_MAXINT64 when closed. */
gint64 technician_next_deadline(const Technician *tech);

/* Takes the next pending request; FALSE when there is none. */
gboolean technician_next_request(Technician *tech, TechnicianRequest *ret);

/* The rows of `page` (copied; at most VIEW_MAX_ROWS are kept). */
void technician_set_rows(Technician *tech, TechnicianPage page,
                         const ViewRow *rows, int n_rows);

/* The outcome of the running test or action: a picture (RGB or grey, may
 * be NULL), a caption and whether it went well. Ends the busy state. */
void technician_set_result(Technician *tech, int width, int height,
                           int channels, const guint8 *pixels,
                           const char *caption, gboolean ok);

/* TRUE while a test or action runs (its buttons are disabled). */
gboolean technician_busy(const Technician *tech);

/* The screen to show while the mode is not CLOSED. Valid until the next
 * call into the technician. `footer` is the kiosk's status line. */
const KioskView *technician_view(Technician *tech, const char *footer);
