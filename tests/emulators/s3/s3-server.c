/* See s3-server.h. */
#include "s3-server.h"

#include <signal.h>

/* A folder of this build or source tree: the environment's (meson test
 * sets it), else the one meson configured (benchmarks run alone). */
static char *s3_tree_path(const char *var, const char *fallback,
                          const char *rel)
{
  const char *root = g_getenv(var);

  return g_build_filename(root && *root ? root : fallback, rel, NULL);
}

/* The npm packages' folder, or NULL with the reason. */
static char *s3_node_modules(char **ret_why)
{
  const char *env = g_getenv("BK_S3_NODE_MODULES");
  g_autofree char *modules =
      env && *env ? g_strdup(env)
                  : s3_tree_path("BK_BUILD_DIR", BK_S3_BUILD_ROOT,
                                 "s3-emulator/node_modules");
  g_autofree char *package =
      g_build_filename(modules, "@20minutes", "s3rver", "package.json", NULL);
  g_autofree char *node = g_find_program_in_path("node");

  if (!node) {
    *ret_why = g_strdup("node is not installed (make deps)");
    return NULL;
  }
  if (!g_file_test(package, G_FILE_TEST_IS_REGULAR)) {
    *ret_why = g_strdup_printf("the S3 server's npm packages are not in %s "
                               "(make setup installs them)",
                               modules);
    return NULL;
  }
  return g_steal_pointer(&modules);
}

void s3_server_free(S3Server *server)
{
  if (!server)
    return;
  if (server->process) {
    g_subprocess_send_signal(server->process, SIGTERM);
    g_subprocess_wait(server->process, NULL, NULL);
    g_object_unref(server->process);
  }
  g_free(server->dir);
  g_free(server->log);
  g_free(server->endpoint);
  g_free(server);
}

S3Server *s3_server_start(const char *scratch, const char *bucket,
                          const char *access_key, const char *secret_key,
                          const char *fault, char **ret_why)
{
  g_autofree char *modules = s3_node_modules(ret_why);
  g_autofree char *script = s3_tree_path("BK_SOURCE_DIR", BK_S3_SOURCE_ROOT,
                                         "tests/emulators/s3/server.js");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(S3Server) server = g_new0(S3Server, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  static guint n;

  if (!modules)
    return NULL;
  server->dir = g_strdup_printf("%s/s3-server-%u", scratch, n);
  server->log = g_strdup_printf("%s/s3-server-%u.log", scratch, n++);
  launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                       G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv(launcher, "NODE_PATH", modules, TRUE);
  g_subprocess_launcher_setenv(launcher, "BK_S3_ACCESS_KEY", access_key, TRUE);
  g_subprocess_launcher_setenv(launcher, "BK_S3_SECRET_KEY", secret_key, TRUE);
  server->process = g_subprocess_launcher_spawn(
      launcher, &error, "node", script, "--dir", server->dir, "--bucket",
      bucket, "--log", server->log, fault ? "--fault" : NULL, fault, NULL);
  if (!server->process) {
    *ret_why = g_strdup_printf("node: %s", error->message);
    return NULL;
  }
  out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(server->process));
  line = g_data_input_stream_read_line(out, NULL, NULL, NULL);
  if (!line || !g_str_has_prefix(line, "port ")) {
    *ret_why = g_strdup("the S3 server did not start (see its stderr)");
    return NULL;
  }
  server->endpoint = g_strdup_printf("http://127.0.0.1:%s", line + 5);
  return g_steal_pointer(&server);
}
