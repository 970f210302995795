/* The worker of the crash test (test-queue-crash.c): opens the record queue
 * in a state folder as the kiosk does (one connection that stores, as the
 * store worker's, and one that uploads, as the uploader's), then stores
 * records with a unique payload and uploads them to a folder until it is
 * killed. Every step is written to a log file, synced, before and after it
 * happens, so the test knows what the queue promised when SIGKILL came.
 *
 * Usage: crash-worker STATE_DIR OUTBOX LOG PREFIX SEED
 * (crash-worker.h has the log's lines). */
#include "crash-worker.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "db.h"
#include "queue.h"
#include "record.h"

/* Payloads of a few hundred KB: several fit in the state folder's free
 * space, and each store and upload takes long enough to be hit. */
#define CRASH_WORKER_MIN_BYTES (128 * 1024)
#define CRASH_WORKER_MAX_BYTES (384 * 1024)
/* An upload pass after this many stores, and after every refused one. */
#define CRASH_WORKER_UPLOAD_EVERY 3
/* A worker nobody kills stops here. */
#define CRASH_WORKER_MAX_RECORDS 10000

typedef struct {
  int log_fd;
  const char *prefix;
  char *target;
  GRand *rand;
  sqlite3 *store_db;
  KioskQueue *store_queue;  /* on store_db, as the store worker's */
  KioskQueue *upload_queue; /* a connection of its own, as the uploader's */
} Worker;

/* Appends one line to the log and syncs it before going on: what the log
 * says happened is on disk before the next step starts. */
G_GNUC_PRINTF(2, 3)
static void worker_log(Worker *w, const char *format, ...)
{
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;
  va_list args;
  gsize len, done = 0;

  va_start(args, format);
  text = g_strdup_vprintf(format, args);
  va_end(args);
  g_strdelimit(text, "\n", ' ');
  line = g_strconcat(text, "\n", NULL);
  len = strlen(line);
  while (done < len) {
    ssize_t n = write(w->log_fd, line + done, len - done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      g_error("crash-worker: writing the log: %s", g_strerror(errno));
    done += (gsize)n;
  }
  if (fdatasync(w->log_fd) != 0)
    g_error("crash-worker: syncing the log: %s", g_strerror(errno));
}

static gint64 worker_now(void)
{
  return g_get_real_time() / G_USEC_PER_SEC;
}

/* A record with a random payload, named by `token`; *ret_sha256 gets the
 * payload's SHA-256. */
static BkRecord *worker_record(Worker *w, const char *token, char **ret_sha256)
{
  gsize size = (gsize)g_rand_int_range(w->rand, CRASH_WORKER_MIN_BYTES,
                                       CRASH_WORKER_MAX_BYTES);
  guint8 *data = g_malloc(size);
  g_autoptr(GBytes) payload = NULL;
  BkRecord *record = record_new();

  randombytes_buf(data, size);
  payload = g_bytes_new_take(data, size);
  *ret_sha256 = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, payload);
  record_set_string(record, CRASH_KEY_TOKEN, token);
  record_set_string(record, CRASH_KEY_SHA256, *ret_sha256);
  record_add_part(record, CRASH_PART, RECORD_MEDIA_JPEG, payload);
  return record;
}

/* Stores record number `n`; FALSE when the queue refused it. */
static gboolean worker_store(Worker *w, guint n)
{
  g_autofree char *token = g_strdup_printf("%s-%u", w->prefix, n);
  g_autofree char *sha256 = NULL;
  g_autofree char *id = NULL;
  g_autoptr(BkRecord) record = worker_record(w, token, &sha256);
  g_autoptr(GError) error = NULL;

  worker_log(w, CRASH_LOG_STORING " %s %s", token, sha256);
  if (!queue_store_record(w->store_queue, record, worker_now(), &id, &error)) {
    worker_log(w, CRASH_LOG_REFUSED " %s %s", token, error->message);
    return FALSE;
  }
  worker_log(w, CRASH_LOG_STORED " %s %s", token, id);
  return TRUE;
}

static void worker_upload(Worker *w)
{
  g_autoptr(QueueUploadReport) report = NULL;
  g_autoptr(GError) error = NULL;

  worker_log(w, CRASH_LOG_UPLOADING);
  if (!queue_upload(w->upload_queue, w->target, worker_now(), QUEUE_UPLOAD_ALL,
                    &report, &error)) {
    worker_log(w, CRASH_LOG_UPLOAD_ERROR " %s", error->message);
    return;
  }
  for (guint i = 0; i < report->items->len; i++) {
    const QueueUploadItem *item = g_ptr_array_index(report->items, i);

    if (!item->acknowledged)
      worker_log(w, CRASH_LOG_UPLOAD_FAILED " %s %s", item->id, item->error);
  }
  worker_log(w, CRASH_LOG_UPLOADED " %u %u", report->n_acknowledged,
             report->n_failed);
}

/* Opens both queues as the kiosk does (runtime/app.c, uploader.c). */
static gboolean worker_open(Worker *w, const char *state_dir, GError **error)
{
  g_autofree char *db_path = g_build_filename(state_dir, CRASH_DATABASE, NULL);

  w->store_db = db_open(db_path, error);
  if (!w->store_db)
    return FALSE;
  w->store_queue = queue_open(w->store_db, state_dir, "", error);
  if (!w->store_queue)
    return FALSE;
  w->upload_queue = queue_open_file(db_path, state_dir, "", error);
  return w->upload_queue != NULL;
}

/* The target: a folder, or an https:// URL whose trust and identity come
 * from BK_CRASH_CA, BK_CRASH_CERT and BK_CRASH_KEY. */
static void worker_target(Worker *w, const char *arg)
{
  g_auto(TransportOptions) options = {0};

  if (!strstr(arg, "://")) {
    w->target = queue_target_for_folder(arg);
    return;
  }
  w->target = g_strdup(arg);
  options.ca = g_strdup(g_getenv("BK_CRASH_CA"));
  options.cert = g_strdup(g_getenv("BK_CRASH_CERT"));
  options.key = g_strdup(g_getenv("BK_CRASH_KEY"));
  queue_set_transport_options(w->upload_queue, &options);
}

static void worker_close(Worker *w)
{
  g_clear_pointer(&w->upload_queue, queue_close);
  g_clear_pointer(&w->store_queue, queue_close);
  g_clear_pointer(&w->store_db, db_close);
  g_clear_pointer(&w->rand, g_rand_free);
  g_clear_pointer(&w->target, g_free);
  close(w->log_fd);
}

int main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  Worker w = {0};
  guint64 seed = 0;

  if (argc != 6 ||
      !g_ascii_string_to_unsigned(argv[5], 10, 0, G_MAXUINT32, &seed, NULL)) {
    fprintf(stderr,
            "usage: crash-worker STATE_DIR OUTBOX|URL LOG PREFIX SEED\n");
    return 2;
  }
  /* Never outlive the test that kills us. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() == 1)
    return 2;
  w.log_fd = open(argv[3], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (w.log_fd < 0 || sodium_init() < 0) {
    fprintf(stderr, "crash-worker: cannot start: %s\n", g_strerror(errno));
    return 2;
  }
  w.prefix = argv[4];
  w.rand = g_rand_new_with_seed((guint32)seed);
  if (!worker_open(&w, argv[1], &error)) {
    worker_log(&w, CRASH_LOG_OPEN_FAILED " %s", error->message);
    worker_close(&w);
    return 1;
  }
  worker_target(&w, argv[2]);
  worker_log(&w, CRASH_LOG_OPEN);
  for (guint n = 0; n < CRASH_WORKER_MAX_RECORDS; n++)
    if (!worker_store(&w, n) ||
        n % CRASH_WORKER_UPLOAD_EVERY == CRASH_WORKER_UPLOAD_EVERY - 1)
      worker_upload(&w);
  worker_close(&w);
  return 0;
}
