/* The record's way out, timed for a 10 MB record (about what a camera JPEG,
 * two crops, a signature and ten 500 ppi fingerprints add up to): serialise,
 * seal + sign + store (one fsynced transaction), upload to a folder with
 * acknowledgement, and the back office's verify + unseal. Median of 5. */
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "envelope.h"
#include "keys.h"
#include "queue.h"
#include "record.h"
#include "testlib.h"

#define RUNS         5
#define RECORD_BYTES (10 * 1024 * 1024)

static int compare_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *values)
{
  qsort(values, RUNS, sizeof(double), compare_double);
  return values[RUNS / 2];
}

int main(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *state = g_build_filename(dir, "state", NULL);
  g_autofree char *db_path = g_build_filename(state, "kiosk.db", NULL);
  g_autofree char *outbox = g_build_filename(dir, "outbox", NULL);
  g_autofree char *target = NULL;
  g_autofree char *sk_path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskQueue) queue = NULL;
  guint8 secret[KEYS_BOX_SECRET_BYTES];
  guint8 *payload = g_malloc(RECORD_BYTES);
  double t_serialize[RUNS], t_store[RUNS], t_upload[RUNS], t_open[RUNS];
  sqlite3 *db;

  g_mkdir_with_parents(state, 0700);
  g_mkdir_with_parents(outbox, 0700);
  target = queue_target_for_folder(outbox);
  db = db_open(db_path, &error);
  if (db)
    queue = queue_open(db, state, "", &error);
  if (!queue) {
    fprintf(stderr, "bench-queue: %s\n", error->message);
    return 1;
  }
  sk_path = g_build_filename(state, KEYS_DEMO_SECRET_FILE, NULL);
  if (!keys_read_box_secret(sk_path, secret, &error)) {
    fprintf(stderr, "bench-queue: %s\n", error->message);
    return 1;
  }
  for (gsize i = 0; i < RECORD_BYTES; i++)
    payload[i] = (guint8)g_random_int();

  for (int run = 0; run < RUNS; run++) {
    g_autoptr(BkRecord) record = record_new();
    g_autoptr(GBytes) part = g_bytes_new_static(payload, RECORD_BYTES);
    g_autoptr(GBytes) plain = NULL;
    g_autoptr(GBytes) envelope = NULL;
    g_autoptr(KioskEnvelope) parsed = NULL;
    g_autoptr(GBytes) opened = NULL;
    g_autoptr(QueueUploadReport) report = NULL;
    g_autofree char *id = NULL;
    gint64 t0;

    record_set_string(record, "location", "IND-ZWL");
    record_add_part(record, "bench/payload", "application/octet-stream", part);

    t0 = g_get_monotonic_time();
    plain = record_serialize(record);
    t_serialize[run] = (g_get_monotonic_time() - t0) / 1000.0;
    g_clear_pointer(&plain, g_bytes_unref);

    t0 = g_get_monotonic_time();
    if (!queue_store_record(queue, record, 1795000000 + run, &id, &error))
      g_error("store: %s", error->message);
    t_store[run] = (g_get_monotonic_time() - t0) / 1000.0;

    envelope = queue_get_envelope(queue, id, &error);
    t0 = g_get_monotonic_time();
    parsed = envelope_parse(envelope, &error);
    if (parsed)
      opened = envelope_open(parsed, secret, &error);
    if (!opened)
      g_error("open: %s", error->message);
    t_open[run] = (g_get_monotonic_time() - t0) / 1000.0;

    t0 = g_get_monotonic_time();
    if (!queue_upload(queue, target, 1795000000 + run, QUEUE_UPLOAD_ALL,
                      &report, &error) ||
        report->n_acknowledged != 1)
      g_error("upload failed");
    t_upload[run] = (g_get_monotonic_time() - t0) / 1000.0;
  }

  printf("queue.serialize_10mb_ms %.1f ms\n", median(t_serialize));
  printf("queue.seal_store_10mb_ms %.1f ms\n", median(t_store));
  printf("queue.upload_folder_10mb_ms %.1f ms\n", median(t_upload));
  printf("queue.verify_unseal_10mb_ms %.1f ms\n", median(t_open));

  g_clear_pointer(&queue, queue_close);
  db_close(db);
  g_free(payload);
  testlib_rmtree(dir);
  return 0;
}
