/* The configuration on this machine: the file or the embedded defaults read
 * into core/'s schema, and the state folder that relative paths live in. */
#include "settings.h"

#include <errno.h>
#include <string.h>

#include "resources.h"

const char *config_embedded_defaults(void)
{
  return resources_default_config();
}

KioskConfig *config_load(const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local = NULL;
  KioskConfig *config;

  if (path && !g_file_get_contents(path, &text, NULL, &local)) {
    g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_NOT_FOUND,
                "%s: cannot read the configuration: %s", path,
                g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                    ? "no such file"
                    : local->message);
    return NULL;
  }
  config = config_parse(config_embedded_defaults(), path, text, error);
  if (config && path)
    g_debug("configuration loaded from %s", path);
  return config;
}

char *config_resolve_path(const KioskConfig *config, const char *path)
{
  g_autofree char *state_dir = NULL;

  g_return_val_if_fail(config != NULL, NULL);
  g_return_val_if_fail(path != NULL, NULL);

  /* SQLite's in-memory database is not a file. */
  if (g_path_is_absolute(path) || strcmp(path, ":memory:") == 0)
    return g_strdup(path);
  if (!config->state_dir || !*config->state_dir)
    state_dir = g_build_filename(g_get_user_state_dir(), "biokiosk", NULL);
  else
    state_dir = g_canonicalize_filename(config->state_dir, NULL);
  /* Failure shows up, with its reason, when the caller opens the file. */
  if (g_mkdir_with_parents(state_dir, 0700) != 0)
    g_debug("cannot create %s: %s", state_dir, g_strerror(errno));
  if (!*path || strcmp(path, ".") == 0)
    return g_steal_pointer(&state_dir);
  return g_build_filename(state_dir, path, NULL);
}

void config_resolve_option_paths(const KioskConfig *config, GHashTable *options)
{
  static const char *const keys[] = {"folder", "file"};

  for (gsize i = 0; options && i < G_N_ELEMENTS(keys); i++) {
    const char *value = g_hash_table_lookup(options, keys[i]);
    if (value && *value && !g_path_is_absolute(value))
      g_hash_table_insert(options, g_strdup(keys[i]),
                          config_resolve_path(config, value));
  }
}
