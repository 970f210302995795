/* See diagnose.h. The camera's test shot is kept in memory only and
 * dropped here. */
#include "diagnose.h"

#include <errno.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/timex.h>

#include "camera.h"
#include "fpreader.h"
#include "jpegio.h"
#include "pad.h"
#include "settings.h"

const char *const diagnose_setting_names[DIAGNOSE_N_SETTINGS] = {
    "iso",          "aperture",    "shutterspeed",
    "whitebalance", "imageformat", "focusmode",
};

static void diagnose_probe_clear(DiagnoseProbe *probe)
{
  g_free(probe->error);
}

static void diagnose_device_free(DiagnoseDevice *d)
{
  g_free(d->member);
  g_free(d->backend);
  g_free(d->error);
  device_info_clear(&d->info);
  for (int i = 0; i < DIAGNOSE_N_SETTINGS; i++) {
    g_free(d->settings[i]);
    g_free(d->setting_errors[i]);
  }
  diagnose_probe_clear(&d->liveview);
  diagnose_probe_clear(&d->test_shot);
  g_free(d);
}

DiagnoseReport *diagnose_report_new(void)
{
  DiagnoseReport *report = g_new0(DiagnoseReport, 1);

  report->devices =
      g_ptr_array_new_with_free_func((GDestroyNotify)diagnose_device_free);
  return report;
}

void diagnose_report_free(DiagnoseReport *report)
{
  if (!report)
    return;
  g_ptr_array_unref(report->devices);
  g_free(report);
}

DiagnoseDevice *diagnose_device_new(DiagnoseReport *report, const char *member,
                                    const char *backend)
{
  DiagnoseDevice *d = g_new0(DiagnoseDevice, 1);

  d->member = g_strdup(member);
  d->backend = g_strdup(backend);
  g_ptr_array_add(report->devices, d);
  return d;
}

/* A device passes when it was found and described; the camera also needs
 * its live view (where it has one) and its test shot (where taken). */
void diagnose_report_judge(DiagnoseReport *report)
{
  report->ok = TRUE;
  for (guint i = 0; i < report->devices->len; i++) {
    DiagnoseDevice *d = g_ptr_array_index(report->devices, i);

    d->ok = d->found && d->described;
    if (d->liveview.ran && !d->liveview.ok && !d->liveview.unsupported)
      d->ok = FALSE;
    if (d->test_shot.ran && !d->test_shot.ok)
      d->ok = FALSE;
    report->ok = report->ok && d->ok;
  }
}

static const char *diagnose_error_name(const GError *error)
{
  static const char *const names[] = {
      "unknown-backend", "not-found",   "busy",    "claimed", "disconnected",
      "timeout",         "unsupported", "invalid", "failed",
  };

  if (error && error->domain == DRIVERS_ERROR && error->code >= 0 &&
      error->code < (int)G_N_ELEMENTS(names))
    return names[error->code];
  return "failed";
}

static void diagnose_camera_settings(DiagnoseDevice *d, BkCamera *camera)
{
  d->has_settings = TRUE;
  for (int i = 0; i < DIAGNOSE_N_SETTINGS; i++) {
    g_autoptr(GError) error = NULL;

    d->settings[i] =
        camera_get_setting(camera, diagnose_setting_names[i], &error);
    if (!d->settings[i])
      d->setting_errors[i] = g_strdup(error->message);
  }
}

/* One frame (live view) or one still (test shot), timed and measured. */
static void diagnose_camera_probe(DiagnoseProbe *probe, BkCamera *camera,
                                  gboolean still)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) jpeg = NULL;
  gint64 start = g_get_monotonic_time();

  jpeg =
      still ? camera_capture(camera, &error) : camera_preview(camera, &error);
  probe->ran = TRUE;
  probe->ms = (g_get_monotonic_time() - start) / 1000.0;
  probe->ok = jpeg != NULL;
  if (jpeg) {
    probe->bytes = g_bytes_get_size(jpeg);
    jpegio_probe(g_bytes_get_data(jpeg, NULL), probe->bytes, &probe->width,
                 &probe->height, NULL);
    return;
  }
  probe->error = g_strdup(error->message);
  /* A camera without live view is a fact to report, not a fault. */
  probe->unsupported = !still && g_error_matches(error, DRIVERS_ERROR,
                                                 DRIVERS_ERROR_UNSUPPORTED);
}

static void diagnose_camera(DiagnoseReport *report, const char *backend,
                            GHashTable *options, gboolean test_shot)
{
  DiagnoseDevice *d = diagnose_device_new(report, "camera", backend);
  g_autoptr(GError) error = NULL;
  g_autoptr(BkCamera) camera = NULL;
  gint64 start = g_get_monotonic_time();

  camera = camera_open(backend, options, &error);
  d->found = camera != NULL;
  d->open_ms = (g_get_monotonic_time() - start) / 1000;
  if (!camera) {
    d->error = g_strdup(error->message);
    d->error_kind = diagnose_error_name(error);
    return;
  }
  d->described = camera_describe(camera, &d->info, &error);
  if (!d->described)
    d->error = g_strdup(error->message);
  diagnose_camera_settings(d, camera);
  diagnose_camera_probe(&d->liveview, camera, FALSE);
  if (test_shot)
    diagnose_camera_probe(&d->test_shot, camera, TRUE);
}

/* The reader's resolution and image size after its driver's own words. */
static void diagnose_reader_geometry(DiagnoseDevice *d, BkFpReader *reader,
                                     const KioskConfig *config)
{
  FpReaderGeometry g;
  char *extra;

  fpreader_geometry(reader, config->reader_options, &g);
  extra = g_strdup_printf(
      "%s%s%d ppi, %dx%d px (%s)", d->info.extra ? d->info.extra : "",
      d->info.extra ? ", " : "", g.ppi, g.width, g.height, g.source);
  g_free(d->info.extra);
  d->info.extra = extra;
}

/* The reader and the pad: open, describe, close. A reader unfit for
 * enrolment (resolution, image size) is found but refused, as the kiosk
 * refuses it. */
static void diagnose_reader(DiagnoseReport *report, const KioskConfig *config)
{
  DiagnoseDevice *d =
      diagnose_device_new(report, "reader", config->reader_backend);
  g_autoptr(GError) error = NULL;
  BkFpReader *reader =
      fpreader_open(config->reader_backend, config->reader_options, &error);

  d->found = reader != NULL;
  d->described = reader && fpreader_describe(reader, &d->info, &error);
  if (d->described)
    diagnose_reader_geometry(d, reader, config);
  if (d->described &&
      !fpreader_check_fit(reader, config->reader_options, &error)) {
    d->described = FALSE;
    d->error_kind = DIAGNOSE_KIND_READER_UNFIT;
  }
  if (!d->described) {
    d->error = g_strdup(error ? error->message : "unknown");
    if (!d->error_kind)
      d->error_kind = diagnose_error_name(error);
  }
  if (reader)
    fpreader_close(reader);
}

static void diagnose_pad(DiagnoseReport *report, const KioskConfig *config)
{
  DiagnoseDevice *d = diagnose_device_new(report, "pad", config->pad_backend);
  g_autoptr(GError) error = NULL;
  BkPad *pad = pad_open(config->pad_backend, config->pad_options, &error);

  d->found = pad != NULL;
  d->described = pad && pad_describe(pad, &d->info, &error);
  if (!d->described) {
    d->error = g_strdup(error ? error->message : "unknown");
    d->error_kind = diagnose_error_name(error);
  }
  if (pad)
    pad_close(pad);
}

DiagnoseReport *diagnose_devices(const KioskConfig *config,
                                 const char *camera_backend,
                                 GHashTable *camera_options, gboolean test_shot,
                                 gboolean camera_only)
{
  DiagnoseReport *report = diagnose_report_new();

  diagnose_camera(report, camera_backend, camera_options, test_shot);
  if (!camera_only) {
    config_resolve_option_paths(config, config->pad_options);
    diagnose_reader(report, config);
    diagnose_pad(report, config);
  }
  diagnose_report_judge(report);
  return report;
}

static const char *or_unknown(const char *s)
{
  return s ? s : "?";
}

static void diagnose_camera_text(const DiagnoseDevice *d, GString *text)
{
  const DiagnoseProbe *lv = &d->liveview;
  const DiagnoseProbe *ts = &d->test_shot;

  if (d->described) {
    g_string_append_printf(
        text, "%s (serial %s, firmware %s) at %s\n", or_unknown(d->info.model),
        or_unknown(d->info.serial), or_unknown(d->info.firmware),
        or_unknown(d->info.port));
    if (d->info.extra)
      g_string_append_printf(text, "                   %s\n", d->info.extra);
  } else {
    g_string_append_printf(text, "found, but describe failed: %s\n", d->error);
  }
  for (int i = 0; d->has_settings && i < DIAGNOSE_N_SETTINGS; i++)
    g_string_append_printf(
        text, "         %-13s %s\n", diagnose_setting_names[i],
        d->settings[i] ? d->settings[i] : d->setting_errors[i]);
  if (lv->ran && lv->ok)
    g_string_append_printf(text,
                           "         live view     %dx%d frame, %.0f ms\n",
                           lv->width, lv->height, lv->ms);
  else if (lv->ran && lv->unsupported)
    g_string_append_printf(text, "         live view     none (%s)\n",
                           lv->error);
  else if (lv->ran)
    g_string_append_printf(text, "         live view     FAILED: %s\n",
                           lv->error);
  if (ts->ran && ts->ok)
    g_string_append_printf(text,
                           "         test shot     %dx%d, %zu bytes, "
                           "%.0f ms\n",
                           ts->width, ts->height, ts->bytes, ts->ms);
  else if (ts->ran)
    g_string_append_printf(text, "         test shot     FAILED: %s\n",
                           ts->error);
}

char *diagnose_report_text(const DiagnoseReport *report)
{
  GString *text = g_string_new(NULL);

  for (guint i = 0; i < report->devices->len; i++) {
    const DiagnoseDevice *d = g_ptr_array_index(report->devices, i);
    gboolean camera = g_str_equal(d->member, "camera");

    g_string_append_printf(text, "%-8s %-9s ", d->member, d->backend);
    if (camera && !d->found)
      g_string_append_printf(text, "NOT FOUND: %s\n", d->error);
    else if (camera)
      diagnose_camera_text(d, text);
    else if (d->described)
      g_string_append_printf(text, "%s%s%s\n", or_unknown(d->info.model),
                             d->info.port ? " at " : "",
                             d->info.port ? d->info.port : "");
    else
      g_string_append_printf(
          text, "%s: %s\n",
          !d->found ? "NOT FOUND"
          : g_strcmp0(d->error_kind, DIAGNOSE_KIND_READER_UNFIT) == 0
              ? "REFUSED"
              : "FAILED",
          d->error);
  }
  g_string_append_printf(text, "%s\n",
                         report->ok ? "all devices answered"
                                    : "SOME DEVICES FAILED");
  return g_string_free(text, FALSE);
}

void diagnose_system(const char *state_dir, DiagnoseSystem *ret)
{
  struct statvfs fs;
  struct timex tx = {0};
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  int state;

  memset(ret, 0, sizeof *ret);
  if (statvfs(state_dir, &fs) == 0) {
    ret->disk_known = TRUE;
    ret->disk_free = (guint64)fs.f_bavail * fs.f_frsize;
    ret->disk_total = (guint64)fs.f_blocks * fs.f_frsize;
  }
  /* adjtimex() with modes 0 only reads; TIME_ERROR or STA_UNSYNC means
   * the kernel's clock is not kept in sync. */
  state = adjtimex(&tx);
  if (state >= 0) {
    ret->clock_known = TRUE;
    ret->clock_synced = state != TIME_ERROR && !(tx.status & STA_UNSYNC);
    ret->clock_max_error_us = tx.maxerror;
  }
  ret->clock_now = g_date_time_format(now, "%Y-%m-%d %H:%M:%S %Z");
}

void diagnose_system_clear(DiagnoseSystem *system)
{
  g_clear_pointer(&system->clock_now, g_free);
}

void diagnose_system_text(const DiagnoseSystem *system, GString *out)
{
  if (system->disk_known) {
    g_autofree char *free_text = g_format_size(system->disk_free);
    g_autofree char *total_text = g_format_size(system->disk_total);

    g_string_append_printf(
        out, "disk     %s free of %s%s\n", free_text, total_text,
        system->disk_free < DIAGNOSE_DISK_LOW_BYTES ? " (LOW)" : "");
  } else
    g_string_append(out, "disk     unknown\n");
  g_string_append_printf(out, "clock    %s, %s\n", system->clock_now,
                         !system->clock_known   ? "sync state unknown"
                         : system->clock_synced ? "synchronised"
                                                : "NOT SYNCHRONISED");
}
