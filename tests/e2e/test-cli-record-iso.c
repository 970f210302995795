/* ISO/IEC 19794-4 finger records as the back office gets them (issue 12,
 * item 4): the demo's records open with `record open --extract`, each
 * finger's 19794-4 part validates (headers, position, JPEG 2000 decoding
 * to the record's own raw pixels) and is unpacked; a record whose 19794-4
 * part was damaged before sealing is refused with one line naming the
 * part, exit 1, and nothing is written. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "db.h"
#include "fpsynth.h"
#include "iso19794.h"
#include "keys.h"
#include "queue.h"
#include "record-finger.h"
#include "testlib.h"

/* Opens `bkrec` with --extract into `into`, as JSON; returns the parts
 * that carry a "validated" line. */
static int open_extract(const char *secret, const char *bkrec, const char *into,
                        GPtrArray *validated)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonArray *parts;
  int status = testlib_run_biokiosk(
      (const char *const[]){"record", "open", "--json", "--secret-key", secret,
                            "--extract", into, bkrec, NULL},
      &out, &err);

  if (status != 0)
    return status;
  g_assert_true(json_parser_load_from_data(parser, out, -1, NULL));
  parts = json_object_get_array_member(
      json_node_get_object(json_parser_get_root(parser)), "parts");
  for (guint k = 0; k < json_array_get_length(parts); k++) {
    JsonObject *part = json_array_get_object_element(parts, k);

    if (json_object_has_member(part, "validated"))
      g_ptr_array_add(
          validated,
          g_strdup_printf("%s: %s -> %s",
                          json_object_get_string_member(part, "name"),
                          json_object_get_string_member(part, "validated"),
                          json_object_get_string_member(part, "extracted")));
  }
  return 0;
}

static void test_demo_records(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *out_dir = g_build_filename(dir, "demo", NULL);
  g_autofree char *outbox = g_build_filename(out_dir, "state", "outbox", NULL);
  g_autofree char *secret =
      g_build_filename(out_dir, "state", "backoffice-demo.sk", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GDir) d = NULL;
  const char *name;
  int records = 0;

  g_assert_cmpint(
      testlib_run_biokiosk(
          (const char *const[]){"demo", "--headless", "--out", out_dir, NULL},
          &out, &err),
      ==, 0);
  d = g_dir_open(outbox, 0, NULL);
  g_assert_nonnull(d);
  while ((name = g_dir_read_name(d))) {
    g_autofree char *bkrec = g_build_filename(outbox, name, NULL);
    g_autofree char *into = g_strdup_printf("%s/x%d", dir, records++);
    g_autoptr(GPtrArray) validated = g_ptr_array_new_with_free_func(g_free);

    g_assert_cmpint(open_extract(secret, bkrec, into, validated), ==, 0);
    /* Both index fingers, each valid and lossless. */
    g_assert_cmpuint(validated->len, ==, 2);
    for (guint i = 0; i < validated->len; i++) {
      const char *v = validated->pdata[i];
      g_autofree char *file =
          g_strndup(strstr(v, " -> ") + 4, strlen(strstr(v, " -> ") + 4));
      g_autofree char *data = NULL;
      gsize len = 0;
      Iso19794Record r;
      g_autoptr(GError) error = NULL;

      g_test_message("%s", v);
      g_assert_nonnull(strstr(v, "valid ISO/IEC 19794-4:2005"));
      g_assert_nonnull(strstr(v, "the same pixels as finger/"));
      /* The unpacked file is the record itself, valid on its own. */
      g_assert_true(g_str_has_suffix(file, ".iso19794-4"));
      g_assert_true(g_file_get_contents(file, &data, &len, NULL));
      g_assert_true(iso19794_4_parse((const guint8 *)data, len, &r, &error));
      g_assert_true(r.views[0].position == 2 || r.views[0].position == 7);
    }
  }
  g_assert_cmpint(records, ==, 2);
  testlib_rmtree(dir);
}

/* Stores a record with the right index's image and a 19794-4 part that
 * `damage` spoiled, the way the app stores records; uploads it to
 * `outbox` with the CLI. Returns the .bkrec path. */
static char *store_damaged(const char *state_dir, const char *outbox,
                           void (*damage)(guint8 *, gsize))
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db_path = g_build_filename(state_dir, "kiosk.db", NULL);
  g_autoptr(BkRecord) record = record_new();
  g_autoptr(BkImage) img = image_new(300, 400, 1);
  g_autofree guint8 *px = fpsynth_generate(5, 2, 0, 300, 400);
  g_autoptr(KioskQueue) queue = NULL;
  g_autofree char *id = NULL, *set_state = NULL, *set_outbox = NULL;
  g_autofree char *out = NULL, *err = NULL, *file = NULL;
  const BkRecordPart *iso;
  g_autofree guint8 *spoiled = NULL;
  gsize len;
  sqlite3 *db;

  g_assert_cmpint(g_mkdir_with_parents(state_dir, 0700), ==, 0);
  db = db_open(db_path, &error);
  queue = queue_open(db, state_dir, "", &error);
  g_assert_no_error(error);
  memcpy(img->pixels, px, sizeof(guint8) * 300 * 400);
  g_assert_true(record_add_finger_image(record, "finger/right_index", img, 500,
                                        2, 90, &error));
  iso = record_find_part(record, "finger/right_index.iso19794-4");
  len = g_bytes_get_size(iso->data);
  spoiled = g_memdup2(g_bytes_get_data(iso->data, NULL), len);
  damage(spoiled, len);
  record_add_part(record, "finger/right_index.iso19794-4",
                  ISO19794_4_MEDIA_TYPE,
                  g_bytes_new_take(g_steal_pointer(&spoiled), len));
  g_assert_true(queue_store_record(queue, record, 1795000000, &id, &error));
  g_clear_pointer(&queue, queue_close);
  db_close(db);
  set_state = g_strconcat("paths.state_dir=", state_dir, NULL);
  set_outbox = g_strconcat("paths.outbox=", outbox, NULL);
  g_assert_cmpint(
      testlib_run_biokiosk((const char *const[]){"queue", "upload", "--set",
                                                 set_state, "--set", set_outbox,
                                                 NULL},
                           &out, &err),
      ==, 0);
  file = g_strconcat(id, ".bkrec", NULL);
  return g_build_filename(outbox, file, NULL);
}

static void spoil_pixels(guint8 *rec, gsize len)
{
  for (gsize i = len / 2; i < len / 2 + 64; i++)
    rec[i] ^= 0x5a;
}

static void spoil_position(guint8 *rec, gsize len)
{
  rec[ISO19794_4_HEADER_LEN + 4] = 13;
}

static void check_refused(void (*damage)(guint8 *, gsize), const char *why)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *state = g_build_filename(dir, "state", NULL);
  g_autofree char *outbox = g_build_filename(dir, "outbox", NULL);
  g_autofree char *into = g_build_filename(dir, "parts", NULL);
  g_autofree char *secret =
      g_build_filename(state, KEYS_DEMO_SECRET_FILE, NULL);
  g_autofree char *bkrec = NULL, *out = NULL, *err = NULL;

  g_assert_cmpint(g_mkdir(outbox, 0700), ==, 0);
  bkrec = store_damaged(state, outbox, damage);
  g_assert_cmpint(
      testlib_run_biokiosk(
          (const char *const[]){"record", "open", "--secret-key", secret,
                                "--extract", into, bkrec, NULL},
          &out, &err),
      ==, 1);
  g_assert_nonnull(
      strstr(err, "part finger/right_index.iso19794-4 is refused: "));
  g_assert_nonnull(strstr(err, why));
  g_assert_true(strchr(err, '\n') == err + strlen(err) - 1);
  g_assert_false(g_file_test(into, G_FILE_TEST_EXISTS)); /* nothing out */
  testlib_rmtree(dir);
}

static void test_damaged_refused(void)
{
  check_refused(spoil_pixels, "own pixels");
  check_refused(spoil_position, "finger position code out of range");
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/record-iso/demo-records", test_demo_records);
  g_test_add_func("/record-iso/damaged-refused", test_damaged_refused);
  return g_test_run();
}
