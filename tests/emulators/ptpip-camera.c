/* PTP/IP camera emulator: one server thread speaks PTP/IP (command and event
 * connections, data phases in both directions) to a single host, the way a
 * camera on Wi-Fi does, and plays a Nikon DSLR with live view. Faults are
 * armed from the test thread and consumed by the server thread. */
#include "ptpip-camera.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <stdio.h>
#include <jpeglib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* PTP/IP packet types. */
enum {
  PKT_INIT_COMMAND_REQUEST = 1,
  PKT_INIT_COMMAND_ACK = 2,
  PKT_INIT_EVENT_REQUEST = 3,
  PKT_INIT_EVENT_ACK = 4,
  PKT_INIT_FAIL = 5,
  PKT_OPERATION_REQUEST = 6,
  PKT_OPERATION_RESPONSE = 7,
  PKT_EVENT = 8,
  PKT_START_DATA = 9,
  PKT_DATA = 10,
  PKT_CANCEL = 11,
  PKT_END_DATA = 12,
};

/* PTP operation, response, event and data type codes used here. */
enum {
  OC_GET_DEVICE_INFO = 0x1001,
  OC_OPEN_SESSION = 0x1002,
  OC_CLOSE_SESSION = 0x1003,
  OC_GET_STORAGE_IDS = 0x1004,
  OC_GET_STORAGE_INFO = 0x1005,
  OC_GET_NUM_OBJECTS = 0x1006,
  OC_GET_OBJECT_HANDLES = 0x1007,
  OC_GET_OBJECT_INFO = 0x1008,
  OC_GET_OBJECT = 0x1009,
  OC_DELETE_OBJECT = 0x100B,
  OC_INITIATE_CAPTURE = 0x100E,
  OC_GET_DEVICE_PROP_DESC = 0x1014,
  OC_GET_DEVICE_PROP_VALUE = 0x1015,
  OC_SET_DEVICE_PROP_VALUE = 0x1016,
  OC_NIKON_DEVICE_READY = 0x90C8,
  OC_NIKON_START_LIVE_VIEW = 0x9201,
  OC_NIKON_END_LIVE_VIEW = 0x9202,
  OC_NIKON_GET_LIVE_VIEW_IMG = 0x9203,

  RC_OK = 0x2001,
  RC_GENERAL_ERROR = 0x2002,
  RC_SESSION_NOT_OPEN = 0x2003,
  RC_OPERATION_NOT_SUPPORTED = 0x2005,
  RC_INVALID_STORAGE_ID = 0x2008,
  RC_INVALID_OBJECT_HANDLE = 0x2009,
  RC_DEVICE_PROP_NOT_SUPPORTED = 0x200A,
  RC_DEVICE_BUSY = 0x2019,
  RC_INVALID_DEVICE_PROP_VALUE = 0x201C,
  RC_SESSION_ALREADY_OPEN = 0x201E,
  RC_NIKON_NOT_LIVE_VIEW = 0xA00B,

  EC_OBJECT_ADDED = 0x4002,
  EC_DEVICE_PROP_CHANGED = 0x4006,
  EC_CAPTURE_COMPLETE = 0x400D,

  DTC_UINT8 = 0x0002,
  DTC_UINT16 = 0x0004,
  DTC_UINT32 = 0x0006,

  OFC_EXIF_JPEG = 0x3801,
  STORAGE_ID = 0x00010001,
  NIKON_VENDOR_ID = 0x0000000A,
  DPC_NIKON_LIVE_VIEW_STATUS = 0xD1A2,
};

#define CHUNK           (64 * 1024)
#define NIKON_LV_HEADER 384

typedef struct {
  guint16 code;
  guint16 type;
  gboolean writable;
  gint64 value;
  gint64 factory;
  const gint64 *enums; /* NULL: range min..max */
  guint n_enums;
  gint64 min, max;
} Prop;

static const gint64 enum_quality[] = {0, 1, 2};
static const gint64 enum_wb[] = {2, 4, 5, 6, 7};
static const gint64 enum_fnumber[] = {280, 400, 560, 800, 1100};
static const gint64 enum_focus[] = {1, 0x8010, 0x8011};
static const gint64 enum_exposure[] = {400, 200, 100, 80, 40};
static const gint64 enum_iso[] = {100, 200, 400, 800, 1600};

#define ENUM(a) a, G_N_ELEMENTS(a)

static const Prop initial_props[] = {
    {0x5001, DTC_UINT8, FALSE, 80, 100, NULL, 0, 0, 100},      /* battery */
    {0x5004, DTC_UINT8, TRUE, 2, 2, ENUM(enum_quality), 0, 0}, /* quality */
    {0x5005, DTC_UINT16, TRUE, 2, 2, ENUM(enum_wb), 0, 0},     /* WB */
    {0x5007, DTC_UINT16, TRUE, 800, 800, ENUM(enum_fnumber), 0, 0}, /* f/ */
    {0x500A, DTC_UINT16, TRUE, 0x8010, 0x8010, ENUM(enum_focus), 0, 0},
    {0x500D, DTC_UINT32, TRUE, 80, 80, ENUM(enum_exposure), 0, 0}, /* 1/125 */
    {0x500F, DTC_UINT16, TRUE, 100, 100, ENUM(enum_iso), 0, 0},    /* ISO */
};

typedef struct {
  guint32 handle;
  GBytes *data;
  int width, height;
} CardObject;

struct PtpipCamera {
  GMutex lock;
  GCond cond;
  GThread *thread;
  int wake[2];
  gboolean quit;

  /* Owned by the server thread, except listen_fd which replug sets while
   * the server has none. */
  int listen_fd;
  guint16 port;
  int cmd_fd, evt_fd;
  GPtrArray
      *pending; /* accepted fds before their Init packet (GINT_TO_POINTER) */
  guint32 conn_id;
  gboolean session_open;
  gboolean live_view;
  guint32 next_handle;
  GPtrArray *objects; /* CardObject* */

  /* Shared with the test thread, under `lock`. */
  GBytes *still;
  GPtrArray *frames;
  guint next_frame;
  guint faults[PTPIP_FAULT_SLOW + 1];
  guint slow_ms;
  gboolean asleep;
  gboolean unplug_requested, unplugged;
  guint shutter_presses;
  guint counters[PTPIP_COUNT_BUSY + 1];
  Prop props[G_N_ELEMENTS(initial_props)];
};

/* ---- bytes in and out ---------------------------------------------------- */

static void put_u8(GByteArray *b, guint8 v)
{
  g_byte_array_append(b, &v, 1);
}

static void put_u16(GByteArray *b, guint16 v)
{
  guint8 x[2] = {v & 0xff, v >> 8};
  g_byte_array_append(b, x, 2);
}

static void put_u32(GByteArray *b, guint32 v)
{
  guint8 x[4] = {v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24};
  g_byte_array_append(b, x, 4);
}

static void put_u64(GByteArray *b, guint64 v)
{
  put_u32(b, (guint32)v);
  put_u32(b, (guint32)(v >> 32));
}

/* PTP string: count of UCS-2 units including the NUL, then the units. */
static void put_str(GByteArray *b, const char *s)
{
  gsize n = strlen(s);

  if (n == 0) {
    put_u8(b, 0);
    return;
  }
  put_u8(b, (guint8)(n + 1));
  for (gsize i = 0; i <= n; i++)
    put_u16(b, (guint8)s[i]);
}

static void put_u16_array(GByteArray *b, const guint16 *v, guint n)
{
  put_u32(b, n);
  for (guint i = 0; i < n; i++)
    put_u16(b, v[i]);
}

static guint32 get_u32(const guint8 *p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32)p[3] << 24);
}

static guint16 get_u16(const guint8 *p)
{
  return p[0] | (p[1] << 8);
}

static void put_value(GByteArray *b, guint16 type, gint64 v)
{
  switch (type) {
  case DTC_UINT8:
    put_u8(b, (guint8)v);
    break;
  case DTC_UINT16:
    put_u16(b, (guint16)v);
    break;
  default:
    put_u32(b, (guint32)v);
    break;
  }
}

/* Writes all of `len` bytes; FALSE when the peer is gone. */
static gboolean write_all(int fd, const guint8 *data, gsize len)
{
  while (len > 0) {
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    data += n;
    len -= (gsize)n;
  }
  return TRUE;
}

static gboolean read_all(int fd, guint8 *data, gsize len)
{
  while (len > 0) {
    struct pollfd pfd = {fd, POLLIN, 0};
    ssize_t n;

    /* A host that stops halfway through a packet is dropped after 5 s. */
    if (poll(&pfd, 1, 5000) <= 0)
      return FALSE;
    n = recv(fd, data, len, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    data += n;
    len -= (gsize)n;
  }
  return TRUE;
}

/* Reads one packet; returns its type and payload (after the 8-byte header),
 * or 0 when the connection failed. */
static guint32 read_packet(int fd, GByteArray **ret_payload)
{
  guint8 hdr[8];
  guint32 len, type;
  GByteArray *payload;

  if (!read_all(fd, hdr, 8))
    return 0;
  len = get_u32(hdr);
  type = get_u32(hdr + 4);
  if (len < 8 || len > 256u * 1024 * 1024)
    return 0;
  payload = g_byte_array_sized_new(len - 8);
  g_byte_array_set_size(payload, len - 8);
  if (!read_all(fd, payload->data, len - 8)) {
    g_byte_array_unref(payload);
    return 0;
  }
  *ret_payload = payload;
  return type;
}

static gboolean write_packet(int fd, guint32 type, const guint8 *payload,
                             gsize len)
{
  g_autoptr(GByteArray) b = g_byte_array_sized_new(8 + len);

  put_u32(b, (guint32)(8 + len));
  put_u32(b, type);
  if (len)
    g_byte_array_append(b, payload, (guint)len);
  return write_all(fd, b->data, b->len);
}

/* ---- faults and images --------------------------------------------------- */

static gboolean take_fault(PtpipCamera *cam, PtpipFault fault)
{
  gboolean armed;

  g_mutex_lock(&cam->lock);
  armed = cam->faults[fault] > 0;
  if (armed)
    cam->faults[fault]--;
  g_mutex_unlock(&cam->lock);
  return armed;
}

static void count(PtpipCamera *cam, PtpipCounter counter, int delta)
{
  g_mutex_lock(&cam->lock);
  cam->counters[counter] += delta;
  g_mutex_unlock(&cam->lock);
}

/* Applies an armed image fault to `jpeg`; returns a new reference. */
static GBytes *damage_image(PtpipCamera *cam, GBytes *jpeg)
{
  gsize len;
  const guint8 *data = g_bytes_get_data(jpeg, &len);

  if (len > 64 && take_fault(cam, PTPIP_FAULT_TRUNCATE))
    return g_bytes_new(data, len / 2);
  if (len > 64 && take_fault(cam, PTPIP_FAULT_CORRUPT)) {
    /* Keep the first 40 % (headers and some scan data), then end the image
     * early: SOI..EOI is intact, the scan is not. */
    gsize keep = len * 2 / 5;
    guint8 *out = g_malloc(keep + 2);

    memcpy(out, data, keep);
    out[keep] = 0xFF;
    out[keep + 1] = 0xD9;
    return g_bytes_new_take(out, keep + 2);
  }
  return g_bytes_ref(jpeg);
}

GBytes *ptpip_camera_make_jpeg(int width, int height, guint seed, int quality)
{
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  unsigned char *out = NULL;
  unsigned long out_len = 0;
  g_autofree guint8 *row = g_malloc((gsize)width * 3);
  GBytes *bytes;

  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, &out, &out_len);
  cinfo.image_width = (JDIMENSION)width;
  cinfo.image_height = (JDIMENSION)height;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    int y = (int)cinfo.next_scanline;
    JSAMPROW rows[1] = {row};

    /* A light background with a darker disc that moves with the seed: a
     * stand-in for a face that the eye can follow in a live view. */
    for (int x = 0; x < width; x++) {
      int cx = (int)((seed * 37u) % (guint)width), cy = height / 2;
      int dx = x - cx, dy = y - cy, radius = height / 4;
      gboolean inside = dx * dx + dy * dy < radius * radius;
      /* Sensor-like noise, so file sizes are those of real photos. */
      guint32 h = (guint32)x * 73856093u ^ (guint32)y * 19349663u ^ seed;
      int noise = (int)((h * 2654435761u) >> 28) - 8;
      int r = (inside ? 150 : 220 + (x + (int)seed) % 30) + noise;
      int g = (inside ? 110 : 220 + y % 30) + noise;
      int bl = (inside ? 90 : 235) + noise;
      row[x * 3 + 0] = (guint8)CLAMP(r, 0, 255);
      row[x * 3 + 1] = (guint8)CLAMP(g, 0, 255);
      row[x * 3 + 2] = (guint8)CLAMP(bl, 0, 255);
    }
    jpeg_write_scanlines(&cinfo, rows, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  bytes = g_bytes_new(out, out_len);
  free(out);
  return bytes;
}

/* ---- sessions ------------------------------------------------------------ */

static void close_fd(int *fd)
{
  if (*fd >= 0) {
    shutdown(*fd, SHUT_RDWR);
    close(*fd);
    *fd = -1;
  }
}

static void drop_session(PtpipCamera *cam)
{
  close_fd(&cam->cmd_fd);
  close_fd(&cam->evt_fd);
  cam->session_open = FALSE;
  cam->live_view = FALSE;
}

static void send_event(PtpipCamera *cam, guint16 code, guint32 tid,
                       guint32 param)
{
  g_autoptr(GByteArray) b = g_byte_array_new();

  if (cam->evt_fd < 0)
    return;
  put_u16(b, code);
  put_u32(b, tid);
  put_u32(b, param);
  if (!write_packet(cam->evt_fd, PKT_EVENT, b->data, b->len))
    close_fd(&cam->evt_fd);
}

static gboolean send_response(PtpipCamera *cam, guint32 tid, guint16 code,
                              const guint32 *params, guint n_params)
{
  g_autoptr(GByteArray) b = g_byte_array_new();

  put_u16(b, code);
  put_u32(b, tid);
  for (guint i = 0; i < n_params; i++)
    put_u32(b, params[i]);
  return write_packet(cam->cmd_fd, PKT_OPERATION_RESPONSE, b->data, b->len);
}

/* Sends a data phase. `may_fail` lets the drop and slow faults apply.
 * Returns FALSE when the connection is gone (or was dropped on purpose). */
static gboolean send_data(PtpipCamera *cam, guint32 tid, const guint8 *data,
                          gsize len, gboolean may_fail)
{
  g_autoptr(GByteArray) start = g_byte_array_new();
  gboolean drop = may_fail && take_fault(cam, PTPIP_FAULT_DROP);
  guint slow = 0;
  gsize sent = 0;

  if (may_fail && take_fault(cam, PTPIP_FAULT_SLOW)) {
    g_mutex_lock(&cam->lock);
    slow = cam->slow_ms;
    g_mutex_unlock(&cam->lock);
  }
  put_u32(start, tid);
  put_u64(start, len);
  if (!write_packet(cam->cmd_fd, PKT_START_DATA, start->data, start->len))
    return FALSE;
  if (drop) {
    /* Half of the data, then the camera vanishes (cable pulled, Wi-Fi
     * lost): the host sees the connection close mid-transfer. */
    g_autoptr(GByteArray) b = g_byte_array_new();
    gsize half = MIN(len / 2, CHUNK);

    put_u32(b, tid);
    g_byte_array_append(b, data, (guint)half);
    write_packet(cam->cmd_fd, PKT_DATA, b->data, b->len);
    drop_session(cam);
    return FALSE;
  }
  do {
    gsize n = MIN(CHUNK, len - sent);
    gboolean last = sent + n == len;
    g_autoptr(GByteArray) b = g_byte_array_sized_new((guint)n + 4);

    if (slow)
      g_usleep(slow * 1000);
    put_u32(b, tid);
    g_byte_array_append(b, data + sent, (guint)n);
    if (!write_packet(cam->cmd_fd, last ? PKT_END_DATA : PKT_DATA, b->data,
                      b->len))
      return FALSE;
    sent += n;
    g_mutex_lock(&cam->lock);
    if (cam->unplug_requested) {
      g_mutex_unlock(&cam->lock);
      return FALSE;
    }
    g_mutex_unlock(&cam->lock);
  } while (sent < len);
  return TRUE;
}

/* Reads the host's data phase (StartData, Data..., EndData). */
static GByteArray *receive_data(PtpipCamera *cam)
{
  GByteArray *all = g_byte_array_new();
  guint64 total = 0;
  GByteArray *p = NULL;
  guint32 type = read_packet(cam->cmd_fd, &p);

  if (type != PKT_START_DATA || p->len < 12) {
    if (p)
      g_byte_array_unref(p);
    g_byte_array_unref(all);
    return NULL;
  }
  total = get_u32(p->data + 4) | ((guint64)get_u32(p->data + 8) << 32);
  g_byte_array_unref(p);
  while (all->len < total) {
    p = NULL;
    type = read_packet(cam->cmd_fd, &p);
    if ((type != PKT_DATA && type != PKT_END_DATA) || p->len < 4) {
      if (p)
        g_byte_array_unref(p);
      g_byte_array_unref(all);
      return NULL;
    }
    g_byte_array_append(all, p->data + 4, p->len - 4);
    g_byte_array_unref(p);
    if (type == PKT_END_DATA)
      break;
  }
  return all;
}

static Prop *find_prop(PtpipCamera *cam, guint16 code)
{
  for (gsize i = 0; i < G_N_ELEMENTS(cam->props); i++)
    if (cam->props[i].code == code)
      return &cam->props[i];
  return NULL;
}

static CardObject *find_object(PtpipCamera *cam, guint32 handle,
                               guint *ret_index)
{
  for (guint i = 0; i < cam->objects->len; i++) {
    CardObject *o = g_ptr_array_index(cam->objects, i);
    if (o->handle == handle) {
      if (ret_index)
        *ret_index = i;
      return o;
    }
  }
  return NULL;
}

static void card_object_free(gpointer p)
{
  CardObject *o = p;

  g_bytes_unref(o->data);
  g_free(o);
}

static void build_device_info(PtpipCamera *cam, GByteArray *b)
{
  static const guint16 ops[] = {
      OC_GET_DEVICE_INFO,
      OC_OPEN_SESSION,
      OC_CLOSE_SESSION,
      OC_GET_STORAGE_IDS,
      OC_GET_STORAGE_INFO,
      OC_GET_NUM_OBJECTS,
      OC_GET_OBJECT_HANDLES,
      OC_GET_OBJECT_INFO,
      OC_GET_OBJECT,
      OC_DELETE_OBJECT,
      OC_INITIATE_CAPTURE,
      OC_GET_DEVICE_PROP_DESC,
      OC_GET_DEVICE_PROP_VALUE,
      OC_SET_DEVICE_PROP_VALUE,
      OC_NIKON_DEVICE_READY,
      OC_NIKON_START_LIVE_VIEW,
      OC_NIKON_END_LIVE_VIEW,
      OC_NIKON_GET_LIVE_VIEW_IMG,
  };
  static const guint16 events[] = {EC_OBJECT_ADDED, EC_DEVICE_PROP_CHANGED,
                                   EC_CAPTURE_COMPLETE};
  static const guint16 formats[] = {OFC_EXIF_JPEG};
  guint16 props[G_N_ELEMENTS(initial_props)];

  for (gsize i = 0; i < G_N_ELEMENTS(props); i++)
    props[i] = cam->props[i].code;
  put_u16(b, 100);             /* StandardVersion */
  put_u32(b, NIKON_VENDOR_ID); /* VendorExtensionID */
  put_u16(b, 100);             /* VendorExtensionVersion */
  put_str(b, "");              /* VendorExtensionDesc */
  put_u16(b, 0);               /* FunctionalMode */
  put_u16_array(b, ops, G_N_ELEMENTS(ops));
  put_u16_array(b, events, G_N_ELEMENTS(events));
  put_u16_array(b, props, G_N_ELEMENTS(props));
  put_u16_array(b, formats, G_N_ELEMENTS(formats)); /* CaptureFormats */
  put_u16_array(b, formats, G_N_ELEMENTS(formats)); /* ImageFormats */
  put_str(b, "Nikon Corporation");
  put_str(b, "BK-EMU D1");
  put_str(b, "V1.00");
  put_str(b, "EMU000123");
}

static void build_prop_desc(const Prop *p, GByteArray *b)
{
  put_u16(b, p->code);
  put_u16(b, p->type);
  put_u8(b, p->writable ? 1 : 0);
  put_value(b, p->type, p->factory);
  put_value(b, p->type, p->value);
  if (p->enums) {
    put_u8(b, 2);
    put_u16(b, (guint16)p->n_enums);
    for (guint i = 0; i < p->n_enums; i++)
      put_value(b, p->type, p->enums[i]);
  } else {
    put_u8(b, 1);
    put_value(b, p->type, p->min);
    put_value(b, p->type, p->max);
    put_value(b, p->type, 1);
  }
}

static void build_object_info(const CardObject *o, GByteArray *b)
{
  g_autofree char *name = g_strdup_printf("DSC_%04u.JPG", o->handle);

  put_u32(b, STORAGE_ID);
  put_u16(b, OFC_EXIF_JPEG);
  put_u16(b, 0);
  put_u32(b, (guint32)g_bytes_get_size(o->data));
  put_u16(b, 0); /* no thumbnail */
  put_u32(b, 0);
  put_u32(b, 0);
  put_u32(b, 0);
  put_u32(b, (guint32)o->width);
  put_u32(b, (guint32)o->height);
  put_u32(b, 24);
  put_u32(b, 0); /* ParentObject: root */
  put_u16(b, 0);
  put_u32(b, 0);
  put_u32(b, 0);
  put_str(b, name);
  put_str(b, "20260101T120000");
  put_str(b, "20260101T120000");
  put_str(b, "");
}

/* Takes a picture onto the card (the still, with any armed image fault). */
static CardObject *store_picture(PtpipCamera *cam)
{
  CardObject *o = g_new0(CardObject, 1);
  g_autoptr(GBytes) still = NULL;

  g_mutex_lock(&cam->lock);
  still = g_bytes_ref(cam->still);
  g_mutex_unlock(&cam->lock);
  o->handle = cam->next_handle++;
  o->data = damage_image(cam, still);
  o->width = 6000;
  o->height = 4000;
  g_ptr_array_add(cam->objects, o);
  count(cam, PTPIP_COUNT_OBJECTS, 1);
  return o;
}

static gboolean is_busy_candidate(guint16 code)
{
  return code == OC_NIKON_GET_LIVE_VIEW_IMG || code == OC_INITIATE_CAPTURE ||
         code == OC_GET_OBJECT || code == OC_SET_DEVICE_PROP_VALUE;
}

/* Handles one OperationRequest. Returns FALSE when the session ended. */
static gboolean handle_request(PtpipCamera *cam, GByteArray *req)
{
  guint32 dataphase, tid, par[5] = {0};
  guint16 code;
  guint n_par;
  g_autoptr(GByteArray) in = NULL;
  g_autoptr(GByteArray) out = g_byte_array_new();
  g_autoptr(GBytes) image = NULL;
  guint16 rc = RC_OK;
  guint32 rparams[1];
  guint n_rparams = 0;
  gboolean fallible = FALSE;

  if (req->len < 10)
    return FALSE;
  dataphase = get_u32(req->data);
  code = get_u16(req->data + 4);
  tid = get_u32(req->data + 6);
  n_par = MIN((req->len - 10) / 4, 5);
  for (guint i = 0; i < n_par; i++)
    par[i] = get_u32(req->data + 10 + 4 * i);

  if (dataphase == 2) {
    in = receive_data(cam);
    if (!in)
      return FALSE;
  }

  if (is_busy_candidate(code) && take_fault(cam, PTPIP_FAULT_BUSY)) {
    count(cam, PTPIP_COUNT_BUSY, 1);
    return send_response(cam, tid, RC_DEVICE_BUSY, NULL, 0);
  }
  if (!cam->session_open && code != OC_OPEN_SESSION &&
      code != OC_GET_DEVICE_INFO)
    return send_response(cam, tid, RC_SESSION_NOT_OPEN, NULL, 0);

  switch (code) {
  case OC_GET_DEVICE_INFO:
    build_device_info(cam, out);
    break;
  case OC_OPEN_SESSION:
    if (cam->session_open) {
      rc = RC_SESSION_ALREADY_OPEN;
    } else {
      cam->session_open = TRUE;
      count(cam, PTPIP_COUNT_SESSIONS, 1);
    }
    break;
  case OC_CLOSE_SESSION:
    cam->session_open = FALSE;
    cam->live_view = FALSE;
    break;
  case OC_GET_STORAGE_IDS:
    put_u32(out, 1);
    put_u32(out, STORAGE_ID);
    break;
  case OC_GET_STORAGE_INFO:
    if (par[0] != STORAGE_ID) {
      rc = RC_INVALID_STORAGE_ID;
      break;
    }
    put_u16(out, 4); /* removable RAM */
    put_u16(out, 2); /* generic hierarchical */
    put_u16(out, 0); /* read-write */
    put_u64(out, G_GUINT64_CONSTANT(32) << 30);
    put_u64(out, G_GUINT64_CONSTANT(30) << 30);
    put_u32(out, 2000);
    put_str(out, "SD card");
    put_str(out, "NIKON");
    break;
  case OC_GET_NUM_OBJECTS:
    rparams[0] = cam->objects->len;
    n_rparams = 1;
    break;
  case OC_GET_OBJECT_HANDLES:
    if (par[1] != 0 && par[1] != OFC_EXIF_JPEG) {
      put_u32(out, 0);
      break;
    }
    if (par[2] != 0 && par[2] != 0xFFFFFFFF) {
      put_u32(out, 0);
      break;
    }
    put_u32(out, cam->objects->len);
    for (guint i = 0; i < cam->objects->len; i++)
      put_u32(out, ((CardObject *)g_ptr_array_index(cam->objects, i))->handle);
    break;
  case OC_GET_OBJECT_INFO: {
    CardObject *o = find_object(cam, par[0], NULL);
    if (!o)
      rc = RC_INVALID_OBJECT_HANDLE;
    else
      build_object_info(o, out);
    break;
  }
  case OC_GET_OBJECT: {
    CardObject *o = find_object(cam, par[0], NULL);
    if (!o) {
      rc = RC_INVALID_OBJECT_HANDLE;
      break;
    }
    image = g_bytes_ref(o->data);
    fallible = TRUE;
    count(cam, PTPIP_COUNT_DOWNLOADS, 1);
    break;
  }
  case OC_DELETE_OBJECT: {
    guint index;
    if (!find_object(cam, par[0], &index)) {
      rc = RC_INVALID_OBJECT_HANDLE;
      break;
    }
    g_ptr_array_remove_index(cam->objects, index);
    count(cam, PTPIP_COUNT_OBJECTS, -1);
    break;
  }
  case OC_INITIATE_CAPTURE: {
    CardObject *o = store_picture(cam);

    count(cam, PTPIP_COUNT_CAPTURES, 1);
    if (!send_response(cam, tid, RC_OK, NULL, 0))
      return FALSE;
    send_event(cam, EC_OBJECT_ADDED, tid, o->handle);
    send_event(cam, EC_CAPTURE_COMPLETE, tid, 0);
    return TRUE;
  }
  case OC_GET_DEVICE_PROP_DESC: {
    Prop *p = find_prop(cam, (guint16)par[0]);
    if (!p)
      rc = RC_DEVICE_PROP_NOT_SUPPORTED;
    else
      build_prop_desc(p, out);
    break;
  }
  case OC_GET_DEVICE_PROP_VALUE: {
    Prop *p = find_prop(cam, (guint16)par[0]);
    if (par[0] == DPC_NIKON_LIVE_VIEW_STATUS)
      put_u8(out, cam->live_view ? 1 : 0);
    else if (!p)
      rc = RC_DEVICE_PROP_NOT_SUPPORTED;
    else
      put_value(out, p->type, p->value);
    break;
  }
  case OC_SET_DEVICE_PROP_VALUE: {
    Prop *p = find_prop(cam, (guint16)par[0]);
    gint64 v;
    gboolean ok = FALSE;

    if (!p || !p->writable) {
      rc = p ? RC_INVALID_DEVICE_PROP_VALUE : RC_DEVICE_PROP_NOT_SUPPORTED;
      break;
    }
    if (!in || (p->type == DTC_UINT8 && in->len < 1) ||
        (p->type == DTC_UINT16 && in->len < 2) ||
        (p->type == DTC_UINT32 && in->len < 4)) {
      rc = RC_INVALID_DEVICE_PROP_VALUE;
      break;
    }
    v = p->type == DTC_UINT8    ? in->data[0]
        : p->type == DTC_UINT16 ? get_u16(in->data)
                                : get_u32(in->data);
    for (guint i = 0; i < p->n_enums; i++)
      ok = ok || p->enums[i] == v;
    if (!ok) {
      rc = RC_INVALID_DEVICE_PROP_VALUE;
      break;
    }
    g_mutex_lock(&cam->lock);
    p->value = v;
    g_mutex_unlock(&cam->lock);
    if (!send_response(cam, tid, RC_OK, NULL, 0))
      return FALSE;
    send_event(cam, EC_DEVICE_PROP_CHANGED, 0, p->code);
    return TRUE;
  }
  case OC_NIKON_DEVICE_READY:
    break;
  case OC_NIKON_START_LIVE_VIEW:
    cam->live_view = TRUE;
    break;
  case OC_NIKON_END_LIVE_VIEW:
    cam->live_view = FALSE;
    break;
  case OC_NIKON_GET_LIVE_VIEW_IMG: {
    g_autoptr(GBytes) frame = NULL;
    gsize len;
    const guint8 *data;

    if (!cam->live_view) {
      rc = RC_NIKON_NOT_LIVE_VIEW;
      break;
    }
    g_mutex_lock(&cam->lock);
    frame = g_bytes_ref(g_ptr_array_index(cam->frames, cam->next_frame));
    cam->next_frame = (cam->next_frame + 1) % cam->frames->len;
    g_mutex_unlock(&cam->lock);
    image = damage_image(cam, frame);
    /* Nikon puts a binary header (focus area, sizes) before the JPEG. */
    g_byte_array_set_size(out, NIKON_LV_HEADER);
    memset(out->data, 0, NIKON_LV_HEADER);
    data = g_bytes_get_data(image, &len);
    g_byte_array_append(out, data, (guint)len);
    g_clear_pointer(&image, g_bytes_unref);
    fallible = TRUE;
    count(cam, PTPIP_COUNT_FRAMES, 1);
    break;
  }
  default:
    rc = RC_OPERATION_NOT_SUPPORTED;
    break;
  }

  if (rc == RC_OK && image) {
    gsize len;
    const guint8 *data = g_bytes_get_data(image, &len);
    if (!send_data(cam, tid, data, len, fallible))
      return FALSE;
  } else if (rc == RC_OK && (out->len > 0 || code == OC_GET_DEVICE_INFO)) {
    if (!send_data(cam, tid, out->data, out->len, fallible))
      return FALSE;
  }
  return send_response(cam, tid, rc, rparams, n_rparams);
}

/* ---- connections --------------------------------------------------------- */

static void handle_init(PtpipCamera *cam, int fd)
{
  GByteArray *p = NULL;
  guint32 type = read_packet(fd, &p);
  gboolean asleep;

  g_mutex_lock(&cam->lock);
  asleep = cam->asleep;
  g_mutex_unlock(&cam->lock);

  if (type == PKT_INIT_COMMAND_REQUEST && asleep) {
    /* A sleeping camera takes the TCP connection but does not answer. */
    g_byte_array_unref(p);
    g_ptr_array_add(cam->pending, GINT_TO_POINTER(fd));
    return;
  }
  if (type == PKT_INIT_COMMAND_REQUEST) {
    g_autoptr(GByteArray) b = g_byte_array_new();

    /* A new host replaces the old one, as on a real camera. */
    drop_session(cam);
    cam->cmd_fd = fd;
    cam->conn_id++;
    put_u32(b, cam->conn_id);
    for (int i = 0; i < 16; i++)
      put_u8(b, (guint8)(0xB0 + i));
    /* The friendly name is a NUL-terminated UCS-2 string without count. */
    for (const char *s = "BK-EMU D1";; s++) {
      put_u16(b, (guint8)*s);
      if (!*s)
        break;
    }
    put_u32(b, 0x00010000);
    if (!write_packet(fd, PKT_INIT_COMMAND_ACK, b->data, b->len))
      drop_session(cam);
  } else if (type == PKT_INIT_EVENT_REQUEST && p->len >= 4 &&
             get_u32(p->data) == cam->conn_id && cam->cmd_fd >= 0) {
    close_fd(&cam->evt_fd);
    cam->evt_fd = fd;
    if (!write_packet(fd, PKT_INIT_EVENT_ACK, NULL, 0))
      drop_session(cam);
  } else {
    guint8 reason[4] = {1, 0, 0, 0};
    if (type)
      write_packet(fd, PKT_INIT_FAIL, reason, 4);
    close(fd);
  }
  if (p)
    g_byte_array_unref(p);
}

static int listen_on(guint16 port, guint16 *ret_port, GError **error)
{
  struct sockaddr_in addr = {0};
  socklen_t len = sizeof addr;
  int one = 1;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "socket: %s",
                g_strerror(errno));
    return -1;
  }
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
      listen(fd, 8) < 0 ||
      getsockname(fd, (struct sockaddr *)&addr, &len) < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
                "listen on 127.0.0.1:%u: %s", port, g_strerror(errno));
    close(fd);
    return -1;
  }
  *ret_port = ntohs(addr.sin_port);
  return fd;
}

static void drop_everything(PtpipCamera *cam)
{
  drop_session(cam);
  for (guint i = 0; i < cam->pending->len; i++) {
    int fd = GPOINTER_TO_INT(g_ptr_array_index(cam->pending, i));
    close_fd(&fd);
  }
  g_ptr_array_set_size(cam->pending, 0);
}

static gpointer server_thread(gpointer data)
{
  PtpipCamera *cam = data;

  for (;;) {
    struct pollfd pfds[64];
    nfds_t n = 0;
    int listen_fd;
    gboolean asleep;
    guint presses;

    g_mutex_lock(&cam->lock);
    if (cam->quit) {
      g_mutex_unlock(&cam->lock);
      break;
    }
    if (cam->unplug_requested) {
      cam->unplug_requested = FALSE;
      drop_everything(cam);
      close_fd(&cam->listen_fd);
      cam->unplugged = TRUE;
      g_cond_broadcast(&cam->cond);
    }
    listen_fd = cam->listen_fd;
    asleep = cam->asleep;
    presses = cam->shutter_presses;
    cam->shutter_presses = 0;
    g_mutex_unlock(&cam->lock);

    for (guint i = 0; i < presses; i++) {
      CardObject *o = store_picture(cam);
      send_event(cam, EC_OBJECT_ADDED, 0, o->handle);
    }

    pfds[n++] = (struct pollfd){cam->wake[0], POLLIN, 0};
    if (listen_fd >= 0)
      pfds[n++] = (struct pollfd){listen_fd, POLLIN, 0};
    if (cam->cmd_fd >= 0)
      pfds[n++] = (struct pollfd){cam->cmd_fd, POLLIN, 0};
    if (cam->evt_fd >= 0)
      pfds[n++] = (struct pollfd){cam->evt_fd, POLLIN, 0};
    for (guint i = 0; i < cam->pending->len && n < G_N_ELEMENTS(pfds); i++)
      pfds[n++] = (struct pollfd){
          GPOINTER_TO_INT(g_ptr_array_index(cam->pending, i)), POLLIN, 0};

    if (poll(pfds, n, -1) < 0 && errno != EINTR)
      break;

    for (nfds_t i = 0; i < n; i++) {
      int fd = pfds[i].fd;

      if (!(pfds[i].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      if (fd == cam->wake[0]) {
        char buf[16];
        G_GNUC_UNUSED ssize_t r = read(fd, buf, sizeof buf);
      } else if (fd == listen_fd) {
        int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (c >= 0) {
          int one = 1;
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          g_ptr_array_add(cam->pending, GINT_TO_POINTER(c));
        }
      } else if (fd == cam->cmd_fd) {
        GByteArray *p = NULL;
        guint32 type = read_packet(fd, &p);

        if (type == 0) {
          drop_session(cam);
        } else if (asleep) {
          /* asleep: the request is lost */
        } else if (type == PKT_OPERATION_REQUEST) {
          if (!handle_request(cam, p))
            drop_session(cam);
        }
        if (p)
          g_byte_array_unref(p);
        break; /* the fd set may have changed */
      } else if (fd == cam->evt_fd) {
        GByteArray *p = NULL;
        if (read_packet(fd, &p) == 0)
          drop_session(cam);
        if (p)
          g_byte_array_unref(p);
        break;
      } else {
        gboolean pending_sleeper = FALSE;
        for (guint j = 0; j < cam->pending->len; j++)
          if (GPOINTER_TO_INT(g_ptr_array_index(cam->pending, j)) == fd) {
            g_ptr_array_remove_index(cam->pending, j);
            pending_sleeper = TRUE;
            break;
          }
        if (pending_sleeper) {
          if (pfds[i].revents & (POLLHUP | POLLERR) &&
              !(pfds[i].revents & POLLIN))
            close(fd);
          else
            handle_init(cam, fd);
        }
        break;
      }
    }
  }
  drop_everything(cam);
  close_fd(&cam->listen_fd);
  return NULL;
}

static void wake(PtpipCamera *cam)
{
  G_GNUC_UNUSED ssize_t r = write(cam->wake[1], "x", 1);
}

/* ---- public API ---------------------------------------------------------- */

PtpipCamera *ptpip_camera_new(GError **error)
{
  PtpipCamera *cam = g_new0(PtpipCamera, 1);

  g_mutex_init(&cam->lock);
  g_cond_init(&cam->cond);
  cam->cmd_fd = cam->evt_fd = -1;
  cam->next_handle = 0x10001;
  cam->pending = g_ptr_array_new();
  cam->objects = g_ptr_array_new_with_free_func(card_object_free);
  cam->frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  memcpy(cam->props, initial_props, sizeof initial_props);
  cam->still = ptpip_camera_make_jpeg(600, 400, 1, 90);
  g_ptr_array_add(cam->frames, ptpip_camera_make_jpeg(320, 240, 1, 80));
  cam->slow_ms = 100;
  if (pipe2(cam->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "pipe: %s",
                g_strerror(errno));
    cam->wake[0] = cam->wake[1] = -1;
    ptpip_camera_free(cam);
    return NULL;
  }
  cam->listen_fd = listen_on(0, &cam->port, error);
  if (cam->listen_fd < 0) {
    ptpip_camera_free(cam);
    return NULL;
  }
  cam->thread = g_thread_new("ptpip-camera", server_thread, cam);
  return cam;
}

void ptpip_camera_free(PtpipCamera *cam)
{
  if (!cam)
    return;
  if (cam->thread) {
    g_mutex_lock(&cam->lock);
    cam->quit = TRUE;
    g_mutex_unlock(&cam->lock);
    wake(cam);
    g_thread_join(cam->thread);
  } else {
    close_fd(&cam->listen_fd);
  }
  if (cam->wake[0] >= 0)
    close(cam->wake[0]);
  if (cam->wake[1] >= 0)
    close(cam->wake[1]);
  g_ptr_array_unref(cam->pending);
  g_ptr_array_unref(cam->objects);
  g_ptr_array_unref(cam->frames);
  g_clear_pointer(&cam->still, g_bytes_unref);
  g_mutex_clear(&cam->lock);
  g_cond_clear(&cam->cond);
  g_free(cam);
}

guint16 ptpip_camera_port(PtpipCamera *cam)
{
  return cam->port;
}

char *ptpip_camera_address(PtpipCamera *cam)
{
  /* libgphoto2 2.5.30 takes the event port from a third field and would
   * otherwise use 15740. */
  return g_strdup_printf("ptpip:127.0.0.1:%u:%u", cam->port, cam->port);
}

void ptpip_camera_set_still(PtpipCamera *cam, GBytes *jpeg)
{
  g_mutex_lock(&cam->lock);
  g_bytes_unref(cam->still);
  cam->still = g_bytes_ref(jpeg);
  g_mutex_unlock(&cam->lock);
}

void ptpip_camera_set_frames(PtpipCamera *cam, GBytes *const *frames,
                             guint n_frames)
{
  g_return_if_fail(n_frames > 0);
  g_mutex_lock(&cam->lock);
  g_ptr_array_set_size(cam->frames, 0);
  for (guint i = 0; i < n_frames; i++)
    g_ptr_array_add(cam->frames, g_bytes_ref(frames[i]));
  cam->next_frame = 0;
  g_mutex_unlock(&cam->lock);
}

void ptpip_camera_inject(PtpipCamera *cam, PtpipFault fault, guint n)
{
  g_mutex_lock(&cam->lock);
  cam->faults[fault] = n;
  g_mutex_unlock(&cam->lock);
}

void ptpip_camera_set_slow_ms(PtpipCamera *cam, guint ms_per_chunk)
{
  g_mutex_lock(&cam->lock);
  cam->slow_ms = ms_per_chunk;
  g_mutex_unlock(&cam->lock);
}

void ptpip_camera_set_asleep(PtpipCamera *cam, gboolean asleep)
{
  g_mutex_lock(&cam->lock);
  cam->asleep = asleep;
  g_mutex_unlock(&cam->lock);
  wake(cam);
}

void ptpip_camera_unplug(PtpipCamera *cam)
{
  g_mutex_lock(&cam->lock);
  cam->unplugged = FALSE;
  cam->unplug_requested = TRUE;
  g_mutex_unlock(&cam->lock);
  wake(cam);
  g_mutex_lock(&cam->lock);
  while (!cam->unplugged)
    g_cond_wait(&cam->cond, &cam->lock);
  g_mutex_unlock(&cam->lock);
}

gboolean ptpip_camera_replug(PtpipCamera *cam, GError **error)
{
  guint16 port;
  int fd = listen_on(cam->port, &port, error);

  if (fd < 0)
    return FALSE;
  g_mutex_lock(&cam->lock);
  g_assert(cam->listen_fd < 0);
  cam->listen_fd = fd;
  g_mutex_unlock(&cam->lock);
  wake(cam);
  return TRUE;
}

guint ptpip_camera_count(PtpipCamera *cam, PtpipCounter counter)
{
  guint v;

  g_mutex_lock(&cam->lock);
  v = cam->counters[counter];
  g_mutex_unlock(&cam->lock);
  return v;
}

void ptpip_camera_press_shutter(PtpipCamera *cam)
{
  g_mutex_lock(&cam->lock);
  cam->shutter_presses++;
  g_mutex_unlock(&cam->lock);
  wake(cam);
}

gint64 ptpip_camera_get_prop(PtpipCamera *cam, guint16 code)
{
  gint64 v = -1;

  g_mutex_lock(&cam->lock);
  for (gsize i = 0; i < G_N_ELEMENTS(cam->props); i++)
    if (cam->props[i].code == code)
      v = cam->props[i].value;
  g_mutex_unlock(&cam->lock);
  return v;
}

void ptpip_camera_pin_gphoto2_modules(void)
{
  g_autofree char *maps = NULL;
  g_auto(GStrv) lines = NULL;

  /* libusb comes and goes with libgphoto2's USB port library; hold it. */
  void *usb = dlopen("libusb-1.0.so.0", RTLD_NOW | RTLD_NODELETE);

  if (usb)
    dlclose(usb);
  if (!g_file_get_contents("/proc/self/maps", &maps, NULL, NULL))
    return;
  lines = g_strsplit(maps, "\n", -1);
  for (int i = 0; lines[i]; i++) {
    const char *path = strchr(lines[i], '/');

    if (path &&
        (strstr(path, "/libgphoto2/") || strstr(path, "/libgphoto2_port/") ||
         strstr(path, "/libusb-1.0"))) {
      /* Already loaded: RTLD_NOLOAD only adds the NODELETE flag. */
      void *handle = dlopen(path, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
      if (handle)
        dlclose(handle);
    }
  }
}
