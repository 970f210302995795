/* Loading and first-time creation of the kiosk's keys (see keys.h). Secret
 * key files are created with mode 0600 under a temporary name and linked
 * into place, so a half-written or concurrently created key never wins. */
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

G_STATIC_ASSERT(KEYS_PUBLIC_BYTES == crypto_sign_PUBLICKEYBYTES);
G_STATIC_ASSERT(KEYS_PUBLIC_BYTES == crypto_box_PUBLICKEYBYTES);
G_STATIC_ASSERT(KEYS_SIGN_SECRET_BYTES == crypto_sign_SECRETKEYBYTES);
G_STATIC_ASSERT(KEYS_BOX_SECRET_BYTES == crypto_box_SECRETKEYBYTES);
G_STATIC_ASSERT(KEYS_SIGNATURE_BYTES == crypto_sign_BYTES);

G_DEFINE_QUARK(biokiosk - keys - error - quark, keys_error)

gboolean keys_init(GError **error)
{
  /* sodium_init() is itself thread-safe and idempotent. */
  if (sodium_init() < 0) {
    g_set_error(error, KEYS_ERROR, KEYS_ERROR_CRYPTO,
                "libsodium could not be initialised");
    return FALSE;
  }
  return TRUE;
}

char *keys_encode(const guint8 *key, gsize len)
{
  return g_base64_encode(key, len);
}

gboolean keys_decode(const char *text, guint8 *ret_key, gsize expected_len,
                     GError **error)
{
  g_autofree char *copy = g_strstrip(g_strdup(text ? text : ""));
  gsize len = 0;
  guchar *decoded;
  gboolean ok;

  /* g_base64_decode skips invalid characters silently: check the alphabet
   * first so that a typo is an error, not a different key. */
  for (const char *p = copy; *p; p++)
    if (!g_ascii_isalnum(*p) && *p != '+' && *p != '/' && *p != '=') {
      g_set_error(error, KEYS_ERROR, KEYS_ERROR_INVALID,
                  "key is not base64 text");
      return FALSE;
    }
  decoded = g_base64_decode(copy, &len);
  ok = len == expected_len;
  if (ok)
    memcpy(ret_key, decoded, len);
  else
    g_set_error(error, KEYS_ERROR, KEYS_ERROR_INVALID,
                "key has %" G_GSIZE_FORMAT " bytes, expected %" G_GSIZE_FORMAT,
                len, expected_len);
  sodium_memzero(decoded, len);
  g_free(decoded);
  sodium_memzero(copy, strlen(copy));
  return ok;
}

/* Reads a base64 key file of `len` bytes. Sets *ret_absent when the file
 * does not exist (and returns FALSE without an error). */
static gboolean keys_read_file(const char *path, guint8 *ret_key, gsize len,
                               gboolean *ret_absent, GError **error)
{
  g_autoptr(GError) local = NULL;
  char *text = NULL;
  gsize text_len = 0;
  gboolean ok;

  *ret_absent = FALSE;
  if (!g_file_get_contents(path, &text, &text_len, &local)) {
    if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
      *ret_absent = TRUE;
      return FALSE;
    }
    g_set_error(error, KEYS_ERROR, KEYS_ERROR_IO, "%s", local->message);
    return FALSE;
  }
  ok = keys_decode(text, ret_key, len, error);
  if (!ok)
    g_prefix_error(error, "%s: ", path);
  sodium_memzero(text, text_len);
  g_free(text);
  return ok;
}

/* Writes `text` to `path` with `mode` unless `path` exists. Returns TRUE when
 * this call created the file, FALSE with *ret_exists when another process
 * won, FALSE with an error on I/O failure. */
static gboolean keys_write_new(const char *path, const char *text, int mode,
                               gboolean *ret_exists, GError **error)
{
  g_autofree char *tmp = g_strdup_printf("%s.%u.tmp", path, g_random_int());
  gsize len = strlen(text);
  int saved;
  int fd;

  *ret_exists = FALSE;
  fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0)
    goto fail;
  if (write(fd, text, len) != (ssize_t)len || fsync(fd) != 0) {
    saved = errno;
    close(fd);
    unlink(tmp);
    errno = saved;
    goto fail;
  }
  close(fd);
  /* link() refuses to replace: the first writer's key stays. */
  if (link(tmp, path) != 0) {
    saved = errno;
    unlink(tmp);
    if (saved == EEXIST) {
      *ret_exists = TRUE;
      return FALSE;
    }
    errno = saved;
    goto fail;
  }
  unlink(tmp);
  return TRUE;

fail:
  g_set_error(error, KEYS_ERROR, KEYS_ERROR_IO, "cannot write %s: %s", path,
              g_strerror(errno));
  return FALSE;
}

/* The public file is derived from the secret one, so replacing it is safe.
 * It is only written when it is missing or differs: the queue opens the
 * keys on every pass, and a write on each open is what stopped a queue
 * from opening on a full disk. */
static gboolean keys_write_public(const char *path, const guint8 *key,
                                  GError **error)
{
  g_autofree char *text = keys_encode(key, KEYS_PUBLIC_BYTES);
  g_autofree char *line = g_strconcat(text, "\n", NULL);
  g_autofree char *current = NULL;
  g_autoptr(GError) local = NULL;

  if (g_file_get_contents(path, &current, NULL, NULL) &&
      g_str_equal(current, line))
    return TRUE;
  if (!g_file_set_contents_full(path, line, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                0644, &local)) {
    g_set_error(error, KEYS_ERROR, KEYS_ERROR_IO, "%s", local->message);
    return FALSE;
  }
  return TRUE;
}

typedef void (*KeysDerive)(guint8 *ret_public, const guint8 *secret);
typedef void (*KeysGenerate)(guint8 *ret_public, guint8 *ret_secret);

static void derive_sign(guint8 *ret_public, const guint8 *secret)
{
  crypto_sign_ed25519_sk_to_pk(ret_public, secret);
}

static void generate_sign(guint8 *ret_public, guint8 *ret_secret)
{
  crypto_sign_keypair(ret_public, ret_secret);
}

static void derive_box(guint8 *ret_public, const guint8 *secret)
{
  crypto_scalarmult_base(ret_public, secret);
}

static void generate_box(guint8 *ret_public, guint8 *ret_secret)
{
  crypto_box_keypair(ret_public, ret_secret);
}

/* Loads the pair whose secret half is in `secret_name`, creating it when
 * absent; (re)writes the public half next to it. */
static gboolean
keys_load_or_create_pair(const char *state_dir, const char *secret_name,
                         const char *public_name, gsize secret_len,
                         KeysDerive derive, KeysGenerate generate,
                         guint8 *ret_public, guint8 *ret_secret, GError **error)
{
  g_autofree char *secret_path = g_build_filename(state_dir, secret_name, NULL);
  g_autofree char *public_path = g_build_filename(state_dir, public_name, NULL);
  guint8 public_key[KEYS_PUBLIC_BYTES];
  guint8 secret_key[KEYS_SIGN_SECRET_BYTES];
  gboolean absent = FALSE;
  gboolean exists = FALSE;

  if (!keys_init(error))
    return FALSE;
  if (g_mkdir_with_parents(state_dir, 0700) != 0) {
    g_set_error(error, KEYS_ERROR, KEYS_ERROR_IO, "cannot create %s: %s",
                state_dir, g_strerror(errno));
    return FALSE;
  }

  for (int round = 0; round < 2; round++) {
    if (keys_read_file(secret_path, secret_key, secret_len, &absent, error))
      break;
    if (!absent)
      return FALSE;
    if (round == 1) {
      g_set_error(error, KEYS_ERROR, KEYS_ERROR_IO,
                  "%s vanished while being created", secret_path);
      return FALSE;
    }
    generate(public_key, secret_key);
    {
      g_autofree char *text = keys_encode(secret_key, secret_len);
      g_autofree char *line = g_strconcat(text, "\n", NULL);
      gboolean created =
          keys_write_new(secret_path, line, 0600, &exists, error);

      sodium_memzero(text, strlen(text));
      sodium_memzero(line, strlen(line));
      sodium_memzero(secret_key, sizeof secret_key);
      if (!created && !exists)
        return FALSE;
    }
    g_debug("created key %s", secret_path);
    /* Read back what is on disk (ours, or the other writer's). */
  }

  derive(public_key, secret_key);
  if (!keys_write_public(public_path, public_key, error)) {
    sodium_memzero(secret_key, sizeof secret_key);
    return FALSE;
  }
  memcpy(ret_public, public_key, KEYS_PUBLIC_BYTES);
  if (ret_secret)
    memcpy(ret_secret, secret_key, secret_len);
  sodium_memzero(secret_key, sizeof secret_key);
  return TRUE;
}

gboolean keys_load_or_create_signing(const char *state_dir,
                                     guint8 ret_public[KEYS_PUBLIC_BYTES],
                                     guint8 ret_secret[KEYS_SIGN_SECRET_BYTES],
                                     GError **error)
{
  g_return_val_if_fail(state_dir != NULL, FALSE);
  return keys_load_or_create_pair(state_dir, KEYS_SIGNING_SECRET_FILE,
                                  KEYS_SIGNING_PUBLIC_FILE,
                                  KEYS_SIGN_SECRET_BYTES, derive_sign,
                                  generate_sign, ret_public, ret_secret, error);
}

gboolean keys_load_signing(const char *state_dir,
                           guint8 ret_public[KEYS_PUBLIC_BYTES],
                           guint8 ret_secret[KEYS_SIGN_SECRET_BYTES],
                           GError **error)
{
  g_autofree char *path =
      g_build_filename(state_dir, KEYS_SIGNING_SECRET_FILE, NULL);
  guint8 secret_key[KEYS_SIGN_SECRET_BYTES];
  gboolean absent = FALSE;

  g_return_val_if_fail(state_dir != NULL, FALSE);
  if (!keys_init(error))
    return FALSE;
  if (!keys_read_file(path, secret_key, sizeof secret_key, &absent, error)) {
    if (absent)
      g_set_error(error, KEYS_ERROR, KEYS_ERROR_ABSENT, "%s does not exist",
                  path);
    return FALSE;
  }
  derive_sign(ret_public, secret_key);
  if (ret_secret)
    memcpy(ret_secret, secret_key, sizeof secret_key);
  sodium_memzero(secret_key, sizeof secret_key);
  return TRUE;
}

gboolean keys_load_backoffice(const char *configured, const char *state_dir,
                              guint8 ret_public[KEYS_PUBLIC_BYTES],
                              gboolean *ret_demo, GError **error)
{
  if (!keys_init(error))
    return FALSE;
  if (configured && *configured) {
    if (!keys_decode(configured, ret_public, KEYS_PUBLIC_BYTES, error)) {
      g_prefix_error(error, "backoffice_public_key: ");
      return FALSE;
    }
    if (ret_demo)
      *ret_demo = FALSE;
    return TRUE;
  }
  g_return_val_if_fail(state_dir != NULL, FALSE);
  /* Demo only: the secret half lies next to the queue, so these records are
   * not protected from whoever holds this disk. */
  if (!keys_load_or_create_pair(state_dir, KEYS_DEMO_SECRET_FILE,
                                KEYS_DEMO_PUBLIC_FILE, KEYS_BOX_SECRET_BYTES,
                                derive_box, generate_box, ret_public, NULL,
                                error))
    return FALSE;
  g_debug("records are sealed to the DEMO back-office key in %s", state_dir);
  if (ret_demo)
    *ret_demo = TRUE;
  return TRUE;
}

gboolean keys_read_box_secret(const char *path,
                              guint8 ret_secret[KEYS_BOX_SECRET_BYTES],
                              GError **error)
{
  g_autoptr(GError) local = NULL;
  char *contents = NULL;
  gsize len = 0;
  gboolean ok;

  if (!g_file_get_contents(path, &contents, &len, &local)) {
    g_set_error(error, KEYS_ERROR, KEYS_ERROR_IO, "%s", local->message);
    return FALSE;
  }
  if (len == KEYS_BOX_SECRET_BYTES) {
    /* Raw bytes. 32 bytes of base64 text would decode to 24, so the two
     * encodings cannot be confused. */
    memcpy(ret_secret, contents, len);
    ok = TRUE;
  } else {
    ok = keys_decode(contents, ret_secret, KEYS_BOX_SECRET_BYTES, error);
    if (!ok)
      g_prefix_error(error, "%s: ", path);
  }
  sodium_memzero(contents, len);
  g_free(contents);
  return ok;
}
