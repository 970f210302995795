/* Sealing, signing, verifying and opening envelopes (see envelope.h). The
 * signature covers the body's exact serialised bytes and the fields are then
 * read from those same bytes, so a verifier never re-serialises anything and
 * needs no normal-form check (which costs ~50 ms per 10 MB in GLib): a
 * malformed frame around the body can at worst make it fail to verify. */
#include "envelope.h"
#include "record.h"

#include <sodium.h>
#include <string.h>

/* GVariant stores numbers in host order; the documented format is
 * little-endian (docs/record-format.md). */
G_STATIC_ASSERT(G_BYTE_ORDER == G_LITTLE_ENDIAN);

GBytes *envelope_seal(const char *id, gint64 created, GBytes *plain,
                      const guint8 recipient_key[KEYS_PUBLIC_BYTES],
                      const guint8 kiosk_public[KEYS_PUBLIC_BYTES],
                      const guint8 kiosk_secret[KEYS_SIGN_SECRET_BYTES])
{
  g_autoptr(GVariant) body = NULL;
  g_autoptr(GVariant) envelope = NULL;
  guint8 signature[KEYS_SIGNATURE_BYTES];
  gsize plain_len = 0;
  const guint8 *plain_data;
  guint8 *sealed;
  gsize sealed_len;

  g_return_val_if_fail(id != NULL && plain != NULL, NULL);

  plain_data = g_bytes_get_data(plain, &plain_len);
  sealed_len = plain_len + crypto_box_SEALBYTES;
  sealed = g_malloc(sealed_len);
  /* Reads the caller's buffer directly: no plain copy is made here. */
  if (crypto_box_seal(sealed, plain_data, plain_len, recipient_key) != 0) {
    g_free(sealed);
    return NULL;
  }

  body = g_variant_ref_sink(g_variant_new(
      "(ssx@ay@ay@ay)", ENVELOPE_BODY_CONTEXT, id, created,
      g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, kiosk_public,
                                KEYS_PUBLIC_BYTES, 1),
      g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, recipient_key,
                                KEYS_PUBLIC_BYTES, 1),
      g_variant_new_from_data(G_VARIANT_TYPE_BYTESTRING, sealed, sealed_len,
                              TRUE, g_free, sealed)));
  crypto_sign_detached(signature, NULL, g_variant_get_data(body),
                       g_variant_get_size(body), kiosk_secret);
  envelope = g_variant_ref_sink(g_variant_new(
      "(su@(ssxayayay)@ay)", ENVELOPE_MAGIC, (guint32)ENVELOPE_VERSION, body,
      g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, signature,
                                sizeof signature, 1)));
  return g_variant_get_data_as_bytes(envelope);
}

static KioskEnvelope *envelope_fail(GError **error, const char *message)
{
  g_set_error(error, KEYS_ERROR, KEYS_ERROR_INVALID, "%s", message);
  return NULL;
}

/* Copies an "ay" child of exactly KEYS_PUBLIC_BYTES bytes. */
static gboolean envelope_get_key(GVariant *body, gsize index, guint8 *ret_key)
{
  g_autoptr(GVariant) child = g_variant_get_child_value(body, index);
  gsize len = 0;
  const guint8 *data = g_variant_get_fixed_array(child, &len, 1);

  if (len != KEYS_PUBLIC_BYTES)
    return FALSE;
  memcpy(ret_key, data, len);
  return TRUE;
}

KioskEnvelope *envelope_parse(GBytes *bytes, GError **error)
{
  g_autoptr(GVariant) envelope = NULL;
  g_autoptr(GVariant) body = NULL;
  g_autoptr(GVariant) signature = NULL;
  g_autoptr(GVariant) sealed = NULL;
  g_autoptr(KioskEnvelope) result = NULL;
  const char *magic = NULL;
  const char *context = NULL;
  const char *id = NULL;
  const guint8 *body_data;
  const guint8 *sig;
  gsize sig_len = 0;
  guint32 version = 0;

  g_return_val_if_fail(bytes != NULL, NULL);
  if (!keys_init(error))
    return NULL;

  envelope = g_variant_ref_sink(g_variant_new_from_bytes(
      G_VARIANT_TYPE(ENVELOPE_GVARIANT_TYPE), bytes, FALSE));
  g_variant_get(envelope, "(&su@(ssxayayay)@ay)", &magic, &version, &body,
                &signature);
  if (strcmp(magic, ENVELOPE_MAGIC) != 0)
    return envelope_fail(error, "not a biokiosk envelope");
  if (version != ENVELOPE_VERSION) {
    g_set_error(error, KEYS_ERROR, KEYS_ERROR_INVALID,
                "envelope version %u is not supported (this program reads %d)",
                version, ENVELOPE_VERSION);
    return NULL;
  }

  result = g_new0(KioskEnvelope, 1);
  if (!envelope_get_key(body, 3, result->kiosk_key) ||
      !envelope_get_key(body, 4, result->recipient_key))
    return envelope_fail(error, "envelope has a malformed key");
  sig = g_variant_get_fixed_array(signature, &sig_len, 1);
  body_data = g_variant_get_data(body);
  if (sig_len != KEYS_SIGNATURE_BYTES || !body_data ||
      crypto_sign_verify_detached(sig, body_data, g_variant_get_size(body),
                                  result->kiosk_key) != 0) {
    g_set_error(error, KEYS_ERROR, KEYS_ERROR_SIGNATURE,
                "envelope signature is not valid");
    return NULL;
  }

  g_variant_get(body, "(&s&sx@ay@ay@ay)", &context, &id, &result->created, NULL,
                NULL, &sealed);
  if (strcmp(context, ENVELOPE_BODY_CONTEXT) != 0)
    return envelope_fail(error, "envelope body has an unknown context");
  if (*id == '\0')
    return envelope_fail(error, "envelope has no id");
  result->id = g_strdup(id);
  result->sealed = g_variant_get_data_as_bytes(sealed);
  if (g_bytes_get_size(result->sealed) < crypto_box_SEALBYTES)
    return envelope_fail(error, "envelope's sealed data is too short");
  return g_steal_pointer(&result);
}

GBytes *envelope_open(const KioskEnvelope *envelope,
                      const guint8 secret_key[KEYS_BOX_SECRET_BYTES],
                      GError **error)
{
  guint8 public_key[KEYS_PUBLIC_BYTES];
  g_autoptr(GBytes) plain = NULL;
  guint8 *plain_data;
  gsize sealed_len = 0;
  const guint8 *sealed;

  g_return_val_if_fail(envelope != NULL && envelope->sealed != NULL, NULL);
  if (!keys_init(error))
    return NULL;

  crypto_scalarmult_base(public_key, secret_key);
  if (sodium_memcmp(public_key, envelope->recipient_key, KEYS_PUBLIC_BYTES) !=
      0) {
    g_set_error(error, KEYS_ERROR, KEYS_ERROR_INVALID,
                "the record is sealed to a different back-office key");
    return NULL;
  }
  sealed = g_bytes_get_data(envelope->sealed, &sealed_len);
  if (sealed_len < crypto_box_SEALBYTES) {
    g_set_error(error, KEYS_ERROR, KEYS_ERROR_INVALID, "sealed data too short");
    return NULL;
  }
  /* The plaintext is biometric: its buffer wipes itself when released. */
  plain = record_wiped_bytes_new(NULL, sealed_len - crypto_box_SEALBYTES,
                                 &plain_data);
  if (crypto_box_seal_open(plain_data, sealed, sealed_len, public_key,
                           secret_key) != 0) {
    g_set_error(error, KEYS_ERROR, KEYS_ERROR_INVALID,
                "the sealed record cannot be opened with this key "
                "(damaged or not for this key)");
    return NULL;
  }
  return g_steal_pointer(&plain);
}

void envelope_free(KioskEnvelope *envelope)
{
  if (!envelope)
    return;
  g_free(envelope->id);
  g_clear_pointer(&envelope->sealed, g_bytes_unref);
  g_free(envelope);
}
