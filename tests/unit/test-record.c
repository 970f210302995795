/* capture/record.c: metadata and parts survive a serialise/deserialise round
 * trip, the serialised form is deterministic, and malformed input is refused
 * with an error rather than a crash. */
#include <string.h>

#include "record.h"

static GBytes *bytes_of(const char *text)
{
  return g_bytes_new(text, strlen(text));
}

static BkRecord *sample_record(void)
{
  BkRecord *record = record_new();
  g_autoptr(GBytes) jpeg = bytes_of("\xff\xd8 not really a jpeg \xff\xd9");
  g_autoptr(GBytes) empty = g_bytes_new(NULL, 0);
  g_autoptr(BkImage) finger = image_new(3, 2, 1);

  record_set_string(record, "location", "IND-ZWL");
  record_set_int(record, "captured_at", G_GINT64_CONSTANT(1795000000000000));
  record_set_double(record, "photo.sharpness", 0.8125);
  record_set_boolean(record, "officer.documents_seen", TRUE);
  record_set_value(record, "photo.eye_distance",
                   g_variant_new("(dd)", 61.5, 62.0));
  record_add_part(record, "photo/original", RECORD_MEDIA_JPEG, jpeg);
  record_add_part(record, "signature/strokes", "application/octet-stream",
                  empty);
  for (int i = 0; i < 6; i++)
    finger->pixels[(i / 3) * finger->stride + i % 3] = (guint8)(10 * i);
  g_assert_true(
      record_add_grey_image(record, "fingerprint/right-index", finger, 500));
  return record;
}

static void test_round_trip(void)
{
  g_autoptr(BkRecord) record = sample_record();
  g_autoptr(BkRecord) copy = NULL;
  g_autoptr(GBytes) bytes = record_serialize(record);
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GError) error = NULL;
  const BkRecordPart *part;
  gint64 i64 = 0;
  double d = 0;
  gboolean b = FALSE;
  static const guint8 grey[] = {0, 10, 20, 30, 40, 50};

  copy = record_deserialize(bytes, &error);
  g_assert_no_error(error);
  g_assert_nonnull(copy);

  g_assert_cmpstr(record_get_string(copy, "location"), ==, "IND-ZWL");
  g_assert_true(record_get_int(copy, "captured_at", &i64));
  g_assert_cmpint(i64, ==, G_GINT64_CONSTANT(1795000000000000));
  g_assert_true(record_get_double(copy, "photo.sharpness", &d));
  g_assert_cmpfloat(d, ==, 0.8125);
  g_assert_true(record_get_boolean(copy, "officer.documents_seen", &b));
  g_assert_true(b);
  g_assert_true(
      g_variant_equal(record_get_value(copy, "photo.eye_distance"),
                      record_get_value(record, "photo.eye_distance")));
  /* Typed getters refuse other types. */
  g_assert_null(record_get_string(copy, "captured_at"));
  g_assert_false(record_get_int(copy, "location", &i64));
  g_assert_null(record_get_string(copy, "absent"));

  g_assert_cmpuint(record_n_parts(copy), ==, 3);
  part = record_part(copy, 0);
  g_assert_cmpstr(part->name, ==, "photo/original");
  g_assert_cmpstr(part->media_type, ==, RECORD_MEDIA_JPEG);
  g_assert_true(g_bytes_equal(part->data, record_part(record, 0)->data));
  part = record_part(copy, 1);
  g_assert_cmpuint(g_bytes_get_size(part->data), ==, 0);
  part = record_find_part(copy, "fingerprint/right-index");
  g_assert_nonnull(part);
  g_assert_cmpstr(part->media_type, ==, RECORD_MEDIA_GREY8);
  g_assert_cmpmem(g_bytes_get_data(part->data, NULL),
                  g_bytes_get_size(part->data), grey, sizeof grey);
  g_assert_true(record_get_int(copy, "fingerprint/right-index.width", &i64));
  g_assert_cmpint(i64, ==, 3);
  g_assert_true(record_get_int(copy, "fingerprint/right-index.ppi", &i64));
  g_assert_cmpint(i64, ==, 500);

  /* Serialising the parsed copy gives the very same bytes. */
  again = record_serialize(copy);
  g_assert_true(g_bytes_equal(bytes, again));
}

static void test_deterministic(void)
{
  g_autoptr(BkRecord) a = record_new();
  g_autoptr(BkRecord) b = record_new();
  g_autoptr(GBytes) part = bytes_of("abc");
  g_autoptr(GBytes) sa = NULL;
  g_autoptr(GBytes) sb = NULL;
  g_autofree const char **keys = NULL;
  guint n = 0;

  record_set_string(a, "zeta", "1");
  record_set_int(a, "alpha", 2);
  record_set_int(b, "alpha", 2);
  record_set_string(b, "zeta", "1");
  record_add_part(a, "p", "text/plain", part);
  record_add_part(b, "p", "text/plain", part);
  sa = record_serialize(a);
  sb = record_serialize(b);
  g_assert_true(g_bytes_equal(sa, sb));

  keys = record_list_keys(a, &n);
  g_assert_cmpuint(n, ==, 2);
  g_assert_cmpstr(keys[0], ==, "alpha");
  g_assert_cmpstr(keys[1], ==, "zeta");
}

static void test_replace(void)
{
  g_autoptr(BkRecord) record = record_new();
  g_autoptr(GBytes) one = bytes_of("one");
  g_autoptr(GBytes) two = bytes_of("two");
  g_autoptr(GBytes) three = bytes_of("three");
  g_autoptr(BkImage) rgb = image_new(2, 2, 3);

  record_add_part(record, "a", "text/plain", one);
  record_add_part(record, "b", "text/plain", two);
  record_add_part(record, "a", "text/x-other", three);
  g_assert_cmpuint(record_n_parts(record), ==, 2);
  g_assert_cmpstr(record_part(record, 0)->name, ==, "a");
  g_assert_cmpstr(record_part(record, 0)->media_type, ==, "text/x-other");
  g_assert_true(g_bytes_equal(record_part(record, 0)->data, three));
  /* Parts are copies: the record does not hold the caller's GBytes. */
  g_assert_true(record_part(record, 0)->data != three);

  record_set_int(record, "k", 1);
  record_set_string(record, "k", "now a string");
  g_assert_cmpstr(record_get_string(record, "k"), ==, "now a string");

  g_assert_false(record_add_grey_image(record, "rgb", rgb, 500));
  g_assert_null(record_find_part(record, "rgb"));
}

static GBytes *serialise_variant(GVariant *variant)
{
  g_autoptr(GVariant) sunk = g_variant_ref_sink(variant);

  return g_variant_get_data_as_bytes(sunk);
}

static void test_refuses_malformed(void)
{
  g_autoptr(BkRecord) record = sample_record();
  g_autoptr(GBytes) good = record_serialize(record);
  gsize len = 0;
  const guint8 *data = g_bytes_get_data(good, &len);
  struct {
    GBytes *bytes;
    int code;
  } cases[] = {
      {g_bytes_new("", 0), CAPTURE_ERROR_INVALID_DATA},
      {g_bytes_new("garbage that is not a record", 28),
       CAPTURE_ERROR_INVALID_DATA},
      {g_bytes_new(data, len / 2), CAPTURE_ERROR_INVALID_DATA},
      {serialise_variant(g_variant_new_parsed(
           "('something-else', uint32 1, @a{sv} {}, @a(ssay) [])")),
       CAPTURE_ERROR_INVALID_DATA},
      {serialise_variant(g_variant_new_parsed(
           "('biokiosk-record', uint32 2, @a{sv} {}, @a(ssay) [])")),
       CAPTURE_ERROR_UNSUPPORTED},
      {serialise_variant(g_variant_new_parsed(
           "('biokiosk-record', uint32 0, @a{sv} {}, @a(ssay) [])")),
       CAPTURE_ERROR_INVALID_DATA},
      {serialise_variant(g_variant_new_parsed(
           "('biokiosk-record', uint32 1, @a{sv} {}, "
           "[('p', 'text/plain', b'x'), ('p', 'text/plain', b'y')])")),
       CAPTURE_ERROR_INVALID_DATA},
      {serialise_variant(
           g_variant_new_parsed("('biokiosk-record', uint32 1, @a{sv} {}, "
                                "[('', 'text/plain', b'x')])")),
       CAPTURE_ERROR_INVALID_DATA},
      {serialise_variant(g_variant_new_parsed(
           "('biokiosk-record', uint32 1, {'': <1>}, @a(ssay) [])")),
       CAPTURE_ERROR_INVALID_DATA},
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    BkRecord *parsed = record_deserialize(cases[i].bytes, &error);

    g_test_message("case %" G_GSIZE_FORMAT, i);
    g_assert_null(parsed);
    g_assert_error(error, CAPTURE_ERROR, cases[i].code);
    g_bytes_unref(cases[i].bytes);
  }
}

/* Flipping any single byte gives either an error or a record, never a crash
 * (and under valgrind/ASan, no invalid read). */
static void test_flipped_bytes(void)
{
  g_autoptr(BkRecord) record = sample_record();
  g_autoptr(GBytes) good = record_serialize(record);
  gsize len = 0;
  const guint8 *data = g_bytes_get_data(good, &len);
  guint8 *copy = g_malloc(len);

  for (gsize i = 0; i < len; i++) {
    g_autoptr(GBytes) bad = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(BkRecord) parsed = NULL;

    memcpy(copy, data, len);
    copy[i] ^= 0xa5;
    bad = g_bytes_new(copy, len);
    parsed = record_deserialize(bad, &error);
    g_assert_true((parsed == NULL) != (error == NULL));
  }
  g_free(copy);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/record/round-trip", test_round_trip);
  g_test_add_func("/record/deterministic", test_deterministic);
  g_test_add_func("/record/replace", test_replace);
  g_test_add_func("/record/refuses-malformed", test_refuses_malformed);
  g_test_add_func("/record/flipped-bytes", test_flipped_bytes);
  return g_test_run();
}
