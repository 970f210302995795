/* The simulated camera ("sim"): serves live-view frames and stills from a
 * folder of JPEG files, for the demo and for tests of everything above the
 * driver. Chosen only by name in the configuration, never as a stand-in for
 * a missing real camera. Files are read into memory as they are; nothing is
 * written anywhere. */
#include "camera-backends.h"

#include "bk-config.h"

#include <string.h>

typedef struct {
  char *folder;
  char *still;        /* a fixed still file (full path) or NULL */
  GPtrArray *files;   /* full paths of *.jpg, sorted by name */
  guint next_preview; /* index into files */
  guint next_still;
  GHashTable *settings; /* kiosk setting name -> current value */
  gint64 frame_us;      /* option fps: one live frame per this; 0 = at once */
  gint64 next_frame_us; /* monotonic time the next live frame is due */
} CameraSim;

#define CAMERA_SIM_MAX_FPS 240

/* The six kiosk setting names (see camera.h) and the sim's starting values,
 * which look like what a DSLR in a photo booth would be set to. */
static const struct {
  const char *name;
  const char *initial;
} camera_sim_setting_defaults[] = {
    {"iso", "100"},
    {"aperture", "8"},
    {"shutterspeed", "1/125"},
    {"whitebalance", "Daylight"},
    {"imageformat", "Large Fine JPEG"},
    {"focusmode", "AF-S"},
};

static void camera_sim_close(gpointer priv)
{
  CameraSim *sim = priv;

  if (!sim)
    return;
  g_free(sim->folder);
  g_free(sim->still);
  if (sim->files)
    g_ptr_array_unref(sim->files);
  if (sim->settings)
    g_hash_table_unref(sim->settings);
  g_free(sim);
}

static gboolean camera_sim_is_jpeg_name(const char *name)
{
  g_autofree char *lower = g_ascii_strdown(name, -1);

  return name[0] != '.' &&
         (g_str_has_suffix(lower, ".jpg") || g_str_has_suffix(lower, ".jpeg"));
}

static gint camera_sim_compare_paths(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Option fps: live frames at a camera's pace, like a real live view that
 * hands out a frame when it has one (1..CAMERA_SIM_MAX_FPS; absent = as
 * fast as asked). */
static gboolean camera_sim_parse_fps(CameraSim *sim, const char *value,
                                     GError **error)
{
  guint64 fps = 0;

  if (!value || !*value)
    return TRUE;
  if (!g_ascii_string_to_unsigned(value, 10, 1, CAMERA_SIM_MAX_FPS, &fps,
                                  NULL)) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                "camera 'sim': option fps must be 1..%d, not '%s'",
                CAMERA_SIM_MAX_FPS, value);
    return FALSE;
  }
  sim->frame_us = G_USEC_PER_SEC / (gint64)fps;
  return TRUE;
}

/* Blocks until the next frame is due when a frame rate is set. */
static void camera_sim_pace(CameraSim *sim)
{
  gint64 now = g_get_monotonic_time();

  if (!sim->frame_us)
    return;
  if (sim->next_frame_us > now)
    g_usleep((gulong)(sim->next_frame_us - now));
  /* A late reader does not get a burst of frames to catch up. */
  sim->next_frame_us = MAX(sim->next_frame_us, now) + sim->frame_us;
}

static gpointer camera_sim_open(DeviceOptions *options, GError **error)
{
  const char *folder = device_option(options, "folder", NULL);
  const char *still = device_option(options, "still", NULL);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) local = NULL;
  CameraSim *sim;
  const char *name;

  if (!folder || !*folder) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                "camera 'sim' needs the option 'folder' (a folder of *.jpg)");
    return NULL;
  }
  dir = g_dir_open(folder, 0, &local);
  if (!dir) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND,
                "camera 'sim': cannot open folder: %s", local->message);
    return NULL;
  }

  sim = g_new0(CameraSim, 1);
  sim->folder = g_strdup(folder);
  sim->files = g_ptr_array_new_with_free_func(g_free);
  while ((name = g_dir_read_name(dir)))
    if (camera_sim_is_jpeg_name(name))
      g_ptr_array_add(sim->files, g_build_filename(folder, name, NULL));
  g_ptr_array_sort(sim->files, camera_sim_compare_paths);

  if (still && *still) {
    sim->still = g_path_is_absolute(still)
                     ? g_strdup(still)
                     : g_build_filename(folder, still, NULL);
    if (!g_file_test(sim->still, G_FILE_TEST_IS_REGULAR)) {
      g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                  "camera 'sim': still file '%s' not found in the folder",
                  still);
      camera_sim_close(sim);
      return NULL;
    }
  }
  if (!camera_sim_parse_fps(sim, device_option(options, "fps", NULL), error)) {
    camera_sim_close(sim);
    return NULL;
  }
  if (sim->files->len == 0 && !sim->still) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND,
                "camera 'sim': no *.jpg files in the folder");
    camera_sim_close(sim);
    return NULL;
  }

  sim->settings = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
  for (gsize i = 0; i < G_N_ELEMENTS(camera_sim_setting_defaults); i++)
    g_hash_table_insert(sim->settings,
                        (gpointer)camera_sim_setting_defaults[i].name,
                        g_strdup(camera_sim_setting_defaults[i].initial));
  return sim;
}

static gboolean camera_sim_describe(gpointer priv, DeviceInfo *ret_info,
                                    GError **error)
{
  CameraSim *sim = priv;

  ret_info->backend = g_strdup("sim");
  ret_info->model = g_strdup("Simulated camera");
  ret_info->serial = g_strdup("SIM-0001");
  ret_info->firmware = g_strdup(BK_VERSION);
  ret_info->port = g_strdup_printf("folder:%s", sim->folder);
  ret_info->extra = g_strdup_printf("%u images", sim->files->len);
  return TRUE;
}

/* Reads one file wholly into memory. A file that vanished since open() is a
 * disconnect in camera terms: the worker will reopen. */
static GBytes *camera_sim_read(const char *path, GError **error)
{
  g_autoptr(GError) local = NULL;
  char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents(path, &data, &len, &local)) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_DISCONNECTED,
                "camera 'sim': %s", local->message);
    return NULL;
  }
  return g_bytes_new_take(data, len);
}

static GBytes *camera_sim_preview(gpointer priv, GError **error)
{
  CameraSim *sim = priv;
  const char *path;

  camera_sim_pace(sim);
  if (sim->files->len == 0)
    return camera_sim_read(sim->still, error);
  path = g_ptr_array_index(sim->files, sim->next_preview);
  sim->next_preview = (sim->next_preview + 1) % sim->files->len;
  return camera_sim_read(path, error);
}

static GBytes *camera_sim_capture(gpointer priv, GError **error)
{
  CameraSim *sim = priv;
  const char *path;

  if (sim->still)
    return camera_sim_read(sim->still, error);
  path = g_ptr_array_index(sim->files, sim->next_still);
  sim->next_still = (sim->next_still + 1) % sim->files->len;
  return camera_sim_read(path, error);
}

static char *camera_sim_get_setting(gpointer priv, const char *name,
                                    GError **error)
{
  CameraSim *sim = priv;
  const char *value = g_hash_table_lookup(sim->settings, name);

  if (!value) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_UNSUPPORTED,
                "camera 'sim' has no setting '%s'", name);
    return NULL;
  }
  return g_strdup(value);
}

static gboolean camera_sim_set_setting(gpointer priv, const char *name,
                                       const char *value, GError **error)
{
  CameraSim *sim = priv;
  gpointer key;

  if (!g_hash_table_lookup_extended(sim->settings, name, &key, NULL)) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_UNSUPPORTED,
                "camera 'sim' has no setting '%s'", name);
    return FALSE;
  }
  if (!*value) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                "camera 'sim': empty value for '%s'", name);
    return FALSE;
  }
  g_hash_table_insert(sim->settings, key, g_strdup(value));
  return TRUE;
}

const CameraDriver camera_sim_driver = {
    .name = "sim",
    .description = "simulated camera serving JPEG files from a folder",
    .open = camera_sim_open,
    .close = camera_sim_close,
    .describe = camera_sim_describe,
    .preview = camera_sim_preview,
    .capture = camera_sim_capture,
    .get_setting = camera_sim_get_setting,
    .set_setting = camera_sim_set_setting,
};
