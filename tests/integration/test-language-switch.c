/* Switching the language while every kind of background work is busy: a
 * guidance check on the photo worker, a fingerprint capture on the reader
 * worker (libfprint's virtual_image driver, fed with synthetic prints), a
 * record being sealed on the store worker and an upload pass on the
 * uploader's thread, again and again. The main thread switches between
 * Dutch and English and builds the session's screen after each switch, as
 * the kiosk does. Run under the asan setup too (make test-asan).
 *
 * What must hold: nothing crashes, every screen comes out in the language
 * just chosen, the workers keep answering without error, and the process
 * environment is never written after the threads started (the same
 * `environ` array, the same LANGUAGE string at the same address). */
#include <glib/gi18n.h>
#include <locale.h>
#include <unistd.h>

#include "db.h"
#include "fpreader.h"
#include "i18n.h"
#include "portrait.h"
#include "queue.h"
#include "session.h"
#include "settings.h"
#include "testlib.h"
#include "uploader.h"
#include "worker.h"

extern char **environ;

#define SWITCHES   60
#define WELCOME_EN "Welcome. Please enter your appointment code"
#define WELCOME_NL "Welkom. Vul uw afspraakcode in"

typedef struct {
  char *dir;
  KioskConfig *config;
  sqlite3 *db;
  KioskQueue *queue;
  KioskUploader *uploader;
  GAsyncQueue *results;
  Worker *photo, *reader, *store;
  BkImage *frame;
  guint done[JOB_STORE + 1];
} Rig;

static void deliver(gpointer data, Result *r)
{
  g_async_queue_push(data, r);
}

static Job *next_job(Rig *rig, JobType type)
{
  Job *job = job_new(type);

  job->timeout_ms = 20000;
  switch (type) {
  case JOB_GUIDE:
    job->frame = image_copy(rig->frame);
    break;
  case JOB_FINGER:
    job->finger = READER_FINGER_RIGHT_INDEX;
    job->subject = g_strdup("language-switch/0");
    break;
  case JOB_STORE:
    job->record = record_new();
    record_set_string(job->record, "kind", "language-switch test");
    break;
  case JOB_PHOTO:
  case JOB_SIGNATURE:
  case JOB_BACKDROP:
  case JOB_EXCEPTION_PHOTO:
  case JOB_PIN:
    g_assert_not_reached();
  }
  return job;
}

static Worker *worker_for(Rig *rig, JobType type)
{
  return type == JOB_GUIDE    ? rig->photo
         : type == JOB_FINGER ? rig->reader
                              : rig->store;
}

/* The configuration's state folder, the reader prepared, the store opened:
 * everything that must happen before the first thread. */
static void rig_prepare(Rig *rig)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *set_state = NULL;
  g_autofree char *db_path = NULL;
  PortraitStyle style;

  rig->dir = testlib_mkdtemp();
  set_state = g_strdup_printf("paths.state_dir=%s", rig->dir);
  rig->config = config_load(NULL, &error);
  g_assert_no_error(error);
  g_assert_true(config_override(rig->config, set_state, &error));
  g_assert_true(fpreader_prepare(rig->config->reader_backend,
                                 rig->config->reader_options, &error));
  g_assert_no_error(error);
  db_path = config_resolve_path(rig->config, rig->config->database);
  rig->db = db_open(db_path, &error);
  g_assert_no_error(error);
  rig->queue = queue_open(rig->db, rig->dir, "", &error);
  g_assert_no_error(error);
  portrait_style_default(&style);
  rig->frame = portrait_draw(480, 640, &style);
}

static void rig_start(Rig *rig)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db_path =
      config_resolve_path(rig->config, rig->config->database);
  g_autofree char *outbox = g_build_filename(rig->dir, "outbox", NULL);
  g_autofree char *target = NULL;

  g_assert_cmpint(g_mkdir_with_parents(outbox, 0700), ==, 0);
  target = queue_target_for_folder(outbox);
  rig->results = g_async_queue_new();
  rig->photo =
      worker_new(&worker_photo_class, NULL, NULL, deliver, rig->results);
  rig->reader = worker_new(&worker_reader_class, rig->config,
                           rig->config->reader_backend, deliver, rig->results);
  rig->store =
      worker_new(&worker_store_class, rig->queue, NULL, deliver, rig->results);
  rig->uploader = uploader_start(db_path, rig->dir, "", target, 3600, &error);
  g_assert_no_error(error);
  for (JobType t = JOB_GUIDE; t <= JOB_STORE; t++)
    if (t != JOB_SIGNATURE)
      worker_push(worker_for(rig, t), next_job(rig, t));
}

/* Takes every result that is in, checks it and gives its worker the next
 * job of the same kind, so that each worker stays busy. */
static void rig_drain(Rig *rig)
{
  Result *r;

  while ((r = g_async_queue_try_pop(rig->results))) {
    g_assert_no_error(r->error);
    rig->done[r->type]++;
    if (r->type == JOB_STORE)
      uploader_kick(rig->uploader);
    worker_push(worker_for(rig, r->type), next_job(rig, r->type));
    result_free(r);
  }
}

static void rig_stop(Rig *rig)
{
  g_clear_pointer(&rig->uploader, uploader_stop);
  g_clear_pointer(&rig->photo, worker_free);
  g_clear_pointer(&rig->reader, worker_free);
  g_clear_pointer(&rig->store, worker_free);
  if (rig->results) {
    Result *r;
    while ((r = g_async_queue_try_pop(rig->results)))
      result_free(r);
    g_async_queue_unref(rig->results);
  }
  queue_close(rig->queue);
  db_close(rig->db);
  image_free(rig->frame);
  config_free(rig->config);
  testlib_rmtree(rig->dir);
  g_free(rig->dir);
}

static void test_switch_while_busy(void)
{
  Rig rig = {0};
  Session *session;
  char **environ_before;
  const char *language_before;
  g_autofree char *language_value = NULL;
  UploaderStats stats = {0};

  rig_prepare(&rig);
  session = session_new(rig.config, NULL, NULL, NULL, 0);
  rig_start(&rig);
  environ_before = environ;
  language_before = g_getenv("LANGUAGE");
  language_value = g_strdup(language_before);
  for (int i = 0; i < SWITCHES; i++) {
    gboolean dutch = i % 2 == 0;
    const KioskView *view;

    g_assert_true(i18n_set_language(dutch ? "nl" : "en"));
    view = session_view(session);
    g_assert_cmpstr(view->title, ==, dutch ? WELCOME_NL : WELCOME_EN);
    rig_drain(&rig);
    g_usleep(20000);
  }
  /* Until every kind of work has answered at least twice while the
   * language kept changing. */
  for (int i = 0;
       i < 1000 && (rig.done[JOB_GUIDE] < 2 || rig.done[JOB_FINGER] < 2 ||
                    rig.done[JOB_STORE] < 2);
       i++) {
    g_assert_true(i18n_set_language(i % 2 ? "nl" : "en"));
    rig_drain(&rig);
    g_usleep(20000);
  }
  g_test_message("guidance %u, fingers %u, records %u", rig.done[JOB_GUIDE],
                 rig.done[JOB_FINGER], rig.done[JOB_STORE]);
  g_assert_cmpuint(rig.done[JOB_GUIDE], >=, 2);
  g_assert_cmpuint(rig.done[JOB_FINGER], >=, 2);
  g_assert_cmpuint(rig.done[JOB_STORE], >=, 2);
  g_assert_true(environ == environ_before);
  g_assert_true(g_getenv("LANGUAGE") == language_before);
  g_assert_cmpstr(g_getenv("LANGUAGE"), ==, language_value);
  /* The uploader's passes ran while the language changed: what was
   * sealed before its last pass was delivered, and nothing failed. */
  uploader_kick(rig.uploader);
  for (int i = 0; i < 500; i++) {
    g_free(stats.last_error);
    uploader_get_stats(rig.uploader, &stats);
    if (stats.n_acknowledged >= 2)
      break;
    g_usleep(10000);
  }
  g_test_message("uploader: %u passes, %u delivered", stats.n_passes,
                 stats.n_acknowledged);
  g_assert_cmpuint(stats.n_acknowledged, >=, 2);
  g_assert_cmpuint(stats.n_failed, ==, 0);
  g_free(stats.last_error);
  session_free(session);
  rig_stop(&rig);
  g_assert_true(i18n_set_language("en"));
}

int main(int argc, char **argv)
{
  setlocale(LC_ALL, "");
  g_test_init(&argc, &argv, NULL);
  /* Before any thread, as main() does. */
  if (!i18n_init("en"))
    testlib_skip_all("no catalogues in %s", i18n_locale_dir());
  g_test_add_func("/language-switch/while-busy", test_switch_while_busy);
  return g_test_run();
}
