/* `biokiosk diagnose [--json]`: the technician's device self-test. For the
 * camera: found or not, identity, port, the six settings and a test shot
 * (size and time; the image itself is dropped in memory, never written).
 * The reader and the pad are opened and described through their generic
 * interfaces. Exit 0 when every device answered, 1 when one did not. The
 * checks themselves are runtime/diagnose.c's, shared with the technician
 * screen; this file parses options and prints. */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "camera.h"
#include "commands.h"
#include "cmd-json.h"
#include "diagnose.h"
#include "fpreader.h"
#include "settings.h"

#define CMD "diagnose"

static void diagnose_add_info(JsonBuilder *b, const DeviceInfo *info)
{
  cmd_json_add_string(b, "model", info ? info->model : NULL);
  cmd_json_add_string(b, "serial", info ? info->serial : NULL);
  cmd_json_add_string(b, "firmware", info ? info->firmware : NULL);
  cmd_json_add_string(b, "port", info ? info->port : NULL);
  cmd_json_add_string(b, "extra", info ? info->extra : NULL);
}

/* Milliseconds rounded to a tenth. */
static void diagnose_add_ms(JsonBuilder *b, double ms)
{
  json_builder_set_member_name(b, "ms");
  json_builder_add_double_value(b, (double)(gint64)(ms * 10 + 0.5) / 10);
}

static void diagnose_json_probe(JsonBuilder *b, const DiagnoseProbe *probe,
                                gboolean shot)
{
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "ok");
  json_builder_add_boolean_value(b, probe->ok);
  diagnose_add_ms(b, probe->ms);
  if (probe->ok && shot) {
    json_builder_set_member_name(b, "bytes");
    json_builder_add_int_value(b, (gint64)probe->bytes);
  }
  if (probe->ok) {
    json_builder_set_member_name(b, "width");
    json_builder_add_int_value(b, probe->width);
    json_builder_set_member_name(b, "height");
    json_builder_add_int_value(b, probe->height);
  } else {
    cmd_json_add_string(b, "error", probe->error);
  }
  json_builder_end_object(b);
}

static void diagnose_json_camera(JsonBuilder *b, const DiagnoseDevice *d)
{
  cmd_json_add_string(b, "backend", d->backend);
  json_builder_set_member_name(b, "found");
  json_builder_add_boolean_value(b, d->found);
  json_builder_set_member_name(b, "open_ms");
  json_builder_add_int_value(b, d->open_ms);
  if (!d->found) {
    cmd_json_add_string(b, "error", d->error);
    cmd_json_add_string(b, "error_kind", d->error_kind);
    diagnose_add_info(b, NULL);
    return;
  }
  diagnose_add_info(b, d->described ? &d->info : NULL);
  json_builder_set_member_name(b, "settings");
  json_builder_begin_object(b);
  for (int i = 0; i < DIAGNOSE_N_SETTINGS; i++)
    cmd_json_add_string(b, diagnose_setting_names[i], d->settings[i]);
  json_builder_end_object(b);
  json_builder_set_member_name(b, "liveview");
  diagnose_json_probe(b, &d->liveview, FALSE);
  json_builder_set_member_name(b, "test_shot");
  if (d->test_shot.ran)
    diagnose_json_probe(b, &d->test_shot, TRUE);
  else
    json_builder_add_null_value(b);
}

/* The report as JSON (docs/camera.md). */
static void diagnose_json(JsonBuilder *b, const DiagnoseReport *report)
{
  json_builder_begin_object(b);
  for (guint i = 0; i < report->devices->len; i++) {
    const DiagnoseDevice *d = g_ptr_array_index(report->devices, i);

    json_builder_set_member_name(b, d->member);
    json_builder_begin_object(b);
    if (g_str_equal(d->member, "camera")) {
      diagnose_json_camera(b, d);
    } else {
      cmd_json_add_string(b, "backend", d->backend);
      json_builder_set_member_name(b, "found");
      json_builder_add_boolean_value(b, d->found);
      diagnose_add_info(b, d->described ? &d->info : NULL);
      if (!d->described) {
        cmd_json_add_string(b, "error", d->error);
        cmd_json_add_string(b, "error_kind", d->error_kind);
      }
    }
    json_builder_end_object(b);
  }
  json_builder_set_member_name(b, "ok");
  json_builder_add_boolean_value(b, report->ok);
  json_builder_end_object(b);
}

static gboolean diagnose_parse_option(GHashTable *options, const char *kv,
                                      GError **error)
{
  const char *eq = strchr(kv, '=');

  if (!eq || eq == kv) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--camera-option expects KEY=VALUE, not '%s'", kv);
    return FALSE;
  }
  g_hash_table_insert(options, g_strndup(kv, (gsize)(eq - kv)),
                      g_strdup(eq + 1));
  return TRUE;
}

/* The camera's options: the configured ones unless --camera names another
 * backend, then each --camera-option on top. NULL on a malformed option. */
static GHashTable *diagnose_camera_options(const KioskConfig *config,
                                           gboolean from_config, char **extra,
                                           GError **error)
{
  g_autoptr(GHashTable) options =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

  if (from_config && config->camera_options) {
    GHashTableIter iter;
    gpointer k, v;

    g_hash_table_iter_init(&iter, config->camera_options);
    while (g_hash_table_iter_next(&iter, &k, &v))
      g_hash_table_insert(options, g_strdup(k), g_strdup(v));
  }
  for (gsize i = 0; extra && extra[i]; i++)
    if (!diagnose_parse_option(options, extra[i], error))
      return NULL;
  return g_steal_pointer(&options);
}

static void diagnose_print(const DiagnoseReport *report, gboolean json)
{
  g_autofree char *text = NULL;

  if (json) {
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *out = NULL;

    diagnose_json(b, report);
    root = json_builder_get_root(b);
    json_generator_set_pretty(gen, TRUE);
    json_generator_set_root(gen, root);
    out = json_generator_to_data(gen, NULL);
    printf("%s\n", out);
    return;
  }
  text = diagnose_report_text(report);
  fputs(text, stdout);
}

static int diagnose_run(int argc, char **argv)
{
  g_auto(CommandConfig) cc = {0};
  g_autofree char *camera_backend = NULL;
  g_auto(GStrv) camera_options = NULL;
  gboolean json = FALSE;
  gboolean no_shot = FALSE;
  gboolean camera_only = FALSE;
  const GOptionEntry entries[] = {
      {"json", 0, 0, G_OPTION_ARG_NONE, &json,
       "Machine-readable output (docs/camera.md)", NULL},
      {"camera", 0, 0, G_OPTION_ARG_STRING, &camera_backend,
       "Camera backend instead of devices.camera", "BACKEND"},
      {"camera-option", 0, 0, G_OPTION_ARG_STRING_ARRAY, &camera_options,
       "Camera option (repeatable; with --camera, replaces the configured "
       "ones)",
       "KEY=VALUE"},
      {"no-test-shot", 0, 0, G_OPTION_ARG_NONE, &no_shot,
       "Do not take a test shot", NULL},
      {"camera-only", 0, 0, G_OPTION_ARG_NONE, &camera_only,
       "Check the camera only", NULL},
      {NULL},
  };
  g_autoptr(GOptionContext) ctx =
      g_option_context_new("- device self-test for technicians");
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskConfig) config = NULL;
  g_autoptr(GHashTable) cam_opts = NULL;
  g_autoptr(DiagnoseReport) report = NULL;
  const char *backend;

  g_option_context_set_description(
      ctx, "Opens each configured device, describes it and, for the camera,\n"
           "reads its settings and takes a test shot (kept in memory only).\n"
           "Exit status 1 when a device is missing or failed.\n");
  g_option_context_add_main_entries(ctx, entries, NULL);
  command_config_add_options(&cc, ctx);
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    return kiosk_usage_error(CMD, "%s", error->message);
  if (argc > 1)
    return kiosk_usage_error(CMD, "unexpected argument '%s'", argv[1]);

  config = command_config_load(&cc, &error);
  if (!config)
    return kiosk_usage_error(CMD, "%s", error->message);
  /* Before any device is opened: a camera library may start threads, and
   * the reader's preparation may set the environment. */
  config_resolve_option_paths(config, config->reader_options);
  if (!camera_only &&
      !fpreader_prepare(config->reader_backend, config->reader_options,
                        &error) &&
      /* An unfit reader is what the report is for: its line says so. */
      !g_error_matches(error, DRIVERS_ERROR, DRIVERS_ERROR_UNSUPPORTED))
    return kiosk_usage_error(CMD, "reader: %s", error->message);
  g_clear_error(&error);

  backend = camera_backend ? camera_backend : config->camera_backend;
  cam_opts = diagnose_camera_options(config, camera_backend == NULL,
                                     camera_options, &error);
  if (!cam_opts)
    return kiosk_usage_error(CMD, "%s", error->message);
  if (!camera_driver_find(backend))
    return kiosk_usage_error(CMD, "no camera backend named '%s'", backend);
  config_resolve_option_paths(config, cam_opts);

  report = diagnose_devices(config, backend, cam_opts, !no_shot, camera_only);
  diagnose_print(report, json);
  return report->ok ? EXIT_OK : EXIT_NEGATIVE;
}

const KioskCommand kiosk_cmd_diagnose = {
    .name = "diagnose",
    .summary = "device self-test for technicians (camera test shot included)",
    .run = diagnose_run,
};
