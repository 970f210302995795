/* Delivery over HTTPS to nginx from Debian with mutual TLS on loopback
 * (tests/tools/https-server.h), as the kiosk does it:
 *
 *   upload.https_mb_s       10 MB records, PUT and the receipt read back,
 *                           in MB (10^6 bytes) of envelopes a second over
 *                           one upload pass; median of 3 passes of 4.
 *   upload.record_to_ack_ms from a record stored (as the app stores it, then
 *                           kicks the uploader) to its acknowledgement,
 *                           with the uploader idle on a one-hour interval:
 *                           median of 15.
 *
 * Prints nothing but a message on stderr, and exits 1, when nginx cannot
 * start (make deps installs nginx-light). */
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "queue.h"
#include "testlib.h"
#include "tools/https-server.h"
#include "transport.h"
#include "uploader.h"

#define RECORD_BYTES   (10 * 1024 * 1024)
#define RECORDS_A_PASS 4
#define PASSES         3
#define ACK_RUNS       15
#define ACK_BYTES      (200 * 1024)
#define ACK_TIMEOUT_US (10 * G_USEC_PER_SEC)
#define UPLOAD_IDLE_S  3600

static int compare_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *values, gsize n)
{
  qsort(values, n, sizeof(double), compare_double);
  return values[n / 2];
}

static void store(KioskQueue *queue, gsize size)
{
  g_autoptr(GError) error = NULL;
  guint8 *data = g_malloc(size);
  g_autoptr(GBytes) plain = NULL;

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8)(i * 2654435761u >> 24);
  plain = g_bytes_new_take(data, size);
  if (!queue_store(queue, plain, g_get_real_time() / G_USEC_PER_SEC, NULL,
                   &error))
    g_error("bench-upload: %s", error->message);
}

/* Seconds for one pass of RECORDS_A_PASS records; their envelope bytes in
 * *ret_bytes. */
static double timed_pass(KioskQueue *queue, const char *url, guint64 *ret_bytes)
{
  g_autoptr(QueueUploadReport) report = NULL;
  g_autoptr(GError) error = NULL;
  QueueStatus status;
  gint64 start;

  for (int i = 0; i < RECORDS_A_PASS; i++)
    store(queue, RECORD_BYTES);
  if (!queue_status(queue, 0, &status, &error))
    g_error("bench-upload: %s", error->message);
  start = g_get_monotonic_time();
  if (!queue_upload(queue, url, g_get_real_time() / G_USEC_PER_SEC,
                    QUEUE_UPLOAD_ALL, &report, &error))
    g_error("bench-upload: %s", error->message);
  if (report->n_acknowledged != RECORDS_A_PASS)
    g_error("bench-upload: %u of %d acknowledged", report->n_acknowledged,
            RECORDS_A_PASS);
  *ret_bytes = status.bytes;
  return (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
}

/* MB/s of the transport alone (no database): PUT and receipt of one
 * 10 MB envelope-sized body, median of PASSES. */
static double transport_mb_s(const char *url, const TransportOptions *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskTransport) t =
      transport_open_with_options(url, options, &error);
  guint8 *data = g_malloc(RECORD_BYTES);
  g_autoptr(GBytes) body = NULL;
  g_autofree char *sha = NULL;
  double mb_s[PASSES];

  if (!t)
    g_error("bench-upload: %s", error->message);
  for (gsize i = 0; i < RECORD_BYTES; i++)
    data[i] = (guint8)(i * 2654435761u >> 24);
  body = g_bytes_new_take(data, RECORD_BYTES);
  sha = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, body);
  for (int i = 0; i < PASSES; i++) {
    gint64 start = g_get_monotonic_time();
    g_autofree char *id = g_strdup_printf("0000000%d-0000-0000-0000-"
                                          "000000000000",
                                          i);

    if (!transport_put(t, id, body, &error) ||
        !transport_verify_receipt(t, id, sha, &error))
      g_error("bench-upload: %s", error->message);
    mb_s[i] = RECORD_BYTES / 1e6 /
              ((double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC);
  }
  return median(mb_s, PASSES);
}

/* Milliseconds from a store to the uploader's acknowledgement of it. */
static double timed_ack(KioskQueue *queue, KioskUploader *uploader,
                        guint acknowledged_before)
{
  gint64 start = g_get_monotonic_time();
  UploaderStats stats = {0};

  store(queue, ACK_BYTES);
  uploader_kick(uploader);
  do {
    g_free(stats.last_error);
    uploader_get_stats(uploader, &stats);
    if (g_get_monotonic_time() - start > ACK_TIMEOUT_US)
      g_error("bench-upload: no acknowledgement within 10 s (%s)",
              stats.last_error ? stats.last_error : "no error");
    g_usleep(500);
  } while (stats.n_acknowledged == acknowledged_before);
  g_free(stats.last_error);
  return (double)(g_get_monotonic_time() - start) / 1000.0;
}

int main(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *state = g_build_filename(dir, "state", NULL);
  g_autofree char *db_path = g_build_filename(state, "kiosk.db", NULL);
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskQueue) queue = NULL;
  TransportOptions options = {0};
  HttpsServer *server = https_server_start(&error);
  KioskUploader *uploader;
  double mb_s[PASSES], ack_ms[ACK_RUNS];
  sqlite3 *db;

  if (!server) {
    fprintf(stderr, "bench-upload: %s\n", error->message);
    return 1;
  }
  url = https_server_url(server, "records");
  options.ca = server->ca;
  options.cert = server->cert;
  options.key = server->key;
  g_mkdir_with_parents(state, 0700);
  db = db_open(db_path, &error);
  if (db)
    queue = queue_open(db, state, "", &error);
  if (!queue)
    g_error("bench-upload: %s", error->message);
  queue_set_transport_options(queue, &options);
  for (int i = 0; i < PASSES; i++) {
    guint64 bytes = 0;
    double seconds = timed_pass(queue, url, &bytes);

    mb_s[i] = (double)bytes / 1e6 / seconds;
  }
  uploader = uploader_start_with_options(db_path, state, "", url, &options,
                                         UPLOAD_IDLE_S, &error);
  if (!uploader)
    g_error("bench-upload: %s", error->message);
  g_usleep(G_USEC_PER_SEC / 5); /* its first pass, on an empty queue */
  for (guint i = 0; i < ACK_RUNS; i++)
    ack_ms[i] = timed_ack(queue, uploader, i);
  uploader_stop(uploader);
  printf("upload.https_mb_s %.0f MB/s\n", median(mb_s, PASSES));
  printf("upload.https_put_receipt_mb_s %.0f MB/s\n",
         transport_mb_s(url, &options));
  printf("upload.record_to_ack_ms %.0f ms\n", median(ack_ms, ACK_RUNS));
  g_clear_pointer(&queue, queue_close);
  db_close(db);
  https_server_stop(server);
  testlib_rmtree(dir);
  return 0;
}
