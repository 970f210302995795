/* The s3:// transport and the queue against a real S3-compatible server
 * (tests/emulators/s3: s3rver, which checks Signature Version 4, started
 * here on loopback): delivery with the exact bytes read back, a wrong
 * secret refused and the record kept, a lost acknowledgement that does not
 * duplicate, an object with other bytes never replaced, multipart over the
 * threshold and its abort, faults (503 with Retry-After, a hang, a reset,
 * an unreachable endpoint), `biokiosk queue upload` killed with SIGKILL at
 * random moments, and bad credentials files and options refused before
 * anything is sent. */
#include <curl/curl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "config.h"
#include "audit.h"
#include "db.h"
#include "emulators/s3/s3-server.h"
#include "queue.h"
#include "settings.h"
#include "testlib.h"
#include "transport.h"

#define BUCKET     "kiosk"
#define ACCESS_KEY "BKTESTACCESSKEY"
#define SECRET_KEY "bk-test-secret/0123456789abcdef"
#define EMPTY_SHA256                                                           \
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define MIB (1024 * 1024)
/* SIGKILL cycles of the kill test; BK_S3_KILL_CYCLES sets another number.
 * On a machine so loaded that they would take longer than KILL_BUDGET_S,
 * the test stops there (and says how many ran), inside meson's timeout. */
#define KILL_CYCLES   200
#define KILL_BUDGET_S 180

static S3Server *main_server;
static char *scratch;

/* A credentials file in the AWS format, with `mode`. */
static char *write_credentials(const char *name, const char *secret, int mode)
{
  g_autofree char *path = g_build_filename(scratch, name, NULL);
  g_autofree char *text = g_strdup_printf("# test\n[default]\n"
                                          "aws_access_key_id = %s\n"
                                          "aws_secret_access_key = %s\n",
                                          ACCESS_KEY, secret);

  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  g_assert_cmpint(g_chmod(path, mode), ==, 0);
  return g_steal_pointer(&path);
}

static void options_for(TransportOptions *options, const S3Server *server,
                        const char *credentials, guint64 threshold)
{
  memset(options, 0, sizeof *options);
  options->region = g_strdup("us-east-1");
  options->endpoint = g_strdup(server->endpoint);
  options->credentials = g_strdup(credentials);
  options->multipart_threshold = threshold;
  options->connect_timeout_s = 5;
  options->transfer_timeout_s = 60;
}

static size_t collect(char *data, size_t size, size_t n, void *user)
{
  g_byte_array_append(user, (const guint8 *)data, size * n);
  return size * n;
}

/* A request of the test's own, signed with `secret`: the HTTP status
 * (0 when there was no answer); the body into `ret_body` when given. */
static long raw_request(const S3Server *server, const char *secret,
                        const char *method, const char *path, GBytes *body,
                        const char *extra_header, GByteArray *ret_body)
{
  g_autofree char *url = g_strconcat(server->endpoint, path, NULL);
  g_autofree char *userpwd = g_strdup_printf("%s:%s", ACCESS_KEY, secret);
  g_autofree char *hash =
      body ? g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, body)
           : g_strdup(EMPTY_SHA256);
  g_autofree char *hash_header =
      g_strconcat("x-amz-content-sha256: ", hash, NULL);
  g_autoptr(GByteArray) sink = g_byte_array_new();
  struct curl_slist *headers = curl_slist_append(NULL, hash_header);
  CURL *curl = curl_easy_init();
  long status = 0;

  if (extra_header)
    headers = curl_slist_append(headers, extra_header);
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, "aws:amz:us-east-1:s3");
  curl_easy_setopt(curl, CURLOPT_USERPWD, userpwd);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
  if (body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, g_bytes_get_data(body, NULL));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t)g_bytes_get_size(body));
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, ret_body ? ret_body : sink);
  if (curl_easy_perform(curl) == CURLE_OK)
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return status;
}

/* The SHA-256 of what the server holds under `key`, or NULL. */
static char *server_sha256(const S3Server *server, const char *key)
{
  g_autofree char *path = g_strdup_printf("/" BUCKET "/%s", key);
  g_autoptr(GByteArray) body = g_byte_array_new();

  if (raw_request(server, SECRET_KEY, "GET", path, NULL, NULL, body) != 200)
    return NULL;
  return g_compute_checksum_for_data(G_CHECKSUM_SHA256, body->data, body->len);
}

/* How many objects the bucket holds under `prefix` (ListObjectsV2). */
static guint server_count(const S3Server *server, const char *prefix)
{
  g_autofree char *path =
      g_strdup_printf("/" BUCKET "?list-type=2&prefix=%s", prefix);
  g_autoptr(GByteArray) body = g_byte_array_new();
  g_autofree char *text = NULL;
  guint n = 0;

  g_assert_cmpint(
      raw_request(server, SECRET_KEY, "GET", path, NULL, NULL, body), ==, 200);
  text = g_strndup((const char *)body->data, body->len);
  for (const char *p = text; (p = strstr(p, "<Key>")); p++)
    n++;
  return n;
}

/* Lines of the server's log that start with `start` and end with `end`. */
static guint log_count_ending(const S3Server *server, const char *start,
                              const char *end)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  guint n = 0;

  if (!g_file_get_contents(server->log, &text, NULL, NULL))
    return 0;
  lines = g_strsplit(text, "\n", -1);
  for (gsize i = 0; lines[i]; i++)
    n += g_str_has_prefix(lines[i], start) && g_str_has_suffix(lines[i], end);
  return n;
}

static guint log_count(const S3Server *server, const char *start)
{
  return log_count_ending(server, start, "");
}

/* A queue entry owned by a test. */
typedef QueueEntry TestEntry;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestEntry, queue_entry_free)

typedef struct {
  char *dir;
  sqlite3 *db;
  KioskQueue *queue;
} QueueFixture;

/* Opens the database and the queue in <dir>/state (made when missing). */
static void queue_fixture_connect(QueueFixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state = g_build_filename(f->dir, "state", NULL);
  g_autofree char *db_path = g_build_filename(state, "kiosk.db", NULL);

  g_assert_cmpint(g_mkdir_with_parents(state, 0700), ==, 0);
  f->db = db_open(db_path, &error);
  g_assert_no_error(error);
  f->queue = queue_open(f->db, state, NULL, &error);
  g_assert_no_error(error);
}

static void queue_fixture_disconnect(QueueFixture *f)
{
  g_clear_pointer(&f->queue, queue_close);
  g_clear_pointer(&f->db, db_close);
}

static void queue_fixture_open(QueueFixture *f)
{
  f->dir = testlib_mkdtemp();
  queue_fixture_connect(f);
}

static void queue_fixture_close(QueueFixture *f)
{
  queue_fixture_disconnect(f);
  testlib_rmtree(f->dir);
  g_free(f->dir);
}

/* Stores a record of `size` random bytes; returns its queue entry. */
static QueueEntry *store_record(QueueFixture *f, gsize size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autofree char *id = NULL;
  g_autofree guint8 *data = g_malloc(size);
  g_autoptr(GBytes) plain = NULL;

  for (gsize i = 0; i < size; i += 4) {
    guint32 r = g_random_int();
    memcpy(data + i, &r, MIN(4, size - i));
  }
  plain = g_bytes_new(data, size);
  g_assert_true(queue_store(f->queue, plain, 1700000000, &id, &error));
  g_assert_no_error(error);
  entries = queue_list(f->queue, &error);
  g_assert_no_error(error);
  for (guint i = 0; i < entries->len; i++) {
    QueueEntry *entry = g_ptr_array_index(entries, i);
    if (strcmp(entry->id, id) == 0)
      return g_ptr_array_steal_index(entries, i);
  }
  g_assert_not_reached();
}

static char *key_of(const char *prefix, const QueueEntry *entry)
{
  return g_strdup_printf("%s/%s.bkrec", prefix, entry->id);
}

/* One pass of every record to `url`. */
static QueueUploadReport *upload_all(QueueFixture *f, const char *url,
                                     const TransportOptions *options)
{
  g_autoptr(GError) error = NULL;
  QueueUploadReport *report = NULL;

  queue_set_transport_options(f->queue, options);
  g_assert_true(queue_upload(f->queue, url, 1700000100, QUEUE_UPLOAD_ALL,
                             &report, &error));
  g_assert_no_error(error);
  return report;
}

static guint queue_length(QueueFixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = queue_list(f->queue, &error);

  g_assert_no_error(error);
  return entries->len;
}

/* Opens s3://BUCKET/<prefix> and puts a small envelope, which must fail
 * with `code` and a message that holds `part` and no credentials. */
static KioskTransport *put_fails(const TransportOptions *options,
                                 const char *prefix, int code, const char *part)
{
  g_autofree char *url = g_strdup_printf("s3://" BUCKET "/%s", prefix);
  g_autoptr(GBytes) envelope = g_bytes_new_static("sealed", 6);
  g_autoptr(GError) error = NULL;
  KioskTransport *transport = transport_open_with_options(url, options, &error);

  g_assert_no_error(error);
  g_assert_false(transport_put(transport, "0123-abcd", envelope, &error));
  g_assert_error(error, TRANSPORT_ERROR, code);
  g_assert_nonnull(strstr(error->message, part));
  g_assert_null(strstr(error->message, ACCESS_KEY ":"));
  return transport;
}

/* The server itself: a request signed with another secret is refused
 * (403 SignatureDoesNotMatch) and stores nothing, the right one stores,
 * and a body that does not match its Content-MD5 is refused (400). */
static void test_server_checks_signatures(void)
{
  g_autoptr(GBytes) body = g_bytes_new_static("sealed bytes", 12);
  g_autoptr(GByteArray) answer = g_byte_array_new();
  g_autofree char *text = NULL;

  g_assert_cmpint(raw_request(main_server, "not-the-secret", "PUT",
                              "/" BUCKET "/raw/a.bkrec", body, NULL, answer),
                  ==, 403);
  text = g_strndup((const char *)answer->data, answer->len);
  g_assert_nonnull(strstr(text, "SignatureDoesNotMatch"));
  g_assert_cmpuint(server_count(main_server, "raw"), ==, 0);
  g_assert_cmpint(raw_request(main_server, SECRET_KEY, "PUT",
                              "/" BUCKET "/raw/a.bkrec", body,
                              "Content-MD5: 1B2M2Y8AsgTpgAmY7PhCfg==", NULL),
                  ==, 400);
  g_assert_cmpuint(server_count(main_server, "raw"), ==, 0);
  g_assert_cmpint(raw_request(main_server, SECRET_KEY, "PUT",
                              "/" BUCKET "/raw/a.bkrec", body, NULL, NULL),
                  ==, 200);
  g_assert_cmpuint(server_count(main_server, "raw"), ==, 1);
}

/* Several records through the queue: each acknowledged, the queue empty,
 * and the server holds exactly the queued bytes under <prefix>/<id>.bkrec,
 * sent with one PUT each. */
static void test_delivers_records(void)
{
  g_autofree char *credentials = write_credentials("ok", SECRET_KEY, 0600);
  g_auto(TransportOptions) options = {0};
  g_autoptr(QueueUploadReport) report = NULL;
  g_autoptr(GPtrArray) entries =
      g_ptr_array_new_with_free_func((GDestroyNotify)queue_entry_free);
  QueueFixture f = {0};

  queue_fixture_open(&f);
  options_for(&options, main_server, credentials, 0);
  for (gsize i = 0; i < 4; i++)
    g_ptr_array_add(entries, store_record(&f, 1000 + i * 70000));
  report = upload_all(&f, "s3://" BUCKET "/desk-1/records", &options);
  g_assert_cmpuint(report->n_acknowledged, ==, 4);
  g_assert_cmpuint(report->n_failed, ==, 0);
  g_assert_cmpuint(queue_length(&f), ==, 0);
  g_assert_cmpuint(server_count(main_server, "desk-1"), ==, 4);
  for (guint i = 0; i < entries->len; i++) {
    QueueEntry *entry = g_ptr_array_index(entries, i);
    g_autofree char *key = key_of("desk-1/records", entry);
    g_autofree char *held = server_sha256(main_server, key);
    g_autofree char *put = g_strdup_printf("PUT /" BUCKET "/%s ", key);

    g_assert_cmpstr(held, ==, entry->sha256);
    g_assert_cmpuint(log_count(main_server, put), ==, 1);
  }
  queue_fixture_close(&f);
}

/* A wrong secret: the server refuses (403), the transport says REFUSED,
 * the queue keeps the record (quarantined), and nothing is stored. */
static void test_wrong_secret_refused(void)
{
  g_autofree char *credentials = write_credentials("wrong", "wrong", 0600);
  g_auto(TransportOptions) options = {0};
  g_autoptr(KioskTransport) transport = NULL;
  g_autoptr(QueueUploadReport) report = NULL;
  g_autoptr(TestEntry) entry = NULL;
  QueueFixture f = {0};

  options_for(&options, main_server, credentials, 0);
  transport = put_fails(&options, "wrong", TRANSPORT_ERROR_REFUSED, "403");

  queue_fixture_open(&f);
  entry = store_record(&f, 5000);
  report = upload_all(&f, "s3://" BUCKET "/wrong", &options);
  g_assert_cmpuint(report->n_acknowledged, ==, 0);
  g_assert_cmpuint(report->n_failed, ==, 1);
  g_assert_cmpuint(queue_length(&f), ==, 1);
  g_assert_cmpuint(server_count(main_server, "wrong"), ==, 0);
  queue_fixture_close(&f);
}

/* The server stores the record but its answer is lost (and that of
 * libcurl's own retry on a fresh connection, which the conditional create
 * turns away): the record stays queued; the next pass finds the object
 * with the same bytes, sends nothing again and acknowledges. One object,
 * stored by one PUT. */
static void test_lost_acknowledgement(void)
{
  g_autofree char *why = NULL;
  g_autoptr(S3Server) server = s3_server_start(scratch, BUCKET, ACCESS_KEY,
                                               SECRET_KEY, "drop-puts:2", &why);
  g_autofree char *credentials = write_credentials("lost", SECRET_KEY, 0600);
  g_auto(TransportOptions) options = {0};
  g_autoptr(QueueUploadReport) first = NULL;
  g_autoptr(QueueUploadReport) second = NULL;
  g_autoptr(TestEntry) entry = NULL;
  g_autofree char *key = NULL;
  g_autofree char *put = NULL;
  g_autofree char *held = NULL;
  QueueFixture f = {0};

  g_assert_nonnull(server);
  queue_fixture_open(&f);
  options_for(&options, server, credentials, 0);
  entry = store_record(&f, 300000);
  key = key_of("lost", entry);
  put = g_strdup_printf("PUT /" BUCKET "/%s 200", key);
  first = upload_all(&f, "s3://" BUCKET "/lost", &options);
  g_assert_cmpuint(first->n_acknowledged, ==, 0);
  g_assert_cmpuint(queue_length(&f), ==, 1);
  g_assert_cmpuint(server_count(server, "lost"), ==, 1);

  second = upload_all(&f, "s3://" BUCKET "/lost", &options);
  g_assert_cmpuint(second->n_acknowledged, ==, 1);
  g_assert_cmpuint(queue_length(&f), ==, 0);
  g_assert_cmpuint(server_count(server, "lost"), ==, 1);
  g_assert_cmpuint(log_count(server, put), ==, 1);
  held = server_sha256(server, key);
  g_assert_cmpstr(held, ==, entry->sha256);
  queue_fixture_close(&f);
}

/* An object with other bytes under the record's key is never replaced:
 * the record is refused (quarantined) and the object stays as it was. */
static void test_other_bytes_never_replaced(void)
{
  g_autofree char *credentials = write_credentials("other", SECRET_KEY, 0600);
  g_auto(TransportOptions) options = {0};
  g_autoptr(QueueUploadReport) report = NULL;
  g_autoptr(GBytes) other = g_bytes_new_static("someone else's", 14);
  g_autoptr(TestEntry) entry = NULL;
  g_autofree char *key = NULL;
  g_autofree char *path = NULL;
  g_autofree char *held = NULL;
  g_autofree char *other_sha256 = NULL;
  QueueFixture f = {0};

  queue_fixture_open(&f);
  options_for(&options, main_server, credentials, 0);
  entry = store_record(&f, 2000);
  key = key_of("other", entry);
  path = g_strdup_printf("/" BUCKET "/%s", key);
  g_assert_cmpint(
      raw_request(main_server, SECRET_KEY, "PUT", path, other, NULL, NULL), ==,
      200);
  report = upload_all(&f, "s3://" BUCKET "/other", &options);
  g_assert_cmpuint(report->n_acknowledged, ==, 0);
  g_assert_cmpuint(report->n_failed, ==, 1);
  g_assert_cmpuint(queue_length(&f), ==, 1);
  held = server_sha256(main_server, key);
  other_sha256 = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, other);
  g_assert_cmpstr(held, ==, other_sha256);
  queue_fixture_close(&f);
}

/* The receipt asks the server, not the transport's memory: an object
 * replaced after the put (by another writer) fails it as other bytes. */
static void test_receipt_reads_the_server(void)
{
  g_autofree char *credentials = write_credentials("receipt", SECRET_KEY, 0600);
  g_auto(TransportOptions) options = {0};
  g_autoptr(KioskTransport) transport = NULL;
  g_autoptr(GBytes) envelope = g_bytes_new_static("the kiosk's bytes", 17);
  g_autoptr(GBytes) other = g_bytes_new_static("the other bytes!!", 17);
  g_autofree char *sha256 =
      g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, envelope);
  g_autoptr(GError) error = NULL;

  options_for(&options, main_server, credentials, 0);
  transport =
      transport_open_with_options("s3://" BUCKET "/receipt", &options, &error);
  g_assert_no_error(error);
  g_assert_true(transport_put(transport, "0123-abcd", envelope, &error));
  g_assert_no_error(error);
  g_assert_cmpint(raw_request(main_server, SECRET_KEY, "PUT",
                              "/" BUCKET "/receipt/0123-abcd.bkrec", other,
                              NULL, NULL),
                  ==, 200);
  g_assert_false(
      transport_verify_receipt(transport, "0123-abcd", sha256, &error));
  g_assert_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_REFUSED);
  g_assert_nonnull(strstr(error->message, "other bytes"));
}

/* A record over the threshold goes up in parts (Create, UploadPart with
 * each part's MD5, Complete) and arrives whole. */
static void test_multipart(void)
{
  g_autofree char *credentials = write_credentials("parts", SECRET_KEY, 0600);
  g_auto(TransportOptions) options = {0};
  g_autoptr(QueueUploadReport) report = NULL;
  g_autoptr(TestEntry) entry = NULL;
  g_autoptr(TestEntry) small = NULL;
  g_autofree char *key = NULL;
  g_autofree char *small_key = NULL;
  g_autofree char *create = NULL;
  g_autofree char *parts = NULL;
  g_autofree char *single = NULL;
  g_autofree char *held = NULL;
  g_autofree char *small_held = NULL;
  QueueFixture f = {0};

  queue_fixture_open(&f);
  options_for(&options, main_server, credentials, 5 * MIB);
  entry = store_record(&f, 12 * MIB);
  small = store_record(&f, 4 * MIB);
  key = key_of("parts", entry);
  small_key = key_of("parts", small);
  report = upload_all(&f, "s3://" BUCKET "/parts", &options);
  g_assert_cmpuint(report->n_acknowledged, ==, 2);
  g_assert_cmpuint(queue_length(&f), ==, 0);
  create = g_strdup_printf("POST /" BUCKET "/%s?uploads= 200", key);
  parts = g_strdup_printf("PUT /" BUCKET "/%s?partNumber=", key);
  single = g_strdup_printf("PUT /" BUCKET "/%s ", small_key);
  g_assert_cmpuint(log_count(main_server, create), ==, 1);
  g_assert_cmpuint(log_count(main_server, parts), ==, 3);
  g_assert_cmpuint(log_count(main_server, single), ==, 1);
  held = server_sha256(main_server, key);
  g_assert_cmpstr(held, ==, entry->sha256);
  small_held = server_sha256(main_server, small_key);
  g_assert_cmpstr(small_held, ==, small->sha256);
  queue_fixture_close(&f);
}

/* A part that fails (500): the multipart upload is aborted (DELETE
 * ?uploadId=, which the server takes: 204), no object appears, the failure
 * is TEMPORARY, and the next attempt delivers the whole record. */
static void test_multipart_aborted(void)
{
  g_autofree char *why = NULL;
  g_autoptr(S3Server) server = s3_server_start(
      scratch, BUCKET, ACCESS_KEY, SECRET_KEY, "fail-parts:1", &why);
  g_autofree char *credentials = write_credentials("abort", SECRET_KEY, 0600);
  g_auto(TransportOptions) options = {0};
  g_autoptr(KioskTransport) transport = NULL;
  g_autoptr(GBytes) envelope = NULL;
  g_autofree guint8 *data = g_malloc0(11 * MIB);
  g_autofree char *sha256 = NULL;
  g_autofree char *held = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull(server);
  data[0] = 1; /* not all zeros, so that part ETags differ */
  envelope = g_bytes_new(data, 11 * MIB);
  sha256 = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, envelope);
  options_for(&options, server, credentials, 5 * MIB);
  transport =
      transport_open_with_options("s3://" BUCKET "/abort", &options, &error);
  g_assert_no_error(error);
  g_assert_false(transport_put(transport, "0123-abcd", envelope, &error));
  g_assert_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_TEMPORARY);
  g_assert_nonnull(strstr(error->message, "UploadPart"));
  g_clear_error(&error);
  g_assert_cmpuint(
      log_count_ending(
          server, "DELETE /" BUCKET "/abort/0123-abcd.bkrec?uploadId=", " 204"),
      ==, 1);
  g_assert_cmpuint(server_count(server, "abort"), ==, 0);
  g_assert_true(transport_put(transport, "0123-abcd", envelope, &error));
  g_assert_no_error(error);
  g_assert_true(
      transport_verify_receipt(transport, "0123-abcd", sha256, &error));
  g_assert_no_error(error);
  held = server_sha256(server, "abort/0123-abcd.bkrec");
  g_assert_cmpstr(held, ==, sha256);
}

/* A store without conditional writes (501 to If-None-Match): the PUT and
 * the multipart Complete go again without it, the HEAD before each put
 * still finds an earlier delivery, and nothing is written twice. */
static void test_store_without_conditional_writes(void)
{
  g_autofree char *why = NULL;
  g_autoptr(S3Server) server = s3_server_start(
      scratch, BUCKET, ACCESS_KEY, SECRET_KEY, "no-conditional:1", &why);
  g_autofree char *credentials = write_credentials("nocond", SECRET_KEY, 0600);
  g_auto(TransportOptions) options = {0};
  g_autoptr(KioskTransport) transport = NULL;
  g_autoptr(GBytes) small = g_bytes_new_static("sealed", 6);
  g_autofree guint8 *data = g_malloc0(11 * MIB);
  g_autoptr(GBytes) large = NULL;
  g_autoptr(GError) error = NULL;
  const char *put = "PUT /" BUCKET "/nocond/0123-abcd.bkrec";

  g_assert_nonnull(server);
  data[1] = 1;
  large = g_bytes_new(data, 11 * MIB);
  options_for(&options, server, credentials, 5 * MIB);
  transport =
      transport_open_with_options("s3://" BUCKET "/nocond", &options, &error);
  g_assert_no_error(error);
  for (int i = 0; i < 2; i++) {
    g_assert_true(transport_put(transport, "0123-abcd", small, &error));
    g_assert_no_error(error);
  }
  g_assert_cmpuint(log_count_ending(server, put, " 501"), ==, 1);
  g_assert_cmpuint(log_count_ending(server, put, " 200"), ==, 1);
  g_assert_true(transport_put(transport, "0123-bbbb", large, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(server_count(server, "nocond"), ==, 2);
}

/* Nobody listens at the endpoint: TEMPORARY, and the record waits. */
static void test_unreachable_is_temporary(void)
{
  g_autofree char *credentials = write_credentials("down", SECRET_KEY, 0600);
  g_auto(TransportOptions) options = {0};
  g_autoptr(KioskTransport) transport = NULL;
  g_autoptr(QueueUploadReport) report = NULL;
  g_autoptr(TestEntry) entry = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetSocketAddress) bound = NULL;
  S3Server down = {0};
  QueueFixture f = {0};

  /* A port that was free a moment ago and is closed again. */
  socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                        G_SOCKET_PROTOCOL_TCP, NULL);
  bound = G_INET_SOCKET_ADDRESS(
      g_inet_socket_address_new_from_string("127.0.0.1", 0));
  g_assert_true(g_socket_bind(socket, G_SOCKET_ADDRESS(bound), FALSE, NULL));
  g_clear_object(&bound);
  bound = G_INET_SOCKET_ADDRESS(g_socket_get_local_address(socket, NULL));
  down.endpoint = g_strdup_printf("http://127.0.0.1:%u",
                                  g_inet_socket_address_get_port(bound));
  g_socket_close(socket, NULL);
  options_for(&options, &down, credentials, 0);
  g_free(down.endpoint);

  transport = put_fails(&options, "down", TRANSPORT_ERROR_TEMPORARY, "down");

  queue_fixture_open(&f);
  entry = store_record(&f, 100);
  report = upload_all(&f, "s3://" BUCKET "/down", &options);
  g_assert_cmpuint(report->n_failed, ==, 1);
  g_assert_cmpuint(report->n_quarantined, ==, 0);
  g_assert_cmpuint(queue_length(&f), ==, 1);
  queue_fixture_close(&f);
}

/* 503 SlowDown with Retry-After: TEMPORARY, the wait the server named,
 * nothing stored; the next attempt delivers. */
static void test_slow_down_retry_after(void)
{
  g_autofree char *why = NULL;
  g_autoptr(S3Server) server = s3_server_start(scratch, BUCKET, ACCESS_KEY,
                                               SECRET_KEY, "slow-down:1", &why);
  g_autofree char *credentials = write_credentials("slow", SECRET_KEY, 0600);
  g_auto(TransportOptions) options = {0};
  g_autoptr(KioskTransport) transport = NULL;
  g_autoptr(GBytes) envelope = g_bytes_new_static("sealed", 6);
  g_autofree char *sha256 =
      g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, envelope);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull(server);
  options_for(&options, server, credentials, 0);
  transport =
      put_fails(&options, "slow", TRANSPORT_ERROR_TEMPORARY, "503 SlowDown");
  g_assert_cmpint(transport_retry_after(transport), ==, 7);
  g_assert_cmpuint(server_count(server, "slow"), ==, 0);
  g_assert_true(transport_put(transport, "0123-abcd", envelope, &error));
  g_assert_no_error(error);
  g_assert_true(
      transport_verify_receipt(transport, "0123-abcd", sha256, &error));
  g_assert_no_error(error);
  g_assert_cmpint(transport_retry_after(transport), ==, 0);
}

/* A server that takes the body and never answers: the put gives up after
 * transfer_timeout_s; one whose connection breaks after the body's first
 * bytes (twice: libcurl tries a broken reused connection once more). Both
 * TEMPORARY with nothing stored, and the next put delivers. */
static void test_hang_and_reset(void)
{
  static const char *const faults[] = {"hang-puts:1", "reset-puts:2"};
  g_autofree char *credentials = write_credentials("fault", SECRET_KEY, 0600);
  g_autoptr(GBytes) envelope = g_bytes_new_static("sealed", 6);
  g_autofree char *sha256 =
      g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, envelope);

  for (gsize i = 0; i < G_N_ELEMENTS(faults); i++) {
    g_autofree char *why = NULL;
    g_autoptr(S3Server) server = s3_server_start(scratch, BUCKET, ACCESS_KEY,
                                                 SECRET_KEY, faults[i], &why);
    g_auto(TransportOptions) options = {0};
    g_autoptr(KioskTransport) transport = NULL;
    g_autoptr(GError) error = NULL;
    gint64 start = g_get_monotonic_time();
    double seconds;

    g_assert_nonnull(server);
    options_for(&options, server, credentials, 0);
    options.transfer_timeout_s = 2;
    transport = put_fails(&options, "fault", TRANSPORT_ERROR_TEMPORARY,
                          "s3://" BUCKET "/fault/0123-abcd.bkrec");
    seconds = (g_get_monotonic_time() - start) / 1e6;
    g_test_message("%s: failed after %.1f s", faults[i], seconds);
    g_assert_cmpfloat(seconds, <, 10);
    if (i == 0)
      g_assert_cmpfloat(seconds, >=, 2);
    g_assert_cmpuint(server_count(server, "fault"), ==, 0);
    /* One reset is left when libcurl did not try the broken one again. */
    if (!transport_put(transport, "0123-abcd", envelope, NULL))
      g_assert_true(transport_put(transport, "0123-abcd", envelope, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(server_count(server, "fault"), ==, 1);
    g_assert_true(
        transport_verify_receipt(transport, "0123-abcd", sha256, &error));
    g_assert_no_error(error);
  }
}

/* open() refuses, with a line naming the key and the file, a credentials
 * file that others may read, that is missing or that holds no keys; and
 * bad URLs and endpoints. Nothing is contacted. */
static void test_bad_credentials_and_options(void)
{
  static const int modes[] = {0640, 0604, 0644, 0660};
  g_auto(TransportOptions) options = {0};
  g_autofree char *empty = g_build_filename(scratch, "empty", NULL);
  g_autofree char *missing = g_build_filename(scratch, "missing", NULL);
  g_autoptr(GError) error = NULL;
  KioskTransport *transport;

  for (gsize i = 0; i < G_N_ELEMENTS(modes); i++) {
    g_autofree char *path = write_credentials("open", SECRET_KEY, modes[i]);

    options_for(&options, main_server, path, 0);
    transport =
        transport_open_with_options("s3://" BUCKET "/x", &options, &error);
    g_assert_null(transport);
    g_assert_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_INVALID_OPTION);
    g_assert_true(g_str_has_prefix(error->message, "[upload] credentials: "));
    g_assert_nonnull(strstr(error->message, path));
    g_assert_null(strchr(error->message, '\n'));
    g_assert_null(strstr(error->message, SECRET_KEY));
    g_clear_error(&error);
    transport_options_clear(&options);
  }
  g_assert_true(g_file_set_contents(empty, "[default]\n", -1, NULL));
  g_assert_cmpint(g_chmod(empty, 0600), ==, 0);
  for (gsize i = 0; i < 2; i++) {
    options_for(&options, main_server, i ? missing : empty, 0);
    g_assert_null(
        transport_open_with_options("s3://" BUCKET "/x", &options, &error));
    g_assert_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_INVALID_OPTION);
    g_assert_nonnull(strstr(error->message, i ? missing : empty));
    g_clear_error(&error);
    transport_options_clear(&options);
  }
  g_assert_cmpuint(log_count(main_server, "PUT /" BUCKET "/x/"), ==, 0);
}

/* At start-up: the configuration's [upload] with an s3 target and a
 * credentials file others may read stops settings_upload_target(), which
 * the kiosk runs before it touches a record, with the one line. */
static void test_startup_refuses_open_credentials(void)
{
  g_autofree char *path = write_credentials("startup", SECRET_KEY, 0644);
  g_autofree char *target = g_strdup("upload.target=s3://" BUCKET "/x");
  g_autofree char *endpoint =
      g_strdup_printf("upload.endpoint=%s", main_server->endpoint);
  g_autofree char *credentials = g_strdup_printf("upload.credentials=%s", path);
  g_autofree char *state = g_strdup_printf("paths.state_dir=%s", scratch);
  const char *const sets[] = {target, endpoint, credentials, state};
  g_autoptr(KioskConfig) config = NULL;
  g_auto(TransportOptions) options = {0};
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  config = config_parse(config_embedded_defaults(), NULL, NULL, &error);
  g_assert_no_error(error);
  for (gsize i = 0; i < G_N_ELEMENTS(sets); i++) {
    g_assert_true(config_override(config, sets[i], &error));
    g_assert_no_error(error);
  }
  g_assert_false(settings_upload_target(config, &url, &options, &error));
  g_assert_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_INVALID_OPTION);
  g_assert_true(g_str_has_prefix(error->message, "[upload] credentials: "));
  g_assert_nonnull(strstr(error->message, path));
  g_assert_nonnull(strstr(error->message, "0644"));
  g_assert_cmpuint(log_count(main_server, "PUT /" BUCKET "/x/"), ==, 0);
}

/* The command line of `biokiosk queue upload` of the queue in `state` to
 * s3://BUCKET/<prefix> on the main server. */
static GStrv cli_upload_argv(const char *state, const char *prefix,
                             const char *credentials)
{
  GPtrArray *argv = g_ptr_array_new();

  g_ptr_array_add(argv, g_strdup(g_getenv("BK_BIOKIOSK")));
  g_ptr_array_add(argv, g_strdup("queue"));
  g_ptr_array_add(argv, g_strdup("upload"));
  g_ptr_array_add(argv, g_strdup("--set"));
  g_ptr_array_add(argv, g_strdup_printf("paths.state_dir=%s", state));
  g_ptr_array_add(argv, g_strdup("--set"));
  g_ptr_array_add(argv,
                  g_strdup_printf("upload.target=s3://" BUCKET "/%s", prefix));
  g_ptr_array_add(argv, g_strdup("--set"));
  g_ptr_array_add(argv,
                  g_strdup_printf("upload.endpoint=%s", main_server->endpoint));
  g_ptr_array_add(argv, g_strdup("--set"));
  g_ptr_array_add(argv, g_strdup_printf("upload.credentials=%s", credentials));
  g_ptr_array_add(argv, NULL);
  return (GStrv)g_ptr_array_free(argv, FALSE);
}

/* `biokiosk queue upload` to s3://BUCKET/cli: its exit status and stderr. */
static int run_cli_upload(const char *state, const char *credentials,
                          char **ret_err)
{
  g_auto(GStrv) argv = cli_upload_argv(state, "cli", credentials);
  g_autofree char *out = NULL;

  return testlib_spawn((const char *const *)argv, NULL, &out, ret_err);
}

/* The kiosk's own command: with a credentials file others may read it
 * stops with exit 2 and one line naming the key and the file, before any
 * record is sent; with a private one it delivers the queue. */
static void test_cli_upload(void)
{
  g_autofree char *open = write_credentials("cli-open", SECRET_KEY, 0644);
  g_autofree char *private = write_credentials("cli", SECRET_KEY, 0600);
  g_autoptr(TestEntry) first = NULL;
  g_autoptr(TestEntry) second = NULL;
  g_autofree char *state = NULL;
  g_autofree char *err = NULL;
  g_autofree char *key = NULL;
  g_autofree char *held = NULL;
  QueueFixture f = {0};

  if (!g_getenv("BK_BIOKIOSK")) {
    g_test_skip("BK_BIOKIOSK is not set (run through meson test)");
    return;
  }
  queue_fixture_open(&f);
  first = store_record(&f, 3000);
  second = store_record(&f, 4000);
  queue_fixture_disconnect(&f);
  state = g_build_filename(f.dir, "state", NULL);

  g_assert_cmpint(run_cli_upload(state, open, &err), ==, 2);
  g_assert_nonnull(strstr(err, "[upload] credentials: "));
  g_assert_nonnull(strstr(err, open));
  g_assert_cmpint(strchr(err, '\n') - err, ==, strlen(err) - 1);
  g_assert_cmpuint(server_count(main_server, "cli"), ==, 0);
  g_clear_pointer(&err, g_free);

  g_assert_cmpint(run_cli_upload(state, private, &err), ==, 0);
  g_assert_cmpuint(server_count(main_server, "cli"), ==, 2);
  key = key_of("cli", second);
  held = server_sha256(main_server, key);
  g_assert_cmpstr(held, ==, second->sha256);
  queue_fixture_connect(&f);
  g_assert_cmpuint(queue_length(&f), ==, 0);
  queue_fixture_close(&f);
}

typedef struct {
  QueueFixture f;
  char *state;
  char *credentials;
  GHashTable *stored;    /* id -> envelope SHA-256, every record stored */
  GHashTable *delivered; /* ids whose object was read back and checked */
  guint n_kills;
} KillRun;

/* Starts `biokiosk queue upload` and kills it with SIGKILL after
 * `delay_us`, or lets it finish when `delay_us` is negative. */
static void kill_run_upload(KillRun *k, gint64 delay_us)
{
  g_auto(GStrv) argv = cli_upload_argv(k->state, "kill", k->credentials);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = g_subprocess_newv(
      (const char *const *)argv,
      G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
      &error);

  g_assert_no_error(error);
  if (delay_us >= 0) {
    g_usleep(delay_us);
    g_subprocess_force_exit(process);
  }
  g_assert_true(g_subprocess_wait(process, NULL, &error));
  if (delay_us < 0)
    g_assert_cmpint(g_subprocess_get_exit_status(process), ==, 0);
  else if (g_subprocess_get_if_signaled(process))
    k->n_kills++;
}

/* Checks, and notes as delivered, the records the server holds: each
 * with its exact bytes. A PUT whose client was killed may still be
 * finishing: its object counts once the server has it. (Only the ids
 * stored are asked: s3rver's listing reads every object's files at once
 * and fails past a thousand or so.) */
static void kill_check_server(KillRun *k)
{
  GHashTableIter iter;
  gpointer id, sha256;

  g_hash_table_iter_init(&iter, k->stored);
  while (g_hash_table_iter_next(&iter, &id, &sha256)) {
    g_autofree char *key = NULL;
    g_autofree char *held = NULL;

    if (g_hash_table_contains(k->delivered, id))
      continue;
    key = g_strdup_printf("kill/%s.bkrec", (char *)id);
    held = server_sha256(main_server, key);
    if (!held)
      continue;
    g_assert_cmpstr(held, ==, sha256);
    g_hash_table_add(k->delivered, g_strdup(id));
  }
}

/* After a cycle, with the kiosk's command gone: every record is queued or
 * on the server with its exact bytes (nothing lost, nothing corrupt), none
 * was written twice (one PUT that stored it), none is quarantined, and the
 * audit chain verifies. */
static void kill_check(KillRun *k)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GHashTable) queued = g_hash_table_new(g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer id;

  queue_fixture_connect(&k->f);
  entries = queue_list(k->f.queue, &error);
  g_assert_no_error(error);
  for (guint i = 0; i < entries->len; i++) {
    QueueEntry *entry = g_ptr_array_index(entries, i);
    g_assert_false(entry->quarantined);
    g_assert_true(g_hash_table_contains(k->stored, entry->id));
    g_hash_table_add(queued, entry->id);
  }
  g_assert_true(audit_verify(k->f.db, NULL, &error));
  g_assert_no_error(error);
  kill_check_server(k);
  g_hash_table_iter_init(&iter, k->stored);
  while (g_hash_table_iter_next(&iter, &id, NULL)) {
    g_autofree char *put =
        g_strdup_printf("PUT /" BUCKET "/kill/%s.bkrec ", (char *)id);

    g_assert_cmpuint(log_count_ending(main_server, put, " 200"), <=, 1);
    if (!g_hash_table_contains(queued, id) &&
        !g_hash_table_contains(k->delivered, id))
      g_error("record %s left the queue and is not on the server", (char *)id);
  }
  queue_fixture_disconnect(&k->f);
}

/* `biokiosk queue upload` to S3 killed with SIGKILL at random moments,
 * with new records stored between the runs; then a run that finishes. */
static void test_sigkill_during_upload(void)
{
  const char *env = g_getenv("BK_S3_KILL_CYCLES");
  guint cycles = env ? (guint)g_ascii_strtoull(env, NULL, 10) : KILL_CYCLES;
  gint64 deadline =
      env ? G_MAXINT64
          : g_get_monotonic_time() + (gint64)KILL_BUDGET_S * G_USEC_PER_SEC;
  KillRun k = {0};
  guint cycle;

  if (!g_getenv("BK_BIOKIOSK")) {
    g_test_skip("BK_BIOKIOSK is not set (run through meson test)");
    return;
  }
  k.credentials = write_credentials("kill", SECRET_KEY, 0600);
  k.stored = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  k.delivered = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  k.f.dir = testlib_mkdtemp();
  k.state = g_build_filename(k.f.dir, "state", NULL);
  for (cycle = 0; cycle < cycles && g_get_monotonic_time() < deadline;
       cycle++) {
    queue_fixture_connect(&k.f);
    for (int i = 0; i < 2; i++) {
      TestEntry *entry =
          store_record(&k.f, g_test_rand_int_range(50000, 400000));
      g_hash_table_insert(k.stored, g_strdup(entry->id),
                          g_strdup(entry->sha256));
      queue_entry_free(entry);
    }
    queue_fixture_disconnect(&k.f);
    kill_run_upload(&k, g_test_rand_int_range(0, 150000));
    kill_check(&k);
  }
  kill_run_upload(&k, -1);
  kill_check(&k);
  g_assert_cmpuint(g_hash_table_size(k.delivered), ==,
                   g_hash_table_size(k.stored));
  g_test_message("%u cycles%s, %u killed, %u records: 0 lost, "
                 "0 duplicated, 0 corrupt",
                 cycle, cycle < cycles ? " (time budget reached)" : "",
                 k.n_kills, g_hash_table_size(k.stored));
  testlib_rmtree(k.f.dir);
  g_free(k.f.dir);
  g_free(k.state);
  g_free(k.credentials);
  g_hash_table_unref(k.stored);
  g_hash_table_unref(k.delivered);
}

static void test_bad_urls(void)
{
  static const char *const urls[] = {"s3://",
                                     "s3://Upper/x",
                                     "s3://ab/x",
                                     "s3://user@bucket/x",
                                     "s3://bucket:9000/x",
                                     "s3://bucket/a/../b",
                                     "s3://bucket/a//b",
                                     "s3://bucket/x?y=1",
                                     "s3://bucket/sp ace"};
  g_autofree char *credentials = write_credentials("urls", SECRET_KEY, 0600);
  g_auto(TransportOptions) options = {0};
  g_autoptr(GError) error = NULL;

  options_for(&options, main_server, credentials, 0);
  for (gsize i = 0; i < G_N_ELEMENTS(urls); i++) {
    g_assert_null(transport_open_with_options(urls[i], &options, &error));
    g_assert_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_INVALID_URL);
    g_clear_error(&error);
  }
  /* Plain http only to this machine; an endpoint is scheme://host[:port]. */
  g_free(options.endpoint);
  options.endpoint = g_strdup("http://s3.example.org");
  g_assert_null(transport_open_with_options("s3://bucket/x", &options, &error));
  g_assert_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_INVALID_OPTION);
  g_assert_true(g_str_has_prefix(error->message, "[upload] endpoint: "));
  g_clear_error(&error);
  g_free(options.region);
  options.region = g_strdup("EU West");
  g_assert_null(transport_open_with_options("s3://bucket/x", &options, &error));
  g_assert_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_INVALID_OPTION);
}

int main(int argc, char **argv)
{
  g_autofree char *why = NULL;
  int status;

  g_test_init(&argc, &argv, NULL);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  scratch = testlib_mkdtemp();
  main_server =
      s3_server_start(scratch, BUCKET, ACCESS_KEY, SECRET_KEY, NULL, &why);
  if (!main_server) {
    testlib_rmtree(scratch);
    testlib_skip_all("%s", why);
  }
  g_test_add_func("/upload-s3/server-checks-signatures",
                  test_server_checks_signatures);
  g_test_add_func("/upload-s3/delivers-records", test_delivers_records);
  g_test_add_func("/upload-s3/wrong-secret-refused", test_wrong_secret_refused);
  g_test_add_func("/upload-s3/lost-acknowledgement", test_lost_acknowledgement);
  g_test_add_func("/upload-s3/other-bytes-never-replaced",
                  test_other_bytes_never_replaced);
  g_test_add_func("/upload-s3/receipt-reads-the-server",
                  test_receipt_reads_the_server);
  g_test_add_func("/upload-s3/multipart", test_multipart);
  g_test_add_func("/upload-s3/multipart-aborted", test_multipart_aborted);
  g_test_add_func("/upload-s3/store-without-conditional-writes",
                  test_store_without_conditional_writes);
  g_test_add_func("/upload-s3/unreachable-is-temporary",
                  test_unreachable_is_temporary);
  g_test_add_func("/upload-s3/slow-down-retry-after",
                  test_slow_down_retry_after);
  g_test_add_func("/upload-s3/hang-and-reset", test_hang_and_reset);
  g_test_add_func("/upload-s3/bad-credentials-and-options",
                  test_bad_credentials_and_options);
  g_test_add_func("/upload-s3/startup-refuses-open-credentials",
                  test_startup_refuses_open_credentials);
  g_test_add_func("/upload-s3/cli-upload", test_cli_upload);
  g_test_add_func("/upload-s3/sigkill-during-upload",
                  test_sigkill_during_upload);
  g_test_add_func("/upload-s3/bad-urls", test_bad_urls);
  status = g_test_run();
  s3_server_free(main_server);
  testlib_rmtree(scratch);
  g_free(scratch);
  curl_global_cleanup();
  return status;
}
