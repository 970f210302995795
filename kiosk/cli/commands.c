/* The subcommand table and shared usage-error helper. */
#include "commands.h"

#include <stdarg.h>
#include <stdio.h>

#include "bk-config.h"
#include "log.h"

/* Each command is defined in its kiosk/cmd-*.c file. */
extern const KioskCommand kiosk_cmd_validate_photo;

extern const KioskCommand kiosk_cmd_appointments;
extern const KioskCommand kiosk_cmd_queue;
extern const KioskCommand kiosk_cmd_backoffice;
extern const KioskCommand kiosk_cmd_record;
extern const KioskCommand kiosk_cmd_diagnose;
extern const KioskCommand kiosk_cmd_officers;

const KioskCommand *const kiosk_commands[] = {
    &kiosk_cmd_appointments,   &kiosk_cmd_backoffice,
    &kiosk_cmd_diagnose,       &kiosk_cmd_officers,
    &kiosk_cmd_queue,          &kiosk_cmd_record,
    &kiosk_cmd_validate_photo, NULL,
};

const KioskCommand *kiosk_command_find(const char *name)
{
  for (gsize i = 0; kiosk_commands[i]; i++)
    if (g_strcmp0(kiosk_commands[i]->name, name) == 0)
      return kiosk_commands[i];
  return NULL;
}

void command_config_add_options(CommandConfig *cc, GOptionContext *ctx)
{
  const GOptionEntry entries[] = {
      {"config", 'c', 0, G_OPTION_ARG_FILENAME, &cc->config_path,
       "Configuration file (default: $BIOKIOSK_CONFIG, else "
       "/etc/biokiosk/biokiosk.conf where it exists, else the built-in one)",
       "FILE"},
      {"set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &cc->sets,
       "Override one configuration key (repeatable)", "GROUP.KEY=VALUE"},
      {NULL},
  };

  g_option_context_add_main_entries(ctx, entries, NULL);
}

/* Without --config: the file BIOKIOSK_CONFIG names, else the one an
 * installed kiosk keeps in the system configuration folder (the package's
 * /etc/biokiosk/biokiosk.conf, docs/appliance.md) when it exists, else
 * NULL: the built-in defaults. */
static char *default_config_path(void)
{
  const char *env = g_getenv("BIOKIOSK_CONFIG");
  char *system_file;

  if (env && *env)
    return g_strdup(env);
  system_file =
      g_build_filename(BK_SYSCONFDIR, "biokiosk", "biokiosk.conf", NULL);
  if (g_file_test(system_file, G_FILE_TEST_EXISTS))
    return system_file;
  g_free(system_file);
  return NULL;
}

KioskConfig *command_config_load(const CommandConfig *cc, GError **error)
{
  g_autofree char *fallback = cc->config_path ? NULL : default_config_path();
  g_autoptr(KioskConfig) config =
      config_load(cc->config_path ? cc->config_path : fallback, error);
  LogLevel level;

  if (!config)
    return NULL;
  for (char **s = cc->sets; s && *s; s++)
    if (!config_override(config, *s, error))
      return NULL;
  if (log_level_parse(config->log_level, &level))
    log_set_level(level);
  return g_steal_pointer(&config);
}

void command_config_clear(CommandConfig *cc)
{
  g_clear_pointer(&cc->config_path, g_free);
  g_clear_pointer(&cc->sets, g_strfreev);
}

int kiosk_usage_error(const char *command, const char *fmt, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start(args, fmt);
  message = g_strdup_vprintf(fmt, args);
  va_end(args);
  log_command_error(command, message);
  return EXIT_USAGE;
}
