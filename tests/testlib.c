/* Test helpers; see testlib.h. */
#include "testlib.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

void testlib_skip_all(const char *fmt, ...)
{
  va_list args;
  char *reason;

  va_start(args, fmt);
  reason = g_strdup_vprintf(fmt, args);
  va_end(args);
  printf("1..0 # SKIP %s\n", reason);
  fflush(stdout);
  /* exit() does not run g_autofree: LeakSanitizer would count it. */
  g_free(reason);
  exit(77);
}

char *testlib_mkdtemp(void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp("biokiosk-test-XXXXXX", &error);

  g_assert_no_error(error);
  return dir;
}

void testlib_rmtree(const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (!path)
    return;
  dir = g_dir_open(path, 0, NULL);
  if (dir) {
    while ((name = g_dir_read_name(dir))) {
      g_autofree char *child = g_build_filename(path, name, NULL);
      if (g_file_test(child, G_FILE_TEST_IS_DIR) &&
          !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
        testlib_rmtree(child);
      else
        g_unlink(child);
    }
  }
  g_rmdir(path);
}

static char *env_path(const char *var, const char *rel)
{
  const char *root = g_getenv(var);

  g_assert_nonnull(root);
  return g_build_filename(root, rel, NULL);
}

char *testlib_source_path(const char *rel)
{
  return env_path("BK_SOURCE_DIR", rel);
}

char *testlib_build_path(const char *rel)
{
  return env_path("BK_BUILD_DIR", rel);
}

char *testlib_shared_path(const char *rel)
{
  const char *root = g_getenv("BK_SHARED_DIR");
  char *path;

  if (!root)
    return NULL;
  path = g_build_filename(root, rel, NULL);
  if (!g_file_test(path, G_FILE_TEST_EXISTS))
    g_clear_pointer(&path, g_free);
  return path;
}

int testlib_spawn(const char *const *argv, const char *const *envp,
                  char **ret_stdout, char **ret_stderr)
{
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (!g_spawn_sync(NULL, (char **)argv, (char **)envp, G_SPAWN_DEFAULT, NULL,
                    NULL, ret_stdout, ret_stderr, &status, &error)) {
    g_printerr("spawn %s: %s\n", argv[0], error->message);
    return -1;
  }
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return -1;
}

int testlib_run_in_child(int (*run)(int argc, char **argv, const char *scratch),
                         int argc, char **argv)
{
  g_autofree char *dir = testlib_mkdtemp();
  int status = 0;
  pid_t pid = fork();

  g_assert_cmpint(pid, >=, 0);
  if (pid == 0)
    exit(run(argc, argv, dir));
  g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
  testlib_rmtree(dir);
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

void testlib_private_mounts(void)
{
  if (unshare(CLONE_NEWNS) != 0 ||
      mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
    testlib_skip_all("cannot mount a tmpfs here (needs root): %s",
                     g_strerror(errno));
}

void testlib_mount_tmpfs(const char *dir, guint64 size)
{
  g_autofree char *options =
      g_strdup_printf("size=%" G_GUINT64_FORMAT ",mode=0700", size);

  g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
  if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, options) != 0)
    g_error("mount tmpfs on %s: %s", dir, g_strerror(errno));
}

int testlib_run_biokiosk(const char *const *args, char **ret_stdout,
                         char **ret_stderr)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  int status;

  g_ptr_array_add(argv, (gpointer)g_getenv("BK_BIOKIOSK"));
  for (int i = 0; args[i]; i++)
    g_ptr_array_add(argv, (gpointer)args[i]);
  g_ptr_array_add(argv, NULL);
  status = testlib_spawn((const char *const *)argv->pdata, NULL, ret_stdout,
                         ret_stderr);
  g_test_message("exit %d\n%s%s", status, *ret_stdout, *ret_stderr);
  return status;
}
