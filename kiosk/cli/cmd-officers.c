/* `biokiosk officers import FILE` and `biokiosk officers list`: the
 * technician's way to set who may open officer mode (docs/officers.md).
 * The list shows ids only, never a hash. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "db.h"
#include "officers.h"
#include "settings.h"

#define CMD "officers"

static int officers_cmd_list(sqlite3 *db)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = officers_list(db, &error);

  if (!ids)
    return kiosk_usage_error(CMD, "%s", error->message);
  for (guint i = 0; i < ids->len; i++)
    printf("%s\n", (const char *)g_ptr_array_index(ids, i));
  return EXIT_OK;
}

static int officers_cmd_import(sqlite3 *db, const char *file)
{
  g_autoptr(GError) error = NULL;
  guint count = 0;

  if (!officers_import_file(db, file, &count, &error))
    return kiosk_usage_error(CMD, "%s", error->message);
  printf("imported %u officer%s from %s (the table now holds these only)\n",
         count, count == 1 ? "" : "s", file);
  return EXIT_OK;
}

/* The action and its arguments, checked before anything is opened. */
static int officers_check_args(char **args)
{
  guint n_args = args ? g_strv_length(args) : 0;

  if (n_args == 0)
    return kiosk_usage_error(CMD, "expected 'import FILE' or 'list' (see "
                                  "'biokiosk officers --help')");
  if (strcmp(args[0], "import") == 0 && n_args != 2)
    return kiosk_usage_error(CMD, "import takes exactly one FILE");
  if (strcmp(args[0], "list") == 0 && n_args != 1)
    return kiosk_usage_error(CMD, "list takes no arguments");
  if (strcmp(args[0], "import") != 0 && strcmp(args[0], "list") != 0)
    return kiosk_usage_error(CMD, "unknown action (expected import or list)");
  return EXIT_OK;
}

static int officers_run(int argc, char **argv)
{
  g_auto(CommandConfig) cc = {0};
  g_autofree char *database = NULL;
  g_autofree char *db_path = NULL;
  g_auto(GStrv) args = NULL;
  const GOptionEntry entries[] = {
      {"database", 'd', 0, G_OPTION_ARG_FILENAME, &database,
       "Database file instead of paths.database (relative to the current "
       "folder)",
       "PATH"},
      {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL,
       NULL},
      {NULL},
  };
  g_autoptr(GOptionContext) ctx =
      g_option_context_new("import FILE | list - who may open officer mode");
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskConfig) config = NULL;
  sqlite3 *db;
  int status;

  g_option_context_set_description(
      ctx, "import FILE  replaces the officers with those of a JSON file "
           "(docs/officers.md);\n"
           "             nothing changes when any of it is invalid.\n"
           "list         shows the officer ids, one a line.\n");
  g_option_context_add_main_entries(ctx, entries, NULL);
  command_config_add_options(&cc, ctx);
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    return kiosk_usage_error(CMD, "%s", error->message);
  status = officers_check_args(args);
  if (status != EXIT_OK)
    return status;
  config = command_config_load(&cc, &error);
  if (!config)
    return kiosk_usage_error(CMD, "%s", error->message);
  db_path = database ? g_canonicalize_filename(database, NULL)
                     : config_resolve_path(config, config->database);
  db = db_open(db_path, &error);
  if (!db || !officers_init(db, &error)) {
    db_close(db);
    return kiosk_usage_error(CMD, "%s", error->message);
  }
  status = strcmp(args[0], "import") == 0 ? officers_cmd_import(db, args[1])
                                          : officers_cmd_list(db);
  db_close(db);
  return status;
}

const KioskCommand kiosk_cmd_officers = {
    .name = "officers",
    .summary = "Import the officers (ids and PIN hashes), or list their ids",
    .run = officers_run,
};
