/* The kiosk's log as the journal keeps it (docs/appliance.md, "Logging").
 * In a private mount namespace with a /run of its own, the test starts a
 * systemd-journald of its own and runs the kiosk with stderr on that
 * journal's stream socket, as a systemd service's stderr is; GLib then
 * sends each entry natively with its fields. journalctl -o json reads them
 * back. Checked: the BIOKIOSK_EVENT of the key events, the record ids, the
 * device fields, the configured level, one entry per failed start, the
 * technician's export, and that no name, date of birth or appointment code
 * of the demo's applicants reaches the journal at any level. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "log-export.h"
#include "log.h"
#include "testlib.h"

#define JOURNAL_STREAM   "/run/systemd/journal/stdout"
#define JOURNAL_WAIT_MS  10000
#define TMPFS_BYTES      (64 * 1024 * 1024)
#define MAX_FIELD_LENGTH 2048 /* no image, template or signature fits */

/* The demo family's names, dates of birth (as the schedule has them and as
 * a screen would show them) and appointment code: never in the journal. */
static const char *const canaries[] = {
    "Amira",      "Youssef",    "Haddad",     "1988-04-12", "2016-07-03",
    "12-04-1988", "03-07-2016", "12/04/1988", "48213907",   NULL,
};

static const char *scratch;
static char *journalctl;
static GPid journald;

typedef struct {
  int status;
  char *pid;
  char *out;
  GPtrArray *entries; /* JsonObject*, the kiosk's, oldest first */
} Run;

static void run_clear(Run *r)
{
  g_free(r->pid);
  g_free(r->out);
  g_clear_pointer(&r->entries, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Run, run_clear)

static const char *entry_get(JsonObject *e, const char *key)
{
  JsonNode *n = json_object_get_member(e, key);

  if (!n || !JSON_NODE_HOLDS_VALUE(n) ||
      json_node_get_value_type(n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string(n);
}

static char *run_tool(const char *const *argv)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = testlib_spawn(argv, NULL, &out, &err);

  if (status != 0)
    g_error("%s: exit %d: %s", argv[0], status, err ? err : "");
  return g_steal_pointer(&out);
}

/* Everything process `pid` wrote to the journal, once journald has it. */
static GPtrArray *journal_entries(const char *pid)
{
  const char *sync[] = {journalctl, "--sync", NULL};
  g_autofree char *match = g_strdup_printf("_PID=%s", pid);
  const char *query[] = {journalctl, "-o", "json", "--no-pager", match, NULL};
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *entries =
      g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);

  g_free(run_tool(sync));
  out = run_tool(query);
  lines = g_strsplit(out, "\n", -1);
  for (char **l = lines; *l; l++) {
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) error = NULL;

    if (!**l)
      continue;
    g_assert_true(json_parser_load_from_data(parser, *l, -1, &error));
    g_assert_no_error(error);
    g_ptr_array_add(entries, json_object_ref(json_node_get_object(
                                 json_parser_get_root(parser))));
  }
  return entries;
}

/* Runs biokiosk with `args`, its stderr on the journal's stream socket. */
static void run_kiosk(const char *const *args, Run *r)
{
  g_autoptr(GSubprocessLauncher) launcher =
      g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  int fd = sd_journal_stream_fd(LOG_IDENTIFIER, LOG_INFO, 0);

  g_assert_cmpint(fd, >=, 0);
  g_subprocess_launcher_take_stderr_fd(launcher, fd);
  g_subprocess_launcher_unsetenv(launcher, "G_MESSAGES_DEBUG");
  g_ptr_array_add(argv, (char *)g_getenv("BK_BIOKIOSK"));
  for (gsize i = 0; args[i]; i++)
    g_ptr_array_add(argv, (char *)args[i]);
  g_ptr_array_add(argv, NULL);
  proc = g_subprocess_launcher_spawnv(launcher,
                                      (const char *const *)argv->pdata, &error);
  g_assert_no_error(error);
  r->pid = g_strdup(g_subprocess_get_identifier(proc));
  g_assert_true(
      g_subprocess_communicate_utf8(proc, NULL, NULL, &r->out, NULL, &error));
  g_assert_no_error(error);
  r->status = g_subprocess_get_if_exited(proc)
                  ? g_subprocess_get_exit_status(proc)
                  : 128 + g_subprocess_get_term_sig(proc);
  r->entries = journal_entries(r->pid);
  g_test_message("%s: exit %d, %u journal entries", (char *)argv->pdata[1],
                 r->status, r->entries->len);
}

/* Every entry: ours, sent natively (stderr carried nothing), no canary,
 * only text fields of modest length, nothing above `max_priority`. */
static void check_entries(const Run *r, char max_priority)
{
  for (guint i = 0; i < r->entries->len; i++) {
    JsonObject *e = g_ptr_array_index(r->entries, i);
    g_autoptr(GList) keys = json_object_get_members(e);
    const char *priority = entry_get(e, "PRIORITY");

    g_assert_cmpstr(entry_get(e, "_TRANSPORT"), ==, "journal");
    g_assert_cmpstr(entry_get(e, "SYSLOG_IDENTIFIER"), ==, LOG_IDENTIFIER);
    g_assert_nonnull(priority);
    if (priority[0] > max_priority)
      g_error("priority %s above %c: %s", priority, max_priority,
              entry_get(e, "MESSAGE"));
    for (GList *k = keys; k; k = k->next) {
      const char *value = entry_get(e, k->data);

      if (!value)
        g_error("field %s is not one text", (char *)k->data);
      g_assert_cmpuint(strlen(value), <=, MAX_FIELD_LENGTH);
      for (gsize c = 0; canaries[c]; c++)
        if (strstr(value, canaries[c]))
          g_error("%s in %s: %s", canaries[c], (char *)k->data, value);
    }
  }
}

/* The number of entries with BIOKIOSK_EVENT `event` (and the record id,
 * when not NULL). */
static guint count_event(const Run *r, const char *event, const char *record)
{
  guint n = 0;

  for (guint i = 0; i < r->entries->len; i++) {
    JsonObject *e = g_ptr_array_index(r->entries, i);

    if (g_strcmp0(entry_get(e, LOG_FIELD_EVENT), event) == 0 &&
        (!record || g_strcmp0(entry_get(e, LOG_FIELD_RECORD_ID), record) == 0))
      n++;
  }
  return n;
}

static guint count_priority(const Run *r, const char *priority)
{
  guint n = 0;

  for (guint i = 0; i < r->entries->len; i++)
    n += g_strcmp0(entry_get(g_ptr_array_index(r->entries, i), "PRIORITY"),
                   priority) == 0;
  return n;
}

/* The demo (the sample family, two records) at `level`. */
static void run_demo(const char *level, Run *r)
{
  g_autofree char *out = g_build_filename(scratch, level, NULL);
  g_autofree char *set = g_strdup_printf("log.level=%s", level);
  const char *args[] = {"demo", "--headless", "--out", out, "--set", set, NULL};

  run_kiosk(args, r);
  g_assert_cmpint(r->status, ==, 0);
}

/* The record ids the demo printed ("record: <id>"). */
static GStrv demo_records(const Run *r)
{
  g_auto(GStrv) lines = g_strsplit(r->out, "\n", -1);
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new();

  for (char **l = lines; *l; l++)
    if (g_str_has_prefix(*l, "record: "))
      g_strv_builder_add(ids, *l + strlen("record: "));
  return g_strv_builder_end(ids);
}

static void check_devices(const Run *r)
{
  guint n = 0;

  for (guint i = 0; i < r->entries->len; i++) {
    JsonObject *e = g_ptr_array_index(r->entries, i);

    if (g_strcmp0(entry_get(e, LOG_FIELD_EVENT), LOG_EVENT_DEVICE_STATE))
      continue;
    g_assert_nonnull(entry_get(e, LOG_FIELD_DEVICE));
    g_assert_nonnull(entry_get(e, LOG_FIELD_DEVICE_STATE));
    n++;
  }
  /* The camera, the pad and the reader each come up. */
  g_assert_cmpuint(n, >=, 3);
}

/* The technician's export of the same day holds the same records. */
static void check_export(GStrv ids)
{
  g_autofree char *path = g_build_filename(scratch, "export.log", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start_us = g_get_monotonic_time();

  g_assert_true(log_export_last_day(path, &error));
  g_assert_no_error(error);
  g_test_message("export: %" G_GINT64_FORMAT " ms",
                 (g_get_monotonic_time() - start_us) / 1000);
  g_assert_true(g_file_get_contents(path, &text, NULL, &error));
  g_assert_true(g_str_has_prefix(text, "# biokiosk journal entries since "));
  for (char **id = ids; *id; id++) {
    g_autofree char *stored = g_strdup_printf("record-stored record=%s:", *id);
    g_autofree char *acked =
        g_strdup_printf("upload-acknowledged record=%s:", *id);

    g_assert_nonnull(strstr(text, stored));
    g_assert_nonnull(strstr(text, acked));
  }
  for (gsize c = 0; canaries[c]; c++)
    g_assert_null(strstr(text, canaries[c]));
}

static void test_demo(void)
{
  g_auto(Run) r = {0};
  g_auto(GStrv) ids = NULL;

  run_demo("info", &r);
  ids = demo_records(&r);
  g_assert_cmpuint(g_strv_length(ids), ==, 2);
  check_entries(&r, '6');
  g_assert_cmpuint(count_event(&r, LOG_EVENT_CHECKIN, NULL), ==, 1);
  g_assert_cmpuint(count_event(&r, LOG_EVENT_PERSON_STARTED, NULL), ==, 2);
  for (char **id = ids; *id; id++) {
    g_assert_cmpuint(count_event(&r, LOG_EVENT_RECORD_STORED, *id), ==, 1);
    g_assert_cmpuint(count_event(&r, LOG_EVENT_UPLOAD_ACKNOWLEDGED, *id), ==,
                     1);
  }
  check_devices(&r);
  check_export(ids);
}

/* Debug shows more, and still no applicant. */
static void test_level_debug(void)
{
  g_auto(Run) r = {0};

  run_demo("debug", &r);
  check_entries(&r, '7');
  g_assert_cmpuint(count_priority(&r, "7"), >, 0);
  g_assert_cmpuint(count_event(&r, LOG_EVENT_RECORD_STORED, NULL), ==, 2);
}

static void test_level_warning(void)
{
  g_auto(Run) r = {0};

  run_demo("warning", &r);
  check_entries(&r, '5');
  /* The demo seals to its own key, which is worth a warning. */
  g_assert_cmpuint(count_event(&r, LOG_EVENT_DEMO_KEY, NULL), ==, 1);
  g_assert_cmpuint(count_event(&r, LOG_EVENT_RECORD_STORED, NULL), ==, 0);
}

/* A start that fails: exit 2 and one entry, at priority err, that says
 * why. */
static void check_failed_start(const char *const *args, const char *why)
{
  g_auto(Run) r = {0};
  JsonObject *e;

  run_kiosk(args, &r);
  g_assert_cmpint(r.status, ==, 2);
  check_entries(&r, '3');
  g_assert_cmpuint(r.entries->len, ==, 1);
  e = g_ptr_array_index(r.entries, 0);
  g_test_message("%s", entry_get(e, "MESSAGE"));
  g_assert_cmpstr(entry_get(e, "PRIORITY"), ==, "3");
  g_assert_cmpstr(entry_get(e, LOG_FIELD_EVENT), ==, LOG_EVENT_STARTUP_FAILED);
  g_assert_true(g_str_has_prefix(entry_get(e, "MESSAGE"), "biokiosk run: "));
  if (!strstr(entry_get(e, "MESSAGE"), why))
    g_error("'%s' does not say '%s'", entry_get(e, "MESSAGE"), why);
}

/* A state folder open to others on a read-only file system: the kiosk
 * cannot tighten it and must not run with it. */
static char *loose_state_folder(void)
{
  g_autofree char *mount_point = g_build_filename(scratch, "ro", NULL);
  char *state = g_build_filename(mount_point, "state", NULL);

  testlib_mount_tmpfs(mount_point, TMPFS_BYTES);
  g_assert_cmpint(g_mkdir(state, 0755), ==, 0);
  g_assert_cmpint(chmod(state, 0755), ==, 0);
  g_assert_cmpint(mount(NULL, mount_point, NULL, MS_REMOUNT | MS_RDONLY, NULL),
                  ==, 0);
  return state;
}

static void test_failed_starts(void)
{
  g_autofree char *foreign = g_build_filename(scratch, "foreign", NULL);
  g_autofree char *loose = loose_state_folder();
  g_autofree char *set_foreign = g_strdup_printf("paths.state_dir=%s", foreign);
  g_autofree char *set_loose = g_strdup_printf("paths.state_dir=%s", loose);
  g_autofree char *mount_point = g_path_get_dirname(loose);
  const char *const cases[][3] = {
      {"--config", "/nonexistent/biokiosk.conf", "/nonexistent/biokiosk.conf"},
      /* A folder where the file should be: there, but not readable. */
      {"--config", "/", "cannot read"},
      {"--set", set_foreign, "belongs to uid 65534"},
      {"--set", set_loose, "could not be tightened"},
      {"--set", "officer.pin_hash=$argon2id$v=19$nonsense", "pin_hash"},
      {"--set", "kiosk.technician_pin_hash=$argon2id$nonsense",
       "technician_pin_hash"},
      {"--set", "log.level=loud", "[log] level"},
  };

  g_assert_cmpint(g_mkdir(foreign, 0700), ==, 0);
  g_assert_cmpint(chown(foreign, 65534, 65534), ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    const char *args[] = {"run", "--headless", cases[i][0], cases[i][1], NULL};

    check_failed_start(args, cases[i][2]);
  }
  g_assert_cmpint(umount(mount_point), ==, 0);
}

/* Without a journal the export says so and writes nothing. */
static void test_export_without_journal(void)
{
  g_autofree char *empty = g_build_filename(scratch, "no-journal", NULL);
  g_autofree char *path = g_build_filename(scratch, "none.log", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint(g_mkdir(empty, 0700), ==, 0);
  g_assert_false(log_export_since(empty, 0, path, NULL, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error(&error);
  /* The system's journal hidden: as on a machine without one. */
  testlib_mount_tmpfs("/run/log", TMPFS_BYTES);
  g_assert_false(log_export_last_day(path, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_test_message("%s", error->message);
  g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
  g_assert_cmpint(umount("/run/log"), ==, 0);
}

/* journald ends with the test, whatever becomes of it. */
static void journald_child_setup(gpointer data)
{
  prctl(PR_SET_PDEATHSIG, SIGTERM);
}

static const char *journald_path(void)
{
  static const char *const paths[] = {
      "/lib/systemd/systemd-journald",
      "/usr/lib/systemd/systemd-journald",
  };

  for (gsize i = 0; i < G_N_ELEMENTS(paths); i++)
    if (g_file_test(paths[i], G_FILE_TEST_IS_EXECUTABLE))
      return paths[i];
  return NULL;
}

/* A journald of our own behind a /run (and /var/log/journal) of our own. */
static void journald_start(void)
{
  const char *argv[] = {journald_path(), NULL};
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time() + JOURNAL_WAIT_MS * 1000;

  if (!argv[0])
    testlib_skip_all("no systemd-journald (Debian package systemd)");
  journalctl = g_find_program_in_path("journalctl");
  if (!journalctl)
    testlib_skip_all("no journalctl (Debian package systemd)");
  testlib_private_mounts();
  testlib_mount_tmpfs("/run", TMPFS_BYTES);
  if (g_file_test("/var/log/journal", G_FILE_TEST_IS_DIR))
    testlib_mount_tmpfs("/var/log/journal", TMPFS_BYTES);
  g_assert_cmpint(g_mkdir_with_parents("/run/systemd/journal", 0755), ==, 0);
  g_assert_true(g_spawn_async(NULL, (char **)argv, NULL,
                              G_SPAWN_DO_NOT_REAP_CHILD |
                                  G_SPAWN_STDOUT_TO_DEV_NULL |
                                  G_SPAWN_STDERR_TO_DEV_NULL,
                              journald_child_setup, NULL, &journald, &error));
  g_assert_no_error(error);
  while (!g_file_test(JOURNAL_STREAM, G_FILE_TEST_EXISTS)) {
    if (g_get_monotonic_time() > deadline)
      g_error("systemd-journald made no %s", JOURNAL_STREAM);
    g_usleep(20000);
  }
}

static void journald_stop(void)
{
  int status;

  kill(journald, SIGTERM);
  waitpid(journald, &status, 0);
}

static int run_tests(int argc, char **argv, const char *dir)
{
  int status;

  scratch = dir;
  g_test_init(&argc, &argv, NULL);
  journald_start();
  g_test_add_func("/journal/demo", test_demo);
  g_test_add_func("/journal/level-debug", test_level_debug);
  g_test_add_func("/journal/level-warning", test_level_warning);
  g_test_add_func("/journal/failed-starts", test_failed_starts);
  g_test_add_func("/journal/export-without-journal",
                  test_export_without_journal);
  status = g_test_run();
  journald_stop();
  return status;
}

int main(int argc, char **argv)
{
  return testlib_run_in_child(run_tests, argc, argv);
}
