/* Whole-program figures: start-up to the first check-in frame, and the
 * demo's own (CPU) time. Runs the built biokiosk as a technician would, in
 * a private state folder, several times, and prints medians as
 * "<name> <value> <unit>". */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#define RUNS_STARTUP 7
#define RUNS_DEMO    3

static int compare_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n)
{
  qsort(v, n, sizeof *v, compare_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Runs argv, waits, returns the child's exit status; fills its CPU time
 * (user + system, seconds) and its stderr. */
static int run(char **argv, double *ret_cpu_s, char **ret_stderr)
{
  int err_pipe[2];
  pid_t pid;
  int status = 0;
  struct rusage usage;
  GString *err = g_string_new(NULL);
  char buf[4096];
  ssize_t n;

  if (pipe(err_pipe) < 0)
    abort();
  pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    close(err_pipe[0]);
    execv(argv[0], argv);
    _exit(127);
  }
  close(err_pipe[1]);
  while ((n = read(err_pipe[0], buf, sizeof buf)) > 0)
    g_string_append_len(err, buf, n);
  close(err_pipe[0]);
  wait4(pid, &status, 0, &usage);
  if (ret_cpu_s)
    *ret_cpu_s = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
                 usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
  if (ret_stderr)
    *ret_stderr = g_string_free(err, FALSE);
  else
    g_string_free(err, TRUE);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void rmtree(const char *path)
{
  g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", path);
  if (system(cmd) != 0)
    g_printerr("could not remove %s\n", path);
}

int main(int argc, char **argv)
{
  const char *biokiosk = argc > 1 ? argv[1] : "build/biokiosk";
  g_autofree char *tmp = g_dir_make_tmp("biokiosk-bench-XXXXXX", NULL);
  g_autofree char *state = g_build_filename(tmp, "state", NULL);
  g_autofree char *set_state = g_strdup_printf("paths.state_dir=%s", state);
  g_autofree char *demo_out = g_build_filename(tmp, "demo", NULL);
  double startup[RUNS_STARTUP], demo_cpu[RUNS_DEMO], demo_wall[RUNS_DEMO];

  g_setenv("SDL_VIDEODRIVER", "offscreen", TRUE);
  for (int i = 0; i < RUNS_STARTUP; i++) {
    char *args[] = {
        (char *)biokiosk, "run",     "--headless", "--exit-after-first-frame",
        "--set",          set_state, NULL};
    g_autofree char *err = NULL;
    gint64 start = g_get_monotonic_time();
    const char *mark;
    gint64 frame;

    if (run(args, NULL, &err) != 0 ||
        !(mark = strstr(err, "first-frame-monotonic-us "))) {
      g_printerr("bench: biokiosk run failed:\n%s\n", err);
      return 1;
    }
    frame =
        g_ascii_strtoll(mark + strlen("first-frame-monotonic-us "), NULL, 10);
    startup[i] = (frame - start) / 1000.0;
  }
  printf("startup.checkin_ms %.1f ms\n", median(startup, RUNS_STARTUP));

  for (int i = 0; i < RUNS_DEMO; i++) {
    char *args[] = {(char *)biokiosk, "demo",   "--headless",
                    "--out",          demo_out, NULL};
    gint64 start = g_get_monotonic_time();
    g_autofree char *err = NULL;

    if (run(args, &demo_cpu[i], &err) != 0) {
      g_printerr("bench: biokiosk demo failed:\n%s\n", err);
      return 1;
    }
    demo_wall[i] = (g_get_monotonic_time() - start) / 1e6;
  }
  /* The demo's own time: CPU time of the process, which leaves out every
   * wait (device timing, sleeps, scheduling). */
  printf("demo.software_s %.3f s\n", median(demo_cpu, RUNS_DEMO));
  printf("demo.wall_s %.3f s\n", median(demo_wall, RUNS_DEMO));
  rmtree(tmp);
  return 0;
}
