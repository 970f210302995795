/* `biokiosk diagnose` against the PTP/IP emulator through the real
 * libgphoto2: the JSON report names the camera, its port and settings and a
 * test shot's size and time, and on the embedded defaults the reader and the
 * pad are found too; a missing camera is exit status 1 with a reason, a bad
 * option exit status 2. */
#include "emulators/ptpip-camera.h"
#include "testlib.h"

#include <json-glib/json-glib.h>
#include <string.h>

static int run_diagnose(const char *const *extra, char **ret_out,
                        char **ret_err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  const char *biokiosk = g_getenv("BK_BIOKIOSK");
  g_auto(GStrv) env = g_get_environ();
  const char *asan = g_environ_getenv(env, "ASAN_OPTIONS");

  /* Under `make test-asan` the kiosk loads libgphoto2's camera modules and
   * unloads them again, so a leak inside them has no symbols unless the
   * stack is unwound in full; tests/lsan.supp then names where it is. */
  if (asan) {
    g_autofree char *full = g_strconcat(asan, ":fast_unwind_on_malloc=0", NULL);
    env = g_environ_setenv(env, "ASAN_OPTIONS", full, TRUE);
  }
  g_ptr_array_add(argv, (gpointer)biokiosk);
  g_ptr_array_add(argv, (gpointer) "diagnose");
  for (int i = 0; extra[i]; i++)
    g_ptr_array_add(argv, (gpointer)extra[i]);
  g_ptr_array_add(argv, NULL);
  return testlib_spawn((const char *const *)argv->pdata,
                       (const char *const *)env, ret_out, ret_err);
}

static void test_json_report(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtpipCamera) emu = ptpip_camera_new(&error);
  g_autoptr(GBytes) still = ptpip_camera_make_jpeg(1200, 800, 3, 90);
  g_autofree char *address = NULL;
  g_autofree char *port_opt = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *root, *camera, *settings, *shot;
  int status;

  g_assert_no_error(error);
  ptpip_camera_set_still(emu, still);
  address = ptpip_camera_address(emu);
  port_opt = g_strdup_printf("port=%s", address);
  status = run_diagnose(
      (const char *const[]){"--json", "--camera-only", "--camera", "gphoto2",
                            "--camera-option", port_opt, NULL},
      &out, &err);
  g_assert_cmpint(status, ==, 0);
  g_assert_true(json_parser_load_from_data(parser, out, -1, &error));
  root = json_node_get_object(json_parser_get_root(parser));
  g_assert_true(json_object_get_boolean_member(root, "ok"));
  camera = json_object_get_object_member(root, "camera");
  g_assert_true(json_object_get_boolean_member(camera, "found"));
  g_assert_cmpstr(json_object_get_string_member(camera, "backend"), ==,
                  "gphoto2");
  g_assert_cmpstr(json_object_get_string_member(camera, "model"), ==,
                  "BK-EMU D1");
  g_assert_cmpstr(json_object_get_string_member(camera, "port"), ==, address);
  settings = json_object_get_object_member(camera, "settings");
  g_assert_cmpstr(json_object_get_string_member(settings, "iso"), ==, "100");
  g_assert_cmpstr(json_object_get_string_member(settings, "aperture"), ==,
                  "f/8");
  {
    JsonObject *lv = json_object_get_object_member(camera, "liveview");
    g_assert_true(json_object_get_boolean_member(lv, "ok"));
    g_assert_cmpint(json_object_get_int_member(lv, "width"), ==, 320);
    g_assert_cmpint(json_object_get_int_member(lv, "height"), ==, 240);
  }
  shot = json_object_get_object_member(camera, "test_shot");
  g_assert_true(json_object_get_boolean_member(shot, "ok"));
  g_assert_cmpint(json_object_get_int_member(shot, "width"), ==, 1200);
  g_assert_cmpint(json_object_get_int_member(shot, "height"), ==, 800);
  g_assert_cmpint(json_object_get_int_member(shot, "bytes"), ==,
                  (gint64)g_bytes_get_size(still));
  g_assert_cmpfloat(json_object_get_double_member(shot, "ms"), >=, 0);
  /* The test shot was deleted on the camera. */
  g_assert_cmpuint(ptpip_camera_count(emu, PTPIP_COUNT_OBJECTS), ==, 0);
}

static void test_missing_camera(void)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  /* Port 1 on loopback: nothing listens there. */
  status = run_diagnose((const char *const[]){"--camera-only", "--camera",
                                              "gphoto2", "--camera-option",
                                              "port=ptpip:127.0.0.1:1:1", NULL},
                        &out, &err);
  g_assert_cmpint(status, ==, 1);
  g_assert_nonnull(strstr(out, "NOT FOUND"));
  g_assert_nonnull(strstr(out, "ptpip:127.0.0.1:1:1"));
}

/* The whole report on the embedded defaults: the camera through the
 * emulator, and the reader (libfprint's virtual_image, fed by the kiosk)
 * and the pad found, which needs the reader prepared before anything
 * starts a thread. */
static void test_all_devices(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtpipCamera) emu = ptpip_camera_new(&error);
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *set_state = g_strdup_printf("paths.state_dir=%s", dir);
  g_autofree char *address = NULL;
  g_autofree char *port_opt = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *root, *reader, *pad;
  int status;

  g_assert_no_error(error);
  address = ptpip_camera_address(emu);
  port_opt = g_strdup_printf("port=%s", address);
  status = run_diagnose(
      (const char *const[]){"--json", "--set", set_state, "--camera", "gphoto2",
                            "--camera-option", port_opt, NULL},
      &out, &err);
  g_assert_cmpint(status, ==, 0);
  g_assert_true(json_parser_load_from_data(parser, out, -1, &error));
  root = json_node_get_object(json_parser_get_root(parser));
  g_assert_true(json_object_get_boolean_member(root, "ok"));
  reader = json_object_get_object_member(root, "reader");
  g_assert_true(json_object_get_boolean_member(reader, "found"));
  g_assert_cmpstr(json_object_get_string_member(reader, "backend"), ==,
                  "libfprint");
  pad = json_object_get_object_member(root, "pad");
  g_assert_true(json_object_get_boolean_member(pad, "found"));
  testlib_rmtree(dir);
}

static void test_usage(void)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint(
      run_diagnose((const char *const[]){"--camera", "nope", NULL}, &out, &err),
      ==, 2);
  g_assert_nonnull(strstr(err, "nope"));
  g_clear_pointer(&out, g_free);
  g_clear_pointer(&err, g_free);
  g_assert_cmpint(
      run_diagnose((const char *const[]){"--camera-option", "novalue", NULL},
                   &out, &err),
      ==, 2);
}

int main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtpipCamera) probe = NULL;

  g_test_init(&argc, &argv, NULL);
  if (!g_getenv("BK_BIOKIOSK") ||
      !g_file_test(g_getenv("BK_BIOKIOSK"), G_FILE_TEST_IS_EXECUTABLE))
    testlib_skip_all("biokiosk executable not built");
  probe = ptpip_camera_new(&error);
  if (!probe)
    testlib_skip_all("cannot run the PTP/IP emulator: %s", error->message);
  g_clear_pointer(&probe, ptpip_camera_free);
  g_test_add_func("/camera/diagnose/json-report", test_json_report);
  g_test_add_func("/camera/diagnose/missing-camera", test_missing_camera);
  g_test_add_func("/camera/diagnose/all-devices", test_all_devices);
  g_test_add_func("/camera/diagnose/usage", test_usage);
  return g_test_run();
}
