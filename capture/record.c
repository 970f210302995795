/* The in-memory record and its deterministic GVariant form (see record.h and
 * docs/record-format.md). Part bytes live in buffers this file allocates so
 * that it can wipe them; the serialised form is written straight into such a
 * buffer, never into a GVariant-owned one. */
#include "record.h"

#include <string.h>

/* GVariant stores numbers in host order; the documented format is
 * little-endian (docs/record-format.md). */
G_STATIC_ASSERT(G_BYTE_ORDER == G_LITTLE_ENDIAN);

struct _BkRecord {
  GHashTable *metadata; /* char* key -> GVariant* (normal form, sunk) */
  GPtrArray *parts;     /* RecordPart*, insertion order */
};

typedef struct {
  BkRecordPart pub; /* name/media_type point at the owned strings below */
  char *name;
  char *media_type;
} RecordPart;

/* A heap buffer that remembers its length, so that a GBytes free function
 * (which only gets one pointer) can wipe it. */
typedef struct {
  gsize len;
  guint8 data[];
} WipedBuffer;

static void wiped_buffer_free(gpointer user_data)
{
  WipedBuffer *buffer = user_data;

  explicit_bzero(buffer->data, buffer->len);
  g_free(buffer);
}

GBytes *record_wiped_bytes_new(const void *src, gsize len, guint8 **ret_data)
{
  WipedBuffer *buffer = g_malloc(sizeof(WipedBuffer) + len + 1);

  buffer->len = len;
  if (src && len)
    memcpy(buffer->data, src, len);
  if (ret_data)
    *ret_data = buffer->data;
  return g_bytes_new_with_free_func(buffer->data, len, wiped_buffer_free,
                                    buffer);
}

static void record_part_free(gpointer data)
{
  RecordPart *part = data;

  g_bytes_unref(part->pub.data);
  g_free(part->name);
  g_free(part->media_type);
  g_free(part);
}

BkRecord *record_new(void)
{
  BkRecord *record = g_new0(BkRecord, 1);

  record->metadata = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify)g_variant_unref);
  record->parts = g_ptr_array_new_with_free_func(record_part_free);
  return record;
}

void record_free(BkRecord *record)
{
  if (!record)
    return;
  g_clear_pointer(&record->metadata, g_hash_table_unref);
  g_clear_pointer(&record->parts, g_ptr_array_unref);
  g_free(record);
}

void record_set_value(BkRecord *record, const char *key, GVariant *value)
{
  g_autoptr(GVariant) sunk = NULL;

  g_return_if_fail(record != NULL);
  g_return_if_fail(key != NULL && *key != '\0');
  g_return_if_fail(g_utf8_validate(key, -1, NULL));
  g_return_if_fail(value != NULL);

  sunk = g_variant_ref_sink(value);
  /* Normal form keeps record_serialize() deterministic even for values that
   * came from untrusted bytes. */
  g_hash_table_replace(record->metadata, g_strdup(key),
                       g_variant_get_normal_form(sunk));
}

void record_set_string(BkRecord *record, const char *key, const char *value)
{
  g_return_if_fail(value != NULL && g_utf8_validate(value, -1, NULL));
  record_set_value(record, key, g_variant_new_string(value));
}

void record_set_int(BkRecord *record, const char *key, gint64 value)
{
  record_set_value(record, key, g_variant_new_int64(value));
}

void record_set_double(BkRecord *record, const char *key, double value)
{
  record_set_value(record, key, g_variant_new_double(value));
}

void record_set_boolean(BkRecord *record, const char *key, gboolean value)
{
  record_set_value(record, key, g_variant_new_boolean(value));
}

static void record_dict_add(GVariantBuilder *dict, const char *key,
                            const char *value)
{
  if (value)
    g_variant_builder_add(dict, "{sv}", key, g_variant_new_string(value));
}

void record_set_finger_exceptions(BkRecord *record,
                                  const RecordFingerException *exceptions,
                                  gsize n_exceptions,
                                  const RecordFingerSubstitution *substitutions,
                                  gsize n_substitutions)
{
  GVariantBuilder list;

  g_return_if_fail(record != NULL);
  g_variant_builder_init(&list, G_VARIANT_TYPE("aa{sv}"));
  for (gsize i = 0; i < n_exceptions; i++) {
    const RecordFingerException *e = &exceptions[i];

    g_variant_builder_open(&list, G_VARIANT_TYPE("a{sv}"));
    record_dict_add(&list, "kind", e->kind);
    record_dict_add(&list, "finger", e->finger);
    record_dict_add(&list, "reason", e->reason);
    record_dict_add(&list, "officer", e->officer);
    record_dict_add(&list, "confirmed_by", e->confirmed_by);
    record_dict_add(&list, "time", e->time);
    record_dict_add(&list, "photo", e->photo);
    g_variant_builder_close(&list);
  }
  record_set_value(record, "fingerprint.exceptions",
                   g_variant_builder_end(&list));
  g_variant_builder_init(&list, G_VARIANT_TYPE("aa{sv}"));
  for (gsize i = 0; i < n_substitutions; i++) {
    g_variant_builder_open(&list, G_VARIANT_TYPE("a{sv}"));
    record_dict_add(&list, "planned", substitutions[i].planned);
    record_dict_add(&list, "taken", substitutions[i].taken);
    g_variant_builder_close(&list);
  }
  record_set_value(record, "fingerprint.substitutions",
                   g_variant_builder_end(&list));
}

static RecordPart *record_lookup_part(const BkRecord *record, const char *name,
                                      guint *ret_index)
{
  for (guint i = 0; i < record->parts->len; i++) {
    RecordPart *part = g_ptr_array_index(record->parts, i);
    if (strcmp(part->name, name) == 0) {
      if (ret_index)
        *ret_index = i;
      return part;
    }
  }
  return NULL;
}

/* Takes ownership of `data` (a wiped GBytes). */
static void record_put_part(BkRecord *record, const char *name,
                            const char *media_type, GBytes *data)
{
  RecordPart *part = record_lookup_part(record, name, NULL);

  if (part) {
    g_bytes_unref(part->pub.data);
    g_free(part->media_type);
  } else {
    part = g_new0(RecordPart, 1);
    part->name = g_strdup(name);
    part->pub.name = part->name;
    g_ptr_array_add(record->parts, part);
  }
  part->media_type = g_strdup(media_type);
  part->pub.media_type = part->media_type;
  part->pub.data = data;
}

void record_add_part(BkRecord *record, const char *name, const char *media_type,
                     GBytes *data)
{
  gsize len = 0;
  const void *src;

  g_return_if_fail(record != NULL);
  g_return_if_fail(name != NULL && *name != '\0');
  g_return_if_fail(g_utf8_validate(name, -1, NULL));
  g_return_if_fail(media_type != NULL && *media_type != '\0');
  g_return_if_fail(g_utf8_validate(media_type, -1, NULL));
  g_return_if_fail(data != NULL);

  src = g_bytes_get_data(data, &len);
  record_put_part(record, name, media_type,
                  record_wiped_bytes_new(src, len, NULL));
}

gboolean record_add_grey_image(BkRecord *record, const char *name,
                               const BkImage *image, int ppi)
{
  g_autofree char *key_width = NULL;
  g_autofree char *key_height = NULL;
  g_autofree char *key_ppi = NULL;
  guint8 *dst = NULL;
  GBytes *bytes;
  gsize row;

  g_return_val_if_fail(record != NULL, FALSE);
  g_return_val_if_fail(name != NULL && *name != '\0', FALSE);
  g_return_val_if_fail(image != NULL, FALSE);
  if (image->channels != 1)
    return FALSE;

  row = (gsize)image->width;
  bytes = record_wiped_bytes_new(NULL, row * (gsize)image->height, &dst);
  for (int y = 0; y < image->height; y++)
    memcpy(dst + (gsize)y * row, image->pixels + (gsize)y * image->stride, row);
  record_put_part(record, name, RECORD_MEDIA_GREY8, bytes);

  key_width = g_strconcat(name, ".width", NULL);
  key_height = g_strconcat(name, ".height", NULL);
  key_ppi = g_strconcat(name, ".ppi", NULL);
  record_set_int(record, key_width, image->width);
  record_set_int(record, key_height, image->height);
  record_set_int(record, key_ppi, ppi);
  return TRUE;
}

GVariant *record_get_value(const BkRecord *record, const char *key)
{
  g_return_val_if_fail(record != NULL, NULL);
  g_return_val_if_fail(key != NULL, NULL);
  return g_hash_table_lookup(record->metadata, key);
}

const char *record_get_string(const BkRecord *record, const char *key)
{
  GVariant *value = record_get_value(record, key);

  if (!value || !g_variant_is_of_type(value, G_VARIANT_TYPE_STRING))
    return NULL;
  return g_variant_get_string(value, NULL);
}

gboolean record_get_int(const BkRecord *record, const char *key,
                        gint64 *ret_value)
{
  GVariant *value = record_get_value(record, key);

  if (!value || !g_variant_is_of_type(value, G_VARIANT_TYPE_INT64))
    return FALSE;
  if (ret_value)
    *ret_value = g_variant_get_int64(value);
  return TRUE;
}

gboolean record_get_double(const BkRecord *record, const char *key,
                           double *ret_value)
{
  GVariant *value = record_get_value(record, key);

  if (!value || !g_variant_is_of_type(value, G_VARIANT_TYPE_DOUBLE))
    return FALSE;
  if (ret_value)
    *ret_value = g_variant_get_double(value);
  return TRUE;
}

gboolean record_get_boolean(const BkRecord *record, const char *key,
                            gboolean *ret_value)
{
  GVariant *value = record_get_value(record, key);

  if (!value || !g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN))
    return FALSE;
  if (ret_value)
    *ret_value = g_variant_get_boolean(value);
  return TRUE;
}

static int compare_keys(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **record_list_keys(const BkRecord *record, guint *ret_n_keys)
{
  guint n = 0;
  const char **keys;

  g_return_val_if_fail(record != NULL, NULL);
  keys = (const char **)g_hash_table_get_keys_as_array(record->metadata, &n);
  qsort(keys, n, sizeof(char *), compare_keys);
  if (ret_n_keys)
    *ret_n_keys = n;
  return keys;
}

guint record_n_parts(const BkRecord *record)
{
  g_return_val_if_fail(record != NULL, 0);
  return record->parts->len;
}

const BkRecordPart *record_part(const BkRecord *record, guint index)
{
  g_return_val_if_fail(record != NULL, NULL);
  g_return_val_if_fail(index < record->parts->len, NULL);
  return &((RecordPart *)g_ptr_array_index(record->parts, index))->pub;
}

const BkRecordPart *record_find_part(const BkRecord *record, const char *name)
{
  RecordPart *part;

  g_return_val_if_fail(record != NULL, NULL);
  g_return_val_if_fail(name != NULL, NULL);
  part = record_lookup_part(record, name, NULL);
  return part ? &part->pub : NULL;
}

GBytes *record_serialize(const BkRecord *record)
{
  g_autofree const char **keys = NULL;
  g_autoptr(GVariant) variant = NULL;
  GVariantBuilder metadata;
  GVariantBuilder parts;
  guint n_keys = 0;
  guint8 *dst = NULL;
  GBytes *bytes;

  g_return_val_if_fail(record != NULL, NULL);

  keys = record_list_keys(record, &n_keys);
  g_variant_builder_init(&metadata, G_VARIANT_TYPE("a{sv}"));
  for (guint i = 0; i < n_keys; i++)
    g_variant_builder_add(&metadata, "{sv}", keys[i],
                          g_hash_table_lookup(record->metadata, keys[i]));

  g_variant_builder_init(&parts, G_VARIANT_TYPE("a(ssay)"));
  for (guint i = 0; i < record->parts->len; i++) {
    RecordPart *part = g_ptr_array_index(record->parts, i);
    /* Wraps the part's own buffer: no unwiped copy is made here. */
    GVariant *payload = g_variant_new_from_bytes(G_VARIANT_TYPE_BYTESTRING,
                                                 part->pub.data, TRUE);
    g_variant_builder_add(&parts, "(ss@ay)", part->name, part->media_type,
                          payload);
  }

  variant = g_variant_ref_sink(g_variant_new(
      "(su@a{sv}@a(ssay))", RECORD_MAGIC, (guint32)RECORD_VERSION,
      g_variant_builder_end(&metadata), g_variant_builder_end(&parts)));
  /* The tree-form variant is serialised directly into our wiped buffer. */
  bytes = record_wiped_bytes_new(NULL, g_variant_get_size(variant), &dst);
  g_variant_store(variant, dst);
  return bytes;
}

static BkRecord *record_parse_fail(BkRecord *record, GError **error,
                                   const char *message)
{
  g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA,
              "not a biokiosk record: %s", message);
  record_free(record);
  return NULL;
}

BkRecord *record_deserialize(GBytes *data, GError **error)
{
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GVariant) metadata = NULL;
  g_autoptr(GVariant) parts = NULL;
  g_autoptr(GVariant) magic = NULL;
  BkRecord *record;
  guint32 version;
  gsize n;

  g_return_val_if_fail(data != NULL, NULL);

  /* Untrusted: GVariant accepts any bytes for a fixed type and returns
   * defaults for malformed pieces; the checks below reject those. */
  variant = g_variant_ref_sink(g_variant_new_from_bytes(
      G_VARIANT_TYPE(RECORD_GVARIANT_TYPE), data, FALSE));
  magic = g_variant_get_child_value(variant, 0);
  if (strcmp(g_variant_get_string(magic, NULL), RECORD_MAGIC) != 0) {
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA,
                "not a biokiosk record (no '%s' header)", RECORD_MAGIC);
    return NULL;
  }
  g_variant_get_child(variant, 1, "u", &version);
  if (version == 0) {
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA,
                "not a biokiosk record: version 0");
    return NULL;
  }
  if (version > RECORD_VERSION) {
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_UNSUPPORTED,
                "record format version %u is newer than this program (%d)",
                version, RECORD_VERSION);
    return NULL;
  }

  record = record_new();
  metadata = g_variant_get_child_value(variant, 2);
  n = g_variant_n_children(metadata);
  for (gsize i = 0; i < n; i++) {
    g_autoptr(GVariant) value = NULL;
    const char *key = NULL;

    g_variant_get_child(metadata, i, "{&sv}", &key, &value);
    if (*key == '\0')
      return record_parse_fail(record, error, "empty metadata key");
    if (g_hash_table_contains(record->metadata, key))
      return record_parse_fail(record, error, "duplicate metadata key");
    g_hash_table_replace(record->metadata, g_strdup(key),
                         g_variant_get_normal_form(value));
  }

  parts = g_variant_get_child_value(variant, 3);
  n = g_variant_n_children(parts);
  for (gsize i = 0; i < n; i++) {
    g_autoptr(GVariant) part = g_variant_get_child_value(parts, i);
    g_autoptr(GVariant) payload = NULL;
    const char *name = NULL;
    const char *media_type = NULL;
    gconstpointer bytes;
    gsize len = 0;

    g_variant_get(part, "(&s&s@ay)", &name, &media_type, &payload);
    if (*name == '\0' || *media_type == '\0')
      return record_parse_fail(record, error, "part without name or type");
    if (record_lookup_part(record, name, NULL))
      return record_parse_fail(record, error, "duplicate part name");
    bytes = g_variant_get_fixed_array(payload, &len, 1);
    record_put_part(record, name, media_type,
                    record_wiped_bytes_new(bytes, len, NULL));
  }
  return record;
}
