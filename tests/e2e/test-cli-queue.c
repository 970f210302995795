/* `biokiosk queue ...` and `biokiosk record open` as a technician and the
 * back office run them ($BK_BIOKIOSK): a record stored through the library
 * is listed, uploaded to the outbox folder, then opened, verified and
 * extracted with the demo secret key; a flipped byte, a wrong key, a wrong
 * pinned kiosk and a failing target give the documented exit codes. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sodium.h>
#include <string.h>

#include "db.h"
#include "keys.h"
#include "queue.h"
#include "record.h"
#include "testlib.h"

static const char *biokiosk;

typedef struct {
  char *dir;
  char *state_dir;
  char *outbox;
  char *set_state;  /* --set paths.state_dir=... */
  char *set_outbox; /* --set paths.outbox=... */
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
  f->dir = testlib_mkdtemp();
  f->state_dir = g_build_filename(f->dir, "state", NULL);
  f->outbox = g_build_filename(f->dir, "outbox", NULL);
  g_assert_cmpint(g_mkdir(f->outbox, 0700), ==, 0);
  f->set_state = g_strconcat("paths.state_dir=", f->state_dir, NULL);
  f->set_outbox = g_strconcat("paths.outbox=", f->outbox, NULL);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
  testlib_rmtree(f->dir);
  g_free(f->dir);
  g_free(f->state_dir);
  g_free(f->outbox);
  g_free(f->set_state);
  g_free(f->set_outbox);
}

/* Stores a record the way the app does, in the CLI's database. */
static char *store_record(Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db_path = NULL;
  g_autoptr(BkRecord) record = record_new();
  g_autoptr(BkImage) finger = image_new(4, 3, 1);
  g_autoptr(GBytes) jpeg = g_bytes_new_static("\xff\xd8jpeg\xff\xd9", 8);
  g_autoptr(KioskQueue) queue = NULL;
  sqlite3 *db;
  char *id = NULL;

  g_assert_cmpint(g_mkdir_with_parents(f->state_dir, 0700), ==, 0);
  db_path = g_build_filename(f->state_dir, "kiosk.db", NULL);
  db = db_open(db_path, &error);
  g_assert_no_error(error);
  queue = queue_open(db, f->state_dir, "", &error);
  g_assert_no_error(error);
  memset(finger->pixels, 200, finger->stride * finger->height);
  record_set_string(record, "location", "IND-ZWL");
  record_set_int(record, "person.index", 1);
  record_add_part(record, "photo/camera", RECORD_MEDIA_JPEG, jpeg);
  g_assert_true(
      record_add_grey_image(record, "fingerprint/left-thumb", finger, 500));
  g_assert_true(queue_store_record(queue, record, 1795000000, &id, &error));
  g_assert_no_error(error);
  g_clear_pointer(&queue, queue_close);
  db_close(db);
  return id;
}

/* Runs biokiosk with `args` (NULL-terminated); returns the exit status. */
static int run(char **ret_out, char **ret_err, const char *first, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *arg;
  va_list args;
  int status;

  g_ptr_array_add(argv, (gpointer)biokiosk);
  va_start(args, first);
  for (arg = first; arg; arg = va_arg(args, const char *))
    g_ptr_array_add(argv, (gpointer)arg);
  va_end(args);
  g_ptr_array_add(argv, NULL);
  status = testlib_spawn((const char *const *)argv->pdata, NULL, &out, &err);
  g_test_message("exit %d\nstdout: %s\nstderr: %s", status, out, err);
  if (ret_out)
    *ret_out = g_steal_pointer(&out);
  if (ret_err)
    *ret_err = g_steal_pointer(&err);
  return status;
}

static JsonObject *parse_object(JsonParser *parser, const char *text)
{
  g_autoptr(GError) error = NULL;

  g_assert_true(json_parser_load_from_data(parser, text, -1, &error));
  g_assert_no_error(error);
  g_assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)));
  return json_node_get_object(json_parser_get_root(parser));
}

static void test_round_trip(Fixture *f, gconstpointer data)
{
  g_autofree char *id = store_record(f);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *name = g_strconcat(id, ".bkrec", NULL);
  g_autofree char *bkrec = g_build_filename(f->outbox, name, NULL);
  g_autofree char *secret =
      g_build_filename(f->state_dir, KEYS_DEMO_SECRET_FILE, NULL);
  g_autofree char *pub =
      g_build_filename(f->state_dir, KEYS_SIGNING_PUBLIC_FILE, NULL);
  g_autofree char *extract = g_build_filename(f->dir, "parts", NULL);
  g_autofree char *pgm =
      g_build_filename(extract, "fingerprint_left-thumb.pgm", NULL);
  g_autofree char *pgm_data = NULL;
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *o;
  JsonArray *parts;
  gsize pgm_len = 0;

  /* status */
  g_assert_cmpint(
      run(&out, &err, "queue", "status", "--json", "--set", f->set_state, NULL),
      ==, 0);
  o = parse_object(parser, out);
  g_assert_cmpint(json_object_get_int_member(o, "records"), ==, 1);
  g_assert_cmpstr(json_object_get_string_member(o, "backoffice_key"), ==,
                  "demo");
  g_assert_true(json_object_get_boolean_member(
      json_object_get_object_member(o, "audit"), "verified"));
  g_assert_nonnull(strstr(err, "DEMO"));
  g_clear_pointer(&out, g_free);
  g_clear_pointer(&err, g_free);

  /* list: one JSON object per line */
  g_assert_cmpint(
      run(&out, NULL, "queue", "list", "--json", "--set", f->set_state, NULL),
      ==, 0);
  o = parse_object(parser, out);
  g_assert_cmpstr(json_object_get_string_member(o, "id"), ==, id);
  g_assert_cmpstr(json_object_get_string_member(o, "state"), ==, "queued");
  g_assert_cmpint(json_object_get_int_member(o, "attempts"), ==, 0);
  g_clear_pointer(&out, g_free);

  /* upload to the configured outbox */
  g_assert_cmpint(run(&out, NULL, "queue", "upload", "--json", "--set",
                      f->set_state, "--set", f->set_outbox, NULL),
                  ==, 0);
  o = parse_object(parser, out);
  g_assert_cmpint(json_object_get_int_member(o, "acknowledged"), ==, 1);
  g_assert_cmpint(json_object_get_int_member(o, "failed"), ==, 0);
  g_assert_true(g_file_test(bkrec, G_FILE_TEST_IS_REGULAR));
  g_clear_pointer(&out, g_free);
  g_assert_cmpint(run(&out, NULL, "queue", "list", "--set", f->set_state, NULL),
                  ==, 0);
  g_assert_nonnull(strstr(out, "empty"));
  g_clear_pointer(&out, g_free);

  /* back office: open, pinned to this kiosk's key, with extraction */
  g_assert_cmpint(run(&out, NULL, "record", "open", "--json", "--secret-key",
                      secret, "--kiosk-key", pub, "--extract", extract, bkrec,
                      NULL),
                  ==, 0);
  o = parse_object(parser, out);
  g_assert_cmpstr(json_object_get_string_member(o, "id"), ==, id);
  g_assert_cmpstr(json_object_get_string_member(o, "signature"), ==, "valid");
  g_assert_true(json_object_get_boolean_member(o, "kiosk_key_pinned"));
  g_assert_cmpstr(json_object_get_string_member(
                      json_object_get_object_member(o, "metadata"), "location"),
                  ==, "IND-ZWL");
  g_assert_cmpint(
      json_object_get_int_member(json_object_get_object_member(o, "metadata"),
                                 "fingerprint/left-thumb.ppi"),
      ==, 500);
  parts = json_object_get_array_member(o, "parts");
  g_assert_cmpuint(json_array_get_length(parts), ==, 2);
  g_assert_cmpstr(json_object_get_string_member(
                      json_array_get_object_element(parts, 1), "media_type"),
                  ==, RECORD_MEDIA_GREY8);
  g_assert_cmpint(json_object_get_int_member(
                      json_array_get_object_element(parts, 1), "bytes"),
                  ==, 12);
  g_assert_true(g_file_get_contents(pgm, &pgm_data, &pgm_len, NULL));
  g_assert_true(g_str_has_prefix(pgm_data, "P5\n4 3\n255\n"));
  g_assert_cmpuint(pgm_len, ==, strlen("P5\n4 3\n255\n") + 12);
  g_clear_pointer(&out, g_free);

  /* text output lists the parts */
  g_assert_cmpint(
      run(&out, NULL, "record", "open", "--secret-key", secret, bkrec, NULL),
      ==, 0);
  g_assert_nonnull(strstr(out, "photo/camera"));
  g_assert_nonnull(strstr(out, "not pinned"));
  g_clear_pointer(&out, g_free);

  /* purge: nothing acknowledged is left; reported, exit 0 */
  g_assert_cmpint(
      run(&out, NULL, "queue", "purge", "--set", f->set_state, NULL), ==, 0);
  g_assert_nonnull(strstr(out, "nothing to purge"));
}

static void test_failures(Fixture *f, gconstpointer data)
{
  g_autofree char *id = store_record(f);
  g_autofree char *out = NULL;
  g_autofree char *name = g_strconcat(id, ".bkrec", NULL);
  g_autofree char *bkrec = g_build_filename(f->outbox, name, NULL);
  g_autofree char *flipped = g_build_filename(f->dir, "flipped.bkrec", NULL);
  g_autofree char *secret =
      g_build_filename(f->state_dir, KEYS_DEMO_SECRET_FILE, NULL);
  g_autofree char *wrong = g_build_filename(f->dir, "wrong.sk", NULL);
  g_autofree char *missing = g_build_filename(f->dir, "no-such", NULL);
  g_autofree char *missing_target = g_strconcat("file://", missing, NULL);
  g_autofree char *contents = NULL;
  g_autoptr(JsonParser) parser = json_parser_new();
  guint8 pk[KEYS_PUBLIC_BYTES], sk[KEYS_BOX_SECRET_BYTES];
  gsize len = 0;
  JsonObject *o;

  /* Failing target: exit 1, record kept with one attempt. */
  g_assert_cmpint(run(&out, NULL, "queue", "upload", "--json", "--set",
                      f->set_state, "--target", missing_target, NULL),
                  ==, 1);
  o = parse_object(parser, out);
  g_assert_cmpint(json_object_get_int_member(o, "failed"), ==, 1);
  g_clear_pointer(&out, g_free);
  g_assert_cmpint(
      run(&out, NULL, "queue", "list", "--json", "--set", f->set_state, NULL),
      ==, 0);
  o = parse_object(parser, out);
  g_assert_cmpint(json_object_get_int_member(o, "attempts"), ==, 1);
  g_assert_cmpstr(json_object_get_string_member(o, "state"), ==, "retrying");
  g_clear_pointer(&out, g_free);
  /* --due-only leaves it alone until its backoff has passed. */
  g_assert_cmpint(run(&out, NULL, "queue", "upload", "--due-only", "--json",
                      "--set", f->set_state, "--set", f->set_outbox, NULL),
                  ==, 0);
  o = parse_object(parser, out);
  g_assert_cmpint(json_object_get_int_member(o, "not_due"), ==, 1);
  g_assert_cmpint(json_object_get_int_member(o, "acknowledged"), ==, 0);
  g_clear_pointer(&out, g_free);
  /* Usage errors: exit 2. */
  g_assert_cmpint(run(NULL, NULL, "queue", "upload", "--set", f->set_state,
                      "--target", "gopher://x/", NULL),
                  ==, 2);
  g_assert_cmpint(run(NULL, NULL, "queue", "frobnicate", NULL), ==, 2);
  g_assert_cmpint(run(NULL, NULL, "record", "open", bkrec, NULL), ==, 2);

  g_assert_cmpint(run(NULL, NULL, "queue", "upload", "--set", f->set_state,
                      "--set", f->set_outbox, NULL),
                  ==, 0);

  /* A flipped byte in the sealed part: the signature fails, exit 1. */
  g_assert_true(g_file_get_contents(bkrec, &contents, &len, NULL));
  contents[len / 2] ^= 0x40;
  g_assert_true(g_file_set_contents(flipped, contents, (gssize)len, NULL));
  g_assert_cmpint(
      run(NULL, NULL, "record", "open", "--secret-key", secret, flipped, NULL),
      ==, 1);
  /* Not an envelope at all: exit 2. */
  g_assert_cmpint(
      run(NULL, NULL, "record", "open", "--secret-key", secret, secret, NULL),
      ==, 2);
  /* Another back office's key cannot open it: exit 2 (wrong input). */
  crypto_box_keypair(pk, sk);
  g_assert_true(g_file_set_contents(wrong, (const char *)sk, sizeof sk, NULL));
  g_assert_cmpint(
      run(NULL, NULL, "record", "open", "--secret-key", wrong, bkrec, NULL), ==,
      2);
  /* Pinned to another kiosk's key: exit 1. */
  {
    g_autofree char *other = keys_encode(pk, sizeof pk);
    g_assert_cmpint(run(NULL, NULL, "record", "open", "--secret-key", secret,
                        "--kiosk-key", other, bkrec, NULL),
                    ==, 1);
  }
  /* The raw 32-byte form of the right key works too. */
  {
    guint8 raw[KEYS_BOX_SECRET_BYTES];
    g_autoptr(GError) error = NULL;
    g_assert_true(keys_read_box_secret(secret, raw, &error));
    g_assert_true(
        g_file_set_contents(wrong, (const char *)raw, sizeof raw, NULL));
    g_assert_cmpint(
        run(NULL, NULL, "record", "open", "--secret-key", wrong, bkrec, NULL),
        ==, 0);
  }
}

static void test_purge_force(Fixture *f, gconstpointer data)
{
  g_autofree char *id1 = store_record(f);
  g_autofree char *id2 = store_record(f);
  g_autofree char *out = NULL;
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *o;

  g_assert_cmpint(
      run(&out, NULL, "queue", "purge", "--json", "--set", f->set_state, NULL),
      ==, 0);
  o = parse_object(parser, out);
  g_assert_cmpint(json_object_get_int_member(o, "purged_unacknowledged"), ==,
                  0);
  g_assert_cmpint(json_object_get_int_member(o, "kept"), ==, 2);
  g_assert_cmpstr(id1, !=, id2);
  g_clear_pointer(&out, g_free);
  g_assert_cmpint(run(&out, NULL, "queue", "purge", "--force-unacknowledged",
                      "--set", f->set_state, NULL),
                  ==, 0);
  g_assert_nonnull(strstr(out, "deleted 2 unacknowledged records"));
  g_clear_pointer(&out, g_free);
  g_assert_cmpint(
      run(&out, NULL, "queue", "status", "--json", "--set", f->set_state, NULL),
      ==, 0);
  o = parse_object(parser, out);
  g_assert_cmpint(json_object_get_int_member(o, "records"), ==, 0);
  /* 2 queued + 1 purge */
  g_assert_cmpint(json_object_get_int_member(
                      json_object_get_object_member(o, "audit"), "entries"),
                  ==, 3);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  biokiosk = g_getenv("BK_BIOKIOSK");
  if (!biokiosk || !g_file_test(biokiosk, G_FILE_TEST_IS_EXECUTABLE))
    testlib_skip_all("BK_BIOKIOSK does not name the biokiosk program");
  if (sodium_init() < 0)
    testlib_skip_all("libsodium cannot be initialised");
  g_test_add("/cli-queue/round-trip", Fixture, NULL, fixture_setup,
             test_round_trip, fixture_teardown);
  g_test_add("/cli-queue/failures", Fixture, NULL, fixture_setup, test_failures,
             fixture_teardown);
  g_test_add("/cli-queue/purge-force", Fixture, NULL, fixture_setup,
             test_purge_force, fixture_teardown);
  return g_test_run();
}
