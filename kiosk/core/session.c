/* The session state machine; see session.h for its contract and
 * docs/session.md for the diagram. One handler per state; each switches over
 * every event type so that a new event is a compile-time warning in every
 * state (-Wswitch-enum is not on, so the default branches are absent on
 * purpose). */
#include "session.h"

#include <glib/gi18n.h>
#include <string.h>

#include "finger-plan.h"
#include "finger.h"
#include "height.h"
#include "i18n.h"
#include "idle.h"
#include "language-choice.h"
#include "log.h"
#include "texts.h"

#define CODE_MIN_DIGITS     6
#define CODE_MAX_DIGITS     12
#define PIN_MAX_DIGITS      SESSION_PIN_MAX_DIGITS
#define FINGER_MAX_ATTEMPTS 3 /* poor impressions in a row */
/* Best of three: impressions of one finger at most, poor ones included. */
#define FINGER_MAX_IMPRESSIONS 5

/* The phase of the capture step in progress (photo, signature,
 * fingerprint): a sub-machine of those states, changed only by set_phase(),
 * which logs every change like transition() does. */
typedef enum {
  STEP_LIVE,    /* showing live view / waiting for the user to start */
  STEP_WAITING, /* a device request is outstanding */
  STEP_RESULT,  /* result shown, good */
  STEP_REFUSED, /* result shown, not good (reasons) */
  STEP_FAILED,  /* the device failed or timed out */
} StepPhase;
#define STEP_N_PHASES (STEP_FAILED + 1)

/* The officer's finger exception screens, within the fingerprint step
 * (docs/fingerprints.md): changed only by set_exception_step(). */
typedef enum {
  EXCEPTION_NONE,
  EXCEPTION_KIND,      /* temporarily or permanently unavailable? */
  EXCEPTION_REASON,    /* which reason of that kind? */
  EXCEPTION_TEMPORARY, /* postpone, or take the next finger instead? */
  EXCEPTION_PHOTO,     /* the officer's optional photo of the hand */
} ExceptionStep;

/* The exception photo screen (EXCEPTION_PHOTO): changed only by
 * set_exphoto(). */
typedef enum {
  EXPHOTO_LIVE,    /* live view; take the photo or skip it */
  EXPHOTO_WAITING, /* a still was asked for */
  EXPHOTO_TAKEN,   /* shown: use it, take it again, or skip it */
  EXPHOTO_FAILED,  /* the camera failed or did not answer */
} ExPhotoPhase;

static const char *const phase_names[STEP_N_PHASES] = {
    [STEP_LIVE] = "live",     [STEP_WAITING] = "waiting",
    [STEP_RESULT] = "result", [STEP_REFUSED] = "refused",
    [STEP_FAILED] = "failed",
};

typedef struct {
  int width, height, channels;
  guint8 *pixels;
  gint64 available_us; /* live frames only */
} OwnedImage;

/* What runs once a second officer has confirmed (officer_four_eyes()). */
typedef void (*OfficerConfirmed)(Session *s, const SessionEvent *ev,
                                 gint64 now_us);

struct Session {
  const KioskConfig *config;
  SessionLookupFunc lookup;
  SessionPinFunc check_pin;
  gpointer user_data;
  SessionAuditFunc audit;
  gpointer audit_data;
  SessionRoomFunc room; /* may a new capture start? NULL: yes */
  gpointer room_data;
  gboolean no_room;    /* the officer's last start was refused */
  guint audit_pending; /* entries the runtime could not write yet */
  GDateTime *clock;

  SessionState state;
  gint64 last_activity_us;
  IdlePrompt more_time; /* "Do you need more time?" before the idle reset */
  /* the applicant's choices on the check-in screen (docs/ui.md) */
  gboolean seated;
  gboolean large_text;
  gint64 device_deadline_us; /* 0 = none */

  /* check-in */
  char entry[CODE_MAX_DIGITS + 1];
  char *notice; /* warning line shown on the check-in screen */
  int failed_checkins;

  /* wrong codes and wrong officer PINs (kept across restarts) */
  Lockout lockouts[SESSION_N_LOCKOUTS];

  /* officer mode */
  gboolean officer_unlocked;
  /* named officers (docs/officers.md) */
  SessionOfficers officers; /* unset: the bootstrap PIN only */
  gpointer officers_data;
  char officer[OFFICER_ID_MAX_DIGITS + 1];     /* in charge; "" bootstrap */
  char pin_officer[OFFICER_ID_MAX_DIGITS + 1]; /* the id typed */
  gboolean pin_id_step;                        /* the PIN screen asks the id */
  SessionState pin_return;         /* where a right PIN goes on to */
  GHashTable *officer_lockouts;    /* id -> Lockout*, kept across restarts */
  gboolean idle_locked;            /* the PIN screen after the idle lock */
  int idle_countdown;              /* seconds shown by the countdown, */
  gint64 idle_countdown_since;     /* counted for this last activity */
  guint four_eyes;                 /* OfficerAction bits of the config */
  OfficerAction four_eyes_action;  /* asked of a second officer; 0 none */
  OfficerConfirmed four_eyes_then; /* runs once they confirm */
  gboolean pin_async;              /* PINs checked by the runtime */
  gboolean pin_checking;           /* REQ_CHECK_PIN awaits its verdict */
  guint pin_check;                 /* the number of the newest check */

  /* the appointment in progress */
  Appointment *appointment;
  LanguageChoice languages; /* each person's language, if they chose one */
  int person_index;
  PersonVerdict person_verdict;
  SessionPerson current;

  /* information screen */
  char *message_title;
  GPtrArray *message_lines;
  gboolean message_warning;
  SessionState after_message;

  /* the capture step in progress */
  StepPhase phase;
  GPtrArray *reasons;  /* char*, the last result's reason codes */
  GPtrArray *guidance; /* char*, live-view guidance codes */
  /* char*, the photo's doubts not told the applicant, for the officer */
  GPtrArray *photo_referrals;
  char *device_message;
  gboolean photo_referred;
  ViewMark photo_marks[VIEW_MAX_MARKS]; /* over the refused photo */
  int n_photo_marks;
  ReasonFigure photo_figures[SESSION_MAX_FIGURES]; /* behind its reasons */
  int n_photo_figures;
  int finger_index; /* which of current.fingers is being taken */
  int finger_attempts;
  int finger_good;         /* acceptable impressions of this finger */
  int finger_impressions;  /* impressions of this finger, poor ones too */
  gboolean finger_picking; /* the runtime keeps the best of them */
  int finger_quality[FINGER_PLAN_MAX_SLOTS];
  FingerPlan finger_plan;       /* [fingerprint] plan */
  ExceptionStep exception_step; /* EXCEPTION_NONE: no exception screen */
  FingerException exception;    /* the one being chosen */
  ExPhotoPhase exphoto;         /* EXCEPTION_PHOTO's screen */

  /* display images */
  OwnedImage image;
  OwnedImage signature;
  OwnedImage fingers[2];
  OwnedImage exphoto_image; /* the exception photo being taken */
  /* The kept exceptions' photos (current.finger_exceptions[i]). */
  OwnedImage exception_photos[FINGER_MAX_EXCEPTIONS];

  GQueue requests; /* SessionRequest* */
  char *footer;    /* device state line, NULL = none */

  KioskView view;
  GPtrArray *strings; /* owns the strings the view points to */
};

static const char *const state_names[SESSION_N_STATES] = {
    [SESSION_CHECKIN] = "checkin",
    [SESSION_MESSAGE] = "message",
    [SESSION_PERSON] = "person",
    [SESSION_OFFICER_PIN] = "officer-pin",
    [SESSION_OFFICER_CHECK] = "officer-check",
    [SESSION_PHOTO] = "photo",
    [SESSION_SIGNATURE] = "signature",
    [SESSION_FINGERPRINT] = "fingerprint",
    [SESSION_REVIEW] = "review",
    [SESSION_STORING] = "storing",
    [SESSION_DONE] = "done",
};

static const char *const event_names[EV_N_EVENTS] = {
    [EV_KEY] = "key",
    [EV_BACKSPACE] = "backspace",
    [EV_SUBMIT] = "submit",
    [EV_BUTTON] = "button",
    [EV_ACTIVITY] = "activity",
    [EV_TICK] = "tick",
    [EV_TIMEOUT_IDLE] = "timeout-idle",
    [EV_TIMEOUT_DEVICE] = "timeout-device",
    [EV_PHOTO_TAKEN] = "photo-taken",
    [EV_SIGNATURE_DONE] = "signature-done",
    [EV_FINGER_DONE] = "finger-done",
    [EV_DEVICE_ERROR] = "device-error",
    [EV_RECORD_STORED] = "record-stored",
};

const char *session_state_name(SessionState state)
{
  return state < SESSION_N_STATES ? state_names[state] : "?";
}

const char *session_event_name(SessionEventType type)
{
  return type < EV_N_EVENTS ? event_names[type] : "?";
}

/* ---- small helpers ---------------------------------------------------- */

static void owned_image_set(OwnedImage *image, int width, int height,
                            int channels, const guint8 *pixels)
{
  g_free(image->pixels);
  memset(image, 0, sizeof *image);
  if (!pixels || width <= 0 || height <= 0)
    return;
  image->width = width;
  image->height = height;
  image->channels = channels;
  image->pixels = g_memdup2(pixels, (gsize)width * height * channels);
}

static void request(Session *s, SessionRequestType type, int finger)
{
  SessionRequest *req = g_new0(SessionRequest, 1);

  req->type = type;
  req->finger = finger;
  g_queue_push_tail(&s->requests, req);
}

/* Asks for device work that must answer within `timeout_ms` (one of the
 * SESSION_*_TIMEOUT_MS limits): the worker is told the limit, and the
 * session's own deadline allows SESSION_DEVICE_GRACE_MS more for the
 * worker's answer to arrive. */
static void await_device(Session *s, SessionRequestType type, int finger,
                         int timeout_ms, gint64 now_us)
{
  SessionRequest *req = g_new0(SessionRequest, 1);

  req->type = type;
  req->finger = finger;
  req->timeout_ms = timeout_ms;
  g_queue_push_tail(&s->requests, req);
  s->device_deadline_us =
      now_us + (gint64)(timeout_ms + SESSION_DEVICE_GRACE_MS) * 1000;
}

/* Officer decisions and check-in outcomes go to the hash-chained audit log
 * before they take effect; the strings are static and say nothing about the
 * person. `holds`: the action waits for its entry. FALSE when the entry
 * could not be written now (the runtime keeps it and writes it later): the
 * caller then does not carry out a holding action. Actions that forget
 * data (discard, stop, time-out) and attempts that count towards a lockout
 * go ahead regardless. */
static gboolean audit(Session *s, const char *actor, const char *event,
                      gboolean holds)
{
  char named[OFFICER_ACTOR_SIZE];
  SessionAudit entry;

  /* The officer in charge by their id (docs/officers.md). */
  if (g_str_equal(actor, "officer"))
    actor = officer_actor(named, s->officer);
  entry = (SessionAudit){actor, event, holds};

  if (!s->audit) {
    g_debug("session: audit %s:%s (no audit log)", actor, event);
    return TRUE;
  }
  if (s->audit(&entry, s->audit_data))
    return TRUE;
  g_debug("session: audit entry %s not written yet%s", event,
          holds ? "; the action does not happen" : "");
  return FALSE;
}

/* Asks the runtime to keep a lockout's new state across a restart. */
static void save_lockout(Session *s, SessionLockoutKind kind)
{
  SessionRequest *req = g_new0(SessionRequest, 1);

  req->type = REQ_SAVE_LOCKOUT;
  req->lockout_kind = kind;
  req->lockout = s->lockouts[kind];
  g_queue_push_tail(&s->requests, req);
}

static void switch_language(Session *s, const char *language)
{
  SessionRequest *req;

  if (g_strcmp0(i18n_get_language(), language) == 0)
    return;
  req = g_new0(SessionRequest, 1);
  req->type = REQ_LANGUAGE;
  req->language = language;
  g_queue_push_tail(&s->requests, req);
}

static void set_reasons(Session *s, const char *const *reasons)
{
  g_ptr_array_set_size(s->reasons, 0);
  for (gsize i = 0; reasons && reasons[i]; i++)
    g_ptr_array_add(s->reasons, g_strdup(reasons[i]));
}

static void transition(Session *s, SessionState to, const SessionEvent *ev)
{
  g_debug("session: %s --%s--> %s", state_names[s->state],
          event_names[ev->type], state_names[to]);
  s->state = to;
}

static void set_phase(Session *s, StepPhase to, const SessionEvent *ev)
{
  if (s->phase != to)
    g_debug("session: %s phase %s --%s--> %s", state_names[s->state],
            phase_names[s->phase], event_names[ev->type], phase_names[to]);
  s->phase = to;
}

static gboolean is_activity(SessionEventType type)
{
  switch (type) {
  case EV_KEY:
  case EV_BACKSPACE:
  case EV_SUBMIT:
  case EV_BUTTON:
  case EV_ACTIVITY:
  case EV_PHOTO_TAKEN:
  case EV_SIGNATURE_DONE:
  case EV_FINGER_DONE:
    return TRUE;
  case EV_TICK:
  case EV_TIMEOUT_IDLE:
  case EV_TIMEOUT_DEVICE:
  case EV_DEVICE_ERROR:
  case EV_RECORD_STORED:
  case EV_N_EVENTS:
    return FALSE;
  }
  return FALSE;
}

static gboolean button_is(const SessionEvent *ev, const char *id)
{
  return ev->type == EV_BUTTON && g_strcmp0(ev->button, id) == 0;
}

static void entry_key(char *entry, gsize max, char key)
{
  gsize len = strlen(entry);

  if (key >= '0' && key <= '9' && len < max) {
    entry[len] = key;
    entry[len + 1] = '\0';
  }
}

static void entry_backspace(char *entry)
{
  gsize len = strlen(entry);

  if (len > 0)
    entry[len - 1] = '\0';
}

static void entry_clear(char *entry, gsize size)
{
  /* The code identifies an appointment: do not leave it in memory. */
  explicit_bzero(entry, size);
}

/* ---- the appointment and its persons ---------------------------------- */

static void clear_exception_photos(Session *s)
{
  owned_image_set(&s->exphoto_image, 0, 0, 0, NULL);
  for (int i = 0; i < FINGER_MAX_EXCEPTIONS; i++)
    owned_image_set(&s->exception_photos[i], 0, 0, 0, NULL);
}

static void clear_person_data(Session *s)
{
  set_reasons(s, NULL);
  g_clear_pointer(&s->device_message, g_free);
  owned_image_set(&s->image, 0, 0, 0, NULL);
  owned_image_set(&s->signature, 0, 0, 0, NULL);
  owned_image_set(&s->fingers[0], 0, 0, 0, NULL);
  owned_image_set(&s->fingers[1], 0, 0, 0, NULL);
  clear_exception_photos(s);
  s->photo_referred = FALSE;
  s->finger_index = 0;
  s->finger_attempts = 0;
  s->device_deadline_us = 0;
  memset(&s->current, 0, sizeof s->current);
}

static void end_appointment(Session *s)
{
  /* The next applicant starts in the kiosk's own language. */
  switch_language(s, s->config->language);
  language_choice_clear(&s->languages);
  clear_person_data(s);
  g_clear_pointer(&s->appointment, appointment_free);
  s->officer_unlocked = FALSE;
  s->officer[0] = '\0';
  s->idle_locked = FALSE;
  s->four_eyes_action = 0;
  s->four_eyes_then = NULL;
  s->person_index = 0;
  entry_clear(s->entry, sizeof s->entry);
  s->seated = FALSE;
  s->large_text = FALSE;
}

static void message(Session *s, const char *title, gboolean warning,
                    SessionState after)
{
  g_free(s->message_title);
  s->message_title = g_strdup(title);
  g_ptr_array_set_size(s->message_lines, 0);
  s->message_warning = warning;
  s->after_message = after;
}

static void message_line(Session *s, const char *line)
{
  g_ptr_array_add(s->message_lines, g_strdup(line));
}

static const char *skip_explanation(PersonVerdict verdict)
{
  switch (verdict) {
  case PERSON_SKIP_ON_FILE:
    return _("The IND already has usable biometrics. Nothing is taken "
             "today: please go to the desk.");
  case PERSON_SKIP_ABROAD:
    return _("Biometrics were taken at a Dutch representation abroad. For a "
             "first residence permit nothing is taken today: please go to "
             "the desk.");
  case PERSON_SKIP_ASYLUM:
    return _("Biometrics were taken during the asylum procedure. For a first "
             "residence permit nothing is taken today: please go to the "
             "desk.");
  case PERSON_SKIP_UNDER_ONE:
    return _("Children younger than 1 are not photographed here: send a "
             "photographer's photo with the photo card (Appendix photo card) "
             "by post.");
  case PERSON_CAPTURE:
    break;
  }
  return "";
}

/* The plan's fingers, none taken, no exception: where every person's
 * fingerprint step starts. */
static void plan_fingers(Session *s)
{
  SessionPerson *p = &s->current;

  for (int i = 0; i < s->finger_plan.n_slots; i++) {
    p->fingers[i] = p->planned_fingers[i] = s->finger_plan.slots[i].finger;
    p->finger_taken[i] = FALSE;
  }
  p->n_fingers = s->finger_plan.n_slots;
  p->n_finger_exceptions = 0;
  clear_exception_photos(s);
  p->fingerprints_postponed = FALSE;
  s->exception_step = EXCEPTION_NONE;
  s->finger_good = 0;
  s->finger_impressions = 0;
  s->finger_picking = FALSE;
}

/* Enters the screen for person `index` (or ends the appointment). */
static void start_person(Session *s, int index, const SessionEvent *ev)
{
  clear_person_data(s);
  s->no_room = FALSE;
  s->person_index = index;
  if (!s->appointment || index >= (int)s->appointment->persons->len) {
    end_appointment(s);
    transition(s, SESSION_CHECKIN, ev);
    return;
  }
  /* Each person sees their own language, not the one before them. */
  switch_language(
      s, language_choice_for(&s->languages, index, s->config->language));
  s->current.appointment = s->appointment;
  s->current.person = g_ptr_array_index(s->appointment->persons, index);
  s->current.person_index = index;
  log_event(G_LOG_LEVEL_INFO, LOG_EVENT_PERSON_STARTED, NULL, "person %d of %u",
            index + 1, s->appointment->persons->len);
  s->person_verdict =
      rules_person(s->config, s->current.person, s->clock, &s->current.plan);
  plan_fingers(s);
  transition(s, SESSION_PERSON, ev);
}

static void checkin_verdict_message(Session *s, CheckinVerdict verdict)
{
  g_autofree char *line = NULL;

  switch (verdict) {
  case CHECKIN_OTHER_LOCATION:
    message(s, _("Your appointment is at another location"), TRUE,
            SESSION_CHECKIN);
    line =
        g_strdup_printf(_("Please go to: %s."), s->appointment->location_name);
    message_line(s, line);
    message_line(s, _("This kiosk cannot take your biometrics today."));
    break;
  case CHECKIN_TOO_EARLY:
    message(s, _("You are early"), TRUE, SESSION_CHECKIN);
    message_line(s, _("Please report to the desk: a staff member will help "
                      "you."));
    break;
  case CHECKIN_TOO_LATE:
    message(s, _("Your appointment time has passed"), TRUE, SESSION_CHECKIN);
    message_line(s, _("Please report to the desk: a staff member will help "
                      "you."));
    break;
  case CHECKIN_NOTHING_TO_CAPTURE:
    message(s, _("Nothing to take today"), FALSE, SESSION_CHECKIN);
    for (guint i = 0; i < s->appointment->persons->len; i++) {
      const Person *p = g_ptr_array_index(s->appointment->persons, i);
      CapturePlan plan;
      PersonVerdict pv = rules_person(s->config, p, s->clock, &plan);
      g_autofree char *pl =
          g_strdup_printf("%s: %s", p->name, skip_explanation(pv));
      message_line(s, pl);
    }
    break;
  case CHECKIN_OK:
  case CHECKIN_UNKNOWN_CODE:
  case CHECKIN_LOCKED_OUT:
    g_assert_not_reached();
  }
}

/* A wrong code counts towards the lockout, whether or not its entry can be
 * written now. */
static void unknown_code(Session *s, gint64 now_us)
{
  gboolean locked = lockout_fail(&s->lockouts[SESSION_LOCKOUT_CHECKIN],
                                 s->config->checkin_max_attempts,
                                 s->config->checkin_lockout_s, now_us);

  s->failed_checkins++;
  save_lockout(s, SESSION_LOCKOUT_CHECKIN);
  audit(s, "applicant", "checkin.unknown_code", FALSE);
  if (locked) {
    audit(s, "kiosk", "checkin.locked_out", FALSE);
    s->notice = g_strdup(_("Too many wrong codes. Please see the desk."));
  } else
    s->notice = g_strdup(_("We do not know this code. Check the code in "
                           "your confirmation e-mail and try again."));
  log_event(locked ? G_LOG_LEVEL_MESSAGE : G_LOG_LEVEL_INFO,
            locked ? LOG_EVENT_CHECKIN_LOCKED_OUT : LOG_EVENT_CHECKIN_UNKNOWN,
            NULL, "check-in: unknown code (%d failures)%s",
            s->lockouts[SESSION_LOCKOUT_CHECKIN].failures,
            locked ? "; locked out" : "");
}

static const char *checkin_event(CheckinVerdict verdict)
{
  return verdict == CHECKIN_OK               ? "checkin.ok"
         : verdict == CHECKIN_OTHER_LOCATION ? "checkin.other_location"
         : verdict == CHECKIN_TOO_EARLY      ? "checkin.too_early"
         : verdict == CHECKIN_TOO_LATE       ? "checkin.too_late"
                                             : "checkin.nothing_to_capture";
}

/* Whether the kiosk has room to store one more record (the runtime's
 * answer; TRUE without one). Asked before a capture starts, so that a
 * nearly full disk refuses new applicants instead of losing their data. */
static gboolean capture_room(Session *s)
{
  gboolean room = !s->room || s->room(s->room_data);

  if (!room)
    audit(s, "kiosk", "capture.refused_no_room", FALSE);
  return room;
}

static void no_room_message(Session *s)
{
  message(s, _("No photos or fingerprints can be taken here now"), TRUE,
          SESSION_CHECKIN);
  message_line(s, _("This kiosk has no room to store them at the moment. "
                    "Please go to the desk."));
}

static void submit_code(Session *s, const SessionEvent *ev, gint64 now_us)
{
  Lockout *limiter = &s->lockouts[SESSION_LOCKOUT_CHECKIN];
  g_autoptr(Appointment) found = NULL;
  CheckinVerdict verdict;

  g_clear_pointer(&s->notice, g_free);
  if (lockout_locked(limiter, now_us)) {
    s->notice = g_strdup(_("Too many wrong codes. Please see the desk."));
    return;
  }
  if (strlen(s->entry) < CODE_MIN_DIGITS) {
    s->notice =
        g_strdup_printf(_("The code has at least %d digits."), CODE_MIN_DIGITS);
    return;
  }
  found = s->lookup(s->entry, s->user_data);
  entry_clear(s->entry, sizeof s->entry);
  if (!found) {
    unknown_code(s, now_us);
    return;
  }
  verdict = rules_checkin(s->config, found, s->clock);
  log_event(G_LOG_LEVEL_INFO, LOG_EVENT_CHECKIN, NULL, "check-in: %s",
            checkin_verdict_to_string(verdict));
  /* No check-in that the log does not hold: the applicant stays here. */
  if (!audit(s, "applicant", checkin_event(verdict), TRUE))
    return;
  if (limiter->failures || limiter->locked_until_us) {
    lockout_reset(limiter);
    save_lockout(s, SESSION_LOCKOUT_CHECKIN);
  }
  g_clear_pointer(&s->appointment, appointment_free);
  s->appointment = g_steal_pointer(&found);
  if (verdict == CHECKIN_OK && !capture_room(s)) {
    no_room_message(s);
    transition(s, SESSION_MESSAGE, ev);
    return;
  }
  if (verdict == CHECKIN_OK) {
    start_person(s, 0, ev);
    return;
  }
  checkin_verdict_message(s, verdict);
  transition(s, SESSION_MESSAGE, ev);
}

/* Idle timeout during an appointment: forget everything, back to the start.
 * Captured data that was not stored is discarded (privacy first; the person
 * starts again with the desk's help). */
static void abandon(Session *s, const SessionEvent *ev)
{
  audit(s, "kiosk",
        ev->type == EV_TIMEOUT_IDLE ? "session.idle_timeout"
                                    : "session.stopped",
        FALSE);
  request(s, REQ_CANCEL_DEVICES, 0);
  request(s, REQ_LIVEVIEW_OFF, 0);
  request(s, REQ_DISCARD_PERSON, 0);
  end_appointment(s);
  g_clear_pointer(&s->notice, g_free);
  transition(s, SESSION_CHECKIN, ev);
}

/* The capture steps in order; returns the state after `from`. */
static SessionState next_step(const Session *s, SessionState from)
{
  switch (from) {
  case SESSION_OFFICER_CHECK:
    if (s->current.plan.photo)
      return SESSION_PHOTO;
    /* fall through */
  case SESSION_PHOTO:
    if (s->current.plan.signature)
      return SESSION_SIGNATURE;
    /* fall through */
  case SESSION_SIGNATURE:
    if (s->current.plan.fingerprints)
      return SESSION_FINGERPRINT;
    /* fall through */
  default:
    return SESSION_REVIEW;
  }
}

static void enter_step(Session *s, SessionState to, const SessionEvent *ev,
                       gint64 now_us)
{
  set_reasons(s, NULL);
  g_clear_pointer(&s->device_message, g_free);
  s->device_deadline_us = 0;
  transition(s, to, ev);
  switch (to) {
  case SESSION_PHOTO:
    set_phase(s, STEP_LIVE, ev);
    g_ptr_array_set_size(s->guidance, 0);
    owned_image_set(&s->image, 0, 0, 0, NULL);
    session_set_photo_marks(s, NULL, 0, NULL, 0);
    g_ptr_array_set_size(s->photo_referrals, 0);
    request(s, REQ_LIVEVIEW_ON, 0);
    break;
  case SESSION_SIGNATURE:
    set_phase(s, STEP_WAITING, ev);
    owned_image_set(&s->signature, 0, 0, 0, NULL);
    await_device(s, REQ_COLLECT_SIGNATURE, 0, SESSION_SIGNATURE_TIMEOUT_MS,
                 now_us);
    break;
  case SESSION_FINGERPRINT:
    set_phase(s, STEP_WAITING, ev);
    s->finger_index = 0;
    s->finger_attempts = 0;
    plan_fingers(s);
    owned_image_set(&s->fingers[0], 0, 0, 0, NULL);
    owned_image_set(&s->fingers[1], 0, 0, 0, NULL);
    await_device(s, REQ_CAPTURE_FINGER, s->current.fingers[0],
                 SESSION_FINGER_TIMEOUT_MS, now_us);
    break;
  default:
    break;
  }
}

static void device_failed(Session *s, const SessionEvent *ev, const char *what)
{
  set_phase(s, STEP_FAILED, ev);
  s->device_deadline_us = 0;
  g_free(s->device_message);
  s->device_message = g_strdup(what);
}

/* ---- one handler per state --------------------------------------------- */

static void handle_checkin(Session *s, const SessionEvent *ev, gint64 now_us)
{
  switch (ev->type) {
  case EV_KEY:
    if (!lockout_locked(&s->lockouts[SESSION_LOCKOUT_CHECKIN], now_us))
      entry_key(s->entry, CODE_MAX_DIGITS, ev->key);
    break;
  case EV_BACKSPACE:
    entry_backspace(s->entry);
    break;
  case EV_SUBMIT:
    submit_code(s, ev, now_us);
    break;
  case EV_TIMEOUT_IDLE:
    entry_clear(s->entry, sizeof s->entry);
    g_clear_pointer(&s->notice, g_free);
    switch_language(s, s->config->language);
    s->seated = FALSE;
    s->large_text = FALSE;
    language_choice_clear(&s->languages);
    break;
  case EV_TICK:
    if (s->notice && s->lockouts[SESSION_LOCKOUT_CHECKIN].locked_until_us &&
        !lockout_locked(&s->lockouts[SESSION_LOCKOUT_CHECKIN], now_us)) {
      s->lockouts[SESSION_LOCKOUT_CHECKIN].locked_until_us = 0;
      g_clear_pointer(&s->notice, g_free);
    }
    break;
  case EV_BUTTON:
    if (button_is(ev, VIEW_BUTTON_SEATED))
      s->seated = !s->seated;
    if (button_is(ev, VIEW_BUTTON_LARGE_TEXT))
      s->large_text = !s->large_text;
    break;
  case EV_ACTIVITY:
  case EV_TIMEOUT_DEVICE:
  case EV_PHOTO_TAKEN:
  case EV_SIGNATURE_DONE:
  case EV_FINGER_DONE:
  case EV_DEVICE_ERROR:
  case EV_RECORD_STORED:
  case EV_N_EVENTS:
    break;
  }
}

static void handle_message(Session *s, const SessionEvent *ev, gint64 now_us)
{
  switch (ev->type) {
  case EV_BUTTON:
    if (!button_is(ev, VIEW_BUTTON_OK))
      break;
    /* fall through */
  case EV_SUBMIT:
  case EV_TIMEOUT_IDLE:
    if (s->after_message == SESSION_CHECKIN) {
      end_appointment(s);
      transition(s, SESSION_CHECKIN, ev);
    } else {
      start_person(s, s->person_index + 1, ev);
    }
    break;
  case EV_KEY:
  case EV_BACKSPACE:
  case EV_ACTIVITY:
  case EV_TICK:
  case EV_TIMEOUT_DEVICE:
  case EV_PHOTO_TAKEN:
  case EV_SIGNATURE_DONE:
  case EV_FINGER_DONE:
  case EV_DEVICE_ERROR:
  case EV_RECORD_STORED:
  case EV_N_EVENTS:
    break;
  }
}

/* The officers table is in use (else the bootstrap PIN opens officer
 * mode; docs/officers.md). */
static gboolean officers_named(Session *s)
{
  return s->officers.named && s->officers.named(s->officers_data);
}

/* Enters the PIN screen (the officer's id first when named officers are
 * set up); a right PIN goes on to `back`. */
static void officer_pin_begin(Session *s, SessionState back,
                              const SessionEvent *ev)
{
  entry_clear(s->entry, sizeof s->entry);
  g_clear_pointer(&s->notice, g_free);
  s->pin_officer[0] = '\0';
  s->pin_id_step = officers_named(s);
  s->pin_return = back;
  s->pin_checking = FALSE;
  transition(s, SESSION_OFFICER_PIN, ev);
}

static void handle_person(Session *s, const SessionEvent *ev, gint64 now_us)
{
  switch (ev->type) {
  case EV_BUTTON:
    if (button_is(ev, VIEW_BUTTON_START) &&
        s->person_verdict == PERSON_CAPTURE) {
      if (s->officer_unlocked) {
        transition(s, SESSION_OFFICER_CHECK, ev);
      } else {
        officer_pin_begin(s, SESSION_OFFICER_CHECK, ev);
      }
    } else if (button_is(ev, VIEW_BUTTON_NEXT)) {
      start_person(s, s->person_index + 1, ev);
    } else if (button_is(ev, VIEW_BUTTON_STOP)) {
      abandon(s, ev);
    }
    break;
  case EV_TIMEOUT_IDLE:
    abandon(s, ev);
    break;
  case EV_KEY:
  case EV_BACKSPACE:
  case EV_SUBMIT:
  case EV_ACTIVITY:
  case EV_TICK:
  case EV_TIMEOUT_DEVICE:
  case EV_PHOTO_TAKEN:
  case EV_SIGNATURE_DONE:
  case EV_FINGER_DONE:
  case EV_DEVICE_ERROR:
  case EV_RECORD_STORED:
  case EV_N_EVENTS:
    break;
  }
}

/* ---- named officers (docs/officers.md) ---------------------------------
 * The PIN screen asks for an officer id, then that officer's PIN (with no
 * named officers set up, the bootstrap PIN alone, as before). Wrong PINs
 * count towards the lockout of the officer whose id was typed, kept across
 * restarts; unknown ids share the bootstrap PIN's lockout and are never
 * written to the log (someone may have typed a PIN there). The same screen
 * relocks officer mode after the idle lock and asks the second officer of
 * the four-eyes rule. */

/* The lockout of the officer `id`; NULL when none was kept (never locked,
 * no wrong PIN). "" is the bootstrap PIN's (and unknown ids'). */
static Lockout *officer_lockout(Session *s, const char *id, gboolean create)
{
  Lockout *lockout;

  if (!*id)
    return &s->lockouts[SESSION_LOCKOUT_OFFICER_PIN];
  lockout = g_hash_table_lookup(s->officer_lockouts, id);
  if (!lockout && create) {
    lockout = g_new0(Lockout, 1);
    g_hash_table_insert(s->officer_lockouts, g_strdup(id), lockout);
  }
  return lockout;
}

/* Asks the runtime to keep officer `id`'s lockout across a restart. */
static void save_officer_lockout(Session *s, const char *id)
{
  SessionRequest *req = g_new0(SessionRequest, 1);

  req->type = REQ_SAVE_LOCKOUT;
  req->lockout_kind = SESSION_LOCKOUT_OFFICER_PIN;
  req->lockout = *officer_lockout(s, id, TRUE);
  g_strlcpy(req->officer, id, sizeof req->officer);
  g_queue_push_tail(&s->requests, req);
}

/* What the PIN screen says of a lockout: whose, for a named officer. */
static char *officer_locked_notice(const char *id)
{
  if (!*id)
    return g_strdup(_("Officer mode is locked after too many wrong PINs."));
  return g_strdup_printf(_("Officer %s is locked after too many wrong PINs. "
                           "Another officer can sign in."),
                         id);
}

/* The officer id typed: on to the PIN unless that officer is locked out. */
static void submit_officer_id(Session *s, gint64 now_us)
{
  Lockout *lockout = officer_lockout(s, s->entry, FALSE);

  g_clear_pointer(&s->notice, g_free);
  if (!officer_id_is_valid(s->entry))
    s->notice = g_strdup_printf(_("An officer number has %d to %d digits."),
                                OFFICER_ID_MIN_DIGITS, OFFICER_ID_MAX_DIGITS);
  else if (s->four_eyes_action && g_str_equal(s->entry, s->officer))
    s->notice = g_strdup(_("A second, different officer must confirm."));
  else if (lockout && lockout_locked(lockout, now_us))
    s->notice = officer_locked_notice(s->entry);
  else {
    g_strlcpy(s->pin_officer, s->entry, sizeof s->pin_officer);
    s->pin_id_step = FALSE;
  }
  entry_clear(s->entry, sizeof s->entry);
}

/* What the runtime says of the PIN typed for `s->pin_officer`. */
static OfficerPinVerdict check_officer_pin(Session *s)
{
  if (!*s->pin_officer)
    return s->check_pin(s->entry, s->user_data) ? OFFICER_PIN_RIGHT
                                                : OFFICER_PIN_WRONG;
  return s->officers.check(s->pin_officer, s->entry, s->officers_data);
}

/* A wrong PIN (or an unknown id) counts towards its lockout. */
static void wrong_pin(Session *s, OfficerPinVerdict verdict, gint64 now_us)
{
  const char *id = verdict == OFFICER_PIN_UNKNOWN ? "" : s->pin_officer;
  Lockout *lockout = officer_lockout(s, id, TRUE);
  char actor[OFFICER_ACTOR_SIZE];

  officer_actor(actor, id);
  /* A number nobody has is the kiosk's to log: "officer" would name the
   * officer in charge (audit()), and the number may be a PIN. */
  if (verdict == OFFICER_PIN_UNKNOWN)
    audit(s, "kiosk", "officer.unknown_id", FALSE);
  else
    audit(s, actor, "officer.wrong_pin", FALSE);
  if (lockout_fail(lockout, s->config->officer_max_attempts,
                   s->config->officer_lockout_s, now_us)) {
    audit(s, *id ? actor : "kiosk", "officer.locked_out", FALSE);
    log_event(G_LOG_LEVEL_MESSAGE, LOG_EVENT_OFFICER_LOCKED_OUT, NULL,
              "officer mode locked after too many wrong PINs");
    s->notice = officer_locked_notice(id);
  } else {
    s->notice = g_strdup(*s->pin_officer ? _("Wrong officer number or PIN.")
                                         : _("Wrong PIN."));
  }
  save_officer_lockout(s, id);
  /* Named officers start again with their number. */
  s->pin_officer[0] = '\0';
  s->pin_id_step = officers_named(s);
}

/* The second officer confirmed: the action waits for its entry, then
 * runs where the first officer asked for it. */
static void four_eyes_confirmed(Session *s, const SessionEvent *ev,
                                gint64 now_us)
{
  OfficerConfirmed then = s->four_eyes_then;
  char actor[OFFICER_ACTOR_SIZE];

  if (!audit(s, officer_actor(actor, s->pin_officer),
             s->four_eyes_action == OFFICER_ACTION_PHOTO_OVERRIDE
                 ? "officer.four_eyes.photo_override"
                 : "officer.four_eyes.permanent_finger_exception",
             TRUE))
    return;
  s->four_eyes_action = 0;
  s->four_eyes_then = NULL;
  transition(s, s->pin_return, ev);
  then(s, ev, now_us);
}

/* The PIN typed goes to the runtime to be checked off the main thread
 * (session_set_pin_checks_async()); the screen waits for its verdict. */
static void ask_pin_check(Session *s)
{
  SessionRequest *req = g_new0(SessionRequest, 1);

  req->type = REQ_CHECK_PIN;
  g_strlcpy(req->officer, s->pin_officer, sizeof req->officer);
  g_strlcpy(req->pin, s->entry, sizeof req->pin);
  req->pin_check = ++s->pin_check;
  g_queue_push_tail(&s->requests, req);
  entry_clear(s->entry, sizeof s->entry);
  s->pin_checking = TRUE;
}

/* A right PIN unlocks officer mode (or confirms the four-eyes action) once
 * the log holds it; a wrong one counts towards that officer's lockout. */
static void pin_verdict(Session *s, OfficerPinVerdict verdict,
                        const SessionEvent *ev, gint64 now_us)
{
  const char *id = s->pin_officer;
  Lockout *lockout = officer_lockout(s, id, FALSE);

  if (verdict != OFFICER_PIN_RIGHT) {
    wrong_pin(s, verdict, now_us);
    return;
  }
  if (s->four_eyes_action && g_str_equal(id, s->officer)) {
    /* The bootstrap PIN twice is still one officer. */
    s->notice = g_strdup(_("A second, different officer must confirm."));
    return;
  }
  if (lockout && (lockout->failures || lockout->locked_until_us)) {
    lockout_reset(lockout);
    save_officer_lockout(s, id);
  }
  if (s->four_eyes_action) {
    four_eyes_confirmed(s, ev, now_us);
    return;
  }
  g_strlcpy(s->officer, id, sizeof s->officer);
  if (!audit(s, "officer", "officer.unlocked", TRUE))
    return;
  s->officer_unlocked = TRUE;
  s->idle_locked = FALSE;
  transition(s, s->pin_return, ev);
}

static void submit_pin(Session *s, const SessionEvent *ev, gint64 now_us)
{
  OfficerPinVerdict verdict;

  g_clear_pointer(&s->notice, g_free);
  if (!*s->pin_officer &&
      lockout_locked(officer_lockout(s, "", FALSE), now_us)) {
    entry_clear(s->entry, sizeof s->entry);
    s->notice = g_strdup(_("Officer mode is locked after too many wrong "
                           "PINs."));
    return;
  }
  if (s->pin_async) {
    ask_pin_check(s);
    return;
  }
  verdict = check_officer_pin(s);
  entry_clear(s->entry, sizeof s->entry);
  pin_verdict(s, verdict, ev, now_us);
}

void session_set_pin_checks_async(Session *s, gboolean async)
{
  s->pin_async = async;
}

gboolean session_pin_checking(const Session *s)
{
  return s->pin_checking;
}

void session_pin_checked(Session *s, guint pin_check, OfficerPinVerdict verdict,
                         gint64 now_us)
{
  /* The PIN's own submit, as the synchronous check handles it. */
  SessionEvent ev = {.type = EV_SUBMIT};

  if (!s->pin_checking || pin_check != s->pin_check ||
      s->state != SESSION_OFFICER_PIN) {
    g_debug("session: the verdict of PIN check %u is not awaited; dropped",
            pin_check);
    return;
  }
  s->pin_checking = FALSE;
  pin_verdict(s, verdict, &ev, now_us);
}

/* FOUR EYES, for every officer action that [officer] four_eyes can name
 * (engineer fpflow: the permanent finger exception calls this with
 * OFFICER_ACTION_PERMANENT_FINGER_EXCEPTION and its own continuation).
 * Runs `then` at once when the configuration does not name `action`, or
 * when no named officers are set up (the bootstrap PIN is one shared PIN,
 * so a second one proves nothing). Otherwise the PIN screen asks a second,
 * different officer for their id and PIN; once the log holds their
 * "officer.four_eyes.<action>" entry, the session goes back to the state
 * it was in and runs `then` there, in the name of the first officer. Cancel
 * goes back without running it. `then` must check again what it needs
 * (phase, officer_unlocked) as the press it follows did. */
static void officer_four_eyes(Session *s, OfficerAction action,
                              OfficerConfirmed then, const SessionEvent *ev,
                              gint64 now_us)
{
  if (!(s->four_eyes & action) || !officers_named(s)) {
    then(s, ev, now_us);
    return;
  }
  officer_pin_begin(s, s->state, ev);
  s->four_eyes_action = action;
  s->four_eyes_then = then;
}

static void handle_officer_pin(Session *s, const SessionEvent *ev,
                               gint64 now_us)
{
  gboolean locked = !*s->pin_officer && !s->pin_id_step &&
                    lockout_locked(officer_lockout(s, "", FALSE), now_us);

  /* Nothing typed counts while a PIN is being checked (a moment). */
  if (s->pin_checking && (ev->type == EV_KEY || ev->type == EV_BACKSPACE ||
                          ev->type == EV_SUBMIT || ev->type == EV_BUTTON))
    return;

  switch (ev->type) {
  case EV_KEY:
    if (!locked)
      entry_key(s->entry,
                s->pin_id_step ? OFFICER_ID_MAX_DIGITS : PIN_MAX_DIGITS,
                ev->key);
    break;
  case EV_BACKSPACE:
    entry_backspace(s->entry);
    break;
  case EV_SUBMIT:
    if (s->pin_id_step)
      submit_officer_id(s, now_us);
    else if (!locked && s->entry[0] != '\0')
      submit_pin(s, ev, now_us);
    break;
  case EV_BUTTON:
    if (button_is(ev, VIEW_BUTTON_CANCEL) && !s->idle_locked) {
      entry_clear(s->entry, sizeof s->entry);
      g_clear_pointer(&s->notice, g_free);
      transition(s, s->four_eyes_action ? s->pin_return : SESSION_PERSON, ev);
      s->four_eyes_action = 0;
      s->four_eyes_then = NULL;
    }
    break;
  case EV_TIMEOUT_IDLE:
    abandon(s, ev);
    break;
  case EV_ACTIVITY:
  case EV_TICK:
  case EV_TIMEOUT_DEVICE:
  case EV_PHOTO_TAKEN:
  case EV_SIGNATURE_DONE:
  case EV_FINGER_DONE:
  case EV_DEVICE_ERROR:
  case EV_RECORD_STORED:
  case EV_N_EVENTS:
    break;
  }
}

static void handle_officer_check(Session *s, const SessionEvent *ev,
                                 gint64 now_us)
{
  switch (ev->type) {
  case EV_BUTTON:
    if (button_is(ev, VIEW_BUTTON_DOCUMENTS_SEEN)) {
      /* No capture without room to store its record. */
      s->no_room = !capture_room(s);
      if (s->no_room)
        break;
      /* No capture that the log does not hold. */
      if (!audit(s, "officer",
                 s->current.plan.fingerprints
                     ? "officer.documents_seen.fingerprints"
                     : "officer.documents_seen.no_fingerprints",
                 TRUE))
        break;
      s->current.documents_seen = TRUE;
      enter_step(s, next_step(s, SESSION_OFFICER_CHECK), ev, now_us);
    } else if (button_is(ev, VIEW_BUTTON_HEAD_COVERING)) {
      /* The applicant's declaration, recorded by the officer: only then is
       * a (smooth, single-coloured, contrasting) covering allowed. */
      gboolean declared = !s->current.head_covering;

      if (audit(s, "officer",
                declared ? "officer.head_covering_declared"
                         : "officer.head_covering_withdrawn",
                TRUE))
        s->current.head_covering = declared;
    } else if (button_is(ev, VIEW_BUTTON_FINGERPRINTS)) {
      /* The desk decides: the policy default is only a proposal. */
      s->current.plan.fingerprints = !s->current.plan.fingerprints;
      g_debug("session: officer set fingerprints %s",
              s->current.plan.fingerprints ? "on" : "off");
    } else if (button_is(ev, VIEW_BUTTON_CANCEL)) {
      transition(s, SESSION_PERSON, ev);
    }
    break;
  case EV_TIMEOUT_IDLE:
    abandon(s, ev);
    break;
  case EV_KEY:
  case EV_BACKSPACE:
  case EV_SUBMIT:
  case EV_ACTIVITY:
  case EV_TICK:
  case EV_TIMEOUT_DEVICE:
  case EV_PHOTO_TAKEN:
  case EV_SIGNATURE_DONE:
  case EV_FINGER_DONE:
  case EV_DEVICE_ERROR:
  case EV_RECORD_STORED:
  case EV_N_EVENTS:
    break;
  }
}

/* The officer accepts a refused or referred photo, after a second officer
 * when [officer] four_eyes asks for one; the reasons stay in the record
 * next to the override. */
static void photo_override_confirmed(Session *s, const SessionEvent *ev,
                                     gint64 now_us)
{
  if (s->state != SESSION_PHOTO || s->phase != STEP_REFUSED ||
      !s->officer_unlocked)
    return;
  if (!audit(s, "officer",
             s->photo_referred ? "officer.photo_referral_accepted"
                               : "officer.photo_refusal_overridden",
             TRUE))
    return;
  s->current.photo_override = TRUE;
  s->current.photo_override_reason = s->photo_referred
                                         ? "officer_accepted_referral"
                                         : "officer_overrode_refusal";
  enter_step(s, next_step(s, SESSION_PHOTO), ev, now_us);
}

static void handle_photo(Session *s, const SessionEvent *ev, gint64 now_us)
{
  switch (ev->type) {
  case EV_BUTTON:
    if (button_is(ev, VIEW_BUTTON_TAKE) &&
        (s->phase == STEP_LIVE || s->phase == STEP_FAILED)) {
      g_ptr_array_set_size(s->guidance, 0);
      set_phase(s, STEP_WAITING, ev);
      await_device(s, REQ_TAKE_PHOTO, 0, SESSION_PHOTO_TIMEOUT_MS, now_us);
    } else if (button_is(ev, VIEW_BUTTON_RETAKE) && s->phase != STEP_WAITING) {
      enter_step(s, SESSION_PHOTO, ev, now_us);
    } else if (button_is(ev, VIEW_BUTTON_ACCEPT) && s->phase == STEP_RESULT) {
      s->current.photo_override = FALSE;
      enter_step(s, next_step(s, SESSION_PHOTO), ev, now_us);
    } else if (button_is(ev, VIEW_BUTTON_OVERRIDE) &&
               s->phase == STEP_REFUSED && s->officer_unlocked) {
      officer_four_eyes(s, OFFICER_ACTION_PHOTO_OVERRIDE,
                        photo_override_confirmed, ev, now_us);
    }
    break;
  case EV_PHOTO_TAKEN:
    if (s->phase != STEP_WAITING)
      break;
    s->device_deadline_us = 0;
    set_reasons(s, ev->reasons);
    s->photo_referred = ev->referred;
    g_ptr_array_set_size(s->photo_referrals, 0);
    for (gsize i = 0; ev->referrals && ev->referrals[i]; i++)
      g_ptr_array_add(s->photo_referrals, g_strdup(ev->referrals[i]));
    set_phase(s, ev->ok ? STEP_RESULT : STEP_REFUSED, ev);
    request(s, REQ_LIVEVIEW_OFF, 0);
    break;
  case EV_DEVICE_ERROR:
    if (s->phase == STEP_WAITING)
      device_failed(s, ev, ev->message);
    break;
  case EV_TIMEOUT_DEVICE:
    if (s->phase == STEP_WAITING) {
      request(s, REQ_CANCEL_DEVICES, 0);
      device_failed(s, ev, _("The camera did not respond."));
    }
    break;
  case EV_TIMEOUT_IDLE:
    abandon(s, ev);
    break;
  case EV_KEY:
  case EV_BACKSPACE:
  case EV_SUBMIT:
  case EV_ACTIVITY:
  case EV_TICK:
  case EV_SIGNATURE_DONE:
  case EV_FINGER_DONE:
  case EV_RECORD_STORED:
  case EV_N_EVENTS:
    break;
  }
}

static void handle_signature(Session *s, const SessionEvent *ev, gint64 now_us)
{
  switch (ev->type) {
  case EV_SIGNATURE_DONE:
    if (s->phase != STEP_WAITING)
      break;
    s->device_deadline_us = 0;
    set_reasons(s, ev->reasons);
    set_phase(s, ev->ok ? STEP_RESULT : STEP_REFUSED, ev);
    break;
  case EV_BUTTON:
    if (button_is(ev, VIEW_BUTTON_ACCEPT) && s->phase == STEP_RESULT)
      enter_step(s, next_step(s, SESSION_SIGNATURE), ev, now_us);
    else if (button_is(ev, VIEW_BUTTON_REDO) && s->phase != STEP_WAITING)
      enter_step(s, SESSION_SIGNATURE, ev, now_us);
    break;
  case EV_DEVICE_ERROR:
    if (s->phase == STEP_WAITING)
      device_failed(s, ev, ev->message);
    break;
  case EV_TIMEOUT_DEVICE:
    if (s->phase == STEP_WAITING) {
      request(s, REQ_CANCEL_DEVICES, 0);
      device_failed(s, ev, _("No signature was received."));
    }
    break;
  case EV_TIMEOUT_IDLE:
    abandon(s, ev);
    break;
  case EV_KEY:
  case EV_BACKSPACE:
  case EV_SUBMIT:
  case EV_ACTIVITY:
  case EV_TICK:
  case EV_PHOTO_TAKEN:
  case EV_FINGER_DONE:
  case EV_RECORD_STORED:
  case EV_N_EVENTS:
    break;
  }
}

/* A finger starts anew: no impression yet. */
static void finger_restart(Session *s)
{
  s->finger_attempts = 0;
  s->finger_good = 0;
  s->finger_impressions = 0;
  s->finger_picking = FALSE;
}

/* Asks for the finger at finger_index, or shows the result when all done.
 * A slot none of whose fingers is left (all marked unavailable) is passed
 * over. */
static void next_finger(Session *s, const SessionEvent *ev, gint64 now_us)
{
  while (s->finger_index < s->current.n_fingers &&
         s->current.fingers[s->finger_index] == FINGER_UNKNOWN)
    s->finger_index++;
  if (s->finger_index >= s->current.n_fingers) {
    set_phase(s, STEP_RESULT, ev);
    s->device_deadline_us = 0;
    return;
  }
  set_phase(s, STEP_WAITING, ev);
  await_device(s, REQ_CAPTURE_FINGER, s->current.fingers[s->finger_index],
               SESSION_FINGER_TIMEOUT_MS, now_us);
}

static void set_exception_step(Session *s, ExceptionStep to)
{
  static const char *const names[] = {"none", "kind", "reason", "temporary",
                                      "photo"};

  if (s->exception_step != to)
    g_debug("session: finger exception %s --> %s", names[s->exception_step],
            names[to]);
  s->exception_step = to;
}

/* Whether a permanent finger exception waits for a second, different
 * officer's PIN ([officer] four_eyes names permanent_finger_exception and
 * named officers are set up): officer_four_eyes()'s own rule. */
static gboolean exception_needs_second_officer(Session *s)
{
  return (s->four_eyes & OFFICER_ACTION_PERMANENT_FINGER_EXCEPTION) &&
         officers_named(s);
}

/* The finger after the one being taken in its slot, or FINGER_UNKNOWN. */
static FingerPosition substitute_finger(const Session *s)
{
  int slot = s->finger_index;

  return finger_plan_next(&s->finger_plan.slots[slot],
                          s->current.fingers[slot]);
}

/* Appends the exception being chosen to the person's, as of now. */
static void keep_exception(Session *s)
{
  SessionPerson *p = &s->current;
  FingerException *e = &s->exception;

  if (p->n_finger_exceptions >= FINGER_MAX_EXCEPTIONS)
    return; /* one per finger of the plan: cannot happen */
  e->finger = p->fingers[s->finger_index];
  char actor[OFFICER_ACTOR_SIZE];

  /* As the audit log names them: "officer:<id>", "officer" for the
   * bootstrap PIN. */
  g_strlcpy(e->officer, officer_actor(actor, s->officer), sizeof e->officer);
  e->time = g_date_time_to_unix(s->clock);
  /* The review shows its photo; the runtime keeps the JPEG. */
  e->photo = e->photo && s->exphoto_image.pixels;
  if (e->photo) {
    s->exception_photos[p->n_finger_exceptions] = s->exphoto_image;
    memset(&s->exphoto_image, 0, sizeof s->exphoto_image);
  }
  p->finger_exceptions[p->n_finger_exceptions++] = *e;
  set_exception_step(s, EXCEPTION_NONE);
}

/* The finger is recorded as unavailable and the next one of its slot (or
 * of the next slot) is asked for. */
static void except_finger(Session *s, const SessionEvent *ev, gint64 now_us)
{
  int slot = s->finger_index;
  FingerPosition next = substitute_finger(s);

  if (!audit(s, "officer",
             s->exception.kind == FINGER_EXCEPTION_PERMANENT
                 ? "officer.finger_exception.permanent"
                 : "officer.finger_exception.temporary",
             TRUE))
    return;
  keep_exception(s);
  g_debug("session: %s unavailable, next %s",
          finger_position_to_string(s->current.fingers[slot]),
          finger_position_to_string(next));
  s->current.fingers[slot] = next;
  finger_restart(s);
  next_finger(s, ev, now_us);
}

/* A temporary exception postpones the person's fingerprints: the review
 * and the done screen say so, and the record carries the exception. */
static void postpone_fingerprints(Session *s, const SessionEvent *ev,
                                  gint64 now_us)
{
  if (!audit(s, "officer", "officer.fingerprints_postponed", TRUE))
    return;
  keep_exception(s);
  s->current.fingerprints_postponed = TRUE;
  enter_step(s, SESSION_REVIEW, ev, now_us);
}

/* A permanent exception once a second officer confirmed it (four eyes),
 * or at once when none is asked for. */
static void permanent_exception_confirmed(Session *s, const SessionEvent *ev,
                                          gint64 now_us)
{
  char actor[OFFICER_ACTOR_SIZE];

  if (s->state != SESSION_FINGERPRINT || !s->officer_unlocked ||
      s->exception_step != EXCEPTION_REASON || !s->exception.reason)
    return;
  if (exception_needs_second_officer(s))
    g_strlcpy(s->exception.confirmed_by, officer_actor(actor, s->pin_officer),
              sizeof s->exception.confirmed_by);
  except_finger(s, ev, now_us);
}

/* ---- the officer's exception photo (docs/fingerprints.md) ---- */

static void set_exphoto(Session *s, ExPhotoPhase to)
{
  static const char *const names[] = {"live", "waiting", "taken", "failed"};

  if (s->exphoto != to)
    g_debug("session: exception photo %s --> %s", names[s->exphoto], names[to]);
  s->exphoto = to;
}

/* The camera's live view for the photo; nothing taken yet. */
static void exception_photo_live(Session *s)
{
  owned_image_set(&s->exphoto_image, 0, 0, 0, NULL);
  s->exception.photo = FALSE;
  set_exphoto(s, EXPHOTO_LIVE);
  request(s, REQ_LIVEVIEW_ON, 0);
}

static void start_exception_photo(Session *s)
{
  set_exception_step(s, EXCEPTION_PHOTO);
  exception_photo_live(s);
}

/* Leaving the photo screen: the live view stops, a still still awaited
 * is cancelled. */
static void exception_photo_stop(Session *s)
{
  if (s->exception_step != EXCEPTION_PHOTO)
    return;
  if (s->exphoto == EXPHOTO_LIVE) {
    request(s, REQ_LIVEVIEW_OFF, 0);
  } else if (s->exphoto == EXPHOTO_WAITING) {
    request(s, REQ_CANCEL_DEVICES, 0);
    s->device_deadline_us = 0;
  }
}

static void exception_photo_failed(Session *s, const char *what)
{
  set_exphoto(s, EXPHOTO_FAILED);
  s->device_deadline_us = 0;
  g_free(s->device_message);
  s->device_message = g_strdup(what);
}

/* With the photo or without it, on to what the exception's kind asks for:
 * postpone or substitute (temporary), a second officer (permanent; their
 * Back returns to the reasons). */
static void exception_photo_done(Session *s, gboolean keep_photo,
                                 const SessionEvent *ev, gint64 now_us)
{
  exception_photo_stop(s);
  s->exception.photo = keep_photo;
  if (!keep_photo)
    owned_image_set(&s->exphoto_image, 0, 0, 0, NULL);
  if (s->exception.kind == FINGER_EXCEPTION_TEMPORARY) {
    set_exception_step(s, EXCEPTION_TEMPORARY);
    return;
  }
  set_exception_step(s, EXCEPTION_REASON);
  officer_four_eyes(s, OFFICER_ACTION_PERMANENT_FINGER_EXCEPTION,
                    permanent_exception_confirmed, ev, now_us);
}

/* The photo screen's buttons: take, take again, use (audited in the
 * officer's name before it is kept), or go on without one. */
static void exception_photo_button(Session *s, const SessionEvent *ev,
                                   gint64 now_us)
{
  if (button_is(ev, VIEW_BUTTON_TAKE) && s->exphoto == EXPHOTO_LIVE) {
    set_exphoto(s, EXPHOTO_WAITING);
    await_device(s, REQ_TAKE_EXCEPTION_PHOTO,
                 s->current.fingers[s->finger_index], SESSION_PHOTO_TIMEOUT_MS,
                 now_us);
  } else if (button_is(ev, VIEW_BUTTON_RETAKE) &&
             (s->exphoto == EXPHOTO_TAKEN || s->exphoto == EXPHOTO_FAILED)) {
    exception_photo_live(s);
  } else if (button_is(ev, VIEW_BUTTON_ACCEPT) && s->exphoto == EXPHOTO_TAKEN) {
    if (audit(s, "officer", "officer.finger_exception.photo", TRUE))
      exception_photo_done(s, TRUE, ev, now_us);
  } else if (button_is(ev, VIEW_BUTTON_SKIP) && s->exphoto != EXPHOTO_WAITING) {
    exception_photo_done(s, FALSE, ev, now_us);
  }
}

/* The camera's answer while the photo is awaited; TRUE when `ev` was it. */
static gboolean exception_photo_event(Session *s, const SessionEvent *ev)
{
  if (s->exception_step != EXCEPTION_PHOTO || s->exphoto != EXPHOTO_WAITING)
    return FALSE;
  switch (ev->type) {
  case EV_PHOTO_TAKEN:
    if (ev->ok && s->exphoto_image.pixels) {
      set_exphoto(s, EXPHOTO_TAKEN);
      s->device_deadline_us = 0;
    } else {
      exception_photo_failed(s, _("The camera did not deliver a photo."));
    }
    return TRUE;
  case EV_DEVICE_ERROR:
    exception_photo_failed(s, ev->message);
    return TRUE;
  case EV_TIMEOUT_DEVICE:
    request(s, REQ_CANCEL_DEVICES, 0);
    exception_photo_failed(s, _("The camera did not answer."));
    return TRUE;
  default:
    return FALSE;
  }
}

static void exception_reason(Session *s, const SessionEvent *ev, gint64 now_us)
{
  const char *code = ev->button + strlen(VIEW_BUTTON_REASON_PREFIX);

  s->exception.reason = finger_exception_reason(s->exception.kind, code);
  if (!s->exception.reason)
    return;
  start_exception_photo(s);
}

/* The officer's "finger not available": offered while the reader waits,
 * after refused prints and after the reader failed or timed out. */
static gboolean exception_offered(const Session *s)
{
  return s->officer_unlocked && s->exception_step == EXCEPTION_NONE &&
         s->finger_index < s->current.n_fingers && !s->finger_picking &&
         (s->phase == STEP_WAITING || s->phase == STEP_REFUSED ||
          s->phase == STEP_FAILED);
}

static void start_exception(Session *s, const SessionEvent *ev)
{
  if (s->phase == STEP_WAITING) {
    request(s, REQ_CANCEL_DEVICES, 0);
    s->device_deadline_us = 0;
  }
  memset(&s->exception, 0, sizeof s->exception);
  set_phase(s, STEP_LIVE, ev);
  set_exception_step(s, EXCEPTION_KIND);
}

/* The exception screens' buttons; TRUE when `ev` was one of them (every
 * button is theirs while one is shown). */
static gboolean exception_button(Session *s, const SessionEvent *ev,
                                 gint64 now_us)
{
  if (button_is(ev, VIEW_BUTTON_MISSING) && exception_offered(s)) {
    start_exception(s, ev);
    return TRUE;
  }
  if (s->exception_step == EXCEPTION_NONE)
    return FALSE;
  if (button_is(ev, VIEW_BUTTON_CANCEL)) {
    exception_photo_stop(s);
    owned_image_set(&s->exphoto_image, 0, 0, 0, NULL);
    set_exception_step(s, EXCEPTION_NONE);
    finger_restart(s);
    next_finger(s, ev, now_us); /* the same finger again */
  } else if (s->exception_step == EXCEPTION_KIND &&
             (button_is(ev, VIEW_BUTTON_FINGER_TEMPORARY) ||
              button_is(ev, VIEW_BUTTON_FINGER_PERMANENT))) {
    s->exception.kind = button_is(ev, VIEW_BUTTON_FINGER_PERMANENT)
                            ? FINGER_EXCEPTION_PERMANENT
                            : FINGER_EXCEPTION_TEMPORARY;
    set_exception_step(s, EXCEPTION_REASON);
  } else if (s->exception_step == EXCEPTION_REASON &&
             g_str_has_prefix(ev->button, VIEW_BUTTON_REASON_PREFIX)) {
    exception_reason(s, ev, now_us);
  } else if (s->exception_step == EXCEPTION_PHOTO) {
    exception_photo_button(s, ev, now_us);
  } else if (s->exception_step == EXCEPTION_TEMPORARY &&
             button_is(ev, VIEW_BUTTON_POSTPONE)) {
    postpone_fingerprints(s, ev, now_us);
  } else if (s->exception_step == EXCEPTION_TEMPORARY &&
             button_is(ev, VIEW_BUTTON_SUBSTITUTE) &&
             substitute_finger(s) != FINGER_UNKNOWN) {
    except_finger(s, ev, now_us);
  }
  return TRUE;
}

/* The runtime's choice among the finger's impressions: the slot's print,
 * and on to the next finger. */
static void finger_kept(Session *s, const SessionEvent *ev, gint64 now_us)
{
  s->finger_picking = FALSE;
  if (!ev->ok) {
    set_phase(s, STEP_REFUSED, ev);
    s->device_deadline_us = 0;
    return;
  }
  s->finger_quality[s->finger_index] = ev->quality;
  s->current.finger_taken[s->finger_index] = TRUE;
  s->finger_index++;
  finger_restart(s);
  next_finger(s, ev, now_us);
}

/* Best of three (docs/fingerprints.md): impressions of the finger until
 * FINGER_IMPRESSIONS_WANTED are acceptable, FINGER_MAX_IMPRESSIONS are
 * taken or FINGER_MAX_ATTEMPTS in a row are poor; then the runtime keeps
 * the best (REQ_PICK_FINGER), or, with none acceptable, the officer
 * decides. */
static void finger_impression(Session *s, const SessionEvent *ev, gint64 now_us)
{
  s->finger_impressions++;
  if (ev->ok) {
    s->finger_good++;
    s->finger_attempts = 0;
  } else {
    s->finger_attempts++;
  }
  if (s->finger_good < FINGER_IMPRESSIONS_WANTED &&
      s->finger_impressions < FINGER_MAX_IMPRESSIONS &&
      s->finger_attempts < FINGER_MAX_ATTEMPTS) {
    next_finger(s, ev, now_us); /* the same finger again */
  } else if (s->finger_good > 0) {
    s->finger_picking = TRUE;
    await_device(s, REQ_PICK_FINGER, s->current.fingers[s->finger_index],
                 SESSION_FINGER_TIMEOUT_MS, now_us);
  } else {
    set_phase(s, STEP_REFUSED, ev); /* the officer decides */
    s->device_deadline_us = 0;
  }
}

static void handle_fingerprint(Session *s, const SessionEvent *ev,
                               gint64 now_us)
{
  if (exception_photo_event(s, ev))
    return;
  switch (ev->type) {
  case EV_FINGER_DONE:
    if (s->phase != STEP_WAITING)
      break;
    set_reasons(s, ev->reasons);
    if (s->finger_picking)
      finger_kept(s, ev, now_us);
    else
      finger_impression(s, ev, now_us);
    break;
  case EV_BUTTON:
    if (exception_button(s, ev, now_us))
      break;
    if (button_is(ev, VIEW_BUTTON_ACCEPT) && s->phase == STEP_RESULT) {
      enter_step(s, SESSION_REVIEW, ev, now_us);
    } else if (button_is(ev, VIEW_BUTTON_RETRY) &&
               (s->phase == STEP_REFUSED || s->phase == STEP_FAILED)) {
      finger_restart(s);
      next_finger(s, ev, now_us);
    }
    break;
  case EV_DEVICE_ERROR:
    if (s->phase == STEP_WAITING)
      device_failed(s, ev, ev->message);
    break;
  case EV_TIMEOUT_DEVICE:
    if (s->phase == STEP_WAITING) {
      request(s, REQ_CANCEL_DEVICES, 0);
      s->finger_picking = FALSE;
      device_failed(s, ev, _("No finger was detected on the reader."));
    }
    break;
  case EV_TIMEOUT_IDLE:
    abandon(s, ev);
    break;
  case EV_KEY:
  case EV_BACKSPACE:
  case EV_SUBMIT:
  case EV_ACTIVITY:
  case EV_TICK:
  case EV_PHOTO_TAKEN:
  case EV_SIGNATURE_DONE:
  case EV_RECORD_STORED:
  case EV_N_EVENTS:
    break;
  }
}

static void handle_review(Session *s, const SessionEvent *ev, gint64 now_us)
{
  switch (ev->type) {
  case EV_BUTTON:
    if (button_is(ev, VIEW_BUTTON_APPROVE) && s->officer_unlocked) {
      /* Nothing is stored that the log does not hold. */
      if (!audit(s, "officer", "officer.approved", TRUE))
        break;
      await_device(s, REQ_STORE_RECORD, 0, SESSION_STORE_TIMEOUT_MS, now_us);
      transition(s, SESSION_STORING, ev);
    } else if (button_is(ev, VIEW_BUTTON_REDO_PHOTO)) {
      enter_step(s, SESSION_PHOTO, ev, now_us);
    } else if (button_is(ev, VIEW_BUTTON_DISCARD)) {
      audit(s, "officer", "officer.discarded", FALSE);
      request(s, REQ_DISCARD_PERSON, 0);
      start_person(s, s->person_index + 1, ev);
    }
    break;
  case EV_TIMEOUT_IDLE:
    abandon(s, ev);
    break;
  case EV_KEY:
  case EV_BACKSPACE:
  case EV_SUBMIT:
  case EV_ACTIVITY:
  case EV_TICK:
  case EV_TIMEOUT_DEVICE:
  case EV_PHOTO_TAKEN:
  case EV_SIGNATURE_DONE:
  case EV_FINGER_DONE:
  case EV_DEVICE_ERROR:
  case EV_RECORD_STORED:
  case EV_N_EVENTS:
    break;
  }
}

static void handle_storing(Session *s, const SessionEvent *ev, gint64 now_us)
{
  switch (ev->type) {
  case EV_RECORD_STORED:
    s->device_deadline_us = 0;
    g_free(s->device_message);
    s->device_message = g_strdup(ev->message);
    request(s, REQ_DISCARD_PERSON, 0);
    transition(s, SESSION_DONE, ev);
    break;
  case EV_DEVICE_ERROR:
  case EV_TIMEOUT_DEVICE:
    /* Nothing was stored: the data is still in memory, the officer may try
     * again from the review screen. */
    s->device_deadline_us = 0;
    g_free(s->device_message);
    s->device_message =
        g_strdup(ev->message ? ev->message : _("Storing took too long."));
    transition(s, SESSION_REVIEW, ev);
    break;
  case EV_KEY:
  case EV_BACKSPACE:
  case EV_SUBMIT:
  case EV_BUTTON:
  case EV_ACTIVITY:
  case EV_TICK:
  case EV_TIMEOUT_IDLE:
  case EV_PHOTO_TAKEN:
  case EV_SIGNATURE_DONE:
  case EV_FINGER_DONE:
  case EV_N_EVENTS:
    break;
  }
}

static void handle_done(Session *s, const SessionEvent *ev, gint64 now_us)
{
  switch (ev->type) {
  case EV_BUTTON:
    if (!button_is(ev, VIEW_BUTTON_NEXT))
      break;
    /* fall through */
  case EV_TIMEOUT_IDLE:
    start_person(s, s->person_index + 1, ev);
    break;
  case EV_KEY:
  case EV_BACKSPACE:
  case EV_SUBMIT:
  case EV_ACTIVITY:
  case EV_TICK:
  case EV_TIMEOUT_DEVICE:
  case EV_PHOTO_TAKEN:
  case EV_SIGNATURE_DONE:
  case EV_FINGER_DONE:
  case EV_DEVICE_ERROR:
  case EV_RECORD_STORED:
  case EV_N_EVENTS:
    break;
  }
}

typedef void (*StateHandler)(Session *s, const SessionEvent *ev, gint64 now_us);

static const StateHandler handlers[SESSION_N_STATES] = {
    [SESSION_CHECKIN] = handle_checkin,
    [SESSION_MESSAGE] = handle_message,
    [SESSION_PERSON] = handle_person,
    [SESSION_OFFICER_PIN] = handle_officer_pin,
    [SESSION_OFFICER_CHECK] = handle_officer_check,
    [SESSION_PHOTO] = handle_photo,
    [SESSION_SIGNATURE] = handle_signature,
    [SESSION_FINGERPRINT] = handle_fingerprint,
    [SESSION_REVIEW] = handle_review,
    [SESSION_STORING] = handle_storing,
    [SESSION_DONE] = handle_done,
};

/* Is the session waiting for this device result or device timeout? The
 * runtime drops the results of cancelled or discarded work, so a result
 * nobody waits for is a bug somewhere, logged as such and not handled. */
static gboolean awaited(const Session *s, SessionEventType type)
{
  gboolean capturing =
      (s->state == SESSION_PHOTO || s->state == SESSION_SIGNATURE ||
       s->state == SESSION_FINGERPRINT) &&
      s->phase == STEP_WAITING;
  /* The officer's exception photo, within the fingerprint step. */
  gboolean exphoto = s->state == SESSION_FINGERPRINT &&
                     s->exception_step == EXCEPTION_PHOTO &&
                     s->exphoto == EXPHOTO_WAITING;

  switch (type) {
  case EV_PHOTO_TAKEN:
    return (capturing && s->state == SESSION_PHOTO) || exphoto;
  case EV_SIGNATURE_DONE:
    return capturing && s->state == SESSION_SIGNATURE;
  case EV_FINGER_DONE:
    return capturing && s->state == SESSION_FINGERPRINT;
  case EV_RECORD_STORED:
    return s->state == SESSION_STORING;
  case EV_DEVICE_ERROR:
  case EV_TIMEOUT_DEVICE:
    return capturing || exphoto || s->state == SESSION_STORING;
  case EV_KEY:
  case EV_BACKSPACE:
  case EV_SUBMIT:
  case EV_BUTTON:
  case EV_ACTIVITY:
  case EV_TICK:
  case EV_TIMEOUT_IDLE:
    return TRUE; /* input and time may come at any moment */
  case EV_N_EVENTS:
    break;
  }
  return FALSE;
}

static int more_time_left(const Session *s)
{
  return idle_prompt_left(&s->more_time, s->last_activity_us);
}

/* While "Do you need more time?" shows, a touch only dismisses it: it acts
 * on nothing the prompt hides. */
static gboolean more_time_taken(Session *s, const SessionEvent *ev,
                                gint64 now_us)
{
  switch (ev->type) {
  case EV_KEY:
  case EV_BACKSPACE:
  case EV_SUBMIT:
  case EV_BUTTON:
  case EV_ACTIVITY:
    break;
  default:
    return FALSE;
  }
  if (more_time_left(s) <= 0)
    return FALSE;
  g_debug("session: %s: more time asked", state_names[s->state]);
  s->last_activity_us = now_us;
  return TRUE;
}

/* The screens the applicant reads, which carry the language button. */
static gboolean applicant_screen(const Session *s)
{
  switch (s->state) {
  case SESSION_CHECKIN:
  case SESSION_MESSAGE:
  case SESSION_PERSON:
  case SESSION_PHOTO:
  case SESSION_SIGNATURE:
  case SESSION_FINGERPRINT:
  case SESSION_DONE:
    return TRUE;
  default:
    return FALSE;
  }
}

/* The header's language button and the chooser's buttons; the choice is
 * the current person's. */
static gboolean language_button(Session *s, const SessionEvent *ev)
{
  const char *to = NULL;

  if (!applicant_screen(s) ||
      !language_choice_button(&s->languages, s->person_index, ev->button, &to))
    return FALSE;
  if (to)
    switch_language(s, to);
  return TRUE;
}

static void dispatch(Session *s, const SessionEvent *ev, gint64 now_us)
{
  SessionState before = s->state;

  if (!awaited(s, ev->type)) {
    /* g_log() rather than g_warning(): tests can expect the message. */
    g_log(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
          "session bug: %s event in %s/%s, which does not wait for it; "
          "dropped",
          event_names[ev->type], state_names[s->state], phase_names[s->phase]);
    return;
  }

  if (more_time_taken(s, ev, now_us))
    return;
  if (is_activity(ev->type))
    s->last_activity_us = now_us;
  if (ev->type == EV_BUTTON && language_button(s, ev))
    return;
  handlers[s->state](s, ev, now_us);
  if (s->state == before && ev->type != EV_TICK)
    g_debug("session: %s: %s", state_names[s->state], event_names[ev->type]);
}

/* Inactivity counts only away from an empty check-in screen, and not while
 * a device works (the person is busy with it) or a record is stored. */
static gboolean idle_matters(const Session *s)
{
  if (s->state == SESSION_CHECKIN && s->entry[0] == '\0' && !s->notice &&
      !s->seated && !s->large_text)
    return FALSE;
  return s->device_deadline_us == 0 && s->state != SESSION_STORING;
}

/* The idle lock (docs/officers.md): officer mode locks itself
 * [officer] idle_lock_s after the last touch, counting down on screen for
 * the last idle_lock_warning_s. Not while a device works (the person is
 * busy with it) nor on the PIN screen itself. */
static gboolean officer_idle_applies(const Session *s)
{
  return s->officer_unlocked && s->config->officer_idle_lock_s > 0 &&
         s->state != SESSION_OFFICER_PIN && idle_matters(s);
}

/* The officer's screens and the capture steps go to the PIN screen and
 * come back to where they were; elsewhere (between persons) the next
 * Start asks for a PIN anyway. */
static void officer_idle_lock(Session *s, const SessionEvent *ev)
{
  SessionState at = s->state;

  audit(s, "officer", "officer.idle_locked", FALSE);
  s->officer_unlocked = FALSE;
  s->idle_countdown = 0;
  if (at == SESSION_OFFICER_CHECK || at == SESSION_PHOTO ||
      at == SESSION_SIGNATURE || at == SESSION_FINGERPRINT ||
      at == SESSION_REVIEW) {
    officer_pin_begin(s, at, ev);
    s->idle_locked = TRUE;
  }
  s->officer[0] = '\0';
}

static void officer_idle_tick(Session *s, const SessionEvent *ev, gint64 now_us)
{
  int lock_s = s->config->officer_idle_lock_s;

  if (!officer_idle_applies(s)) {
    s->idle_countdown = 0;
    return;
  }
  if (now_us - s->last_activity_us >= (gint64)lock_s * G_USEC_PER_SEC) {
    officer_idle_lock(s, ev);
    return;
  }
  s->idle_countdown =
      officer_idle_countdown(s->last_activity_us, now_us, lock_s,
                             s->config->officer_idle_lock_warning_s);
  s->idle_countdown_since = s->last_activity_us;
}

/* The seconds the countdown shows; 0 once a touch came after the tick that
 * counted them. */
static int idle_countdown_now(const Session *s)
{
  return s->idle_countdown_since == s->last_activity_us ? s->idle_countdown : 0;
}

/* When the countdown starts, then each second it shows, then the lock. */
static gint64 officer_idle_deadline(const Session *s)
{
  gint64 lock_us;

  if (!officer_idle_applies(s))
    return G_MAXINT64;
  lock_us = s->last_activity_us +
            (gint64)s->config->officer_idle_lock_s * G_USEC_PER_SEC;
  if (idle_countdown_now(s) <= 0)
    return lock_us -
           (gint64)s->config->officer_idle_lock_warning_s * G_USEC_PER_SEC;
  return lock_us - (gint64)(idle_countdown_now(s) - 1) * G_USEC_PER_SEC;
}

/* "Do you need more time?" asks the applicant: not on the officer's PIN
 * screen (the idle lock's own screen), where the reset comes unannounced. */
static gboolean more_time_applies(const Session *s)
{
  return s->config->idle_timeout_s > 0 && idle_matters(s) &&
         s->state != SESSION_OFFICER_PIN;
}

/* Timeouts are events: a tick past a deadline becomes the timeout event,
 * handled by the current state like any other. */
static void tick(Session *s, const SessionEvent *ev, gint64 now_us)
{
  gint64 idle_us = (gint64)s->config->idle_timeout_s * G_USEC_PER_SEC;

  dispatch(s, ev, now_us);
  if (s->device_deadline_us && now_us >= s->device_deadline_us) {
    SessionEvent timeout = {.type = EV_TIMEOUT_DEVICE};
    s->device_deadline_us = 0;
    dispatch(s, &timeout, now_us);
  }
  officer_idle_tick(s, ev, now_us);
  if (idle_us > 0 && idle_matters(s) &&
      now_us - s->last_activity_us >= idle_us) {
    SessionEvent timeout = {.type = EV_TIMEOUT_IDLE};
    dispatch(s, &timeout, now_us);
    s->last_activity_us = now_us;
  }
  idle_prompt_tick(&s->more_time, more_time_applies(s), s->last_activity_us,
                   now_us, s->config->idle_timeout_s,
                   s->config->idle_warning_s);
}

gint64 session_next_deadline(const Session *s)
{
  gint64 idle_us = (gint64)s->config->idle_timeout_s * G_USEC_PER_SEC;
  gint64 next = G_MAXINT64;

  if (s->device_deadline_us)
    next = s->device_deadline_us;
  if (idle_us > 0 && idle_matters(s))
    next = MIN(next, s->last_activity_us + idle_us);
  next = MIN(next, idle_prompt_deadline(
                       &s->more_time, more_time_applies(s), s->last_activity_us,
                       s->config->idle_timeout_s, s->config->idle_warning_s));
  return MIN(next, officer_idle_deadline(s));
}

void session_handle(Session *s, const SessionEvent *ev, gint64 now_us)
{
  g_return_if_fail(s && ev && ev->type < EV_N_EVENTS);
  if (ev->type == EV_TICK)
    tick(s, ev, now_us);
  else
    dispatch(s, ev, now_us);
}

/* ---- construction ------------------------------------------------------- */

Session *session_new(const KioskConfig *config, SessionLookupFunc lookup,
                     SessionPinFunc check_pin, gpointer user_data,
                     gint64 now_us)
{
  Session *s = g_new0(Session, 1);

  s->config = config;
  s->lookup = lookup;
  s->check_pin = check_pin;
  s->user_data = user_data;
  s->clock = g_date_time_new_now_local();
  s->state = SESSION_CHECKIN;
  s->last_activity_us = now_us;
  s->message_lines = g_ptr_array_new_with_free_func(g_free);
  s->reasons = g_ptr_array_new_with_free_func(g_free);
  s->guidance = g_ptr_array_new_with_free_func(g_free);
  s->photo_referrals = g_ptr_array_new_with_free_func(g_free);
  s->strings = g_ptr_array_new_with_free_func(g_free);
  g_queue_init(&s->requests);
  s->officer_lockouts =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  s->pin_return = SESSION_OFFICER_CHECK;
  if (!officer_four_eyes_parse(config->officer_four_eyes, &s->four_eyes))
    s->four_eyes = OFFICER_ACTION_PHOTO_OVERRIDE |
                   OFFICER_ACTION_PERMANENT_FINGER_EXCEPTION;
  /* The configuration checked the plan when it was read. */
  if (!config->fingerprint_plan ||
      !finger_plan_parse(config->fingerprint_plan, &s->finger_plan, NULL))
    finger_plan_parse(FINGER_PLAN_DEFAULT, &s->finger_plan, NULL);
  return s;
}

void session_free(Session *s)
{
  if (!s)
    return;
  end_appointment(s);
  g_clear_pointer(&s->clock, g_date_time_unref);
  g_free(s->notice);
  g_free(s->footer);
  g_free(s->message_title);
  g_ptr_array_unref(s->message_lines);
  g_ptr_array_unref(s->reasons);
  g_ptr_array_unref(s->guidance);
  g_ptr_array_unref(s->photo_referrals);
  g_ptr_array_unref(s->strings);
  g_queue_clear_full(&s->requests, g_free);
  g_hash_table_unref(s->officer_lockouts);
  g_free(s);
}

void session_set_clock(Session *s, GDateTime *now)
{
  g_return_if_fail(s && now);
  g_date_time_unref(s->clock);
  s->clock = g_date_time_ref(now);
}

GDateTime *session_clock(const Session *s)
{
  return s->clock;
}

gboolean session_next_request(Session *s, SessionRequest *ret_request)
{
  g_autofree SessionRequest *req = g_queue_pop_head(&s->requests);

  if (!req)
    return FALSE;
  *ret_request = *req;
  explicit_bzero(req->pin, sizeof req->pin);
  return TRUE;
}

void session_set_guidance(Session *s, const char *const *reasons)
{
  g_ptr_array_set_size(s->guidance, 0);
  /* Late results (the shot was already asked for) are not guidance. */
  if (s->state != SESSION_PHOTO || s->phase != STEP_LIVE)
    return;
  for (gsize i = 0; reasons && reasons[i]; i++)
    /* Height guidance is for the seated layout (docs/ui.md). */
    if (s->seated || !height_guidance_is(reasons[i]))
      g_ptr_array_add(s->guidance, g_strdup(reasons[i]));
}

void session_set_photo_marks(Session *s, const ViewMark *marks, int n_marks,
                             const ReasonFigure *figures, int n_figures)
{
  s->n_photo_marks = CLAMP(n_marks, 0, VIEW_MAX_MARKS);
  if (s->n_photo_marks > 0)
    memcpy(s->photo_marks, marks, s->n_photo_marks * sizeof *marks);
  s->n_photo_figures = CLAMP(n_figures, 0, SESSION_MAX_FIGURES);
  if (s->n_photo_figures > 0)
    memcpy(s->photo_figures, figures, s->n_photo_figures * sizeof *figures);
}

void session_set_room_check(Session *s, SessionRoomFunc check,
                            gpointer user_data)
{
  s->room = check;
  s->room_data = user_data;
}

void session_set_audit(Session *s, SessionAuditFunc writer, gpointer user_data)
{
  s->audit = writer;
  s->audit_data = user_data;
}

void session_set_audit_pending(Session *s, guint n_pending)
{
  if (n_pending != s->audit_pending)
    g_debug("session: %u audit entries wait to be written", n_pending);
  s->audit_pending = n_pending;
}

void session_restore_lockout(Session *s, SessionLockoutKind kind,
                             const Lockout *lockout)
{
  g_return_if_fail(s && lockout && kind < SESSION_N_LOCKOUTS);
  s->lockouts[kind] = *lockout;
  g_debug("session: %s lockout restored: %d failures%s",
          kind == SESSION_LOCKOUT_CHECKIN ? "check-in" : "officer PIN",
          lockout->failures, lockout->locked_until_us ? ", locked" : "");
  if (kind == SESSION_LOCKOUT_CHECKIN && lockout->locked_until_us &&
      s->state == SESSION_CHECKIN) {
    g_free(s->notice);
    s->notice = g_strdup(_("Too many wrong codes. Please see the desk."));
  }
}

void session_set_officers(Session *s, const SessionOfficers *officers,
                          gpointer user_data)
{
  g_return_if_fail(s && officers);
  s->officers = *officers;
  s->officers_data = user_data;
}

void session_restore_officer_lockout(Session *s, const char *officer_id,
                                     const Lockout *lockout)
{
  g_return_if_fail(s && officer_id_is_valid(officer_id) && lockout);
  *officer_lockout(s, officer_id, TRUE) = *lockout;
  g_debug("session: officer %s's lockout restored: %d failures%s", officer_id,
          lockout->failures, lockout->locked_until_us ? ", locked" : "");
}

const char *session_officer(const Session *s)
{
  return s->officer_unlocked ? s->officer : NULL;
}

gboolean session_officer_second(const Session *s)
{
  return s->state == SESSION_OFFICER_PIN && s->four_eyes_action != 0;
}

void session_set_footer(Session *s, const char *text)
{
  g_free(s->footer);
  s->footer = g_strdup(text);
}

SessionState session_state(const Session *s)
{
  return s->state;
}

const SessionPerson *session_person(const Session *s)
{
  return s->current.person ? &s->current : NULL;
}

int session_failed_checkins(const Session *s)
{
  return s->failed_checkins;
}

/* Where the camera's pictures go: in the fingerprint step only to the
 * exception photo screen (live frames only while it shows the live view);
 * NULL drops them. */
static OwnedImage *camera_image(Session *s, gboolean live)
{
  if (s->state != SESSION_FINGERPRINT)
    return &s->image;
  if (s->exception_step == EXCEPTION_PHOTO &&
      (!live || s->exphoto == EXPHOTO_LIVE))
    return &s->exphoto_image;
  return NULL;
}

void session_set_image(Session *s, int width, int height, int channels,
                       const guint8 *pixels)
{
  OwnedImage *to = camera_image(s, FALSE);

  if (to)
    owned_image_set(to, width, height, channels, pixels);
}

void session_set_live_frame(Session *s, int width, int height, int channels,
                            const guint8 *pixels, gint64 available_us)
{
  OwnedImage *to = camera_image(s, TRUE);

  if (!to)
    return;
  owned_image_set(to, width, height, channels, pixels);
  to->available_us = available_us;
}

void session_set_finger_image(Session *s, int index, int width, int height,
                              const guint8 *pixels)
{
  g_return_if_fail(index >= 0 && index < 2);
  owned_image_set(&s->fingers[index], width, height, 1, pixels);
}

void session_set_signature_image(Session *s, int width, int height,
                                 const guint8 *pixels)
{
  owned_image_set(&s->signature, width, height, 1, pixels);
}

/* ---- the view ------------------------------------------------------------ */

static const char *keep(Session *s, char *str)
{
  g_ptr_array_add(s->strings, str);
  return str;
}

static void line(Session *s, const char *text)
{
  if (s->view.n_lines < VIEW_MAX_LINES && text)
    s->view.lines[s->view.n_lines++] = text;
}

static void button(Session *s, const char *id, const char *label,
                   gboolean primary)
{
  ViewButton *b;

  if (s->view.n_buttons >= VIEW_MAX_BUTTONS)
    return;
  b = &s->view.buttons[s->view.n_buttons++];
  b->id = id;
  b->label = label;
  b->primary = primary;
  b->enabled = TRUE;
}

static ViewImage view_image(const OwnedImage *image)
{
  ViewImage v = {0};

  if (!image->pixels)
    return v;
  v.width = image->width;
  v.height = image->height;
  v.channels = image->channels;
  v.stride = (gsize)image->width * image->channels;
  v.pixels = image->pixels;
  v.available_us = image->available_us;
  return v;
}

static void steps(Session *s, SessionState at)
{
  const CapturePlan *plan = &s->current.plan;
  int n = 1 + (plan->photo ? 1 : 0) + (plan->signature ? 1 : 0) +
          (plan->fingerprints ? 1 : 0);
  int i = 0;

  if (plan->photo) {
    i++;
    if (at == SESSION_PHOTO)
      goto done;
  }
  if (plan->signature) {
    i++;
    if (at == SESSION_SIGNATURE)
      goto done;
  }
  if (plan->fingerprints) {
    i++;
    if (at == SESSION_FINGERPRINT)
      goto done;
  }
  i++;
done:
  s->view.step = i;
  s->view.n_steps = n;
}

static void reasons_lines(Session *s)
{
  for (guint i = 0; i < s->reasons->len; i++)
    line(s, reason_text(g_ptr_array_index(s->reasons, i)));
}

/* A refused photo: each reason with its figure where one was measured
 * ("too light (lightness 91, limit 70)"), and the marks over the photo. */
static void photo_refusal_lines(Session *s)
{
  gboolean target = FALSE;

  for (guint i = 0; i < s->reasons->len; i++) {
    const char *code = g_ptr_array_index(s->reasons, i);
    char *text = NULL;

    for (int f = 0; f < s->n_photo_figures && !text; f++)
      if (g_strcmp0(s->photo_figures[f].reason, code) == 0)
        text = reason_figure_text(&s->photo_figures[f]);
    line(s, text ? keep(s, text) : reason_text(code));
  }
  memcpy(s->view.marks, s->photo_marks, sizeof s->photo_marks);
  s->view.n_marks = s->n_photo_marks;
  for (int i = 0; i < s->n_photo_marks; i++)
    target = target || s->photo_marks[i].role == VIEW_MARK_TARGET;
  if (s->n_photo_marks > 0)
    s->view.image_caption = photo_marks_legend(target);
}

/* For the officer who accepted a refused photo anyway, on the review
 * screen: what the validator also doubted but did not tell the applicant
 * (a doubt that hair is an undeclared covering), by code. */
static void photo_referral_lines(Session *s)
{
  const char *title = _("The desk officer checks this photo");

  for (guint i = 0; i < s->photo_referrals->len; i++) {
    const char *code = g_ptr_array_index(s->photo_referrals, i);
    line(s, keep(s, g_strdup_printf("%s: %s", title, code)));
  }
}

static void person_header(Session *s)
{
  if (s->current.person)
    s->view.person = s->current.person->name;
}

/* The seated layout and large text, switched on the check-in screen; a
 * check mark says which are on (colour is never the only signal). */
static void access_buttons(Session *s)
{
  button(s, VIEW_BUTTON_SEATED,
         keep(s, g_strconcat(s->seated ? "✓ " : "", _("Seated"), NULL)), FALSE);
  button(s, VIEW_BUTTON_LARGE_TEXT,
         keep(s, g_strconcat(s->large_text ? "✓ " : "", _("Large text"), NULL)),
         FALSE);
}

static void view_checkin(Session *s)
{
  KioskView *v = &s->view;

  v->screen = VIEW_CHECKIN;
  v->title = _("Welcome. Please enter your appointment code");
  line(s, _("You find the code in the confirmation e-mail of your "
            "appointment."));
  v->entry = s->entry;
  v->entry_max = CODE_MAX_DIGITS;
  if (s->notice) {
    line(s, s->notice);
    v->warning = TRUE;
  }
  access_buttons(s);
}

static void view_message(Session *s)
{
  s->view.screen = VIEW_MESSAGE;
  s->view.title = s->message_title;
  s->view.warning = s->message_warning;
  for (guint i = 0; i < s->message_lines->len; i++)
    line(s, g_ptr_array_index(s->message_lines, i));
  button(s, VIEW_BUTTON_OK, _("OK"), TRUE);
}

static void view_person(Session *s)
{
  KioskView *v = &s->view;
  int n = (int)s->appointment->persons->len;

  v->screen = VIEW_PERSON;
  person_header(s);
  v->title = _("Your turn");
  if (n > 1)
    line(s, keep(s, g_strdup_printf(_("Person %d of %d on this appointment."),
                                    s->person_index + 1, n)));
  if (s->person_verdict != PERSON_CAPTURE) {
    line(s, skip_explanation(s->person_verdict));
    button(s, VIEW_BUTTON_NEXT, _("OK"), TRUE);
    return;
  }
  line(s, s->current.plan.signature
              ? _("We take a passport photo and your signature on the pad.")
              : _("We take a passport photo."));
  if (s->current.plan.fingerprints)
    line(s, _("The desk officer may also take two fingerprints."));
  line(s, _("Please have your passport and your residence document or "
            "W-document (or police report) ready for the desk officer."));
  button(s, VIEW_BUTTON_START, _("Start"), TRUE);
  button(s, VIEW_BUTTON_STOP, _("Stop"), FALSE);
}

static const char *four_eyes_action_text(OfficerAction action)
{
  return action == OFFICER_ACTION_PHOTO_OVERRIDE
             ? _("Accept a photo the kiosk refused")
             : _("Record a finger as permanently unavailable");
}

/* The PIN screen's title: whose number or PIN it asks for. */
static const char *officer_pin_title(Session *s)
{
  if (s->pin_id_step)
    return s->four_eyes_action ? _("Second officer: enter your officer number")
                               : _("Desk officer: enter your officer number");
  if (*s->pin_officer)
    return keep(
        s, g_strdup_printf(_("Officer %s: enter your PIN"), s->pin_officer));
  return _("Desk officer: enter your PIN");
}

static void view_officer_pin(Session *s)
{
  KioskView *v = &s->view;

  v->screen = VIEW_OFFICER_PIN;
  v->title = officer_pin_title(s);
  if (s->four_eyes_action) {
    line(s, four_eyes_action_text(s->four_eyes_action));
    line(s, keep(s, g_strdup_printf(_("Officer %s asks for this. A second, "
                                      "different officer confirms it with "
                                      "their own number and PIN."),
                                    s->officer)));
  } else if (s->idle_locked) {
    line(s, keep(s, g_strdup_printf(_("Officer mode locked itself after %d "
                                      "seconds without a touch. An officer "
                                      "unlocks it to go on."),
                                    s->config->officer_idle_lock_s)));
  } else {
    line(s, _("The desk officer checks the documents and supervises the "
              "capture."));
  }
  v->entry = s->entry;
  v->entry_masked = !s->pin_id_step;
  v->entry_max = s->pin_id_step ? OFFICER_ID_MAX_DIGITS : PIN_MAX_DIGITS;
  if (s->pin_checking)
    line(s, _("Checking the PIN…"));
  if (s->notice) {
    line(s, s->notice);
    v->warning = TRUE;
  }
  if (!s->idle_locked)
    button(s, VIEW_BUTTON_CANCEL, _("Cancel"), FALSE);
}

/* The idle lock's countdown, below whatever the screen shows. */
static void officer_idle_view(Session *s)
{
  int left = idle_countdown_now(s);

  if (left <= 0 || !officer_idle_applies(s))
    return;
  if (s->view.n_lines == VIEW_MAX_LINES)
    s->view.n_lines--;
  line(s, keep(s, g_strdup_printf(_("Officer mode locks in %d s. Touch the "
                                    "screen to stay in it."),
                                  left)));
  s->view.warning = TRUE;
}

static void view_officer_check(Session *s)
{
  KioskView *v = &s->view;
  const Person *p = s->current.person;

  v->screen = VIEW_MESSAGE;
  v->spoken = ""; /* the officer's screen: not read aloud */
  person_header(s);
  v->title = _("Desk officer: check the documents");
  line(s, keep(s, g_strdup_printf(_("%s, born %s (%s)."), p->name,
                                  p->date_of_birth,
                                  document_type_label(p->document_type))));
  line(s, _("Seen: valid passport or travel document, and the old residence "
            "document or W-document, or a police report of theft or loss."));
  line(s, s->current.plan.fingerprints
              ? _("Fingerprints: yes (two fingers).")
              : _("Fingerprints: no (photo and signature only)."));
  line(s, s->current.head_covering
              ? _("Head covering for religious or belief reasons: declared.")
              : _("Head covering: none declared."));
  if (s->no_room) {
    v->warning = TRUE;
    line(s, _("The kiosk's storage is nearly full: no capture can start "
              "until the queued records have been delivered."));
  }
  button(s, VIEW_BUTTON_DOCUMENTS_SEEN, _("Documents seen: start"), TRUE);
  button(s, VIEW_BUTTON_HEAD_COVERING,
         s->current.head_covering ? _("No head covering")
                                  : _("Declare head covering"),
         FALSE);
  button(s, VIEW_BUTTON_FINGERPRINTS,
         s->current.plan.fingerprints ? _("No fingerprints")
                                      : _("Take fingerprints"),
         FALSE);
  button(s, VIEW_BUTTON_CANCEL, _("Back"), FALSE);
}

static const char *guidance_text(Session *s, const char *code)
{
  const char *height = height_guidance_text(
      code, g_strcmp0(s->config->camera_height_adjustable, "yes") == 0);

  return height ? height : reason_text(code);
}

static void view_photo(Session *s)
{
  KioskView *v = &s->view;

  v->screen = VIEW_PHOTO;
  person_header(s);
  steps(s, SESSION_PHOTO);
  v->image = view_image(&s->image);
  switch (s->phase) {
  case STEP_LIVE:
    v->title = _("Passport photo");
    if (s->guidance->len == 0) {
      line(s, _("Look straight into the camera with a neutral face, mouth "
                "closed, eyes open."));
      line(s, _("Keep your face inside the oval."));
    }
    /* What the newest frame would be refused for, most fixable first. */
    for (guint i = 0; i < s->guidance->len && i < 2; i++)
      line(s, guidance_text(s, g_ptr_array_index(s->guidance, i)));
    button(s, VIEW_BUTTON_TAKE, _("Take photo"), TRUE);
    break;
  case STEP_WAITING:
    v->title = _("Hold still...");
    break;
  case STEP_RESULT:
    v->title = _("Your photo is good");
    line(s, _("It meets the rules for a passport photo. Use it, or take it "
              "again if you are not happy with it."));
    reasons_lines(s);
    button(s, VIEW_BUTTON_ACCEPT, _("Use this photo"), TRUE);
    button(s, VIEW_BUTTON_RETAKE, _("Take again"), FALSE);
    break;
  case STEP_REFUSED:
    v->title = s->photo_referred ? _("The desk officer checks this photo")
                                 : _("This photo cannot be used");
    v->warning = TRUE;
    photo_refusal_lines(s);
    button(s, VIEW_BUTTON_RETAKE, _("Take again"), TRUE);
    if (s->officer_unlocked)
      button(s, VIEW_BUTTON_OVERRIDE, _("Officer: accept anyway"), FALSE);
    break;
  case STEP_FAILED:
    v->title = _("The camera is not available");
    v->warning = TRUE;
    line(s, s->device_message);
    button(s, VIEW_BUTTON_TAKE, _("Try again"), TRUE);
    break;
  }
}

static void view_signature(Session *s)
{
  KioskView *v = &s->view;

  v->screen = VIEW_SIGNATURE;
  person_header(s);
  steps(s, SESSION_SIGNATURE);
  v->image = view_image(&s->signature);
  switch (s->phase) {
  case STEP_LIVE:
  case STEP_WAITING:
    v->title = _("Please sign on the pad");
    line(s, _("Sign as in your passport. Lift the pen when you are done."));
    break;
  case STEP_RESULT:
    v->title = _("Is this your signature?");
    button(s, VIEW_BUTTON_ACCEPT, _("Yes, continue"), TRUE);
    button(s, VIEW_BUTTON_REDO, _("Sign again"), FALSE);
    break;
  case STEP_REFUSED:
    v->title = _("Please sign again");
    v->warning = TRUE;
    reasons_lines(s);
    button(s, VIEW_BUTTON_REDO, _("Sign again"), TRUE);
    break;
  case STEP_FAILED:
    v->title = _("The signature pad is not available");
    v->warning = TRUE;
    line(s, s->device_message);
    button(s, VIEW_BUTTON_REDO, _("Try again"), TRUE);
    break;
  }
}

static void view_fingers(Session *s)
{
  KioskView *v = &s->view;
  const SessionPerson *p = &s->current;

  for (int i = 0; i < p->n_fingers && i < VIEW_MAX_FINGERS; i++) {
    v->fingers[i] = view_image(&s->fingers[i]);
    /* A slot with no finger left goes by the plan's finger. */
    v->finger_labels[i] =
        finger_label(p->fingers[i] != FINGER_UNKNOWN ? p->fingers[i]
                                                     : p->planned_fingers[i]);
  }
  v->n_fingers = p->n_fingers;
}

/* A label as a button shows it: with a capital. */
static const char *capitalised(Session *s, const char *label)
{
  gunichar first = g_utf8_get_char(label);
  char buf[8] = {0};

  g_unichar_to_utf8(g_unichar_totitle(first), buf);
  return keep(s, g_strconcat(buf, g_utf8_next_char(label), NULL));
}

static void view_exception_reasons(Session *s, const char *finger)
{
  const char *const *codes = finger_exception_reasons(s->exception.kind);

  s->view.title = keep(
      s, g_strdup_printf(_("Officer: why is the %s not available?"), finger));
  for (int i = 0; codes[i]; i++)
    button(s, keep(s, g_strconcat(VIEW_BUTTON_REASON_PREFIX, codes[i], NULL)),
           capitalised(s, finger_exception_reason_label(codes[i])), FALSE);
}

/* The officer's optional photo for the exception (of the hand). */
static void view_exception_photo(Session *s, const char *finger)
{
  s->view.title = keep(
      s, g_strdup_printf(_("Officer: a photo for the %s (optional)"), finger));
  s->view.image = view_image(&s->exphoto_image);
  switch (s->exphoto) {
  case EXPHOTO_LIVE:
    line(s, _("Ask the applicant to hold the hand up to the camera. The "
              "photo is kept in the record with the exception."));
    button(s, VIEW_BUTTON_TAKE, _("Take the photo"), TRUE);
    break;
  case EXPHOTO_WAITING:
    line(s, _("One moment: the photo is being taken."));
    break;
  case EXPHOTO_TAKEN:
    line(s, _("Keep this photo with the exception?"));
    button(s, VIEW_BUTTON_ACCEPT, _("Use this photo"), TRUE);
    button(s, VIEW_BUTTON_RETAKE, _("Take again"), FALSE);
    break;
  case EXPHOTO_FAILED:
    line(s, s->device_message);
    button(s, VIEW_BUTTON_RETAKE, _("Try again"), TRUE);
    break;
  }
  if (s->exphoto != EXPHOTO_WAITING)
    button(s, VIEW_BUTTON_SKIP, _("No photo"), FALSE);
}

/* The officer's exception screens (docs/fingerprints.md). */
static void view_finger_exception(Session *s)
{
  const char *finger = finger_label(s->current.fingers[s->finger_index]);
  FingerPosition next = substitute_finger(s);

  s->view.spoken = ""; /* the officer's screens: not read aloud */
  switch (s->exception_step) {
  case EXCEPTION_KIND:
    s->view.title =
        keep(s, g_strdup_printf(_("Officer: the %s is not available"), finger));
    line(s, _("Temporarily: a bandage, a wet or dirty finger, a temporary "
              "injury. The fingerprints can be postponed."));
    line(s, next != FINGER_UNKNOWN
                ? keep(s, g_strdup_printf(_("Permanently: an amputation, a "
                                            "permanent injury, from birth. The "
                                            "%s is taken instead."),
                                          finger_label(next)))
                : _("Permanently: an amputation, a permanent injury, from "
                    "birth. No other finger is taken instead."));
    button(s, VIEW_BUTTON_FINGER_TEMPORARY, _("Temporarily"), FALSE);
    button(s, VIEW_BUTTON_FINGER_PERMANENT, _("Permanently"), FALSE);
    break;
  case EXCEPTION_REASON:
    view_exception_reasons(s, finger);
    break;
  case EXCEPTION_TEMPORARY:
    s->view.title =
        keep(s, g_strdup_printf(
                    _("Officer: the %s is temporarily not available"), finger));
    line(s, _("Postpone: no more fingerprints today; the person comes back "
              "for them."));
    button(s, VIEW_BUTTON_POSTPONE, _("Postpone the fingerprints"), TRUE);
    if (next != FINGER_UNKNOWN)
      button(s, VIEW_BUTTON_SUBSTITUTE,
             keep(s, g_strdup_printf(_("Take the %s instead"),
                                     finger_label(next))),
             FALSE);
    break;
  case EXCEPTION_PHOTO:
    view_exception_photo(s, finger);
    break;
  case EXCEPTION_NONE:
    break;
  }
  s->view.warning = TRUE;
  button(s, VIEW_BUTTON_CANCEL, _("Back"), FALSE);
}

static void view_fingerprint(Session *s)
{
  KioskView *v = &s->view;
  int finger = s->finger_index < s->current.n_fingers
                   ? s->current.fingers[s->finger_index]
                   : 0;

  v->screen = VIEW_FINGERPRINT;
  person_header(s);
  steps(s, SESSION_FINGERPRINT);
  view_fingers(s);
  if (s->exception_step != EXCEPTION_NONE) {
    view_finger_exception(s);
    return;
  }
  switch (s->phase) {
  case STEP_LIVE:
  case STEP_WAITING:
    v->spoken_lines = TRUE; /* each print's instruction is spoken */
    v->title = keep(s, g_strdup_printf(_("Place your %s on the reader"),
                                       finger_label(finger)));
    if (s->finger_picking) {
      line(s, _("One moment: the best of the prints is chosen."));
    } else if (s->finger_attempts > 0) {
      line(s, _("Please try again: press the finger flat and firmly."));
      reasons_lines(s);
    } else if (s->finger_good > 0) {
      line(s, keep(s, g_strdup_printf(_("Good. Lift the finger and place it "
                                        "again: print %d of %d."),
                                      s->finger_good + 1,
                                      FINGER_IMPRESSIONS_WANTED)));
    } else {
      line(s, _("Press the finger flat on the glass until the screen "
                "changes."));
    }
    break;
  case STEP_RESULT:
    v->title = _("Fingerprints taken");
    button(s, VIEW_BUTTON_ACCEPT, _("Continue"), TRUE);
    break;
  case STEP_REFUSED:
    v->title = keep(s, g_strdup_printf(_("The %s could not be read well"),
                                       finger_label(finger)));
    v->warning = TRUE;
    reasons_lines(s);
    button(s, VIEW_BUTTON_RETRY, _("Try again"), TRUE);
    break;
  case STEP_FAILED:
    v->title = _("The fingerprint reader is not available");
    v->warning = TRUE;
    line(s, s->device_message);
    button(s, VIEW_BUTTON_RETRY, _("Try again"), TRUE);
    break;
  }
  if (exception_offered(s))
    button(s, VIEW_BUTTON_MISSING, _("Officer: finger not available"), FALSE);
}

/* The review's fingerprint lines: the fingers taken (a substitute named
 * with the finger it stands for) and the officer's exceptions. */
static void review_finger_lines(Session *s)
{
  const SessionPerson *p = &s->current;
  g_autoptr(GString) taken = g_string_new(NULL);
  g_autoptr(GString) exceptions = g_string_new(NULL);

  for (int i = 0; i < p->n_fingers; i++) {
    if (!p->finger_taken[i])
      continue;
    if (taken->len)
      g_string_append(taken, ", ");
    if (p->fingers[i] == p->planned_fingers[i])
      g_string_append(taken, finger_label(p->fingers[i]));
    else
      g_string_append_printf(taken, _("%s instead of %s"),
                             finger_label(p->fingers[i]),
                             finger_label(p->planned_fingers[i]));
  }
  for (int i = 0; i < p->n_finger_exceptions; i++) {
    const FingerException *e = &p->finger_exceptions[i];

    if (exceptions->len)
      g_string_append(exceptions, "; ");
    g_string_append_printf(exceptions,
                           e->kind == FINGER_EXCEPTION_PERMANENT
                               ? _("%s permanently not available (%s)")
                               : _("%s temporarily not available (%s)"),
                           finger_label(e->finger),
                           finger_exception_reason_label(e->reason));
  }
  if (p->fingerprints_postponed)
    line(s, _("Fingerprints: postponed to a new appointment."));
  line(s, taken->len ? keep(s, g_strdup_printf(_("Fingerprints taken: %s"),
                                               taken->str))
                     : _("Fingerprints: none taken"));
  if (exceptions->len)
    line(s, keep(s, g_strdup_printf(_("Not available: %s"), exceptions->str)));
}

/* The exceptions' photos as thumbnails after the fingers. */
static void view_exception_photos(Session *s)
{
  KioskView *v = &s->view;
  const SessionPerson *p = &s->current;

  for (int i = 0; i < p->n_finger_exceptions && v->n_fingers < VIEW_MAX_FINGERS;
       i++) {
    if (!s->exception_photos[i].pixels)
      continue;
    v->fingers[v->n_fingers] = view_image(&s->exception_photos[i]);
    v->finger_labels[v->n_fingers++] =
        keep(s, g_strdup_printf(_("Photo: %s"),
                                finger_label(p->finger_exceptions[i].finger)));
  }
}

static void view_review(Session *s)
{
  KioskView *v = &s->view;
  const SessionPerson *p = &s->current;

  v->screen = VIEW_REVIEW;
  person_header(s);
  steps(s, SESSION_REVIEW);
  v->title = _("Desk officer: check and approve");
  v->image = view_image(&s->image);
  v->signature = view_image(&s->signature);
  view_fingers(s);
  view_exception_photos(s);
  line(s, keep(s, g_strdup_printf(_("Photo: %s"),
                                  p->photo_override
                                      ? _("accepted by the officer")
                                      : _("accepted by the validator"))));
  if (p->photo_override)
    photo_referral_lines(s);
  line(s, p->plan.signature ? _("Signature: taken")
                            : _("Signature: not needed (age)"));
  if (p->plan.fingerprints)
    review_finger_lines(s);
  else
    line(s, _("Fingerprints: not taken"));
  if (s->device_message) {
    line(s, s->device_message);
    v->warning = TRUE;
  }
  button(s, VIEW_BUTTON_APPROVE, _("Approve and store"), TRUE);
  button(s, VIEW_BUTTON_REDO_PHOTO, _("New photo"), FALSE);
  button(s, VIEW_BUTTON_DISCARD, _("Discard"), FALSE);
}

static void view_done(Session *s)
{
  KioskView *v = &s->view;
  gboolean more =
      s->appointment && s->person_index + 1 < (int)s->appointment->persons->len;

  v->screen = VIEW_DONE;
  person_header(s);
  v->title = _("Thank you. Your biometrics have been stored");
  line(s, _("They are sent securely to the IND."));
  if (s->current.fingerprints_postponed)
    line(s, _("Your fingerprints are postponed: the desk officer makes a "
              "new appointment for them."));
  line(s, more ? _("Next person, please.")
               : _("Please go back to the desk officer."));
  button(s, VIEW_BUTTON_NEXT, more ? _("Next person") : _("Finish"), TRUE);
}

/* While audit entries wait, every screen says why nothing goes on (the
 * held action did not happen). */
static void view_audit_trouble(Session *s)
{
  if (s->view.n_lines == VIEW_MAX_LINES)
    s->view.n_lines--;
  line(s, _("This kiosk cannot write its log, so it cannot go on now. "
            "Please ask the desk officer to call a technician."));
  s->view.warning = TRUE;
}

/* "Do you need more time?" replaces the screen before the idle reset: a
 * normal view with a title, so it is read out like any other screen. The
 * header keeps the person and step: the prompt belongs to their turn. */
static void view_more_time(Session *s, int left)
{
  KioskView *v = &s->view;
  KioskView was = *v;

  memset(v, 0, sizeof *v);
  v->banner = was.banner;
  v->footer = was.footer;
  v->rtl = was.rtl;
  v->person = was.person;
  v->step = was.step;
  v->n_steps = was.n_steps;
  v->screen = VIEW_MESSAGE;
  v->title = _("Do you need more time?");
  line(s, keep(s, g_strdup_printf(_("The screen starts again in %d s, and "
                                    "what you did so far is removed."),
                                  left)));
  line(s, _("Touch the screen to go on."));
  button(s, VIEW_BUTTON_MORE_TIME, _("Yes, I need more time"), TRUE);
}

static gboolean capture_screen(const Session *s)
{
  return s->state == SESSION_PHOTO || s->state == SESSION_SIGNATURE ||
         s->state == SESSION_FINGERPRINT;
}

/* The language button on the applicant's screens, and the chooser in
 * place of the screen while it is open (the header keeps the person). */
static void view_language(Session *s)
{
  KioskView *v = &s->view;
  KioskView kept = *v;

  if (!applicant_screen(s))
    return;
  if (s->languages.open) {
    memset(v, 0, sizeof *v);
    v->banner = kept.banner;
    v->footer = kept.footer;
    v->person = kept.person;
    language_choice_view(v, i18n_get_language(), s->strings);
  }
  /* Seated, every touch target lies low (docs/ui.md): the language button
   * joins the screen's own instead of the header. The capture screens'
   * column beside the picture has no room for it (a refused photo's
   * reasons in large text would be cut): seated, they have none, and the
   * person screen before them offers it within reach. An open chooser is
   * closed by choosing, the current language too. */
  if (!s->seated)
    v->language = i18n_language_name(i18n_get_language());
  else if (!s->languages.open && !capture_screen(s))
    button(s, VIEW_BUTTON_LANGUAGE, i18n_language_name(i18n_get_language()),
           FALSE);
}

const KioskView *session_view(Session *s)
{
  KioskView *v = &s->view;

  g_ptr_array_set_size(s->strings, 0);
  memset(v, 0, sizeof *v);
  v->banner = s->config->banner;
  v->footer = s->footer;
  switch (s->state) {
  case SESSION_CHECKIN:
    view_checkin(s);
    break;
  case SESSION_MESSAGE:
    view_message(s);
    break;
  case SESSION_PERSON:
    view_person(s);
    break;
  case SESSION_OFFICER_PIN:
    view_officer_pin(s);
    break;
  case SESSION_OFFICER_CHECK:
    view_officer_check(s);
    break;
  case SESSION_PHOTO:
    view_photo(s);
    break;
  case SESSION_SIGNATURE:
    view_signature(s);
    break;
  case SESSION_FINGERPRINT:
    view_fingerprint(s);
    break;
  case SESSION_REVIEW:
    view_review(s);
    break;
  case SESSION_STORING:
    view_review(s);
    v->title = _("Storing...");
    v->n_buttons = 0;
    break;
  case SESSION_DONE:
    view_done(s);
    break;
  case SESSION_N_STATES:
    g_assert_not_reached();
  }
  view_language(s);
  if (more_time_left(s) > 0)
    view_more_time(s, more_time_left(s));
  officer_idle_view(s);
  if (s->audit_pending)
    view_audit_trouble(s);
  v->seated = s->seated;
  v->large_text = s->large_text;
  /* Last: whichever screen replaced the state's, it is mirrored alike. */
  v->rtl = i18n_language_direction(i18n_get_language()) == I18N_DIRECTION_RTL;
  return v;
}
