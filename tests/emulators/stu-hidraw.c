/* The STU emulator (see stu-hidraw.h and README.md): an LD_PRELOAD library
 * that plays a Wacom STU-430/530/540 behind the /dev/hidrawN nodes it is
 * given. The pad's side of the protocol is here: feature reports answered
 * and obeyed (status, information, capability, clear, inking, the image
 * upload decoded onto an emulated screen), pen reports played from a
 * script when the prompt shows, and the fault modes. */
/* open() and open64() are both defined here, so glibc must not rename
 * one to the other. */
#undef _FILE_OFFSET_BITS

#include "stu-hidraw.h"
#include "stu-protocol.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/hidraw.h>
#include <linux/input.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

/* Error codes the pads put in Status' lastResultCode. */
#define RESULT_WRONG_STATE    0x02
#define RESULT_BAD_PARAMETER  0x04
#define RESULT_WRONG_ENCODING 0x10
#define RESULT_IMAGE_TOO_LONG 0x11
#define RESULT_WRONG_SIZE     0x15

typedef struct {
  char *path;
  StuModel model;
  guint8 encoding_flag;
  StuEmuFault fault;
  int fault_after, silent_ms;
  StuEmuPen *script;
  gsize n_script;
  guint script_generation; /* a new script stops the one playing */
  double speed;
  gboolean unplugged;
  gint64 unplugged_us; /* when, on the monotonic clock */

  /* The pad. */
  guint8 inking, option_mode, last_result;
  StuRect area;
  gboolean in_image, image_committed;
  guint8 image_encoding;
  GByteArray *image;
  guint8 *screen; /* RGB */
  int screen_encoding;
  guint16 clock_ms, sequence;
  GHashTable *counts; /* name -> count (GUINT_TO_POINTER) */

  /* The open connection (one at a time) and its pen player. */
  int client_fd, emu_fd;
  GThread *player;
  gboolean stop, play_pending;
  GCond cond;
} Node;

static GMutex lock;
static GPtrArray *nodes; /* Node */

/* A minimal report descriptor: a digitizer with numbered reports. */
static const guint8 report_descriptor[] = {
    0x05, 0x0d, 0x09, 0x02, 0xa1, 0x01, 0x85, 0x01, 0x09, 0x20, 0x15,
    0x00, 0x26, 0xff, 0x00, 0x75, 0x08, 0x95, 0x06, 0x81, 0x02, 0x85,
    0x34, 0x09, 0x20, 0x95, 0x0a, 0x81, 0x02, 0x85, 0x03, 0x09, 0x20,
    0x95, 0x04, 0xb1, 0x02, 0x85, 0x08, 0x09, 0x20, 0x95, 0x10, 0xb1,
    0x02, 0x85, 0x09, 0x09, 0x20, 0x95, 0x10, 0xb1, 0x02, 0xc0};

static int (*real_openat)(int, const char *, int, ...);
static int (*real_close)(int);
static int (*real_ioctl)(int, unsigned long, ...);

/* The next definitions (umockdev's, then libc's). Each caller resolves
 * what is missing itself, so a race only looks a symbol up twice. */
static void resolve(void)
{
  if (!real_openat)
    real_openat = dlsym(RTLD_NEXT, "openat");
  if (!real_close)
    real_close = dlsym(RTLD_NEXT, "close");
  if (!real_ioctl)
    real_ioctl = dlsym(RTLD_NEXT, "ioctl");
}

static void bump(Node *n, const char *name)
{
  gpointer v = g_hash_table_lookup(n->counts, name);

  g_hash_table_insert(n->counts, (gpointer)name,
                      GUINT_TO_POINTER(GPOINTER_TO_UINT(v) + 1));
}

static Node *find_path(const char *path)
{
  for (guint i = 0; nodes && path && i < nodes->len; i++) {
    Node *n = g_ptr_array_index(nodes, i);
    if (strcmp(n->path, path) == 0)
      return n;
  }
  return NULL;
}

static Node *find_fd(int fd)
{
  for (guint i = 0; nodes && fd >= 0 && i < nodes->len; i++) {
    Node *n = g_ptr_array_index(nodes, i);
    if (n->client_fd == fd)
      return n;
  }
  return NULL;
}

/* Power-on state. */
static void pad_reset(Node *n)
{
  n->inking = 1;
  n->option_mode = STU_PEN_OPTION_NONE;
  n->last_result = 0;
  n->in_image = n->image_committed = FALSE;
  g_clear_pointer(&n->image, g_byte_array_unref);
  g_clear_pointer(&n->screen, g_free);
  n->clock_ms = 65400; /* wraps during the first signature */
}

static void node_add(const char *path, int model, guint8 encoding_flag)
{
  Node *n;

  g_mutex_lock(&lock);
  if (!nodes)
    nodes = g_ptr_array_new();
  n = find_path(path);
  if (!n) {
    n = g_new0(Node, 1);
    n->path = g_strdup(path);
    n->counts = g_hash_table_new(g_str_hash, g_str_equal);
    n->client_fd = n->emu_fd = -1;
    n->speed = 1;
    g_cond_init(&n->cond);
    pad_reset(n);
    g_ptr_array_add(nodes, n);
  }
  n->model = model == 430   ? STU_MODEL_430
             : model == 530 ? STU_MODEL_530
                            : STU_MODEL_540;
  n->encoding_flag = encoding_flag;
  g_mutex_unlock(&lock);
}

static void capability_of(const Node *n, StuCapability *cap)
{
  gboolean mono = n->model == STU_MODEL_430;

  cap->max_x = mono ? 9600 : 10800;
  cap->max_y = mono ? 6000 : 6480;
  cap->max_pressure = 1023;
  cap->screen_width = mono ? 320 : 800;
  cap->screen_height = mono ? 200 : 480;
  cap->max_report_rate = 200;
  cap->resolution = 2540;
  cap->encoding_flag = n->encoding_flag ? n->encoding_flag
                       : mono
                           ? STU_ENCODING_FLAG_1BIT
                           : STU_ENCODING_FLAG_1BIT | STU_ENCODING_FLAG_16BIT |
                                 STU_ENCODING_FLAG_24BIT;
}

static void information_of(const Node *n, StuInformation *info)
{
  memset(info, 0, sizeof *info);
  g_strlcpy(info->model_name, stu_model_name(n->model),
            sizeof info->model_name);
  info->firmware_major = n->model == STU_MODEL_430 ? 1 : 2;
  info->firmware_minor = n->model == STU_MODEL_540 ? 12 : 10;
}

static gboolean encoding_supported(const Node *n, guint8 encoding)
{
  StuCapability cap;
  guint8 flag = encoding == STU_ENCODING_1BIT    ? STU_ENCODING_FLAG_1BIT
                : encoding == STU_ENCODING_16BIT ? STU_ENCODING_FLAG_16BIT
                : encoding == STU_ENCODING_24BIT ? STU_ENCODING_FLAG_24BIT
                                                 : 0;

  capability_of(n, &cap);
  return (cap.encoding_flag & flag) != 0;
}

static void screen_fill(Node *n, const StuRect *r)
{
  StuCapability cap;

  capability_of(n, &cap);
  if (!n->screen)
    n->screen = g_malloc((gsize)cap.screen_width * cap.screen_height * 3);
  for (int y = r ? r->top : 0;
       y <= (r ? MIN(r->bottom, cap.screen_height - 1) : cap.screen_height - 1);
       y++)
    memset(n->screen + ((gsize)y * cap.screen_width + (r ? r->left : 0)) * 3,
           0xff,
           (gsize)((r ? MIN(r->right, cap.screen_width - 1) - r->left
                      : cap.screen_width - 1) +
                   1) *
               3);
}

static void image_start(Node *n, guint8 encoding)
{
  if (!encoding_supported(n, encoding)) {
    n->last_result = RESULT_WRONG_ENCODING;
    return;
  }
  g_clear_pointer(&n->image, g_byte_array_unref);
  n->image = g_byte_array_new();
  n->image_encoding = encoding;
  n->in_image = TRUE;
  n->last_result = 0;
}

static void image_block(Node *n, const guint8 *data, gsize len)
{
  StuCapability cap;

  capability_of(n, &cap);
  if (!n->in_image) {
    n->last_result = RESULT_WRONG_STATE;
    return;
  }
  g_byte_array_append(n->image, data, (guint)len);
  bump(n, "image-blocks");
  if (n->image->len >
      stu_image_size(n->image_encoding, cap.screen_width, cap.screen_height)) {
    n->last_result = RESULT_IMAGE_TOO_LONG;
    n->in_image = FALSE;
  }
}

static void image_end(Node *n, guint8 flag)
{
  StuCapability cap;

  capability_of(n, &cap);
  if (!n->in_image) {
    n->last_result = RESULT_WRONG_STATE;
    return;
  }
  n->in_image = FALSE;
  if (flag != 0) /* abandoned */
    return;
  if (!n->screen)
    screen_fill(n, NULL);
  if (!stu_image_decode(n->image_encoding, n->image->data, n->image->len,
                        cap.screen_width, cap.screen_height, n->screen)) {
    n->last_result = RESULT_WRONG_SIZE;
    return;
  }
  n->screen_encoding = n->image_encoding;
  n->image_committed = TRUE;
  bump(n, "images");
}

static void set_inking(Node *n, guint8 value)
{
  n->inking = value ? 1 : 0;
  if (!value)
    return;
  bump(n, "inking-on");
  if (n->image_committed) { /* the prompt shows: the signer starts */
    n->play_pending = TRUE;
    g_cond_broadcast(&n->cond);
  }
}

/* A SET_FEATURE from the host; FALSE when the pad would stall it. */
static gboolean feature_set(Node *n, const guint8 *buf, gsize len)
{
  StuCounters c = {0};
  const guint8 *data;
  gsize data_len;
  guint8 v = 0;
  StuRect r;

  switch (len > 0 ? buf[0] : 0) {
  case STU_REPORT_CLEAR_SCREEN:
    if (!stu_decode_byte(buf, len, buf[0], &v, &c))
      return FALSE;
    screen_fill(n, NULL);
    bump(n, "clears");
    return TRUE;
  case STU_REPORT_CLEAR_SCREEN_AREA:
    if (!stu_decode_rect(buf, len, buf[0], &r, &c))
      return FALSE;
    screen_fill(n, &r);
    return TRUE;
  case STU_REPORT_HANDWRITING_AREA:
    if (!stu_decode_rect(buf, len, buf[0], &r, &c))
      return FALSE;
    n->area = r;
    return TRUE;
  case STU_REPORT_IMAGE_DATA_BLOCK:
    if (!stu_decode_image_block(buf, len, &data, &data_len, &c))
      return FALSE;
    image_block(n, data, data_len);
    return TRUE;
  default:
    break;
  }
  if (!stu_decode_byte(buf, len, buf[0], &v, &c))
    return FALSE;
  switch (buf[0]) {
  case STU_REPORT_INKING_MODE:
    set_inking(n, v);
    return TRUE;
  case STU_REPORT_PEN_DATA_OPTION_MODE:
    if (v != STU_PEN_OPTION_NONE && v != STU_PEN_OPTION_TIME_COUNT)
      n->last_result = RESULT_BAD_PARAMETER;
    else
      n->option_mode = v;
    return TRUE;
  case STU_REPORT_START_IMAGE_DATA:
    image_start(n, v);
    return TRUE;
  case STU_REPORT_END_IMAGE_DATA:
    image_end(n, v);
    return TRUE;
  case STU_REPORT_RESET:
    pad_reset(n);
    return TRUE;
  default:
    return FALSE;
  }
}

/* A GET_FEATURE: fills `buf` (its byte 0 names the report) and returns the
 * report's size, or 0 when the pad would stall it. */
static gsize feature_get(Node *n, guint8 *buf)
{
  StuCapability cap;
  StuInformation info;
  StuStatus st = {0};

  switch (buf[0]) {
  case STU_REPORT_STATUS:
    st.code = n->in_image ? STU_STATUS_IMAGE : STU_STATUS_READY;
    st.last_result = n->last_result;
    return stu_encode_status(&st, buf);
  case STU_REPORT_INFORMATION:
    information_of(n, &info);
    return stu_encode_information(&info, buf);
  case STU_REPORT_CAPABILITY:
    capability_of(n, &cap);
    return stu_encode_capability(&cap, buf);
  case STU_REPORT_INKING_MODE:
    return stu_encode_byte(buf[0], n->inking, buf);
  case STU_REPORT_PEN_DATA_OPTION_MODE:
    return stu_encode_byte(buf[0], n->option_mode, buf);
  case STU_REPORT_HANDWRITING_AREA:
    return stu_encode_handwriting_area(&n->area, buf);
  case STU_REPORT_UID:
    memcpy(buf + 1, "\x12\x34\x56\x78", 4);
    return STU_SIZE_UID;
  default:
    return 0;
  }
}

/* The pad disappears: reads see the hang-up, everything else ENODEV. */
static void unplug_locked(Node *n)
{
  n->unplugged = TRUE;
  n->unplugged_us = g_get_monotonic_time();
  if (n->emu_fd >= 0)
    shutdown(n->emu_fd, SHUT_RDWR);
}

/* Sends one pen report of the script; FALSE when the pad went away. Called
 * with the lock held, which it drops while it sends: a host that does not
 * read holds the player up (the test wants every report delivered; the
 * kernel would drop them once its queue is full). */
static gboolean play_one(Node *n, const StuEmuPen *p, int index)
{
  StuPenData pen = {p->in_proximity,
                    p->sw,
                    p->pressure,
                    p->x,
                    p->y,
                    n->option_mode == STU_PEN_OPTION_TIME_COUNT,
                    0,
                    0};
  guint8 buf[STU_SIZE_PEN_DATA_TIMED];
  int fd = n->emu_fd;
  gboolean sent;
  gsize len;

  n->clock_ms += p->delay_ms;
  pen.time_count = n->clock_ms;
  pen.sequence = n->sequence++;
  len = stu_encode_pen_data(&pen, buf);
  if (n->fault == STU_EMU_FAULT_SHORT && n->fault_after > 0 &&
      (index + 1) % n->fault_after == 0)
    len--;
  if (fd < 0)
    return FALSE;
  g_mutex_unlock(&lock);
  sent = send(fd, buf, len, MSG_NOSIGNAL) >= 0;
  g_mutex_lock(&lock);
  if (!sent || n->stop)
    return FALSE;
  bump(n, "pen-reports");
  if (n->fault == STU_EMU_FAULT_UNPLUG && index + 1 >= n->fault_after) {
    unplug_locked(n);
    return FALSE;
  }
  return TRUE;
}

static gpointer player(gpointer data)
{
  Node *n = data;

  g_mutex_lock(&lock);
  while (!n->stop) {
    guint generation;
    gsize i;

    if (!n->play_pending) {
      g_cond_wait(&n->cond, &lock);
      continue;
    }
    n->play_pending = FALSE;
    generation = n->script_generation;
    for (i = 0; i < n->n_script && !n->stop && !n->play_pending; i++) {
      gint64 wait_us = (gint64)(n->script[i].delay_ms * 1000 / n->speed);

      g_mutex_unlock(&lock);
      g_usleep(wait_us);
      g_mutex_lock(&lock);
      if (n->stop || n->unplugged || generation != n->script_generation ||
          !play_one(n, &n->script[i], (int)i))
        break;
    }
    if (i == n->n_script)
      bump(n, "script-done");
  }
  g_mutex_unlock(&lock);
  return NULL;
}

/* Ends the connection of `n`; called without the lock held. */
static void disconnect(Node *n)
{
  GThread *t;
  int emu_fd;

  g_mutex_lock(&lock);
  n->stop = TRUE;
  g_cond_broadcast(&n->cond);
  t = n->player;
  n->player = NULL;
  emu_fd = n->emu_fd;
  n->emu_fd = n->client_fd = -1;
  if (emu_fd >= 0)
    shutdown(emu_fd, SHUT_RDWR); /* a player blocked in send() returns */
  g_mutex_unlock(&lock);
  if (t)
    g_thread_join(t);
  if (emu_fd >= 0)
    real_close(emu_fd);
}

/* open() of an emulated node: TRUE when `path` is one (then *ret_fd is the
 * result, with errno set on failure). */
static gboolean emu_open(const char *path, int flags, int *ret_fd)
{
  Node *n;
  int sv[2], type = SOCK_SEQPACKET;

  resolve();
  g_mutex_lock(&lock);
  n = find_path(path);
  g_mutex_unlock(&lock);
  if (!n)
    return FALSE;
  if (n->client_fd >= 0)
    disconnect(n); /* one host at a time */
  g_mutex_lock(&lock);
  *ret_fd = -1;
  if (n->unplugged) {
    errno = ENOENT;
  } else if (n->fault == STU_EMU_FAULT_EACCES) {
    errno = EACCES;
  } else if (socketpair(AF_UNIX,
                        type | (flags & O_CLOEXEC ? SOCK_CLOEXEC : 0) |
                            (flags & O_NONBLOCK ? SOCK_NONBLOCK : 0),
                        0, sv) == 0) {
    n->client_fd = *ret_fd = sv[0];
    n->emu_fd = sv[1];
    n->stop = n->play_pending = FALSE;
    n->player = g_thread_new("stu-emu", player, n);
    bump(n, "opens");
  }
  g_mutex_unlock(&lock);
  return TRUE;
}

static int feature_ioctl(Node *n, gboolean get, guint8 *buf, gsize len)
{
  guint8 report[STU_SIZE_IMAGE_BLOCK] = {0};
  gsize size;

  if (len == 0) {
    errno = EINVAL;
    return -1;
  }
  if (!get) {
    if (!feature_set(n, buf, len)) {
      bump(n, "refused");
      errno = EPIPE; /* the pad stalls what it does not know */
      return -1;
    }
    return (int)len;
  }
  report[0] = buf[0];
  size = feature_get(n, report);
  if (size == 0) {
    bump(n, "refused");
    errno = EPIPE;
    return -1;
  }
  size = MIN(size, len);
  memcpy(buf, report, size);
  return (int)size;
}

/* Capability and Information of a pad that never answers: the kernel gives
 * up on the control transfer after its timeout. */
static gboolean silent_request(Node *n, unsigned long req, const guint8 *buf)
{
  int ms = n->silent_ms;

  if (n->fault != STU_EMU_FAULT_SILENT || _IOC_NR(req) != 0x07 ||
      (buf[0] != STU_REPORT_CAPABILITY && buf[0] != STU_REPORT_INFORMATION))
    return FALSE;
  g_mutex_unlock(&lock);
  g_usleep((gulong)ms * 1000);
  g_mutex_lock(&lock);
  errno = ETIMEDOUT;
  return TRUE;
}

static int hidraw_ioctl(Node *n, unsigned long req, void *arg)
{
  gsize len = _IOC_SIZE(req);
  struct hidraw_devinfo *info = arg;
  struct hidraw_report_descriptor *desc = arg;
  StuCapability cap;

  if (n->unplugged) {
    errno = ENODEV;
    return -1;
  }
  switch (_IOC_TYPE(req) == 'H' ? _IOC_NR(req) : 0xff) {
  case 0x01: /* HIDIOCGRDESCSIZE */
    *(int *)arg = sizeof report_descriptor;
    return 0;
  case 0x02: /* HIDIOCGRDESC */
    if (desc->size > sizeof report_descriptor)
      break;
    memcpy(desc->value, report_descriptor, desc->size);
    return 0;
  case 0x03: /* HIDIOCGRAWINFO */
    info->bustype = BUS_USB;
    info->vendor = STU_VENDOR_ID;
    info->product = (__s16)stu_model_product_id(n->model);
    return 0;
  case 0x04: /* HIDIOCGRAWNAME */
    capability_of(n, &cap);
    return snprintf(arg, len, "Wacom Co.,Ltd. %s", stu_model_name(n->model)) +
           1;
  case 0x06: /* HIDIOCSFEATURE */
  case 0x07: /* HIDIOCGFEATURE */
    if (silent_request(n, req, arg))
      return -1;
    return feature_ioctl(n, _IOC_NR(req) == 0x07, arg, len);
  default:
    break;
  }
  errno = _IOC_TYPE(req) == 'H' ? EINVAL : ENOTTY;
  return -1;
}

EXPORT int ioctl(int fd, unsigned long req, ...)
{
  va_list ap;
  void *arg;
  Node *n;
  int r;

  va_start(ap, req);
  arg = va_arg(ap, void *);
  va_end(ap);
  resolve();
  g_mutex_lock(&lock);
  n = find_fd(fd);
  if (!n) {
    g_mutex_unlock(&lock);
    return real_ioctl(fd, req, arg);
  }
  r = hidraw_ioctl(n, req, arg);
  g_mutex_unlock(&lock);
  return r;
}

static mode_t open_mode(int flags, va_list ap)
{
  return (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
  va_list ap;
  mode_t mode;
  int fd;

  va_start(ap, flags);
  mode = open_mode(flags, ap);
  va_end(ap);
  if (path[0] == '/' && emu_open(path, flags, &fd))
    return fd;
  resolve();
  return real_openat(dirfd, path, flags, mode);
}

EXPORT int open(const char *path, int flags, ...)
{
  va_list ap;
  mode_t mode;

  va_start(ap, flags);
  mode = open_mode(flags, ap);
  va_end(ap);
  return openat(AT_FDCWD, path, flags, mode);
}

/* On 64-bit systems open64() is open(). */
EXPORT int open64(const char *path, int flags, ...)
    __attribute__((alias("open")));

/* glibc's checked open() variants (_FORTIFY_SOURCE). */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);

EXPORT int __open_2(const char *path, int flags)
{
  return open(path, flags);
}

EXPORT int __open64_2(const char *path, int flags)
{
  return open64(path, flags);
}

EXPORT int close(int fd)
{
  Node *n;

  resolve();
  g_mutex_lock(&lock);
  n = find_fd(fd);
  g_mutex_unlock(&lock);
  if (n)
    disconnect(n);
  return real_close(fd);
}

static void api_set_fault(const char *path, StuEmuFault fault, int fault_after,
                          int silent_ms)
{
  Node *n;

  g_mutex_lock(&lock);
  n = find_path(path);
  if (n) {
    n->fault = fault;
    n->fault_after = fault_after;
    n->silent_ms = silent_ms;
  }
  g_mutex_unlock(&lock);
}

static void api_set_script(const char *path, const StuEmuPen *pens,
                           gsize n_pens, double speed)
{
  Node *n;

  g_mutex_lock(&lock);
  n = find_path(path);
  if (n) {
    g_free(n->script);
    n->script = g_memdup2(pens, n_pens * sizeof *pens);
    n->n_script = n_pens;
    n->script_generation++;
    n->speed = speed > 0 ? speed : 1;
  }
  g_mutex_unlock(&lock);
}

static void api_replug(const char *path)
{
  Node *n;

  g_mutex_lock(&lock);
  n = find_path(path);
  if (n && n->unplugged) {
    n->unplugged = FALSE;
    if (n->fault == STU_EMU_FAULT_UNPLUG)
      n->fault = STU_EMU_FAULT_NONE; /* it was plugged back in for good */
    pad_reset(n);
  }
  g_mutex_unlock(&lock);
}

static gboolean api_unplugged(const char *path)
{
  Node *n;
  gboolean r;

  g_mutex_lock(&lock);
  n = find_path(path);
  r = n && n->unplugged;
  g_mutex_unlock(&lock);
  return r;
}

static guint8 *api_screen(const char *path, int *ret_width, int *ret_height,
                          int *ret_encoding)
{
  StuCapability cap;
  guint8 *copy = NULL;
  Node *n;

  g_mutex_lock(&lock);
  n = find_path(path);
  if (n && n->screen) {
    capability_of(n, &cap);
    *ret_width = cap.screen_width;
    *ret_height = cap.screen_height;
    *ret_encoding = n->screen_encoding;
    copy =
        g_memdup2(n->screen, (gsize)cap.screen_width * cap.screen_height * 3);
  }
  g_mutex_unlock(&lock);
  return copy;
}

static guint64 api_count(const char *path, const char *name)
{
  guint64 v = 0;
  Node *n;

  g_mutex_lock(&lock);
  n = find_path(path);
  if (n && strcmp(name, "unplugged-at-us") == 0)
    v = (guint64)n->unplugged_us;
  else if (n)
    v = GPOINTER_TO_UINT(g_hash_table_lookup(n->counts, name));
  g_mutex_unlock(&lock);
  return v;
}

static const StuEmuApi api = {
    node_add,      api_set_fault, api_set_script, api_replug,
    api_unplugged, api_screen,    api_count,
};

EXPORT const StuEmuApi *stu_emu_api(void)
{
  return &api;
}

EXPORT StuEmuFault stu_emu_fault_from_string(const char *name)
{
  const char *names[] = {"none", "unplug", "short-report", "eacces", "silent"};

  for (gsize i = 0; name && i < G_N_ELEMENTS(names); i++)
    if (strcmp(name, names[i]) == 0)
      return (StuEmuFault)i;
  return STU_EMU_FAULT_NONE;
}

/* BK_STU_EMU_DEVICES and BK_STU_EMU_FAULT, read once at load time. */
__attribute__((constructor)) static void stu_emu_init(void)
{
  const char *devices = g_getenv("BK_STU_EMU_DEVICES");
  StuEmuFault fault = stu_emu_fault_from_string(g_getenv("BK_STU_EMU_FAULT"));
  g_auto(GStrv) items = NULL;

  if (!devices)
    return;
  items = g_strsplit(devices, ",", -1);
  for (guint i = 0; items[i]; i++) {
    char *eq = strchr(items[i], '=');

    if (!eq)
      continue;
    *eq = '\0';
    node_add(items[i], atoi(eq + 1), 0);
    api_set_fault(items[i], fault, 1, 300);
  }
}
