/* kiosk/queue.c against real SQLite, libsodium, libcurl and the file system:
 * only sealed bytes reach the disk, signatures catch a flipped byte, the
 * kiosk cannot open its own queue, folder upload with acknowledgement by
 * hash, backoff on a failing target, idempotent re-upload, crash safety,
 * purge, and the uploader thread. */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <utime.h>

#include "audit.h"
#include "db.h"
#include "envelope.h"
#include "keys.h"
#include "queue.h"
#include "record.h"
#include "testlib.h"
#include "uploader.h"

/* Put into a part and a metadata value; must never be found on disk. */
#define MARKER "BIOKIOSK-PLAINTEXT-MARKER-7f3a9c"

typedef struct {
  char *dir;
  char *state_dir;
  char *db_path;
  char *outbox;
  char *target;
  sqlite3 *db;
  KioskQueue *queue;
} Fixture;

static void fixture_open_queue(Fixture *f, const char *backoffice_key)
{
  g_autoptr(GError) error = NULL;

  f->db = db_open(f->db_path, &error);
  g_assert_no_error(error);
  f->queue = queue_open(f->db, f->state_dir, backoffice_key, &error);
  g_assert_no_error(error);
  g_assert_nonnull(f->queue);
}

static void fixture_close_queue(Fixture *f)
{
  g_clear_pointer(&f->queue, queue_close);
  g_clear_pointer(&f->db, db_close);
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
  f->dir = testlib_mkdtemp();
  f->state_dir = g_build_filename(f->dir, "state", NULL);
  f->db_path = g_build_filename(f->state_dir, "kiosk.db", NULL);
  f->outbox = g_build_filename(f->dir, "outbox", NULL);
  g_assert_cmpint(g_mkdir_with_parents(f->state_dir, 0700), ==, 0);
  g_assert_cmpint(g_mkdir(f->outbox, 0700), ==, 0);
  f->target = queue_target_for_folder(f->outbox);
  fixture_open_queue(f, data);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
  fixture_close_queue(f);
  testlib_rmtree(f->dir);
  g_free(f->dir);
  g_free(f->state_dir);
  g_free(f->db_path);
  g_free(f->outbox);
  g_free(f->target);
}

/* A record with a 64 KiB "fingerprint" around the marker. */
static BkRecord *marked_record(void)
{
  BkRecord *record = record_new();
  g_autoptr(BkImage) finger = image_new(256, 256, 1);
  g_autoptr(GBytes) photo = NULL;
  GString *jpeg = g_string_new("\xff\xd8");

  for (int i = 0; i < 100; i++)
    g_string_append(jpeg, MARKER);
  photo = g_string_free_to_bytes(jpeg);
  for (int y = 0; y < 256; y++)
    for (int x = 0; x < 256; x++)
      finger->pixels[y * finger->stride + x] = (guint8)(x ^ y);
  memcpy(finger->pixels + 1000, MARKER, strlen(MARKER));

  record_set_string(record, "applicant.surname", MARKER);
  record_add_part(record, "photo/original", RECORD_MEDIA_JPEG, photo);
  g_assert_true(
      record_add_grey_image(record, "fingerprint/right-index", finger, 500));
  return record;
}

static char *store_marked(Fixture *f, gint64 now)
{
  g_autoptr(BkRecord) record = marked_record();
  g_autoptr(GError) error = NULL;
  char *id = NULL;

  g_assert_true(queue_store_record(f->queue, record, now, &id, &error));
  g_assert_no_error(error);
  g_assert_nonnull(id);
  return id;
}

static gboolean file_contains(const char *path, const char *needle)
{
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents(path, &contents, &len, NULL))
    return FALSE;
  return memmem(contents, len, needle, strlen(needle)) != NULL;
}

/* Every regular file below `dir` (recursively). */
static void collect_files(const char *dir, GPtrArray *files)
{
  g_autoptr(GDir) handle = g_dir_open(dir, 0, NULL);
  const char *name;

  if (!handle)
    return;
  while ((name = g_dir_read_name(handle))) {
    char *path = g_build_filename(dir, name, NULL);
    if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
      collect_files(path, files);
      g_free(path);
    } else {
      g_ptr_array_add(files, path);
    }
  }
}

static void assert_no_marker_below(const char *dir)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);

  collect_files(dir, files);
  g_assert_cmpuint(files->len, >, 0);
  for (guint i = 0; i < files->len; i++) {
    g_test_message("checking %s", (char *)files->pdata[i]);
    g_assert_false(file_contains(files->pdata[i], MARKER));
  }
}

static void read_demo_secret(Fixture *f, guint8 *ret_secret)
{
  g_autofree char *path =
      g_build_filename(f->state_dir, KEYS_DEMO_SECRET_FILE, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true(keys_read_box_secret(path, ret_secret, &error));
  g_assert_no_error(error);
}

static BkRecord *open_envelope(GBytes *bytes, const guint8 *secret)
{
  g_autoptr(KioskEnvelope) envelope = NULL;
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GError) error = NULL;
  BkRecord *record;

  envelope = envelope_parse(bytes, &error);
  g_assert_no_error(error);
  plain = envelope_open(envelope, secret, &error);
  g_assert_no_error(error);
  record = record_deserialize(plain, &error);
  g_assert_no_error(error);
  return record;
}

static void test_no_plaintext_on_disk(Fixture *f, gconstpointer data)
{
  g_autofree char *id = store_marked(f, 1000);
  g_autoptr(QueueUploadReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) envelope = queue_get_envelope(f->queue, id, &error);
  g_autoptr(BkRecord) record = NULL;
  g_autofree char *wal = g_strconcat(f->db_path, "-wal", NULL);
  guint8 secret[KEYS_BOX_SECRET_BYTES];

  g_assert_no_error(error);
  /* The marker really is in the record: opened with the back office's key
   * the envelope gives it back, so the searches below can fail. */
  read_demo_secret(f, secret);
  record = open_envelope(envelope, secret);
  g_assert_cmpstr(record_get_string(record, "applicant.surname"), ==, MARKER);
  g_assert_cmpstr(record_get_string(record, "queue.id"), ==, id);
  {
    /* The audit head before this record's own entry: empty log. */
    gint64 seq = -1;
    g_assert_true(record_get_int(record, "audit.head_seq", &seq));
    g_assert_cmpint(seq, ==, 0);
    g_assert_cmpuint(strlen(record_get_string(record, "audit.head_hash")), ==,
                     64);
  }
  /* And the search finds it in a file that holds the plain record. */
  {
    g_autofree char *control = g_build_filename(f->dir, "control", NULL);
    g_autoptr(GBytes) plain = record_serialize(record);
    g_assert_true(g_file_set_contents(control, g_bytes_get_data(plain, NULL),
                                      (gssize)g_bytes_get_size(plain), NULL));
    g_assert_true(file_contains(control, MARKER));
    g_unlink(control);
  }

  /* Queued, not yet uploaded: database, WAL, keys. */
  g_assert_true(g_file_test(wal, G_FILE_TEST_EXISTS));
  assert_no_marker_below(f->state_dir);

  g_assert_true(queue_upload(f->queue, f->target, 1000, QUEUE_UPLOAD_DUE,
                             &report, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(report->n_acknowledged, ==, 1);
  assert_no_marker_below(f->state_dir);
  assert_no_marker_below(f->outbox);
  /* After closing (checkpoint into the main file) still nothing. */
  fixture_close_queue(f);
  assert_no_marker_below(f->state_dir);
}

static void test_signature_detects_flip(Fixture *f, gconstpointer data)
{
  g_autofree char *id = store_marked(f, 1000);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) envelope = queue_get_envelope(f->queue, id, &error);
  g_autoptr(KioskEnvelope) parsed = NULL;
  gsize len = 0;
  const guint8 *data_ = g_bytes_get_data(envelope, &len);
  /* Offsets across the header, the body (id, keys, sealed data) and the
   * signature at the end. */
  gsize offsets[] = {0,       20,        40,       60,       100,
                     len / 2, len - 200, len - 70, len - 10, len - 1};

  parsed = envelope_parse(envelope, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(parsed->id, ==, id);
  g_assert_cmpint(parsed->created, ==, 1000);

  for (gsize i = 0; i < G_N_ELEMENTS(offsets); i++) {
    g_autofree guint8 *copy = g_memdup2(data_, len);
    g_autoptr(GBytes) bad = NULL;
    g_autoptr(GError) local = NULL;
    g_autoptr(KioskEnvelope) result = NULL;

    copy[offsets[i]] ^= 0x01;
    bad = g_bytes_new(copy, len);
    result = envelope_parse(bad, &local);
    g_test_message("flipped byte %" G_GSIZE_FORMAT, offsets[i]);
    g_assert_null(result);
    g_assert_true(g_error_matches(local, KEYS_ERROR, KEYS_ERROR_INVALID) ||
                  g_error_matches(local, KEYS_ERROR, KEYS_ERROR_SIGNATURE));
    /* Inside the sealed data the structure holds: only the signature
     * notices. */
    if (offsets[i] == len / 2)
      g_assert_error(local, KEYS_ERROR, KEYS_ERROR_SIGNATURE);
  }
}

/* With a real back-office key the kiosk holds nothing that opens its queue:
 * not its signing key, not any key-sized file in its state folder. */
static void test_kiosk_cannot_open_own_queue(Fixture *f, gconstpointer data)
{
  guint8 bo_public[KEYS_PUBLIC_BYTES];
  guint8 bo_secret[KEYS_BOX_SECRET_BYTES];
  guint8 kiosk_public[KEYS_PUBLIC_BYTES];
  guint8 kiosk_secret[KEYS_SIGN_SECRET_BYTES];
  guint8 curve_secret[KEYS_BOX_SECRET_BYTES];
  g_autofree char *bo_text = NULL;
  g_autofree char *id = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) envelope = NULL;
  g_autoptr(KioskEnvelope) parsed = NULL;
  g_autoptr(BkRecord) record = NULL;
  g_autoptr(GBytes) plain = NULL;

  crypto_box_keypair(bo_public, bo_secret);
  bo_text = keys_encode(bo_public, sizeof bo_public);
  fixture_close_queue(f);
  testlib_rmtree(f->state_dir);
  g_assert_cmpint(g_mkdir(f->state_dir, 0700), ==, 0);
  fixture_open_queue(f, bo_text);
  g_assert_false(queue_uses_demo_key(f->queue));
  id = store_marked(f, 1000);
  envelope = queue_get_envelope(f->queue, id, &error);
  g_assert_no_error(error);
  parsed = envelope_parse(envelope, &error);
  g_assert_no_error(error);
  g_assert_cmpmem(parsed->recipient_key, KEYS_PUBLIC_BYTES, bo_public,
                  KEYS_PUBLIC_BYTES);

  /* The kiosk's own signing key, converted to X25519. */
  g_assert_true(keys_load_or_create_signing(f->state_dir, kiosk_public,
                                            kiosk_secret, &error));
  g_assert_cmpmem(parsed->kiosk_key, KEYS_PUBLIC_BYTES, kiosk_public,
                  KEYS_PUBLIC_BYTES);
  g_assert_cmpint(
      crypto_sign_ed25519_sk_to_curve25519(curve_secret, kiosk_secret), ==, 0);
  plain = envelope_open(parsed, curve_secret, &error);
  g_assert_null(plain);
  g_assert_error(error, KEYS_ERROR, KEYS_ERROR_INVALID);
  g_clear_error(&error);

  /* No demo pair was made, and no file in the state folder opens it. */
  {
    g_autofree char *demo =
        g_build_filename(f->state_dir, KEYS_DEMO_SECRET_FILE, NULL);
    g_assert_false(g_file_test(demo, G_FILE_TEST_EXISTS));
  }
  collect_files(f->state_dir, files);
  for (guint i = 0; i < files->len; i++) {
    guint8 candidate[KEYS_BOX_SECRET_BYTES];
    g_autoptr(GError) local = NULL;

    if (!keys_read_box_secret(files->pdata[i], candidate, &local))
      continue;
    g_assert_null(envelope_open(parsed, candidate, NULL));
  }

  /* The back office's key does open it. */
  record = open_envelope(envelope, bo_secret);
  g_assert_cmpstr(record_get_string(record, "applicant.surname"), ==, MARKER);
  sodium_memzero(bo_secret, sizeof bo_secret);
}

static char *outbox_file(Fixture *f, const char *id)
{
  g_autofree char *name = g_strconcat(id, QUEUE_FILE_EXTENSION, NULL);

  return g_build_filename(f->outbox, name, NULL);
}

static guint count_files(const char *dir)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);

  collect_files(dir, files);
  return files->len;
}

static void test_upload_and_ack(Fixture *f, gconstpointer data)
{
  g_autofree char *id1 = store_marked(f, 1000);
  g_autofree char *id2 = store_marked(f, 1001);
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(QueueUploadReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path1 = outbox_file(f, id1);
  g_autofree char *written = NULL;
  g_autofree char *sha = NULL;
  gsize len = 0;
  QueueStatus status;
  gint64 n_audit = 0;

  before = queue_list(f->queue, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(before->len, ==, 2);
  g_assert_cmpstr(((QueueEntry *)before->pdata[0])->id, ==, id1);
  g_assert_cmpstr(((QueueEntry *)before->pdata[1])->id, ==, id2);
  g_assert_cmpstr(queue_entry_state(before->pdata[0]), ==, "queued");
  g_assert_true(queue_status(f->queue, 1001, &status, &error));
  g_assert_cmpuint(status.n_records, ==, 2);
  g_assert_cmpuint(status.n_due, ==, 2);
  g_assert_cmpint(status.oldest_created, ==, 1000);

  g_assert_true(queue_upload(f->queue, f->target, 1002, QUEUE_UPLOAD_DUE,
                             &report, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(report->n_acknowledged, ==, 2);
  g_assert_cmpuint(report->n_failed, ==, 0);

  /* Exactly the two envelopes, no temporary files, hash as queued. */
  g_assert_cmpuint(count_files(f->outbox), ==, 2);
  g_assert_true(g_file_get_contents(path1, &written, &len, NULL));
  sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (guchar *)written, len);
  g_assert_cmpstr(sha, ==, ((QueueEntry *)before->pdata[0])->sha256);
  {
    GStatBuf st;
    g_assert_cmpint(g_stat(path1, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0640);
  }

  after = queue_list(f->queue, &error);
  g_assert_cmpuint(after->len, ==, 0);

  /* A crashed transfer's leftover (nobody holds its lock) is removed, an
   * old one as a fresh one; a transfer in progress (its writer holds the
   * lock, maybe another uploader's) and foreign files stay. Times here are
   * real: the files' mtime is compared with `now`. */
  {
    g_autofree char *stale =
        g_strdup_printf("%s/.%s.0000abcd.part", f->outbox, id1);
    g_autofree char *killed =
        g_strdup_printf("%s/.%s.0000dead.part", f->outbox, id1);
    g_autofree char *running =
        g_strdup_printf("%s/.%s.0000beef.part", f->outbox, id1);
    g_autofree char *foreign = g_build_filename(f->outbox, ".keep.part", NULL);
    g_autoptr(QueueUploadReport) again = NULL;
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    struct utimbuf old_time = {.actime = now - 7200, .modtime = now - 7200};
    int writer;

    g_assert_true(g_file_set_contents(stale, "x", 1, NULL));
    g_assert_true(g_file_set_contents(killed, "x", 1, NULL));
    g_assert_true(g_file_set_contents(running, "x", 1, NULL));
    g_assert_true(g_file_set_contents(foreign, "x", 1, NULL));
    g_assert_cmpint(g_utime(stale, &old_time), ==, 0);
    g_assert_cmpint(g_utime(foreign, &old_time), ==, 0);
    writer = open(running, O_WRONLY | O_CLOEXEC);
    g_assert_cmpint(flock(writer, LOCK_EX), ==, 0);
    g_assert_true(queue_upload(f->queue, f->target, now, QUEUE_UPLOAD_DUE,
                               &again, &error));
    g_assert_false(g_file_test(stale, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(killed, G_FILE_TEST_EXISTS));
    g_assert_true(g_file_test(running, G_FILE_TEST_EXISTS));
    g_assert_true(g_file_test(foreign, G_FILE_TEST_EXISTS));
    close(writer);
    g_unlink(running);
    g_unlink(foreign);
  }
  g_assert_true(audit_verify(f->db, &n_audit, &error));
  g_assert_no_error(error);
  g_assert_cmpint(n_audit, ==, 4); /* 2 queued + 2 acknowledged */
}

static void test_failing_target_backoff(Fixture *f, gconstpointer data)
{
  g_autofree char *id = store_marked(f, 1000);
  g_autofree char *blocker = g_build_filename(f->dir, "not-a-folder", NULL);
  g_autofree char *bad_dir = g_build_filename(blocker, "outbox", NULL);
  g_autofree char *bad_target = queue_target_for_folder(bad_dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  QueueStatus status;
  struct {
    gint64 now;
    guint acknowledged, failed, not_due;
    gint64 next;
  } steps[] = {
      {1000, 0, 1, 0, 1030}, /* 1st failure: +30 s */
      {1010, 0, 0, 1, 0},    /* not due yet */
      {1030, 0, 1, 0, 1090}, /* 2nd: +60 s */
      {1090, 0, 1, 0, 1210}, /* 3rd: +120 s */
  };

  /* A file where the folder should be: fails even for root. */
  g_assert_true(g_file_set_contents(blocker, "x", 1, NULL));
  for (gsize i = 0; i < G_N_ELEMENTS(steps); i++) {
    g_autoptr(QueueUploadReport) report = NULL;

    g_test_message("step %" G_GSIZE_FORMAT, i);
    g_assert_true(queue_upload(f->queue, bad_target, steps[i].now,
                               QUEUE_UPLOAD_DUE, &report, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(report->n_acknowledged, ==, steps[i].acknowledged);
    g_assert_cmpuint(report->n_failed, ==, steps[i].failed);
    g_assert_cmpuint(report->n_not_due, ==, steps[i].not_due);
    if (steps[i].failed) {
      QueueUploadItem *item = report->items->pdata[0];
      g_assert_cmpstr(item->id, ==, id);
      g_assert_false(item->acknowledged);
      g_assert_nonnull(item->error);
      g_assert_cmpint(item->next_attempt, ==, steps[i].next);
    }
  }
  entries = queue_list(f->queue, &error);
  g_assert_cmpuint(entries->len, ==, 1);
  g_assert_cmpint(((QueueEntry *)entries->pdata[0])->attempts, ==, 3);
  g_assert_cmpstr(queue_entry_state(entries->pdata[0]), ==, "retrying");
  g_assert_nonnull(((QueueEntry *)entries->pdata[0])->last_error);
  g_assert_true(queue_status(f->queue, 1100, &status, &error));
  g_assert_cmpuint(status.n_retrying, ==, 1);
  g_assert_cmpuint(status.n_due, ==, 0);
  g_assert_cmpint(status.next_attempt, ==, 1210);

  /* The schedule itself. */
  g_assert_cmpint(queue_backoff_delay(1), ==, 30);
  g_assert_cmpint(queue_backoff_delay(4), ==, 240);
  g_assert_cmpint(queue_backoff_delay(7), ==, 1920);
  g_assert_cmpint(queue_backoff_delay(8), ==, QUEUE_BACKOFF_MAX_S);
  g_assert_cmpint(queue_backoff_delay(1000), ==, QUEUE_BACKOFF_MAX_S);

  /* A manual upload of everything to the working folder delivers it. */
  {
    g_autoptr(QueueUploadReport) report = NULL;
    g_assert_true(queue_upload(f->queue, f->target, 1100, QUEUE_UPLOAD_ALL,
                               &report, &error));
    g_assert_cmpuint(report->n_acknowledged, ==, 1);
    g_assert_cmpuint(status.n_records - report->n_acknowledged, ==, 0);
  }

  /* An unknown scheme is an error for the whole call, not a retry. */
  g_assert_false(queue_upload(f->queue, "ftp://example.invalid/x", 2000,
                              QUEUE_UPLOAD_DUE, NULL, &error));
  g_assert_error(error, QUEUE_ERROR, QUEUE_ERROR_TARGET);
}

/* A crash between writing the file and deleting the row makes the same id
 * go out twice: simulated with a copy of the database taken before the
 * upload. The folder ends up with one file, unchanged. */
static void test_idempotent_reupload(Fixture *f, gconstpointer data)
{
  g_autofree char *id = store_marked(f, 1000);
  g_autofree char *copy_path = g_build_filename(f->dir, "copy.db", NULL);
  g_autofree char *db_bytes = NULL;
  g_autofree char *path = outbox_file(f, id);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autoptr(GError) error = NULL;
  gsize db_len = 0, first_len = 0, second_len = 0;

  fixture_close_queue(f); /* checkpoints the WAL into the main file */
  g_assert_true(g_file_get_contents(f->db_path, &db_bytes, &db_len, NULL));
  g_assert_true(g_file_set_contents(copy_path, db_bytes, db_len, NULL));
  fixture_open_queue(f, NULL);

  for (int round = 0; round < 2; round++) {
    g_autoptr(QueueUploadReport) report = NULL;
    if (round == 1) {
      /* The "crashed" kiosk: same record, row still present. */
      fixture_close_queue(f);
      g_free(f->db_path);
      f->db_path = g_strdup(copy_path);
      fixture_open_queue(f, NULL);
    }
    g_assert_true(queue_upload(f->queue, f->target, 1001, QUEUE_UPLOAD_DUE,
                               &report, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(report->n_acknowledged, ==, 1);
    g_assert_cmpstr(((QueueUploadItem *)report->items->pdata[0])->id, ==, id);
    g_assert_true(g_file_get_contents(path, round ? &second : &first,
                                      round ? &second_len : &first_len, NULL));
  }
  g_assert_cmpuint(count_files(f->outbox), ==, 1);
  g_assert_cmpmem(first, first_len, second, second_len);
}

/* The child of test_crash_safety (this program run again with
 * --store-and-die): stores one record and exits without closing the
 * database, checkpointing or uploading. */
static int store_and_die(const char *state_dir, const char *db_path,
                         const char *id_path)
{
  Fixture f = {.state_dir = (char *)state_dir, .db_path = (char *)db_path};
  char *id;

  fixture_open_queue(&f, NULL);
  id = store_marked(&f, 1000);
  if (!g_file_set_contents(id_path, id, -1, NULL))
    _exit(3);
  _exit(0);
}

/* A committed record survives a process that dies without cleaning up. */
static void test_crash_safety(Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id_path = g_build_filename(f->dir, "id", NULL);
  g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
  g_autofree char *id = NULL;
  g_autoptr(GBytes) envelope = NULL;
  g_autoptr(KioskEnvelope) parsed = NULL;
  const char *argv[] = {self,       "--store-and-die", f->state_dir,
                        f->db_path, id_path,           NULL};

  fixture_close_queue(f);
  g_assert_nonnull(self);
  g_assert_cmpint(testlib_spawn(argv, NULL, NULL, NULL), ==, 0);
  g_assert_true(g_file_get_contents(id_path, &id, NULL, NULL));

  fixture_open_queue(f, NULL);
  entries = queue_list(f->queue, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(entries->len, ==, 1);
  g_assert_cmpstr(((QueueEntry *)entries->pdata[0])->id, ==, id);
  envelope = queue_get_envelope(f->queue, id, &error);
  parsed = envelope_parse(envelope, &error);
  g_assert_no_error(error);
  g_assert_true(audit_verify(f->db, NULL, &error));
  g_assert_no_error(error);
}

static void test_purge(Fixture *f, gconstpointer data)
{
  g_autofree char *id1 = store_marked(f, 1000);
  g_autofree char *id2 = store_marked(f, 1000);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) audit = NULL;
  g_autoptr(GError) error = NULL;
  guint acked = 99, unacked = 99;

  g_assert_true(queue_purge(f->queue, FALSE, 1001, &acked, &unacked, &error));
  g_assert_cmpuint(acked, ==, 0);
  g_assert_cmpuint(unacked, ==, 0);
  entries = queue_list(f->queue, &error);
  g_assert_cmpuint(entries->len, ==, 2);
  g_assert_cmpstr(id1, !=, id2);
  g_clear_pointer(&entries, g_ptr_array_unref);

  g_assert_true(queue_purge(f->queue, TRUE, 1002, &acked, &unacked, &error));
  g_assert_cmpuint(unacked, ==, 2);
  entries = queue_list(f->queue, &error);
  g_assert_cmpuint(entries->len, ==, 0);
  audit = audit_list(f->db, 0, 0, &error);
  g_assert_cmpuint(audit->len, ==, 3);
  g_assert_cmpstr(((AuditEntry *)audit->pdata[2])->event, ==, "queue.purged");
  g_assert_cmpstr(((AuditEntry *)audit->pdata[2])->actor, ==,
                  AUDIT_ACTOR_TECHNICIAN);
  g_assert_cmpstr(((AuditEntry *)audit->pdata[2])->details, ==,
                  "unacknowledged=2");
}

static void test_uploader_thread(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  KioskUploader *uploader;
  UploaderStats stats = {0};
  g_autofree char *id = NULL;
  g_autofree char *path = NULL;
  gint64 deadline;

  uploader =
      uploader_start(f->db_path, f->state_dir, NULL, f->target, 3600, &error);
  g_assert_no_error(error);
  g_assert_nonnull(uploader);

  id = store_marked(f, g_get_real_time() / G_USEC_PER_SEC);
  path = outbox_file(f, id);
  uploader_kick(uploader);
  deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (g_get_monotonic_time() < deadline) {
    g_free(stats.last_error);
    uploader_get_stats(uploader, &stats);
    if (stats.n_acknowledged == 1)
      break;
    g_usleep(20000);
  }
  g_assert_cmpuint(stats.n_acknowledged, ==, 1);
  g_assert_cmpuint(stats.n_failed, ==, 0);
  g_assert_null(stats.last_error);
  g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
  uploader_stop(uploader);

  /* A bad target is refused at start. */
  g_assert_null(uploader_start(f->db_path, f->state_dir, NULL, "gopher://x/",
                               60, &error));
  g_assert_error(error, QUEUE_ERROR, QUEUE_ERROR_TARGET);
}

typedef struct {
  Fixture *f;
  char *ids[6];
} StoreThread;

static gpointer store_thread(gpointer data)
{
  StoreThread *st = data;

  for (gsize i = 0; i < G_N_ELEMENTS(st->ids); i++)
    st->ids[i] = store_marked(st->f, 1000);
  return NULL;
}

/* One queue shared by a storing thread and an uploading one: every record
 * ends up delivered exactly once, none is lost, the audit chain holds. */
static void test_shared_between_threads(Fixture *f, gconstpointer data)
{
  StoreThread st = {.f = f};
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) left = NULL;
  GThread *thread = g_thread_new("store", store_thread, &st);
  guint delivered = 0;
  gint64 n_audit = 0;

  for (int pass = 0; pass < 200 && delivered < G_N_ELEMENTS(st.ids); pass++) {
    g_autoptr(QueueUploadReport) report = NULL;
    g_assert_true(queue_upload(f->queue, f->target, 1000, QUEUE_UPLOAD_DUE,
                               &report, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(report->n_failed, ==, 0);
    delivered += report->n_acknowledged;
    g_usleep(1000);
  }
  g_thread_join(thread);
  {
    g_autoptr(QueueUploadReport) report = NULL;
    g_assert_true(queue_upload(f->queue, f->target, 1000, QUEUE_UPLOAD_DUE,
                               &report, &error));
    delivered += report->n_acknowledged;
  }
  g_assert_cmpuint(delivered, ==, G_N_ELEMENTS(st.ids));
  g_assert_cmpuint(count_files(f->outbox), ==, G_N_ELEMENTS(st.ids));
  left = queue_list(f->queue, &error);
  g_assert_cmpuint(left->len, ==, 0);
  g_assert_true(audit_verify(f->db, &n_audit, &error));
  g_assert_cmpint(n_audit, ==, 2 * G_N_ELEMENTS(st.ids));
  for (gsize i = 0; i < G_N_ELEMENTS(st.ids); i++)
    g_free(st.ids[i]);
}

static void test_bad_backoffice_key(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *db_path = g_build_filename(dir, "k.db", NULL);
  g_autoptr(GError) error = NULL;
  sqlite3 *db = db_open(db_path, &error);
  KioskQueue *queue;

  g_assert_no_error(error);
  queue = queue_open(db, dir, "not base64!", &error);
  g_assert_null(queue);
  g_assert_error(error, KEYS_ERROR, KEYS_ERROR_INVALID);
  g_clear_error(&error);
  queue = queue_open(db, dir, "c2hvcnQ=", &error); /* 5 bytes */
  g_assert_null(queue);
  g_assert_error(error, KEYS_ERROR, KEYS_ERROR_INVALID);
  db_close(db);
  testlib_rmtree(dir);
}

int main(int argc, char **argv)
{
  if (argc == 5 && strcmp(argv[1], "--store-and-die") == 0)
    return store_and_die(argv[2], argv[3], argv[4]);
  g_test_init(&argc, &argv, NULL);
  if (sodium_init() < 0)
    testlib_skip_all("libsodium cannot be initialised");

#define ADD(path, func)                                                        \
  g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD("/queue/no-plaintext-on-disk", test_no_plaintext_on_disk);
  ADD("/queue/signature-detects-flip", test_signature_detects_flip);
  ADD("/queue/kiosk-cannot-open-own-queue", test_kiosk_cannot_open_own_queue);
  ADD("/queue/upload-and-ack", test_upload_and_ack);
  ADD("/queue/failing-target-backoff", test_failing_target_backoff);
  ADD("/queue/idempotent-reupload", test_idempotent_reupload);
  ADD("/queue/crash-safety", test_crash_safety);
  ADD("/queue/purge", test_purge);
  ADD("/queue/uploader-thread", test_uploader_thread);
  ADD("/queue/shared-between-threads", test_shared_between_threads);
#undef ADD
  g_test_add_func("/queue/bad-backoffice-key", test_bad_backoffice_key);
  return g_test_run();
}
