/* See benchlib.h. */
#include "benchlib.h"

#include "demo-media.h"

static int compare_doubles(gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return (x > y) - (x < y);
}

double bench_percentile(GArray *values, double p)
{
  g_array_sort(values, compare_doubles);
  return g_array_index(values, double, (guint)(p * (values->len - 1)));
}

KioskConfig *bench_demo_config(const char *state, const char *const *overrides,
                               GError **error)
{
  g_autoptr(KioskConfig) config = config_load(NULL, error);
  g_autofree char *set_state = g_strdup_printf("paths.state_dir=%s", state);
  g_autofree char *media = NULL;

  if (!config || !config_override(config, set_state, error))
    return NULL;
  for (; overrides && *overrides; overrides++)
    if (!config_override(config, *overrides, error))
      return NULL;
  media = config_resolve_path(
      config, g_hash_table_lookup(config->camera_options, "folder"));
  if (!demo_media_write_portraits(media, error))
    return NULL;
  return g_steal_pointer(&config);
}
