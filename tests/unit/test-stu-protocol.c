/* The Wacom STU report layer: documented byte layouts decode to the right
 * fields, every report round-trips, malformed reports (wrong id, wrong
 * length, values out of range, random bytes) are refused or clamped and
 * counted, the image encodings, and the prompt screen's layout. */
#include "stu-protocol.h"
#include "testlib.h"

#include <string.h>

/* Bytes as the STU SDK documents them: big-endian fields after the id. */
static const guint8 capability_430[STU_SIZE_CAPABILITY] = {
    0x09, 0x26, 0xac, 0x17, 0x70, 0x03, 0xff, 0x01, 0x40,
    0x00, 0xc8, 200,  0x0a, 0x8c, 0x02, 0x00, 0x00};

static void test_capability_bytes(void)
{
  StuCapability cap;
  guint8 buf[STU_SIZE_CAPABILITY];
  StuCounters c = {0};

  g_assert_true(
      stu_decode_capability(capability_430, sizeof capability_430, &cap, &c));
  g_assert_cmpuint(cap.max_x, ==, 9900);
  g_assert_cmpuint(cap.max_y, ==, 6000);
  g_assert_cmpuint(cap.max_pressure, ==, 1023);
  g_assert_cmpuint(cap.screen_width, ==, 320);
  g_assert_cmpuint(cap.screen_height, ==, 200);
  g_assert_cmpuint(cap.max_report_rate, ==, 200);
  g_assert_cmpuint(cap.resolution, ==, 2700);
  g_assert_cmpuint(cap.encoding_flag, ==, STU_ENCODING_FLAG_1BIT);
  g_assert_cmpuint(stu_encode_capability(&cap, buf), ==, sizeof buf);
  g_assert_cmpmem(buf, sizeof buf, capability_430, sizeof capability_430);
  g_assert_cmpuint(c.wrong_id + c.wrong_length + c.out_of_range, ==, 0);
}

static void test_information_bytes(void)
{
  const guint8 bytes[STU_SIZE_INFORMATION] = {
      0x08, 'S', 'T', 'U', '-', '5', '3', '0', 0, 0, 2, 10, 1, 1, 2, 3, 4};
  StuInformation info;
  guint8 buf[STU_SIZE_INFORMATION];
  g_autofree char *fw = NULL;

  g_assert_true(stu_decode_information(bytes, sizeof bytes, &info, NULL));
  g_assert_cmpstr(info.model_name, ==, "STU-530");
  g_assert_cmpuint(info.firmware_major, ==, 2);
  g_assert_cmpuint(info.firmware_minor, ==, 10);
  g_assert_cmpuint(info.secure_ic, ==, 1);
  g_assert_cmpuint(info.secure_ic_version[3], ==, 4);
  fw = stu_firmware_string(&info);
  g_assert_cmpstr(fw, ==, "2.10");
  stu_encode_information(&info, buf);
  g_assert_cmpmem(buf, sizeof buf, bytes, sizeof bytes);
}

static void test_pen_data_bytes(void)
{
  /* rdy, sw = 1, pressure 0x3ff, x 0x1234, y 0x0abc */
  const guint8 plain[STU_SIZE_PEN_DATA] = {0x01, 0x93, 0xff, 0x12,
                                           0x34, 0x0a, 0xbc};
  const guint8 timed[STU_SIZE_PEN_DATA_TIMED] = {
      0x34, 0x80, 0x00, 0x00, 0x10, 0x00, 0x20, 0xff, 0xfe, 0x00, 0x07};
  StuPenData pen;
  guint8 buf[STU_SIZE_PEN_DATA_TIMED];

  g_assert_true(stu_decode_pen_data(plain, sizeof plain, NULL, &pen, NULL));
  g_assert_true(pen.in_proximity);
  g_assert_cmpuint(pen.sw, ==, 1);
  g_assert_cmpuint(pen.pressure, ==, 0x3ff);
  g_assert_cmpuint(pen.x, ==, 0x1234);
  g_assert_cmpuint(pen.y, ==, 0x0abc);
  g_assert_false(pen.timed);
  g_assert_cmpuint(stu_encode_pen_data(&pen, buf), ==, sizeof plain);
  g_assert_cmpmem(buf, sizeof plain, plain, sizeof plain);

  g_assert_true(stu_decode_pen_data(timed, sizeof timed, NULL, &pen, NULL));
  g_assert_true(pen.in_proximity);
  g_assert_cmpuint(pen.sw, ==, 0); /* hovering */
  g_assert_true(pen.timed);
  g_assert_cmpuint(pen.time_count, ==, 0xfffe);
  g_assert_cmpuint(pen.sequence, ==, 7);
  g_assert_cmpuint(stu_encode_pen_data(&pen, buf), ==, sizeof timed);
  g_assert_cmpmem(buf, sizeof timed, timed, sizeof timed);
}

static void test_small_reports(void)
{
  StuStatus st = {STU_STATUS_IMAGE, 0x10, 0x1234}, st2;
  StuRect area = {16, 34, 783, 345}, area2;
  guint8 buf[STU_SIZE_IMAGE_BLOCK], data[STU_IMAGE_BLOCK_MAX], v = 0;
  const guint8 *got;
  gsize n;

  g_assert_cmpuint(stu_encode_status(&st, buf), ==, STU_SIZE_STATUS);
  g_assert_cmpuint(buf[1], ==, 1);
  g_assert_cmpuint(buf[3], ==, 0x34); /* statusWord is little-endian */
  g_assert_true(stu_decode_status(buf, STU_SIZE_STATUS, &st2, NULL));
  g_assert_cmpmem(&st, sizeof st, &st2, sizeof st2);

  g_assert_cmpuint(stu_encode_handwriting_area(&area, buf), ==, 9);
  g_assert_cmpuint(buf[1], ==, 16); /* rectangles are little-endian */
  g_assert_cmpuint(buf[5], ==, 0x0f);
  g_assert_cmpuint(buf[6], ==, 0x03);
  g_assert_true(
      stu_decode_rect(buf, 9, STU_REPORT_HANDWRITING_AREA, &area2, NULL));
  g_assert_cmpmem(&area, sizeof area, &area2, sizeof area2);
  g_assert_cmpuint(stu_encode_clear_area(&area, buf), ==, 11);
  g_assert_true(
      stu_decode_rect(buf, 11, STU_REPORT_CLEAR_SCREEN_AREA, &area2, NULL));
  g_assert_cmpmem(&area, sizeof area, &area2, sizeof area2);

  for (int id = STU_REPORT_CLEAR_SCREEN; id <= STU_REPORT_END_IMAGE_DATA;
       id++) {
    g_assert_cmpuint(stu_encode_byte(id, 0x04, buf), ==, 2);
    g_assert_true(stu_decode_byte(buf, 2, id, &v, NULL));
    g_assert_cmpuint(v, ==, 0x04);
  }

  for (gsize i = 0; i < sizeof data; i++)
    data[i] = (guint8)(i * 7);
  g_assert_cmpuint(stu_encode_image_block(data, 253, buf), ==, 256);
  g_assert_cmpuint(buf[1], ==, 253); /* length little-endian */
  g_assert_cmpuint(buf[2], ==, 0);
  g_assert_true(stu_decode_image_block(buf, 256, &got, &n, NULL));
  g_assert_cmpmem(got, n, data, sizeof data);
  g_assert_cmpuint(stu_encode_image_block(data, 0, buf), ==, 0);
  g_assert_cmpuint(stu_encode_image_block(data, 254, buf), ==, 0);
}

static void test_malformed(void)
{
  StuCounters c = {0};
  StuCapability cap;
  StuInformation info;
  StuPenData pen;
  StuRect r;
  const guint8 *got;
  gsize n;
  guint8 buf[STU_SIZE_IMAGE_BLOCK];

  /* Wrong id, wrong length, nothing at all. */
  g_assert_false(stu_decode_capability(capability_430 + 1, 16, &cap, &c));
  g_assert_false(stu_decode_capability(capability_430, 16, &cap, &c));
  g_assert_false(stu_decode_capability(capability_430, 18, &cap, &c));
  g_assert_false(stu_decode_pen_data(NULL, 0, NULL, &pen, &c));
  g_assert_false(stu_decode_pen_data(capability_430, 7, NULL, &pen, &c));
  g_assert_cmpuint(c.wrong_id, ==, 3);
  g_assert_cmpuint(c.wrong_length, ==, 2);

  /* A pen report one byte short, or with a byte too many. */
  memset(buf, 0, sizeof buf);
  buf[0] = STU_REPORT_PEN_DATA;
  g_assert_false(stu_decode_pen_data(buf, 6, NULL, &pen, &c));
  g_assert_false(stu_decode_pen_data(buf, 8, NULL, &pen, &c));
  buf[0] = STU_REPORT_PEN_DATA_TIMED;
  g_assert_false(stu_decode_pen_data(buf, 7, NULL, &pen, &c));
  g_assert_cmpuint(c.wrong_length, ==, 5);

  /* Out of range: a capability with no screen, a pen beyond the axes, an
   * inverted rectangle, an image block claiming 300 bytes, a model name
   * with control characters. */
  memcpy(buf, capability_430, sizeof capability_430);
  buf[7] = buf[8] = 0;
  g_assert_false(stu_decode_capability(buf, 17, &cap, &c));
  g_assert_cmpuint(c.out_of_range, ==, 1);
  g_assert_true(stu_decode_capability(capability_430, 17, &cap, &c));
  {
    StuPenData wild = {TRUE, 1, 4000, 60000, 65535, FALSE, 0, 0};
    stu_encode_pen_data(&wild, buf);
  }
  g_assert_true(stu_decode_pen_data(buf, 7, &cap, &pen, &c));
  g_assert_cmpuint(pen.x, ==, cap.max_x);
  g_assert_cmpuint(pen.y, ==, cap.max_y);
  g_assert_cmpuint(pen.pressure, ==, cap.max_pressure);
  g_assert_cmpuint(c.out_of_range, ==, 2);
  {
    StuRect inverted = {100, 10, 50, 20};
    stu_encode_handwriting_area(&inverted, buf);
  }
  g_assert_false(stu_decode_rect(buf, 9, STU_REPORT_HANDWRITING_AREA, &r, &c));
  stu_encode_image_block(capability_430, 10, buf);
  buf[1] = 0x2c;
  buf[2] = 0x01;
  g_assert_false(stu_decode_image_block(buf, 256, &got, &n, &c));
  memset(buf, 0, sizeof buf);
  buf[0] = STU_REPORT_INFORMATION;
  memcpy(buf + 1,
         "STU\n\x01"
         "530",
         8);
  g_assert_true(stu_decode_information(buf, 17, &info, &c));
  g_assert_cmpstr(info.model_name, ==, "STU??530");
  g_assert_cmpuint(c.out_of_range, ==, 5);
}

/* Random bytes of random length through every decoder: refused or
 * decoded, never a crash or a read outside the buffer (ASan, valgrind). */
static void test_random_bytes(void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed(8);
  StuCounters c = {0};
  guint64 accepted = 0;
  StuCapability cap430;

  /* Pen reports are clamped to a known capability, never to a random one
   * that happened to decode. */
  g_assert_true(stu_decode_capability(capability_430, sizeof capability_430,
                                      &cap430, NULL));

  for (int i = 0; i < 20000; i++) {
    gsize len = g_rand_int_range(rng, 0, 300);
    g_autofree guint8 *buf = g_malloc(MAX(len, 1));
    StuCapability cap;
    StuInformation info;
    StuStatus st;
    StuPenData pen;
    StuRect r;
    const guint8 *got;
    gsize n;
    guint8 v;

    for (gsize k = 0; k < len; k++)
      buf[k] = (guint8)g_rand_int(rng);
    if (len > 0 && i % 2) /* half with a plausible id */
      buf[0] = (guint8[]){0x01, 0x34, 0x03, 0x08, 0x09, 0x26, 0x2a}[i % 7];
    accepted += stu_decode_capability(buf, len, &cap, &c);
    accepted += stu_decode_information(buf, len, &info, &c);
    accepted += stu_decode_status(buf, len, &st, &c);
    accepted += stu_decode_pen_data(buf, len, &cap430, &pen, &c);
    accepted += stu_decode_rect(buf, len, STU_REPORT_HANDWRITING_AREA, &r, &c);
    accepted += stu_decode_image_block(buf, len, &got, &n, &c);
    accepted += stu_decode_byte(buf, len, STU_REPORT_INKING_MODE, &v, &c);
  }
  g_test_message("accepted %" G_GUINT64_FORMAT ", wrong id %" G_GUINT64_FORMAT
                 ", wrong length %" G_GUINT64_FORMAT
                 ", out of range %" G_GUINT64_FORMAT,
                 accepted, c.wrong_id, c.wrong_length, c.out_of_range);
  g_assert_cmpuint(c.wrong_id + c.wrong_length, >, 100000);
}

static guint8 *test_picture(int w, int h)
{
  guint8 *rgb = g_malloc((gsize)w * h * 3);

  for (int i = 0; i < w * h; i++) {
    rgb[i * 3] = (guint8)(i * 3);
    rgb[i * 3 + 1] = (guint8)(i * 5 + 17);
    rgb[i * 3 + 2] = (guint8)(i * 11);
  }
  return rgb;
}

static void test_image_encodings(void)
{
  int w = 10, h = 3;
  g_autofree guint8 *rgb = test_picture(w, h);
  g_autofree guint8 *back = g_malloc((gsize)w * h * 3);
  g_autofree guint8 *e24 = NULL, *e16 = NULL, *e1 = NULL;
  gsize n24, n16, n1;
  guint8 bw[10 * 3 * 3];

  e24 = stu_image_encode(STU_ENCODING_24BIT, rgb, w, h, &n24);
  g_assert_cmpuint(n24, ==, 90);
  g_assert_cmpuint(e24[0], ==, rgb[2]); /* blue first */
  g_assert_cmpuint(e24[2], ==, rgb[0]);
  g_assert_true(stu_image_decode(STU_ENCODING_24BIT, e24, n24, w, h, back));
  g_assert_cmpmem(back, n24, rgb, n24);

  e16 = stu_image_encode(STU_ENCODING_16BIT, rgb, w, h, &n16);
  g_assert_cmpuint(n16, ==, 60);
  g_assert_true(stu_image_decode(STU_ENCODING_16BIT, e16, n16, w, h, back));
  for (int i = 0; i < w * h * 3; i++)
    g_assert_cmpint(ABS(back[i] - rgb[i]), <=, 7);
  {
    guint8 red[3] = {255, 0, 0};
    g_autofree guint8 *e =
        stu_image_encode(STU_ENCODING_16BIT, red, 1, 1, &n16);
    g_assert_cmpuint(e[0], ==, 0xf8); /* RGB565, big-endian */
    g_assert_cmpuint(e[1], ==, 0x00);
  }

  /* Monochrome: a dark pixel is a 0 bit, rows padded to whole bytes. */
  memset(bw, 255, sizeof bw);
  memset(bw + 9 * 3, 0, 3);           /* (9, 0) black */
  memset(bw + (10 + 0) * 3, 0x40, 3); /* (0, 1) dark grey: ink */
  memset(bw + (20 + 5) * 3, 0x90, 3); /* (5, 2) light grey: paper */
  e1 = stu_image_encode(STU_ENCODING_1BIT, bw, 10, 3, &n1);
  g_assert_cmpuint(n1, ==, 6);
  g_assert_cmpuint(e1[0], ==, 0xff);
  g_assert_cmpuint(e1[1], ==, 0xbf);
  g_assert_cmpuint(e1[2], ==, 0x7f);
  g_assert_cmpuint(e1[4], ==, 0xff);
  g_assert_true(stu_image_decode(STU_ENCODING_1BIT, e1, n1, 10, 3, back));
  g_assert_cmpuint(back[9 * 3], ==, 0);
  g_assert_cmpuint(back[10 * 3], ==, 0);
  g_assert_cmpuint(back[25 * 3], ==, 255);

  /* Wrong sizes are refused. */
  g_assert_false(stu_image_decode(STU_ENCODING_1BIT, e1, n1 - 1, 10, 3, back));
  g_assert_null(stu_image_encode(STU_ENCODING_1BIT, bw, 0, 3, &n1));
  g_assert_null(stu_image_encode(STU_ENCODING_1BIT, bw, 5000, 3, &n1));
  g_assert_cmpuint(stu_image_size(STU_ENCODING_1BIT, 320, 200), ==, 8000);
  g_assert_cmpuint(stu_image_size(STU_ENCODING_24BIT, 800, 480), ==, 1152000);
}

static void test_models(void)
{
  g_assert_cmpint(stu_model_from_product_id(0xa4), ==, STU_MODEL_430);
  g_assert_cmpint(stu_model_from_product_id(0xa5), ==, STU_MODEL_530);
  g_assert_cmpint(stu_model_from_product_id(0xa8), ==, STU_MODEL_540);
  g_assert_cmpint(stu_model_from_product_id(0x1234), ==, STU_MODEL_UNKNOWN);
  g_assert_cmpuint(stu_model_product_id(STU_MODEL_540), ==, 0xa8);
  g_assert_cmpstr(stu_model_name(STU_MODEL_430), ==, "STU-430");
  g_assert_cmpint(stu_choose_encoding(STU_MODEL_430, 0, TRUE), ==,
                  STU_ENCODING_1BIT);
  g_assert_cmpint(stu_choose_encoding(STU_MODEL_530, 0, TRUE), ==,
                  STU_ENCODING_24BIT);
  g_assert_cmpint(stu_choose_encoding(STU_MODEL_530, 0, FALSE), ==,
                  STU_ENCODING_1BIT);
  g_assert_cmpint(stu_choose_encoding(STU_MODEL_540, 0x06, TRUE), ==,
                  STU_ENCODING_16BIT);
  g_assert_cmpint(stu_choose_encoding(STU_MODEL_540, 0x0e, TRUE), ==,
                  STU_ENCODING_24BIT);
  /* A pad without monochrome gets colour either way. */
  g_assert_cmpint(stu_choose_encoding(STU_MODEL_540, 0x08, FALSE), ==,
                  STU_ENCODING_24BIT);
}

static void check_layout(int w, int h)
{
  StuLayout l;
  g_autofree guint8 *mono = stu_prompt_render(w, h, TRUE);
  g_autofree guint8 *colour = stu_prompt_render(w, h, FALSE);
  int dark = 0, coloured = 0;

  stu_layout(w, h, &l);
  g_assert_cmpint(l.signature.right, <, w);
  g_assert_cmpint(l.signature.bottom - l.signature.top, >, h / 3);
  for (int i = 0; i < STU_N_BUTTONS; i++) {
    const StuRect *b = &l.buttons[i];
    g_assert_cmpint(b->top, >, l.signature.bottom);
    g_assert_cmpint(b->right, <, w);
    g_assert_cmpint(b->bottom, <, h);
    g_assert_cmpint(stu_layout_hit(&l, (b->left + b->right) / 2.0,
                                   (b->top + b->bottom) / 2.0),
                    ==, i);
  }
  g_assert_cmpint(stu_layout_hit(&l, w / 2.0, h / 2.0), ==, STU_BUTTON_NONE);
  g_assert_cmpint(l.buttons[STU_BUTTON_OK].left, >,
                  l.buttons[STU_BUTTON_CANCEL].right);
  for (int i = 0; i < w * h * 3; i += 3) {
    g_assert_true(mono[i] == 0 || mono[i] == 255); /* black and white */
    dark += mono[i] == 0;
    coloured += colour[i] != colour[i + 1] || colour[i] != colour[i + 2];
  }
  g_assert_cmpint(dark, >, w * h / 100); /* text and frames were drawn */
  g_assert_cmpint(coloured, >, w * h / 100);
}

static void test_layout(void)
{
  check_layout(320, 200);
  check_layout(800, 480);
  g_assert_null(stu_prompt_render(0, 10, TRUE));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/stu-protocol/capability-bytes", test_capability_bytes);
  g_test_add_func("/stu-protocol/information-bytes", test_information_bytes);
  g_test_add_func("/stu-protocol/pen-data-bytes", test_pen_data_bytes);
  g_test_add_func("/stu-protocol/small-reports", test_small_reports);
  g_test_add_func("/stu-protocol/malformed", test_malformed);
  g_test_add_func("/stu-protocol/random-bytes", test_random_bytes);
  g_test_add_func("/stu-protocol/image-encodings", test_image_encodings);
  g_test_add_func("/stu-protocol/models", test_models);
  g_test_add_func("/stu-protocol/layout", test_layout);
  return g_test_run();
}
