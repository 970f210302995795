/* Shared pieces of the device classes: error domain, option lookup, device
 * identity. */
#include "device.h"

G_DEFINE_QUARK(biokiosk - drivers - error - quark, drivers_error)

const char *device_state_to_string(DeviceState state)
{
  switch (state) {
  case DEVICE_STATE_ABSENT:
    return "absent";
  case DEVICE_STATE_READY:
    return "ready";
  case DEVICE_STATE_BUSY:
    return "busy";
  case DEVICE_STATE_RECOVERING:
    return "recovering";
  case DEVICE_STATE_FAILED:
    return "failed";
  }
  return "unknown";
}

const char *device_option(DeviceOptions *options, const char *key,
                          const char *fallback)
{
  const char *value = options ? g_hash_table_lookup(options, key) : NULL;
  return value ? value : fallback;
}

int device_option_int(DeviceOptions *options, const char *key, int fallback)
{
  const char *value = device_option(options, key, NULL);
  gint64 parsed;

  if (!value ||
      !g_ascii_string_to_signed(value, 10, G_MININT, G_MAXINT, &parsed, NULL))
    return fallback;
  return (int)parsed;
}

void device_info_clear(DeviceInfo *info)
{
  if (!info)
    return;
  g_clear_pointer(&info->backend, g_free);
  g_clear_pointer(&info->model, g_free);
  g_clear_pointer(&info->serial, g_free);
  g_clear_pointer(&info->firmware, g_free);
  g_clear_pointer(&info->port, g_free);
  g_clear_pointer(&info->extra, g_free);
}
