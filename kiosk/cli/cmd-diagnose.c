/* `biokiosk diagnose [--json]`: the technician's device self-test. For the
 * camera: found or not, identity, port, the six settings and a test shot
 * (size and time; the image itself is dropped in memory, never written).
 * The reader and the pad are opened and described through their generic
 * interfaces. Exit 0 when every device answered, 1 when one did not. */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "camera.h"
#include "commands.h"
#include "cmd-json.h"
#include "settings.h"
#include "fpreader.h"
#include "jpegio.h"
#include "pad.h"

#define CMD "diagnose"

static const char *const diagnose_settings[] = {
    "iso",          "aperture",    "shutterspeed",
    "whitebalance", "imageformat", "focusmode",
};

static void diagnose_add_info(JsonBuilder *b, const DeviceInfo *info)
{
  cmd_json_add_string(b, "model", info ? info->model : NULL);
  cmd_json_add_string(b, "serial", info ? info->serial : NULL);
  cmd_json_add_string(b, "firmware", info ? info->firmware : NULL);
  cmd_json_add_string(b, "port", info ? info->port : NULL);
  cmd_json_add_string(b, "extra", info ? info->extra : NULL);
}

static const char *diagnose_error_name(const GError *error)
{
  static const char *const names[] = {
      "unknown-backend", "not-found",   "busy",    "claimed", "disconnected",
      "timeout",         "unsupported", "invalid", "failed",
  };

  if (error && error->domain == DRIVERS_ERROR && error->code >= 0 &&
      error->code < (int)G_N_ELEMENTS(names))
    return names[error->code];
  return "failed";
}

/* Milliseconds rounded to a tenth. */
static void diagnose_add_ms(JsonBuilder *b, double ms)
{
  json_builder_set_member_name(b, "ms");
  json_builder_add_double_value(b, (double)(gint64)(ms * 10 + 0.5) / 10);
}

/* Identity and port; returns FALSE when the camera could not say. */
static gboolean diagnose_camera_describe(JsonBuilder *b, BkCamera *camera,
                                         GString *text)
{
  g_autoptr(GError) error = NULL;
  DeviceInfo info = {0};
  gboolean ok = TRUE;

  if (camera_describe(camera, &info, &error)) {
    diagnose_add_info(b, &info);
    g_string_append_printf(
        text, "%s (serial %s, firmware %s) at %s\n",
        info.model ? info.model : "?", info.serial ? info.serial : "?",
        info.firmware ? info.firmware : "?", info.port ? info.port : "?");
    if (info.extra)
      g_string_append_printf(text, "                   %s\n", info.extra);
  } else {
    diagnose_add_info(b, NULL);
    g_string_append_printf(text, "found, but describe failed: %s\n",
                           error->message);
    ok = FALSE;
  }
  device_info_clear(&info);
  return ok;
}

/* A setting the camera cannot read is shown, not counted as a fault. */
static void diagnose_camera_settings(JsonBuilder *b, BkCamera *camera,
                                     GString *text)
{
  json_builder_set_member_name(b, "settings");
  json_builder_begin_object(b);
  for (gsize i = 0; i < G_N_ELEMENTS(diagnose_settings); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *value =
        camera_get_setting(camera, diagnose_settings[i], &error);
    cmd_json_add_string(b, diagnose_settings[i], value);
    g_string_append_printf(text, "         %-13s %s\n", diagnose_settings[i],
                           value ? value : error->message);
  }
  json_builder_end_object(b);
}

/* One live-view frame: the kiosk's preview depends on it. */
static gboolean diagnose_camera_liveview(JsonBuilder *b, BkCamera *camera,
                                         GString *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) frame = NULL;
  int width = 0, height = 0;
  gint64 start = g_get_monotonic_time();
  gboolean ok = TRUE;
  double ms;

  frame = camera_preview(camera, &error);
  ms = (g_get_monotonic_time() - start) / 1000.0;
  json_builder_set_member_name(b, "liveview");
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "ok");
  json_builder_add_boolean_value(b, frame != NULL);
  diagnose_add_ms(b, ms);
  if (frame) {
    jpegio_probe(g_bytes_get_data(frame, NULL), g_bytes_get_size(frame), &width,
                 &height, NULL);
    json_builder_set_member_name(b, "width");
    json_builder_add_int_value(b, width);
    json_builder_set_member_name(b, "height");
    json_builder_add_int_value(b, height);
    g_string_append_printf(text,
                           "         live view     %dx%d frame, %.0f ms\n",
                           width, height, ms);
  } else {
    cmd_json_add_string(b, "error", error->message);
    /* A camera without live view is a fact to report, not a fault. */
    if (g_error_matches(error, DRIVERS_ERROR, DRIVERS_ERROR_UNSUPPORTED)) {
      g_string_append_printf(text, "         live view     none (%s)\n",
                             error->message);
    } else {
      g_string_append_printf(text, "         live view     FAILED: %s\n",
                             error->message);
      ok = FALSE;
    }
  }
  json_builder_end_object(b);
  return ok;
}

/* The test shot's value (an object); the image is dropped here. */
static gboolean diagnose_camera_test_shot(JsonBuilder *b, BkCamera *camera,
                                          GString *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) jpeg = NULL;
  int width = 0, height = 0;
  gint64 start = g_get_monotonic_time();
  double ms;

  jpeg = camera_capture(camera, &error);
  ms = (g_get_monotonic_time() - start) / 1000.0;
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "ok");
  json_builder_add_boolean_value(b, jpeg != NULL);
  diagnose_add_ms(b, ms);
  if (jpeg) {
    jpegio_probe(g_bytes_get_data(jpeg, NULL), g_bytes_get_size(jpeg), &width,
                 &height, NULL);
    json_builder_set_member_name(b, "bytes");
    json_builder_add_int_value(b, (gint64)g_bytes_get_size(jpeg));
    json_builder_set_member_name(b, "width");
    json_builder_add_int_value(b, width);
    json_builder_set_member_name(b, "height");
    json_builder_add_int_value(b, height);
    g_string_append_printf(text,
                           "         test shot     %dx%d, %zu bytes, "
                           "%.0f ms\n",
                           width, height, g_bytes_get_size(jpeg), ms);
  } else {
    cmd_json_add_string(b, "error", error->message);
    g_string_append_printf(text, "         test shot     FAILED: %s\n",
                           error->message);
  }
  json_builder_end_object(b);
  return jpeg != NULL;
}

/* The camera section; returns FALSE when the camera did not pass. */
static gboolean diagnose_camera(JsonBuilder *b, const char *backend,
                                GHashTable *options, gboolean test_shot,
                                GString *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BkCamera) camera = NULL;
  gboolean ok;
  gint64 start = g_get_monotonic_time();

  json_builder_set_member_name(b, "camera");
  json_builder_begin_object(b);
  cmd_json_add_string(b, "backend", backend);
  camera = camera_open(backend, options, &error);
  json_builder_set_member_name(b, "found");
  json_builder_add_boolean_value(b, camera != NULL);
  json_builder_set_member_name(b, "open_ms");
  json_builder_add_int_value(b, (g_get_monotonic_time() - start) / 1000);
  g_string_append_printf(text, "camera   %-9s ", backend);
  if (!camera) {
    cmd_json_add_string(b, "error", error->message);
    cmd_json_add_string(b, "error_kind", diagnose_error_name(error));
    diagnose_add_info(b, NULL);
    json_builder_end_object(b);
    g_string_append_printf(text, "NOT FOUND: %s\n", error->message);
    return FALSE;
  }
  ok = diagnose_camera_describe(b, camera, text);
  diagnose_camera_settings(b, camera, text);
  ok = diagnose_camera_liveview(b, camera, text) && ok;
  json_builder_set_member_name(b, "test_shot");
  if (test_shot)
    ok = diagnose_camera_test_shot(b, camera, text) && ok;
  else
    json_builder_add_null_value(b);
  json_builder_end_object(b);
  return ok;
}

typedef struct {
  gpointer (*open)(const char *, DeviceOptions *, GError **);
  void (*close)(gpointer);
  gboolean (*describe)(gpointer, DeviceInfo *, GError **);
} GenericDevice;

static gpointer diagnose_reader_open(const char *name, DeviceOptions *options,
                                     GError **error)
{
  return fpreader_open(name, options, error);
}

static gpointer diagnose_pad_open(const char *name, DeviceOptions *options,
                                  GError **error)
{
  return pad_open(name, options, error);
}

static void diagnose_reader_close(gpointer p)
{
  fpreader_close(p);
}
static void diagnose_pad_close(gpointer p)
{
  pad_close(p);
}

static gboolean diagnose_reader_describe(gpointer p, DeviceInfo *info,
                                         GError **error)
{
  return fpreader_describe(p, info, error);
}

static gboolean diagnose_pad_describe(gpointer p, DeviceInfo *info,
                                      GError **error)
{
  return pad_describe(p, info, error);
}

/* The reader and the pad: open, describe, close. */
static gboolean diagnose_generic(JsonBuilder *b, const char *member,
                                 const GenericDevice *dev, const char *backend,
                                 GHashTable *options, GString *text)
{
  g_autoptr(GError) error = NULL;
  gpointer handle = dev->open(backend, options, &error);
  DeviceInfo info = {0};
  gboolean ok = handle != NULL;

  json_builder_set_member_name(b, member);
  json_builder_begin_object(b);
  cmd_json_add_string(b, "backend", backend);
  json_builder_set_member_name(b, "found");
  json_builder_add_boolean_value(b, handle != NULL);
  g_string_append_printf(text, "%-8s %-9s ", member, backend);
  if (handle && dev->describe(handle, &info, &error)) {
    diagnose_add_info(b, &info);
    g_string_append_printf(text, "%s%s%s\n", info.model ? info.model : "?",
                           info.port ? " at " : "", info.port ? info.port : "");
  } else {
    diagnose_add_info(b, NULL);
    cmd_json_add_string(b, "error", error ? error->message : "unknown");
    g_string_append_printf(text, "%s: %s\n", handle ? "FAILED" : "NOT FOUND",
                           error ? error->message : "unknown");
    ok = FALSE;
  }
  device_info_clear(&info);
  if (handle)
    dev->close(handle);
  json_builder_end_object(b);
  return ok;
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

/* The whole report into `b`; FALSE when any device failed. */
static gboolean diagnose_devices(JsonBuilder *b, const KioskConfig *config,
                                 const char *camera_backend,
                                 GHashTable *camera_options, gboolean test_shot,
                                 gboolean camera_only, GString *text)
{
  static const GenericDevice reader = {
      diagnose_reader_open, diagnose_reader_close, diagnose_reader_describe};
  static const GenericDevice pad = {diagnose_pad_open, diagnose_pad_close,
                                    diagnose_pad_describe};
  gboolean ok;

  json_builder_begin_object(b);
  ok = diagnose_camera(b, camera_backend, camera_options, test_shot, text);
  if (!camera_only) {
    config_resolve_option_paths(config, config->pad_options);
    ok = diagnose_generic(b, "reader", &reader, config->reader_backend,
                          config->reader_options, text) &&
         ok;
    ok = diagnose_generic(b, "pad", &pad, config->pad_backend,
                          config->pad_options, text) &&
         ok;
  }
  json_builder_set_member_name(b, "ok");
  json_builder_add_boolean_value(b, ok);
  json_builder_end_object(b);
  return ok;
}

static void diagnose_print(JsonBuilder *b, gboolean json, GString *text,
                           gboolean ok)
{
  if (json) {
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    g_autofree char *out = NULL;

    json_generator_set_pretty(gen, TRUE);
    json_generator_set_root(gen, root);
    out = json_generator_to_data(gen, NULL);
    printf("%s\n", out);
  } else {
    fputs(text->str, stdout);
    printf("%s\n", ok ? "all devices answered" : "SOME DEVICES FAILED");
  }
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
  g_autoptr(JsonBuilder) b = json_builder_new();
  g_autoptr(GString) text = g_string_new(NULL);
  g_autoptr(GHashTable) cam_opts = NULL;
  const char *backend;
  gboolean ok;

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
      !fpreader_prepare(config->reader_backend, config->reader_options, &error))
    return kiosk_usage_error(CMD, "reader: %s", error->message);

  backend = camera_backend ? camera_backend : config->camera_backend;
  cam_opts = diagnose_camera_options(config, camera_backend == NULL,
                                     camera_options, &error);
  if (!cam_opts)
    return kiosk_usage_error(CMD, "%s", error->message);
  if (!camera_driver_find(backend))
    return kiosk_usage_error(CMD, "no camera backend named '%s'", backend);
  config_resolve_option_paths(config, cam_opts);

  ok = diagnose_devices(b, config, backend, cam_opts, !no_shot, camera_only,
                        text);
  diagnose_print(b, json, text, ok);
  return ok ? EXIT_OK : EXIT_NEGATIVE;
}

const KioskCommand kiosk_cmd_diagnose = {
    .name = "diagnose",
    .summary = "device self-test for technicians (camera test shot included)",
    .run = diagnose_run,
};
