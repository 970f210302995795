/* `biokiosk appointments import FILE` and `biokiosk appointments list`: the
 * technician's way to load the day's schedule (docs/schedule.md) into the
 * kiosk's database and to see what is there. The list shows code, location,
 * start and the number of persons, never names or dates of birth. */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "appointments.h"
#include "commands.h"
#include "settings.h"
#include "db.h"

#define CMD "appointments"

static void print_list_json(const Appointment *appointment)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  g_autoptr(JsonGenerator) gen = json_generator_new();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *start =
      g_date_time_format(appointment->start, "%Y-%m-%dT%H:%M:%S%:z");
  g_autofree char *text = NULL;

  json_builder_begin_object(b);
  json_builder_set_member_name(b, "code");
  json_builder_add_string_value(b, appointment->code);
  json_builder_set_member_name(b, "location_id");
  json_builder_add_string_value(b, appointment->location_id);
  json_builder_set_member_name(b, "location_name");
  json_builder_add_string_value(b, appointment->location_name);
  json_builder_set_member_name(b, "start");
  json_builder_add_string_value(b, start);
  json_builder_set_member_name(b, "persons");
  json_builder_add_int_value(b, appointment->persons->len);
  json_builder_end_object(b);
  root = json_builder_get_root(b);
  json_generator_set_root(gen, root);
  text = json_generator_to_data(gen, NULL);
  printf("%s\n", text);
}

static int appointments_cmd_list(sqlite3 *db, gboolean json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = appointments_list(db, &error);

  if (!list)
    return kiosk_usage_error(CMD, "%s", error->message);
  if (!json)
    printf("%-12s  %-10s  %-25s  %s\n", "CODE", "LOCATION", "START", "PERSONS");
  for (guint i = 0; i < list->len; i++) {
    const Appointment *appointment = g_ptr_array_index(list, i);

    if (json) {
      print_list_json(appointment);
    } else {
      g_autofree char *start =
          g_date_time_format(appointment->start, "%Y-%m-%dT%H:%M:%S%:z");
      printf("%-12s  %-10s  %-25s  %u\n", appointment->code,
             appointment->location_id, start, appointment->persons->len);
    }
  }
  return EXIT_OK;
}

static int appointments_cmd_import(sqlite3 *db, const char *file,
                                   gboolean shift_to_today)
{
  g_autoptr(GDateTime) today =
      shift_to_today ? g_date_time_new_now_local() : NULL;
  g_autoptr(GError) error = NULL;
  guint count = 0;

  if (!appointments_import_file_shifted(db, file, today, &count, &error))
    return kiosk_usage_error(CMD, "%s", error->message);
  printf("imported %u appointment%s from %s%s\n", count, count == 1 ? "" : "s",
         file, shift_to_today ? ", moved to today" : "");
  return EXIT_OK;
}

/* The action and its arguments, checked before anything is opened. */
static int appointments_check_args(char **args)
{
  guint n_args = args ? g_strv_length(args) : 0;

  if (n_args == 0)
    return kiosk_usage_error(CMD, "expected 'import FILE' or 'list' (see "
                                  "'biokiosk appointments --help')");
  if (strcmp(args[0], "import") == 0) {
    if (n_args != 2)
      return kiosk_usage_error(CMD, "import takes exactly one FILE");
  } else if (strcmp(args[0], "list") == 0) {
    if (n_args != 1)
      return kiosk_usage_error(CMD, "list takes no arguments");
  } else {
    return kiosk_usage_error(CMD,
                             "unknown action '%s' (expected import or "
                             "list)",
                             args[0]);
  }
  return EXIT_OK;
}

/* --database, else paths.database; the appointment tables made ready. */
static sqlite3 *appointments_open_db(const KioskConfig *config,
                                     const char *database, GError **error)
{
  g_autofree char *db_path = NULL;
  sqlite3 *db;

  /* A path typed on the command line is relative to where it was typed. */
  db_path = database ? g_canonicalize_filename(database, NULL)
                     : config_resolve_path(config, config->database);
  db = db_open(db_path, error);
  if (db && !appointments_init(db, error)) {
    db_close(db);
    return NULL;
  }
  return db;
}

static int appointments_run(int argc, char **argv)
{
  g_auto(CommandConfig) cc = {0};
  g_autofree char *database = NULL;
  g_auto(GStrv) args = NULL;
  gboolean json = FALSE;
  gboolean shift_to_today = FALSE;
  const GOptionEntry entries[] = {
      {"database", 'd', 0, G_OPTION_ARG_FILENAME, &database,
       "Database file instead of paths.database (relative to the current "
       "folder)",
       "PATH"},
      {"json", 0, 0, G_OPTION_ARG_NONE, &json,
       "list: one JSON object per line and appointment", NULL},
      {"shift-to-today", 0, 0, G_OPTION_ARG_NONE, &shift_to_today,
       "import: move the schedule's days so that its first day is today "
       "(for training)",
       NULL},
      {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL,
       NULL},
      {NULL},
  };
  g_autoptr(GOptionContext) ctx =
      g_option_context_new("import FILE | list - the appointment schedule");
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskConfig) config = NULL;
  sqlite3 *db = NULL;
  int status;

  g_option_context_set_description(
      ctx, "import FILE  adds the appointments of a JSON schedule "
           "(docs/schedule.md);\n"
           "             nothing is imported when any of it is invalid;\n"
           "             --shift-to-today moves its days to start today.\n"
           "list         shows code, location, start and number of persons.\n");
  g_option_context_add_main_entries(ctx, entries, NULL);
  command_config_add_options(&cc, ctx);
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    return kiosk_usage_error(CMD, "%s", error->message);
  status = appointments_check_args(args);
  if (status != EXIT_OK)
    return status;
  if (shift_to_today && strcmp(args[0], "import") != 0)
    return kiosk_usage_error(CMD, "--shift-to-today is for import");

  config = command_config_load(&cc, &error);
  if (!config)
    return kiosk_usage_error(CMD, "%s", error->message);
  db = appointments_open_db(config, database, &error);
  if (!db)
    return kiosk_usage_error(CMD, "%s", error->message);

  if (strcmp(args[0], "import") == 0)
    status = appointments_cmd_import(db, args[1], shift_to_today);
  else
    status = appointments_cmd_list(db, json);
  db_close(db);
  return status;
}

const KioskCommand kiosk_cmd_appointments = {
    .name = "appointments",
    .summary = "Import the appointment schedule, or list it",
    .run = appointments_run,
};
