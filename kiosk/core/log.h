/* The kiosk's log: GLib structured logging with fields of our own, so that
 * the journal can be searched by what happened (BIOKIOSK_EVENT), by record
 * (BIOKIOSK_RECORD_ID) and by device (BIOKIOSK_DEVICE,
 * BIOKIOSK_DEVICE_STATE). When stderr is the journal (a systemd service),
 * entries go to the journal with those fields; otherwise each is one
 * readable line on stderr. The level comes from the configuration
 * ([log] level, docs/appliance.md).
 *
 * Never log a name, a date of birth, an appointment code or biometric
 * data: the fields and messages name records, devices and outcomes only.
 * Callable from any thread; log_init() once, from main(), before threads. */
#pragma once

#include <glib.h>

/* SYSLOG_IDENTIFIER of every entry, and what log exports look for. */
#define LOG_IDENTIFIER "biokiosk"

/* The journal fields of our own (docs/appliance.md lists them). */
#define LOG_FIELD_EVENT        "BIOKIOSK_EVENT"
#define LOG_FIELD_RECORD_ID    "BIOKIOSK_RECORD_ID"
#define LOG_FIELD_DEVICE       "BIOKIOSK_DEVICE"
#define LOG_FIELD_DEVICE_STATE "BIOKIOSK_DEVICE_STATE"

/* Our fields in the order one-line formats show them, NULL-ended. */
#define LOG_N_FIELDS 4
extern const char *const log_fields[LOG_N_FIELDS + 1];

/* Appends " <event> record=<id> device=<name> state=<state>" to `line`,
 * leaving out what is NULL; `values` holds one per log_fields[] entry. */
void log_append_fields(GString *line, const char *const *values);

/* Event names: stable, searched for by technicians and tests
 * (journalctl BIOKIOSK_EVENT=record-stored). */
#define LOG_EVENT_STARTUP_FAILED      "startup-failed"
#define LOG_EVENT_COMMAND_FAILED      "command-failed"
#define LOG_EVENT_READY               "ready"
#define LOG_EVENT_STOPPING            "stopping"
#define LOG_EVENT_DEMO_KEY            "demo-key"
#define LOG_EVENT_LANGUAGE_MISSING    "language-missing"
#define LOG_EVENT_CHECKIN             "checkin"
#define LOG_EVENT_CHECKIN_UNKNOWN     "checkin-unknown-code"
#define LOG_EVENT_CHECKIN_LOCKED_OUT  "checkin-locked-out"
#define LOG_EVENT_OFFICER_LOCKED_OUT  "officer-locked-out"
#define LOG_EVENT_PERSON_STARTED      "person-started"
#define LOG_EVENT_RECORD_STORED       "record-stored"
#define LOG_EVENT_UPLOAD_ACKNOWLEDGED "upload-acknowledged"
#define LOG_EVENT_UPLOAD_FAILED       "upload-failed"
#define LOG_EVENT_UPLOAD_QUARANTINED  "upload-quarantined"
#define LOG_EVENT_HEARTBEAT_FAILED    "heartbeat-failed"
#define LOG_EVENT_UPLOADER_FAILED     "uploader-failed"
#define LOG_EVENT_DEVICE_STATE        "device-state"
#define LOG_EVENT_LOCKOUT_NOT_SAVED   "lockout-not-saved"
#define LOG_EVENT_LOCKOUT_NOT_READ    "lockout-not-read"
#define LOG_EVENT_AUDIT_TROUBLE       "audit-trouble"
#define LOG_EVENT_DISK_UNKNOWN        "free-space-unknown"
#define LOG_EVENT_RETENTION           "retention"
#define LOG_EVENT_BACKDROP            "backdrop"

/* The configuration's levels, most severe first: each shows itself and
 * everything above it. error: errors and criticals; warning: + warnings
 * and messages (notices: trouble the kiosk copes with, such as a device
 * gone); info: + infos (the default); debug: + debug. Code that may run
 * under GLib's test harness logs trouble as a message, not a warning
 * (which the harness makes fatal). */
typedef enum {
  LOG_LEVEL_ERROR,
  LOG_LEVEL_WARNING,
  LOG_LEVEL_INFO,
  LOG_LEVEL_DEBUG,
} LogLevel;

/* The names as [log] level takes them, in LogLevel order, NULL-ended. */
extern const char *const log_level_names[];

/* The level named `name` in *ret_level (untouched on failure). FALSE for
 * any other text. */
gboolean log_level_parse(const char *name, LogLevel *ret_level);

/* Installs the kiosk's log writer for the process (level info). Once,
 * before threads; later calls do nothing. Without it GLib's default writer
 * stays and only log_command_error() below behaves as documented. */
void log_init(void);

/* The level from now on. G_MESSAGES_DEBUG still shows its domains' debug
 * messages whatever the level, as GLib's default writer does. */
void log_set_level(LogLevel level);
LogLevel log_get_level(void);

/* One entry with BIOKIOSK_EVENT=`event` and, when `record_id` is not NULL,
 * BIOKIOSK_RECORD_ID. `level` is one GLib level (G_LOG_LEVEL_INFO, ...). */
#define log_event(level, event, record_id, ...)                                \
  log_at(__FILE__, G_STRINGIFY(__LINE__), G_STRFUNC, level,                    \
         (const char *const[LOG_N_FIELDS]){event, record_id, NULL, NULL},      \
         __VA_ARGS__)

/* A device's new state: BIOKIOSK_EVENT=device-state, BIOKIOSK_DEVICE
 * ("camera", "reader", "pad") and BIOKIOSK_DEVICE_STATE (the driver's
 * state name: "ready", "absent", ...). */
#define log_device(level, device, state, ...)                                  \
  log_at(__FILE__, G_STRINGIFY(__LINE__), G_STRFUNC, level,                    \
         (const char *const[LOG_N_FIELDS]){LOG_EVENT_DEVICE_STATE, NULL,       \
                                           device, state},                     \
         __VA_ARGS__)

/* A device's state change, from `from` to `to` (the driver's state names)
 * with the driver's `message` (may be NULL): device-state as above, at
 * debug between "ready" and "busy" (every capture does that), at info to
 * "ready" or "busy", as a message (notice) to anything else. */
#define log_device_state(device, from, to, message)                            \
  log_device_state_at(__FILE__, G_STRINGIFY(__LINE__), G_STRFUNC, device,      \
                      from, to, message)
void log_device_state_at(const char *file, const char *line, const char *func,
                         const char *device, const char *from, const char *to,
                         const char *message);

/* What the three above expand to: `values` holds one value (or NULL) per
 * log_fields[] entry. */
void log_at(const char *file, const char *line, const char *func,
            GLogLevelFlags level, const char *const *values, const char *format,
            ...) G_GNUC_PRINTF(6, 7);

/* A command that stops on bad input or a failed start: one line. When
 * stderr is the journal, one entry at priority err with BIOKIOSK_EVENT
 * startup-failed (`command` "run" or NULL, the kiosk itself) or
 * command-failed; otherwise "biokiosk[ <command>]: <message>" on stderr.
 * Newlines in `message` become spaces. Needs no log_init(). */
void log_command_error(const char *command, const char *message);
