/* The subcommand table and shared usage-error helper. */
#include "commands.h"

#include <stdarg.h>
#include <stdio.h>

/* Each command is defined in its kiosk/cmd-*.c file. */
extern const KioskCommand kiosk_cmd_validate_photo;

extern const KioskCommand kiosk_cmd_appointments;
extern const KioskCommand kiosk_cmd_queue;
extern const KioskCommand kiosk_cmd_record;
extern const KioskCommand kiosk_cmd_diagnose;

const KioskCommand *const kiosk_commands[] = {
  &kiosk_cmd_appointments,
  &kiosk_cmd_diagnose,
  &kiosk_cmd_queue,
  &kiosk_cmd_record,
  &kiosk_cmd_validate_photo,
  NULL,
};

const KioskCommand *kiosk_command_find(const char *name)
{
  for (gsize i = 0; kiosk_commands[i]; i++)
    if (g_strcmp0(kiosk_commands[i]->name, name) == 0)
      return kiosk_commands[i];
  return NULL;
}

int kiosk_usage_error(const char *command, const char *fmt, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start(args, fmt);
  message = g_strdup_vprintf(fmt, args);
  va_end(args);
  /* One line: strip anything after a newline a library may have added. */
  g_strdelimit(message, "\n", ' ');
  if (command)
    fprintf(stderr, "biokiosk %s: %s\n", command, message);
  else
    fprintf(stderr, "biokiosk: %s\n", message);
  return EXIT_USAGE;
}
