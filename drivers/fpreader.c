/* The fingerprint reader registry and wrappers. Backends: fpreader-*.c. */
#include "fpreader.h"

extern const FpReaderDriver fpreader_libfprint_driver;
extern const FpReaderDriver fpreader_sim_driver;

const FpReaderDriver *const fpreader_drivers[] = {
    &fpreader_libfprint_driver,
    &fpreader_sim_driver,
    NULL,
};

void fp_impression_free(FpImpression *impression)
{
  if (!impression)
    return;
  g_clear_pointer(&impression->pixels, g_bytes_unref);
  g_free(impression);
}

const FpReaderDriver *fpreader_driver_find(const char *name)
{
  for (gsize i = 0; fpreader_drivers[i]; i++)
    if (g_strcmp0(fpreader_drivers[i]->name, name) == 0)
      return fpreader_drivers[i];
  return NULL;
}

/* fpreader_driver_find(), or NULL with DRIVERS_ERROR_UNKNOWN_BACKEND. */
static const FpReaderDriver *driver_lookup(const char *name, GError **error)
{
  const FpReaderDriver *driver = fpreader_driver_find(name);

  if (!driver)
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_UNKNOWN_BACKEND,
                "no fingerprint reader backend named '%s'",
                name ? name : "(null)");
  return driver;
}

gboolean fpreader_prepare(const char *name, DeviceOptions *options,
                          GError **error)
{
  const FpReaderDriver *driver = driver_lookup(name, error);

  if (!driver)
    return FALSE;
  return !driver->prepare || driver->prepare(options, error);
}

BkFpReader *fpreader_open(const char *name, DeviceOptions *options,
                          GError **error)
{
  const FpReaderDriver *driver = driver_lookup(name, error);
  gpointer priv;
  BkFpReader *reader;

  if (!driver)
    return NULL;
  priv = driver->open(options, error);
  if (!priv)
    return NULL;
  reader = g_new0(BkFpReader, 1);
  reader->driver = driver;
  reader->priv = priv;
  return reader;
}

void fpreader_close(BkFpReader *reader)
{
  if (!reader)
    return;
  reader->driver->close(reader->priv);
  g_free(reader);
}

gboolean fpreader_describe(BkFpReader *reader, DeviceInfo *ret_info,
                           GError **error)
{
  g_return_val_if_fail(reader && ret_info, FALSE);
  return reader->driver->describe(reader->priv, ret_info, error);
}

void fpreader_set_subject(BkFpReader *reader, const char *subject)
{
  g_return_if_fail(reader);
  if (reader->driver->set_subject)
    reader->driver->set_subject(reader->priv, subject);
}

FpImpression *fpreader_capture(BkFpReader *reader, ReaderFinger finger,
                               int timeout_ms, GCancellable *cancellable,
                               GError **error)
{
  g_return_val_if_fail(reader, NULL);
  return reader->driver->capture(reader->priv, finger, timeout_ms, cancellable,
                                 error);
}
