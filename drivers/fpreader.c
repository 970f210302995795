/* The fingerprint reader registry and wrappers, and the fitness check.
 * Backends: fpreader-*.c. */
#include "fpreader.h"

#include <string.h>

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

/* Overrides what the backend said with what the technician declared. */
static void geometry_declared(DeviceOptions *options, FpReaderGeometry *g)
{
  int ppi = device_option_int(options, "ppi", 0);
  int w = device_option_int(options, "image_width", 0);
  int h = device_option_int(options, "image_height", 0);

  if (ppi > 0 || w > 0 || h > 0)
    g->source = "declared in [reader]";
  if (ppi > 0)
    g->ppi = ppi;
  if (w > 0)
    g->width = w;
  if (h > 0)
    g->height = h;
}

gboolean fpreader_prepare(const char *name, DeviceOptions *options,
                          GError **error)
{
  const FpReaderDriver *driver = driver_lookup(name, error);

  FpReaderGeometry g = {.source = "unknown"};

  if (!driver)
    return FALSE;
  if (driver->prepare && !driver->prepare(options, error))
    return FALSE;
  /* What the options alone tell: refused before anything starts. */
  if (driver->geometry)
    driver->geometry(NULL, options, &g);
  geometry_declared(options, &g);
  return fpreader_geometry_fit(&g, options, TRUE, error);
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

void fpreader_geometry(BkFpReader *reader, DeviceOptions *options,
                       FpReaderGeometry *ret_geometry)
{
  g_return_if_fail(reader && ret_geometry);
  memset(ret_geometry, 0, sizeof *ret_geometry);
  ret_geometry->source = "unknown";
  if (reader->driver->geometry)
    reader->driver->geometry(reader->priv, options, ret_geometry);
  geometry_declared(options, ret_geometry);
}

/* A minimum from the options: FALSE for one that is not a number. */
static gboolean fit_minimum(DeviceOptions *options, const char *key,
                            double fallback, double *ret, GError **error)
{
  const char *text = device_option(options, key, NULL);
  char *end = NULL;

  *ret = fallback;
  if (!text)
    return TRUE;
  *ret = g_ascii_strtod(text, &end);
  if (end == text || *end || *ret < 0 || *ret > 100000) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                "reader.%s must be a number from 0, not '%s'", key, text);
    return FALSE;
  }
  return TRUE;
}

/* The unit of the message: "reader.min_ppi" and such. */
static gboolean fit_refuse(GError **error, const FpReaderGeometry *g,
                           const char *what)
{
  g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_UNSUPPORTED,
              "fingerprint reader refused: %s (figures: %s); enrolment needs "
              "a registration-grade reader, see docs/fingerprints.md",
              what, g->source ? g->source : "unknown");
  return FALSE;
}

gboolean fpreader_geometry_fit(const FpReaderGeometry *g,
                               DeviceOptions *options,
                               gboolean allow_unknown_size, GError **error)
{
  double min_ppi, min_w, min_h, w_mm, h_mm;
  g_autofree char *what = NULL;

  g_return_val_if_fail(g, FALSE);
  if (!fit_minimum(options, "min_ppi", FPREADER_MIN_PPI, &min_ppi, error) ||
      !fit_minimum(options, "min_width_mm", FPREADER_MIN_WIDTH_MM, &min_w,
                   error) ||
      !fit_minimum(options, "min_height_mm", FPREADER_MIN_HEIGHT_MM, &min_h,
                   error))
    return FALSE;
  if (g->ppi <= 0) {
    if (min_ppi <= 0)
      return TRUE;
    return fit_refuse(error, g,
                      "its resolution is unknown; declare reader.ppi from "
                      "its datasheet");
  }
  if (g->ppi < min_ppi) {
    what =
        g_strdup_printf("%d ppi is below reader.min_ppi %g", g->ppi, min_ppi);
    return fit_refuse(error, g, what);
  }
  if (g->width <= 0 || g->height <= 0) {
    if (allow_unknown_size || (min_w <= 0 && min_h <= 0))
      return TRUE;
    return fit_refuse(error, g,
                      "its image size is unknown; declare reader.image_width "
                      "and reader.image_height");
  }
  /* A little slack for rounding: 250 px at 500 ppi is 12.7 mm. */
  w_mm = g->width * 25.4 / g->ppi;
  h_mm = g->height * 25.4 / g->ppi;
  if (w_mm + 0.05 < min_w || h_mm + 0.05 < min_h) {
    what =
        g_strdup_printf("its %dx%d image at %d ppi is %.1f x %.1f mm, "
                        "below reader.min_width_mm x min_height_mm "
                        "%g x %g",
                        g->width, g->height, g->ppi, w_mm, h_mm, min_w, min_h);
    return fit_refuse(error, g, what);
  }
  return TRUE;
}

gboolean fpreader_check_fit(BkFpReader *reader, DeviceOptions *options,
                            GError **error)
{
  FpReaderGeometry g;

  fpreader_geometry(reader, options, &g);
  return fpreader_geometry_fit(&g, options, FALSE, error);
}

gboolean fpreader_check_impression(BkFpReader *reader, DeviceOptions *options,
                                   const FpImpression *impression,
                                   GError **error)
{
  FpReaderGeometry g;

  g_return_val_if_fail(reader && impression, FALSE);
  fpreader_geometry(reader, options, &g);
  g.width = impression->width;
  g.height = impression->height;
  g.source = "the reader's own capture";
  return fpreader_geometry_fit(&g, options, FALSE, error);
}

gboolean fpreader_compare(BkFpReader *reader, FpImpression *const *impressions,
                          int n, int *ret_scores, GError **error)
{
  g_return_val_if_fail(reader && impressions && ret_scores && n >= 0, FALSE);
  for (int i = 0; i < n * n; i++)
    ret_scores[i] = -1;
  if (!reader->driver->compare || n < 2)
    return TRUE;
  return reader->driver->compare(reader->priv, impressions, n, ret_scores,
                                 error);
}
