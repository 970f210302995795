/* kiosk/store/keys.c and kiosk/store/envelope.c: keys are created once with
 * private modes and reloaded unchanged, bad key text is refused, a secret key
 * file may be base64 or raw, and an envelope opens only with the key it was
 * sealed to. */
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>

#include "envelope.h"
#include "keys.h"
#include "testlib.h"

static int file_mode(const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  GStatBuf st;

  g_assert_cmpint(g_stat(path, &st), ==, 0);
  return st.st_mode & 0777;
}

static void test_signing_key_persists(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *state = g_build_filename(dir, "new", "state", NULL);
  g_autoptr(GError) error = NULL;
  guint8 pk1[KEYS_PUBLIC_BYTES], sk1[KEYS_SIGN_SECRET_BYTES];
  guint8 pk2[KEYS_PUBLIC_BYTES], sk2[KEYS_SIGN_SECRET_BYTES];
  guint8 derived[KEYS_PUBLIC_BYTES];

  /* The state folder is created (0700) when absent. */
  g_assert_true(keys_load_or_create_signing(state, pk1, sk1, &error));
  g_assert_no_error(error);
  g_assert_true(keys_load_or_create_signing(state, pk2, sk2, &error));
  g_assert_cmpmem(pk1, sizeof pk1, pk2, sizeof pk2);
  g_assert_cmpmem(sk1, sizeof sk1, sk2, sizeof sk2);
  crypto_sign_ed25519_sk_to_pk(derived, sk1);
  g_assert_cmpmem(derived, sizeof derived, pk1, sizeof pk1);
  g_assert_cmpint(file_mode(state, KEYS_SIGNING_SECRET_FILE), ==, 0600);
  g_assert_cmpint(file_mode(state, KEYS_SIGNING_PUBLIC_FILE), ==, 0644);
  g_assert_cmpint(file_mode(dir, "new/state"), ==, 0700);
  testlib_rmtree(dir);
}

/* The public file is rewritten only when missing or wrong: a reload leaves
 * the same file (same inode) in place, so that opening the keys needs no
 * free space on a full disk. */
static void test_public_file_kept(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *pub = g_build_filename(dir, KEYS_SIGNING_PUBLIC_FILE, NULL);
  g_autoptr(GError) error = NULL;
  guint8 pk[KEYS_PUBLIC_BYTES], sk[KEYS_SIGN_SECRET_BYTES];
  g_autofree char *good = NULL;
  g_autofree char *again = NULL;
  GStatBuf before, after;

  g_assert_true(keys_load_or_create_signing(dir, pk, sk, &error));
  g_assert_true(g_file_get_contents(pub, &good, NULL, NULL));
  g_assert_cmpint(g_stat(pub, &before), ==, 0);
  g_assert_true(keys_load_or_create_signing(dir, pk, sk, &error));
  g_assert_no_error(error);
  g_assert_cmpint(g_stat(pub, &after), ==, 0);
  g_assert_cmpuint(before.st_ino, ==, after.st_ino);
  /* A wrong public file is put right from the secret one. */
  g_assert_true(g_file_set_contents(pub, "wrong\n", -1, NULL));
  g_assert_true(keys_load_or_create_signing(dir, pk, sk, &error));
  g_assert_true(g_file_get_contents(pub, &again, NULL, NULL));
  g_assert_cmpstr(again, ==, good);
  testlib_rmtree(dir);
}

static void test_backoffice_key(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *sk_path = g_build_filename(dir, KEYS_DEMO_SECRET_FILE, NULL);
  g_autoptr(GError) error = NULL;
  guint8 pk[KEYS_PUBLIC_BYTES], pk_again[KEYS_PUBLIC_BYTES];
  guint8 sk[KEYS_BOX_SECRET_BYTES], derived[KEYS_PUBLIC_BYTES];
  guint8 configured[KEYS_PUBLIC_BYTES];
  g_autofree char *encoded = NULL;
  g_autofree char *text = NULL;
  gboolean demo = FALSE;

  /* Empty configuration: a demo pair, stable across loads. */
  g_assert_true(keys_load_backoffice("", dir, pk, &demo, &error));
  g_assert_true(demo);
  g_assert_true(keys_load_backoffice(NULL, dir, pk_again, &demo, &error));
  g_assert_cmpmem(pk, sizeof pk, pk_again, sizeof pk_again);
  g_assert_true(keys_read_box_secret(sk_path, sk, &error));
  crypto_scalarmult_base(derived, sk);
  g_assert_cmpmem(derived, sizeof derived, pk, sizeof pk);
  g_assert_cmpint(file_mode(dir, KEYS_DEMO_SECRET_FILE), ==, 0600);

  /* A configured key is used as given, with surrounding whitespace. */
  randombytes_buf(configured, sizeof configured);
  encoded = keys_encode(configured, sizeof configured);
  text = g_strdup_printf("  %s\n", encoded);
  g_assert_true(keys_load_backoffice(text, NULL, pk, &demo, &error));
  g_assert_no_error(error);
  g_assert_false(demo);
  g_assert_cmpmem(pk, sizeof pk, configured, sizeof configured);
  testlib_rmtree(dir);
}

static void test_decode_refuses(void)
{
  const char *bad[] = {
      "",                                                 /* empty */
      "c2hvcnQ=",                                         /* 5 bytes */
      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* 36 bytes */
      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=!",     /* not base64 */
      "AAAAAAAAAAAAAAAA AAAAAAAAAAAAAAAAAAAAAAAAAAA=",    /* inner space */
  };
  guint8 key[KEYS_PUBLIC_BYTES];

  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    g_test_message("'%s'", bad[i]);
    g_assert_false(keys_decode(bad[i], key, sizeof key, &error));
    g_assert_error(error, KEYS_ERROR, KEYS_ERROR_INVALID);
  }
}

static void test_secret_file_forms(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *raw = g_build_filename(dir, "raw", NULL);
  g_autofree char *b64 = g_build_filename(dir, "b64", NULL);
  g_autofree char *bad = g_build_filename(dir, "bad", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  guint8 secret[KEYS_BOX_SECRET_BYTES], read[KEYS_BOX_SECRET_BYTES];

  randombytes_buf(secret, sizeof secret);
  text = keys_encode(secret, sizeof secret);
  g_assert_true(g_file_set_contents(raw, (char *)secret, sizeof secret, NULL));
  g_assert_true(g_file_set_contents(b64, text, -1, NULL));
  g_assert_true(g_file_set_contents(bad, "hello", -1, NULL));

  g_assert_true(keys_read_box_secret(raw, read, &error));
  g_assert_cmpmem(read, sizeof read, secret, sizeof secret);
  memset(read, 0, sizeof read);
  g_assert_true(keys_read_box_secret(b64, read, &error));
  g_assert_cmpmem(read, sizeof read, secret, sizeof secret);
  g_assert_false(keys_read_box_secret(bad, read, &error));
  g_assert_error(error, KEYS_ERROR, KEYS_ERROR_INVALID);
  g_clear_error(&error);
  g_assert_false(keys_read_box_secret(dir, read, &error));
  g_assert_error(error, KEYS_ERROR, KEYS_ERROR_IO);
  testlib_rmtree(dir);
}

static void test_envelope_keys(void)
{
  guint8 bo_pk[KEYS_PUBLIC_BYTES], bo_sk[KEYS_BOX_SECRET_BYTES];
  guint8 other_pk[KEYS_PUBLIC_BYTES], other_sk[KEYS_BOX_SECRET_BYTES];
  guint8 kiosk_pk[KEYS_PUBLIC_BYTES], kiosk_sk[KEYS_SIGN_SECRET_BYTES];
  g_autoptr(GBytes) plain = g_bytes_new_static("plain record bytes", 18);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) opened = NULL;
  g_autoptr(KioskEnvelope) envelope = NULL;
  g_autoptr(GError) error = NULL;

  crypto_box_keypair(bo_pk, bo_sk);
  crypto_box_keypair(other_pk, other_sk);
  crypto_sign_keypair(kiosk_pk, kiosk_sk);
  bytes = envelope_seal("id-1", 42, plain, bo_pk, kiosk_pk, kiosk_sk);
  /* The plain text is not in the envelope. */
  g_assert_null(memmem(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes),
                       "plain record", 12));
  envelope = envelope_parse(bytes, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(envelope->id, ==, "id-1");
  g_assert_cmpint(envelope->created, ==, 42);
  g_assert_cmpmem(envelope->kiosk_key, KEYS_PUBLIC_BYTES, kiosk_pk,
                  KEYS_PUBLIC_BYTES);

  g_assert_null(envelope_open(envelope, other_sk, &error));
  g_assert_error(error, KEYS_ERROR, KEYS_ERROR_INVALID);
  g_clear_error(&error);
  opened = envelope_open(envelope, bo_sk, &error);
  g_assert_no_error(error);
  g_assert_true(g_bytes_equal(opened, plain));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  if (sodium_init() < 0)
    testlib_skip_all("libsodium cannot be initialised");
  g_test_add_func("/keys/signing-key-persists", test_signing_key_persists);
  g_test_add_func("/keys/public-file-kept", test_public_file_kept);
  g_test_add_func("/keys/backoffice-key", test_backoffice_key);
  g_test_add_func("/keys/decode-refuses", test_decode_refuses);
  g_test_add_func("/keys/secret-file-forms", test_secret_file_forms);
  g_test_add_func("/keys/envelope-keys", test_envelope_keys);
  return g_test_run();
}
