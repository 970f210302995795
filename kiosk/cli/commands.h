/* The subcommands of `biokiosk`. Each lives in kiosk/cmd-*.c and parses its
 * own options with GOptionContext. Exit status: 0 success, 1 a negative
 * verdict, 2 usage or input error with one line on stderr. */
#pragma once

#include <glib.h>

#include "settings.h"

enum { EXIT_OK = 0, EXIT_NEGATIVE = 1, EXIT_USAGE = 2 };

typedef struct {
  const char *name;    /* "validate-photo" */
  const char *summary; /* one line for `biokiosk --help` */
  /* argv[0] is the subcommand's name. */
  int (*run)(int argc, char **argv);
} KioskCommand;

/* NULL-terminated, in the order --help lists them. The `run` and `demo`
 * commands need the UI and are registered by main.c, not here. */
extern const KioskCommand *const kiosk_commands[];

const KioskCommand *kiosk_command_find(const char *name);

/* --config FILE and --set GROUP.KEY=VALUE (repeatable), which every
 * command that reads the configuration takes. */
typedef struct {
  char *config_path;
  char **sets;
} CommandConfig;

/* Adds the two options to `ctx`'s main group; `cc` must outlive parsing. */
void command_config_add_options(CommandConfig *cc, GOptionContext *ctx);

/* The configuration file (or the built-in defaults) with the --set
 * overrides applied, each validated like the file. */
KioskConfig *command_config_load(const CommandConfig *cc, GError **error);

void command_config_clear(CommandConfig *cc);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CommandConfig, command_config_clear)

/* Prints "biokiosk: <message>" on stderr and returns EXIT_USAGE. */
int kiosk_usage_error(const char *command, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);
