/* The real camera ("gphoto2"): a DSLR or compact driven through libgphoto2,
 * over USB or PTP/IP. Live view, capture and download into memory (never a
 * temporary file), delete on the camera, the six passport-photo settings,
 * and errors mapped so that the worker knows whether to retry, reconnect or
 * call a technician. Not thread-safe: one worker thread owns each camera. */
#include "camera-backends.h"
#include "camera-gphoto2.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gphoto2/gphoto2.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  GPContext *context;
  Camera *camera;
  char *model;
  char *port;
  char *last_message; /* the newest error text libgphoto2 gave the context */
  int capture_timeout_ms; /* shutter to new-file event, at most */
  /* The widget found for each kiosk setting (index into
   * camera_gphoto2_settings), once found: a setting that was there and now
   * cannot be read means the camera stopped answering. */
  const char *widget_names[6];
} CameraGphoto2;

/* Kiosk setting name -> libgphoto2 widget names, most common first (Nikon
 * and generic PTP say "f-number" and "imagequality", Canon EOS "aperture"
 * and "imageformat"). */
static const struct {
  const char *kiosk;
  const char *widgets[4];
} camera_gphoto2_settings[] = {
    {"iso", {"iso", "eos-iso", NULL}},
    {"aperture", {"f-number", "aperture", NULL}},
    {"shutterspeed", {"shutterspeed", "eos-shutterspeed", NULL}},
    {"whitebalance", {"whitebalance", NULL}},
    {"imageformat", {"imageformat", "imagequality", NULL}},
    {"focusmode", {"focusmode", "focusmode2", NULL}},
};

static void camera_gphoto2_mark_silent(const char *port, gboolean silent);

/* Busy answers are retried this many times with doubling waits (20 ms,
 * 40 ms, ... 320 ms: 620 ms in all) before the caller sees BUSY. */
#define CAMERA_GPHOTO2_BUSY_TRIES 5

DriversError camera_gphoto2_error_code(int gp_result)
{
  switch (gp_result) {
  case GP_ERROR_CAMERA_BUSY:
    return DRIVERS_ERROR_BUSY;
  case GP_ERROR_IO_USB_CLAIM:
  case GP_ERROR_IO_LOCK:
    return DRIVERS_ERROR_CLAIMED;
  case GP_ERROR_TIMEOUT:
    return DRIVERS_ERROR_TIMEOUT;
  case GP_ERROR_IO:
  case GP_ERROR_IO_READ:
  case GP_ERROR_IO_WRITE:
  case GP_ERROR_IO_INIT:
  case GP_ERROR_IO_USB_CLEAR_HALT:
  case GP_ERROR_IO_UPDATE:
    return DRIVERS_ERROR_DISCONNECTED;
  case GP_ERROR_IO_USB_FIND:
  case GP_ERROR_MODEL_NOT_FOUND:
  case GP_ERROR_UNKNOWN_PORT:
    return DRIVERS_ERROR_NOT_FOUND;
  case GP_ERROR_NOT_SUPPORTED:
    return DRIVERS_ERROR_UNSUPPORTED;
  case GP_ERROR_BAD_PARAMETERS:
    return DRIVERS_ERROR_INVALID;
  default:
    return DRIVERS_ERROR_FAILED;
  }
}

char *camera_gphoto2_find_gvfs(const char *proc_root)
{
  g_autoptr(GDir) dir = g_dir_open(proc_root, 0, NULL);
  const char *name;

  if (!dir)
    return NULL;
  while ((name = g_dir_read_name(dir))) {
    g_autofree char *path = NULL;
    g_autofree char *cmdline = NULL;
    gsize len = 0;
    const char *base;

    if (!g_ascii_isdigit(name[0]))
      continue;
    path = g_build_filename(proc_root, name, "cmdline", NULL);
    if (!g_file_get_contents(path, &cmdline, &len, NULL) || len == 0)
      continue;
    /* argv[0] ends at the first NUL; only its base name matters. */
    base = strrchr(cmdline, '/');
    base = base ? base + 1 : cmdline;
    if (g_str_has_prefix(base, "gvfs-gphoto2-volume-monitor") ||
        g_str_has_prefix(base, "gvfsd-gphoto2"))
      return g_strdup_printf("%s (pid %s)", base, name);
  }
  return NULL;
}

gboolean camera_gphoto2_jpeg_complete(const guint8 *data, gsize len)
{
  gsize tail;

  if (len < 4 || data[0] != 0xFF || data[1] != 0xD8)
    return FALSE;
  /* Some cameras pad the file after EOI; look at the last 4 KiB. */
  tail = len > 4096 ? len - 4096 : 2;
  for (gsize i = len - 2; i + 1 > tail; i--)
    if (data[i] == 0xFF && data[i + 1] == 0xD9)
      return TRUE;
  return FALSE;
}

static void camera_gphoto2_on_error(GPContext *context, const char *text,
                                    void *data)
{
  CameraGphoto2 *gp = data;

  g_free(gp->last_message);
  gp->last_message = g_strdup(text);
}

/* Sets `error` from a libgphoto2 result, adding what the context said. */
static void camera_gphoto2_set_error(CameraGphoto2 *gp, GError **error,
                                     int result, const char *what)
{
  DriversError code = camera_gphoto2_error_code(result);
  const char *detail = gp && gp->last_message ? gp->last_message : NULL;

  if (code == DRIVERS_ERROR_TIMEOUT && gp && gp->port &&
      g_str_has_prefix(gp->port, "ptpip:"))
    camera_gphoto2_mark_silent(gp->port, TRUE);

  if (code == DRIVERS_ERROR_CLAIMED) {
    g_autofree char *gvfs = camera_gphoto2_find_gvfs("/proc");

    if (gvfs) {
      g_set_error(error, DRIVERS_ERROR, code,
                  "%s: the camera is claimed by the desktop's gvfs (%s); stop "
                  "it (systemctl --user mask --now "
                  "gvfs-gphoto2-volume-monitor) or remove gvfs-backends, "
                  "then replug the camera",
                  what, gvfs);
      return;
    }
    g_set_error(error, DRIVERS_ERROR, code,
                "%s: another program holds the camera's USB interface "
                "(%s); close it and replug the camera",
                what, gp_result_as_string(result));
    return;
  }
  g_set_error(error, DRIVERS_ERROR, code, "%s: %s%s%s", what,
              gp_result_as_string(result), detail ? " - " : "",
              detail ? detail : "");
  if (gp)
    g_clear_pointer(&gp->last_message, g_free);
}

/* libgphoto2 writes to sockets (PTP/IP) without MSG_NOSIGNAL; a camera that
 * goes away must not kill the kiosk with SIGPIPE. Only a default
 * disposition is changed, never a handler the application installed. */
static void camera_gphoto2_ignore_sigpipe(void)
{
  struct sigaction old;

  if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL) {
    struct sigaction ign = {0};

    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, NULL);
  }
}

/* libgphoto2 2.5.30 closes file descriptor 0 when a PTP/IP camera is
 * closed (its never-opened live-view socket is 0, not -1). Left alone, the
 * process loses its stdin, the next socket opened becomes fd 0 and the
 * following close takes it away from whoever owns it. So before every open
 * a copy of stdin is kept, and after every close fd 0 is put back from it
 * (or onto /dev/null when there was none). */
static void camera_gphoto2_guard_fd0(void)
{
  static GMutex lock;
  static int stdin_copy = -1;
  int fd;

  g_mutex_lock(&lock);
  if (fcntl(0, F_GETFD) != -1) {
    /* Whatever stdin is now is what to restore after the next close. */
    if (stdin_copy >= 0)
      close(stdin_copy);
    stdin_copy = fcntl(0, F_DUPFD_CLOEXEC, 3);
  } else if (errno == EBADF) {
    if (stdin_copy >= 0) {
      dup2(stdin_copy, 0);
    } else {
      fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd > 0) {
        dup2(fd, 0);
        close(fd);
      }
    }
  }
  g_mutex_unlock(&lock);
}

static void camera_gphoto2_log(GPLogLevel level, const char *domain,
                               const char *str, void *data)
{
  g_printerr("gphoto2 %s: %s\n", domain, str);
}

/* BK_GPHOTO2_DEBUG=1 in the environment prints libgphoto2's own debug log
 * to stderr: for technicians chasing a camera problem, never in normal
 * runs. */
static void camera_gphoto2_setup_log(void)
{
  static gsize once = 0;

  if (g_once_init_enter(&once)) {
    if (g_getenv("BK_GPHOTO2_DEBUG"))
      gp_log_add_func(GP_LOG_DATA, camera_gphoto2_log, NULL);
    g_once_init_leave(&once, 1);
  }
}

static CameraAbilitiesList *camera_gphoto2_abilities(GPContext *context)
{
  /* Loading every camlib takes tens of milliseconds; reconnects should not
   * pay for it again. The list is read-only once loaded. */
  static gsize once = 0;
  static CameraAbilitiesList *list = NULL;

  if (g_once_init_enter(&once)) {
    CameraAbilitiesList *l = NULL;

    if (gp_abilities_list_new(&l) == GP_OK &&
        gp_abilities_list_load(l, context) < GP_OK) {
      gp_abilities_list_free(l);
      l = NULL;
    }
    list = l;
    g_once_init_leave(&once, 1);
  }
  return list;
}

static GPPortInfoList *camera_gphoto2_ports(void)
{
  static gsize once = 0;
  static GPPortInfoList *list = NULL;

  if (g_once_init_enter(&once)) {
    GPPortInfoList *l = NULL;

    if (gp_port_info_list_new(&l) == GP_OK &&
        gp_port_info_list_load(l) < GP_OK) {
      gp_port_info_list_free(l);
      l = NULL;
    }
    list = l;
    g_once_init_leave(&once, 1);
  }
  return list;
}

static void camera_gphoto2_close(gpointer priv)
{
  CameraGphoto2 *gp = priv;

  if (!gp)
    return;
  if (gp->camera) {
    gp_camera_exit(gp->camera, gp->context);
    gp_camera_unref(gp->camera);
    camera_gphoto2_guard_fd0();
  }
  if (gp->context)
    gp_context_unref(gp->context);
  g_free(gp->model);
  g_free(gp->port);
  g_free(gp->last_message);
  g_free(gp);
}

/* Fills gp->model and gp->port from autodetection (USB cameras only). */
static gboolean camera_gphoto2_autodetect(CameraGphoto2 *gp, const char *port,
                                          GError **error)
{
  CameraList *list = NULL;
  int n, result;
  gboolean found = FALSE;

  gp_list_new(&list);
  result = gp_camera_autodetect(list, gp->context);
  n = result < GP_OK ? 0 : gp_list_count(list);
  for (int i = 0; i < n && !found; i++) {
    const char *m = NULL, *p = NULL;

    gp_list_get_name(list, i, &m);
    gp_list_get_value(list, i, &p);
    if (m && p && (!port || g_strcmp0(port, p) == 0)) {
      gp->model = g_strdup(m);
      gp->port = g_strdup(p);
      found = TRUE;
    }
  }
  gp_list_free(list);
  if (!found)
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND,
                port ? "no camera found at %s" : "no camera found%s",
                port ? port : " (is it switched on and connected by USB?)");
  return found;
}

typedef enum {
  PTPIP_PROBE_ABSENT,  /* nothing accepts TCP there */
  PTPIP_PROBE_SILENT,  /* TCP accepted, the PTP/IP handshake not answered */
  PTPIP_PROBE_PRESENT, /* TCP accepted (and the handshake, when tried) */
} PtpipProbe;

/* Ports whose camera went silent (a libgphoto2 timeout): until one opens
 * again, the probe also tries the PTP/IP handshake there. */
static GMutex camera_gphoto2_silent_lock;
static GHashTable *camera_gphoto2_silent_ports;

static void camera_gphoto2_mark_silent(const char *port, gboolean silent)
{
  g_mutex_lock(&camera_gphoto2_silent_lock);
  if (!camera_gphoto2_silent_ports)
    camera_gphoto2_silent_ports =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  if (silent)
    g_hash_table_add(camera_gphoto2_silent_ports, g_strdup(port));
  else
    g_hash_table_remove(camera_gphoto2_silent_ports, port);
  g_mutex_unlock(&camera_gphoto2_silent_lock);
}

static gboolean camera_gphoto2_is_silent(const char *port)
{
  gboolean silent;

  g_mutex_lock(&camera_gphoto2_silent_lock);
  silent = camera_gphoto2_silent_ports &&
           g_hash_table_contains(camera_gphoto2_silent_ports, port);
  g_mutex_unlock(&camera_gphoto2_silent_lock);
  return silent;
}

/* Sends a PTP/IP InitCommandRequest as libgphoto2 would (its GUID, this
 * host's name) and waits `timeout_ms` for any answer (Ack or Fail). */
static gboolean camera_gphoto2_ptpip_handshake(int fd, int timeout_ms)
{
  g_autoptr(GByteArray) b = g_byte_array_new();
  char setting[1024] = "";
  char host[64] = "biokiosk";
  guint8 guid[16] = {0};
  guint8 header[8];
  struct pollfd pfd = {fd, POLLIN, 0};
  guint32 len;
  guint8 word[4];

  if (gp_setting_get((char *)"ptp2_ip", (char *)"guid", setting) == GP_OK &&
      strlen(setting) == 47)
    for (int i = 0; i < 16; i++)
      guid[i] = (guint8)g_ascii_strtoull(setting + i * 3, NULL, 16);
  gethostname(host, sizeof host - 1);
  host[sizeof host - 1] = '\0';
  g_byte_array_set_size(b, 8);
  g_byte_array_append(b, guid, 16);
  for (gsize i = 0; i <= strlen(host); i++) {
    guint8 unit[2] = {(guint8)host[i], 0};
    g_byte_array_append(b, unit, 2);
  }
  memcpy(word, (guint8[]){0, 0, 1, 0}, 4); /* version 1.0 */
  g_byte_array_append(b, word, 4);
  len = b->len;
  for (int i = 0; i < 4; i++) {
    b->data[i] = (guint8)(len >> (8 * i));
    b->data[4 + i] = i == 0 ? 1 : 0; /* InitCommandRequest */
  }
  if (send(fd, b->data, b->len, MSG_NOSIGNAL) != (ssize_t)b->len)
    return FALSE;
  if (poll(&pfd, 1, timeout_ms) != 1 || recv(fd, header, 8, 0) != 8)
    return FALSE;
  return header[4] == 2 || header[4] == 5; /* InitCommandAck, InitFail */
}

/* Looks at a "ptpip:HOST[:PORT[:EVT]]" port before libgphoto2 does:
 * libgphoto2 2.5.30 leaks some 66 KB each time gp_camera_init() fails and
 * needs 2.5 s to give up on a silent camera, while the worker retries every
 * second. A TCP connect (500 ms) finds an unplugged or switched-off camera;
 * for a camera that went silent before, the handshake (400 ms) finds out
 * whether it is awake again. Anything unparsable is left to libgphoto2. */
static PtpipProbe camera_gphoto2_ptpip_probe(const char *port,
                                             gboolean handshake)
{
  g_auto(GStrv) parts = g_strsplit(port, ":", 4);
  struct sockaddr_in addr = {0};
  struct pollfd pfd;
  int fd, err = 0;
  socklen_t len = sizeof err;
  gint64 number = 15740;
  PtpipProbe result = PTPIP_PROBE_ABSENT;

  if (g_strv_length(parts) < 2 ||
      inet_pton(AF_INET, parts[1], &addr.sin_addr) != 1 ||
      (parts[2] &&
       !g_ascii_string_to_signed(parts[2], 10, 1, 65535, &number, NULL)))
    return PTPIP_PROBE_PRESENT;
  addr.sin_family = AF_INET;
  addr.sin_port = htons((guint16)number);
  fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return PTPIP_PROBE_PRESENT;
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
    result = PTPIP_PROBE_PRESENT;
  } else if (errno == EINPROGRESS) {
    pfd.fd = fd;
    pfd.events = POLLOUT;
    pfd.revents = 0;
    if (poll(&pfd, 1, 500) == 1 &&
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
      result = PTPIP_PROBE_PRESENT;
  }
  if (result == PTPIP_PROBE_PRESENT && handshake &&
      !camera_gphoto2_ptpip_handshake(fd, 400))
    result = PTPIP_PROBE_SILENT;
  close(fd);
  return result;
}

/* Whether a USB camera is at `port` ("usb:BUS,DEV") right now. */
static gboolean camera_gphoto2_usb_present(CameraGphoto2 *gp, const char *port)
{
  CameraList *list = NULL;
  gboolean found = FALSE;
  int n;

  gp_list_new(&list);
  n = gp_camera_autodetect(list, gp->context) < GP_OK ? 0 : gp_list_count(list);
  for (int i = 0; i < n && !found; i++) {
    const char *p = NULL;
    gp_list_get_value(list, i, &p);
    found = g_strcmp0(p, port) == 0;
  }
  gp_list_free(list);
  return found;
}

static void camera_gphoto2_set_not_found(GError **error, const char *port)
{
  g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND,
              "no camera answers at %s (switched off, unplugged or out of "
              "reach?)",
              port);
}

/* libgphoto2's driver for gp->model and its port gp->port. */
static gboolean camera_gphoto2_lookup(CameraGphoto2 *gp,
                                      CameraAbilities *ret_abilities,
                                      GPPortInfo *ret_info, GError **error)
{
  CameraAbilitiesList *abilities_list = camera_gphoto2_abilities(gp->context);
  GPPortInfoList *ports = camera_gphoto2_ports();
  int index;

  if (!abilities_list || !ports) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_FAILED,
                "libgphoto2 could not load its camera drivers or port "
                "libraries (check the libgphoto2 installation)");
    return FALSE;
  }
  index = gp_abilities_list_lookup_model(abilities_list, gp->model);
  if (index < GP_OK) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                "libgphoto2 knows no camera model '%s'", gp->model);
    return FALSE;
  }
  gp_abilities_list_get_abilities(abilities_list, index, ret_abilities);
  index = gp_port_info_list_lookup_path(ports, gp->port);
  if (index < GP_OK ||
      gp_port_info_list_get_info(ports, index, ret_info) < GP_OK) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                "libgphoto2 cannot use the port '%s'", gp->port);
    return FALSE;
  }
  return TRUE;
}

/* Our own quick look at gp->port, so that an absent or silent camera does
 * not cost a failing gp_camera_init() (see camera_gphoto2_ptpip_probe). */
static gboolean camera_gphoto2_check_present(CameraGphoto2 *gp, GError **error)
{
  PtpipProbe probe = PTPIP_PROBE_PRESENT;

  if (g_str_has_prefix(gp->port, "ptpip:"))
    probe = camera_gphoto2_ptpip_probe(gp->port,
                                       camera_gphoto2_is_silent(gp->port));
  else if (g_str_has_prefix(gp->port, "usb:") && strchr(gp->port, ',') &&
           !camera_gphoto2_usb_present(gp, gp->port))
    probe = PTPIP_PROBE_ABSENT;
  if (probe == PTPIP_PROBE_ABSENT) {
    camera_gphoto2_set_not_found(error, gp->port);
    return FALSE;
  }
  if (probe == PTPIP_PROBE_SILENT) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_TIMEOUT,
                "the camera at %s takes connections but does not answer "
                "(asleep?)",
                gp->port);
    return FALSE;
  }
  return TRUE;
}

/* Sets gp->camera, or leaves it NULL on failure. */
static gboolean camera_gphoto2_init(CameraGphoto2 *gp,
                                    const CameraAbilities *abilities,
                                    GPPortInfo info, GError **error)
{
  int result;

  camera_gphoto2_guard_fd0();
  gp_camera_new(&gp->camera);
  gp_camera_set_abilities(gp->camera, *abilities);
  gp_camera_set_port_info(gp->camera, info);
  result = gp_camera_init(gp->camera, gp->context);
  if (result >= GP_OK)
    return TRUE;
  /* A camera that is not there (yet) is the common case at boot. */
  if (result == GP_ERROR_IO || result == GP_ERROR_IO_USB_FIND)
    camera_gphoto2_set_not_found(error, gp->port);
  else
    camera_gphoto2_set_error(gp, error, result, "cannot open the camera");
  gp_camera_unref(gp->camera);
  gp->camera = NULL;
  camera_gphoto2_guard_fd0();
  return FALSE;
}

static gpointer camera_gphoto2_open(DeviceOptions *options, GError **error)
{
  const char *model = device_option(options, "model", NULL);
  const char *port = device_option(options, "port", NULL);
  CameraGphoto2 *gp = g_new0(CameraGphoto2, 1);
  CameraAbilities abilities;
  GPPortInfo info;

  camera_gphoto2_ignore_sigpipe();
  camera_gphoto2_setup_log();
  gp->capture_timeout_ms =
      device_option_int(options, "capture-timeout-ms", 10000);
  gp->context = gp_context_new();
  gp_context_set_error_func(gp->context, camera_gphoto2_on_error, gp);

  if (port && g_str_has_prefix(port, "ptpip:") && !model)
    model = "PTP/IP Camera";
  if (model && port) {
    gp->model = g_strdup(model);
    gp->port = g_strdup(port);
  } else if (!camera_gphoto2_autodetect(gp, port, error)) {
    camera_gphoto2_close(gp);
    return NULL;
  }
  if (!camera_gphoto2_lookup(gp, &abilities, &info, error) ||
      !camera_gphoto2_check_present(gp, error) ||
      !camera_gphoto2_init(gp, &abilities, info, error)) {
    camera_gphoto2_close(gp);
    return NULL;
  }
  camera_gphoto2_mark_silent(gp->port, FALSE);
  g_debug("camera: %s opened at %s", gp->model, gp->port);
  return gp;
}

/* Returns the first "Key: value" of libgphoto2's summary text. */
static char *camera_gphoto2_summary_field(const char *summary, const char *key)
{
  g_auto(GStrv) lines = g_strsplit(summary, "\n", -1);

  for (int i = 0; lines[i]; i++) {
    const char *line = g_strstrip(lines[i]);
    gsize klen = strlen(key);

    if (g_ascii_strncasecmp(line, key, klen) == 0 && line[klen] == ':')
      return g_strstrip(g_strdup(line + klen + 1));
  }
  return NULL;
}

static char *camera_gphoto2_widget_text(CameraGphoto2 *gp, const char *name)
{
  CameraWidget *widget = NULL;
  CameraWidgetType type;
  char *text = NULL;

  if (gp_camera_get_single_config(gp->camera, name, &widget, gp->context) <
      GP_OK)
    return NULL;
  gp_widget_get_type(widget, &type);
  if (type == GP_WIDGET_TEXT || type == GP_WIDGET_RADIO ||
      type == GP_WIDGET_MENU) {
    const char *value = NULL;
    if (gp_widget_get_value(widget, &value) == GP_OK && value)
      text = g_strdup(value);
  } else if (type == GP_WIDGET_RANGE) {
    float value = 0;
    if (gp_widget_get_value(widget, &value) == GP_OK)
      text = g_strdup_printf("%g", value);
  } else if (type == GP_WIDGET_TOGGLE) {
    int value = 0;
    if (gp_widget_get_value(widget, &value) == GP_OK)
      text = g_strdup_printf("%d", value);
  }
  gp_widget_free(widget);
  return text;
}

static gboolean camera_gphoto2_describe(gpointer priv, DeviceInfo *ret_info,
                                        GError **error)
{
  CameraGphoto2 *gp = priv;
  CameraText summary;
  g_autofree char *battery = NULL;
  g_autofree char *lens = NULL;
  g_autofree char *model = NULL;
  int result;

  result = gp_camera_get_summary(gp->camera, &summary, gp->context);
  if (result < GP_OK) {
    camera_gphoto2_set_error(gp, error, result, "camera summary");
    return FALSE;
  }
  battery = camera_gphoto2_widget_text(gp, "batterylevel");
  lens = camera_gphoto2_widget_text(gp, "lensname");
  model = camera_gphoto2_summary_field(summary.text, "Model");

  ret_info->backend = g_strdup("gphoto2");
  ret_info->model =
      model && *model ? g_steal_pointer(&model) : g_strdup(gp->model);
  ret_info->serial =
      camera_gphoto2_summary_field(summary.text, "Serial Number");
  ret_info->firmware = camera_gphoto2_summary_field(summary.text, "Version");
  ret_info->port = g_strdup(gp->port);
  ret_info->extra =
      g_strdup_printf("driver %s; battery %s; lens %s", gp->model,
                      battery ? battery : "unknown", lens ? lens : "unknown");
  return TRUE;
}

/* Handles what the camera reported on its own (a shutter pressed on the
 * body, a card change). A picture taken on the body is deleted on the
 * camera: no portrait stays behind on the card. Never blocks long. */
static void camera_gphoto2_drain_events(CameraGphoto2 *gp)
{
  for (int i = 0; i < 8; i++) {
    CameraEventType type;
    void *data = NULL;

    if (gp_camera_wait_for_event(gp->camera, 1, &type, &data, gp->context) <
        GP_OK)
      return;
    if (type == GP_EVENT_FILE_ADDED && data) {
      CameraFilePath *path = data;
      g_debug("camera: deleting a picture taken on the camera body");
      gp_camera_file_delete(gp->camera, path->folder, path->name, gp->context);
    }
    free(data);
    if (type == GP_EVENT_TIMEOUT)
      return;
  }
}

static GBytes *camera_gphoto2_file_bytes(CameraFile *file)
{
  const char *data = NULL;
  unsigned long size = 0;

  if (gp_file_get_data_and_size(file, &data, &size) < GP_OK || !data)
    return NULL;
  return g_bytes_new(data, size);
}

static GBytes *camera_gphoto2_preview(gpointer priv, GError **error)
{
  CameraGphoto2 *gp = priv;
  CameraFile *file = NULL;
  GBytes *bytes = NULL;
  int result;

  gp_file_new(&file);
  result = gp_camera_capture_preview(gp->camera, file, gp->context);
  if (result < GP_OK) {
    camera_gphoto2_set_error(gp, error, result, "live view");
    gp_file_unref(file);
    return NULL;
  }
  bytes = camera_gphoto2_file_bytes(file);
  gp_file_unref(file);
  if (!bytes)
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_FAILED,
                "live view: the camera sent an empty frame");
  return bytes;
}

/* Triggers the shutter and waits for the camera to report the new file.
 * gp_camera_capture() is not used: in libgphoto2 2.5.30 its generic PTP path
 * waits for capture events without any time limit when the camera answered
 * InitiateCapture with DeviceBusy, which would hang the worker for good.
 * Triggering and waiting ourselves keeps every wait bounded. */
static int camera_gphoto2_trigger_and_wait(CameraGphoto2 *gp,
                                           CameraFilePath *ret_path)
{
  gint64 deadline;
  int result = GP_ERROR_CAMERA_BUSY;
  gulong wait_us = 20000;

  for (int i = 0; i < CAMERA_GPHOTO2_BUSY_TRIES; i++) {
    result = gp_camera_trigger_capture(gp->camera, gp->context);
    if (result != GP_ERROR_CAMERA_BUSY)
      break;
    g_usleep(wait_us);
    wait_us *= 2;
  }
  if (result < GP_OK)
    return result;

  deadline =
      g_get_monotonic_time() + gp->capture_timeout_ms * G_TIME_SPAN_MILLISECOND;
  while (g_get_monotonic_time() < deadline) {
    CameraEventType type;
    void *data = NULL;

    result =
        gp_camera_wait_for_event(gp->camera, 100, &type, &data, gp->context);
    if (result < GP_OK) {
      free(data);
      return result;
    }
    if (type == GP_EVENT_FILE_ADDED && data) {
      *ret_path = *(CameraFilePath *)data;
      free(data);
      return GP_OK;
    }
    free(data);
  }
  g_free(gp->last_message);
  gp->last_message = g_strdup("the camera reported no new picture after "
                              "the shutter was released");
  return GP_ERROR_TIMEOUT;
}

static GBytes *camera_gphoto2_capture(gpointer priv, GError **error)
{
  CameraGphoto2 *gp = priv;
  CameraFilePath path;
  CameraFile *file = NULL;
  g_autoptr(GBytes) bytes = NULL;
  int result;

  camera_gphoto2_drain_events(gp);
  memset(&path, 0, sizeof path);
  result = camera_gphoto2_trigger_and_wait(gp, &path);
  if (result < GP_OK) {
    camera_gphoto2_set_error(gp, error, result, "capture");
    return NULL;
  }

  /* The still goes into a memory CameraFile: never a temporary file. */
  gp_file_new(&file);
  result = gp_camera_file_get(gp->camera, path.folder, path.name,
                              GP_FILE_TYPE_NORMAL, file, gp->context);
  if (result >= GP_OK)
    bytes = camera_gphoto2_file_bytes(file);
  gp_file_unref(file);

  /* Delete it on the camera whether or not the download worked: a portrait
   * must not stay on the card. */
  if (gp_camera_file_delete(gp->camera, path.folder, path.name, gp->context) <
      GP_OK)
    g_debug("camera: could not delete the still on the camera");
  camera_gphoto2_drain_events(gp);

  if (result < GP_OK) {
    camera_gphoto2_set_error(gp, error, result, "download of the still");
    return NULL;
  }
  if (!bytes || !camera_gphoto2_jpeg_complete(g_bytes_get_data(bytes, NULL),
                                              g_bytes_get_size(bytes))) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_FAILED,
                "capture: the camera sent an incomplete JPEG (%zu bytes); "
                "is it set to JPEG?",
                bytes ? g_bytes_get_size(bytes) : (gsize)0);
    return NULL;
  }
  return g_steal_pointer(&bytes);
}

/* Finds the camera's widget for a kiosk setting name. */
static CameraWidget *camera_gphoto2_find_widget(CameraGphoto2 *gp,
                                                const char *name,
                                                const char **ret_widget_name,
                                                GError **error)
{
  G_STATIC_ASSERT(G_N_ELEMENTS(camera_gphoto2_settings) ==
                  G_N_ELEMENTS(((CameraGphoto2 *)NULL)->widget_names));

  for (gsize i = 0; i < G_N_ELEMENTS(camera_gphoto2_settings); i++) {
    if (g_strcmp0(camera_gphoto2_settings[i].kiosk, name) != 0)
      continue;
    if (gp->widget_names[i]) {
      CameraWidget *widget = NULL;
      int result = gp_camera_get_single_config(gp->camera, gp->widget_names[i],
                                               &widget, gp->context);
      if (result >= GP_OK) {
        *ret_widget_name = gp->widget_names[i];
        return widget;
      }
      /* It was there a moment ago: libgphoto2 says "bad parameters" for
       * a camera that stopped answering too. */
      if (result == GP_ERROR_BAD_PARAMETERS)
        result = GP_ERROR_IO;
      camera_gphoto2_set_error(gp, error, result, name);
      return NULL;
    }
    for (int j = 0; camera_gphoto2_settings[i].widgets[j]; j++) {
      CameraWidget *widget = NULL;
      const char *w = camera_gphoto2_settings[i].widgets[j];

      if (gp_camera_get_single_config(gp->camera, w, &widget, gp->context) >=
          GP_OK) {
        gp->widget_names[i] = w;
        *ret_widget_name = w;
        return widget;
      }
    }
    g_clear_pointer(&gp->last_message, g_free);
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_UNSUPPORTED,
                "this camera (%s) has no '%s' setting", gp->model, name);
    return NULL;
  }
  g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_UNSUPPORTED,
              "'%s' is not a camera setting the kiosk knows", name);
  return NULL;
}

static char *camera_gphoto2_get_setting(gpointer priv, const char *name,
                                        GError **error)
{
  CameraGphoto2 *gp = priv;
  const char *widget_name = NULL;
  CameraWidget *widget =
      camera_gphoto2_find_widget(gp, name, &widget_name, error);
  char *text;

  if (!widget)
    return NULL;
  gp_widget_free(widget);
  text = camera_gphoto2_widget_text(gp, widget_name);
  if (!text)
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_FAILED,
                "cannot read the camera's '%s'", name);
  return text;
}

static gboolean camera_gphoto2_set_setting(gpointer priv, const char *name,
                                           const char *value, GError **error)
{
  CameraGphoto2 *gp = priv;
  const char *widget_name = NULL;
  CameraWidget *widget =
      camera_gphoto2_find_widget(gp, name, &widget_name, error);
  CameraWidgetType type;
  int result;

  if (!widget)
    return FALSE;
  gp_widget_get_type(widget, &type);
  if (type == GP_WIDGET_RADIO || type == GP_WIDGET_MENU) {
    int n = gp_widget_count_choices(widget);
    gboolean known = FALSE;
    g_autoptr(GString) choices = g_string_new(NULL);

    for (int i = 0; i < n; i++) {
      const char *choice = NULL;
      gp_widget_get_choice(widget, i, &choice);
      if (g_strcmp0(choice, value) == 0)
        known = TRUE;
      g_string_append_printf(choices, "%s%s", i ? ", " : "", choice);
    }
    if (!known) {
      g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                  "the camera has no %s '%s' (choices: %s)", name, value,
                  choices->str);
      gp_widget_free(widget);
      return FALSE;
    }
    result = gp_widget_set_value(widget, value);
  } else if (type == GP_WIDGET_TEXT) {
    result = gp_widget_set_value(widget, value);
  } else if (type == GP_WIDGET_RANGE) {
    float f = (float)g_ascii_strtod(value, NULL);
    result = gp_widget_set_value(widget, &f);
  } else {
    result = GP_ERROR_NOT_SUPPORTED;
  }
  if (result >= GP_OK) {
    for (int i = 0; i < CAMERA_GPHOTO2_BUSY_TRIES; i++) {
      result = gp_camera_set_single_config(gp->camera, widget_name, widget,
                                           gp->context);
      if (result != GP_ERROR_CAMERA_BUSY)
        break;
      g_usleep(20000u << i);
    }
  }
  gp_widget_free(widget);
  if (result < GP_OK) {
    camera_gphoto2_set_error(
        gp, error,
        result == GP_ERROR_BAD_PARAMETERS ? GP_ERROR_BAD_PARAMETERS : result,
        name);
    return FALSE;
  }
  return TRUE;
}

const CameraDriver camera_gphoto2_driver = {
    .name = "gphoto2",
    .description = "camera through libgphoto2 (USB or PTP/IP)",
    .open = camera_gphoto2_open,
    .close = camera_gphoto2_close,
    .describe = camera_gphoto2_describe,
    .preview = camera_gphoto2_preview,
    .capture = camera_gphoto2_capture,
    .get_setting = camera_gphoto2_get_setting,
    .set_setting = camera_gphoto2_set_setting,
};
