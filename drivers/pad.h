/* The signature pad interface, backends chosen by name: "sim" (replays a
 * generated signature), later "touch" (samples pushed by the touchscreen)
 * and "evdev" (a dedicated tablet). Samples are normalised to the pad's
 * writing area: x and y in 0..1, pressure 0..1, time in microseconds from
 * the first sample. */
#pragma once

#include "device.h"

typedef struct {
  double x;
  double y;
  double pressure; /* 0 means pen up */
  gint64 t_us;
} PadSample;

typedef struct BkPad BkPad;

typedef struct {
  const char *name;
  const char *description;

  /* Opens; must not be NULL. */
  gpointer (*open)(DeviceOptions *options, GError **error);
  /* Closes; accepts NULL; must not be NULL. */
  void (*close)(gpointer priv);
  /* Fills `ret_info`; must not be NULL. */
  gboolean (*describe)(gpointer priv, DeviceInfo *ret_info, GError **error);

  /* Collects one signature: blocks until the signer is done (pen lifted for
   * the backend's settle time, or the stream ends) or `timeout_ms` passes.
   * Returns a GArray of PadSample (possibly empty: the caller judges).
   * Must not be NULL. */
  GArray *(*collect)(gpointer priv, int timeout_ms, GCancellable *cancellable,
                     GError **error);
} PadDriver;

struct BkPad {
  const PadDriver *driver;
  gpointer priv;
};

extern const PadDriver *const pad_drivers[];

const PadDriver *pad_driver_find(const char *name);
BkPad *pad_open(const char *name, DeviceOptions *options, GError **error);
void pad_close(BkPad *pad);
gboolean pad_describe(BkPad *pad, DeviceInfo *ret_info, GError **error);
GArray *pad_collect(BkPad *pad, int timeout_ms, GCancellable *cancellable,
                    GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(BkPad, pad_close)
