/* The simulated camera ("sim"): a person in front of a camera, played from a
 * folder of JPEG files, for the demo, training and tests of everything above
 * the driver. Chosen only by name in the configuration, never as a stand-in
 * for a missing real camera. Files are read into memory as they are; nothing
 * is written anywhere.
 *
 * Subjects. The folder holds, per subject (a person, or a training
 * scenario):
 *   <subject>.jpg      the still: what capture() returns;
 *   <subject>~NN.jpg   live-view frames (NN: digits), served in name order
 *                      and round again, so the live view moves a little.
 * A subject may have either or both: without frames the live view shows the
 * still, without a still capture() returns its first frame. Any other JPEG
 * name is a subject of its own, so a plain folder of arbitrary JPEGs is a
 * set of subjects whose live view is their still. (.jpeg and upper case
 * extensions count too; dot files do not.)
 *
 * Only one subject is in front of the camera at a time: live view and
 * stills both come from it, so the applicant never turns into somebody else.
 * The first subject in name order, unless option "subject" names another:
 * by name, or "#N" for the Nth in name order (from 1; the kiosk puts person
 * N of an appointment in front of the camera that way). At run time the
 * sim-only setting "subject" switches it (set_setting, same values;
 * DRIVERS_ERROR_INVALID for one the folder lacks), and get_setting reads
 * "subject" (the current one) and "subjects" (all, comma-separated, in name
 * order; read-only). Switching starts the new subject's frames from the
 * first. A real camera answers DRIVERS_ERROR_UNSUPPORTED to both names, so a
 * caller may set the subject whatever the backend.
 *
 * Other options: "still" (a fixed still file for every subject, relative to
 * the folder unless absolute), "fps" (live frames at that pace). */
#include "camera-backends.h"

#include "bk-config.h"

#include <string.h>

typedef struct {
  char *name;
  char *still;       /* full path of <name>.jpg, or NULL */
  GPtrArray *frames; /* full paths of <name>~NN.jpg, sorted by name */
} CameraSimSubject;

typedef struct {
  char *folder;
  char *still;          /* option still: a fixed still file, or NULL */
  GPtrArray *subjects;  /* CameraSimSubject, sorted by name */
  guint images;         /* JPEG files found */
  CameraSimSubject *on; /* the subject in front of the camera */
  guint next_frame;     /* index into on->frames */
  GHashTable *settings; /* kiosk setting name -> current value */
  gint64 frame_us;      /* option fps: one live frame per this; 0 = at once */
  gint64 next_frame_us; /* monotonic time the next live frame is due */
} CameraSim;

#define CAMERA_SIM_MAX_FPS 240

/* The sim-only settings (see the header comment). */
#define CAMERA_SIM_SUBJECT  "subject"
#define CAMERA_SIM_SUBJECTS "subjects"

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

static void camera_sim_subject_free(gpointer p)
{
  CameraSimSubject *subject = p;

  g_free(subject->name);
  g_free(subject->still);
  g_ptr_array_unref(subject->frames);
  g_free(subject);
}

static void camera_sim_close(gpointer priv)
{
  CameraSim *sim = priv;

  if (!sim)
    return;
  g_free(sim->folder);
  g_free(sim->still);
  if (sim->subjects)
    g_ptr_array_unref(sim->subjects);
  if (sim->settings)
    g_hash_table_unref(sim->settings);
  g_free(sim);
}

/* The name without its JPEG extension, or NULL when it is not a JPEG's
 * name (or a dot file). */
static char *camera_sim_jpeg_stem(const char *name)
{
  g_autofree char *lower = g_ascii_strdown(name, -1);
  gsize len = strlen(name);

  if (name[0] == '.')
    return NULL;
  if (g_str_has_suffix(lower, ".jpg"))
    return g_strndup(name, len - 4);
  if (g_str_has_suffix(lower, ".jpeg"))
    return g_strndup(name, len - 5);
  return NULL;
}

/* Splits "<subject>~NN" into the subject's name (returned) and TRUE in
 * `ret_frame`; any other stem is a still of the subject of that name. */
static char *camera_sim_subject_of(const char *stem, gboolean *ret_frame)
{
  const char *tilde = strrchr(stem, '~');

  *ret_frame = FALSE;
  if (!tilde || tilde == stem || !tilde[1])
    return g_strdup(stem);
  for (const char *p = tilde + 1; *p; p++)
    if (!g_ascii_isdigit(*p))
      return g_strdup(stem);
  *ret_frame = TRUE;
  return g_strndup(stem, (gsize)(tilde - stem));
}

static gint camera_sim_compare_paths(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static gint camera_sim_compare_subjects(gconstpointer a, gconstpointer b)
{
  const CameraSimSubject *sa = *(CameraSimSubject *const *)a;
  const CameraSimSubject *sb = *(CameraSimSubject *const *)b;

  return strcmp(sa->name, sb->name);
}

/* Adds the file `name` of the folder to its subject. */
static void camera_sim_add_file(CameraSim *sim, GHashTable *by_name,
                                const char *name)
{
  g_autofree char *stem = camera_sim_jpeg_stem(name);
  g_autofree char *key = NULL, *path = NULL;
  CameraSimSubject *subject;
  gboolean frame;

  if (!stem)
    return;
  key = camera_sim_subject_of(stem, &frame);
  subject = g_hash_table_lookup(by_name, key);
  if (!subject) {
    subject = g_new0(CameraSimSubject, 1);
    subject->name = g_strdup(key);
    subject->frames = g_ptr_array_new_with_free_func(g_free);
    g_hash_table_insert(by_name, subject->name, subject);
    g_ptr_array_add(sim->subjects, subject);
  }
  sim->images++;
  path = g_build_filename(sim->folder, name, NULL);
  if (frame) {
    g_ptr_array_add(subject->frames, g_steal_pointer(&path));
  } else if (!subject->still || strcmp(path, subject->still) < 0) {
    /* "a.jpg" and "a.jpeg" both: the first by name is the still. */
    g_free(subject->still);
    subject->still = g_steal_pointer(&path);
  }
}

/* Reads the folder into subjects, sorted by name. */
static void camera_sim_scan(CameraSim *sim, GDir *dir)
{
  g_autoptr(GHashTable) by_name = g_hash_table_new(g_str_hash, g_str_equal);
  const char *name;

  while ((name = g_dir_read_name(dir)))
    camera_sim_add_file(sim, by_name, name);
  g_ptr_array_sort(sim->subjects, camera_sim_compare_subjects);
  for (guint i = 0; i < sim->subjects->len; i++) {
    CameraSimSubject *subject = g_ptr_array_index(sim->subjects, i);
    g_ptr_array_sort(subject->frames, camera_sim_compare_paths);
  }
}

static CameraSimSubject *camera_sim_find(CameraSim *sim, const char *name)
{
  for (guint i = 0; i < sim->subjects->len; i++) {
    CameraSimSubject *subject = g_ptr_array_index(sim->subjects, i);
    if (g_str_equal(subject->name, name))
      return subject;
  }
  return NULL;
}

/* Puts subject `name` ("#N": the Nth by name, from 1) in front of the
 * camera; its frames start afresh. */
static gboolean camera_sim_choose(CameraSim *sim, const char *name,
                                  GError **error)
{
  CameraSimSubject *subject = camera_sim_find(sim, name);
  guint64 n = 0;

  if (!subject && name[0] == '#' &&
      g_ascii_string_to_unsigned(name + 1, 10, 1, MAX(sim->subjects->len, 1),
                                 &n, NULL) &&
      n <= sim->subjects->len)
    subject = g_ptr_array_index(sim->subjects, n - 1);

  if (!subject) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                "camera 'sim': no subject '%s' in the folder (%s.jpg or "
                "%s~NN.jpg)",
                name, name, name);
    return FALSE;
  }
  sim->on = subject;
  sim->next_frame = 0;
  return TRUE;
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

/* Options still, fps and subject, once the folder is read. */
static gboolean camera_sim_apply_options(CameraSim *sim, DeviceOptions *options,
                                         GError **error)
{
  const char *still = device_option(options, "still", NULL);
  const char *subject = device_option(options, CAMERA_SIM_SUBJECT, NULL);

  if (still && *still) {
    sim->still = g_path_is_absolute(still)
                     ? g_strdup(still)
                     : g_build_filename(sim->folder, still, NULL);
    if (!g_file_test(sim->still, G_FILE_TEST_IS_REGULAR)) {
      g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                  "camera 'sim': still file '%s' not found in the folder",
                  still);
      return FALSE;
    }
  }
  if (!camera_sim_parse_fps(sim, device_option(options, "fps", NULL), error))
    return FALSE;
  if (sim->subjects->len == 0 && !sim->still) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND,
                "camera 'sim': no *.jpg files in the folder");
    return FALSE;
  }
  if (subject && *subject)
    return camera_sim_choose(sim, subject, error);
  sim->on = sim->subjects->len ? g_ptr_array_index(sim->subjects, 0) : NULL;
  return TRUE;
}

static gpointer camera_sim_open(DeviceOptions *options, GError **error)
{
  const char *folder = device_option(options, "folder", NULL);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) local = NULL;
  CameraSim *sim;

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
  sim->subjects = g_ptr_array_new_with_free_func(camera_sim_subject_free);
  camera_sim_scan(sim, dir);
  if (!camera_sim_apply_options(sim, options, error)) {
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
  ret_info->extra =
      g_strdup_printf("%u images, %u subjects, subject %s", sim->images,
                      sim->subjects->len, sim->on ? sim->on->name : "(none)");
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
  GPtrArray *frames = sim->on ? sim->on->frames : NULL;
  const char *path;

  camera_sim_pace(sim);
  if (!frames || frames->len == 0)
    return camera_sim_read(
        sim->on && sim->on->still ? sim->on->still : sim->still, error);
  path = g_ptr_array_index(frames, sim->next_frame % frames->len);
  sim->next_frame = (sim->next_frame + 1) % frames->len;
  return camera_sim_read(path, error);
}

static GBytes *camera_sim_capture(gpointer priv, GError **error)
{
  CameraSim *sim = priv;

  if (sim->still)
    return camera_sim_read(sim->still, error);
  if (sim->on->still)
    return camera_sim_read(sim->on->still, error);
  return camera_sim_read(g_ptr_array_index(sim->on->frames, 0), error);
}

/* "subjects": the names, comma-separated, in name order. */
static char *camera_sim_subject_list(CameraSim *sim)
{
  GString *list = g_string_new(NULL);

  for (guint i = 0; i < sim->subjects->len; i++) {
    CameraSimSubject *subject = g_ptr_array_index(sim->subjects, i);
    g_string_append_printf(list, "%s%s", i ? "," : "", subject->name);
  }
  return g_string_free(list, FALSE);
}

static char *camera_sim_get_setting(gpointer priv, const char *name,
                                    GError **error)
{
  CameraSim *sim = priv;
  const char *value = g_hash_table_lookup(sim->settings, name);

  if (g_str_equal(name, CAMERA_SIM_SUBJECT))
    return g_strdup(sim->on ? sim->on->name : "");
  if (g_str_equal(name, CAMERA_SIM_SUBJECTS))
    return camera_sim_subject_list(sim);
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

  if (g_str_equal(name, CAMERA_SIM_SUBJECT))
    return camera_sim_choose(sim, value, error);
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
    .description = "simulated camera: subjects (a still and live frames each) "
                   "from a folder of JPEG files",
    .open = camera_sim_open,
    .close = camera_sim_close,
    .describe = camera_sim_describe,
    .preview = camera_sim_preview,
    .capture = camera_sim_capture,
    .get_setting = camera_sim_get_setting,
    .set_setting = camera_sim_set_setting,
};
