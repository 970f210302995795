/* The running kiosk: the session's requests turned into work for the
 * workers and the camera, their results fed back to the session as events,
 * and the event-driven loop that renders through a Frontend. Workers never
 * touch the session or the UI; the main thread never blocks on a device.
 * docs/architecture.md describes the loop and its states. */
#include "app.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <sodium.h>
#include <string.h>

#include "appointments.h"
#include "audit.h"
#include "bk-config.h"
#include "camera-worker.h"
#include "db.h"
#include "finger-best.h"
#include "i18n.h"
#include "jobs.h"
#include "lockouts.h"
#include "log.h"
#include "officers.h"
#include "photo-auto.h"
#include "photo-calibrate.h"
#include "notify.h"
#include "queue.h"
#include "retention.h"
#include "rules.h"
#include "settings.h"
#include "speech-guide.h"
#include "steps.h"
#include "technician-run.h"
#include "uploader.h"
#include "worker-pad.h"
#include "worker.h"

#define UPLOAD_INTERVAL_S 60
/* Live-view guidance is for a person reading a hint: ten checks a second
 * are plenty, and the rest of a core goes to showing every frame. */
#define GUIDE_INTERVAL_US (G_USEC_PER_SEC / 10)
/* A camera still being opened at start-up is not trouble yet. */
#define CAMERA_ABSENT_GRACE_US (3 * G_USEC_PER_SEC)
/* A backdrop still not answered in this long is given up (tried again). */
#define BACKDROP_ANSWER_US (30 * G_USEC_PER_SEC)
/* Audit entries that could not be written are tried again this often. */
#define AUDIT_RETRY_US (5 * G_USEC_PER_SEC)
/* Details of an entry written later than its action (docs/record-format.md,
 * section 5.1): whether the action went ahead without it. */
#define AUDIT_LATE_CARRIED_OUT     "late=1 carried_out=1"
#define AUDIT_LATE_NOT_CARRIED_OUT "late=1 carried_out=0"

/* The workers, by slot. The camera's own worker streams frames and is not
 * one of these; its trouble is shown in the photo slot. */
typedef enum {
  SLOT_PHOTO,
  SLOT_READER,
  SLOT_PAD,
  SLOT_STORE,
  SLOT_PIN, /* officer PINs (argon2id): no device */
  N_SLOTS,
} WorkerSlot;

static const WorkerClass *const worker_classes[N_SLOTS] = {
    [SLOT_PHOTO] = &worker_photo_class, [SLOT_READER] = &worker_reader_class,
    [SLOT_PAD] = &worker_pad_class,     [SLOT_STORE] = &worker_store_class,
    [SLOT_PIN] = &worker_pin_class,
};

/* The camera side of the photo step, an explicit sub-machine (logged by
 * camera_step_set()): live frames shown and checked, or a still awaited
 * while the preview stays frozen on the last frame. */
typedef enum {
  CAMERA_OFF,   /* nothing is shown from the camera */
  CAMERA_LIVE,  /* each new frame is shown; one guidance check at a time */
  CAMERA_STILL, /* a still was asked for; its answer is awaited */
} CameraStep;

static const char *const camera_step_names[] = {
    [CAMERA_OFF] = "off",
    [CAMERA_LIVE] = "live",
    [CAMERA_STILL] = "still",
};

/* An audit entry the session asked for that is not written yet. */
typedef struct {
  gint64 time; /* unix microseconds: when it happened */
  char *actor;
  char *event;
  gboolean holds; /* the session held the action back for it */
  gboolean late;  /* a write failed: it is no longer written with its action */
} PendingAudit;

static void pending_audit_free(PendingAudit *p)
{
  g_free(p->actor);
  g_free(p->event);
  g_free(p);
}

/* The store's name of each of the session's lockouts. */
static const char *const lockout_names[SESSION_N_LOCKOUTS] = {
    [SESSION_LOCKOUT_CHECKIN] = LOCKOUTS_CHECKIN,
    [SESSION_LOCKOUT_OFFICER_PIN] = LOCKOUTS_OFFICER_PIN,
};

/* What the validator must know about the person in front of the camera. */
typedef struct {
  gboolean head_covering;
  int age;
} PhotoContext;

struct App {
  KioskConfig *config;
  sqlite3 *db;       /* main thread: appointments, audit */
  sqlite3 *queue_db; /* the store worker's own connection */
  KioskQueue *queue;
  KioskUploader *uploader; /* `run` only; its own thread and connection */
  Session *session;

  /* Work in flight. `epoch` grows whenever the person's data is discarded
   * or their device work cancelled; a result from an older epoch is
   * dropped. `in_flight` counts the jobs per worker whose results the
   * main thread has not handled yet; guidance checks are not counted (they
   * are advisory: `guide_busy` says one is running). */
  Worker *workers[N_SLOTS];
  int in_flight[N_SLOTS];
  GAsyncQueue *results; /* Result*, from every worker */
  guint64 epoch;

  CameraWorker *camera;
  CameraStep camera_step;
  guint64 still_epoch;       /* CAMERA_STILL: the epoch it was asked in */
  PhotoContext still;        /* CAMERA_STILL: the declaration at the shot */
  int still_exception;       /* CAMERA_STILL: the finger whose exception
                                photo it is (no validator); 0 portrait */
  gboolean guide_busy;       /* a live frame is being checked */
  gint64 guide_next_us;      /* no new check before this (monotonic) */
  DeviceState camera_state;  /* as last shown in the footer */
  PhotoAuto autoshot;        /* CAMERA_LIVE: the automatic shot */
  PhotoCalibrator *backdrop; /* the automatic backdrop calibration */
  gint64 backdrop_still_us;  /* its still asked for at; 0 = none awaited */
  gint64 camera_grace_until; /* 0 once the start-up grace is over */

  /* Waking the loop: any thread may call app_wake(). */
  GMutex wake_lock;
  const Frontend *frontend; /* guarded by wake_lock; NULL when not running */
  gint wake_pending;        /* atomic: a wake is queued at the front end */

  /* The current person's captured data (main thread). */
  PhotoOutcome photo;
  SignatureOutcome signature;
  FingerOutcome fingers[2]; /* the prints kept, one per slot */
  FingerBest *best[2];      /* a slot's impressions until one is kept */
  int n_fingers;
  /* The officer's exception photos (JPEG) by FingerPosition. */
  GBytes *exception_photos[EXCEPTION_PHOTO_SLOTS];

  /* Audit entries not written yet (main thread), oldest first; retried at
   * audit_retry_us (monotonic, 0 = nothing waits). */
  GQueue audit_pending; /* PendingAudit* */
  gint64 audit_retry_us;
  char *audit_trouble;     /* why the oldest could not be written */
  char *room_trouble;      /* the last capture refused for want of room */
  gint64 retention_due_us; /* next retention run (monotonic) */

  /* Records the back office refused for good (the footer shows them). */
  guint upload_quarantined;
  /* Records unacknowledged past [retention] unacked_days (the footer). */
  guint retention_overdue;

  /* The signature pad: its link, and the live ink of the signature being
   * written (main thread). */
  PadLink *pad_link;
  GArray *ink;           /* ViewInkPoint */
  gint64 ink_arrival_us; /* the newest point's pen event arrival */
  DeviceState pad_state; /* as last reported */
  char *pad_notice;      /* for the applicant, in the writing area */
  gboolean pad_touched;  /* screen strokes went to the touch pad */

  GPtrArray *stored;             /* record ids stored in this run */
  char *last_device_error;       /* the newest device failure */
  char *device_trouble[N_SLOTS]; /* per slot, NULL when it last worked */
  gboolean demo_key_notice;      /* records are sealed to the demo key */
  gboolean demo_pin_notice;      /* a real key, but the demo officer PIN */
  gboolean dirty;                /* the view must be rendered again */
  TechRun *tech;                 /* the technician screen */
  SpeechGuide *guide;            /* spoken guidance; NULL: the kiosk is mute */

  AppLayer layer;       /* training mode's chooser; members may be NULL */
  char *camera_subject; /* a simulated camera's subject for everyone */
};

/* ---- waking the loop ----------------------------------------------------- */

/* Any thread: something is ready for the main thread. Wakes coalesce: one
 * wake stays queued at the front end until the loop has run. */
static void app_wake(gpointer data)
{
  App *app = data;

  if (!g_atomic_int_compare_and_exchange(&app->wake_pending, 0, 1))
    return;
  g_mutex_lock(&app->wake_lock);
  if (app->frontend)
    app->frontend->wake(app->frontend->data);
  g_mutex_unlock(&app->wake_lock);
}

static void app_attach(App *app, const Frontend *fe)
{
  g_mutex_lock(&app->wake_lock);
  app->frontend = fe;
  g_mutex_unlock(&app->wake_lock);
  /* Anything that arrived before the front end was there. */
  g_atomic_int_set(&app->wake_pending, 0);
  app_wake(app);
}

static void app_detach(App *app)
{
  g_mutex_lock(&app->wake_lock);
  app->frontend = NULL;
  g_mutex_unlock(&app->wake_lock);
}

/* A worker's thread: hand the result over and wake the loop. */
static void app_deliver(gpointer data, Result *r)
{
  App *app = data;

  g_async_queue_push(app->results, r);
  app_wake(app);
}

/* ---- jobs and the person's data ------------------------------------------ */

static void send_job(App *app, WorkerSlot slot, Job *job)
{
  job->epoch = app->epoch;
  app->in_flight[slot]++;
  worker_push(app->workers[slot], job);
}

static WorkerSlot slot_for(JobType type)
{
  switch (type) {
  case JOB_PHOTO:
  case JOB_GUIDE:
  case JOB_BACKDROP:
  case JOB_EXCEPTION_PHOTO:
    return SLOT_PHOTO;
  case JOB_SIGNATURE:
    return SLOT_PAD;
  case JOB_FINGER:
    return SLOT_READER;
  case JOB_PIN:
    return SLOT_PIN;
  case JOB_STORE:
    break;
  }
  return SLOT_STORE;
}

/* A touch pad waiting for the applicant's first stroke is not busy: it is
 * the applicant's turn, as on a screen with buttons. */
static gboolean pad_awaits_signer(const App *app)
{
  return g_strcmp0(app->config->pad_backend, "touch") == 0 && !app->pad_touched;
}

static gboolean app_busy(const App *app)
{
  if (techrun_busy(app->tech))
    return TRUE;
  for (int i = 0; i < N_SLOTS; i++)
    if (app->in_flight[i] > 0 && !(i == SLOT_PAD && pad_awaits_signer(app)))
      return TRUE;
  return app->camera_step == CAMERA_STILL;
}

static void discard_person(App *app)
{
  photo_outcome_clear(&app->photo);
  signature_outcome_clear(&app->signature);
  for (int i = 0; i < 2; i++) {
    finger_outcome_clear(&app->fingers[i]);
    g_clear_pointer(&app->best[i], finger_best_free);
  }
  app->n_fingers = 0;
  for (int i = 0; i < EXCEPTION_PHOTO_SLOTS; i++)
    g_clear_pointer(&app->exception_photos[i], g_bytes_unref);
}

gboolean app_holds_person_data(App *app)
{
  gboolean any = app->photo.camera_jpeg || app->photo.crop ||
                 app->photo.display || app->signature.samples ||
                 app->signature.rendered || app->n_fingers > 0;

  for (int i = 0; i < 2; i++)
    any = any || app->fingers[i].image || app->best[i];
  for (int i = 0; i < EXCEPTION_PHOTO_SLOTS; i++)
    any = any || app->exception_photos[i];
  return any;
}

static char **device_lines(App *app)
{
  GPtrArray *lines = g_ptr_array_new();
  DeviceInfo info = {0};

  if (app->camera && camera_worker_describe(app->camera, &info))
    g_ptr_array_add(lines, g_strdup_printf("camera=%s %s %s", info.backend,
                                           info.model ? info.model : "",
                                           info.serial ? info.serial : ""));
  device_info_clear(&info);
  if (app->pad_link && pad_link_describe(app->pad_link, &info))
    g_ptr_array_add(lines, g_strdup_printf("pad=%s %s %s %s", info.backend,
                                           info.model ? info.model : "",
                                           info.serial ? info.serial : "",
                                           info.firmware ? info.firmware : ""));
  device_info_clear(&info);
  for (int i = 0; i < N_SLOTS; i++) {
    char *line = worker_device_line(app->workers[i]);
    if (line)
      g_ptr_array_add(lines, line);
  }
  g_ptr_array_add(lines, NULL);
  return (char **)g_ptr_array_free(lines, FALSE);
}

static PhotoContext photo_context(App *app)
{
  const SessionPerson *p = session_person(app->session);
  PhotoContext c = {p && p->head_covering, -1};

  if (p)
    c.age =
        rules_age_years(p->person->date_of_birth, session_clock(app->session));
  return c;
}

/* ---- the signature pad's live ink ---------------------------------------- */

static void ink_clear(App *app)
{
  g_array_set_size(app->ink, 0);
  app->ink_arrival_us = 0;
  app->dirty = TRUE;
}

static const char *pad_trouble_notice(DeviceState state);

/* A new signing: no ink; a notice only while the pad is in trouble (an
 * absent pad is said on the screen, not just in the footer). */
static void ink_start(App *app)
{
  ink_clear(app);
  g_free(app->pad_notice);
  app->pad_notice = g_strdup(pad_trouble_notice(app->pad_state));
}

/* ---- the session's requests ---------------------------------------------- */

static void feed(App *app, const SessionEvent *ev, gint64 now_us);

static void camera_step_set(App *app, CameraStep to)
{
  if (app->camera_step != to)
    g_debug("app: camera %s -> %s", camera_step_names[app->camera_step],
            camera_step_names[to]);
  app->camera_step = to;
  photo_auto_reset(&app->autoshot);
}

static void request_store(App *app, const SessionRequest *req, gint64 now_us)
{
  const SessionPerson *person = session_person(app->session);
  g_auto(GStrv) devices = device_lines(app);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  g_autoptr(GError) error = NULL;
  RecordInput input = {
      .person = person,
      .location_id = app->config->location_id,
      .kiosk_version = BK_VERSION,
      .captured_at = now,
      .photo = app->photo.camera_jpeg ? &app->photo : NULL,
      .signature = app->signature.samples ? &app->signature : NULL,
      .devices = (const char *const *)devices,
      .exception_photos = app->exception_photos,
  };
  Job *job;

  for (int i = 0; i < app->n_fingers && i < 2; i++)
    input.fingers[i] = &app->fingers[i];
  job = job_new(JOB_STORE);
  job->timeout_ms = req->timeout_ms;
  job->record = steps_build_record(&input, &error);
  if (!job->record) {
    SessionEvent ev = {.type = EV_DEVICE_ERROR, .message = error->message};
    job_free(job);
    feed(app, &ev, now_us);
    return;
  }
  send_job(app, SLOT_STORE, job);
}

/* The slot of the session's plan that `finger` is being taken for; -1 when
 * none is. */
static int finger_slot(App *app, int finger)
{
  const SessionPerson *p = session_person(app->session);

  for (int slot = 0; p && slot < p->n_fingers && slot < 2; slot++)
    if (p->fingers[slot] == finger)
      return slot;
  return -1;
}

/* Best of three (finger-best.h): the reader worker compares the slot's
 * impressions and chooses; the job owns them until its result is back. */
static void request_pick(App *app, const SessionRequest *req)
{
  int slot = finger_slot(app, req->finger);
  Job *job = job_new(JOB_FINGER);

  job->finger = req->finger;
  job->timeout_ms = req->timeout_ms;
  job->best = slot >= 0 && app->best[slot] ? g_steal_pointer(&app->best[slot])
                                           : finger_best_new(req->finger);
  send_job(app, SLOT_READER, job);
}

static void request_finger(App *app, const SessionRequest *req)
{
  const SessionPerson *p = session_person(app->session);
  Job *job = job_new(JOB_FINGER);

  job->finger = req->finger;
  job->timeout_ms = req->timeout_ms;
  /* A simulated reader makes up this person's fingers from it. */
  if (p)
    job->subject =
        g_strdup_printf("%s/%d", p->appointment->code, p->person_index);
  send_job(app, SLOT_READER, job);
}

/* The portrait, or with `exception` (a FingerPosition) the officer's
 * exception photo through the same camera path. */
static void request_photo(App *app, int exception)
{
  /* The preview freezes on the last frame while the still is taken; its
   * analysis then runs on the photo worker (see camera_still()). */
  camera_step_set(app, CAMERA_STILL);
  app->still_epoch = app->epoch;
  app->still = photo_context(app);
  app->still_exception = exception;
  camera_worker_set_liveview(app->camera, FALSE);
  camera_worker_request_still(app->camera);
}

/* An officer's PIN goes to the PIN worker (argon2id takes about half a
 * second, the screen keeps drawing): the hash is looked up here, on the
 * database's thread, and compared there. */
static void request_pin_check(App *app, const SessionRequest *req)
{
  g_autoptr(GError) error = NULL;
  Job *job = job_new(JOB_PIN);

  g_strlcpy(job->pin, req->pin, sizeof job->pin);
  job->pin_check = req->pin_check;
  job->pin_named = *req->officer != '\0';
  if (job->pin_named)
    job->pin_hash = officers_pin_hash(app->db, req->officer, &error);
  if (error)
    g_warning("officers: %s", error->message);
  job->pin_bootstrap_hash = g_strdup(app->config->officer_pin_hash);
  send_job(app, SLOT_PIN, job);
}

/* The session's clock is monotonic; the store keeps the wall-clock end. */
static void save_lockout(App *app, const SessionRequest *req)
{
  g_autoptr(GError) error = NULL;
  StoredLockout stored = {
      .failures = req->lockout.failures,
      .locked_until =
          lockout_end_to_wall(req->lockout.locked_until_us,
                              g_get_monotonic_time(), g_get_real_time()),
  };

  /* Each named officer's own (docs/officers.md). */
  g_autofree char *name = req->lockout_kind == SESSION_LOCKOUT_OFFICER_PIN
                              ? lockouts_officer_name(req->officer)
                              : g_strdup(lockout_names[req->lockout_kind]);

  if (!lockouts_save(app->db, name, &stored, &error))
    log_event(G_LOG_LEVEL_WARNING, LOG_EVENT_LOCKOUT_NOT_SAVED, NULL,
              "the lockout will not survive a restart: %s", error->message);
}

static void cancel_devices(App *app)
{
  /* Results of cancelled jobs are dropped by epoch. */
  app->epoch++;
  for (int i = 0; i < N_SLOTS; i++)
    worker_cancel(app->workers[i]);
}

/* A simulated camera shows person N of the appointment as its Nth subject
 * ("#N": the demo family's adult, then the child), unless the
 * configuration names one (camera.subject: a training scenario); a real
 * camera ignores it. */
static void camera_show_person(App *app)
{
  const SessionPerson *p = session_person(app->session);
  g_autofree char *subject = NULL;

  if (!p)
    return;
  if (app->camera_subject && *app->camera_subject)
    subject = g_strdup(app->camera_subject);
  /* A subject the configuration names (a training scenario) stays. */
  else if (!app->camera_subject &&
           g_hash_table_contains(app->config->camera_options, "subject"))
    return;
  else
    subject = g_strdup_printf("#%d", p->person_index + 1);
  camera_worker_set_subject(app->camera, subject);
}

static void render_footer(App *app);

static void handle_request(App *app, const SessionRequest *req, gint64 now_us)
{
  Job *job;

  switch (req->type) {
  case REQ_LIVEVIEW_ON:
  case REQ_LIVEVIEW_OFF:
    if (req->type == REQ_LIVEVIEW_ON)
      camera_show_person(app);
    camera_step_set(app,
                    req->type == REQ_LIVEVIEW_ON ? CAMERA_LIVE : CAMERA_OFF);
    camera_worker_set_liveview(app->camera, req->type == REQ_LIVEVIEW_ON);
    break;
  case REQ_TAKE_PHOTO:
    request_photo(app, 0);
    break;
  case REQ_TAKE_EXCEPTION_PHOTO:
    request_photo(app, req->finger);
    break;
  case REQ_CHECK_PIN:
    request_pin_check(app, req);
    break;
  case REQ_COLLECT_SIGNATURE:
    ink_start(app);
    app->pad_touched = FALSE;
    job = job_new(JOB_SIGNATURE);
    job->timeout_ms = req->timeout_ms;
    send_job(app, SLOT_PAD, job);
    break;
  case REQ_CAPTURE_FINGER:
    request_finger(app, req);
    break;
  case REQ_PICK_FINGER:
    request_pick(app, req);
    break;
  case REQ_STORE_RECORD:
    request_store(app, req, now_us);
    break;
  case REQ_DISCARD_PERSON:
    app->epoch++;
    discard_person(app);
    break;
  case REQ_SAVE_LOCKOUT:
    save_lockout(app, req);
    break;
  case REQ_LANGUAGE:
    if (!i18n_set_language(req->language))
      log_event(G_LOG_LEVEL_WARNING, LOG_EVENT_LANGUAGE_MISSING, NULL,
                "no '%s' texts; the screens stay as they are", req->language);
    else
      render_footer(app); /* its sentences in the new language too */
    break;
  case REQ_CANCEL_DEVICES:
    cancel_devices(app);
    break;
  }
}

static void handle_requests(App *app, gint64 now_us)
{
  SessionRequest req;

  while (session_next_request(app->session, &req)) {
    app->dirty = TRUE;
    handle_request(app, &req, now_us);
    explicit_bzero(req.pin, sizeof req.pin);
  }
}

/* Every event reaches the session through here, and what the session asks
 * for in return is carried out at once. */
static void feed(App *app, const SessionEvent *ev, gint64 now_us)
{
  session_handle(app->session, ev, now_us);
  app->dirty = TRUE;
  handle_requests(app, now_us);
}

/* ---- results ---------------------------------------------------------------
 */

static void footer_add(GString *line, const char *part)
{
  g_string_append_printf(line, "%s%s", line->len ? "  ·  " : "", part);
}

/* The footer tells the officer and technician what is not for real use
 * and which device or the audit log is in trouble (the applicant's screen
 * explains the step itself). */
/* The devices' states for the heartbeat (uploader.h): "ok" or what the
 * footer shows, per device class. */
static void heartbeat_device_states(App *app)
{
  GString *states;

  if (!app->uploader)
    return;
  states = g_string_new(NULL);
  for (int i = 0; i < N_SLOTS; i++)
    g_string_append_printf(
        states, "%s%s=%s", i ? ";" : "", worker_classes[i]->name,
        app->device_trouble[i] ? app->device_trouble[i] : "ok");
  uploader_set_device_states(app->uploader, states->str);
  g_string_free(states, TRUE);
}

static void render_footer(App *app)
{
  GString *line = g_string_new(NULL);

  /* First: records at risk need a person soonest. */
  if (app->upload_quarantined) {
    g_autofree char *part = g_strdup_printf(
        _("Records refused by the back office: %u"), app->upload_quarantined);
    footer_add(line, part);
  }
  if (app->retention_overdue) {
    g_autofree char *part = g_strdup_printf(
        _("Records not acknowledged for %d days: %u"),
        app->config->retention_unacked_days, app->retention_overdue);
    footer_add(line, part);
  }
  if (app->demo_key_notice)
    footer_add(line, _("Demo key: not for real applicants"));
  if (app->demo_pin_notice)
    footer_add(line, _("Demo PIN: not for real applicants"));
  for (int i = 0; i < N_SLOTS; i++)
    if (app->device_trouble[i]) {
      g_autofree char *part = g_strdup_printf(
          "%s: %s", _(worker_classes[i]->label), app->device_trouble[i]);
      footer_add(line, part);
    }
  if (app->audit_trouble) {
    g_autofree char *part =
        g_strdup_printf(_("Audit log not written: %s"), app->audit_trouble);
    footer_add(line, part);
  }
  if (app->room_trouble)
    footer_add(line, app->room_trouble);
  if (app->backdrop && photo_calibrator_drifted(app->backdrop))
    footer_add(line, _("Photo backdrop light has changed: see the technician "
                       "screen"));
  heartbeat_device_states(app);
  session_set_footer(app->session, line->str);
  g_string_free(line, TRUE);
  app->dirty = TRUE;
}

static void update_footer(App *app, WorkerSlot slot, const char *trouble)
{
  g_free(app->device_trouble[slot]);
  app->device_trouble[slot] = g_strdup(trouble);
  render_footer(app);
}

/* ---- the signature pad's state and ink ------------------------------------
 */

/* What the applicant reads in the writing area while the pad is not fine. */
static const char *pad_trouble_notice(DeviceState state)
{
  switch (state) {
  case DEVICE_STATE_ABSENT:
    return _("The signature pad is not connected. Please tell the officer.");
  case DEVICE_STATE_RECOVERING:
    return _("The signature pad was disconnected. One moment, please.");
  case DEVICE_STATE_FAILED:
    return _("The signature pad does not work. Please tell the officer.");
  case DEVICE_STATE_READY:
  case DEVICE_STATE_BUSY:
    break;
  }
  return NULL;
}

static void pad_state_changed(App *app, const PadNews *news)
{
  g_autofree char *trouble = NULL;
  const char *notice = pad_trouble_notice(news->state);

  if (notice)
    trouble = g_strdup_printf("%s%s%s", device_state_to_string(news->state),
                              news->message ? ": " : "",
                              news->message ? news->message : "");
  /* Back after a loss: what was written is gone; sign again. */
  if (!notice && app->pad_state == DEVICE_STATE_RECOVERING)
    notice = _("The pad is back. Please sign again.");
  app->pad_state = news->state;
  g_free(app->pad_notice);
  app->pad_notice = g_strdup(notice);
  update_footer(app, SLOT_PAD, trouble);
}

static void pad_points(App *app, const GArray *points)
{
  for (guint i = 0; i < points->len; i++) {
    const PadPoint *p = &g_array_index(points, PadPoint, i);
    ViewInkPoint ink = {(float)p->sample.x, (float)p->sample.y,
                        (float)p->sample.pressure};

    g_array_append_val(app->ink, ink);
    app->ink_arrival_us = MAX(app->ink_arrival_us, p->arrival_us);
  }
}

/* Takes what the pad's threads reported: state changes for the footer and
 * the writing area, and the samples written since the last look. */
static void pad_news(App *app)
{
  PadNews news;

  if (!pad_link_take(app->pad_link, &news))
    return;
  app->dirty = TRUE;
  if (news.restarted)
    ink_clear(app);
  if (news.changed)
    pad_state_changed(app, &news);
  /* What was written is gone: ask for the signature again, unless the pad
   * is still away (its trouble notice stays then). */
  if (news.restarted && !pad_trouble_notice(app->pad_state)) {
    g_free(app->pad_notice);
    app->pad_notice =
        g_strdup(news.lost ? _("The pad is back. Please sign again.")
                           : _("Please sign again"));
  }
  /* Ink belongs to a signature being written, nowhere else. */
  if (app->in_flight[SLOT_PAD] > 0)
    pad_points(app, news.points);
  pad_news_clear(&news);
}

/* A stroke sample from the screen's writing area goes to the touch pad. */
static void pad_screen_sample(App *app, const ViewPenSample *pen)
{
  PadSample s = {pen->x, pen->y, pen->pressure, pen->t_us};

  if (!pad_screen_input(&s, pen->arrival_us))
    return;
  if (!app->pad_touched || pen->pressure > 0) {
    SessionEvent ev = {.type = EV_ACTIVITY};

    app->pad_touched = TRUE;
    feed(app, &ev, g_get_monotonic_time());
  }
}

/* The signature screen with what the session does not know: the live ink,
 * the pad's notice and its identity in the footer. `footer` receives a
 * string the view points to (caller frees). */
static void pad_view(App *app, KioskView *v, char **footer)
{
  DeviceInfo info = {0};
  gboolean signing = app->in_flight[SLOT_PAD] > 0;

  v->ink.points = signing ? (const ViewInkPoint *)app->ink->data : NULL;
  v->ink.n_points = signing ? (int)app->ink->len : 0;
  v->ink.newest_arrival_us = v->ink.n_points ? app->ink_arrival_us : 0;
  v->ink.notice = app->pad_notice;
  v->ink.notice_warning = pad_trouble_notice(app->pad_state) != NULL;
  v->ink.pen_input =
      signing && g_strcmp0(app->config->pad_backend, "touch") == 0;
  if (app->device_trouble[SLOT_PAD] || !pad_link_describe(app->pad_link, &info))
    return;
  *footer = g_strdup_printf(
      "%s%s%s: %s · %s (%s)", v->footer ? v->footer : "",
      v->footer && *v->footer ? "  ·  " : "", _(worker_pad_class.label),
      device_state_to_string(app->pad_state), info.model ? info.model : "",
      info.backend ? info.backend : "");
  v->footer = *footer;
  device_info_clear(&info);
}

/* ---- room for records -----------------------------------------------------
 */

/* The session's room check (SessionRoomFunc): a capture starts only when
 * the state folder can hold its sealed record (queue_space_check()). When
 * the figures cannot be had the capture goes ahead: storing it then fails
 * visibly, with the data still in memory, rather than turning applicants
 * away on a guess. */
static gboolean app_room(gpointer data)
{
  App *app = data;
  g_autoptr(GError) error = NULL;
  QueueSpace space;

  if (!queue_space_check(app->db, &space, &error)) {
    log_event(G_LOG_LEVEL_WARNING, LOG_EVENT_DISK_UNKNOWN, NULL,
              "free space unknown: %s", error->message);
    return TRUE;
  }
  g_clear_pointer(&app->room_trouble, g_free);
  if (!space.capture_ok)
    app->room_trouble =
        g_strdup_printf(_("Storage nearly full: %u MB free, %u MB needed"),
                        (guint)(space.filesystem_free / (1024 * 1024)),
                        (guint)(space.needed_bytes / (1024 * 1024)));
  render_footer(app);
  return space.capture_ok;
}

/* ---- the audit log ------------------------------------------------------- */

static const char *pending_details(const PendingAudit *p)
{
  if (!p->late)
    return "";
  return p->holds ? AUDIT_LATE_NOT_CARRIED_OUT : AUDIT_LATE_CARRIED_OUT;
}

/* Writes the waiting entries in order. TRUE when none is left; otherwise
 * they stay, marked late, the trouble is shown and a retry is due. */
static gboolean audit_flush(App *app, gint64 now_us)
{
  g_autoptr(GError) error = NULL;
  PendingAudit *p;

  while ((p = g_queue_peek_head(&app->audit_pending))) {
    if (!audit_append(app->db, p->time, p->actor, p->event, pending_details(p),
                      NULL, &error))
      break;
    pending_audit_free(g_queue_pop_head(&app->audit_pending));
  }
  session_set_audit_pending(app->session, app->audit_pending.length);
  if (!p) {
    app->audit_retry_us = 0;
    if (app->audit_trouble)
      log_event(G_LOG_LEVEL_INFO, LOG_EVENT_AUDIT_TROUBLE, NULL,
                "audit log: the waiting entries are written");
    g_clear_pointer(&app->audit_trouble, g_free);
    render_footer(app);
    return TRUE;
  }
  for (GList *l = app->audit_pending.head; l; l = l->next)
    ((PendingAudit *)l->data)->late = TRUE;
  /* g_log() rather than g_warning(): tests can expect the message. */
  if (g_strcmp0(app->audit_trouble, error->message) != 0)
    g_log(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
          "audit log: %u entries wait to be written: %s",
          app->audit_pending.length, error->message);
  g_free(app->audit_trouble);
  app->audit_trouble = g_strdup(error->message);
  app->audit_retry_us = now_us + AUDIT_RETRY_US;
  render_footer(app);
  return FALSE;
}

/* The session's audit writer (SessionAuditFunc): the entry joins the queue
 * of waiting ones, so that the log keeps the order things happened in. */
static gboolean app_audit(const SessionAudit *entry, gpointer data)
{
  App *app = data;
  PendingAudit *p = g_new0(PendingAudit, 1);

  p->time = g_get_real_time();
  p->actor = g_strdup(entry->actor);
  p->event = g_strdup(entry->event);
  p->holds = entry->holds;
  g_queue_push_tail(&app->audit_pending, p);
  return audit_flush(app, g_get_monotonic_time());
}

/* What the applicant is told of a failure: a sentence of ours where we know
 * the failure, else the device's own (technical) message. Main thread, so
 * the sentence is in the current language. */
static const char *failure_text(const GError *error)
{
  if (g_error_matches(error, STEPS_ERROR, STEPS_ERROR_UNREADABLE_PHOTO))
    return _("The camera sent an unreadable photo.");
  if (g_error_matches(error, STEPS_ERROR, STEPS_ERROR_MALFORMED_FINGER))
    return _("The fingerprint reader sent a malformed image.");
  return error->message;
}

static void device_failed(App *app, WorkerSlot slot, const GError *error,
                          gint64 now_us)
{
  SessionEvent ev = {.type = EV_DEVICE_ERROR, .message = failure_text(error)};

  g_free(app->last_device_error);
  app->last_device_error = g_strdup(error->message);
  update_footer(app, slot, error->message);
  feed(app, &ev, now_us);
}

static void photo_done(App *app, Result *r, gint64 now_us)
{
  SessionEvent ev = {.type = EV_PHOTO_TAKEN};
  const BkImage *d;

  photo_outcome_clear(&app->photo);
  app->photo = r->photo;
  memset(&r->photo, 0, sizeof r->photo);
  d = app->photo.display;
  session_set_image(app->session, d ? d->width : 0, d ? d->height : 0,
                    d ? d->channels : 0, d ? d->pixels : NULL);
  session_set_photo_marks(app->session, app->photo.marks, app->photo.n_marks,
                          app->photo.figures, app->photo.n_figures);
  ev.ok = app->photo.accepted;
  ev.referred = app->photo.referred;
  ev.reasons = (const char *const *)app->photo.reasons;
  ev.referrals = (const char *const *)app->photo.referrals;
  feed(app, &ev, now_us);
}

static void signature_done(App *app, Result *r, gint64 now_us)
{
  SessionEvent ev = {.type = EV_SIGNATURE_DONE};
  const BkImage *img;

  ink_start(app);
  signature_outcome_clear(&app->signature);
  app->signature = r->signature;
  memset(&r->signature, 0, sizeof r->signature);
  img = app->signature.rendered;
  if (img)
    session_set_signature_image(app->session, img->width, img->height,
                                img->pixels);
  ev.ok = app->signature.ok;
  ev.reasons = (const char *const *)app->signature.reasons;
  feed(app, &ev, now_us);
}

G_STATIC_ASSERT(FINGER_IMPRESSIONS_WANTED == FINGER_BEST_WANT);

/* One impression of a finger: shown, and held for best of three. */
static void finger_impression(App *app, int slot, Result *r, SessionEvent *ev)
{
  FingerBest **best = &app->best[slot];
  const BkImage *img = r->finger.image;

  if (img)
    session_set_finger_image(app->session, slot, img->width, img->height,
                             img->pixels);
  if (*best && finger_best_finger(*best) != r->finger.finger)
    g_clear_pointer(best, finger_best_free); /* a substitute's own */
  if (!*best)
    *best = finger_best_new(r->finger.finger);
  ev->ok = r->finger.ok;
  ev->quality = r->finger.quality;
  finger_best_add(*best, &r->finger);
}

/* The impression best of three kept: the slot's print for the record. */
static void finger_kept(App *app, int slot, Result *r, SessionEvent *ev)
{
  FingerOutcome *kept = &app->fingers[slot];
  FingerOutcome chosen = {0};

  if (!finger_best_take_kept(r->best, &chosen))
    return; /* none acceptable: ev->ok stays FALSE */
  finger_outcome_clear(kept);
  *kept = chosen;
  app->n_fingers = MAX(app->n_fingers, slot + 1);
  if (kept->image)
    session_set_finger_image(app->session, slot, kept->image->width,
                             kept->image->height, kept->image->pixels);
  ev->ok = TRUE;
  ev->quality = kept->quality;
  ev->reasons = (const char *const *)kept->reasons;
}

/* A reader result: an impression, or the choice among a finger's
 * impressions (the session asks for it with REQ_PICK_FINGER). */
static void finger_done(App *app, Result *r, gint64 now_us)
{
  SessionEvent ev = {.type = EV_FINGER_DONE};
  int slot = finger_slot(app, r->best ? finger_best_finger(r->best)
                                      : r->finger.finger);
  g_auto(GStrv) reasons = NULL;

  if (slot < 0) {
    g_warning("app: a result for a finger that was not asked for");
    return;
  }
  if (r->best) {
    finger_kept(app, slot, r, &ev);
  } else {
    /* The outcome moves into the slot's impressions: its reasons first. */
    reasons = g_strdupv(r->finger.reasons);
    ev.reasons = (const char *const *)reasons;
    finger_impression(app, slot, r, &ev);
  }
  feed(app, &ev, now_us);
}

/* The exception photo: kept for the record, shown to the officer. */
static void exception_photo_done(App *app, Result *r, gint64 now_us)
{
  SessionEvent ev = {.type = EV_PHOTO_TAKEN, .ok = TRUE};
  ExceptionPhoto *photo = &r->exception_photo;
  const BkImage *d = photo->display;

  if (photo->finger <= 0 || photo->finger >= EXCEPTION_PHOTO_SLOTS) {
    g_warning("app: an exception photo for no finger");
    return;
  }
  g_clear_pointer(&app->exception_photos[photo->finger], g_bytes_unref);
  app->exception_photos[photo->finger] = g_steal_pointer(&photo->jpeg);
  session_set_image(app->session, d->width, d->height, d->channels, d->pixels);
  feed(app, &ev, now_us);
}

static void record_stored(App *app, Result *r, gint64 now_us)
{
  SessionEvent ev = {.type = EV_RECORD_STORED, .message = r->record_id};

  g_ptr_array_add(app->stored, g_strdup(r->record_id));
  if (app->uploader)
    uploader_kick(app->uploader);
  feed(app, &ev, now_us);
}

static void guidance_done(App *app, Result *r)
{
  /* Advisory: a failed check just shows no hint. */
  app->guide_busy = FALSE;
  if (r->error || r->epoch != app->epoch || app->camera_step != CAMERA_LIVE)
    return;
  session_set_guidance(app->session, (const char *const *)r->guidance);
  photo_auto_guidance(&app->autoshot, !r->guidance || !r->guidance[0],
                      g_get_monotonic_time());
  app->dirty = TRUE;
}

/* The automatic shot: its countdown on screen, then the shot as if "Take
 * photo" was pressed. */
static void autoshot_tick(App *app, gint64 now_us)
{
  SessionEvent ev = {.type = EV_BUTTON, .button = VIEW_BUTTON_TAKE};

  if (photo_auto_countdown(&app->autoshot, now_us) > 0)
    app->dirty = TRUE;
  if (!photo_auto_due(&app->autoshot, now_us))
    return;
  g_debug("app: the automatic shot");
  app->dirty = TRUE;
  feed(app, &ev, now_us);
}

/* ---- the backdrop calibration (photo-calibrate.h) ---- */

static PhotoBackdrop *backdrop_in_use(App *app)
{
  PhotoBackdrop *b = photo_calibrator_backdrop(app->backdrop);

  return b ? photo_backdrop_ref(b) : NULL;
}

/* A shot's outcome; drift shows in the footer and on the technician's
 * calibration page. */
static void backdrop_done(App *app, PhotoBackdrop *b, const GError *error,
                          gint64 now_us)
{
  app->backdrop_still_us = 0;
  if (photo_calibrator_done(app->backdrop, b, error, now_us))
    render_footer(app);
}

/* Nobody at the kiosk: the check-in screen, the camera ready and idle, the
 * technician screen closed. */
static gboolean desk_empty(App *app)
{
  return session_state(app->session) == SESSION_CHECKIN &&
         app->camera_step == CAMERA_OFF &&
         camera_worker_state(app->camera, NULL) == DEVICE_STATE_READY &&
         !techrun_busy(app->tech) &&
         technician_mode(techrun_technician(app->tech)) != TECHNICIAN_OPEN;
}

/* Asks for the backdrop's still when it is due and nobody is there, and
 * hands its answer (which comes before any later still's) to the photo
 * worker. */
static void backdrop_pump(App *app, gint64 now_us)
{
  g_autoptr(GError) error = NULL;
  GBytes *jpeg;
  Job *job;

  if (!app->backdrop_still_us) {
    if (!desk_empty(app)) {
      photo_calibrator_busy(app->backdrop, now_us);
    } else if (photo_calibrator_due(app->backdrop, now_us)) {
      photo_calibrator_asked(app->backdrop);
      app->backdrop_still_us = now_us;
      camera_worker_request_still(app->camera);
    }
    return;
  }
  jpeg = camera_worker_poll_still(app->camera, &error);
  if (!jpeg && !error && now_us - app->backdrop_still_us > BACKDROP_ANSWER_US)
    g_set_error_literal(&error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                        "the camera did not answer");
  if (error)
    backdrop_done(app, NULL, error, now_us);
  if (!jpeg)
    return;
  app->backdrop_still_us = 0;
  job = job_new(JOB_BACKDROP);
  job->jpeg = jpeg;
  worker_push(app->workers[SLOT_PHOTO], job);
}

/* A signature of the current person that ended cancelled was cancelled by
 * the applicant, with Cancel on the pad: the application's own
 * cancellations bump the epoch, so their results are dropped first. */
static gboolean signer_cancelled(WorkerSlot slot, const GError *error)
{
  return slot == SLOT_PAD &&
         g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void handle_result(App *app, Result *r, gint64 now_us)
{
  WorkerSlot slot = slot_for(r->type);

  if (r->epoch == TECHRUN_EPOCH) { /* a technician's live test */
    techrun_result(app->tech, r);
    app->dirty = TRUE;
    return;
  }
  if (r->type == JOB_GUIDE) {
    guidance_done(app, r);
    return;
  }
  if (r->type == JOB_BACKDROP) {
    backdrop_done(app, r->backdrop, r->error, now_us);
    return;
  }
  app->in_flight[slot]--;
  app->dirty = TRUE;
  /* The applicant's Cancel on the pad is no trouble with the device. */
  update_footer(
      app, slot,
      r->error && !signer_cancelled(slot, r->error) ? r->error->message : NULL);
  /* The session knows which PIN check it waits for (not the person's). */
  if (r->type == JOB_PIN) {
    session_pin_checked(app->session, r->pin_check, r->pin_verdict, now_us);
    handle_requests(app, now_us);
    return;
  }
  if (r->epoch != app->epoch) {
    g_debug("app: dropping a %s result of an earlier person or step",
            worker_classes[slot]->name);
    return;
  }
  if (r->error && signer_cancelled(slot, r->error)) {
    SessionEvent ev = {.type = EV_DEVICE_ERROR,
                       .message = _("No signature was received.")};

    feed(app, &ev, now_us);
    return;
  }
  if (r->error) {
    device_failed(app, slot, r->error, now_us);
    return;
  }
  switch (r->type) {
  case JOB_PHOTO:
    photo_done(app, r, now_us);
    break;
  case JOB_SIGNATURE:
    signature_done(app, r, now_us);
    break;
  case JOB_FINGER:
    finger_done(app, r, now_us);
    break;
  case JOB_STORE:
    record_stored(app, r, now_us);
    break;
  case JOB_EXCEPTION_PHOTO:
    exception_photo_done(app, r, now_us);
    break;
  case JOB_PIN:
    break;
  case JOB_GUIDE:
  case JOB_BACKDROP:
    break;
  }
}

/* ---- the camera ---------------------------------------------------------- */

static void camera_health(App *app, gint64 now_us)
{
  g_autofree char *message = NULL;
  g_autofree char *trouble = NULL;
  DeviceState state = camera_worker_state(app->camera, &message);

  if (app->camera_grace_until && now_us >= app->camera_grace_until)
    app->camera_grace_until = 0;
  if (state == DEVICE_STATE_ABSENT && app->camera_grace_until)
    return;
  if (state == app->camera_state)
    return;
  app->camera_state = state;
  if (state != DEVICE_STATE_READY && state != DEVICE_STATE_BUSY)
    trouble = g_strdup_printf("%s%s%s", device_state_to_string(state),
                              message ? ": " : "", message ? message : "");
  update_footer(app, SLOT_PHOTO, trouble);
}

/* The newest live frame goes on screen; one at a time, at most every
 * GUIDE_INTERVAL_US, is checked for guidance; frames in between are shown
 * but not checked. */
static void camera_frame(App *app, gint64 now_us)
{
  gint64 available_us = 0;
  g_autoptr(BkImage) frame =
      camera_worker_take_frame(app->camera, NULL, &available_us);
  Job *job;

  if (!frame)
    return;
  session_set_live_frame(app->session, frame->width, frame->height,
                         frame->channels, frame->pixels, available_us);
  app->dirty = TRUE;
  /* Guidance is for the portrait, not for an exception photo's hand. */
  if (app->guide_busy || now_us < app->guide_next_us ||
      session_state(app->session) != SESSION_PHOTO)
    return;
  app->guide_next_us = now_us + GUIDE_INTERVAL_US;
  job = job_new(JOB_GUIDE);
  job->epoch = app->epoch;
  job->head_covering = photo_context(app).head_covering;
  job->age = photo_context(app).age;
  job->frame = g_steal_pointer(&frame);
  job->backdrop = backdrop_in_use(app);
  app->guide_busy = TRUE;
  worker_push(app->workers[SLOT_PHOTO], job);
}

/* The answer to a still request goes to the photo worker for analysis. */
static void camera_still(App *app, gint64 now_us)
{
  g_autoptr(GError) error = NULL;
  GBytes *jpeg = camera_worker_poll_still(app->camera, &error);
  Job *job;

  if (!jpeg && !error)
    return;
  camera_step_set(app, CAMERA_OFF);
  if (app->still_epoch != app->epoch) {
    g_clear_pointer(&jpeg, g_bytes_unref);
    return;
  }
  if (error) {
    device_failed(app, SLOT_PHOTO, error, now_us);
    return;
  }
  job = job_new(app->still_exception ? JOB_EXCEPTION_PHOTO : JOB_PHOTO);
  job->jpeg = jpeg;
  job->finger = app->still_exception;
  job->head_covering = app->still.head_covering;
  job->age = app->still.age;
  job->backdrop = backdrop_in_use(app);
  send_job(app, SLOT_PHOTO, job);
}

/* ---- the loop --------------------------------------------------------------
 */

/* Records overdue or deleted by retention are the officer's to know (the
 * footer) and the log's. `report` is NULL after a failed run. */
static void retention_news(App *app, const RetentionReport *report)
{
  if (!report)
    return;
  if (report->records_deleted || report->audit_deleted)
    log_event(G_LOG_LEVEL_INFO, LOG_EVENT_RETENTION, NULL,
              "retention: deleted %u unacknowledged records, %u audit "
              "entries",
              report->records_deleted, report->audit_deleted);
  if (report->records_overdue == app->retention_overdue)
    return;
  if (report->records_overdue > 0)
    log_event(G_LOG_LEVEL_MESSAGE, LOG_EVENT_RETENTION, NULL,
              "retention: %u unacknowledged records overdue",
              report->records_overdue);
  app->retention_overdue = report->records_overdue;
  render_footer(app);
}

/* Deletes appointments past [retention] (retention.h), at start-up and
 * then every hour, between devices' jobs so that the store worker's
 * connection is not writing. A failure is logged and tried next hour. */
static void apply_retention(App *app, gint64 now_us)
{
  const RetentionPolicy policy = {
      .appointment_days = app->config->retention_appointment_days,
      .unacked_days = app->config->retention_unacked_days,
      .unacked_grace_days = app->config->retention_unacked_grace_days,
      .audit_days = app->config->retention_audit_days,
  };
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  g_autoptr(GError) error = NULL;
  RetentionReport report = {0};

  app->retention_due_us = now_us + (gint64)3600 * G_USEC_PER_SEC;
  if (!retention_apply(app->db, &policy, now, &report, &error))
    log_event(G_LOG_LEVEL_WARNING, LOG_EVENT_RETENTION, NULL, "retention: %s",
              error->message);
  else if (report.appointments_deleted > 0)
    log_event(G_LOG_LEVEL_INFO, LOG_EVENT_RETENTION, NULL,
              "retention: deleted %u past appointments (%u persons)",
              report.appointments_deleted, report.persons_deleted);
  retention_news(app, error ? NULL : &report);
}

/* Handles everything that is ready, without waiting. */
static void pump(App *app)
{
  gint64 now_us = g_get_monotonic_time();
  SessionEvent tick = {.type = EV_TICK};
  Result *r;

  /* From here on, anything new wakes the loop again. */
  g_atomic_int_set(&app->wake_pending, 0);
  handle_requests(app, now_us);
  camera_health(app, now_us);
  pad_news(app);
  if (app->camera_step == CAMERA_LIVE) {
    camera_frame(app, now_us);
    autoshot_tick(app, now_us);
  }
  backdrop_pump(app, now_us);
  if (app->camera_step == CAMERA_STILL && !app->backdrop_still_us)
    camera_still(app, now_us);
  while ((r = g_async_queue_try_pop(app->results))) {
    handle_result(app, r, now_us);
    result_free(r);
  }
  if (app->audit_retry_us && now_us >= app->audit_retry_us)
    audit_flush(app, now_us);
  if (now_us >= app->retention_due_us && !app_busy(app))
    apply_retention(app, now_us);
  if (techrun_pump(app->tech, now_us))
    app->dirty = TRUE;
  /* Deadlines that passed become the session's timeout events; a passed
   * deadline may also be a countdown's next second on screen. */
  if (now_us >= session_next_deadline(app->session))
    app->dirty = TRUE;
  session_handle(app->session, &tick, now_us);
  handle_requests(app, now_us);
}

/* How long the loop may sleep: until the session's next deadline or the end
 * of the camera's start-up grace; -1 when nothing is due. Input, results
 * and frames wake it earlier. */
static int wait_ms(App *app)
{
  gint64 now_us = g_get_monotonic_time();
  gint64 next = session_next_deadline(app->session);

  next = MIN(next, techrun_deadline(app->tech));
  next = MIN(next, photo_auto_deadline(&app->autoshot, now_us));
  next = MIN(next, photo_calibrator_deadline(app->backdrop));
  if (app->backdrop_still_us)
    next = MIN(next, app->backdrop_still_us + BACKDROP_ANSWER_US);
  if (app->camera_grace_until)
    next = MIN(next, app->camera_grace_until);
  if (app->audit_retry_us)
    next = MIN(next, app->audit_retry_us);
  if (!app_busy(app)) /* when busy, a result wakes the loop first */
    next = MIN(next, app->retention_due_us);
  if (next == G_MAXINT64)
    return -1;
  if (next <= now_us)
    return 0;
  return (int)MIN((next - now_us + 999) / 1000, G_MAXINT);
}

static void intent_to_event(App *app, const KioskIntent *intent)
{
  SessionEvent ev = {0};

  if (techrun_intent(app->tech, intent, g_get_monotonic_time())) {
    app->dirty = TRUE;
    return;
  }
  if (speech_guide_intent(app->guide, intent)) {
    app->dirty = TRUE;
    feed(app, &(SessionEvent){.type = EV_ACTIVITY}, g_get_monotonic_time());
    return;
  }
  if (app->layer.intent && app->layer.intent(app->layer.data, intent)) {
    app->dirty = TRUE;
    return;
  }
  switch (intent->type) {
  case INTENT_KEY:
    ev.type = EV_KEY;
    ev.key = intent->key;
    break;
  case INTENT_BACKSPACE:
    ev.type = EV_BACKSPACE;
    break;
  case INTENT_SUBMIT:
    ev.type = EV_SUBMIT;
    break;
  case INTENT_BUTTON:
    ev.type = EV_BUTTON;
    ev.button = intent->button;
    break;
  case INTENT_ACTIVITY:
    ev.type = EV_ACTIVITY;
    break;
  case INTENT_PEN:
    pad_screen_sample(app, &intent->pen);
    return;
  case INTENT_NONE:
  case INTENT_QUIT:
    return;
  }
  feed(app, &ev, g_get_monotonic_time());
}

void app_render(App *app, const Frontend *fe)
{
  const KioskView *view = session_view(app->session);
  g_autofree char *footer = NULL;
  KioskView signing, counting;
  int countdown = photo_auto_countdown(&app->autoshot, g_get_monotonic_time());

  if (app->layer.view)
    view = app->layer.view(app->layer.data, view);
  view = techrun_view(app->tech, view);
  view = speech_guide_view(app->guide, fe, view);
  if (view->screen == VIEW_SIGNATURE) {
    signing = *view;
    pad_view(app, &signing, &footer);
    view = &signing;
  }
  if (view->screen == VIEW_PHOTO && countdown > 0) {
    counting = *view;
    counting.countdown = countdown;
    counting.n_lines = 1;
    counting.lines[0] = photo_countdown_text();
    view = &counting;
  }
  fe->render(fe->data, view);
  app->dirty = FALSE;
}

/* The configured upload target ([upload] target, or the outbox folder) and
 * its transport options (settings_upload_target()). */
static char *outbox_target(App *app, TransportOptions *options, GError **error)
{
  char *target = NULL;

  if (!settings_upload_target(app->config, &target, options, error))
    return NULL;
  return target;
}

/* Records the back office refused for good are the officer's to see (the
 * footer), until a technician releases them. */
static void check_quarantine(App *app)
{
  UploaderStats stats;

  if (!app->uploader)
    return;
  uploader_get_stats(app->uploader, &stats);
  g_free(stats.last_error);
  if (stats.quarantined_now == app->upload_quarantined)
    return;
  app->upload_quarantined = stats.quarantined_now;
  render_footer(app);
}

/* The uploader delivers in the background; a failure to start it is shown,
 * not fatal: records stay queued. */
static void start_uploader(App *app)
{
  g_autofree char *db_path =
      config_resolve_path(app->config, app->config->database);
  g_autofree char *state_dir = config_resolve_path(app->config, ".");
  g_autoptr(GError) error = NULL;
  g_auto(TransportOptions) options = {0};
  g_autofree char *target = outbox_target(app, &options, &error);

  if (!target) {
    g_warning("%s", error->message);
    return;
  }
  app->uploader = uploader_start_with_options(
      db_path, state_dir, app->config->backoffice_public_key, target, &options,
      UPLOAD_INTERVAL_S, &error);
  if (app->uploader) {
    uploader_set_heartbeat(app->uploader,
                           (guint)app->config->upload_heartbeat_interval_s,
                           app->config->location_id, BK_VERSION);
    heartbeat_device_states(app);
  }
  if (!app->uploader)
    log_event(G_LOG_LEVEL_WARNING, LOG_EVENT_UPLOADER_FAILED, NULL,
              "the uploader did not start: %s", error->message);
}

/* On a quit (SIGTERM from systemd's stop, an update's restart), a record
 * already handed to the store worker is stored before the loop ends: the
 * worker's shutdown would drop a job it had not started. Other results that
 * arrive meanwhile are handled as usual. */
static void finish_store(App *app)
{
  if (app->in_flight[SLOT_STORE] > 0)
    log_event(G_LOG_LEVEL_INFO, LOG_EVENT_STOPPING, NULL,
              "stopping: storing the record in flight first");
  while (app->in_flight[SLOT_STORE] > 0) {
    Result *r = g_async_queue_timeout_pop(app->results, G_USEC_PER_SEC / 10);

    notify_watchdog();
    if (!r)
      continue;
    handle_result(app, r, g_get_monotonic_time());
    result_free(r);
  }
}

int app_run(App *app, const Frontend *fe, gboolean (*first_frame)(gpointer),
            gpointer first_frame_data)
{
  app_attach(app, fe);
  app_render(app, fe);
  if (first_frame && !first_frame(first_frame_data)) {
    app_detach(app);
    return 0;
  }
  start_uploader(app);
  notify_ready();
  for (;;) {
    KioskIntent intent;
    gboolean got =
        fe->next_intent(fe->data, notify_wait_ms(wait_ms(app)), &intent);
    g_autoptr(GDateTime) now = g_date_time_new_now_local();

    /* The desk's rules use the wall clock at the moment of check-in. */
    session_set_clock(app->session, now);
    if (got && intent.type == INTENT_QUIT) {
      notify_stopping();
      finish_store(app);
      break;
    }
    if (got)
      intent_to_event(app, &intent);
    pump(app);
    check_quarantine(app);
    if (app->dirty)
      app_render(app, fe);
    notify_watchdog();
  }
  g_clear_pointer(&app->uploader, uploader_stop);
  app_detach(app);
  return 0;
}

gboolean app_settle(App *app, const Frontend *fe, gint64 timeout_us,
                    GError **error)
{
  gint64 deadline = g_get_monotonic_time() + timeout_us;
  KioskIntent intent;

  app_attach(app, fe);
  for (;;) {
    gint64 left_us;
    int timeout_ms;

    while (fe->next_intent(fe->data, 0, &intent))
      intent_to_event(app, &intent);
    pump(app);
    if (!app_busy(app))
      break;
    left_us = deadline - g_get_monotonic_time();
    if (left_us <= 0) {
      app_detach(app);
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                  "a device did not answer within %d s",
                  (int)(timeout_us / G_USEC_PER_SEC));
      return FALSE;
    }
    /* Sleep until a result, a frame, input or a deadline arrives, and no
     * longer than the time left. */
    timeout_ms = (int)MIN(left_us / 1000 + 1, G_MAXINT);
    if (wait_ms(app) >= 0)
      timeout_ms = MIN(timeout_ms, wait_ms(app));
    if (fe->next_intent(fe->data, timeout_ms, &intent))
      intent_to_event(app, &intent);
  }
  app_detach(app);
  app_render(app, fe);
  return TRUE;
}

/* ---- construction ----------------------------------------------------------
 */

static Appointment *lookup_code(const char *code, gpointer data)
{
  App *app = data;
  g_autoptr(GError) error = NULL;
  Appointment *a = appointments_lookup(app->db, code, &error);

  if (error)
    g_warning("appointment lookup failed: %s", error->message);
  return a;
}

static gboolean check_pin(const char *pin, gpointer data)
{
  App *app = data;
  const char *hash = app->config->officer_pin_hash;

  if (!hash || !*hash)
    return FALSE;
  return crypto_pwhash_str_verify(hash, pin, strlen(pin)) == 0;
}

/* Named officers (docs/officers.md): the table in use, and an officer's
 * PIN (an unknown id costs a check against the bootstrap hash, too). A
 * table that cannot be read counts as in use: the bootstrap PIN does not
 * open officer mode because of a database error. */
static gboolean officers_named(gpointer data)
{
  App *app = data;
  g_autoptr(GError) error = NULL;
  guint count = 0;

  if (!officers_count(app->db, &count, &error)) {
    g_warning("officers: %s", error->message);
    return TRUE;
  }
  return count > 0;
}

static OfficerPinVerdict check_officer(const char *id, const char *pin,
                                       gpointer data)
{
  App *app = data;

  return officers_check_pin(app->db, id, pin, app->config->officer_pin_hash);
}

gboolean app_uses_demo_pin(const KioskConfig *config)
{
  const char *hash = config->officer_pin_hash;

  if (!hash || !*hash || sodium_init() < 0)
    return FALSE;
  return crypto_pwhash_str_verify(hash, APP_DEMO_PIN, strlen(APP_DEMO_PIN)) ==
         0;
}

/* The demo key and the demo PIN go together; a real key with the demo PIN
 * (or the demo's officers, docs/officers.md) is a kiosk about to take real
 * applicants with a PIN anyone can read. */
static void check_demo_pin(App *app)
{
  g_autoptr(GError) error = NULL;
  gboolean demo_officers = FALSE;

  if (app->demo_key_notice)
    return;
  if (!officers_include_demo(app->db, &demo_officers, &error))
    g_warning("officers: %s", error->message);
  if (!demo_officers && !app_uses_demo_pin(app->config))
    return;
  app->demo_pin_notice = TRUE;
  g_log(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
        demo_officers ? "the officers table holds the shipped DEMO officers: "
                        "import your own before real use"
                      : "the officer PIN is the shipped DEMO PIN: set "
                        "officer.pin_hash before real use");
}

static gboolean open_store(App *app, GError **error)
{
  g_autofree char *db_path =
      config_resolve_path(app->config, app->config->database);
  g_autofree char *state_dir = config_resolve_path(app->config, ".");

  app->db = db_open(db_path, error);
  if (!app->db || !appointments_init(app->db, error) ||
      !audit_init(app->db, state_dir, error) ||
      !lockouts_init(app->db, error) || !officers_init(app->db, error))
    return FALSE;
  /* The store worker seals and inserts on a connection of its own. */
  app->queue_db = db_open(db_path, error);
  if (!app->queue_db)
    return FALSE;
  app->queue = queue_open(app->queue_db, state_dir,
                          app->config->backoffice_public_key, error);
  if (app->queue && queue_uses_demo_key(app->queue)) {
    /* Sealed to a key whose secret half lies next to the queue: fine for
     * the demo, never for applicants. Say so on every screen. */
    app->demo_key_notice = TRUE;
    log_event(G_LOG_LEVEL_WARNING, LOG_EVENT_DEMO_KEY, NULL,
              "records are sealed to the DEMO back-office key in %s: "
              "configure paths.backoffice_public_key before real use",
              state_dir);
  }
  if (app->queue)
    check_demo_pin(app);
  return app->queue != NULL;
}

/* The lockouts as they were when the kiosk last ran, on the session's
 * monotonic clock. */
/* One named officer's lockout as it was when the kiosk last ran. */
static void restore_officer_lockout(const char *id, const StoredLockout *stored,
                                    gpointer data)
{
  App *app = data;
  Lockout lockout = {
      .failures = stored->failures,
      .locked_until_us = lockout_end_from_wall(
          stored->locked_until, g_get_real_time(), g_get_monotonic_time(),
          app->config->officer_lockout_s),
  };

  if (officer_id_is_valid(id))
    session_restore_officer_lockout(app->session, id, &lockout);
}

static void restore_lockouts(App *app)
{
  g_autoptr(GError) officers_error = NULL;

  if (!lockouts_each_officer(app->db, restore_officer_lockout, app,
                             &officers_error))
    g_warning("lockouts: %s", officers_error->message);
  const int lockout_s[SESSION_N_LOCKOUTS] = {
      [SESSION_LOCKOUT_CHECKIN] = app->config->checkin_lockout_s,
      [SESSION_LOCKOUT_OFFICER_PIN] = app->config->officer_lockout_s,
  };
  gint64 now_us = g_get_monotonic_time();
  gint64 now_wall_us = g_get_real_time();

  for (int kind = 0; kind < SESSION_N_LOCKOUTS; kind++) {
    g_autoptr(GError) error = NULL;
    StoredLockout stored = {0};
    Lockout lockout;

    if (!lockouts_load(app->db, lockout_names[kind], &stored, &error)) {
      log_event(G_LOG_LEVEL_WARNING, LOG_EVENT_LOCKOUT_NOT_READ, NULL,
                "lockouts: %s", error->message);
      continue;
    }
    lockout.failures = stored.failures;
    lockout.locked_until_us = lockout_end_from_wall(
        stored.locked_until, now_wall_us, now_us, lockout_s[kind]);
    session_restore_lockout(app->session, kind, &lockout);
  }
}

static gboolean start_devices(App *app, GError **error)
{
  gpointer contexts[N_SLOTS] = {
      [SLOT_PHOTO] = app->config->photo_limits, /* [photo] */
      [SLOT_READER] = app->config,
      [SLOT_PAD] = NULL, /* the pad link, once it exists */
      [SLOT_STORE] = app->queue,
  };
  const char *backends[N_SLOTS] = {
      [SLOT_READER] = app->config->reader_backend,
      [SLOT_PAD] = app->config->pad_backend,
  };

  app->camera_state = DEVICE_STATE_READY; /* until it says otherwise */
  app->camera_grace_until = g_get_monotonic_time() + CAMERA_ABSENT_GRACE_US;
  app->camera = camera_worker_new(
      app->config->camera_backend, app->config->camera_options,
      STEPS_PREVIEW_MAX_W, STEPS_PREVIEW_MAX_H, error);
  if (!app->camera)
    return FALSE;
  camera_worker_set_wake(app->camera, app_wake, app);
  /* The pad is probed at once: an absent pad shows before anyone signs. */
  app->pad_state = DEVICE_STATE_READY; /* until it says otherwise */
  app->pad_link = pad_link_new(app->config, app_wake, app);
  app->results = g_async_queue_new_full((GDestroyNotify)result_free);
  contexts[SLOT_PAD] = app->pad_link;
  for (int i = 0; i < N_SLOTS; i++)
    app->workers[i] = worker_new(worker_classes[i], contexts[i], backends[i],
                                 app_deliver, app);
  return TRUE;
}

/* The technician's audit entries (TechRunHost.audit). */
static void technician_audit(gpointer data, const char *event)
{
  SessionAudit entry = {.actor = "technician", .event = event};

  app_audit(&entry, data);
}

static void start_technician(App *app)
{
  const TechRunHost host = {
      .config = app->config,
      .db = app->db,
      .camera = app->camera,
      .reader = app->workers[SLOT_READER],
      .pad = app->workers[SLOT_PAD],
      .pad_link = app->pad_link,
      .uploader = &app->uploader,
      .reader_trouble = &app->device_trouble[SLOT_READER],
      .pad_trouble = &app->device_trouble[SLOT_PAD],
      .pad_state = &app->pad_state,
      .backdrop = app->backdrop,
      .audit = technician_audit,
      .wake = app_wake,
      .data = app,
  };

  app->tech = techrun_new(&host);
}

App *app_new(KioskConfig *config, GError **error)
{
  App *app;

  if (sodium_init() < 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "libsodium cannot be initialised");
    return NULL;
  }
  config_resolve_option_paths(config, config->camera_options);
  config_resolve_option_paths(config, config->reader_options);
  config_resolve_option_paths(config, config->pad_options);
  app = g_new0(App, 1);
  app->config = config;
  app->stored = g_ptr_array_new_with_free_func(g_free);
  app->ink = g_array_new(FALSE, FALSE, sizeof(ViewInkPoint));
  g_mutex_init(&app->wake_lock);
  if (!open_store(app, error))
    goto fail;
  app->session =
      session_new(config, lookup_code, check_pin, app, g_get_monotonic_time());
  session_set_audit(app->session, app_audit, app);
  session_set_officers(app->session,
                       &(SessionOfficers){officers_named, check_officer}, app);
  session_set_pin_checks_async(app->session, TRUE);
  session_set_room_check(app->session, app_room, app);
  app->backdrop = photo_calibrator_new(config, g_get_monotonic_time());
  photo_auto_init(&app->autoshot,
                  (int)photo_setting(config, "auto_capture_frames"),
                  (int)photo_setting(config, "auto_capture_countdown_s"));
  restore_lockouts(app);
  apply_retention(app, g_get_monotonic_time());
  render_footer(app);
  if (!start_devices(app, error))
    goto fail;
  start_technician(app);
  app->guide = speech_guide_new(config);
  app->dirty = TRUE;
  return app;

fail:
  app_free(app);
  return NULL;
}

gpointer app_database(App *app)
{
  return app->db;
}

Session *app_session(App *app)
{
  return app->session;
}

PhotoCalibrator *app_backdrop(App *app)
{
  return app->backdrop;
}

GVariant *app_photo_measures(App *app)
{
  return app->photo.measures;
}

TechRun *app_technician(App *app)
{
  return app->tech;
}

const char *app_last_device_error(App *app)
{
  return app->last_device_error;
}

const GPtrArray *app_stored_records(App *app)
{
  return app->stored;
}

gboolean app_upload(App *app, guint *ret_delivered, GError **error)
{
  g_auto(TransportOptions) options = {0};
  g_autofree char *target = outbox_target(app, &options, error);
  g_autoptr(QueueUploadReport) report = NULL;

  if (!target)
    return FALSE;
  queue_set_transport_options(app->queue, &options);
  if (!queue_upload(app->queue, target, g_get_real_time() / G_USEC_PER_SEC,
                    QUEUE_UPLOAD_ALL, &report, error))
    return FALSE;
  if (ret_delivered)
    *ret_delivered = report->n_acknowledged;
  return TRUE;
}

void app_free(App *app)
{
  if (!app)
    return;
  g_clear_pointer(&app->guide, speech_guide_free);
  g_clear_pointer(&app->tech, techrun_free);
  for (int i = 0; i < N_SLOTS; i++)
    g_clear_pointer(&app->workers[i], worker_free);
  camera_worker_free(app->camera);
  g_clear_pointer(&app->backdrop, photo_calibrator_free);
  g_clear_pointer(&app->pad_link, pad_link_free);
  g_clear_pointer(&app->results, g_async_queue_unref);
  discard_person(app);
  /* A last chance for entries that waited; what is still not written is
   * lost with the process (docs/record-format.md, section 5.1). */
  if (app->session && app->db && app->audit_pending.length &&
      !audit_flush(app, g_get_monotonic_time()))
    g_log(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
          "audit log: %u entries could not be written and are lost",
          app->audit_pending.length);
  g_queue_clear_full(&app->audit_pending, (GDestroyNotify)pending_audit_free);
  g_free(app->audit_trouble);
  g_free(app->room_trouble);
  session_free(app->session);
  queue_close(app->queue);
  db_close(app->queue_db);
  db_close(app->db);
  g_mutex_clear(&app->wake_lock);
  g_ptr_array_unref(app->stored);
  g_array_unref(app->ink);
  g_free(app->pad_notice);
  g_free(app->last_device_error);
  for (int i = 0; i < N_SLOTS; i++)
    g_free(app->device_trouble[i]);
  g_free(app->camera_subject);
  app_set_layer(app, NULL);
  g_free(app);
}

void app_set_layer(App *app, const AppLayer *layer)
{
  if (app->layer.destroy)
    app->layer.destroy(app->layer.data);
  app->layer = layer ? *layer : (AppLayer){0};
  app->dirty = TRUE;
}

Speech *app_speech(App *app)
{
  return speech_guide_engine(app->guide);
}

void app_set_camera_subject(App *app, const char *subject)
{
  g_free(app->camera_subject);
  app->camera_subject = g_strdup(subject);
}
