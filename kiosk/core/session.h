/* The check-in and capture session: a state machine with one handler per
 * state, a switch over every event in each, time passed in as an argument
 * (monotonic microseconds), timeouts delivered as events, and every
 * transition logged at debug level. It does no I/O: it asks the application
 * for device work through requests and learns the results through events.
 * docs/session.md has the diagram this code must match. */
#pragma once

#include <glib.h>

#include "appointment.h"
#include "config.h"
#include "finger-plan.h"
#include "officer.h"
#include "rules.h"
#include "texts.h"
#include "view.h"

/* How long a device may take for each step: the one owner of these limits.
 * The session hands the limit to the runtime with the request
 * (SessionRequest.timeout_ms), the worker gives up after it, and the
 * session's own deadline allows SESSION_DEVICE_GRACE_MS more for the
 * worker's answer to arrive before it calls the step failed. */
#define SESSION_PHOTO_TIMEOUT_MS     15000
#define SESSION_SIGNATURE_TIMEOUT_MS 90000
#define SESSION_FINGER_TIMEOUT_MS    30000
#define SESSION_STORE_TIMEOUT_MS     30000
#define SESSION_DEVICE_GRACE_MS      2000
/* The longest officer PIN. */
#define SESSION_PIN_MAX_DIGITS 8

typedef enum {
  SESSION_CHECKIN,       /* code entry */
  SESSION_MESSAGE,       /* an information screen; OK goes on */
  SESSION_PERSON,        /* introduces the next person */
  SESSION_OFFICER_PIN,   /* officer unlocks officer mode */
  SESSION_OFFICER_CHECK, /* documents seen, fingerprints decided */
  SESSION_PHOTO,         /* live view, shot, validation result */
  SESSION_SIGNATURE,
  SESSION_FINGERPRINT,
  SESSION_REVIEW,  /* officer approves the record */
  SESSION_STORING, /* record being sealed and queued */
  SESSION_DONE,
  SESSION_N_STATES,
} SessionState;

typedef enum {
  EV_KEY, /* keypad digit in `key` */
  EV_BACKSPACE,
  EV_SUBMIT,
  EV_BUTTON,         /* `button` id */
  EV_ACTIVITY,       /* a touch anywhere: resets the idle timer */
  EV_TICK,           /* time passes; may turn into the timeouts below */
  EV_TIMEOUT_IDLE,   /* nobody touched the screen for idle_timeout_s */
  EV_TIMEOUT_DEVICE, /* a device did not answer in time */
  EV_PHOTO_TAKEN,    /* `ok`, `reasons` (validator codes), `referred`;
                        in SESSION_FINGERPRINT the officer's exception
                        photo (REQ_TAKE_EXCEPTION_PHOTO): `ok` alone */
  EV_SIGNATURE_DONE, /* `ok`, `reasons` */
  EV_FINGER_DONE,    /* `ok` (quality good), `quality`, `reasons` */
  EV_DEVICE_ERROR,   /* `message`: the device failed this step */
  EV_RECORD_STORED,  /* `message` = record id */
  EV_N_EVENTS,
} SessionEventType;

typedef struct {
  SessionEventType type;
  char key;
  const char *button;
  gboolean ok;
  gboolean referred;          /* EV_PHOTO_TAKEN: the validator referred it */
  int quality;                /* EV_FINGER_DONE: 0..100 */
  const char *const *reasons; /* NULL-terminated reason codes, may be NULL */
  const char *message;
  /* EV_PHOTO_TAKEN: doubtful codes the reasons do not name (a referral
   * under a refusal), shown to the officer on the review screen when the
   * photo is accepted anyway, never to the applicant; may be NULL. */
  const char *const *referrals;
} SessionEvent;

typedef enum {
  REQ_LIVEVIEW_ON,
  REQ_LIVEVIEW_OFF,
  REQ_TAKE_PHOTO,
  REQ_COLLECT_SIGNATURE,
  REQ_CAPTURE_FINGER,       /* `finger`: one impression of it */
  REQ_PICK_FINGER,          /* best of three: keep the best impression of
                               `finger`, answered by EV_FINGER_DONE */
  REQ_STORE_RECORD,         /* assemble, seal and queue the current person */
  REQ_DISCARD_PERSON,       /* forget the current person's captured data */
  REQ_CANCEL_DEVICES,       /* abort whatever a device is doing */
  REQ_LANGUAGE,             /* switch the screens to `language` ("ar") */
  REQ_SAVE_LOCKOUT,         /* keep `lockout` of kind `lockout_kind` across a
                               restart */
  REQ_TAKE_EXCEPTION_PHOTO, /* a plain still (no portrait validator) for
                               the exception of `finger`, answered by
                               EV_PHOTO_TAKEN after session_set_image() */
  REQ_CHECK_PIN, /* check `pin` of officer `officer` ("" the bootstrap
                    PIN) off the main thread; answered with
                    session_pin_checked(`pin_check`) */
} SessionRequestType;

/* The lockouts the session keeps (their state outlives a restart: the
 * session asks REQ_SAVE_LOCKOUT on every change, the runtime gives it
 * back with session_restore_lockout()). */
typedef enum {
  SESSION_LOCKOUT_CHECKIN,     /* wrong appointment codes */
  SESSION_LOCKOUT_OFFICER_PIN, /* wrong officer PINs */
  SESSION_N_LOCKOUTS,
} SessionLockoutKind;

typedef struct {
  SessionRequestType type;
  int finger;           /* FingerPosition for REQ_*_FINGER */
  int timeout_ms;       /* REQ_TAKE_PHOTO, REQ_COLLECT_SIGNATURE,
                           REQ_*_FINGER, REQ_STORE_RECORD: how long
                           the device may take; 0 for the others */
  const char *language; /* REQ_LANGUAGE; static or the configuration's */
  SessionLockoutKind lockout_kind; /* REQ_SAVE_LOCKOUT */
  Lockout lockout;                 /* REQ_SAVE_LOCKOUT: monotonic time */
  /* REQ_SAVE_LOCKOUT of SESSION_LOCKOUT_OFFICER_PIN: the officer whose
   * lockout it is; "" for the bootstrap PIN's (and unknown ids'). */
  char officer[OFFICER_ID_MAX_DIGITS + 1];
  /* REQ_CHECK_PIN: the PIN typed (wiped in the session's copy; the taker
   * wipes its own) and the number of the check. */
  char pin[SESSION_PIN_MAX_DIGITS + 1];
  guint pin_check;
} SessionRequest;

/* Looks an appointment code up; returns NULL when unknown. The session owns
 * the result. */
typedef Appointment *(*SessionLookupFunc)(const char *code, gpointer user_data);

/* Verifies an officer PIN (argon2id, done by the caller's function so tests
 * can avoid the cost). */
typedef gboolean (*SessionPinFunc)(const char *pin, gpointer user_data);

/* An audit entry: check-in outcomes and every officer decision. */
typedef struct {
  const char *actor; /* "applicant", "officer", "kiosk" */
  const char *event; /* e.g. "officer.approved"; static, never personal data */
  gboolean holds;    /* the action waits for its entry: when the entry
                        cannot be written, the action does not happen */
} SessionAudit;

/* Writes an audit entry now (the runtime appends it to the audit log on
 * the main thread). FALSE when it cannot be written: the runtime then keeps
 * it in memory, in order, writes it as soon as it can, and reports the
 * entries still waiting with session_set_audit_pending(). */
typedef gboolean (*SessionAuditFunc)(const SessionAudit *entry,
                                     gpointer user_data);

typedef struct Session Session;

/* A new session in SESSION_CHECKIN. `config` is borrowed and must outlive
 * the session. `now` is wall-clock time for the desk's rules; `now_us`
 * monotonic time for timeouts. */
Session *session_new(const KioskConfig *config, SessionLookupFunc lookup,
                     SessionPinFunc check_pin, gpointer user_data,
                     gint64 now_us);
void session_free(Session *session); /* accepts NULL */

/* Whether the kiosk has room to store one more record; TRUE lets a
 * capture start. Asked when a code is accepted and when the officer starts
 * a person's capture; on FALSE the applicant is sent to the desk, or the
 * officer's screen says why nothing starts. Must not block. */
typedef gboolean (*SessionRoomFunc)(gpointer user_data);

/* The runtime's room check (see SessionRoomFunc); without one (tests of
 * other parts) there is always room. */
void session_set_room_check(Session *session, SessionRoomFunc check,
                            gpointer user_data);

/* The audit log's writer (see SessionAuditFunc). Without one (tests of
 * other parts) entries are only logged at debug level. */
void session_set_audit(Session *session, SessionAuditFunc writer,
                       gpointer user_data);

/* How many audit entries wait to be written (0: none). While any wait,
 * every screen says that the kiosk cannot go on. */
void session_set_audit_pending(Session *session, guint n_pending);

/* Restores a lockout kept across a restart (`lockout` in monotonic time;
 * see lockout_end_from_wall()). A check-in lockout in force shows its
 * notice at once. */
void session_restore_lockout(Session *session, SessionLockoutKind kind,
                             const Lockout *lockout);

/* Named officers (docs/officers.md): whether the officers table is in use
 * (FALSE: the bootstrap PIN, SessionPinFunc, alone opens officer mode),
 * and the check of an officer's id and PIN (argon2id, by the runtime). */
typedef struct {
  gboolean (*named)(gpointer user_data);
  OfficerPinVerdict (*check)(const char *officer_id, const char *pin,
                             gpointer user_data);
} SessionOfficers;

/* Sets the officers' checks (copied); without them, the bootstrap PIN. */
void session_set_officers(Session *session, const SessionOfficers *officers,
                          gpointer user_data);

/* Officer PINs checked off the main thread (argon2id takes about half a
 * second): a submitted PIN becomes REQ_CHECK_PIN, the PIN screen says it
 * is being checked and takes no input until session_pin_checked(); the
 * lockouts and the audit entries stay the session's. Off (the default):
 * SessionPinFunc and SessionOfficers.check are called at once. */
void session_set_pin_checks_async(Session *session, gboolean async);

/* The runtime's verdict on the PIN of REQ_CHECK_PIN number `pin_check`
 * (OFFICER_PIN_WRONG for the bootstrap PIN's wrong one). A verdict for
 * an earlier check, or once the PIN screen is gone, is dropped. */
void session_pin_checked(Session *session, guint pin_check,
                         OfficerPinVerdict verdict, gint64 now_us);

/* TRUE while a PIN is being checked. */
gboolean session_pin_checking(const Session *session);

/* Restores officer `officer_id`'s own PIN lockout kept across a restart
 * (saved by REQ_SAVE_LOCKOUT with `officer` set; monotonic time). */
void session_restore_officer_lockout(Session *session, const char *officer_id,
                                     const Lockout *lockout);

/* The officer in charge: their id, "" for the bootstrap PIN, NULL while
 * officer mode is locked. */
const char *session_officer(const Session *session);

/* TRUE while the PIN screen asks a second officer to confirm (four eyes). */
gboolean session_officer_second(const Session *session);

/* Sets the wall-clock time used for age and appointment-window rules (the
 * demo fixes it; run sets it from the system clock). Borrowed reference
 * taken. */
void session_set_clock(Session *session, GDateTime *now);

/* The wall-clock time the desk's rules use (borrowed). */
GDateTime *session_clock(const Session *session);

/* Feeds one event at monotonic time `now_us`. */
void session_handle(Session *session, const SessionEvent *event, gint64 now_us);

/* The monotonic time (microseconds) at which the session next has
 * something to do on its own: a device deadline or the idle timeout.
 * G_MAXINT64 when there is none. A front end's loop sleeps until this, the
 * next input or the next worker result, then feeds an EV_TICK. */
gint64 session_next_deadline(const Session *session);

/* Takes the next pending request; FALSE when there is none. */
gboolean session_next_request(Session *session, SessionRequest *ret_request);

SessionState session_state(const Session *session);
const char *session_state_name(SessionState state);
const char *session_event_name(SessionEventType type);

/* The screen to show now. Strings and images point into the session and
 * stay valid until the next session_handle(). */
const KioskView *session_view(Session *session);

/* Display images for the view (grey or RGB): the session keeps a copy.
 * Called by the application when a device result arrives. NULL clears.
 * While the officer's exception photo screen is shown, the image and the
 * live frames are that photo's, not the portrait's. */
void session_set_image(Session *session, int width, int height, int channels,
                       const guint8 *pixels);
/* Like session_set_image() for a live-view frame that the camera had ready
 * at monotonic time `available_us` (shown in ViewImage.available_us). */
void session_set_live_frame(Session *session, int width, int height,
                            int channels, const guint8 *pixels,
                            gint64 available_us);
void session_set_finger_image(Session *session, int index, int width,
                              int height, const guint8 *pixels);
void session_set_signature_image(Session *session, int width, int height,
                                 const guint8 *pixels);

/* Live-view guidance for the photo screen: reason codes from the cheap
 * check of the newest frame (NULL-terminated, copied; NULL clears). Only
 * shown while the applicant is framing the shot. */
void session_set_guidance(Session *session, const char *const *reasons);

/* What the refusal screen explains about the photo just taken: marks over
 * its display image and the measured figures behind its reasons (both
 * copied; a figure's strings are static). Set before EV_PHOTO_TAKEN;
 * forgotten when the photo step starts again. */
#define SESSION_MAX_FIGURES 8
void session_set_photo_marks(Session *session, const ViewMark *marks,
                             int n_marks, const ReasonFigure *figures,
                             int n_figures);

/* The status line at the bottom of every screen (device trouble for the
 * officer and technician); NULL or "" for none. Copied. */
void session_set_footer(Session *session, const char *text);

/* What the current person's record needs from the session: who, the plan,
 * and the officer's decisions. Valid while the person is current. */
typedef struct {
  const Appointment *appointment;
  const Person *person;
  int person_index;
  CapturePlan plan; /* after the officer's decisions */
  gboolean documents_seen;
  gboolean head_covering;  /* declared: religious or belief reasons */
  gboolean photo_override; /* officer accepted a refused/referred photo */
  const char *photo_override_reason;
  /* One slot per finger of the plan ([fingerprint] plan): the finger
   * taken, being taken or to take, which is a substitute when it differs
   * from the plan's; FINGER_UNKNOWN when no finger of the slot is left. */
  int fingers[FINGER_PLAN_MAX_SLOTS];         /* FingerPosition */
  int planned_fingers[FINGER_PLAN_MAX_SLOTS]; /* FingerPosition */
  int n_fingers;
  gboolean finger_taken[FINGER_PLAN_MAX_SLOTS]; /* a good print is kept */
  /* The fingers the officer marked unavailable, in order. */
  FingerException finger_exceptions[FINGER_MAX_EXCEPTIONS];
  int n_finger_exceptions;
  gboolean fingerprints_postponed; /* a temporary exception: none taken */
} SessionPerson;

const SessionPerson *session_person(const Session *session);

/* Counts for tests and diagnostics. */
int session_failed_checkins(const Session *session);
