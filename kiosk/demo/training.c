/* Training mode (training.h). */
#include "training.h"

#include <gio/gio.h>

#include "appointments.h"
#include "audit.h"
#include "demo-media.h"
#include "demo.h"
#include "resources.h"
#include "settings.h"
#include "technician-run.h"
#include "training-chooser.h"

static gboolean training_allowed(const KioskConfig *config, GError **error)
{
  if (!*config->backoffice_public_key ||
      g_strcmp0(config->allow_training, "yes") == 0)
    return TRUE;
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
              "training mode refused: paths.backoffice_public_key is a real "
              "back-office key; set kiosk.allow_training = yes to let this "
              "kiosk practise");
  return FALSE;
}

/* Copies a device option table. */
static void copy_options(GHashTable *to, GHashTable *from)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_remove_all(to);
  g_hash_table_iter_init(&iter, from);
  while (g_hash_table_iter_next(&iter, &key, &value))
    g_hash_table_insert(to, g_strdup(key), g_strdup(value));
}

/* The embedded configuration's simulated camera and pad with their options,
 * and the simulated reader. */
static void use_embedded_devices(KioskConfig *config,
                                 const KioskConfig *embedded)
{
  g_free(config->camera_backend);
  g_free(config->reader_backend);
  g_free(config->pad_backend);
  config->camera_backend = g_strdup(embedded->camera_backend);
  /* The reader simulator, not libfprint's virtual_image: only it plays
   * the reader's training scenarios (a poor or a missing finger). */
  config->reader_backend = g_strdup("sim");
  config->pad_backend = g_strdup(embedded->pad_backend);
  copy_options(config->camera_options, embedded->camera_options);
  copy_options(config->reader_options, embedded->reader_options);
  copy_options(config->pad_options, embedded->pad_options);
}

/* The scenario called `name`, or NULL with an error that lists them. */
static const DemoScenario *find_scenario(const char *name, GError **error)
{
  const DemoScenario *scenario = demo_media_scenario_find(name);
  g_autoptr(GString) known = g_string_new(NULL);
  const DemoScenario *all;
  gsize n = 0;

  if (scenario)
    return scenario;
  all = demo_media_scenarios(&n);
  for (gsize i = 0; i < n; i++)
    g_string_append_printf(known, "%s%s", i ? ", " : "", all[i].id);
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
              "no training scenario of that name (there are: %s)", known->str);
  return NULL;
}

gboolean training_prepare(KioskConfig *config, const char *scenario,
                          GError **error)
{
  g_autoptr(KioskConfig) embedded = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *set_state = NULL;
  g_autofree char *set_pin = NULL;
  g_autofree char *media = NULL;

  const DemoScenario *chosen = NULL;

  if (!training_allowed(config, error) ||
      (scenario && !(chosen = find_scenario(scenario, error))))
    return FALSE;
  embedded = config_load(NULL, error);
  if (!embedded)
    return FALSE;
  dir = config_resolve_path(config, "training");
  set_state = g_strdup_printf("paths.state_dir=%s", dir);
  set_pin = g_strdup_printf("officer.pin_hash=%s", embedded->officer_pin_hash);
  if (!demo_media_prepare_folder(dir, error))
    return FALSE;
  use_embedded_devices(config, embedded);
  if (!config_override(config, set_state, error) ||
      !config_override(config, "paths.database=kiosk.db", error) ||
      !config_override(config, "paths.outbox=outbox", error) ||
      !config_override(config, "paths.backoffice_public_key=", error) ||
      !config_override(config, "upload.target=", error) ||
      !config_override(config, set_pin, error) ||
      !config_override(config, "kiosk.banner=" TRAINING_BANNER, error) ||
      /* Every printed code checks in whenever the session is (the sample
       * spans two hours; the desk's window is one early, half late). */
      !config_override(config, "policy.checkin_early_minutes=1440", error) ||
      !config_override(config, "policy.checkin_late_minutes=1440", error))
    return FALSE;
  /* The app then leaves the configured subject in front of the camera. */
  if (chosen)
    g_hash_table_replace(config->camera_options, g_strdup("subject"),
                         g_strdup(chosen->subject));
  media = config_resolve_path(
      config, g_hash_table_lookup(config->camera_options, "folder"));
  return demo_media_write_portraits(media, error) &&
         demo_media_write_scenarios(media, error);
}

static void print_schedule(GPtrArray *list, FILE *out)
{
  fprintf(out, "Training kiosk: %s\n", TRAINING_BANNER);
  fprintf(out, "Appointment codes for today:\n");
  for (guint i = 0; i < list->len; i++) {
    const Appointment *appointment = g_ptr_array_index(list, i);
    g_autofree char *time = g_date_time_format(appointment->start, "%H:%M");

    fprintf(out, "  %s  %s  %u person%s\n", appointment->code, time,
            appointment->persons->len,
            appointment->persons->len == 1 ? "" : "s");
  }
  fprintf(out, "Officer PIN (training): %s\n", DEMO_PIN);
  fflush(out);
}

/* The scenario --scenario put in front of the camera, or NULL. */
static const DemoScenario *chosen_scenario(const KioskConfig *config)
{
  const char *subject = g_hash_table_lookup(config->camera_options, "subject");

  return subject ? demo_media_scenario_find(subject) : NULL;
}

gboolean training_start(App *app, const KioskConfig *config, FILE *out,
                        GError **error)
{
  g_autoptr(GDateTime) today = g_date_time_new_now_local();
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *details = NULL;
  sqlite3 *db = app_database(app);
  const DemoScenario *scenario = chosen_scenario(config);
  guint count = 0;

  if (!appointments_import_data_shifted(db, resources_sample_schedule(), -1,
                                        today, &count, error))
    return FALSE;
  /* The technician screen opens with the training PIN and lists the
   * codes (issue 15). */
  techrun_set_training(app_technician(app), DEMO_PIN);
  details = g_strdup_printf("appointments=%u", count);
  if (!audit_append(db, g_get_real_time(), AUDIT_ACTOR_KIOSK,
                    "training.started", details, NULL, error))
    return FALSE;
  list = appointments_list(db, error);
  if (!list)
    return FALSE;
  print_schedule(list, out);
  if (scenario)
    fprintf(out, "Camera scenario: %s (%s)\n", scenario->id,
            scenario->title_en);
  fprintf(out, "Scenarios: the Scenario button on the check-in and person "
               "screens\n");
  fflush(out);
  training_chooser_install(app, scenario ? scenario->id : NULL);
  return TRUE;
}
