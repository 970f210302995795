/* The kiosk's keys: its own Ed25519 signing key (created on first use in the
 * state folder, mode 0600) and the back office's X25519 public key that
 * records are sealed to (from the configuration; a demo pair is generated
 * when none is configured). Keys are 32/64 raw bytes in memory and base64
 * text in files. No secret key of the back office is ever needed on a
 * properly configured kiosk. */
#pragma once

#include <glib.h>

#define KEYS_PUBLIC_BYTES      32 /* Ed25519 and X25519 public keys */
#define KEYS_SIGN_SECRET_BYTES 64 /* libsodium Ed25519 secret key (seed+pk) */
#define KEYS_BOX_SECRET_BYTES  32 /* X25519 secret key */
#define KEYS_SIGNATURE_BYTES   64

/* File names inside the state folder. */
#define KEYS_SIGNING_SECRET_FILE "kiosk-signing.key"  /* base64, 0600 */
#define KEYS_SIGNING_PUBLIC_FILE "kiosk-signing.pub"  /* base64, 0644 */
#define KEYS_DEMO_PUBLIC_FILE    "backoffice-demo.pk" /* base64, 0644 */
#define KEYS_DEMO_SECRET_FILE    "backoffice-demo.sk" /* base64, 0600 */

#define KEYS_ERROR (keys_error_quark())
GQuark keys_error_quark(void);

typedef enum {
  KEYS_ERROR_INVALID,   /* not a key of the expected size/encoding */
  KEYS_ERROR_IO,        /* a key file could not be read or written */
  KEYS_ERROR_CRYPTO,    /* libsodium could not be initialised */
  KEYS_ERROR_SIGNATURE, /* well-formed, but the signature does not verify */
  KEYS_ERROR_ABSENT,    /* the key file does not exist (keys_load_signing) */
} KeysError;

/* Initialises libsodium once (thread-safe). FALSE with KEYS_ERROR_CRYPTO. */
gboolean keys_init(GError **error);

/* Loads the kiosk's signing key from `state_dir`, creating the pair when
 * absent. Concurrent first calls from two processes agree on one key (the
 * file is linked into place, never overwritten). */
gboolean keys_load_or_create_signing(const char *state_dir,
                                     guint8 ret_public[KEYS_PUBLIC_BYTES],
                                     guint8 ret_secret[KEYS_SIGN_SECRET_BYTES],
                                     GError **error);

/* Loads the kiosk's signing key from `state_dir` without ever creating it
 * (for read-only checks such as verifying the audit log's head): FALSE with
 * KEYS_ERROR_ABSENT when there is no key yet. `ret_secret` may be NULL. */
gboolean keys_load_signing(const char *state_dir,
                           guint8 ret_public[KEYS_PUBLIC_BYTES],
                           guint8 ret_secret[KEYS_SIGN_SECRET_BYTES],
                           GError **error);

/* The back office's public key: `configured` (base64 of 32 bytes) when
 * non-empty; otherwise the demo pair in `state_dir`, created when absent,
 * and *ret_demo set to TRUE. */
gboolean keys_load_backoffice(const char *configured, const char *state_dir,
                              guint8 ret_public[KEYS_PUBLIC_BYTES],
                              gboolean *ret_demo, GError **error);

/* Reads an X25519 secret key file: base64 text (surrounding whitespace
 * ignored) or exactly 32 raw bytes. */
gboolean keys_read_box_secret(const char *path,
                              guint8 ret_secret[KEYS_BOX_SECRET_BYTES],
                              GError **error);

/* Decodes base64 text (whitespace around it ignored) of exactly
 * `expected_len` bytes into `ret_key`. */
gboolean keys_decode(const char *text, guint8 *ret_key, gsize expected_len,
                     GError **error);

/* Base64 of `len` bytes; free with g_free(). */
char *keys_encode(const guint8 *key, gsize len);
