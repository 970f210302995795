/* libFuzzer target for what the back office parses from an untrusted
 * outbox: envelope_parse() (and, when the input happens to be a valid
 * envelope, nothing more: opening needs the secret key) and
 * record_deserialize() on the same bytes. Neither may crash, leak or read
 * out of bounds, whatever the input. */
#include <stddef.h>
#include <stdint.h>

#include "envelope.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GBytes) bytes = g_bytes_new(data, size);
  KioskEnvelope *envelope = envelope_parse(bytes, NULL);
  BkRecord *record = record_deserialize(bytes, NULL);

  if (envelope)
    g_assert(envelope->id && envelope->sealed);
  if (record) {
    /* Walk what was parsed, as `record open` would; a parsed record must
     * serialise again. */
    GBytes *again = record_serialize(record);
    const char **keys = record_list_keys(record, NULL);

    g_assert(again != NULL);
    for (guint i = 0; i < record_n_parts(record); i++)
      g_assert(record_part(record, i)->data != NULL);
    g_free(keys);
    g_bytes_unref(again);
  }
  envelope_free(envelope);
  record_free(record);
  return 0;
}
