/* See technician-run.h. The pages' rows are built here from the shared
 * checks (diagnose.h) and the workers' state; the live tests run as jobs on
 * the workers that hold the devices, marked with TECHRUN_EPOCH. */
#include "technician-run.h"

#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>

#include "appointments.h"
#include "bk-config.h"
#include "calibration.h"
#include "diagnose.h"
#include "finger.h"
#include "jpegio.h"
#include "lockouts.h"
#include "log-export.h"
#include "queue.h"
#include "settings.h"

/* The technician PIN's lockout in the lockouts store (lockouts.h). */
#define LOCKOUT_NAME "technician_pin"
/* How long each live test may take. */
#define TEST_FINGER_MS 30000
#define TEST_STROKE_MS 30000
/* The test shot is shown this large at most. */
#define SHOT_MAX_W 640
#define SHOT_MAX_H 480

/* The still the camera was asked for, and why. */
typedef enum {
  STILL_NONE,
  STILL_TEST,
  STILL_CALIBRATION,
} StillPurpose;

/* The export's thread and what it reports back. */
typedef struct {
  GThread *thread;
  char *folder;
  char *report; /* the diagnose report's text */
  char *stamp;  /* file name part: location and time */
  gboolean done;
  char *caption; /* the outcome for the screen */
  gboolean ok;
} Export;

struct TechRun {
  TechRunHost host;
  Technician *tech;
  StillPurpose still;
  gint64 still_asked_us;
  GMutex lock; /* guards export.done, caption, ok */
  Export export;
  KioskView decorated;
  char *training_pin; /* training mode: the officer's training PIN */
};

/* ---- rows ----------------------------------------------------------- */

typedef struct {
  ViewRow rows[VIEW_MAX_ROWS];
  int n;
  GPtrArray *strings;
} Rows;

static void rows_init(Rows *r)
{
  memset(r, 0, sizeof *r);
  r->strings = g_ptr_array_new_with_free_func(g_free);
}

static void G_GNUC_PRINTF(4, 5) row(Rows *r, ViewRowStatus status,
                                    const char *label, const char *format, ...)
{
  va_list args;
  char *value = NULL;

  if (r->n >= VIEW_MAX_ROWS)
    return;
  if (format) {
    va_start(args, format);
    value = g_strdup_vprintf(format, args);
    va_end(args);
    g_ptr_array_add(r->strings, value);
  }
  r->rows[r->n++] = (ViewRow){label, value, status};
}

static void head(Rows *r, const char *label)
{
  row(r, VIEW_ROW_HEAD, label, NULL);
}

static void rows_commit(TechRun *run, TechnicianPage page, Rows *r)
{
  technician_set_rows(run->tech, page, r->rows, r->n);
  g_ptr_array_unref(r->strings);
}

static ViewRowStatus state_status(DeviceState state)
{
  switch (state) {
  case DEVICE_STATE_READY:
  case DEVICE_STATE_BUSY:
    return VIEW_ROW_OK;
  case DEVICE_STATE_RECOVERING:
    return VIEW_ROW_WARN;
  case DEVICE_STATE_ABSENT:
  case DEVICE_STATE_FAILED:
    break;
  }
  return VIEW_ROW_FAIL;
}

/* ---- the shared checks, from what the workers know ------------------ */

static void report_camera(TechRun *run, DiagnoseReport *report)
{
  DiagnoseDevice *d =
      diagnose_device_new(report, "camera", run->host.config->camera_backend);
  g_autofree char *message = NULL;
  DeviceState state = camera_worker_state(run->host.camera, &message);
  g_autoptr(GHashTable) settings =
      camera_worker_read_settings(run->host.camera);

  d->found = state == DEVICE_STATE_READY || state == DEVICE_STATE_BUSY;
  d->described = d->found && camera_worker_describe(run->host.camera, &d->info);
  if (!d->found)
    d->error = g_strdup_printf("%s%s%s", device_state_to_string(state),
                               message ? ": " : "", message ? message : "");
  d->has_settings = d->found;
  for (int i = 0; d->found && i < DIAGNOSE_N_SETTINGS; i++) {
    const char *value =
        g_hash_table_lookup(settings, diagnose_setting_names[i]);

    d->settings[i] = g_strdup(value);
    if (!value)
      d->setting_errors[i] = g_strdup("not readable");
  }
}

/* "reader=sim model serial" (the record's device line): the part after
 * the backend. */
static void report_worker(DiagnoseReport *report, const char *member,
                          const char *backend, Worker *worker,
                          const char *trouble)
{
  DiagnoseDevice *d = diagnose_device_new(report, member, backend);
  g_autofree char *line = worker_device_line(worker);

  d->found = line && !trouble;
  d->described = d->found;
  if (line) {
    const char *space = strchr(line, ' ');

    d->info.model = g_strstrip(g_strdup(space ? space + 1 : ""));
  }
  if (!d->found)
    d->error = g_strdup(trouble ? trouble : "not opened yet: run its test");
}

static void report_pad(TechRun *run, DiagnoseReport *report)
{
  DiagnoseDevice *d =
      diagnose_device_new(report, "pad", run->host.config->pad_backend);
  DeviceState state = *run->host.pad_state;

  d->found = state == DEVICE_STATE_READY || state == DEVICE_STATE_BUSY;
  d->described = d->found && pad_link_describe(run->host.pad_link, &d->info);
  if (!d->found)
    d->error =
        g_strdup_printf("%s%s%s", device_state_to_string(state),
                        *run->host.pad_trouble ? ": " : "",
                        *run->host.pad_trouble ? *run->host.pad_trouble : "");
}

static DiagnoseReport *techrun_report(TechRun *run)
{
  DiagnoseReport *report = diagnose_report_new();

  report_camera(run, report);
  report_worker(report, "reader", run->host.config->reader_backend,
                run->host.reader, *run->host.reader_trouble);
  report_pad(run, report);
  diagnose_report_judge(report);
  return report;
}

/* ---- the pages ------------------------------------------------------- */

static const char *device_title(const char *member)
{
  if (g_str_equal(member, "camera"))
    return "Camera";
  if (g_str_equal(member, "reader"))
    return "Fingerprint reader";
  return "Signature pad";
}

static void rows_device(Rows *r, const DiagnoseDevice *d)
{
  const DeviceInfo *info = &d->info;

  head(r, device_title(d->member));
  if (d->found)
    row(r, d->ok ? VIEW_ROW_OK : VIEW_ROW_FAIL, "State", "%s",
        d->ok ? "ready" : "answers, but cannot describe itself");
  else
    row(r,
        g_str_has_prefix(d->error, "not opened") ? VIEW_ROW_WARN
                                                 : VIEW_ROW_FAIL,
        "State", "%s", d->error);
  if (d->described)
    row(r, VIEW_ROW_PLAIN, "Identity", "%s%s%s%s%s · %s",
        info->model && *info->model ? info->model : "?",
        info->serial ? " · " : "", info->serial ? info->serial : "",
        info->firmware ? " · fw " : "", info->firmware ? info->firmware : "",
        d->backend);
  else
    row(r, VIEW_ROW_PLAIN, "Identity", "unknown (%s)", d->backend);
}

static void page_devices(TechRun *run)
{
  g_autoptr(DiagnoseReport) report = techrun_report(run);
  Rows r;

  rows_init(&r);
  for (guint i = 0; i < report->devices->len; i++)
    rows_device(&r, g_ptr_array_index(report->devices, i));
  rows_commit(run, TECHNICIAN_PAGE_DEVICES, &r);
}

static void page_camera(TechRun *run)
{
  g_autoptr(GHashTable) read = camera_worker_read_settings(run->host.camera);
  CameraWorkerStats stats;
  g_autofree char *message = NULL;
  DeviceState state = camera_worker_state(run->host.camera, &message);
  Rows r;

  camera_worker_stats(run->host.camera, &stats);
  rows_init(&r);
  row(&r, state_status(state), "Camera", "%s (%s)",
      device_state_to_string(state), run->host.config->camera_backend);
  head(&r, "Settings: as the camera reports them (configured)");
  for (int i = 0; i < DIAGNOSE_N_SETTINGS; i++) {
    const char *name = diagnose_setting_names[i];
    const char *value = g_hash_table_lookup(read, name);
    const char *wanted =
        device_option(run->host.config->camera_options, name, NULL);

    row(&r,
        wanted && value && g_strcmp0(wanted, value) != 0 ? VIEW_ROW_WARN
                                                         : VIEW_ROW_PLAIN,
        name, "%s%s%s%s", value ? value : "not readable", wanted ? " (" : "",
        wanted ? wanted : "", wanted ? ")" : "");
  }
  head(&r, "Live view since start");
  row(&r, VIEW_ROW_PLAIN, "Frames",
      ("%" G_GUINT64_FORMAT " shown, %" G_GUINT64_FORMAT
       " dropped, %" G_GUINT64_FORMAT " damaged"),
      stats.frames, stats.dropped, stats.corrupt);
  row(&r, stats.reconnects ? VIEW_ROW_WARN : VIEW_ROW_OK, "Reconnects",
      "%" G_GUINT64_FORMAT, stats.reconnects);
  rows_commit(run, TECHNICIAN_PAGE_CAMERA, &r);
}

static char *format_time(gint64 unix_s)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_local(unix_s);

  return t ? g_date_time_format(t, "%Y-%m-%d %H:%M") : g_strdup("?");
}

static void rows_queue(TechRun *run, Rows *r)
{
  g_autofree char *state_dir = config_resolve_path(run->host.config, ".");
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskQueue) queue = queue_open_readonly(
      run->host.db, state_dir, run->host.config->backoffice_public_key, &error);
  QueueStatus st = {0};

  head(r, "Record queue");
  if (!queue ||
      !queue_status(queue, g_get_real_time() / G_USEC_PER_SEC, &st, &error)) {
    row(r, VIEW_ROW_FAIL, "Queue", "%s", error->message);
    return;
  }
  row(r, st.n_quarantined ? VIEW_ROW_FAIL : VIEW_ROW_OK, "Waiting",
      "%u records (%u due, %u retrying, %u refused)", st.n_records, st.n_due,
      st.n_retrying, st.n_quarantined);
  if (st.oldest_created) {
    g_autofree char *oldest = format_time(st.oldest_created);
    row(r, VIEW_ROW_PLAIN, "Oldest", "%s", oldest);
  }
}

static void rows_upload(TechRun *run, Rows *r)
{
  KioskUploader *uploader = *run->host.uploader;
  UploaderStats stats = {0};
  g_autofree char *last = NULL;

  if (!uploader) {
    row(r, VIEW_ROW_WARN, "Upload", "%s", "not running");
    return;
  }
  uploader_get_stats(uploader, &stats);
  last = stats.last_pass ? format_time(stats.last_pass) : g_strdup("none");
  row(r, stats.last_error ? VIEW_ROW_WARN : VIEW_ROW_OK, "Upload",
      "last pass %s, %u delivered, %u failed attempts", last,
      stats.n_acknowledged, stats.n_failed);
  if (stats.last_error)
    row(r, VIEW_ROW_WARN, "Last error", "%s", stats.last_error);
  g_free(stats.last_error);
}

static void rows_system(TechRun *run, Rows *r)
{
  g_autofree char *state_dir = config_resolve_path(run->host.config, ".");
  DiagnoseSystem sys;

  diagnose_system(state_dir, &sys);
  head(r, "Disk and clock");
  if (sys.disk_known) {
    g_autofree char *free_text = g_format_size(sys.disk_free);
    g_autofree char *total_text = g_format_size(sys.disk_total);

    row(r,
        sys.disk_free < DIAGNOSE_DISK_LOW_BYTES ? VIEW_ROW_FAIL : VIEW_ROW_OK,
        "Free disk", "%s of %s", free_text, total_text);
  } else {
    row(r, VIEW_ROW_FAIL, "Free disk", "%s", "unknown");
  }
  row(r, VIEW_ROW_PLAIN, "Clock", "%s", sys.clock_now);
  if (!sys.clock_known)
    row(r, VIEW_ROW_WARN, "Clock sync", "%s", "unknown");
  else if (sys.clock_synced)
    row(r, VIEW_ROW_OK, "Clock sync", "synchronised (within %.1f ms)",
        sys.clock_max_error_us / 1000.0);
  else
    row(r, VIEW_ROW_FAIL, "Clock sync", "%s",
        "NOT synchronised: check NTP (timedatectl)");
  diagnose_system_clear(&sys);
}

static void page_system(TechRun *run)
{
  Rows r;

  rows_init(&r);
  rows_queue(run, &r);
  rows_upload(run, &r);
  rows_system(run, &r);
  rows_commit(run, TECHNICIAN_PAGE_SYSTEM, &r);
}

/* The kiosk's own backdrop shots (photo-calibrate.h), once there is one. */
static void rows_backdrop(TechRun *run, Rows *r)
{
  gboolean drifted = FALSE;
  const char *status =
      run->host.backdrop ? photo_calibrator_status(run->host.backdrop, &drifted)
                         : NULL;

  if (status)
    row(r, drifted ? VIEW_ROW_WARN : VIEW_ROW_OK, "Automatic", "%s", status);
}

static void page_calibration(TechRun *run)
{
  g_autofree char *state_dir = config_resolve_path(run->host.config, ".");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  Calibration c;
  Rows r;

  rows_init(&r);
  row(&r, VIEW_ROW_PLAIN, "How", "%s",
      "Empty the photo corner, light it as for applicants, then capture "
      "the backdrop. The photo check compares backgrounds with it.");
  if (!calibration_load(state_dir, &c, &path, &error)) {
    row(&r, VIEW_ROW_WARN, "Backdrop", "%s", error->message);
  } else {
    g_autofree char *when = format_time(c.captured_at);

    row(&r, calibration_acceptable(&c) ? VIEW_ROW_OK : VIEW_ROW_WARN,
        "Backdrop", "taken %s, %dx%d", when, c.width, c.height);
    row(&r, VIEW_ROW_PLAIN, "Stored in", "%s", path);
    row(&r, VIEW_ROW_PLAIN, "Brightness", "%.0f / 255", c.brightness);
    row(&r, VIEW_ROW_PLAIN, "Uniformity", "%.2f", c.uniformity);
    row(&r, VIEW_ROW_PLAIN, "White balance", "R %.2f  G %.2f  B %.2f", c.gain_r,
        c.gain_g, c.gain_b);
  }
  rows_backdrop(run, &r);
  rows_commit(run, TECHNICIAN_PAGE_CALIBRATION, &r);
}

static void page_export(TechRun *run)
{
  const char *folder = run->host.config->technician_export_dir;
  Rows r;

  rows_init(&r);
  if (!folder || !*folder)
    row(&r, VIEW_ROW_FAIL, "Export folder", "%s",
        "none configured (kiosk.technician_export_dir)");
  else
    row(&r,
        g_file_test(folder, G_FILE_TEST_IS_DIR) ? VIEW_ROW_OK : VIEW_ROW_FAIL,
        "Export folder", "%s%s", folder,
        g_file_test(folder, G_FILE_TEST_IS_DIR) ? "" : " (no stick mounted)");
  row(&r, VIEW_ROW_PLAIN, "Writes", "%s",
      "the last day of the kiosk's log and a diagnose report; no "
      "personal data");
  rows_commit(run, TECHNICIAN_PAGE_EXPORT, &r);
}

/* The training schedule as imported for today: each code, its time and
 * how many persons it brings. */
static void page_training(TechRun *run)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = appointments_list(run->host.db, &error);
  Rows r;

  rows_init(&r);
  row(&r, VIEW_ROW_PLAIN, "Officer PIN", "%s",
      run->training_pin ? run->training_pin : "?");
  head(&r, "Appointment codes for today");
  if (!list)
    row(&r, VIEW_ROW_FAIL, "Schedule", "%s", error->message);
  for (guint i = 0; list && i < list->len; i++) {
    const Appointment *a = g_ptr_array_index(list, i);
    g_autofree char *time = g_date_time_format(a->start, "%H:%M");

    row(&r, VIEW_ROW_PLAIN, a->code, "%s, %u person%s", time, a->persons->len,
        a->persons->len == 1 ? "" : "s");
  }
  rows_commit(run, TECHNICIAN_PAGE_TRAINING, &r);
}

static void refresh(TechRun *run, TechnicianPage page)
{
  switch (page) {
  case TECHNICIAN_PAGE_DEVICES:
    page_devices(run);
    break;
  case TECHNICIAN_PAGE_CAMERA:
    page_camera(run);
    break;
  case TECHNICIAN_PAGE_SYSTEM:
    page_system(run);
    break;
  case TECHNICIAN_PAGE_CALIBRATION:
    page_calibration(run);
    break;
  case TECHNICIAN_PAGE_EXPORT:
    page_export(run);
    break;
  case TECHNICIAN_PAGE_TRAINING:
    page_training(run);
    break;
  case TECHNICIAN_N_PAGES:
    break;
  }
}

/* ---- live tests ------------------------------------------------------ */

static void send_test(TechRun *run, Worker *worker, Job *job)
{
  job->epoch = TECHRUN_EPOCH;
  worker_push(worker, job);
}

static void ask_still(TechRun *run, StillPurpose purpose)
{
  run->still = purpose;
  run->still_asked_us = g_get_monotonic_time();
  camera_worker_request_still(run->host.camera);
}

/* The technician's test result, with `image` (grey or RGB) shown. */
static void show_result(TechRun *run, const BkImage *image, gboolean ok,
                        const char *caption)
{
  BkImage *packed = NULL;

  /* The view's images are tightly packed rows. */
  if (image && image->stride != (gsize)image->width * image->channels)
    image = packed = image_copy(image);
  technician_set_result(run->tech, image ? image->width : 0,
                        image ? image->height : 0, image ? image->channels : 0,
                        image ? image->pixels : NULL, caption, ok);
  image_free(packed);
}

void techrun_result(TechRun *run, Result *r)
{
  g_autofree char *caption = NULL;

  if (technician_mode(run->tech) != TECHNICIAN_OPEN)
    return; /* the screen was closed meanwhile */
  if (r->error) {
    caption = g_strdup_printf("Test failed: %s", r->error->message);
    show_result(run, NULL, FALSE, caption);
    return;
  }
  if (r->type == JOB_FINGER) {
    caption =
        g_strdup_printf("Test finger: quality %d of 100%s", r->finger.quality,
                        r->finger.ok ? "" : " (too poor for use)");
    show_result(run, r->finger.image, TRUE, caption);
  } else if (r->type == JOB_SIGNATURE) {
    caption =
        g_strdup_printf("Test stroke: %u pen samples",
                        r->signature.samples ? r->signature.samples->len : 0);
    show_result(run, r->signature.rendered, TRUE, caption);
  }
  page_devices(run);
}

static void still_test(TechRun *run, GBytes *jpeg, double ms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BkImage) shown =
      jpegio_decode(g_bytes_get_data(jpeg, NULL), g_bytes_get_size(jpeg),
                    SHOT_MAX_W, SHOT_MAX_H, FALSE, &error);
  int w = 0, h = 0;
  g_autofree char *caption = NULL;

  jpegio_probe(g_bytes_get_data(jpeg, NULL), g_bytes_get_size(jpeg), &w, &h,
               NULL);
  if (!shown) {
    caption = g_strdup_printf("Test shot unreadable: %s", error->message);
    show_result(run, NULL, FALSE, caption);
    return;
  }
  caption = g_strdup_printf("Test shot: %dx%d, %zu KB, %.0f ms", w, h,
                            g_bytes_get_size(jpeg) / 1024, ms);
  show_result(run, shown, TRUE, caption);
}

/* The backdrop: measured on the full frame, stored, shown. */
static void still_calibration(TechRun *run, GBytes *jpeg)
{
  g_autofree char *state_dir = config_resolve_path(run->host.config, ".");
  g_autoptr(GError) error = NULL;
  g_autoptr(BkImage) full =
      jpegio_decode(g_bytes_get_data(jpeg, NULL), g_bytes_get_size(jpeg), 0, 0,
                    FALSE, &error);
  g_autoptr(BkImage) shown = NULL;
  g_autofree char *caption = NULL;
  Calibration c;

  if (!full || !calibration_measure(full, &c)) {
    caption = g_strdup_printf("Backdrop unreadable: %s",
                              error ? error->message : "?");
    show_result(run, NULL, FALSE, caption);
    return;
  }
  c.captured_at = g_get_real_time() / G_USEC_PER_SEC;
  shown = jpegio_decode(g_bytes_get_data(jpeg, NULL), g_bytes_get_size(jpeg),
                        SHOT_MAX_W, SHOT_MAX_H, FALSE, NULL);
  if (!calibration_save(state_dir, jpeg, &c, &error)) {
    caption = g_strdup_printf("Backdrop not stored: %s", error->message);
    show_result(run, shown, FALSE, caption);
    return;
  }
  if (run->host.audit)
    run->host.audit(run->host.data, "technician.calibrated");
  caption = g_strdup(calibration_acceptable(&c)
                         ? "Backdrop stored."
                         : "Backdrop stored, but too dark or uneven: "
                           "check the light.");
  show_result(run, shown, calibration_acceptable(&c), caption);
  page_calibration(run);
}

/* TRUE when the camera answered the still request. */
static gboolean poll_still(TechRun *run)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) jpeg = NULL;
  StillPurpose purpose = run->still;

  if (purpose == STILL_NONE)
    return FALSE;
  jpeg = camera_worker_poll_still(run->host.camera, &error);
  if (!jpeg && !error)
    return FALSE;
  run->still = STILL_NONE;
  if (technician_mode(run->tech) != TECHNICIAN_OPEN)
    return TRUE;
  if (error) {
    g_autofree char *caption =
        g_strdup_printf("Test failed: %s", error->message);
    show_result(run, NULL, FALSE, caption);
  } else if (purpose == STILL_TEST) {
    still_test(run, jpeg,
               (g_get_monotonic_time() - run->still_asked_us) / 1000.0);
  } else {
    still_calibration(run, jpeg);
  }
  return TRUE;
}

/* ---- export ---------------------------------------------------------- */

/* The hook for the log: the journal's last day (log-export.h). */
static gboolean export_log(const char *path, GError **error)
{
  return log_export_last_day(path, error);
}

/* The export's thread: the report, then the log; the log may be missing
 * (no journal, as in tests) without losing the report. */
static gpointer export_thread(gpointer data)
{
  TechRun *run = data;
  Export *e = &run->export;
  g_autofree char *report_path =
      g_strdup_printf("%s/biokiosk-%s-diagnose.txt", e->folder, e->stamp);
  g_autofree char *log_path =
      g_strdup_printf("%s/biokiosk-%s-journal.txt", e->folder, e->stamp);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) log_error = NULL;
  char *caption;
  gboolean ok = FALSE;

  if (!g_file_set_contents_full(report_path, e->report, -1,
                                G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    caption = g_strdup_printf("Export failed: %s", error->message);
  else if (!export_log(log_path, &log_error))
    caption = g_strdup_printf("Diagnose report written to %s; the log "
                              "was not: %s",
                              e->folder, log_error->message);
  else {
    caption =
        g_strdup_printf("Log and diagnose report written to %s.", e->folder);
    ok = TRUE;
  }
  g_mutex_lock(&run->lock);
  e->caption = caption;
  e->ok = ok;
  e->done = TRUE;
  g_mutex_unlock(&run->lock);
  if (run->host.wake)
    run->host.wake(run->host.data);
  return NULL;
}

/* The report the export writes: the devices as `biokiosk diagnose` prints
 * them, then the kiosk's own state. */
static char *export_report(TechRun *run)
{
  g_autoptr(DiagnoseReport) report = techrun_report(run);
  g_autofree char *devices = diagnose_report_text(report);
  g_autofree char *state_dir = config_resolve_path(run->host.config, ".");
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  g_autofree char *when = g_date_time_format_iso8601(now);
  GString *out = g_string_new(NULL);
  DiagnoseSystem sys;

  g_string_append_printf(out, "biokiosk %s at %s, %s\n\n", BK_VERSION,
                         run->host.config->location_id, when);
  g_string_append(out, devices);
  g_string_append(out, "\n");
  diagnose_system(state_dir, &sys);
  diagnose_system_text(&sys, out);
  diagnose_system_clear(&sys);
  return g_string_free(out, FALSE);
}

static void export_start(TechRun *run)
{
  const char *folder = run->host.config->technician_export_dir;
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  g_autofree char *time = g_date_time_format(now, "%Y%m%d-%H%M%S");
  Export *e = &run->export;

  if (!folder || !*folder || !g_file_test(folder, G_FILE_TEST_IS_DIR)) {
    show_result(run, NULL, FALSE,
                "Nothing exported: no stick in the export folder.");
    return;
  }
  e->folder = g_strdup(folder);
  e->report = export_report(run);
  e->stamp = g_strdup_printf("%s-%s", run->host.config->location_id, time);
  e->done = FALSE;
  e->thread = g_thread_new("technician-export", export_thread, run);
}

static void export_clear(Export *e)
{
  g_clear_pointer(&e->folder, g_free);
  g_clear_pointer(&e->report, g_free);
  g_clear_pointer(&e->stamp, g_free);
  g_clear_pointer(&e->caption, g_free);
}

/* TRUE when a running export finished (its result is shown). */
static gboolean export_poll(TechRun *run)
{
  Export *e = &run->export;
  gboolean done;

  if (!e->thread)
    return FALSE;
  g_mutex_lock(&run->lock);
  done = e->done;
  g_mutex_unlock(&run->lock);
  if (!done)
    return FALSE;
  g_thread_join(g_steal_pointer(&e->thread));
  if (technician_mode(run->tech) == TECHNICIAN_OPEN)
    show_result(run, NULL, e->ok, e->caption);
  if (e->ok && run->host.audit)
    run->host.audit(run->host.data, "technician.exported");
  export_clear(e);
  return TRUE;
}

/* ---- requests, PIN and lockout -------------------------------------- */

static void save_lockout(TechRun *run, const Lockout *lockout)
{
  g_autoptr(GError) error = NULL;
  StoredLockout stored = {
      .failures = lockout->failures,
      .locked_until = lockout_end_to_wall(
          lockout->locked_until_us, g_get_monotonic_time(), g_get_real_time()),
  };

  if (!lockouts_save(run->host.db, LOCKOUT_NAME, &stored, &error))
    g_warning("the technician lockout will not survive a restart: %s",
              error->message);
}

static void restore_lockout(TechRun *run)
{
  g_autoptr(GError) error = NULL;
  StoredLockout stored = {0};
  Lockout lockout;

  if (!lockouts_load(run->host.db, LOCKOUT_NAME, &stored, &error)) {
    g_warning("lockouts: %s", error->message);
    return;
  }
  lockout.failures = stored.failures;
  lockout.locked_until_us = lockout_end_from_wall(
      stored.locked_until, g_get_real_time(), g_get_monotonic_time(),
      run->host.config->officer_lockout_s);
  technician_restore_lockout(run->tech, &lockout);
}

static void handle_request(TechRun *run, const TechnicianRequest *req)
{
  Job *job;

  switch (req->type) {
  case TECHNICIAN_REQ_REFRESH:
    refresh(run, req->page);
    break;
  case TECHNICIAN_REQ_TEST_SHOT:
    ask_still(run, STILL_TEST);
    break;
  case TECHNICIAN_REQ_CALIBRATE:
    ask_still(run, STILL_CALIBRATION);
    break;
  case TECHNICIAN_REQ_TEST_FINGER:
    job = job_new(JOB_FINGER);
    job->finger = FINGER_RIGHT_INDEX;
    job->timeout_ms = TEST_FINGER_MS;
    job->subject = g_strdup("technician");
    send_test(run, run->host.reader, job);
    break;
  case TECHNICIAN_REQ_TEST_STROKE:
    /* The touch pad takes strokes on the signature screen only. */
    if (g_strcmp0(run->host.config->pad_backend, "touch") == 0) {
      show_result(run, NULL, TRUE,
                  "The pad is this touchscreen: it is tested by signing "
                  "in a session.");
      break;
    }
    job = job_new(JOB_SIGNATURE);
    job->timeout_ms = TEST_STROKE_MS;
    send_test(run, run->host.pad, job);
    break;
  case TECHNICIAN_REQ_EXPORT:
    export_start(run);
    break;
  case TECHNICIAN_REQ_SAVE_LOCKOUT:
    save_lockout(run, &req->lockout);
    break;
  case TECHNICIAN_REQ_AUDIT:
    if (run->host.audit)
      run->host.audit(run->host.data, req->event);
    break;
  case TECHNICIAN_REQ_CANCEL:
    /* A test job still running finishes on its own and is dropped; the
     * device's own time limit bounds it. */
    break;
  }
}

static void handle_requests(TechRun *run)
{
  TechnicianRequest req;

  while (technician_next_request(run->tech, &req))
    handle_request(run, &req);
}

/* The technician PIN (TechnicianPinFunc): argon2id, as the officer's. */
static gboolean check_pin(const char *pin, gpointer data)
{
  TechRun *run = data;
  const char *hash = run->host.config->technician_pin_hash;

  /* Training mode opens with its (printed) training PIN. */
  if (run->training_pin && g_str_equal(pin, run->training_pin))
    return TRUE;
  if (!hash || !*hash)
    return FALSE;
  return crypto_pwhash_str_verify(hash, pin, strlen(pin)) == 0;
}

/* ---- the loop's side ------------------------------------------------- */

TechRun *techrun_new(const TechRunHost *host)
{
  TechRun *run = g_new0(TechRun, 1);

  run->host = *host;
  g_mutex_init(&run->lock);
  run->tech = technician_new(host->config, FALSE, check_pin, run);
  if (technician_enabled(run->tech))
    restore_lockout(run);
  return run;
}

void techrun_free(TechRun *run)
{
  if (!run)
    return;
  if (run->export.thread)
    g_thread_join(run->export.thread);
  export_clear(&run->export);
  technician_free(run->tech);
  g_free(run->training_pin);
  g_mutex_clear(&run->lock);
  g_free(run);
}

Technician *techrun_technician(TechRun *run)
{
  return run->tech;
}

gboolean techrun_intent(TechRun *run, const KioskIntent *intent, gint64 now_us)
{
  gboolean took = technician_handle_intent(run->tech, intent, now_us);

  handle_requests(run);
  return took;
}

gboolean techrun_pump(TechRun *run, gint64 now_us)
{
  TechnicianMode before = technician_mode(run->tech);
  gboolean changed = poll_still(run);

  changed = export_poll(run) || changed;
  technician_tick(run->tech, now_us);
  handle_requests(run);
  return changed || technician_mode(run->tech) != before;
}

gint64 techrun_deadline(TechRun *run)
{
  return technician_next_deadline(run->tech);
}

gboolean techrun_busy(TechRun *run)
{
  return run && (technician_busy(run->tech) || run->still != STILL_NONE ||
                 run->export.thread != NULL);
}

const KioskView *techrun_view(TechRun *run, const KioskView *view)
{
  if (technician_mode(run->tech) != TECHNICIAN_CLOSED) {
    /* The kiosk's banner stays (training mode's is on every screen). */
    run->decorated = *technician_view(run->tech, view->footer);
    run->decorated.banner = view->banner;
    return &run->decorated;
  }
  if (view->screen != VIEW_CHECKIN || !technician_enabled(run->tech))
    return view;
  run->decorated = *view;
  run->decorated.technician_entry = TRUE;
  return &run->decorated;
}

void techrun_set_training(TechRun *run, const char *pin)
{
  g_free(run->training_pin);
  run->training_pin = g_strdup(pin);
  technician_set_training(run->tech, TRUE);
}
