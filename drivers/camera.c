/* The camera registry and the thin wrappers that turn optional driver
 * members into clear errors. Backends live in camera-*.c. */
#include "camera.h"
#include "camera-backends.h"

/* In order of preference. Add a backend here and in meson.build. */
const CameraDriver *const camera_drivers[] = {
    &camera_gphoto2_driver,
    &camera_sim_driver,
    NULL,
};

const CameraDriver *camera_driver_find(const char *name)
{
  for (gsize i = 0; camera_drivers[i]; i++)
    if (g_strcmp0(camera_drivers[i]->name, name) == 0)
      return camera_drivers[i];
  return NULL;
}

BkCamera *camera_open(const char *name, DeviceOptions *options, GError **error)
{
  const CameraDriver *driver = camera_driver_find(name);
  gpointer priv;
  BkCamera *camera;

  if (!driver) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_UNKNOWN_BACKEND,
                "no camera backend named '%s'", name ? name : "(null)");
    return NULL;
  }
  priv = driver->open(options, error);
  if (!priv)
    return NULL;
  camera = g_new0(BkCamera, 1);
  camera->driver = driver;
  camera->priv = priv;
  return camera;
}

void camera_close(BkCamera *camera)
{
  if (!camera)
    return;
  camera->driver->close(camera->priv);
  g_free(camera);
}

static gboolean unsupported(BkCamera *camera, const char *what, GError **error)
{
  g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_UNSUPPORTED,
              "camera backend '%s' has no %s", camera->driver->name, what);
  return FALSE;
}

gboolean camera_describe(BkCamera *camera, DeviceInfo *ret_info, GError **error)
{
  g_return_val_if_fail(camera && ret_info, FALSE);
  return camera->driver->describe(camera->priv, ret_info, error);
}

GBytes *camera_preview(BkCamera *camera, GError **error)
{
  g_return_val_if_fail(camera, NULL);
  if (!camera->driver->preview) {
    unsupported(camera, "live view", error);
    return NULL;
  }
  return camera->driver->preview(camera->priv, error);
}

GBytes *camera_capture(BkCamera *camera, GError **error)
{
  g_return_val_if_fail(camera, NULL);
  return camera->driver->capture(camera->priv, error);
}

char *camera_get_setting(BkCamera *camera, const char *name, GError **error)
{
  g_return_val_if_fail(camera && name, NULL);
  if (!camera->driver->get_setting) {
    unsupported(camera, name, error);
    return NULL;
  }
  return camera->driver->get_setting(camera->priv, name, error);
}

gboolean camera_set_setting(BkCamera *camera, const char *name,
                            const char *value, GError **error)
{
  g_return_val_if_fail(camera && name && value, FALSE);
  if (!camera->driver->set_setting)
    return unsupported(camera, name, error);
  return camera->driver->set_setting(camera->priv, name, value, error);
}
