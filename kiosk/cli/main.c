/* biokiosk's entry point and composition root: picks the subcommand and, for
 * the commands that show screens (run, demo), wires the SDL front end (ui/)
 * to the application core through the Frontend interface. The only file that
 * sees both kiosk/ and ui/. */
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "appointments.h"
#include "bk-config.h"
#include "commands.h"
#include "settings.h"
#include "demo-media.h"
#include "demo.h"
#include "fpreader.h"
#include "i18n.h"
#include "log.h"
#include "resources.h"
#include "training.h"
#include "ui-audio.h"
#include "ui.h"

/* ---- the SDL front end behind the Frontend interface -------------------- */

static void fe_render(gpointer data, const KioskView *view)
{
  ui_render(data, view);
}

static gboolean fe_next_intent(gpointer data, int timeout_ms,
                               KioskIntent *ret_intent)
{
  return ui_next_intent(data, timeout_ms, ret_intent);
}

static void fe_wake(gpointer data)
{
  ui_wake(data);
}

static gboolean fe_press(gpointer data, const char *target)
{
  return ui_press(data, target);
}

static gboolean fe_screenshot(gpointer data, const char *path, GError **error)
{
  return ui_screenshot(data, path, error);
}

static gpointer fe_audio_open(const char *device, int rate,
                              void (*pull)(gpointer, gint16 *, int),
                              gpointer pull_data, GError **error)
{
  return ui_audio_open(device, rate, pull, pull_data, error);
}

static void fe_audio_close(gpointer handle)
{
  ui_audio_close(handle);
}

static Frontend frontend_for(Ui *ui)
{
  return (Frontend){
      .render = fe_render,
      .next_intent = fe_next_intent,
      .wake = fe_wake,
      .press = fe_press,
      .screenshot = fe_screenshot,
      .data = ui,
      .audio_open = fe_audio_open,
      .audio_close = fe_audio_close,
  };
}

/* ---- options both screen commands share ---------------------------------- */

typedef struct {
  CommandConfig config;
  gboolean headless;
  gboolean fullscreen;
} ScreenOptions;

static void screen_options_clear(ScreenOptions *o)
{
  command_config_clear(&o->config);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ScreenOptions, screen_options_clear)

static void add_screen_options(GOptionContext *ctx, ScreenOptions *o)
{
  const GOptionEntry entries[] = {
      {"headless", 0, 0, G_OPTION_ARG_NONE, &o->headless,
       "Render off screen even when a display is available", NULL},
      {"fullscreen", 0, 0, G_OPTION_ARG_NONE, &o->fullscreen,
       "Cover the whole screen (the kiosk under cage, docs/appliance.md)",
       NULL},
      {NULL},
  };
  command_config_add_options(&o->config, ctx);
  g_option_context_add_main_entries(ctx, entries, NULL);
}

/* Before any screen or worker thread: gettext's language is process-wide. */
static void select_language(const KioskConfig *config)
{
  if (!i18n_init(config->language))
    log_event(G_LOG_LEVEL_MESSAGE, LOG_EVENT_LANGUAGE_MISSING, NULL,
              "no '%s' texts in %s; showing English", config->language,
              i18n_locale_dir());
}

static Ui *open_ui(const KioskConfig *config, const ScreenOptions *o,
                   GError **error)
{
  /* Every language the applicant may pick needs its script's face. */
  g_auto(GStrv) scripts = i18n_available_scripts();
  UiOptions options = {
      .width = 1280,
      .height = 800,
      .headless = o->headless,
      .fullscreen = o->fullscreen,
      .font_path = BK_FONT_PATH,
      .location = config->location_name,
      .scripts = (const char *const *)scripts,
  };
  return ui_new(&options, error);
}

/* ---- biokiosk run
 * ------------------------------------------------------------ */

/* --exit-after-first-frame: report when the check-in screen was first
 * presented, on CLOCK_MONOTONIC (comparable across processes, so bench/ can
 * subtract the moment it started us), and stop. */
static gboolean first_frame(gpointer data)
{
  gboolean *exit_now = data;

  if (!*exit_now)
    return TRUE;
  fprintf(stderr, "first-frame-monotonic-us %" G_GINT64_FORMAT "\n",
          g_get_monotonic_time());
  return FALSE;
}

/* A kiosk that seals to a real back-office key takes real applicants: the
 * shipped demo PIN, which anyone can read in the documentation, must not
 * guard its officer mode unless the operator says so. */
static gboolean run_check_pin(const KioskConfig *config, gboolean allow,
                              GError **error)
{
  /* Allowed, app_new() still warns in the log and on every screen. */
  if (allow || !*config->backoffice_public_key || !app_uses_demo_pin(config))
    return TRUE;
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
              "officer.pin_hash is the shipped demo PIN, but "
              "paths.backoffice_public_key is a real key: set a PIN of your "
              "own, or pass --allow-demo-pin");
  return FALSE;
}

/* The upload target and every file [upload] names, checked before any
 * record is touched: a bad one stops the kiosk here (exit 2). */
static gboolean run_check_upload(const KioskConfig *config, GError **error)
{
  g_auto(TransportOptions) options = {0};
  g_autofree char *target = NULL;

  return settings_upload_target(config, &target, &options, error);
}

static int cmd_run(int argc, char **argv)
{
  g_auto(ScreenOptions) o = {0};
  g_autoptr(GOptionContext) ctx =
      g_option_context_new("- the touchscreen kiosk");
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskConfig) config = NULL;
  g_autoptr(Ui) ui = NULL;
  App *app;
  Frontend fe;
  int status;
  gboolean once = FALSE;
  gboolean allow_demo_pin = FALSE;
  gboolean training = FALSE;
  g_autofree char *scenario = NULL;
  const GOptionEntry extra[] = {
      {"training", 0, 0, G_OPTION_ARG_NONE, &training,
       "Training mode: simulated devices, a schedule for today, a training "
       "key and queue of its own (docs/training.md)",
       NULL},
      {"scenario", 0, 0, G_OPTION_ARG_STRING, &scenario,
       "Training: the camera shows this scenario (docs/training-scenarios.md)",
       "ID"},
      {"exit-after-first-frame", 0, 0, G_OPTION_ARG_NONE, &once,
       "Quit as soon as the check-in screen is shown (start-up check)", NULL},
      {"allow-demo-pin", 0, 0, G_OPTION_ARG_NONE, &allow_demo_pin,
       "Start even though a real back-office key is configured with the "
       "shipped demo officer PIN",
       NULL},
      {NULL},
  };

  add_screen_options(ctx, &o);
  g_option_context_add_main_entries(ctx, extra, NULL);
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    return kiosk_usage_error("run", "%s", error->message);
  if (argc > 1)
    return kiosk_usage_error("run", "unexpected argument '%s'", argv[1]);
  if (scenario && !training)
    return kiosk_usage_error("run", "--scenario is for --training");
  config = command_config_load(&o.config, &error);
  if (!config || (training && !training_prepare(config, scenario, &error)) ||
      !settings_check_state_dir(config, &error) ||
      !run_check_pin(config, allow_demo_pin, &error) ||
      !run_check_upload(config, &error))
    return kiosk_usage_error("run", "%s", error->message);
  select_language(config);
  /* Sets what the reader library reads from the environment: no thread yet. */
  if (!fpreader_prepare(config->reader_backend, config->reader_options, &error))
    return kiosk_usage_error("run", "%s", error->message);
  ui = open_ui(config, &o, &error);
  if (!ui)
    return kiosk_usage_error("run", "%s", error->message);
  app = app_new(config, &error);
  if (!app || (training && !training_start(app, config, stdout, &error))) {
    app_free(app);
    return kiosk_usage_error("run", "%s", error->message);
  }
  fe = frontend_for(ui);
  status = app_run(app, &fe, first_frame, &once);
  app_free(app);
  return status;
}

/* ---- biokiosk demo
 * ----------------------------------------------------------- */

/* Makes the demo's own folders (a screens or state folder a previous demo
 * left is cleared, anything else refused), points the configuration at the
 * state folder and draws the simulated camera's portraits. */
static gboolean demo_prepare_files(KioskConfig *config, const char *state_dir,
                                   const char *screens, GError **error)
{
  g_autofree char *set_state = g_strdup_printf("paths.state_dir=%s", state_dir);
  g_autofree char *media = NULL;
  const char *folder;

  if (!demo_media_prepare_folder(screens, error) ||
      !demo_media_prepare_folder(state_dir, error) ||
      !config_override(config, set_state, error))
    return FALSE;
  /* The simulated camera serves the demo's portrait. */
  folder = g_hash_table_lookup(config->camera_options, "folder");
  media = config_resolve_path(config, folder ? folder : "demo-media/camera");
  return demo_media_write_portraits(media, error);
}

/* Runs the sample family through the kiosk and delivers their records. */
static int demo_play(KioskConfig *config, Ui *ui, const char *code,
                     const char *state_dir, const char *screens)
{
  g_autoptr(GError) error = NULL;
  /* [upload] target when set (docs/delivery.md), else the outbox. */
  gboolean remote = config->upload_target && *config->upload_target;
  g_autofree char *outbox = remote
                                ? g_strdup(config->upload_target)
                                : config_resolve_path(config, config->outbox);
  g_auto(GStrv) ids = NULL;
  guint imported = 0, delivered = 0;
  Frontend fe = frontend_for(ui);
  App *app = app_new(config, &error);

  if (!app)
    return kiosk_usage_error("demo", "%s", error->message);
  if (!appointments_import_data(app_database(app), resources_sample_schedule(),
                                -1, &imported, &error)) {
    app_free(app);
    return kiosk_usage_error("demo", "sample schedule: %s", error->message);
  }
  ids = demo_run(app, &fe, code, NULL, screens, &error);
  if (!ids || !app_upload(app, &delivered, &error)) {
    app_free(app);
    fprintf(stderr, "biokiosk demo: %s%s\n", ids ? "upload: " : "",
            error->message);
    return EXIT_NEGATIVE;
  }
  app_free(app);
  /* A demo that delivers nothing has shown nothing works. */
  if (delivered == 0 || delivered < g_strv_length(ids)) {
    fprintf(stderr, "biokiosk demo: %u of %u records delivered to %s\n",
            delivered, g_strv_length(ids), outbox);
    return EXIT_NEGATIVE;
  }
  printf("screens: %s\n", screens);
  for (char **id = ids; *id; id++)
    printf("record: %s\n", *id);
  printf("%s: %s (%u delivered)\n", remote ? "target" : "outbox", outbox,
         delivered);
  printf("open a record (back-office side): biokiosk record open "
         "--secret-key %s/backoffice-demo.sk %s%s<record>.bkrec\n",
         state_dir, remote ? "" : outbox, remote ? "" : "/");
  return EXIT_OK;
}

static int cmd_demo(int argc, char **argv)
{
  g_auto(ScreenOptions) o = {0};
  g_autoptr(GOptionContext) ctx =
      g_option_context_new("- one appointment end to end, simulated devices");
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskConfig) config = NULL;
  g_autoptr(Ui) ui = NULL;
  g_autofree char *out = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *code = NULL;
  g_autofree char *state_dir = NULL;
  g_autofree char *screens = NULL;
  const GOptionEntry extra[] = {
      {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
       "Folder for screenshots and the demo's state (default: biokiosk-demo)",
       "DIR"},
      {"code", 0, 0, G_OPTION_ARG_STRING, &code,
       "Appointment code to check in with (default: the sample family)",
       "CODE"},
      {NULL},
  };

  add_screen_options(ctx, &o);
  g_option_context_add_main_entries(ctx, extra, NULL);
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    return kiosk_usage_error("demo", "%s", error->message);
  if (argc > 1)
    return kiosk_usage_error("demo", "unexpected argument '%s'", argv[1]);
  dir = g_canonicalize_filename(out ? out : "biokiosk-demo", NULL);
  state_dir = g_build_filename(dir, "state", NULL);
  screens = g_build_filename(dir, "screens", NULL);
  config = command_config_load(&o.config, &error);
  if (!config)
    return kiosk_usage_error("demo", "%s", error->message);
  if (!demo_check_devices(config, &error))
    return kiosk_usage_error("demo", "%s", error->message);
  select_language(config);
  /* Sets what the reader library reads from the environment: no thread yet. */
  if (!fpreader_prepare(config->reader_backend, config->reader_options, &error))
    return kiosk_usage_error("demo", "%s", error->message);
  if (!demo_prepare_files(config, state_dir, screens, &error) ||
      !run_check_upload(config, &error))
    return kiosk_usage_error("demo", "%s", error->message);
  ui = open_ui(config, &o, &error);
  if (!ui)
    return kiosk_usage_error("demo", "%s", error->message);
  return demo_play(config, ui, code ? code : DEMO_CODE, state_dir, screens);
}

/* ---- dispatch
 * ----------------------------------------------------------------- */

static const KioskCommand screen_commands[] = {
    {"run", "The touchscreen kiosk (the default command)", cmd_run},
    {"demo", "One appointment end to end with simulated devices", cmd_demo},
};

static const KioskCommand *find_command(const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS(screen_commands); i++)
    if (g_str_equal(screen_commands[i].name, name))
      return &screen_commands[i];
  return kiosk_command_find(name);
}

static void print_help(FILE *out)
{
  fprintf(out, "Usage: biokiosk [COMMAND] [OPTION...]\n\n"
               "Biometric capture kiosk for an IND desk.\n\n"
               "Commands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS(screen_commands); i++)
    fprintf(out, "  %-16s %s\n", screen_commands[i].name,
            screen_commands[i].summary);
  for (gsize i = 0; kiosk_commands[i]; i++)
    fprintf(out, "  %-16s %s\n", kiosk_commands[i]->name,
            kiosk_commands[i]->summary);
  fprintf(out, "\nRun 'biokiosk COMMAND --help' for a command's options.\n"
               "Exit status: 0 success, 1 a negative verdict, 2 usage or "
               "input error.\n");
}

int main(int argc, char **argv)
{
  const KioskCommand *command;

  setlocale(LC_ALL, "");
  log_init();
  if (argc < 2 || argv[1][0] == '-') {
    if (argc >= 2 &&
        (g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h"))) {
      print_help(stdout);
      return EXIT_OK;
    }
    if (argc >= 2 && g_str_equal(argv[1], "--version")) {
      printf("biokiosk %s\n", BK_VERSION);
      return EXIT_OK;
    }
    /* No command: run, with any options given. */
    return cmd_run(argc, argv);
  }
  if (g_str_equal(argv[1], "help")) {
    print_help(stdout);
    return EXIT_OK;
  }
  command = find_command(argv[1]);
  if (!command)
    return kiosk_usage_error(
        NULL, "unknown command '%s' (see 'biokiosk --help')", argv[1]);
  return command->run(argc - 1, argv + 1);
}
