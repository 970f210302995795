/* kiosk/config.c: the embedded defaults load cleanly, and every kind of bad
 * configuration (missing file, not a key file, unknown group or key, wrong
 * type, out of range, missing required key, bad --set) is refused with one
 * line that names the file, line and key. */
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>

#include "settings.h"
#include "testlib.h"

#define DEMO_HASH                                                              \
  "$argon2id$v=19$m=65536,t=2,p=1$DXQlII0UR8hzSUUhUK/8lA$"                     \
  "OXbt1YP/9WXAito6edg/sVFZrDi2X5CovQGuJ1sf4CU"

/* The keys every file must have. */
#define MINIMAL                                                                \
  "[kiosk]\n"                                                                  \
  "location_id = IND-DHG\n"                                                    \
  "location_name = IND desk Den Haag\n"                                        \
  "[devices]\n"                                                                \
  "camera = gphoto2\n"                                                         \
  "reader = libfprint\n"                                                       \
  "pad = evdev\n"                                                              \
  "[officer]\n"                                                                \
  "pin_hash = " DEMO_HASH "\n"

static char *tmpdir;

/* Writes `text` to $tmpdir/biokiosk.conf and loads it. */
static KioskConfig *load_text(const char *text, char **ret_path, GError **error)
{
  g_autofree char *path = g_build_filename(tmpdir, "biokiosk.conf", NULL);
  KioskConfig *config;

  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  config = config_load(path, error);
  if (ret_path)
    *ret_path = g_steal_pointer(&path);
  return config;
}

static void assert_one_line(const GError *error)
{
  g_assert_nonnull(error);
  g_assert_null(strchr(error->message, '\n'));
}

static void test_embedded_defaults(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskConfig) config = config_load(NULL, &error);

  g_assert_no_error(error);
  g_assert_nonnull(config);
  g_assert_cmpstr(config->source, ==, "(embedded defaults)");
  g_assert_cmpstr(config->location_id, ==, "IND-ZWL");
  g_assert_cmpstr(config->location_name, ==, "IND desk Zwolle");
  g_assert_cmpstr(config->camera_backend, ==, "sim");
  g_assert_cmpstr(config->reader_backend, ==, "libfprint");
  g_assert_cmpstr(config->pad_backend, ==, "sim");
  g_assert_cmpstr(g_hash_table_lookup(config->camera_options, "folder"), ==,
                  "demo-media/camera");
  g_assert_cmpstr(
      g_hash_table_lookup(config->reader_options, "virtual_image_feed"), ==,
      "synthetic");
  g_assert_cmpstr(g_hash_table_lookup(config->pad_options, "seed"), ==, "1");
  g_assert_cmpstr(config->state_dir, ==, "");
  g_assert_cmpstr(config->database, ==, "kiosk.db");
  g_assert_cmpstr(config->outbox, ==, "outbox");
  g_assert_cmpstr(config->backoffice_public_key, ==, "");
  g_assert_cmpint(config->photo_card_under_months, ==, 12);
  g_assert_cmpint(config->fingerprint_min_age, ==, 6);
  g_assert_cmpuint(config->n_fingerprint_recapture_ages, ==, 3);
  g_assert_cmpint(config->fingerprint_recapture_ages[0], ==, 6);
  g_assert_cmpint(config->fingerprint_recapture_ages[1], ==, 12);
  g_assert_cmpint(config->fingerprint_recapture_ages[2], ==, 18);
  g_assert_cmpint(config->signature_min_age, ==, 12);
  g_assert_cmpint(config->checkin_early_minutes, ==, 60);
  g_assert_cmpint(config->checkin_late_minutes, ==, 30);
  g_assert_cmpint(config->checkin_max_attempts, ==, 5);
  g_assert_cmpint(config->checkin_lockout_s, ==, 300);
  g_assert_cmpint(config->officer_max_attempts, ==, 5);
  g_assert_cmpint(config->officer_lockout_s, ==, 600);
  g_assert_cmpint(config->idle_timeout_s, ==, 60);
  g_assert_cmpint(config->retention_appointment_days, ==, 1);
  /* The demo PIN documented in the file matches the shipped hash. */
  g_assert_cmpint(crypto_pwhash_str_verify(config->officer_pin_hash, "2468", 4),
                  ==, 0);
  g_assert_cmpint(crypto_pwhash_str_verify(config->officer_pin_hash, "2469", 4),
                  !=, 0);
}

/* The shipped file in the source tree is the embedded one. */
static void test_shipped_file_is_embedded(void)
{
  g_autofree char *path = testlib_source_path("config/biokiosk.conf");
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskConfig) config = NULL;

  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  g_assert_cmpstr(text, ==, config_embedded_defaults());
  config = config_load(path, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(config->source, ==, path);
}

static void test_minimal_file_takes_defaults(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskConfig) config = load_text(MINIMAL, NULL, &error);

  g_assert_no_error(error);
  g_assert_cmpstr(config->location_id, ==, "IND-DHG");
  g_assert_cmpstr(config->camera_backend, ==, "gphoto2");
  g_assert_cmpint(config->fingerprint_min_age, ==, 6);
  g_assert_cmpstr(config->language, ==, "en");
  /* Options belong to the file that names the backend: the demo's camera
   * folder does not leak into a gphoto2 configuration. */
  g_assert_cmpuint(g_hash_table_size(config->camera_options), ==, 0);
  g_assert_cmpuint(g_hash_table_size(config->reader_options), ==, 0);
}

static void test_device_groups_take_any_key(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskConfig) config =
      load_text(MINIMAL "[camera]\nport = ptpip:127.0.0.1\nmodel = PTP/IP "
                        "Camera\n[pad]\ndevice=/dev/input/event3\n",
                NULL, &error);

  g_assert_no_error(error);
  g_assert_cmpstr(g_hash_table_lookup(config->camera_options, "port"), ==,
                  "ptpip:127.0.0.1");
  g_assert_cmpstr(g_hash_table_lookup(config->camera_options, "model"), ==,
                  "PTP/IP Camera");
  g_assert_cmpstr(g_hash_table_lookup(config->pad_options, "device"), ==,
                  "/dev/input/event3");
}

static void test_missing_file(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename(tmpdir, "absent.conf", NULL);
  g_autoptr(KioskConfig) config = config_load(path, &error);

  g_assert_null(config);
  g_assert_error(error, CONFIG_ERROR, CONFIG_ERROR_NOT_FOUND);
  assert_one_line(error);
  g_assert_nonnull(strstr(error->message, path));
  g_assert_nonnull(strstr(error->message, "no such file"));
}

static void test_not_a_key_file(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(KioskConfig) config =
      load_text("# comment\n[kiosk]\nlocation_id = X\nthis is not a key\n",
                &path, &error);

  g_assert_null(config);
  g_assert_error(error, CONFIG_ERROR, CONFIG_ERROR_PARSE);
  assert_one_line(error);
  expected = g_strdup_printf("%s:4: expected '[group]', 'key = value' or "
                             "'# comment'",
                             path);
  g_assert_cmpstr(error->message, ==, expected);
}

static void test_unknown_group(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *prefix = NULL;
  g_autoptr(KioskConfig) config =
      load_text(MINIMAL "[printer]\nmodel = x\n", &path, &error);

  g_assert_null(config);
  g_assert_error(error, CONFIG_ERROR, CONFIG_ERROR_UNKNOWN);
  assert_one_line(error);
  prefix = g_strdup_printf("%s:10: unknown group [printer]", path);
  g_assert_true(g_str_has_prefix(error->message, prefix));
}

static void test_unknown_key(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(KioskConfig) config =
      load_text(MINIMAL "[policy]\nfingerprint_max_age = 80\n", &path, &error);

  g_assert_null(config);
  g_assert_error(error, CONFIG_ERROR, CONFIG_ERROR_UNKNOWN);
  assert_one_line(error);
  expected =
      g_strdup_printf("%s:11: [policy] fingerprint_max_age: unknown key", path);
  g_assert_cmpstr(error->message, ==, expected);
}

static void test_wrong_type(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(KioskConfig) config =
      load_text(MINIMAL "[policy]\nfingerprint_min_age = six\n", &path, &error);

  g_assert_null(config);
  g_assert_error(error, CONFIG_ERROR, CONFIG_ERROR_TYPE);
  assert_one_line(error);
  expected = g_strdup_printf("%s:11: [policy] fingerprint_min_age: expected a "
                             "whole number 0..120",
                             path);
  g_assert_cmpstr(error->message, ==, expected);
}

static void test_out_of_range(void)
{
  static const char *const cases[][2] = {
      {"[policy]\nfingerprint_min_age = 121\n", "fingerprint_min_age"},
      {"[policy]\ncheckin_max_attempts = 0\n", "checkin_max_attempts"},
      {"[policy]\nphoto_card_under_months = -1\n", "photo_card_under_months"},
      {"[policy]\nfingerprint_recapture_ages = 6;x;18\n",
       "fingerprint_recapture_ages"},
      {"[policy]\nfingerprint_recapture_ages = 12;6\n",
       "fingerprint_recapture_ages"},
      {"[kiosk]\nidle_timeout_s = 1\n", "idle_timeout_s"},
      {"[paths]\nbackoffice_public_key = not-a-key\n", "backoffice_public_key"},
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *text = g_strconcat(MINIMAL, cases[i][0], NULL);
    g_autoptr(KioskConfig) config = NULL;

    /* A group given twice is merged by GKeyFile, so appending works for
     * [kiosk] too. */
    config = load_text(text, NULL, &error);
    g_assert_null(config);
    g_assert_error(error, CONFIG_ERROR, CONFIG_ERROR_TYPE);
    assert_one_line(error);
    g_assert_nonnull(strstr(error->message, cases[i][1]));
    g_assert_nonnull(strstr(error->message, "expected"));
  }
}

static void test_bad_strings(void)
{
  static const char *const cases[] = {
      "[kiosk]\nlanguage = fr\n",
      "[paths]\ndatabase =\n",
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *text = g_strconcat(MINIMAL, cases[i], NULL);
    g_autoptr(KioskConfig) config = load_text(text, NULL, &error);

    g_assert_null(config);
    g_assert_error(error, CONFIG_ERROR, CONFIG_ERROR_TYPE);
    assert_one_line(error);
  }
}

static void test_pin_hash_must_be_argon2id(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskConfig) config = NULL;
  g_autofree char *text = g_strdup(MINIMAL);
  char *hash = strstr(text, "$argon2id$");

  /* A bare PIN or another scheme is never accepted as a hash. */
  memcpy(hash, "$argon2i$$", 10);
  config = load_text(text, NULL, &error);
  g_assert_null(config);
  g_assert_error(error, CONFIG_ERROR, CONFIG_ERROR_TYPE);
  g_assert_nonnull(strstr(error->message, "[officer] pin_hash"));
}

static void test_missing_required_key(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(KioskConfig) config =
      load_text("[kiosk]\nlocation_name = X\n[devices]\ncamera = sim\nreader = "
                "libfprint\npad = sim\n[officer]\npin_hash = " DEMO_HASH "\n",
                &path, &error);

  g_assert_null(config);
  g_assert_error(error, CONFIG_ERROR, CONFIG_ERROR_MISSING);
  assert_one_line(error);
  expected =
      g_strdup_printf("%s: [kiosk] location_id: required key is missing", path);
  g_assert_cmpstr(error->message, ==, expected);
}

static void test_override(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskConfig) config = config_load(NULL, &error);

  g_assert_no_error(error);
  g_assert_true(
      config_override(config, "policy.fingerprint_min_age=8", &error));
  g_assert_no_error(error);
  g_assert_cmpint(config->fingerprint_min_age, ==, 8);
  g_assert_true(config_override(config, "kiosk.banner=Closed at 16:00", NULL));
  g_assert_cmpstr(config->banner, ==, "Closed at 16:00");
  g_assert_true(
      config_override(config, "policy.fingerprint_recapture_ages=6;14", NULL));
  g_assert_cmpuint(config->n_fingerprint_recapture_ages, ==, 2);
  g_assert_cmpint(config->fingerprint_recapture_ages[1], ==, 14);
  g_assert_true(config_override(config, "camera.folder=/srv/shots", NULL));
  g_assert_cmpstr(g_hash_table_lookup(config->camera_options, "folder"), ==,
                  "/srv/shots");
  g_assert_true(config_override(config, "paths.state_dir=", NULL));
  g_assert_cmpstr(config->state_dir, ==, "");
}

static void test_override_errors(void)
{
  static const struct {
    const char *assignment;
    ConfigError code;
    const char *message;
  } cases[] = {
      {"policy.fingerprint_min_age=six", CONFIG_ERROR_TYPE,
       "--set: [policy] fingerprint_min_age: expected a whole number 0..120"},
      {"policy.fingerprint_min_age=500", CONFIG_ERROR_TYPE,
       "--set: [policy] fingerprint_min_age: expected a whole number 0..120"},
      {"policy.nonsense=1", CONFIG_ERROR_UNKNOWN,
       "--set: [policy] nonsense: unknown key"},
      {"printer.model=1", CONFIG_ERROR_UNKNOWN,
       "--set: unknown group [printer]"},
      {"fingerprint_min_age=8", CONFIG_ERROR_PARSE,
       "--set: expected group.key=value"},
      {"policy.fingerprint_min_age", CONFIG_ERROR_PARSE,
       "--set: expected group.key=value"},
  };
  g_autoptr(KioskConfig) config = config_load(NULL, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;

    g_assert_false(config_override(config, cases[i].assignment, &error));
    g_assert_error(error, CONFIG_ERROR, (int)cases[i].code);
    g_assert_cmpstr(error->message, ==, cases[i].message);
  }
  /* A refused value leaves the old one. */
  g_assert_cmpint(config->fingerprint_min_age, ==, 6);
}

static void test_resolve_path(void)
{
  g_autoptr(KioskConfig) config = config_load(NULL, NULL);
  g_autofree char *state = g_build_filename(tmpdir, "state", "sub", NULL);
  g_autofree char *set = g_strconcat("paths.state_dir=", state, NULL);
  g_autofree char *db = NULL;
  g_autofree char *abs = NULL;
  g_autofree char *mem = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *expected = NULL;
  GStatBuf st;

  g_assert_true(config_override(config, set, NULL));
  db = config_resolve_path(config, config->database);
  expected = g_build_filename(state, "kiosk.db", NULL);
  g_assert_cmpstr(db, ==, expected);
  g_assert_cmpint(g_stat(state, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0700);
  abs = config_resolve_path(config, "/etc/biokiosk/x");
  g_assert_cmpstr(abs, ==, "/etc/biokiosk/x");
  mem = config_resolve_path(config, ":memory:");
  g_assert_cmpstr(mem, ==, ":memory:");
  dir = config_resolve_path(config, "");
  g_assert_cmpstr(dir, ==, state);
  g_clear_pointer(&dir, g_free);
  dir = config_resolve_path(config, ".");
  g_assert_cmpstr(dir, ==, state);
}

static void test_resolve_default_state_dir(void)
{
  g_autoptr(KioskConfig) config = config_load(NULL, NULL);
  g_autofree char *db = config_resolve_path(config, "kiosk.db");
  g_autofree char *expected =
      g_build_filename(g_get_user_state_dir(), "biokiosk", "kiosk.db", NULL);

  g_assert_cmpstr(db, ==, expected);
}

static void test_free_null(void)
{
  config_free(NULL);
}

int main(int argc, char **argv)
{
  int status;
  g_autofree char *xdg = NULL;

  g_test_init(&argc, &argv, NULL);
  tmpdir = testlib_mkdtemp();
  /* Keep the default state dir inside the scratch folder. */
  xdg = g_build_filename(tmpdir, "xdg-state", NULL);
  g_setenv("XDG_STATE_HOME", xdg, TRUE);
  g_assert_cmpint(sodium_init(), >=, 0);

  g_test_add_func("/config/embedded-defaults", test_embedded_defaults);
  g_test_add_func("/config/shipped-file-is-embedded",
                  test_shipped_file_is_embedded);
  g_test_add_func("/config/minimal-file", test_minimal_file_takes_defaults);
  g_test_add_func("/config/device-groups", test_device_groups_take_any_key);
  g_test_add_func("/config/error/missing-file", test_missing_file);
  g_test_add_func("/config/error/not-a-key-file", test_not_a_key_file);
  g_test_add_func("/config/error/unknown-group", test_unknown_group);
  g_test_add_func("/config/error/unknown-key", test_unknown_key);
  g_test_add_func("/config/error/wrong-type", test_wrong_type);
  g_test_add_func("/config/error/out-of-range", test_out_of_range);
  g_test_add_func("/config/error/bad-strings", test_bad_strings);
  g_test_add_func("/config/error/pin-hash", test_pin_hash_must_be_argon2id);
  g_test_add_func("/config/error/missing-key", test_missing_required_key);
  g_test_add_func("/config/override", test_override);
  g_test_add_func("/config/error/override", test_override_errors);
  g_test_add_func("/config/resolve-path", test_resolve_path);
  g_test_add_func("/config/resolve-default", test_resolve_default_state_dir);
  g_test_add_func("/config/free-null", test_free_null);
  status = g_test_run();
  testlib_rmtree(tmpdir);
  g_free(tmpdir);
  return status;
}
