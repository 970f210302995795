/* libFuzzer target behind the signature check: each input is taken as the
 * plain bytes of a record, sealed and signed as the kiosk's queue does it
 * (envelope_seal() with keys made in a scratch state folder), and opened as
 * the back office's `record open` does: envelope_parse() verifies the
 * signature, envelope_open() unseals, record_deserialize() parses, and the
 * record is walked. fuzz-record mutates
 * whole envelopes, so nearly every input fails the signature; here every
 * input reaches the deserialiser.
 *
 * Properties: nothing crashes, leaks or reads out of bounds; a parsed record
 * serialises to bytes that parse back to the same bytes; a copy built with
 * the public setters serialises to the same bytes as the parsed record.
 *
 * Seeds: run once with BK_FUZZ_SEEDS=DIR to write records as the kiosk
 * makes them (every metadata type, JPEG, PNG and grey parts) into DIR, and
 * give DIR as the corpus (docs/fuzzing.md). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "fuzzlib.h"
#include "keys.h"
#include "record.h"
#include "testlib.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static guint8 kiosk_public[KEYS_PUBLIC_BYTES];
static guint8 kiosk_secret[KEYS_SIGN_SECRET_BYTES];
static guint8 office_public[KEYS_PUBLIC_BYTES];
static guint8 office_secret[KEYS_BOX_SECRET_BYTES];
static char *kiosk_key_text; /* base64, as queue.kiosk_key holds it */

#define ENVELOPE_ID "3f0c2a8e-5d1b-4c6e-9a7f-0b1c2d3e4f50"

static void die(const char *what, const GError *error)
{
  fprintf(stderr, "fuzz-record-open: %s: %s\n", what,
          error ? error->message : "failed");
  abort();
}

/* A record like the kiosk's: each metadata type, and parts of each media
 * type; `variant` varies the content. */
static BkRecord *seed_record(int variant)
{
  BkRecord *record = record_new();
  g_autoptr(BkImage) grey = image_new(4 + variant, 3, 1);
  g_autoptr(GBytes) jpeg = g_bytes_new_static("\xff\xd8\xff\xe0 jfif", 9);
  g_autoptr(GBytes) png = g_bytes_new_static("\x89PNG\r\n\x1a\n", 8);
  g_autoptr(GBytes) series = g_bytes_new_static("t,x,y,p\n0,1,2,3\n", 16);

  memset(grey->pixels, 0x80 + variant, grey->stride * (gsize)grey->height);
  record_set_string(record, "queue.id", ENVELOPE_ID);
  record_set_string(record, "queue.kiosk_key", kiosk_key_text);
  record_set_int(record, "queue.created", 1795772400 + variant);
  record_set_int(record, "audit.head_seq", 17);
  record_set_string(record, "audit.head_hash", "00ff");
  record_set_string(record, "photo.verdict", variant ? "refused" : "accepted");
  record_set_double(record, "photo.sharpness", 0.75);
  record_set_boolean(record, "officer.override", variant == 1);
  record_set_value(record, "photo.eyes", g_variant_new("(dd)", 0.4, 0.6));
  record_set_value(record, "photo.measures",
                   g_variant_new_parsed("{'brightness': 0.5, 'tilt': 1.5}"));
  record_add_part(record, "photo/camera", RECORD_MEDIA_JPEG, jpeg);
  record_add_part(record, "photo/crop.png", RECORD_MEDIA_PNG, png);
  record_add_grey_image(record, "fingerprint/right-index", grey, 500);
  if (variant != 1)
    record_add_part(record, "signature/series", "text/csv", series);
  return record;
}

/* BK_FUZZ_SEEDS=DIR: writes seed records into DIR. */
static void write_seeds(const char *dir)
{
  g_mkdir_with_parents(dir, 0700);
  for (int variant = 0; variant < 3; variant++) {
    g_autoptr(BkRecord) record = seed_record(variant);
    g_autoptr(GBytes) bytes = record_serialize(record);
    g_autofree char *name = g_strdup_printf("seed-%d.record", variant);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    gsize len = 0;
    const char *data = g_bytes_get_data(bytes, &len);

    if (!g_file_set_contents(path, data, (gssize)len, NULL))
      die(path, NULL);
  }
}

/* The kiosk's signing key and the demo back-office pair, made by keys.c in a
 * scratch state folder as on a first start. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state = testlib_mkdtemp();
  g_autofree char *secret =
      g_build_filename(state, KEYS_DEMO_SECRET_FILE, NULL);
  gboolean demo = FALSE;
  const char *seeds = g_getenv("BK_FUZZ_SEEDS");

  fuzz_warn_without_always_malloc("fuzz-record-open");
  if (!keys_init(&error) ||
      !keys_load_or_create_signing(state, kiosk_public, kiosk_secret, &error) ||
      !keys_load_backoffice("", state, office_public, &demo, &error) ||
      !keys_read_box_secret(secret, office_secret, &error))
    die("keys", error);
  testlib_rmtree(state);
  kiosk_key_text = keys_encode(kiosk_public, KEYS_PUBLIC_BYTES);
  if (seeds)
    write_seeds(seeds);
  return 0;
}

static gboolean bytes_equal(GBytes *a, GBytes *b)
{
  return g_bytes_compare(a, b) == 0;
}

/* The same record built again through the setters, as the kiosk builds
 * one. */
static BkRecord *record_copy(const BkRecord *record)
{
  BkRecord *copy = record_new();
  g_autofree const char **keys = NULL;
  guint n = 0;

  keys = record_list_keys(record, &n);
  for (guint i = 0; i < n; i++) {
    GVariant *value = record_get_value(record, keys[i]);
    gint64 number;
    double real;
    gboolean flag;

    g_assert(value != NULL);
    if (record_get_string(record, keys[i]))
      record_set_string(copy, keys[i], record_get_string(record, keys[i]));
    else if (record_get_int(record, keys[i], &number))
      record_set_int(copy, keys[i], number);
    else if (record_get_double(record, keys[i], &real))
      record_set_double(copy, keys[i], real);
    else if (record_get_boolean(record, keys[i], &flag))
      record_set_boolean(copy, keys[i], flag);
    else /* not floating: record_set_value() takes a reference of its own */
      record_set_value(copy, keys[i], value);
  }
  for (guint i = 0; i < record_n_parts(record); i++) {
    const BkRecordPart *part = record_part(record, i);

    g_assert(record_find_part(record, part->name) == part);
    record_add_part(copy, part->name, part->media_type, part->data);
  }
  return copy;
}

/* A grey part whose stated size matches its bytes (the test `record open
 * --extract` makes before writing a PGM) is read into an image and scaled,
 * as a viewer would. */
static void walk(const BkRecord *record)
{
  for (guint i = 0; i < record_n_parts(record); i++) {
    const BkRecordPart *part = record_part(record, i);
    g_autofree char *key_w = g_strconcat(part->name, ".width", NULL);
    g_autofree char *key_h = g_strconcat(part->name, ".height", NULL);
    gint64 w = 0, h = 0;

    if (strcmp(part->media_type, RECORD_MEDIA_GREY8) == 0 &&
        record_get_int(record, key_w, &w) &&
        record_get_int(record, key_h, &h) && w > 0 && h > 0 && w <= 4096 &&
        h <= 4096 && (gsize)(w * h) == g_bytes_get_size(part->data)) {
      g_autoptr(BkImage) image = image_new((int)w, (int)h, 1);

      for (int y = 0; y < h; y++)
        memcpy(image_pixel(image, 0, y),
               (const guint8 *)g_bytes_get_data(part->data, NULL) + y * w,
               (gsize)w);
      image_free(image_scale(image, MAX(1, (int)w / 2), MAX(1, (int)h / 2)));
    }
  }
}

/* The record's round trips: parse(serialise(r)) serialises the same, and so
 * does a copy made with the setters. */
static void check_round_trips(const BkRecord *record)
{
  g_autoptr(GBytes) once = record_serialize(record);
  g_autoptr(BkRecord) again = record_deserialize(once, NULL);
  g_autoptr(GBytes) twice = NULL;
  g_autoptr(BkRecord) copy = record_copy(record);
  g_autoptr(GBytes) copied = record_serialize(copy);

  g_assert(again != NULL);
  twice = record_serialize(again);
  g_assert(bytes_equal(once, twice));
  g_assert(bytes_equal(once, copied));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GBytes) plain = g_bytes_new(data, size);
  g_autoptr(GBytes) sealed =
      envelope_seal(ENVELOPE_ID, 1795772400, plain, office_public, kiosk_public,
                    kiosk_secret);
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskEnvelope) envelope = envelope_parse(sealed, &error);
  g_autoptr(GBytes) opened = NULL;
  g_autoptr(BkRecord) record = NULL;

  if (!envelope)
    die("a sealed record does not verify", error);
  opened = envelope_open(envelope, office_secret, &error);
  if (!opened || !bytes_equal(opened, plain))
    die("a sealed record does not open to its bytes", error);
  record = record_deserialize(opened, &error);
  if (!record) {
    g_assert(error != NULL);
    return 0;
  }
  walk(record);
  check_round_trips(record);
  return 0;
}
