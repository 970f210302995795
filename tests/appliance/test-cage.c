/* The kiosk's session (biokiosk.service): cage, the Wayland kiosk
 * compositor, runs `biokiosk run --fullscreen` as its one client under
 * SDL's Wayland driver. Here cage runs on wlroots' headless backend with
 * the pixman renderer; grim takes a screenshot of its output, which must
 * show the check-in screen full screen (scaled to the output, letterboxed)
 * and match the reference check-in screen of tests/ui-reference/. SIGTERM
 * then stops the kiosk, and cage ends with its client.
 *
 * Two headless outputs side by side (2560 x 720): on a single output the
 * full-screen surface would be handed to the output directly (cage's direct
 * scan-out), which the headless backend cannot capture. cage (0.1.4) also
 * refuses to run as root: as root, the test runs it as "nobody". */
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image.h"
#include "pngio.h"
#include "testlib.h"

#define OUT_W  2560 /* two headless outputs of 1280 x 720 */
#define OUT_H  720
#define SCALE  0.9 /* 1280 x 800 into 720 rows */
#define VIEW_W 1152
#define VIEW_X ((OUT_W - VIEW_W) / 2)
/* The reference's banner and location; its language button and footer
 * differ from a running kiosk's and are left out of the comparison. */
#define BANNER   "Do you have a fever or a cold? Please make a new appointment."
#define LOCATION "IND Amsterdam"

typedef struct {
  char *dir;
  char *runtime; /* XDG_RUNTIME_DIR: cage's Wayland socket */
  GPid cage;
  uid_t uid;
  gid_t gid;
  gboolean drop; /* run as uid/gid (we are root) */
} Session;

static void copy_file(const char *from, const char *to, int mode)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  g_assert_true(g_file_get_contents(from, &data, &len, NULL));
  g_assert_true(g_file_set_contents(to, data, (gssize)len, NULL));
  g_assert_cmpint(chmod(to, mode), ==, 0);
}

static void give(Session *s, const char *path)
{
  if (s->drop)
    g_assert_cmpint(chown(path, s->uid, s->gid), ==, 0);
}

static char **session_env(Session *s)
{
  char **env = NULL;

  env = g_environ_setenv(env, "PATH", "/usr/bin:/bin", TRUE);
  env = g_environ_setenv(env, "XDG_RUNTIME_DIR", s->runtime, TRUE);
  env = g_environ_setenv(env, "WLR_BACKENDS", "headless", TRUE);
  env = g_environ_setenv(env, "WLR_HEADLESS_OUTPUTS", "2", TRUE);
  env = g_environ_setenv(env, "WLR_RENDERER", "pixman", TRUE);
  env = g_environ_setenv(env, "WLR_LIBINPUT_NO_DEVICES", "1", TRUE);
  env = g_environ_setenv(env, "SDL_VIDEODRIVER", "wayland", TRUE);
  env = g_environ_setenv(env, "LC_ALL", "C.UTF-8", TRUE);
  env = g_environ_setenv(env, "TZ", "Europe/Amsterdam", TRUE);
  return env;
}

/* Runs argv as the session's user (through setpriv when we are root). */
static gboolean spawn_as(Session *s, const char *const *argv, GPid *ret_pid,
                         int *ret_status)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
  g_auto(GStrv) env = session_env(s);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  /* Nothing outlives the test, even when an assertion aborts it. */
  g_ptr_array_add(args, g_strdup("setpriv"));
  g_ptr_array_add(args, g_strdup("--pdeathsig=KILL"));
  if (s->drop) {
    g_ptr_array_add(args, g_strdup_printf("--reuid=%u", (unsigned)s->uid));
    g_ptr_array_add(args, g_strdup_printf("--regid=%u", (unsigned)s->gid));
    g_ptr_array_add(args, g_strdup("--clear-groups"));
  }
  for (int i = 0; argv[i]; i++)
    g_ptr_array_add(args, g_strdup(argv[i]));
  g_ptr_array_add(args, NULL);
  if (ret_pid)
    ok = g_spawn_async(s->dir, (char **)args->pdata, env,
                       G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                           G_SPAWN_STDOUT_TO_DEV_NULL |
                           G_SPAWN_STDERR_TO_DEV_NULL,
                       NULL, NULL, ret_pid, &error);
  else
    ok = g_spawn_sync(s->dir, (char **)args->pdata, env,
                      G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                          G_SPAWN_STDERR_TO_DEV_NULL,
                      NULL, NULL, NULL, NULL, ret_status, &error);
  if (!ok)
    g_test_message("spawn %s: %s", argv[0], error->message);
  return ok;
}

/* cage with the kiosk as its client; the client's pid lands in dir/pid. */
static void session_start(Session *s)
{
  g_autofree char *bin = g_build_filename(s->dir, "biokiosk", NULL);
  g_autofree char *state = g_build_filename(s->dir, "state", NULL);
  g_autofree char *set_state = g_strdup_printf("paths.state_dir=%s", state);
  const char *script = "echo $$ > pid; exec setpriv --pdeathsig=KILL \"$0\" "
                       "run --fullscreen --set \"$1\" --set \"$2\" "
                       "--set \"$3\" 2>kiosk.log";
  const char *argv[] = {"cage",
                        "-d",
                        "--",
                        "sh",
                        "-c",
                        script,
                        bin,
                        set_state,
                        "kiosk.location_name=" LOCATION,
                        "kiosk.banner=" BANNER,
                        NULL};

  /* The build tree may be closed to the session's user: a copy of the
   * binary (everything else it needs is built in or the system's). */
  copy_file(g_getenv("BK_BIOKIOSK"), bin, 0755);
  g_assert_true(spawn_as(s, argv, &s->cage, NULL));
}

static int session_pid(Session *s)
{
  g_autofree char *path = g_build_filename(s->dir, "pid", NULL);
  g_autofree char *text = NULL;

  if (!g_file_get_contents(path, &text, NULL, NULL))
    return 0;
  return atoi(text);
}

/* A screenshot of the whole output layout, or NULL. */
static BkImage *screenshot(Session *s, const char *path)
{
  const char *argv[] = {"env", "WAYLAND_DISPLAY=wayland-0", "grim", path, NULL};
  int status = -1;
  g_autoptr(BkImage) shot = NULL;

  if (!spawn_as(s, argv, NULL, &status) || status != 0)
    return NULL;
  shot = pngio_read_file(path, NULL);
  return shot ? image_convert(shot, 3) : NULL;
}

static gboolean masked(int x, int y)
{
  double lx = x / SCALE, ly = y / SCALE; /* logical (1280 x 800) */

  /* The footer, the header (the kiosk's carries the language button
   * before the location, the reference's the location alone), and the
   * check-in's buttons: the reference's are a "Language" button, the
   * kiosk's Seated and Large text. */
  return ly >= 745 || ly < 92 || (lx < 700 && ly >= 505);
}

/* The reference at (x, y) of the output's view, sampled as a GPU's linear
 * filter samples a texture (the centre of the pixel, mapped back). */
static int reference_at(const BkImage *ref, int x, int y, int c)
{
  double sx = CLAMP((x + 0.5) / SCALE - 0.5, 0, ref->width - 1);
  double sy = CLAMP((y + 0.5) / SCALE - 0.5, 0, ref->height - 1);
  int x0 = (int)sx, y0 = (int)sy;
  int x1 = MIN(x0 + 1, ref->width - 1), y1 = MIN(y0 + 1, ref->height - 1);
  double fx = sx - x0, fy = sy - y0;
  double top =
      image_pixel(ref, x0, y0)[c] * (1 - fx) + image_pixel(ref, x1, y0)[c] * fx;
  double bottom =
      image_pixel(ref, x0, y1)[c] * (1 - fx) + image_pixel(ref, x1, y1)[c] * fx;

  return (int)(top * (1 - fy) + bottom * fy + 0.5);
}

typedef struct {
  double mean;     /* mean of each pixel's largest channel difference */
  double far;      /* share of pixels that differ by more than 48 */
  int bar_nonzero; /* letterbox pixels that are not black */
} Diff;

static Diff compare(const BkImage *shot, const BkImage *ref)
{
  Diff d = {0};
  guint64 sum = 0, n = 0, far = 0;

  for (int y = 0; y < OUT_H; y++)
    for (int x = 0; x < OUT_W; x++) {
      const guint8 *a = image_pixel(shot, x, y);
      int m = 0;

      if (x < VIEW_X - 1 || x > VIEW_X + VIEW_W) {
        d.bar_nonzero += a[0] + a[1] + a[2] > 0;
        continue;
      }
      if (x < VIEW_X || x >= VIEW_X + VIEW_W || masked(x - VIEW_X, y))
        continue;
      for (int c = 0; c < 3; c++)
        m = MAX(m, abs(a[c] - reference_at(ref, x - VIEW_X, y, c)));
      sum += m;
      far += m > 48;
      n++;
    }
  d.mean = (double)sum / (double)MAX(n, 1);
  d.far = (double)far / (double)MAX(n, 1);
  return d;
}

static void keep_for_docs(const BkImage *shot)
{
  g_autofree char *path = testlib_build_path("appliance-cage-checkin.png");
  g_autoptr(BkImage) view = image_crop(shot, VIEW_X, 0, VIEW_W, OUT_H);

  if (view && pngio_write_file(view, path, NULL))
    g_test_message("the kiosk under cage: %s", path);
}

static void test_cage_checkin(gconstpointer data)
{
  Session *s = (Session *)data;
  g_autofree char *ref_path =
      testlib_source_path("tests/ui-reference/checkin.png");
  g_autofree char *shot_path = g_build_filename(s->dir, "shot.png", NULL);
  g_autoptr(BkImage) ref = NULL;
  g_autoptr(BkImage) rgb = NULL;
  g_autoptr(BkImage) shot = NULL;
  gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
  Diff d = {.mean = 255};
  int pid = 0, status = -1;

  ref = pngio_read_file(ref_path, NULL);
  g_assert_nonnull(ref);
  rgb = image_convert(ref, 3);
  session_start(s);
  /* The first frames may come before the window is full screen. */
  while (g_get_monotonic_time() < deadline) {
    g_usleep(300 * 1000);
    g_clear_pointer(&shot, image_free);
    shot = screenshot(s, shot_path);
    if (!shot || shot->width != OUT_W || shot->height != OUT_H)
      continue;
    d = compare(shot, rgb);
    if (d.mean < 2 && d.far < 0.002 && d.bar_nonzero == 0)
      break;
  }
  g_test_message("cage: mean difference %.2f, %.3f%% far, %d letterbox "
                 "pixels not black",
                 d.mean, d.far * 100, d.bar_nonzero);
  g_assert_nonnull(shot);
  keep_for_docs(shot);
  g_assert_cmpint(shot->width, ==, OUT_W);
  g_assert_cmpint(d.bar_nonzero, ==, 0);
  g_assert_cmpfloat(d.mean, <, 2);
  g_assert_cmpfloat(d.far, <, 0.002);
  /* systemctl stop: SIGTERM to the kiosk; cage ends with its client. */
  pid = session_pid(s);
  g_assert_cmpint(pid, >, 0);
  g_assert_cmpint(kill(pid, SIGTERM), ==, 0);
  for (int i = 0; i < 200; i++) {
    if (waitpid(s->cage, &status, WNOHANG) == s->cage) {
      s->cage = 0;
      break;
    }
    g_usleep(50 * 1000);
  }
  g_assert_cmpint(s->cage, ==, 0);
}

static const char *missing_tool(void)
{
  static const char *const tools[] = {"cage", "grim", "Xwayland", "setpriv"};

  for (gsize i = 0; i < G_N_ELEMENTS(tools); i++) {
    g_autofree char *path = g_find_program_in_path(tools[i]);

    if (!path)
      return tools[i];
  }
  return NULL;
}

int main(int argc, char **argv)
{
  Session s = {0};
  const char *tool;
  int status;

  g_test_init(&argc, &argv, NULL);
  if ((tool = missing_tool()))
    testlib_skip_all("%s is not installed (make deps installs it)", tool);
  s.drop = geteuid() == 0;
  if (s.drop) {
    struct passwd *pw = getpwnam("nobody");

    if (!pw)
      testlib_skip_all("running as root and there is no user 'nobody'");
    s.uid = pw->pw_uid;
    s.gid = pw->pw_gid;
  }
  /* In /tmp whatever TMPDIR says: the user the session runs as must reach
   * it (a TMPDIR below /root would be closed to it). */
  s.dir = g_strdup("/tmp/biokiosk-cage-XXXXXX");
  g_assert_nonnull(g_mkdtemp(s.dir));
  s.runtime = g_build_filename(s.dir, "run", NULL);
  g_assert_cmpint(mkdir(s.runtime, 0700), ==, 0);
  give(&s, s.dir);
  give(&s, s.runtime);
  g_test_add_data_func("/appliance/cage/checkin", &s, test_cage_checkin);
  status = g_test_run();
  if (session_pid(&s) > 0)
    kill(session_pid(&s), SIGKILL);
  if (s.cage > 0) {
    kill(s.cage, SIGKILL);
    waitpid(s.cage, NULL, 0);
  }
  testlib_rmtree(s.dir);
  g_free(s.runtime);
  g_free(s.dir);
  return status;
}
