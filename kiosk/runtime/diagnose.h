/* The technician's checks, in one implementation for `biokiosk diagnose`
 * and the technician screen (docs/appliance.md): each device's presence,
 * identity, settings, live view and test shot as a structured report, its
 * text, and the kiosk's own state (queue, upload, disk, clock). The CLI
 * opens the devices itself (diagnose_devices()); the running kiosk, whose
 * workers hold the devices, fills the same entries from what its workers
 * know (diagnose_device_new()) and judges and prints them the same way. */
#pragma once

#include <glib.h>

#include "config.h"
#include "device.h"

/* The camera settings a technician is shown, in this order. */
#define DIAGNOSE_N_SETTINGS 6
extern const char *const diagnose_setting_names[DIAGNOSE_N_SETTINGS];

/* A timed probe of the camera: live view or test shot. */
typedef struct {
  gboolean ran;
  gboolean ok;
  gboolean unsupported; /* live view: the camera has none (not a fault) */
  double ms;
  int width;
  int height;
  gsize bytes; /* test shot */
  char *error;
} DiagnoseProbe;

/* error_kind of a reader found but refused for enrolment (resolution or
 * image size below [reader]'s minimums: docs/fingerprints.md). */
#define DIAGNOSE_KIND_READER_UNFIT "reader-unfit"

typedef struct {
  char *member;  /* "camera", "reader", "pad" */
  char *backend; /* the configured backend */
  gboolean found;
  gint64 open_ms;         /* camera */
  char *error;            /* not found, or describe failed */
  const char *error_kind; /* "not-found", "busy", ...,
                             DIAGNOSE_KIND_READER_UNFIT (static) */
  gboolean described;
  DeviceInfo info;
  char *settings[DIAGNOSE_N_SETTINGS];       /* camera: values, or NULL */
  char *setting_errors[DIAGNOSE_N_SETTINGS]; /* camera: why not */
  gboolean has_settings;
  DiagnoseProbe liveview;  /* camera */
  DiagnoseProbe test_shot; /* camera */
  gboolean ok;             /* the device passed */
} DiagnoseDevice;

typedef struct {
  GPtrArray *devices; /* DiagnoseDevice* */
  gboolean ok;        /* every device passed */
} DiagnoseReport;

DiagnoseReport *diagnose_report_new(void);
void diagnose_report_free(DiagnoseReport *report); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DiagnoseReport, diagnose_report_free)

/* A device entry the caller fills (the running kiosk), added to the
 * report; call diagnose_report_judge() when all are in. */
DiagnoseDevice *diagnose_device_new(DiagnoseReport *report, const char *member,
                                    const char *backend);

/* Sets each device's `ok` and the report's from what the entries hold. */
void diagnose_report_judge(DiagnoseReport *report);

/* Opens the camera (`camera_backend` with `camera_options`, already
 * resolved) and, unless `camera_only`, the configured reader and pad, and
 * checks each: the report of `biokiosk diagnose`. */
DiagnoseReport *diagnose_devices(const KioskConfig *config,
                                 const char *camera_backend,
                                 GHashTable *camera_options, gboolean test_shot,
                                 gboolean camera_only);

/* The report as `biokiosk diagnose` prints it, its last line "all devices
 * answered" or "SOME DEVICES FAILED". */
char *diagnose_report_text(const DiagnoseReport *report);

/* The kiosk's own state beside its devices. */
typedef struct {
  gboolean disk_known;
  guint64 disk_free; /* bytes free on the state folder's file system */
  guint64 disk_total;
  gboolean clock_known;
  gboolean clock_synced; /* the kernel's clock is kept in sync (NTP) */
  gint64 clock_max_error_us;
  char *clock_now; /* ISO 8601, local time */
} DiagnoseSystem;

/* Reads free disk space under `state_dir` and the clock's sync state
 * (adjtimex(): synchronised unless STA_UNSYNC is set). */
void diagnose_system(const char *state_dir, DiagnoseSystem *ret);
void diagnose_system_clear(DiagnoseSystem *system);

/* Free disk below this is a warning (a capture needs far less). */
#define DIAGNOSE_DISK_LOW_BYTES (500ULL * 1024 * 1024)

/* The system part of the technician's report, one fact a line. */
void diagnose_system_text(const DiagnoseSystem *system, GString *out);
