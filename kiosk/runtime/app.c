/* The running kiosk: devices on worker threads, results fed back to the
 * session as events on the main thread, the session's requests turned into
 * jobs, and the loop that renders through a Frontend. Workers never touch the
 * session or the UI; the main thread never blocks on a device. */
#include "app.h"

#include <glib/gi18n.h>
#include <sodium.h>
#include <errno.h>
#include <string.h>

#include "appointments.h"
#include "audit.h"
#include "bk-config.h"
#include "camera-worker.h"
#include "camera.h"
#include "db.h"
#include "fpreader.h"
#include "i18n.h"
#include "pad.h"
#include "queue.h"
#include "record.h"
#include "session.h"
#include "steps.h"
#include "uploader.h"

#define DEVICE_TIMEOUT_MS     25000
#define DEMO_PIN              "2468"
#define DEMO_STEP_LIMIT       200
#define DEMO_QUIET_TIMEOUT_US (60 * G_USEC_PER_SEC)

typedef enum {
  JOB_PHOTO,
  JOB_SIGNATURE,
  JOB_FINGER,
  JOB_STORE,
  JOB_GUIDE, /* live-view guidance: advisory, not awaited */
  JOB_QUIT,
} JobType;

typedef struct {
  JobType type;
  guint64 generation;
  int finger;
  gboolean head_covering;
  int age;          /* JOB_PHOTO: years, -1 unknown */
  GBytes *jpeg;     /* JOB_PHOTO: the still to analyse */
  BkImage *frame;   /* JOB_GUIDE: a live-view frame */
  char *subject;    /* JOB_FINGER: who is at the reader (simulators) */
  BkRecord *record; /* JOB_STORE: the record (wiped when freed) */
} Job;

typedef struct {
  JobType type;
  guint64 generation;
  GError *error;
  PhotoOutcome photo;
  SignatureOutcome signature;
  FingerOutcome finger;
  char *record_id;
  char **guidance; /* JOB_GUIDE */
} Result;

/* The camera has its own worker (camera-worker.c: live view, stills,
 * reconnecting); these are the other threads. */
typedef enum {
  WORKER_PHOTO, /* analyses the camera's stills and live frames */
  WORKER_READER,
  WORKER_PAD,
  WORKER_STORE, /* sealing and queueing */
  N_WORKERS,
} WorkerKind;

typedef struct {
  App *app;
  WorkerKind kind;
  const char *name;
  GThread *thread;
  GAsyncQueue *jobs;
  GCancellable *cancellable;
  gpointer device;   /* BkCamera / BkFpReader / BkPad, worker-owned */
  char *device_line; /* "camera=sim Simulated camera" for the record */
} Worker;

#define UPLOAD_INTERVAL_S 60

struct App {
  KioskConfig *config;
  sqlite3 *db;       /* main thread: appointments, audit */
  sqlite3 *queue_db; /* the store worker's own connection */
  KioskQueue *queue;
  KioskUploader *uploader; /* `run` only; its own thread and connection */
  CameraWorker *camera;    /* live view and stills, its own thread */
  gboolean liveview;       /* show live frames (until the shot is asked) */
  gboolean awaiting_still; /* a still was requested and not yet answered */
  guint64 still_generation;
  gboolean guide_pending;       /* a live-view frame is being checked */
  gboolean still_head_covering; /* the declaration when the shot was asked */
  int still_age;
  DeviceState camera_state;
  Session *session;
  GAsyncQueue *results;
  Worker workers[N_WORKERS];
  GMutex device_lines_lock;
  guint64 generation; /* bumped when person data is discarded */
  int outstanding;    /* jobs sent, results not yet handled */

  /* The current person's captured data (main thread). */
  PhotoOutcome photo;
  SignatureOutcome signature;
  FingerOutcome fingers[2];
  int n_fingers;

  GPtrArray *stored;               /* record ids stored in this run */
  char *last_device_error;         /* the newest device failure, for the demo */
  char *device_trouble[N_WORKERS]; /* per worker, NULL when it last worked */
  gboolean demo_key_notice;        /* records are sealed to the demo key */
  gint64 started_us;
  gboolean dirty; /* the view must be rendered again */
};

/* ---- results and jobs -------------------------------------------------- */

static void result_free(Result *r)
{
  if (!r)
    return;
  g_clear_error(&r->error);
  photo_outcome_clear(&r->photo);
  signature_outcome_clear(&r->signature);
  finger_outcome_clear(&r->finger);
  g_free(r->record_id);
  g_strfreev(r->guidance);
  g_free(r);
}

static void job_free(Job *job)
{
  if (!job)
    return;
  g_clear_pointer(&job->record, record_free);
  g_clear_pointer(&job->jpeg, g_bytes_unref);
  g_clear_pointer(&job->frame, image_free);
  g_free(job->subject);
  g_free(job);
}

static DeviceOptions *options_for(App *app, WorkerKind kind)
{
  switch (kind) {
  case WORKER_READER:
    return app->config->reader_options;
  case WORKER_PAD:
    return app->config->pad_options;
  case WORKER_PHOTO:
  case WORKER_STORE:
  case N_WORKERS:
    break;
  }
  return NULL;
}

static void remember_device(Worker *w, const char *backend)
{
  DeviceInfo info = {0};
  gboolean ok = FALSE;

  switch (w->kind) {
  case WORKER_PHOTO:
    break;
  case WORKER_READER:
    ok = fpreader_describe(w->device, &info, NULL);
    break;
  case WORKER_PAD:
    ok = pad_describe(w->device, &info, NULL);
    break;
  case WORKER_STORE:
  case N_WORKERS:
    break;
  }
  g_mutex_lock(&w->app->device_lines_lock);
  g_free(w->device_line);
  w->device_line = g_strdup_printf("%s=%s %s %s", w->name, backend,
                                   ok && info.model ? info.model : "",
                                   ok && info.serial ? info.serial : "");
  g_mutex_unlock(&w->app->device_lines_lock);
  device_info_clear(&info);
}

/* Opens the worker's device when it is not open (first use, or after it was
 * lost). Runs on the worker thread. */
static gboolean worker_ensure_device(Worker *w, GError **error)
{
  const KioskConfig *c = w->app->config;
  DeviceOptions *options = options_for(w->app, w->kind);
  const char *backend = NULL;

  if (w->device)
    return TRUE;
  switch (w->kind) {
  case WORKER_PHOTO:
    return TRUE;
  case WORKER_READER:
    backend = c->reader_backend;
    w->device = fpreader_open(backend, options, error);
    break;
  case WORKER_PAD:
    backend = c->pad_backend;
    w->device = pad_open(backend, options, error);
    break;
  case WORKER_STORE:
  case N_WORKERS:
    return TRUE;
  }
  if (!w->device)
    return FALSE;
  remember_device(w, backend);
  return TRUE;
}

static void worker_drop_device(Worker *w)
{
  switch (w->kind) {
  case WORKER_PHOTO:
    break;
  case WORKER_READER:
    g_clear_pointer(&w->device, fpreader_close);
    break;
  case WORKER_PAD:
    g_clear_pointer(&w->device, pad_close);
    break;
  case WORKER_STORE:
  case N_WORKERS:
    break;
  }
}

/* A disconnected device is closed so that the next job opens it again. */
static void worker_after_error(Worker *w, const GError *error)
{
  if (g_error_matches(error, DRIVERS_ERROR, DRIVERS_ERROR_DISCONNECTED) ||
      g_error_matches(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND))
    worker_drop_device(w);
}

static void run_job(Worker *w, Job *job, Result *r)
{
  App *app = w->app;
  GError **error = &r->error;

  if (!worker_ensure_device(w, error))
    return;
  switch (job->type) {
  case JOB_PHOTO:
    steps_photo(job->jpeg, job->head_covering, job->age, &r->photo, error);
    break;
  case JOB_SIGNATURE: {
    GArray *samples =
        pad_collect(w->device, DEVICE_TIMEOUT_MS, w->cancellable, error);
    if (samples)
      steps_signature(samples, &r->signature, error);
    break;
  }
  case JOB_FINGER: {
    g_autoptr(FpImpression) imp = NULL;

    fpreader_set_subject(w->device, job->subject);
    imp = fpreader_capture(w->device, job->finger, DEVICE_TIMEOUT_MS,
                           w->cancellable, error);
    if (imp)
      steps_finger(job->finger, imp->width, imp->height, imp->ppi,
                   g_steal_pointer(&imp->pixels), imp->minutiae, &r->finger,
                   error);
    break;
  }
  case JOB_GUIDE:
    r->guidance = steps_guide(job->frame, job->head_covering, job->age, error);
    break;
  case JOB_STORE:
    queue_store_record(app->queue, job->record,
                       g_get_real_time() / G_USEC_PER_SEC, &r->record_id,
                       error);
    break;
  case JOB_QUIT:
    break;
  }
  if (*error)
    worker_after_error(w, *error);
}

static gpointer worker_main(gpointer data)
{
  Worker *w = data;

  for (;;) {
    Job *job = g_async_queue_pop(w->jobs);
    Result *r;

    if (job->type == JOB_QUIT) {
      job_free(job);
      break;
    }
    r = g_new0(Result, 1);
    r->type = job->type;
    r->generation = job->generation;
    run_job(w, job, r);
    job_free(job);
    g_async_queue_push(w->app->results, r);
  }
  worker_drop_device(w);
  return NULL;
}

static void send_job(App *app, WorkerKind kind, Job *job)
{
  job->generation = app->generation;
  app->outstanding++;
  g_async_queue_push(app->workers[kind].jobs, job);
}

/* ---- the person's data --------------------------------------------------- */

static void discard_person(App *app)
{
  photo_outcome_clear(&app->photo);
  signature_outcome_clear(&app->signature);
  for (int i = 0; i < 2; i++)
    finger_outcome_clear(&app->fingers[i]);
  app->n_fingers = 0;
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
  g_mutex_lock(&app->device_lines_lock);
  for (int i = 0; i < N_WORKERS; i++)
    if (app->workers[i].device_line)
      g_ptr_array_add(lines, g_strdup(app->workers[i].device_line));
  g_mutex_unlock(&app->device_lines_lock);
  g_ptr_array_add(lines, NULL);
  return (char **)g_ptr_array_free(lines, FALSE);
}

static void request_store(App *app)
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
  };
  Job *job;

  for (int i = 0; i < app->n_fingers && i < 2; i++)
    input.fingers[i] = &app->fingers[i];
  job = g_new0(Job, 1);
  job->type = JOB_STORE;
  job->record = steps_build_record(&input, &error);
  if (!job->record) {
    SessionEvent ev = {.type = EV_DEVICE_ERROR, .message = error->message};
    job_free(job);
    session_handle(app->session, &ev, g_get_monotonic_time());
    return;
  }
  send_job(app, WORKER_STORE, job);
}

/* What the validator must know about the person in front of the camera. */
static void still_context(App *app)
{
  const SessionPerson *p = session_person(app->session);

  app->still_head_covering = p && p->head_covering;
  app->still_age =
      p ? rules_age_years(p->person->date_of_birth, session_clock(app->session))
        : -1;
}

static void handle_requests(App *app)
{
  SessionRequest req;

  while (session_next_request(app->session, &req)) {
    Job *job;

    app->dirty = TRUE;
    switch (req.type) {
    case REQ_LIVEVIEW_ON:
    case REQ_LIVEVIEW_OFF:
      app->liveview = req.type == REQ_LIVEVIEW_ON;
      camera_worker_set_liveview(app->camera, app->liveview);
      break;
    case REQ_TAKE_PHOTO:
      /* The preview freezes on the last frame while the still is taken;
       * its analysis then runs on the photo thread (see pump()). */
      app->liveview = FALSE;
      app->awaiting_still = TRUE;
      app->still_generation = app->generation;
      still_context(app);
      app->outstanding++;
      camera_worker_request_still(app->camera);
      break;
    case REQ_COLLECT_SIGNATURE:
      job = g_new0(Job, 1);
      job->type = JOB_SIGNATURE;
      send_job(app, WORKER_PAD, job);
      break;
    case REQ_CAPTURE_FINGER: {
      const SessionPerson *p = session_person(app->session);
      job = g_new0(Job, 1);
      job->type = JOB_FINGER;
      job->finger = req.finger;
      /* A simulated reader makes up this person's fingers from it. */
      if (p)
        job->subject =
            g_strdup_printf("%s/%d", p->appointment->code, p->person_index);
      send_job(app, WORKER_READER, job);
      break;
    }
    case REQ_STORE_RECORD:
      request_store(app);
      break;
    case REQ_DISCARD_PERSON:
      app->generation++;
      discard_person(app);
      break;
    case REQ_AUDIT: {
      g_autoptr(GError) error = NULL;
      if (!audit_append(app->db, g_get_real_time(), req.actor, req.event, "",
                        NULL, &error))
        g_warning("audit log: %s", error->message);
      break;
    }
    case REQ_LANGUAGE:
      if (!i18n_set_language(req.language))
        g_warning("no '%s' texts; the screens stay as they are", req.language);
      break;
    case REQ_CANCEL_DEVICES:
      /* Results of cancelled jobs are dropped by generation. */
      app->generation++;
      for (int i = 0; i < N_WORKERS; i++) {
        g_cancellable_cancel(app->workers[i].cancellable);
        g_cancellable_reset(app->workers[i].cancellable);
      }
      break;
    }
  }
}

static void set_display(App *app, const BkImage *image)
{
  if (image)
    session_set_image(app->session, image->width, image->height,
                      image->channels, image->pixels);
  else
    session_set_image(app->session, 0, 0, 0, NULL);
}

/* The footer tells the officer and technician which device is in trouble
 * (the applicant's screen explains the step itself). */
static void update_footer(App *app, WorkerKind kind, const GError *error)
{
  /* The photo slot carries the camera's trouble: the camera worker and the
   * analysis of its stills both report there. */
  static const char *const labels[N_WORKERS] = {
      N_("Camera"),
      N_("Fingerprint reader"),
      N_("Signature pad"),
      N_("Record queue"),
  };
  GString *line = g_string_new(
      app->demo_key_notice ? _("Demo key: not for real applicants") : NULL);

  g_free(app->device_trouble[kind]);
  app->device_trouble[kind] = error ? g_strdup(error->message) : NULL;
  for (int i = 0; i < N_WORKERS; i++)
    if (app->device_trouble[i])
      g_string_append_printf(line, "%s%s: %s", line->len ? "  ·  " : "",
                             _(labels[i]), app->device_trouble[i]);
  session_set_footer(app->session, line->str);
  g_string_free(line, TRUE);
}

static WorkerKind worker_for(JobType type)
{
  switch (type) {
  case JOB_PHOTO:
    return WORKER_PHOTO;
  case JOB_SIGNATURE:
    return WORKER_PAD;
  case JOB_FINGER:
    return WORKER_READER;
  case JOB_GUIDE:
  case JOB_STORE:
  case JOB_QUIT:
    break;
  }
  return WORKER_STORE;
}

static void handle_result(App *app, Result *r, gint64 now_us)
{
  SessionEvent ev = {0};

  if (r->type == JOB_GUIDE) {
    /* Advisory: never awaited, and a failed check just shows no hint. */
    app->guide_pending = FALSE;
    if (!r->error && r->generation == app->generation) {
      session_set_guidance(app->session, (const char *const *)r->guidance);
      app->dirty = TRUE;
    }
    return;
  }
  app->outstanding--;
  app->dirty = TRUE;
  update_footer(app, worker_for(r->type), r->error);
  if (r->generation != app->generation) {
    g_debug("app: dropping a stale result");
    return;
  }
  if (r->error) {
    g_free(app->last_device_error);
    app->last_device_error = g_strdup(r->error->message);
    ev.type = EV_DEVICE_ERROR;
    ev.message = r->error->message;
    session_handle(app->session, &ev, now_us);
    return;
  }
  switch (r->type) {
  case JOB_PHOTO:
    photo_outcome_clear(&app->photo);
    app->photo = r->photo;
    memset(&r->photo, 0, sizeof r->photo);
    set_display(app, app->photo.display);
    ev.type = EV_PHOTO_TAKEN;
    ev.ok = app->photo.accepted;
    ev.referred = app->photo.referred;
    ev.reasons = (const char *const *)app->photo.reasons;
    break;
  case JOB_SIGNATURE:
    signature_outcome_clear(&app->signature);
    app->signature = r->signature;
    memset(&r->signature, 0, sizeof r->signature);
    if (app->signature.rendered)
      session_set_signature_image(app->session, app->signature.rendered->width,
                                  app->signature.rendered->height,
                                  app->signature.rendered->pixels);
    ev.type = EV_SIGNATURE_DONE;
    ev.ok = app->signature.ok;
    ev.reasons = (const char *const *)app->signature.reasons;
    break;
  case JOB_FINGER: {
    const SessionPerson *p = session_person(app->session);
    int slot = 0;

    while (p && slot < p->n_fingers && p->fingers[slot] != r->finger.finger)
      slot++;
    if (slot >= 2) {
      g_warning("app: a result for a finger that was not asked for");
      return;
    }
    ev.type = EV_FINGER_DONE;
    ev.ok = r->finger.ok;
    ev.quality = r->finger.quality;
    if (r->finger.ok) {
      finger_outcome_clear(&app->fingers[slot]);
      app->fingers[slot] = r->finger;
      memset(&r->finger, 0, sizeof r->finger);
      app->n_fingers = MAX(app->n_fingers, slot + 1);
      session_set_finger_image(
          app->session, slot, app->fingers[slot].image->width,
          app->fingers[slot].image->height, app->fingers[slot].image->pixels);
      ev.reasons = (const char *const *)app->fingers[slot].reasons;
    } else {
      ev.reasons = (const char *const *)r->finger.reasons;
    }
    break;
  }
  case JOB_GUIDE:
    return;
  case JOB_STORE:
    g_ptr_array_add(app->stored, g_strdup(r->record_id));
    if (app->uploader)
      uploader_kick(app->uploader);
    ev.type = EV_RECORD_STORED;
    ev.message = r->record_id;
    break;
  case JOB_QUIT:
    return;
  }
  session_handle(app->session, &ev, now_us);
}

#define CAMERA_ABSENT_GRACE_US (3 * G_USEC_PER_SEC)

/* The camera worker's news: its health (into the footer), the newest live
 * frame, and the answer to a still request (whose analysis then goes to the
 * photo thread). */
static void poll_camera(App *app, gint64 now_us)
{
  g_autofree char *message = NULL;
  g_autoptr(GError) error = NULL;
  DeviceState state = camera_worker_state(app->camera, &message);
  GBytes *jpeg;

  /* A camera still being opened at start-up is not trouble yet. */
  if (state == DEVICE_STATE_ABSENT &&
      now_us - app->started_us < CAMERA_ABSENT_GRACE_US)
    state = app->camera_state;
  if (state != app->camera_state) {
    g_autoptr(GError) trouble = NULL;
    app->camera_state = state;
    if (state != DEVICE_STATE_READY && state != DEVICE_STATE_BUSY)
      trouble = g_error_new(DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND, "%s%s%s",
                            device_state_to_string(state), message ? ": " : "",
                            message ? message : "");
    update_footer(app, WORKER_PHOTO, trouble);
    app->dirty = TRUE;
  }
  if (app->liveview) {
    g_autoptr(BkImage) frame = camera_worker_take_frame(app->camera, NULL);
    if (frame) {
      set_display(app, frame);
      app->dirty = TRUE;
      /* One guidance check at a time; frames in between are shown but not
       * checked (the check runs at about 40 frames per second anyway). */
      if (!app->guide_pending) {
        Job *job = g_new0(Job, 1);
        still_context(app);
        job->type = JOB_GUIDE;
        job->generation = app->generation;
        job->head_covering = app->still_head_covering;
        job->age = app->still_age;
        job->frame = g_steal_pointer(&frame);
        app->guide_pending = TRUE;
        g_async_queue_push(app->workers[WORKER_PHOTO].jobs, job);
      }
    }
  }
  if (!app->awaiting_still)
    return;
  jpeg = camera_worker_poll_still(app->camera, &error);
  if (!jpeg && !error)
    return;
  app->awaiting_still = FALSE;
  app->outstanding--;
  app->dirty = TRUE;
  if (app->still_generation != app->generation) {
    g_clear_pointer(&jpeg, g_bytes_unref);
    return;
  }
  if (error) {
    SessionEvent ev = {.type = EV_DEVICE_ERROR, .message = error->message};
    g_free(app->last_device_error);
    app->last_device_error = g_strdup(error->message);
    update_footer(app, WORKER_PHOTO, error);
    session_handle(app->session, &ev, now_us);
  } else {
    Job *job = g_new0(Job, 1);
    job->type = JOB_PHOTO;
    job->jpeg = jpeg;
    job->head_covering = app->still_head_covering;
    job->age = app->still_age;
    send_job(app, WORKER_PHOTO, job);
  }
}

/* Handles everything that is ready without waiting. */
static void pump(App *app)
{
  Result *r;
  gint64 now_us = g_get_monotonic_time();
  SessionEvent tick = {.type = EV_TICK};

  handle_requests(app);
  poll_camera(app, now_us);
  handle_requests(app);
  while ((r = g_async_queue_try_pop(app->results))) {
    handle_result(app, r, now_us);
    result_free(r);
    handle_requests(app);
  }
  session_handle(app->session, &tick, now_us);
  handle_requests(app);
}

static void intent_to_event(App *app, const KioskIntent *intent)
{
  SessionEvent ev = {0};

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
  case INTENT_NONE:
  case INTENT_QUIT:
    return;
  }
  app->dirty = TRUE;
  session_handle(app->session, &ev, g_get_monotonic_time());
}

/* ---- construction ---------------------------------------------------------
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

App *app_new(KioskConfig *config, GError **error)
{
  static const char *const names[N_WORKERS] = {"photo", "reader", "pad",
                                               "store"};
  g_autofree char *db_path = config_resolve_path(config, config->database);
  g_autofree char *state_dir = config_resolve_path(config, ".");
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
  g_mutex_init(&app->device_lines_lock);
  app->db = db_open(db_path, error);
  if (!app->db || !appointments_init(app->db, error) ||
      !audit_init(app->db, error))
    goto fail;
  /* The store worker seals and inserts on a connection of its own, so its
   * transactions never interleave with the main thread's statements. */
  app->queue_db = db_open(db_path, error);
  if (!app->queue_db)
    goto fail;
  app->queue = queue_open(app->queue_db, state_dir,
                          config->backoffice_public_key, error);
  if (!app->queue)
    goto fail;
  app->session =
      session_new(config, lookup_code, check_pin, app, g_get_monotonic_time());
  if (queue_uses_demo_key(app->queue)) {
    /* Sealed to a key whose secret half lies next to the queue: fine for
     * the demo, never for applicants. Say so on every screen. */
    app->demo_key_notice = TRUE;
    g_warning("records are sealed to the DEMO back-office key in %s: "
              "configure paths.backoffice_public_key before real use",
              state_dir);
    session_set_footer(app->session, _("Demo key: not for real applicants"));
  }
  app->started_us = g_get_monotonic_time();
  app->camera_state = DEVICE_STATE_READY; /* until it says otherwise */
  app->camera =
      camera_worker_new(config->camera_backend, config->camera_options,
                        STEPS_PREVIEW_MAX_W, STEPS_PREVIEW_MAX_H, error);
  if (!app->camera)
    goto fail;
  app->results = g_async_queue_new();
  for (int i = 0; i < N_WORKERS; i++) {
    Worker *w = &app->workers[i];
    w->app = app;
    w->kind = i;
    w->name = names[i];
    w->jobs = g_async_queue_new();
    w->cancellable = g_cancellable_new();
    w->thread = g_thread_new(names[i], worker_main, w);
  }
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

/* The upload target for the configured outbox folder. A relative outbox
 * lives in the state folder and is created on first use; an absolute one is
 * typically a mount and must already exist, so that a missing mount never
 * looks like a delivery. */
static char *outbox_target(App *app, GError **error)
{
  g_autofree char *outbox =
      config_resolve_path(app->config, app->config->outbox);

  if (!g_path_is_absolute(app->config->outbox) &&
      g_mkdir_with_parents(outbox, 0700) < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
                "cannot create the outbox %s: %s", outbox, g_strerror(errno));
    return NULL;
  }
  return queue_target_for_folder(outbox);
}

gboolean app_upload(App *app, guint *ret_delivered, GError **error)
{
  g_autofree char *target = outbox_target(app, error);
  g_autoptr(QueueUploadReport) report = NULL;

  if (!target)
    return FALSE;
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
  for (int i = 0; i < N_WORKERS; i++) {
    Worker *w = &app->workers[i];
    if (!w->thread)
      continue;
    g_cancellable_cancel(w->cancellable);
    Job *quit = g_new0(Job, 1);
    quit->type = JOB_QUIT;
    g_async_queue_push_front(w->jobs, quit);
    g_thread_join(w->thread);
    g_async_queue_unref(w->jobs);
    g_object_unref(w->cancellable);
    g_free(w->device_line);
  }
  camera_worker_free(app->camera);
  if (app->results) {
    Result *r;
    while ((r = g_async_queue_try_pop(app->results)))
      result_free(r);
    g_async_queue_unref(app->results);
  }
  discard_person(app);
  session_free(app->session);
  queue_close(app->queue);
  db_close(app->queue_db);
  db_close(app->db);
  g_mutex_clear(&app->device_lines_lock);
  g_ptr_array_unref(app->stored);
  g_free(app->last_device_error);
  for (int i = 0; i < N_WORKERS; i++)
    g_free(app->device_trouble[i]);
  g_free(app);
}

/* ---- the interactive loop -------------------------------------------------
 */

static void render(App *app, const Frontend *fe)
{
  fe->render(fe->data, session_view(app->session));
  app->dirty = FALSE;
}

/* The uploader delivers in the background to the outbox folder (the only
 * target so far); a failure to start it is shown, not fatal: records stay
 * queued. */
static void start_uploader(App *app)
{
  g_autofree char *db_path =
      config_resolve_path(app->config, app->config->database);
  g_autofree char *state_dir = config_resolve_path(app->config, ".");
  g_autoptr(GError) error = NULL;
  g_autofree char *target = outbox_target(app, &error);

  if (!target) {
    g_warning("%s", error->message);
    return;
  }
  app->uploader =
      uploader_start(db_path, state_dir, app->config->backoffice_public_key,
                     target, UPLOAD_INTERVAL_S, &error);
  if (!app->uploader)
    g_warning("the uploader did not start: %s", error->message);
}

int app_run(App *app, const Frontend *fe, gboolean (*first_frame)(gpointer),
            gpointer first_frame_data)
{
  render(app, fe);
  if (first_frame && !first_frame(first_frame_data))
    return 0;
  start_uploader(app);
  for (;;) {
    KioskIntent intent;
    g_autoptr(GDateTime) now = g_date_time_new_now_local();

    /* The desk's rules use the wall clock at the moment of check-in. */
    session_set_clock(app->session, now);
    if (fe->next_intent(fe->data, app->outstanding ? 20 : 100, &intent)) {
      if (intent.type == INTENT_QUIT)
        break;
      intent_to_event(app, &intent);
    }
    pump(app);
    if (app->dirty)
      render(app, fe);
  }
  g_clear_pointer(&app->uploader, uploader_stop);
  return 0;
}

/* ---- the scripted demo
 * ------------------------------------------------------- */

/* Processes input and results until nothing is outstanding. */
static gboolean settle(App *app, const Frontend *fe, GError **error)
{
  gint64 deadline = g_get_monotonic_time() + DEMO_QUIET_TIMEOUT_US;

  for (;;) {
    KioskIntent intent;

    while (fe->next_intent(fe->data, 0, &intent))
      intent_to_event(app, &intent);
    pump(app);
    if (app->outstanding == 0)
      break;
    if (g_get_monotonic_time() > deadline) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                  "demo: a device did not answer within %d s",
                  (int)(DEMO_QUIET_TIMEOUT_US / G_USEC_PER_SEC));
      return FALSE;
    }
    g_usleep(2000);
  }
  render(app, fe);
  return TRUE;
}

static gboolean press(App *app, const Frontend *fe, const char *target,
                      GError **error)
{
  if (!fe->press(fe->data, target)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                "demo: '%s' is not on the %s screen", target,
                session_state_name(session_state(app->session)));
    return FALSE;
  }
  return settle(app, fe, error);
}

static gboolean type_digits(App *app, const Frontend *fe, const char *digits,
                            GError **error)
{
  for (const char *c = digits; *c; c++) {
    char key[2] = {*c, 0};
    if (!press(app, fe, key, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean shoot(App *app, const Frontend *fe, const char *dir, int *n,
                      const char *name, GError **error)
{
  g_autofree char *file = g_strdup_printf("%02d-%s.png", ++*n, name);
  g_autofree char *path = g_build_filename(dir, file, NULL);

  return fe->screenshot(fe->data, path, error);
}

static gboolean view_has_button(App *app, const char *id)
{
  const KioskView *v = session_view(app->session);

  for (int i = 0; i < v->n_buttons; i++)
    if (g_str_equal(v->buttons[i].id, id))
      return TRUE;
  return FALSE;
}

/* One step of the script: what the demo does on the screen it sees. */
static gboolean demo_step(App *app, const Frontend *fe, const char *code,
                          const char *dir, int *n, gboolean *ret_done,
                          GError **error)
{
  SessionState st = session_state(app->session);
  g_autofree char *person_shot = NULL;

  switch (st) {
  case SESSION_CHECKIN:
    if (app->stored->len > 0 || *n > 0) {
      *ret_done = TRUE;
      return TRUE;
    }
    return shoot(app, fe, dir, n, "checkin", error) &&
           type_digits(app, fe, code, error) &&
           shoot(app, fe, dir, n, "checkin-code", error) &&
           press(app, fe, "ok", error);
  case SESSION_MESSAGE:
    return shoot(app, fe, dir, n, "message", error) &&
           press(app, fe, "ok", error);
  case SESSION_PERSON:
    person_shot = g_strdup_printf(
        "person-%d", session_person(app->session)->person_index + 1);
    return shoot(app, fe, dir, n, person_shot, error) &&
           press(app, fe, view_has_button(app, "start") ? "start" : "next",
                 error);
  case SESSION_OFFICER_PIN:
    return type_digits(app, fe, DEMO_PIN, error) &&
           shoot(app, fe, dir, n, "officer-pin", error) &&
           press(app, fe, "ok", error);
  case SESSION_OFFICER_CHECK:
    return shoot(app, fe, dir, n, "officer-check", error) &&
           press(app, fe, "documents_seen", error);
  case SESSION_PHOTO:
    if (view_has_button(app, "take") && !view_has_button(app, "accept"))
      return press(app, fe, "take", error);
    if (!shoot(app, fe, dir, n, "photo", error))
      return FALSE;
    if (view_has_button(app, "accept"))
      return press(app, fe, "accept", error);
    return press(app, fe, "override", error);
  case SESSION_SIGNATURE:
    return shoot(app, fe, dir, n, "signature", error) &&
           press(app, fe, view_has_button(app, "accept") ? "accept" : "redo",
                 error);
  case SESSION_FINGERPRINT:
    return shoot(app, fe, dir, n, "fingerprints", error) &&
           press(app, fe, view_has_button(app, "accept") ? "accept" : "missing",
                 error);
  case SESSION_REVIEW:
    return shoot(app, fe, dir, n, "review", error) &&
           press(app, fe, "approve", error);
  case SESSION_STORING:
    return settle(app, fe, error);
  case SESSION_DONE:
    return shoot(app, fe, dir, n, "done", error) &&
           press(app, fe, "next", error);
  case SESSION_N_STATES:
    break;
  }
  g_assert_not_reached();
}

char **app_demo(App *app, const Frontend *fe, const char *code,
                GDateTime *clock, const char *screens_dir, GError **error)
{
  g_autoptr(Appointment) appointment = NULL;
  gboolean done = FALSE;
  int shots = 0;

  g_return_val_if_fail(fe->press && fe->screenshot, NULL);
  if (g_mkdir_with_parents(screens_dir, 0755) < 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot create %s",
                screens_dir);
    return NULL;
  }
  appointment = appointments_lookup(app->db, code, error);
  if (!appointment) {
    if (error && !*error)
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                  "demo: no appointment with code %s", code);
    return NULL;
  }
  session_set_clock(app->session, clock ? clock : appointment->start);
  render(app, fe);
  for (int step = 0; !done; step++) {
    if (step >= DEMO_STEP_LIMIT) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                  "demo: stuck on the %s screen",
                  session_state_name(session_state(app->session)));
      return NULL;
    }
    if (!settle(app, fe, error) ||
        !demo_step(app, fe, code, screens_dir, &shots, &done, error))
      return NULL;
    /* The demo's devices are simulated: any failure is a fault to report,
     * not something to retry. */
    if (app->last_device_error) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "demo: %s: %s",
                  session_state_name(session_state(app->session)),
                  app->last_device_error);
      return NULL;
    }
  }
  g_ptr_array_add(app->stored, NULL);
  return (char **)g_ptr_array_steal(app->stored, NULL);
}
