/* Wacom STU report encoding and decoding (see stu-protocol.h), the image
 * formats the pads take, and the prompt screen the kiosk shows on them.
 * Report layouts follow the STU SDK's published protocol description. */
#include "stu-protocol.h"

#include <string.h>

#define MAX_SCREEN 4096

static void put_be16(guint8 *p, guint16 v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
}

static void put_le16(guint8 *p, guint16 v)
{
  p[0] = v & 0xff;
  p[1] = v >> 8;
}

static guint16 be16(const guint8 *p)
{
  return (guint16)(p[0] << 8 | p[1]);
}

static guint16 le16(const guint8 *p)
{
  return (guint16)(p[0] | p[1] << 8);
}

static void count(guint64 *counter)
{
  if (counter)
    (*counter)++;
}

/* The common checks: the id in byte 0 and the exact size. */
static gboolean check_report(const guint8 *buf, gsize len, guint8 id,
                             gsize size, StuCounters *counters)
{
  if (!buf || len == 0 || buf[0] != id) {
    count(counters ? &counters->wrong_id : NULL);
    return FALSE;
  }
  if (len != size) {
    count(counters ? &counters->wrong_length : NULL);
    return FALSE;
  }
  return TRUE;
}

StuModel stu_model_from_product_id(guint16 product_id)
{
  switch (product_id) {
  case STU_PRODUCT_430:
    return STU_MODEL_430;
  case STU_PRODUCT_530:
    return STU_MODEL_530;
  case STU_PRODUCT_540:
    return STU_MODEL_540;
  default:
    return STU_MODEL_UNKNOWN;
  }
}

guint16 stu_model_product_id(StuModel model)
{
  switch (model) {
  case STU_MODEL_430:
    return STU_PRODUCT_430;
  case STU_MODEL_530:
    return STU_PRODUCT_530;
  case STU_MODEL_540:
    return STU_PRODUCT_540;
  default:
    return 0;
  }
}

const char *stu_model_name(StuModel model)
{
  switch (model) {
  case STU_MODEL_430:
    return "STU-430";
  case STU_MODEL_530:
    return "STU-530";
  case STU_MODEL_540:
    return "STU-540";
  default:
    return "STU (unknown model)";
  }
}

StuEncoding stu_choose_encoding(StuModel model, guint8 encoding_flag,
                                gboolean colour)
{
  if (encoding_flag == 0) /* firmware without the flag: what we know */
    encoding_flag = model == STU_MODEL_430
                        ? STU_ENCODING_FLAG_1BIT
                        : STU_ENCODING_FLAG_1BIT | STU_ENCODING_FLAG_16BIT |
                              STU_ENCODING_FLAG_24BIT;
  if (!colour && (encoding_flag & STU_ENCODING_FLAG_1BIT))
    return STU_ENCODING_1BIT;
  if (encoding_flag & STU_ENCODING_FLAG_24BIT)
    return STU_ENCODING_24BIT;
  if (encoding_flag & STU_ENCODING_FLAG_16BIT)
    return STU_ENCODING_16BIT;
  return STU_ENCODING_1BIT;
}

gsize stu_encode_status(const StuStatus *status, guint8 *buf)
{
  buf[0] = STU_REPORT_STATUS;
  buf[1] = status->code;
  buf[2] = status->last_result;
  put_le16(buf + 3, status->word);
  return STU_SIZE_STATUS;
}

gsize stu_encode_information(const StuInformation *info, guint8 *buf)
{
  memset(buf, 0, STU_SIZE_INFORMATION);
  buf[0] = STU_REPORT_INFORMATION;
  memcpy(buf + 1, info->model_name, strnlen(info->model_name, 9));
  buf[10] = info->firmware_major;
  buf[11] = info->firmware_minor;
  buf[12] = info->secure_ic;
  memcpy(buf + 13, info->secure_ic_version, 4);
  return STU_SIZE_INFORMATION;
}

gsize stu_encode_capability(const StuCapability *cap, guint8 *buf)
{
  memset(buf, 0, STU_SIZE_CAPABILITY);
  buf[0] = STU_REPORT_CAPABILITY;
  put_be16(buf + 1, cap->max_x);
  put_be16(buf + 3, cap->max_y);
  put_be16(buf + 5, cap->max_pressure);
  put_be16(buf + 7, cap->screen_width);
  put_be16(buf + 9, cap->screen_height);
  buf[11] = cap->max_report_rate;
  put_be16(buf + 12, cap->resolution);
  buf[14] = cap->encoding_flag;
  return STU_SIZE_CAPABILITY;
}

gsize stu_encode_byte(StuReportId id, guint8 value, guint8 *buf)
{
  buf[0] = id;
  buf[1] = value;
  return STU_SIZE_ONE_BYTE;
}

static void put_rect(guint8 *p, const StuRect *r)
{
  put_le16(p, r->left);
  put_le16(p + 2, r->top);
  put_le16(p + 4, r->right);
  put_le16(p + 6, r->bottom);
}

gsize stu_encode_handwriting_area(const StuRect *area, guint8 *buf)
{
  buf[0] = STU_REPORT_HANDWRITING_AREA;
  put_rect(buf + 1, area);
  return STU_SIZE_RECTANGLE;
}

gsize stu_encode_clear_area(const StuRect *area, guint8 *buf)
{
  buf[0] = STU_REPORT_CLEAR_SCREEN_AREA;
  buf[1] = 0; /* reserved */
  buf[2] = 1; /* one rectangle */
  put_rect(buf + 3, area);
  return STU_SIZE_CLEAR_AREA;
}

gsize stu_encode_image_block(const guint8 *data, gsize n, guint8 *buf)
{
  if (n == 0 || n > STU_IMAGE_BLOCK_MAX)
    return 0;
  memset(buf, 0, STU_SIZE_IMAGE_BLOCK);
  buf[0] = STU_REPORT_IMAGE_DATA_BLOCK;
  put_le16(buf + 1, (guint16)n);
  memcpy(buf + 3, data, n);
  return STU_SIZE_IMAGE_BLOCK;
}

gsize stu_encode_pen_data(const StuPenData *pen, guint8 *buf)
{
  buf[0] = pen->timed ? STU_REPORT_PEN_DATA_TIMED : STU_REPORT_PEN_DATA;
  buf[1] = (pen->in_proximity ? 0x80 : 0) | (MIN(pen->sw, 7) << 4) |
           ((pen->pressure >> 8) & 0x0f);
  buf[2] = pen->pressure & 0xff;
  put_be16(buf + 3, pen->x);
  put_be16(buf + 5, pen->y);
  if (!pen->timed)
    return STU_SIZE_PEN_DATA;
  put_be16(buf + 7, pen->time_count);
  put_be16(buf + 9, pen->sequence);
  return STU_SIZE_PEN_DATA_TIMED;
}

gboolean stu_decode_status(const guint8 *buf, gsize len, StuStatus *ret,
                           StuCounters *counters)
{
  if (!check_report(buf, len, STU_REPORT_STATUS, STU_SIZE_STATUS, counters))
    return FALSE;
  ret->code = buf[1];
  ret->last_result = buf[2];
  ret->word = le16(buf + 3);
  return TRUE;
}

gboolean stu_decode_information(const guint8 *buf, gsize len,
                                StuInformation *ret, StuCounters *counters)
{
  StuInformation info = {0};
  gboolean replaced = FALSE;

  if (!check_report(buf, len, STU_REPORT_INFORMATION, STU_SIZE_INFORMATION,
                    counters))
    return FALSE;
  /* The name is NUL-padded ASCII; anything else becomes '?' so it cannot
   * break a log line or a JSON document. */
  for (int i = 0; i < 9 && buf[1 + i]; i++) {
    guint8 c = buf[1 + i];
    replaced |= !g_ascii_isprint(c);
    info.model_name[i] = g_ascii_isprint(c) ? (char)c : '?';
  }
  if (replaced)
    count(counters ? &counters->out_of_range : NULL);
  info.firmware_major = buf[10];
  info.firmware_minor = buf[11];
  info.secure_ic = buf[12];
  memcpy(info.secure_ic_version, buf + 13, 4);
  *ret = info;
  return TRUE;
}

gboolean stu_decode_capability(const guint8 *buf, gsize len, StuCapability *ret,
                               StuCounters *counters)
{
  StuCapability cap;

  if (!check_report(buf, len, STU_REPORT_CAPABILITY, STU_SIZE_CAPABILITY,
                    counters))
    return FALSE;
  cap.max_x = be16(buf + 1);
  cap.max_y = be16(buf + 3);
  cap.max_pressure = be16(buf + 5);
  cap.screen_width = be16(buf + 7);
  cap.screen_height = be16(buf + 9);
  cap.max_report_rate = buf[11];
  cap.resolution = be16(buf + 12);
  cap.encoding_flag = buf[14];
  if (cap.max_x == 0 || cap.max_y == 0 || cap.max_pressure == 0 ||
      cap.max_pressure > 0x0fff || cap.screen_width == 0 ||
      cap.screen_width > MAX_SCREEN || cap.screen_height == 0 ||
      cap.screen_height > MAX_SCREEN) {
    count(counters ? &counters->out_of_range : NULL);
    return FALSE;
  }
  *ret = cap;
  return TRUE;
}

gboolean stu_decode_byte(const guint8 *buf, gsize len, StuReportId id,
                         guint8 *ret_value, StuCounters *counters)
{
  if (!check_report(buf, len, id, STU_SIZE_ONE_BYTE, counters))
    return FALSE;
  *ret_value = buf[1];
  return TRUE;
}

gboolean stu_decode_rect(const guint8 *buf, gsize len, StuReportId id,
                         StuRect *ret, StuCounters *counters)
{
  gsize size = id == STU_REPORT_CLEAR_SCREEN_AREA ? STU_SIZE_CLEAR_AREA
                                                  : STU_SIZE_RECTANGLE;
  const guint8 *p = buf + (id == STU_REPORT_CLEAR_SCREEN_AREA ? 3 : 1);
  StuRect r;

  if (!check_report(buf, len, id, size, counters))
    return FALSE;
  r.left = le16(p);
  r.top = le16(p + 2);
  r.right = le16(p + 4);
  r.bottom = le16(p + 6);
  if (r.left > r.right || r.top > r.bottom || r.right >= MAX_SCREEN ||
      r.bottom >= MAX_SCREEN) {
    count(counters ? &counters->out_of_range : NULL);
    return FALSE;
  }
  *ret = r;
  return TRUE;
}

gboolean stu_decode_image_block(const guint8 *buf, gsize len,
                                const guint8 **ret_data, gsize *ret_n,
                                StuCounters *counters)
{
  guint16 n;

  if (!check_report(buf, len, STU_REPORT_IMAGE_DATA_BLOCK, STU_SIZE_IMAGE_BLOCK,
                    counters))
    return FALSE;
  n = le16(buf + 1);
  if (n == 0 || n > STU_IMAGE_BLOCK_MAX) {
    count(counters ? &counters->out_of_range : NULL);
    return FALSE;
  }
  *ret_data = buf + 3;
  *ret_n = n;
  return TRUE;
}

static guint16 clamp_axis(guint16 v, guint16 max, gboolean *clamped)
{
  if (v <= max)
    return v;
  *clamped = TRUE;
  return max;
}

gboolean stu_decode_pen_data(const guint8 *buf, gsize len,
                             const StuCapability *cap, StuPenData *ret,
                             StuCounters *counters)
{
  gboolean timed = buf && len > 0 && buf[0] == STU_REPORT_PEN_DATA_TIMED;
  gboolean clamped = FALSE;
  StuPenData pen = {0};

  if (!check_report(
          buf, len, timed ? STU_REPORT_PEN_DATA_TIMED : STU_REPORT_PEN_DATA,
          timed ? STU_SIZE_PEN_DATA_TIMED : STU_SIZE_PEN_DATA, counters))
    return FALSE;
  pen.in_proximity = (buf[1] & 0x80) != 0;
  pen.sw = (buf[1] >> 4) & 0x07;
  pen.pressure = (guint16)((buf[1] & 0x0f) << 8 | buf[2]);
  pen.x = be16(buf + 3);
  pen.y = be16(buf + 5);
  pen.timed = timed;
  if (timed) {
    pen.time_count = be16(buf + 7);
    pen.sequence = be16(buf + 9);
  }
  if (cap) {
    pen.x = clamp_axis(pen.x, cap->max_x, &clamped);
    pen.y = clamp_axis(pen.y, cap->max_y, &clamped);
    pen.pressure = clamp_axis(pen.pressure, cap->max_pressure, &clamped);
  }
  if (clamped)
    count(counters ? &counters->out_of_range : NULL);
  *ret = pen;
  return TRUE;
}

char *stu_firmware_string(const StuInformation *info)
{
  return g_strdup_printf("%u.%02u", info->firmware_major, info->firmware_minor);
}

gsize stu_image_size(StuEncoding encoding, int width, int height)
{
  if (width < 1 || width > MAX_SCREEN || height < 1 || height > MAX_SCREEN)
    return 0;
  switch (encoding) {
  case STU_ENCODING_1BIT: /* rows padded to whole bytes */
    return (gsize)((width + 7) / 8) * height;
  case STU_ENCODING_16BIT:
    return (gsize)width * height * 2;
  case STU_ENCODING_24BIT:
    return (gsize)width * height * 3;
  default:
    return 0;
  }
}

/* What the SDK calls ink on a monochrome screen: every channel dark. */
static gboolean is_ink(const guint8 *px)
{
  return (px[0] | px[1] | px[2]) <= 0x80;
}

static void encode_1bit(const guint8 *rgb, int width, int height, guint8 *out)
{
  int stride = (width + 7) / 8;

  memset(out, 0xff, (gsize)stride * height); /* white */
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      if (is_ink(rgb + ((gsize)y * width + x) * 3))
        out[y * stride + x / 8] &= ~(0x80 >> (x % 8));
}

static void encode_colour(StuEncoding encoding, const guint8 *rgb, gsize n,
                          guint8 *out)
{
  for (gsize i = 0; i < n; i++) {
    const guint8 *px = rgb + i * 3;

    if (encoding == STU_ENCODING_16BIT) {
      put_be16(out + i * 2, (guint16)((px[0] & 0xf8) << 8 |
                                      (px[1] & 0xfc) << 3 | px[2] >> 3));
    } else {
      out[i * 3] = px[2];
      out[i * 3 + 1] = px[1];
      out[i * 3 + 2] = px[0];
    }
  }
}

guint8 *stu_image_encode(StuEncoding encoding, const guint8 *rgb, int width,
                         int height, gsize *ret_len)
{
  gsize size = stu_image_size(encoding, width, height);
  guint8 *out;

  if (size == 0 || !rgb)
    return NULL;
  out = g_malloc(size);
  if (encoding == STU_ENCODING_1BIT)
    encode_1bit(rgb, width, height, out);
  else
    encode_colour(encoding, rgb, (gsize)width * height, out);
  *ret_len = size;
  return out;
}

static void decode_pixel(StuEncoding encoding, const guint8 *data, int width,
                         int x, int y, guint8 *px)
{
  gsize i = (gsize)y * width + x;
  guint16 v;

  switch (encoding) {
  case STU_ENCODING_1BIT:
    px[0] = data[y * ((width + 7) / 8) + x / 8] & (0x80 >> (x % 8)) ? 255 : 0;
    px[1] = px[2] = px[0];
    break;
  case STU_ENCODING_16BIT:
    v = be16(data + i * 2);
    /* Widen 5 and 6 bits to 8 the usual way (repeat the high bits). */
    px[0] = (guint8)((v >> 11) << 3 | (v >> 13));
    px[1] = (guint8)(((v >> 5) & 0x3f) << 2 | ((v >> 9) & 0x03));
    px[2] = (guint8)((v & 0x1f) << 3 | ((v >> 2) & 0x07));
    break;
  default:
    px[0] = data[i * 3 + 2];
    px[1] = data[i * 3 + 1];
    px[2] = data[i * 3];
    break;
  }
}

gboolean stu_image_decode(StuEncoding encoding, const guint8 *data, gsize len,
                          int width, int height, guint8 *ret_rgb)
{
  gsize size = stu_image_size(encoding, width, height);

  if (size == 0 || len != size || !data)
    return FALSE;
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      decode_pixel(encoding, data, width, x, y,
                   ret_rgb + ((gsize)y * width + x) * 3);
  return TRUE;
}

void stu_layout(int width, int height, StuLayout *ret)
{
  int margin = width * 4 / 100;
  int gap = width * 3 / 100;
  int button_w = (width - 2 * margin - 2 * gap) / 3;
  int button_top = height * 78 / 100, button_bottom = height * 95 / 100;
  /* Left to right: Cancel, Clear, OK (the confirming action last). */
  const StuButton order[STU_N_BUTTONS] = {STU_BUTTON_CANCEL, STU_BUTTON_CLEAR,
                                          STU_BUTTON_OK};

  ret->signature.left = margin;
  ret->signature.top = height * 17 / 100;
  ret->signature.right = width - margin - 1;
  ret->signature.bottom = height * 72 / 100;
  for (int i = 0; i < STU_N_BUTTONS; i++) {
    StuRect *b = &ret->buttons[order[i]];

    b->left = margin + i * (button_w + gap);
    b->right = b->left + button_w - 1;
    b->top = button_top;
    b->bottom = button_bottom;
  }
}

static gboolean rect_contains(const StuRect *r, double x, double y)
{
  return x >= r->left && x <= r->right && y >= r->top && y <= r->bottom;
}

StuButton stu_layout_hit(const StuLayout *layout, double x, double y)
{
  for (int i = 0; i < STU_N_BUTTONS; i++)
    if (rect_contains(&layout->buttons[i], x, y))
      return (StuButton)i;
  return STU_BUTTON_NONE;
}

/* The prompt is drawn with a small 5x7 pixel font (two more rows for
 * descenders), scaled up: the pads'
 * screens are small and the text is fixed, so no font engine (and no
 * thread-unsafe library state) is needed in the pad's worker thread. Each
 * glyph is nine rows of five bits, the leftmost pixel in bit 4. */
typedef struct {
  char c;
  guint8 rows[9];
} Glyph;

static const Glyph glyphs[] = {
    {' ', {0, 0, 0, 0, 0, 0, 0, 0, 0}},
    {'/', {0x01, 0x02, 0x02, 0x04, 0x08, 0x08, 0x10, 0, 0}},
    {'C', {0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e, 0, 0}},
    {'K', {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11, 0, 0}},
    {'O', {0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e, 0, 0}},
    {'S', {0x0e, 0x11, 0x10, 0x0e, 0x01, 0x11, 0x0e, 0, 0}},
    {'T', {0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0, 0}},
    {'a', {0x00, 0x00, 0x0e, 0x01, 0x0f, 0x11, 0x0f, 0, 0}},
    {'c', {0x00, 0x00, 0x0e, 0x10, 0x10, 0x11, 0x0e, 0, 0}},
    {'e', {0x00, 0x00, 0x0e, 0x11, 0x1f, 0x10, 0x0e, 0, 0}},
    {'g', {0x00, 0x00, 0x0f, 0x11, 0x11, 0x11, 0x0f, 0x01, 0x0e}},
    {'h', {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x11, 0, 0}},
    {'i', {0x04, 0x00, 0x0c, 0x04, 0x04, 0x04, 0x0e, 0, 0}},
    {'k', {0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12, 0, 0}},
    {'l', {0x0c, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e, 0, 0}},
    {'n', {0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11, 0, 0}},
    {'r', {0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10, 0, 0}},
};

static const guint8 unknown_glyph[9] = {0x1f, 0x11, 0x11, 0x11, 0x11,
                                        0x11, 0x1f, 0,    0};

typedef struct {
  guint8 *rgb;
  int width, height;
} Canvas;

static void fill(Canvas *cv, int x0, int y0, int x1, int y1, guint32 colour)
{
  for (int y = MAX(y0, 0); y <= MIN(y1, cv->height - 1); y++)
    for (int x = MAX(x0, 0); x <= MIN(x1, cv->width - 1); x++) {
      guint8 *px = cv->rgb + ((gsize)y * cv->width + x) * 3;
      px[0] = colour >> 16;
      px[1] = (colour >> 8) & 0xff;
      px[2] = colour & 0xff;
    }
}

static void frame(Canvas *cv, const StuRect *r, int t, guint32 colour)
{
  fill(cv, r->left, r->top, r->right, r->top + t - 1, colour);
  fill(cv, r->left, r->bottom - t + 1, r->right, r->bottom, colour);
  fill(cv, r->left, r->top, r->left + t - 1, r->bottom, colour);
  fill(cv, r->right - t + 1, r->top, r->right, r->bottom, colour);
}

static const guint8 *glyph_rows(char c)
{
  for (gsize i = 0; i < G_N_ELEMENTS(glyphs); i++)
    if (glyphs[i].c == c)
      return glyphs[i].rows;
  return unknown_glyph;
}

/* Draws `text` centred on (cx, cy), each font pixel `s` screen pixels. */
static void text(Canvas *cv, const char *str, int cx, int cy, int s,
                 guint32 colour)
{
  int n = (int)strlen(str);
  int x = cx - (n * 6 - 1) * s / 2, y = cy - 7 * s / 2; /* cap height */

  for (int i = 0; i < n; i++, x += 6 * s) {
    const guint8 *rows = glyph_rows(str[i]);

    for (int r = 0; r < 9; r++)
      for (int b = 0; b < 5; b++)
        if (rows[r] & (0x10 >> b))
          fill(cv, x + b * s, y + r * s, x + b * s + s - 1, y + r * s + s - 1,
               colour);
  }
}

#define WHITE 0xffffff
#define BLACK 0x000000

static void draw_button(Canvas *cv, const StuRect *r, const char *label,
                        guint32 background, int s)
{
  guint32 ink = background == WHITE ? BLACK : WHITE;

  fill(cv, r->left, r->top, r->right, r->bottom, background);
  frame(cv, r, MAX(1, s / 2), BLACK);
  text(cv, label, (r->left + r->right) / 2, (r->top + r->bottom) / 2, s, ink);
}

guint8 *stu_prompt_render(int width, int height, gboolean monochrome)
{
  Canvas cv = {NULL, width, height};
  StuLayout layout;
  int s = MAX(1, height / 100);
  const char *labels[STU_N_BUTTONS] = {"OK", "Clear", "Cancel"};
  const guint32 colours[STU_N_BUTTONS] = {0x2e7d32, 0x757575, 0xc62828};

  if (width < 1 || width > MAX_SCREEN || height < 1 || height > MAX_SCREEN)
    return NULL;
  cv.rgb = g_malloc((gsize)width * height * 3);
  fill(&cv, 0, 0, width - 1, height - 1, WHITE);
  stu_layout(width, height, &layout);
  text(&cv, "Sign here / Teken hier", width / 2, layout.signature.top / 2, s,
       monochrome ? BLACK : 0x154273);
  frame(&cv, &layout.signature, MAX(1, s / 2), monochrome ? BLACK : 0x9e9e9e);
  for (int i = 0; i < STU_N_BUTTONS; i++)
    draw_button(&cv, &layout.buttons[i], labels[i],
                monochrome ? WHITE : colours[i], s);
  return cv.rgb;
}
