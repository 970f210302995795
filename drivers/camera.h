/* The camera interface: a struct of function pointers per backend, chosen by
 * name ("gphoto2", "sim"). Every member blocks and must be called from the
 * camera's worker thread only, never from the UI thread. Images come back as
 * JPEG bytes in memory: no biometric image is written to a file. */
#pragma once

#include "device.h"

typedef struct BkCamera BkCamera;

typedef struct {
  const char *name;        /* backend name used in the configuration */
  const char *description; /* one line for --help and diagnostics */

  /* Opens the device described by `options`. Returns backend state (freed by
   * close) or NULL with an error (DRIVERS_ERROR_NOT_FOUND, _CLAIMED, ...).
   * Must not be NULL. */
  gpointer (*open)(DeviceOptions *options, GError **error);

  /* Releases everything open() made; accepts NULL. Must not be NULL. */
  void (*close)(gpointer priv);

  /* Fills `ret_info`. Must not be NULL. */
  gboolean (*describe)(gpointer priv, DeviceInfo *ret_info, GError **error);

  /* One live-view frame as JPEG. May be NULL when the camera has no live
   * view. DRIVERS_ERROR_DISCONNECTED means: close and reopen. */
  GBytes *(*preview)(gpointer priv, GError **error);

  /* Takes a still, downloads it into memory and deletes it on the camera.
   * Must not be NULL. */
  GBytes *(*capture)(gpointer priv, GError **error);

  /* Reads a setting by kiosk name ("iso", "aperture", "shutterspeed",
   * "whitebalance", "imageformat", "focusmode"). Returns a newly allocated
   * string; DRIVERS_ERROR_UNSUPPORTED when the camera lacks it. May be NULL
   * (then every setting is unsupported). */
  char *(*get_setting)(gpointer priv, const char *name, GError **error);

  /* Sets a setting; DRIVERS_ERROR_INVALID for a value the camera refuses.
   * May be NULL. */
  gboolean (*set_setting)(gpointer priv, const char *name, const char *value,
                          GError **error);
} CameraDriver;

struct BkCamera {
  const CameraDriver *driver;
  gpointer priv;
};

/* The registry, in order of preference; NULL-terminated. */
extern const CameraDriver *const camera_drivers[];

/* Looks up a backend by name; NULL when there is none. */
const CameraDriver *camera_driver_find(const char *name);

/* Opens backend `name` with `options`. DRIVERS_ERROR_UNKNOWN_BACKEND for a
 * name not in the registry. Free with camera_close(). */
BkCamera *camera_open(const char *name, DeviceOptions *options, GError **error);

/* Closes the camera; accepts NULL. */
void camera_close(BkCamera *camera);

/* Convenience wrappers over the driver members, with the NULL-member rules
 * above turned into DRIVERS_ERROR_UNSUPPORTED. */
gboolean camera_describe(BkCamera *camera, DeviceInfo *ret_info,
                         GError **error);
GBytes *camera_preview(BkCamera *camera, GError **error);
GBytes *camera_capture(BkCamera *camera, GError **error);
char *camera_get_setting(BkCamera *camera, const char *name, GError **error);
gboolean camera_set_setting(BkCamera *camera, const char *name,
                            const char *value, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(BkCamera, camera_close)
