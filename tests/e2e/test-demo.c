/* The demo as a user runs it (`biokiosk demo --out DIR`): it exits 0, leaves
 * a screenshot of every screen it passed, stores and delivers sealed records,
 * and two runs give byte-identical screenshots. Also: nothing of the
 * captured photo is readable in the state folder or the outbox. And (issue
 * 14, item 9): its screens are private (files 0600 in folders 0700 that it
 * made, whatever the umask), a folder it did not make is never cleared, it
 * refuses real devices, and it fails when it delivers nothing. */
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "testlib.h"

typedef struct {
  char *dir;
  int status;
  char *out;
  char *err;
} DemoRun;

static void demo_run(DemoRun *run)
{
  const char *bin = g_getenv("BK_BIOKIOSK");
  run->dir = testlib_mkdtemp();
  g_autofree char *out_dir = g_build_filename(run->dir, "demo", NULL);
  const char *argv[] = {bin, "demo", "--headless", "--out", out_dir, NULL};

  run->status = testlib_spawn(argv, NULL, &run->out, &run->err);
}

static void demo_run_clear(DemoRun *run)
{
  testlib_rmtree(run->dir);
  g_free(run->dir);
  g_free(run->out);
  g_free(run->err);
}

static int compare_names(gconstpointer a, gconstpointer b)
{
  return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

static GPtrArray *list_dir(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  const char *name;

  while (d && (name = g_dir_read_name(d)))
    g_ptr_array_add(names, g_strdup(name));
  g_ptr_array_sort(names, compare_names);
  return names;
}

static gboolean names_contain(GPtrArray *names, const char *part)
{
  for (guint i = 0; i < names->len; i++)
    if (strstr(g_ptr_array_index(names, i), part))
      return TRUE;
  return FALSE;
}

/* TRUE when `needle` occurs in any file below `dir`. */
static gboolean tree_contains(const char *dir, const guint8 *needle, gsize n)
{
  g_autoptr(GPtrArray) names = list_dir(dir);

  for (guint i = 0; i < names->len; i++) {
    g_autofree char *path = g_build_filename(dir, names->pdata[i], NULL);
    g_autofree char *data = NULL;
    gsize len;

    if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
      if (tree_contains(path, needle, n))
        return TRUE;
      continue;
    }
    if (g_file_get_contents(path, &data, &len, NULL) && len >= n &&
        memmem(data, len, needle, n))
      return TRUE;
  }
  return FALSE;
}

static void test_demo(void)
{
  DemoRun a = {0}, b = {0};
  g_autofree char *screens_a = NULL, *screens_b = NULL, *outbox = NULL;
  g_autofree char *state = NULL, *portrait = NULL;
  g_autofree char *jpeg = NULL;
  g_autoptr(GPtrArray) shots = NULL, delivered = NULL, shots_b = NULL;
  const char *required[] = {"checkin",      "photo",  "signature",
                            "fingerprints", "review", "done"};
  gsize jpeg_len;
  int records = 0;

  demo_run(&a);
  g_assert_cmpint(a.status, ==, 0);
  screens_a = g_build_filename(a.dir, "demo", "screens", NULL);
  shots = list_dir(screens_a);
  g_assert_cmpuint(shots->len, >=, 6);
  for (gsize i = 0; i < G_N_ELEMENTS(required); i++)
    g_assert_true(names_contain(shots, required[i]));

  /* It says where the screens are and which records it stored. */
  g_assert_nonnull(strstr(a.out, screens_a));
  for (const char *p = a.out; (p = strstr(p, "record: ")); p++)
    records++;
  g_assert_cmpint(records, ==, 2); /* the sample family: two persons */
  outbox = g_build_filename(a.dir, "demo", "state", "outbox", NULL);
  delivered = list_dir(outbox);
  g_assert_cmpuint(delivered->len, ==, 2);
  for (guint i = 0; i < delivered->len; i++) {
    g_autofree char *line =
        g_strdup_printf("record: %.36s", (char *)delivered->pdata[i]);
    g_assert_true(g_str_has_suffix(delivered->pdata[i], ".bkrec"));
    g_assert_nonnull(strstr(a.out, line));
  }

  /* The back office can open each record; the two persons' prints are
   * their own (a simulated reader makes up fingers per person), and so are
   * their photos (the simulated camera shows each person in turn). */
  {
    g_autofree char *secret =
        g_build_filename(a.dir, "demo", "state", "backoffice-demo.sk", NULL);
    char *finger_hash[2] = {NULL, NULL};
    char *photo_hash[2] = {NULL, NULL};

    for (guint i = 0; i < delivered->len && i < 2; i++) {
      g_autofree char *file =
          g_build_filename(outbox, delivered->pdata[i], NULL);
      const char *argv[] = {g_getenv("BK_BIOKIOSK"),
                            "record",
                            "open",
                            "--secret-key",
                            secret,
                            "--json",
                            file,
                            NULL};
      g_autofree char *out = NULL, *err = NULL;
      g_autoptr(JsonParser) parser = json_parser_new();
      JsonArray *parts;

      g_assert_cmpint(testlib_spawn(argv, NULL, &out, &err), ==, 0);
      g_assert_true(json_parser_load_from_data(parser, out, -1, NULL));
      g_assert_cmpstr(
          json_object_get_string_member(
              json_node_get_object(json_parser_get_root(parser)), "signature"),
          ==, "valid");
      parts = json_object_get_array_member(
          json_node_get_object(json_parser_get_root(parser)), "parts");
      for (guint k = 0; k < json_array_get_length(parts); k++) {
        JsonObject *part = json_array_get_object_element(parts, k);
        const char *name = json_object_get_string_member(part, "name");
        const char *sha256 = json_object_get_string_member(part, "sha256");

        if (g_str_equal(name, "finger/right_index"))
          finger_hash[i] = g_strdup(sha256);
        else if (g_str_equal(name, "photo/camera"))
          photo_hash[i] = g_strdup(sha256);
      }
      g_assert_nonnull(finger_hash[i]);
      g_assert_nonnull(photo_hash[i]);
    }
    g_assert_cmpstr(finger_hash[0], !=, finger_hash[1]);
    g_assert_cmpstr(photo_hash[0], !=, photo_hash[1]);
    for (int i = 0; i < 2; i++) {
      g_free(finger_hash[i]);
      g_free(photo_hash[i]);
    }
  }

  /* The camera's JPEG went into the records sealed: no run of its bytes is
   * readable in the database, its WAL or the outbox. */
  state = g_build_filename(a.dir, "demo", "state", NULL);
  portrait =
      g_build_filename(state, "demo-media", "camera", "portrait-01.jpg", NULL);
  g_assert_true(g_file_get_contents(portrait, &jpeg, &jpeg_len, NULL));
  g_assert_cmpuint(jpeg_len, >, 4096);
  g_assert_false(tree_contains(outbox, (guint8 *)jpeg + 2048, 64));
  {
    g_autofree char *db = g_build_filename(state, "kiosk.db", NULL);
    g_autofree char *data = NULL;
    gsize len;
    g_assert_true(g_file_get_contents(db, &data, &len, NULL));
    g_assert_null(memmem(data, len, jpeg + 2048, 64));
  }

  /* Deterministic: a second run gives the same pixels, byte for byte. */
  demo_run(&b);
  g_assert_cmpint(b.status, ==, 0);
  screens_b = g_build_filename(b.dir, "demo", "screens", NULL);
  shots_b = list_dir(screens_b);
  g_assert_cmpuint(shots_b->len, ==, shots->len);
  for (guint i = 0; i < shots->len; i++) {
    g_autofree char *pa = g_build_filename(screens_a, shots->pdata[i], NULL);
    g_autofree char *pb = g_build_filename(screens_b, shots->pdata[i], NULL);
    g_autofree char *da = NULL, *db = NULL;
    gsize la, lb;
    g_assert_true(g_file_get_contents(pa, &da, &la, NULL));
    g_assert_true(g_file_get_contents(pb, &db, &lb, NULL));
    g_assert_cmpmem(da, la, db, lb);
  }
  demo_run_clear(&a);
  demo_run_clear(&b);
}

/* A second demo into the same folder starts afresh; a folder that a demo
 * did not make is refused rather than cleared. */
static void test_demo_out_folder(void)
{
  const char *bin = g_getenv("BK_BIOKIOSK");
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *state = g_build_filename(dir, "state", NULL);
  g_autofree char *precious = g_build_filename(state, "precious.txt", NULL);
  g_autofree char *out = NULL, *err = NULL;
  const char *argv[] = {bin, "demo", "--headless", "--out", dir, NULL};

  g_assert_cmpint(g_mkdir(state, 0700), ==, 0);
  g_assert_true(g_file_set_contents(precious, "keep", -1, NULL));
  g_assert_cmpint(testlib_spawn(argv, NULL, &out, &err), ==, 2);
  g_assert_nonnull(strstr(err, "not made by a demo"));
  g_assert_true(strchr(err, '\n') == err + strlen(err) - 1); /* one line */
  g_assert_true(g_file_test(precious, G_FILE_TEST_EXISTS));
  testlib_rmtree(dir);
}

/* Runs `biokiosk demo --headless --out DIR` with `extra` arguments
 * (NULL-terminated, may be empty); returns the exit status. */
static int demo_with(const char *dir, const char *const *extra, char **ret_err)
{
  const char *argv[16] = {g_getenv("BK_BIOKIOSK"), "demo", "--headless",
                          "--out", dir};
  g_autofree char *out = NULL;
  int n = 5;
  int status;

  for (; *extra && n < 15; extra++)
    argv[n++] = *extra;
  status = testlib_spawn(argv, NULL, &out, ret_err);
  g_test_message("exit %d\n%s%s", status, out, *ret_err);
  return status;
}

static int mode_of(const char *path)
{
  GStatBuf st;

  g_assert_cmpint(g_lstat(path, &st), ==, 0);
  return st.st_mode & 0777;
}

/* Screens hold the photo, the signature, the prints and the name: 0600
 * files in a 0700 folder, even under umask 000. */
static void test_demo_screens_private(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *out = g_build_filename(dir, "demo", NULL);
  g_autofree char *screens = g_build_filename(out, "screens", NULL);
  g_autofree char *state = g_build_filename(out, "state", NULL);
  g_autofree char *err = NULL;
  g_autoptr(GPtrArray) shots = NULL;
  const char *none[] = {NULL};
  mode_t saved = umask(0);
  int status = demo_with(out, none, &err);

  umask(saved);
  g_assert_cmpint(status, ==, 0);
  g_assert_cmpint(mode_of(out), ==, 0700);
  g_assert_cmpint(mode_of(screens), ==, 0700);
  g_assert_cmpint(mode_of(state), ==, 0700);
  shots = list_dir(screens);
  g_assert_cmpuint(shots->len, >=, 6);
  for (guint i = 0; i < shots->len; i++) {
    g_autofree char *path = g_build_filename(screens, shots->pdata[i], NULL);
    g_test_message("%s", (char *)shots->pdata[i]);
    g_assert_cmpint(mode_of(path), ==, 0600);
  }
  testlib_rmtree(dir);
}

/* A screens folder the demo did not make is refused, not cleared. */
static void test_demo_screens_folder_kept(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *screens = g_build_filename(dir, "screens", NULL);
  g_autofree char *precious = g_build_filename(screens, "precious.png", NULL);
  g_autofree char *err = NULL;
  const char *none[] = {NULL};

  g_assert_cmpint(g_mkdir(screens, 0700), ==, 0);
  g_assert_true(g_file_set_contents(precious, "keep", -1, NULL));
  g_assert_cmpint(demo_with(dir, none, &err), ==, 2);
  g_assert_nonnull(strstr(err, "not made by a demo"));
  g_assert_true(strchr(err, '\n') == err + strlen(err) - 1); /* one line */
  g_assert_true(g_file_test(precious, G_FILE_TEST_EXISTS));
  testlib_rmtree(dir);
}

/* Real devices are refused before anything is written. */
static void test_demo_refuses_real_devices(void)
{
  const char *cases[][5] = {
      {"--set", "devices.camera=gphoto2", NULL},
      {"--set", "reader.virtual_image_feed=", NULL},
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *dir = testlib_mkdtemp();
    g_autofree char *out = g_build_filename(dir, "demo", NULL);
    g_autofree char *err = NULL;

    g_assert_cmpint(demo_with(out, cases[i], &err), ==, 2);
    g_assert_nonnull(strstr(err, "simulated devices only"));
    g_assert_true(strchr(err, '\n') == err + strlen(err) - 1);
    g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
    testlib_rmtree(dir);
  }
}

/* An appointment with nothing to capture delivers nothing: not a success. */
static void test_demo_nothing_delivered(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *out = g_build_filename(dir, "demo", NULL);
  g_autofree char *err = NULL;
  const char *on_file[] = {"--code", "61940275", NULL};

  g_assert_cmpint(demo_with(out, on_file, &err), ==, 1);
  g_assert_nonnull(strstr(err, "0 of 0 records delivered"));
  testlib_rmtree(dir);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  if (!g_getenv("BK_BIOKIOSK"))
    testlib_skip_all("BK_BIOKIOSK is not set");
  g_test_add_func("/demo/end-to-end", test_demo);
  g_test_add_func("/demo/out-folder", test_demo_out_folder);
  g_test_add_func("/demo/screens-private", test_demo_screens_private);
  g_test_add_func("/demo/screens-folder-kept", test_demo_screens_folder_kept);
  g_test_add_func("/demo/refuses-real-devices", test_demo_refuses_real_devices);
  g_test_add_func("/demo/nothing-delivered", test_demo_nothing_delivered);
  return g_test_run();
}
