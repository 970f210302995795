/* biokiosk's entry point and composition root: picks the subcommand and, for
 * the commands that show screens (run, demo), wires the SDL front end (ui/)
 * to the application core. The only file that sees both kiosk/ and ui/. */
#include <glib.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "bk-config.h"
#include "commands.h"
#include "ui.h"

static void print_help(FILE *out)
{
  fprintf(out,
          "Usage: biokiosk [COMMAND] [OPTION...]\n"
          "\n"
          "Biometric capture kiosk for an IND desk.\n"
          "\n"
          "Commands:\n");
  for (gsize i = 0; kiosk_commands[i]; i++)
    fprintf(out, "  %-16s %s\n", kiosk_commands[i]->name,
            kiosk_commands[i]->summary);
  fprintf(out,
          "\n"
          "Run 'biokiosk COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
  const KioskCommand *command;

  setlocale(LC_ALL, "");
  if (argc < 2) {
    command = kiosk_command_find("run");
    if (!command)
      return kiosk_usage_error(NULL, "no 'run' command in this build");
    return command->run(argc, argv);
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    print_help(stdout);
    return EXIT_OK;
  }
  if (strcmp(argv[1], "--version") == 0) {
    printf("biokiosk %s\n", BK_VERSION);
    return EXIT_OK;
  }
  command = kiosk_command_find(argv[1]);
  if (!command)
    return kiosk_usage_error(NULL, "unknown command '%s' (see 'biokiosk --help')",
                             argv[1]);
  return command->run(argc - 1, argv + 1);
}
