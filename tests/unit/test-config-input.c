/* The configuration against careless and hostile values (issue 14, items 6
 * and 9): the officer's PIN hash is parsed whole and must cost at least
 * libsodium's interactive limits, which core/ names without sodium.h (checked
 * here against libsodium's own); error messages name the key and the kind
 * of error, never the value. */
#include <sodium.h>
#include <string.h>

#include "settings.h"
#include "testlib.h"

#define DEMO_HASH                                                              \
  "$argon2id$v=19$m=65536,t=2,p=1$DXQlII0UR8hzSUUhUK/8lA$"                     \
  "OXbt1YP/9WXAito6edg/sVFZrDi2X5CovQGuJ1sf4CU"
#define SALT "DXQlII0UR8hzSUUhUK/8lA"
#define HASH "OXbt1YP/9WXAito6edg/sVFZrDi2X5CovQGuJ1sf4CU"

/* One line without control characters, containing `part` and not
 * `secret`. */
static void assert_clean_message(const GError *error, const char *part,
                                 const char *secret)
{
  g_assert_nonnull(error);
  for (const char *p = error->message; *p; p++)
    if ((guchar)*p < 0x20 || (guchar)*p == 0x7f)
      g_error("control character 0x%02x in '%s'", (guchar)*p, error->message);
  if (part && !strstr(error->message, part))
    g_error("'%s' lacks '%s'", error->message, part);
  if (secret && *secret && strstr(error->message, secret))
    g_error("'%s' shows '%s'", error->message, secret);
}

/* config.h's names for libsodium's limits, which core/ cannot include. */
static void test_pin_limits_are_libsodiums(void)
{
  g_assert_cmpstr(CONFIG_ARGON2ID_PREFIX, ==, crypto_pwhash_argon2id_STRPREFIX);
  g_assert_cmpuint(crypto_pwhash_ALG_DEFAULT, ==, crypto_pwhash_ALG_ARGON2ID13);
  g_assert_cmpuint(CONFIG_PIN_OPSLIMIT_MIN, ==,
                   crypto_pwhash_OPSLIMIT_INTERACTIVE);
  g_assert_cmpuint(CONFIG_PIN_OPSLIMIT_MIN, ==,
                   crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE);
  g_assert_cmpuint(CONFIG_PIN_MEMLIMIT_MIN, ==,
                   crypto_pwhash_MEMLIMIT_INTERACTIVE);
  g_assert_cmpuint(CONFIG_PIN_MEMLIMIT_MIN, ==,
                   crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);
  g_assert_cmpuint(CONFIG_PIN_OPSLIMIT_MAX, ==,
                   crypto_pwhash_OPSLIMIT_SENSITIVE);
  g_assert_cmpuint(CONFIG_PIN_MEMLIMIT_MAX, ==,
                   crypto_pwhash_MEMLIMIT_SENSITIVE);
  g_assert_cmpuint(CONFIG_PIN_SALT_BYTES, ==, crypto_pwhash_SALTBYTES);
  g_assert_cmpuint(CONFIG_PIN_HASH_BYTES, >=, crypto_pwhash_BYTES_MIN);
  g_assert_cmpuint(CONFIG_PIN_HASH_STRBYTES, ==, crypto_pwhash_STRBYTES);
}

/* The length of the unpadded base64 field `index` ($-separated) of a PHC
 * string, decoded. */
static gsize phc_field_bytes(const char *hash, guint index)
{
  g_auto(GStrv) fields = g_strsplit(hash, "$", -1);
  guint8 bytes[64];
  size_t len = 0;

  g_assert_cmpuint(g_strv_length(fields), >, index);
  g_assert_cmpint(sodium_base642bin(bytes, sizeof bytes, fields[index],
                                    strlen(fields[index]), NULL, &len, NULL,
                                    sodium_base64_VARIANT_ORIGINAL_NO_PADDING),
                  ==, 0);
  return len;
}

/* Sets officer.pin_hash, as --set does. */
static gboolean set_hash(const char *hash, GError **error)
{
  g_autoptr(KioskConfig) config = config_load(NULL, NULL);
  g_autofree char *assignment = g_strconcat("officer.pin_hash=", hash, NULL);

  g_assert_nonnull(config);
  return config_override(config, assignment, error);
}

/* The shipped demo hash is still accepted, and it is a real one. */
static void test_pin_demo_hash_accepted(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskConfig) config = config_load(NULL, &error);
  char hash[crypto_pwhash_STRBYTES] = DEMO_HASH;

  g_assert_no_error(error);
  g_assert_cmpstr(config->officer_pin_hash, ==, DEMO_HASH);
  g_assert_true(set_hash(DEMO_HASH, &error));
  g_assert_cmpint(crypto_pwhash_str_verify(hash, "2468", 4), ==, 0);
}

/* What crypto_pwhash_str makes at the interactive and moderate limits
 * passes: v=19, p=1, and salt and hash of config.h's lengths. */
static void test_pin_fresh_hashes_accepted(void)
{
  const struct {
    unsigned long long ops;
    size_t mem;
  } limits[] = {
      {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE},
      {crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_INTERACTIVE},
  };

  for (gsize i = 0; i < G_N_ELEMENTS(limits); i++) {
    char hash[crypto_pwhash_STRBYTES];
    g_autoptr(GError) error = NULL;

    g_assert_cmpint(
        crypto_pwhash_str(hash, "135790", 6, limits[i].ops, limits[i].mem), ==,
        0);
    if (!set_hash(hash, &error))
      g_error("%s refused: %s", hash, error->message);
    /* "", "argon2id", "v=19", "m=..,t=..,p=1", salt, hash */
    g_assert_cmpuint(phc_field_bytes(hash, 4), ==, CONFIG_PIN_SALT_BYTES);
    g_assert_cmpuint(phc_field_bytes(hash, 5), ==, CONFIG_PIN_HASH_BYTES);
  }
}

/* Every cut-off demo hash is refused (it used to be accepted, and then
 * officer mode could never be unlocked), and so is every weak or odd one. */
static void test_pin_hash_refused(void)
{
  static const char *const bad[] = {
      "$argon2id$v=19$m=8,t=1,p=1$" SALT "$" HASH,
      "$argon2id$v=19$m=65536,t=1,p=1$" SALT "$" HASH,
      "$argon2id$v=19$m=65535,t=2,p=1$" SALT "$" HASH,
      "$argon2id$v=19$m=32768,t=4,p=1$" SALT "$" HASH,
      "$argon2id$v=19$m=2097152,t=2,p=1$" SALT "$" HASH,
      "$argon2id$v=19$m=65536,t=5,p=1$" SALT "$" HASH,
      "$argon2id$v=19$m=65536,t=2,p=2$" SALT "$" HASH,
      "$argon2id$v=16$m=65536,t=2,p=1$" SALT "$" HASH,
      "$argon2id$m=65536,t=2,p=1$" SALT "$" HASH,
      "$argon2id$v=19$m=065536,t=2,p=1$" SALT "$" HASH,
      "$argon2id$v=19$m=99999999999,t=2,p=1$" SALT "$" HASH,
      "$argon2id$v=19$t=2,m=65536,p=1$" SALT "$" HASH,
      "$argon2id$v=19$m=65536,t=2,p=1$DXQlII0UR8g$" HASH, /* 8-byte salt */
      "$argon2id$v=19$m=65536,t=2,p=1$DXQlII0UR8hzSUUhUK/8lB$" HASH,
      "$argon2id$v=19$m=65536,t=2,p=1$" SALT "$" HASH "=",
      "$argon2id$v=19$m=65536,t=2,p=1$" SALT "$" HASH "$",
      "$argon2id$v=19$m=65536,t=2,p=1$" SALT "$" HASH " ",
      "$argon2id$v=19$m=65536,t=2,p=1$" SALT "$OXbt1YP/9WXAito6edg/sVF",
      "$argon2i$v=19$m=65536,t=2,p=1$" SALT "$" HASH,
      "2468",
  };

  for (gsize cut = 0; cut < strlen(DEMO_HASH); cut++) {
    g_autofree char *prefix = g_strndup(DEMO_HASH, cut);
    g_autoptr(GError) error = NULL;

    if (set_hash(prefix, &error))
      g_error("a cut-off hash '%s' was accepted", prefix);
    g_assert_error(error, CONFIG_ERROR, CONFIG_ERROR_TYPE);
    /* The message spells out the format's start, not the value. */
    assert_clean_message(error, "[officer] pin_hash: expected",
                         cut > 20 ? prefix : NULL);
  }
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;

    if (set_hash(bad[i], &error))
      g_error("'%s' was accepted", bad[i]);
    g_assert_error(error, CONFIG_ERROR, CONFIG_ERROR_TYPE);
    assert_clean_message(error, "[officer] pin_hash: expected", SALT);
  }
}

/* The weak hashes name the limits they miss. */
static void test_pin_hash_messages(void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false(set_hash("$argon2id$v=19$m=8,t=1,p=1$" SALT "$" HASH, &error));
  g_assert_cmpstr(error->message, ==,
                  "--set: [officer] pin_hash: expected an argon2id hash "
                  "costing m=65536..1048576, t=2..4 (libsodium's interactive "
                  "to sensitive limits)");
  g_clear_error(&error);
  g_assert_false(set_hash("$argon2id$v=19$m=65536,t=2", &error));
  g_assert_cmpstr(error->message, ==,
                  "--set: [officer] pin_hash: expected a whole argon2id hash "
                  "from crypto_pwhash_str ($argon2id$v=19$m=...,t=...,p=1$salt"
                  "$hash)");
}

/* The keys every file must have; `extra` is appended. */
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

/* Item 9: a bad value, a bad line or an odd key name is never quoted. */
static void test_messages_quote_nothing(void)
{
  static const struct {
    const char *text; /* appended to MINIMAL */
    const char *part;
    const char *secret;
  } cases[] = {
      {"[policy]\nfingerprint_min_age = 6\x1b[2J\n",
       ":11: [policy] fingerprint_min_age: expected a whole number 0..120",
       "6\x1b"},
      {"[policy]\nfingerprint_recapture_ages = 6;secret;18\n",
       "fingerprint_recapture_ages: expected ascending whole numbers",
       "secret"},
      {"[kiosk]\nlanguage = secret\n", "[kiosk] language: expected nl or en",
       "secret"},
      {"[kiosk]\nlocation_id = IND\x1b[31m\n",
       "[kiosk] location_id: expected ASCII letters, digits", "IND\x1b"},
      {"[kiosk]\nlocation_id = IND ZWL\n", "location_id: expected ASCII",
       "IND ZWL"},
      {"[officer]\n2468 secret pin\n",
       ":11: expected '[group]', 'key = value' or '# comment'", "2468"},
      {"[policy]\nsecret\x1b = 1\n", "[policy] (not a plain name): unknown key",
       "secret"},
      {"[secret group]\nx = 1\n", ":10: unknown group [(not a plain name)]",
       "secret"},
      {"[secret\x1b]\nx = 1\n", "not a key file (key-file syntax error)",
       "secret"},
      {"[paths]\nbackoffice_public_key = secret\n",
       "backoffice_public_key: expected empty or a base64", "secret"},
  };
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *path = g_build_filename(dir, "biokiosk.conf", NULL);

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *text = g_strconcat(MINIMAL, cases[i].text, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(KioskConfig) config = NULL;

    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    config = config_load(path, &error);
    g_assert_null(config);
    assert_clean_message(error, cases[i].part, cases[i].secret);
  }
  testlib_rmtree(dir);
}

/* The same for --set. */
static void test_override_quotes_nothing(void)
{
  static const struct {
    const char *assignment;
    const char *part;
    const char *secret;
  } cases[] = {
      {"policy.fingerprint_min_age=secret",
       "--set: [policy] fingerprint_min_age: expected a whole number",
       "secret"},
      {"secret=1", "--set: expected group.key=value", "secret"},
      {"policy.secret\x1b[2J=1", "--set: [policy] (not a plain name): unknown",
       "secret"},
      {"secret\x1b.x=1", "--set: unknown group [(not a plain name)]", "secret"},
      {"kiosk.location_id=IND\xe2\x80\xae", "location_id: expected ASCII",
       "IND"},
  };
  g_autoptr(KioskConfig) config = config_load(NULL, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;

    g_assert_false(config_override(config, cases[i].assignment, &error));
    assert_clean_message(error, cases[i].part, cases[i].secret);
  }
  g_assert_cmpstr(config->location_id, ==, "IND-ZWL");
}

int main(int argc, char **argv)
{
  int status;
  g_autofree char *tmpdir = NULL;
  g_autofree char *xdg = NULL;

  g_test_init(&argc, &argv, NULL);
  g_assert_cmpint(sodium_init(), >=, 0);
  tmpdir = testlib_mkdtemp();
  xdg = g_build_filename(tmpdir, "xdg-state", NULL);
  g_setenv("XDG_STATE_HOME", xdg, TRUE);

  g_test_add_func("/config-input/pin-limits-are-libsodiums",
                  test_pin_limits_are_libsodiums);
  g_test_add_func("/config-input/pin-demo-hash-accepted",
                  test_pin_demo_hash_accepted);
  g_test_add_func("/config-input/pin-fresh-hashes-accepted",
                  test_pin_fresh_hashes_accepted);
  g_test_add_func("/config-input/pin-hash-refused", test_pin_hash_refused);
  g_test_add_func("/config-input/pin-hash-messages", test_pin_hash_messages);
  g_test_add_func("/config-input/messages-quote-nothing",
                  test_messages_quote_nothing);
  g_test_add_func("/config-input/override-quotes-nothing",
                  test_override_quotes_nothing);
  status = g_test_run();
  testlib_rmtree(tmpdir);
  return status;
}
