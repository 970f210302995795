/* Access to the files compiled into the binary by glib-compile-resources
 * (see kiosk/resources.gresource.xml). The data lives in the executable's
 * read-only section, so the returned pointers are valid for its lifetime. */
#include "resources.h"

#include <gio/gio.h>

#include "resources-data.h"

static const char *resources_text(const char *name)
{
  g_autofree char *path = g_strconcat("/nl/ind/biokiosk/", name, NULL);
  g_autoptr(GBytes) bytes = NULL;

  bytes = g_resource_lookup_data(resources_data_get_resource(), path,
                                 G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  /* Built in at compile time: absence is a build bug, not a runtime error. */
  g_assert(bytes != NULL);
  /* Uncompressed resource data points into the binary and is always
   * NUL-terminated, so it outlives the GBytes wrapper. */
  return g_bytes_get_data(bytes, NULL);
}

const char *resources_default_config(void)
{
  return resources_text("biokiosk.conf");
}

const char *resources_sample_schedule(void)
{
  return resources_text("sample-schedule.json");
}

const char *resources_demo_officers(void)
{
  return resources_text("demo-officers.json");
}
