/* The signature pad registry and wrappers. Backends: pad-*.c. */
#include "pad.h"

extern const PadDriver pad_sim_driver;

const PadDriver *const pad_drivers[] = {
    &pad_sim_driver,
    NULL,
};

const PadDriver *pad_driver_find(const char *name)
{
  for (gsize i = 0; pad_drivers[i]; i++)
    if (g_strcmp0(pad_drivers[i]->name, name) == 0)
      return pad_drivers[i];
  return NULL;
}

BkPad *pad_open(const char *name, DeviceOptions *options, GError **error)
{
  const PadDriver *driver = pad_driver_find(name);
  gpointer priv;
  BkPad *pad;

  if (!driver) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_UNKNOWN_BACKEND,
                "no signature pad backend named '%s'", name ? name : "(null)");
    return NULL;
  }
  priv = driver->open(options, error);
  if (!priv)
    return NULL;
  pad = g_new0(BkPad, 1);
  pad->driver = driver;
  pad->priv = priv;
  return pad;
}

void pad_close(BkPad *pad)
{
  if (!pad)
    return;
  pad->driver->close(pad->priv);
  g_free(pad);
}

gboolean pad_describe(BkPad *pad, DeviceInfo *ret_info, GError **error)
{
  g_return_val_if_fail(pad && ret_info, FALSE);
  return pad->driver->describe(pad->priv, ret_info, error);
}

GArray *pad_collect(BkPad *pad, int timeout_ms, GCancellable *cancellable,
                    GError **error)
{
  g_return_val_if_fail(pad, NULL);
  return pad->driver->collect(pad->priv, timeout_ms, cancellable, error);
}
