/* What every device class shares: options, identity and health state, and
 * the drivers' error domain. A backend is chosen by name from the
 * configuration; there is no fallback from one backend to another. */
#pragma once

#include <gio/gio.h>

#define DRIVERS_ERROR (drivers_error_quark())
GQuark drivers_error_quark(void);

typedef enum {
  DRIVERS_ERROR_UNKNOWN_BACKEND, /* no backend of that name */
  DRIVERS_ERROR_NOT_FOUND,       /* the device is not there */
  DRIVERS_ERROR_BUSY,            /* the device said busy; retrying may help */
  DRIVERS_ERROR_CLAIMED,         /* another process holds the device */
  DRIVERS_ERROR_DISCONNECTED,    /* it went away during the operation */
  DRIVERS_ERROR_TIMEOUT,         /* no answer in time */
  DRIVERS_ERROR_UNSUPPORTED,     /* the device lacks this setting/feature */
  DRIVERS_ERROR_INVALID,         /* bad option or value */
  DRIVERS_ERROR_FAILED,          /* anything else, message says what */
} DriversError;

/* Health of a device as the kiosk shows it. */
typedef enum {
  DEVICE_STATE_ABSENT, /* not found (yet); the worker keeps looking */
  DEVICE_STATE_READY,
  DEVICE_STATE_BUSY,
  DEVICE_STATE_RECOVERING, /* lost, reconnecting */
  DEVICE_STATE_FAILED,     /* needs a technician */
} DeviceState;

const char *device_state_to_string(DeviceState state);

/* Backend options: the key/value pairs of the device's group in the
 * configuration (string -> string). A NULL table means "no options". */
typedef GHashTable DeviceOptions;

/* Option lookup helpers; return `fallback` when the key is absent. */
const char *device_option(DeviceOptions *options, const char *key,
                          const char *fallback);
int device_option_int(DeviceOptions *options, const char *key, int fallback);

/* Identity for diagnostics and for the record (device identities go into
 * every record). All strings owned by the struct; free with
 * device_info_clear(). */
typedef struct {
  char *backend; /* "gphoto2", "sim", "libfprint", ... */
  char *model;
  char *serial;
  char *firmware;
  char *port;
  char *extra; /* battery, lens, driver name: free text */
} DeviceInfo;

void device_info_clear(DeviceInfo *info);
