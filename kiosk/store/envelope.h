/* The sealed envelope: what the queue stores and what lands in the outbox as
 * <id>.bkrec. A serialised record sealed (crypto_box_seal) to the back
 * office's X25519 key, wrapped with the queue id, creation time and both
 * public keys, and signed with the kiosk's Ed25519 key. Format:
 * docs/record-format.md. Only the back office can open it. */
#pragma once

#include <glib.h>

#include "keys.h"

#define ENVELOPE_MAGIC   "biokiosk-envelope"
#define ENVELOPE_VERSION 1
/* (magic, version, body, signature over the body's serialised bytes) */
#define ENVELOPE_GVARIANT_TYPE "(su(ssxayayay)ay)"
/* The first field of the body: binds the signature to this use. */
#define ENVELOPE_BODY_CONTEXT "biokiosk-envelope-body/1"

typedef struct {
  char *id;       /* queue id (UUID), also the idempotency key */
  gint64 created; /* unix seconds */
  guint8 kiosk_key[KEYS_PUBLIC_BYTES];     /* Ed25519 signer */
  guint8 recipient_key[KEYS_PUBLIC_BYTES]; /* X25519 key sealed to */
  GBytes *sealed;                          /* crypto_box_seal output */
} KioskEnvelope;

/* Seals `plain` to `recipient_key` and signs the result. Does not copy or
 * keep `plain` (the caller wipes it). Returns the envelope's bytes. */
GBytes *envelope_seal(const char *id, gint64 created, GBytes *plain,
                      const guint8 recipient_key[KEYS_PUBLIC_BYTES],
                      const guint8 kiosk_public[KEYS_PUBLIC_BYTES],
                      const guint8 kiosk_secret[KEYS_SIGN_SECRET_BYTES]);

/* Parses envelope bytes and verifies the signature against the kiosk key
 * inside. Malformed input gives NULL with KEYS_ERROR_INVALID, a signature
 * that does not verify KEYS_ERROR_SIGNATURE. Whether that kiosk key is a
 * trusted one is the caller's question. */
KioskEnvelope *envelope_parse(GBytes *bytes, GError **error);

/* Opens the sealed record with the back office's secret key. Returns the
 * plain bytes in a buffer that is wiped when released, or NULL with
 * KEYS_ERROR_INVALID (wrong key or damaged data). */
GBytes *envelope_open(const KioskEnvelope *envelope,
                      const guint8 secret_key[KEYS_BOX_SECRET_BYTES],
                      GError **error);

void envelope_free(KioskEnvelope *envelope); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KioskEnvelope, envelope_free)
