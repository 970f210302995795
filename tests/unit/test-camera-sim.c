/* Unit tests of the simulated camera backend ("sim"): it refuses to open
 * without a folder; it plays one subject at a time (<subject>.jpg the still,
 * <subject>~NN.jpg the live frames), byte for byte, the first by name unless
 * option or setting "subject" chooses another; every other JPEG is a subject
 * of its own; it honours a fixed still, paces live frames at a set rate, and
 * keeps the six settings in a table. */
#include "camera.h"
#include "testlib.h"

#include <glib/gstdio.h>
#include <jpeglib.h>
#include <stdio.h>

/* A tiny solid-colour JPEG made with libjpeg, so the test needs no image
 * files of its own. */
static GBytes *make_jpeg(guint8 grey)
{
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  unsigned char *out = NULL;
  unsigned long out_len = 0;
  guint8 row[16 * 3];
  JSAMPROW rows[1] = {row};
  GBytes *bytes;

  memset(row, grey, sizeof row);
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, &out, &out_len);
  cinfo.image_width = 16;
  cinfo.image_height = 8;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height)
    jpeg_write_scanlines(&cinfo, rows, 1);
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  bytes = g_bytes_new(out, out_len);
  free(out);
  return bytes;
}

typedef struct {
  char *dir;
  GBytes *images[3]; /* a.jpg, b.jpg, c.JPG */
  GHashTable *options;
} Fixture;

static void write_file(const char *dir, const char *name, GBytes *bytes)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data(bytes, &len);

  g_file_set_contents(path, data, (gssize)len, &error);
  g_assert_no_error(error);
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
  static const char *const names[] = {"b.jpg", "a.jpg", "c.JPG"};
  static const int order[] = {1, 0, 2};

  f->dir = testlib_mkdtemp();
  for (int i = 0; i < 3; i++) {
    /* images[] is in name order; written out of order on purpose. */
    f->images[order[i]] = make_jpeg((guint8)(40 + 80 * order[i]));
    write_file(f->dir, names[i], f->images[order[i]]);
  }
  /* Files that are not JPEGs by name are ignored. */
  {
    g_autoptr(GBytes) junk = g_bytes_new_static("not an image", 12);
    write_file(f->dir, "notes.txt", junk);
    write_file(f->dir, ".hidden.jpg", junk);
  }
  f->options = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert(f->options, g_strdup("folder"), g_strdup(f->dir));
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
  for (int i = 0; i < 3; i++)
    g_bytes_unref(f->images[i]);
  g_hash_table_unref(f->options);
  testlib_rmtree(f->dir);
  g_free(f->dir);
}

/* A folder of subjects: anna (a still and three live frames), bob (a still
 * and one frame, numbered without a leading zero), zed (frames only) and
 * "x~y" (a '~' not followed by digits is part of a name). */
typedef struct {
  char *dir;
  GHashTable *options;
  GHashTable *bytes; /* file name -> GBytes written */
} Subjects;

static const char *const subject_files[] = {
    "anna~02.jpg", "anna.jpg",   "anna~01.jpg", "anna~03.jpg", "bob~1.jpg",
    "bob.jpeg",    "zed~01.jpg", "zed~02.JPG",  "x~y.jpg",
};

static void subjects_setup(Subjects *s, gconstpointer data)
{
  s->dir = testlib_mkdtemp();
  s->bytes = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                   (GDestroyNotify)g_bytes_unref);
  for (gsize i = 0; i < G_N_ELEMENTS(subject_files); i++) {
    GBytes *jpeg = make_jpeg((guint8)(10 + 20 * i));
    write_file(s->dir, subject_files[i], jpeg);
    g_hash_table_insert(s->bytes, (gpointer)subject_files[i], jpeg);
  }
  s->options = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert(s->options, g_strdup("folder"), g_strdup(s->dir));
}

static void subjects_teardown(Subjects *s, gconstpointer data)
{
  g_hash_table_unref(s->bytes);
  g_hash_table_unref(s->options);
  testlib_rmtree(s->dir);
  g_free(s->dir);
}

static void assert_file(Subjects *s, GBytes *got, const char *name)
{
  g_assert_nonnull(got);
  if (!g_bytes_equal(got, g_hash_table_lookup(s->bytes, name)))
    g_error("expected the bytes of %s", name);
}

static void assert_preview(Subjects *s, BkCamera *camera, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) frame = camera_preview(camera, &error);

  g_assert_no_error(error);
  assert_file(s, frame, name);
}

static void assert_still(Subjects *s, BkCamera *camera, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) still = camera_capture(camera, &error);

  g_assert_no_error(error);
  assert_file(s, still, name);
}

/* The first subject by name: its frames in turn, its still, whatever the
 * live view showed last. */
static void test_subjects(Subjects *s, gconstpointer data)
{
  static const char *const anna[] = {"anna~01.jpg", "anna~02.jpg",
                                     "anna~03.jpg"};
  g_autoptr(GError) error = NULL;
  g_autoptr(BkCamera) camera = camera_open("sim", s->options, &error);
  g_autofree char *list = NULL;
  DeviceInfo info = {0};

  g_assert_no_error(error);
  for (int i = 0; i < 7; i++) {
    assert_preview(s, camera, anna[i % 3]);
    assert_still(s, camera, "anna.jpg");
  }
  list = camera_get_setting(camera, "subjects", &error);
  g_assert_cmpstr(list, ==, "anna,bob,x~y,zed");
  g_assert_true(camera_describe(camera, &info, &error));
  g_assert_cmpstr(info.extra, ==, "9 images, 4 subjects, subject anna");
  device_info_clear(&info);
}

static void test_subject_option(Subjects *s, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BkCamera) camera = NULL;

  g_hash_table_insert(s->options, g_strdup("subject"), g_strdup("bob"));
  camera = camera_open("sim", s->options, &error);
  g_assert_no_error(error);
  for (int i = 0; i < 3; i++) {
    assert_preview(s, camera, "bob~1.jpg");
    assert_still(s, camera, "bob.jpeg");
  }
  g_clear_pointer(&camera, camera_close);

  /* A subject the folder lacks is a configuration error, said at open. */
  g_hash_table_insert(s->options, g_strdup("subject"), g_strdup("carol"));
  g_assert_null(camera_open("sim", s->options, &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID);
  g_assert_nonnull(strstr(error->message, "'carol'"));
}

/* Switching at run time: the new subject's frames from the first, a
 * subject without a still gives its first frame, an unknown name changes
 * nothing. */
static void test_subject_switch(Subjects *s, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BkCamera) camera = camera_open("sim", s->options, &error);

  g_assert_no_error(error);
  assert_preview(s, camera, "anna~01.jpg");
  assert_preview(s, camera, "anna~02.jpg");
  g_assert_true(camera_set_setting(camera, "subject", "zed", &error));
  assert_preview(s, camera, "zed~01.jpg");
  assert_preview(s, camera, "zed~02.JPG");
  assert_still(s, camera, "zed~01.jpg");
  g_assert_true(camera_set_setting(camera, "subject", "x~y", &error));
  assert_preview(s, camera, "x~y.jpg");
  assert_still(s, camera, "x~y.jpg");
  g_assert_true(camera_set_setting(camera, "subject", "anna", &error));
  g_assert_no_error(error);
  assert_preview(s, camera, "anna~01.jpg");

  /* By number in name order: anna, bob, x~y, zed. */
  g_assert_true(camera_set_setting(camera, "subject", "#2", &error));
  g_assert_no_error(error);
  assert_preview(s, camera, "bob~1.jpg");
  assert_still(s, camera, "bob.jpeg");
  g_assert_true(camera_set_setting(camera, "subject", "#4", &error));
  assert_still(s, camera, "zed~01.jpg");
  g_assert_true(camera_set_setting(camera, "subject", "#1", &error));
  assert_preview(s, camera, "anna~01.jpg");
  assert_preview(s, camera, "anna~02.jpg");
  for (gsize i = 0; i < 4; i++) {
    static const char *const bad[] = {"#0", "#5", "#", "#-1"};
    g_assert_false(camera_set_setting(camera, "subject", bad[i], &error));
    g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID);
    g_clear_error(&error);
  }

  g_assert_false(camera_set_setting(camera, "subject", "carol", &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID);
  g_clear_error(&error);
  g_assert_false(camera_set_setting(camera, "subject", "", &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID);
  g_clear_error(&error);
  assert_preview(s, camera, "anna~03.jpg");
  assert_still(s, camera, "anna.jpg");
}

static void test_registered(void)
{
  const CameraDriver *driver = camera_driver_find("sim");

  g_assert_nonnull(driver);
  g_assert_cmpstr(driver->name, ==, "sim");
  g_assert_nonnull(driver->preview);
  g_assert_nonnull(driver->get_setting);
  g_assert_nonnull(driver->set_setting);
}

static void test_needs_folder(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) options =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  BkCamera *camera;

  camera = camera_open("sim", NULL, &error);
  g_assert_null(camera);
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID);
  g_clear_error(&error);

  camera = camera_open("sim", options, &error);
  g_assert_null(camera);
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID);
  g_clear_error(&error);

  g_hash_table_insert(options, g_strdup("folder"),
                      g_strdup("/nonexistent/biokiosk-sim"));
  camera = camera_open("sim", options, &error);
  g_assert_null(camera);
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND);
}

static void test_empty_folder(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) options =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

  g_hash_table_insert(options, g_strdup("folder"), g_strdup(dir));
  g_assert_null(camera_open("sim", options, &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND);
  testlib_rmtree(dir);
}

static void test_describe(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BkCamera) camera = camera_open("sim", f->options, &error);
  DeviceInfo info = {0};

  g_assert_no_error(error);
  g_assert_true(camera_describe(camera, &info, &error));
  g_assert_cmpstr(info.backend, ==, "sim");
  g_assert_cmpstr(info.model, ==, "Simulated camera");
  g_assert_nonnull(strstr(info.port, f->dir));
  device_info_clear(&info);
  g_assert_null(info.model);
}

/* A plain folder of arbitrary JPEGs: every file is a subject whose live
 * view is its still, and the first by name stays in front of the camera.
 * (Until issue 15 the sim served the files in turn, live view and stills
 * each on their own count, so the applicant turned into someone else
 * between the live view and the still; these tests asserted that.) */
static void test_plain_folder(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BkCamera) camera = camera_open("sim", f->options, &error);
  g_autofree char *subjects = NULL, *subject = NULL;

  g_assert_no_error(error);
  for (int i = 0; i < 5; i++) {
    g_autoptr(GBytes) frame = camera_preview(camera, &error);
    g_autoptr(GBytes) still = camera_capture(camera, &error);
    g_assert_no_error(error);
    g_assert_true(g_bytes_equal(frame, f->images[0]));
    g_assert_true(g_bytes_equal(still, f->images[0]));
  }
  subjects = camera_get_setting(camera, "subjects", &error);
  g_assert_cmpstr(subjects, ==, "a,b,c");
  subject = camera_get_setting(camera, "subject", &error);
  g_assert_cmpstr(subject, ==, "a");
}

/* The next person steps in front of the camera: setting "subject". */
static void test_plain_switch(Fixture *f, gconstpointer data)
{
  static const char *const names[] = {"b", "c", "a"};
  static const int index[] = {1, 2, 0};
  g_autoptr(GError) error = NULL;
  g_autoptr(BkCamera) camera = camera_open("sim", f->options, &error);

  g_assert_no_error(error);
  for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
    g_autoptr(GBytes) frame = NULL, still = NULL;
    g_autofree char *now = NULL;

    g_assert_true(camera_set_setting(camera, "subject", names[i], &error));
    g_assert_no_error(error);
    now = camera_get_setting(camera, "subject", &error);
    g_assert_cmpstr(now, ==, names[i]);
    frame = camera_preview(camera, &error);
    still = camera_capture(camera, &error);
    g_assert_true(g_bytes_equal(frame, f->images[index[i]]));
    g_assert_true(g_bytes_equal(still, f->images[index[i]]));
  }
}

static void test_fixed_still(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BkCamera) camera = NULL;

  g_hash_table_insert(f->options, g_strdup("still"), g_strdup("c.JPG"));
  camera = camera_open("sim", f->options, &error);
  g_assert_no_error(error);
  for (int i = 0; i < 3; i++) {
    g_autoptr(GBytes) still = camera_capture(camera, &error);
    g_assert_no_error(error);
    g_assert_true(g_bytes_equal(still, f->images[2]));
  }

  g_hash_table_insert(f->options, g_strdup("still"), g_strdup("missing.jpg"));
  g_assert_null(camera_open("sim", f->options, &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID);
}

static void test_vanished_file(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BkCamera) camera = camera_open("sim", f->options, &error);
  g_autofree char *path = g_build_filename(f->dir, "a.jpg", NULL);
  g_autoptr(GBytes) frame = NULL;

  g_assert_no_error(error);
  g_assert_cmpint(g_unlink(path), ==, 0);
  frame = camera_preview(camera, &error);
  g_assert_null(frame);
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_DISCONNECTED);
}

static void test_settings(Fixture *f, gconstpointer data)
{
  static const char *const names[] = {"iso",          "aperture",
                                      "shutterspeed", "whitebalance",
                                      "imageformat",  "focusmode"};
  g_autoptr(GError) error = NULL;
  g_autoptr(BkCamera) camera = camera_open("sim", f->options, &error);

  g_assert_no_error(error);
  for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
    g_autofree char *before = camera_get_setting(camera, names[i], &error);
    g_autofree char *value = g_strdup_printf("value-%zu", i);
    g_autofree char *after = NULL;

    g_assert_no_error(error);
    g_assert_nonnull(before);
    g_assert_true(camera_set_setting(camera, names[i], value, &error));
    g_assert_no_error(error);
    after = camera_get_setting(camera, names[i], &error);
    g_assert_cmpstr(after, ==, value);
  }

  g_assert_null(camera_get_setting(camera, "zoom", &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_UNSUPPORTED);
  g_clear_error(&error);
  g_assert_false(camera_set_setting(camera, "zoom", "2", &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_UNSUPPORTED);
  g_clear_error(&error);
  g_assert_false(camera_set_setting(camera, "iso", "", &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID);
}

/* Option fps paces live frames like a camera's live view: never faster
 * than the rate (a lower bound only, so a loaded machine cannot fail it),
 * and a bad rate is refused when the camera is opened. */
static void test_fps(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BkCamera) camera = NULL;
  const char *bad[] = {"0", "-5", "abc", "241", "30fps"};
  gint64 start;

  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_hash_table_insert(f->options, g_strdup("fps"), g_strdup(bad[i]));
    g_assert_null(camera_open("sim", f->options, &error));
    g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID);
    g_clear_error(&error);
  }
  g_hash_table_insert(f->options, g_strdup("fps"), g_strdup("50"));
  camera = camera_open("sim", f->options, &error);
  g_assert_no_error(error);
  start = g_get_monotonic_time();
  for (int i = 0; i < 6; i++) {
    g_autoptr(GBytes) frame = camera_preview(camera, &error);
    g_assert_no_error(error);
    g_assert_nonnull(frame);
  }
  /* Six frames at 50 per second: five intervals of 20 ms at least. */
  g_assert_cmpint(g_get_monotonic_time() - start, >=, 5 * 20000);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/camera/sim/registered", test_registered);
  g_test_add_func("/camera/sim/needs-folder", test_needs_folder);
  g_test_add_func("/camera/sim/empty-folder", test_empty_folder);
#define ADD(path, fn)                                                          \
  g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD("/camera/sim/describe", test_describe);
  ADD("/camera/sim/plain-folder", test_plain_folder);
  ADD("/camera/sim/plain-switch", test_plain_switch);
  g_test_add("/camera/sim/subjects", Subjects, NULL, subjects_setup,
             test_subjects, subjects_teardown);
  g_test_add("/camera/sim/subject-option", Subjects, NULL, subjects_setup,
             test_subject_option, subjects_teardown);
  g_test_add("/camera/sim/subject-switch", Subjects, NULL, subjects_setup,
             test_subject_switch, subjects_teardown);
  ADD("/camera/sim/fixed-still", test_fixed_still);
  ADD("/camera/sim/vanished-file", test_vanished_file);
  ADD("/camera/sim/settings", test_settings);
  ADD("/camera/sim/fps", test_fps);
#undef ADD
  return g_test_run();
}
