/* Delivery to S3-compatible storage, timed with 10 MB records (as in
 * bench-queue) to the tests' S3 server on loopback (tests/emulators/s3:
 * s3rver under node, which checks each request's signature and each body's
 * digests). Median of 5, in MB (10^6 bytes) a second of sealed envelope:
 *   upload.s3_mb_s            the transport: put (HEAD, PUT with
 *                             If-None-Match) and receipt (HEAD), 10 MB;
 *   upload.s3_multipart_mb_s  the same in parts of 5 MiB;
 *   upload.s3_queue_mb_s      a whole queue pass of one record: read from
 *                             SQLite, put, receipt, delete (secure_delete)
 *                             with its audit entry. */
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "emulators/s3/s3-server.h"
#include "queue.h"
#include "testlib.h"
#include "transport.h"

#define RUNS         5
#define RECORD_BYTES (10 * 1024 * 1024)
/* What sealing adds to RECORD_BYTES (bench-queue's record). */
#define ENVELOPE_BYTES (RECORD_BYTES + 296)
#define ACCESS_KEY     "BKBENCHACCESSKEY"
#define SECRET_KEY     "bk-bench-secret"

static int compare_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* MB/s of one pass that delivers one stored record; < 0 on failure. */
static double timed_pass(KioskQueue *queue, const char *target, GBytes *plain)
{
  g_autoptr(QueueUploadReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  gint64 start, bytes;

  if (!queue_store(queue, plain, 1700000000, NULL, &error) ||
      !(entries = queue_list(queue, &error)) || entries->len != 1) {
    fprintf(stderr, "bench-upload-s3: %s\n",
            error ? error->message : "queue not empty");
    return -1;
  }
  bytes = ((QueueEntry *)g_ptr_array_index(entries, 0))->size;
  start = g_get_monotonic_time();
  if (!queue_upload(queue, target, 1700000000, QUEUE_UPLOAD_ALL, &report,
                    &error) ||
      report->n_acknowledged != 1) {
    fprintf(
        stderr, "bench-upload-s3: %s\n",
        error ? error->message
        : report->items->len
            ? ((QueueUploadItem *)g_ptr_array_index(report->items, 0))->error
            : "nothing uploaded");
    return -1;
  }
  return bytes / 1e6 / ((g_get_monotonic_time() - start) / 1e6);
}

/* MB/s of put + receipt of `envelope` under a new id, through a
 * transport to `target`; < 0 on failure. */
static double timed_put(const char *target, const TransportOptions *options,
                        GBytes *envelope, const char *sha256, int run)
{
  g_autoptr(KioskTransport) transport = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_strdup_printf("0000-%04d", run);
  gint64 start;

  transport = transport_open_with_options(target, options, &error);
  start = g_get_monotonic_time();
  if (!transport || !transport_put(transport, id, envelope, &error) ||
      !transport_verify_receipt(transport, id, sha256, &error)) {
    fprintf(stderr, "bench-upload-s3: %s\n", error->message);
    return -1;
  }
  return g_bytes_get_size(envelope) / 1e6 /
         ((g_get_monotonic_time() - start) / 1e6);
}

/* Median MB/s of RUNS transport-level uploads. */
static double median_put(const char *target, const TransportOptions *options,
                         GBytes *envelope)
{
  g_autofree char *sha256 =
      g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, envelope);
  double rates[RUNS];

  for (int i = 0; i < RUNS; i++)
    if ((rates[i] = timed_put(target, options, envelope, sha256, i)) < 0)
      return -1;
  qsort(rates, RUNS, sizeof(double), compare_double);
  return rates[RUNS / 2];
}

/* Median MB/s over RUNS queue passes to `target` with `options`. */
static double median_rate(KioskQueue *queue, const char *target,
                          const TransportOptions *options, GBytes *plain)
{
  double rates[RUNS];

  queue_set_transport_options(queue, options);
  for (int i = 0; i < RUNS; i++)
    if ((rates[i] = timed_pass(queue, target, plain)) < 0)
      return -1;
  qsort(rates, RUNS, sizeof(double), compare_double);
  return rates[RUNS / 2];
}

static char *write_credentials(const char *dir)
{
  g_autofree char *path = g_build_filename(dir, "credentials", NULL);

  if (!g_file_set_contents(path,
                           "[default]\naws_access_key_id = " ACCESS_KEY
                           "\naws_secret_access_key = " SECRET_KEY "\n",
                           -1, NULL) ||
      g_chmod(path, 0600) != 0)
    return NULL;
  return g_steal_pointer(&path);
}

int main(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *state = g_build_filename(dir, "state", NULL);
  g_autofree char *db_path = g_build_filename(state, "kiosk.db", NULL);
  g_autofree char *why = NULL;
  g_autoptr(S3Server) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskQueue) queue = NULL;
  g_autoptr(GBytes) plain = NULL;
  g_auto(TransportOptions) options = {0};
  guint8 *payload = g_malloc(ENVELOPE_BYTES);
  g_autoptr(GBytes) envelope = NULL;
  double single, parts, pass;

  g_mkdir_with_parents(state, 0700);
  server = s3_server_start(dir, "kiosk", ACCESS_KEY, SECRET_KEY, NULL, &why);
  if (!server) {
    fprintf(stderr, "bench-upload-s3: skipped: %s\n", why);
    testlib_rmtree(dir);
    return 0;
  }
  queue = queue_open_file(db_path, state, "", &error);
  if (!queue) {
    fprintf(stderr, "bench-upload-s3: %s\n", error->message);
    return 1;
  }
  for (gsize i = 0; i < ENVELOPE_BYTES; i++)
    payload[i] = (guint8)g_random_int();
  /* Sealed bytes look random: as many random bytes stand in for one. */
  envelope = g_bytes_new_take(payload, ENVELOPE_BYTES);
  plain = g_bytes_new_from_bytes(envelope, 0, RECORD_BYTES);
  options.endpoint = g_strdup(server->endpoint);
  options.credentials = write_credentials(dir);
  single = median_put("s3://kiosk/bench", &options, envelope);
  pass = median_rate(queue, "s3://kiosk/bench-queue", &options, plain);
  options.multipart_threshold = 5 * 1024 * 1024;
  parts = median_put("s3://kiosk/bench-parts", &options, envelope);
  g_clear_pointer(&queue, queue_close);
  g_clear_pointer(&server, s3_server_free);
  testlib_rmtree(dir);
  if (single < 0 || parts < 0 || pass < 0)
    return 1;
  printf("upload.s3_mb_s %.1f MB/s\n", single);
  printf("upload.s3_multipart_mb_s %.1f MB/s\n", parts);
  printf("upload.s3_queue_mb_s %.1f MB/s\n", pass);
  return 0;
}
