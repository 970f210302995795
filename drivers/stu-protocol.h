/* The Wacom STU-430/530/540 signature pads' USB HID reports: pure encoding
 * and decoding, shared by the wacom-stu pad backend and its emulator. No
 * I/O, no threads, no allocation except where a function says so.
 *
 * Every buffer includes the report id in byte 0, as hidapi hands reports
 * over. Multi-byte fields are big-endian except the rectangles and the
 * image block length, which are little-endian (as the pads define them).
 * A decoder refuses a report with the wrong id or the wrong length and
 * clamps values out of range; each refusal or clamp is counted in the
 * caller's StuCounters, so bad input is never a crash and never silent. */
#pragma once

#include <glib.h>

#define STU_VENDOR_ID 0x056a

/* USB product ids of the supported pads. */
#define STU_PRODUCT_430 0x00a4
#define STU_PRODUCT_530 0x00a5
#define STU_PRODUCT_540 0x00a8

typedef enum {
  STU_MODEL_UNKNOWN = 0,
  STU_MODEL_430, /* monochrome 320x200 */
  STU_MODEL_530, /* colour 800x480 */
  STU_MODEL_540, /* colour 800x480 */
} StuModel;

typedef enum {
  STU_REPORT_PEN_DATA = 0x01,             /* in */
  STU_REPORT_STATUS = 0x03,               /* feature get */
  STU_REPORT_RESET = 0x04,                /* feature set */
  STU_REPORT_INFORMATION = 0x08,          /* feature get */
  STU_REPORT_CAPABILITY = 0x09,           /* feature get */
  STU_REPORT_UID = 0x0a,                  /* feature get */
  STU_REPORT_PEN_DATA_ENCRYPTED = 0x10,   /* in (not decoded: see docs) */
  STU_REPORT_START_CAPTURE = 0x15,        /* feature set (encryption) */
  STU_REPORT_END_CAPTURE = 0x16,          /* feature set (encryption) */
  STU_REPORT_CLEAR_SCREEN = 0x20,         /* feature set */
  STU_REPORT_INKING_MODE = 0x21,          /* feature get/set */
  STU_REPORT_CLEAR_SCREEN_AREA = 0x23,    /* feature set */
  STU_REPORT_START_IMAGE_DATA = 0x25,     /* feature set */
  STU_REPORT_IMAGE_DATA_BLOCK = 0x26,     /* feature set */
  STU_REPORT_END_IMAGE_DATA = 0x27,       /* feature set */
  STU_REPORT_HANDWRITING_AREA = 0x2a,     /* feature get/set */
  STU_REPORT_PEN_DATA_OPTION_MODE = 0x32, /* feature get/set */
  STU_REPORT_PEN_DATA_TIMED = 0x34,       /* in: pen data + time + sequence */
} StuReportId;

/* Sizes in bytes, report id included. */
#define STU_SIZE_STATUS         5
#define STU_SIZE_INFORMATION    17
#define STU_SIZE_CAPABILITY     17
#define STU_SIZE_UID            5
#define STU_SIZE_ONE_BYTE       2 /* id + one value: clear, inking, ... */
#define STU_SIZE_RECTANGLE      9 /* handwriting area */
#define STU_SIZE_CLEAR_AREA     11
#define STU_SIZE_IMAGE_BLOCK    256
#define STU_IMAGE_BLOCK_MAX     253 /* data bytes per image block */
#define STU_SIZE_PEN_DATA       7
#define STU_SIZE_PEN_DATA_TIMED 11
#define STU_SIZE_INPUT_MAX      64 /* largest input report we read */

/* Status codes (StuStatus.code). */
typedef enum {
  STU_STATUS_READY = 0x00,
  STU_STATUS_IMAGE = 0x01, /* receiving an image */
  STU_STATUS_CAPTURE = 0x02,
  STU_STATUS_CALCULATION = 0x03,
  STU_STATUS_IMAGE_BOOT = 0x04,
  STU_STATUS_ROM_BUSY = 0x05,
  STU_STATUS_SYSTEM_RESET = 0xff,
} StuStatusCode;

/* Image encodings (StartImageData's byte). Colour is sent through feature
 * reports: the faster "bulk" variants need an interface hidraw lacks. */
typedef enum {
  STU_ENCODING_1BIT = 0x00,  /* 1 bit per pixel, MSB first, 1 = white */
  STU_ENCODING_16BIT = 0x02, /* RGB565, big-endian */
  STU_ENCODING_24BIT = 0x04, /* B, G, R bytes */
} StuEncoding;

/* Capability's encoding flags. */
#define STU_ENCODING_FLAG_1BIT  0x02
#define STU_ENCODING_FLAG_16BIT 0x04
#define STU_ENCODING_FLAG_24BIT 0x08

/* PenDataOptionMode value that makes the pad send STU_REPORT_PEN_DATA_TIMED
 * (a millisecond clock and a sequence number with every sample). */
#define STU_PEN_OPTION_NONE       0x00
#define STU_PEN_OPTION_TIME_COUNT 0x03

typedef struct {
  guint64 wrong_id;     /* report refused: another report id */
  guint64 wrong_length; /* report refused: too short or too long */
  guint64 out_of_range; /* value refused or clamped */
} StuCounters;

typedef struct {
  char model_name[10]; /* printable ASCII, NUL-terminated */
  guint8 firmware_major;
  guint8 firmware_minor;
  guint8 secure_ic;
  guint8 secure_ic_version[4];
} StuInformation;

typedef struct {
  guint16 max_x; /* pen coordinates run 0..max_x */
  guint16 max_y;
  guint16 max_pressure;
  guint16 screen_width; /* pixels */
  guint16 screen_height;
  guint8 max_report_rate; /* reports per second */
  guint16 resolution;     /* tablet units per inch */
  guint8 encoding_flag;   /* STU_ENCODING_FLAG_*; 0 on older firmware */
} StuCapability;

typedef struct {
  guint8 code;        /* StuStatusCode */
  guint8 last_result; /* 0: the last command succeeded */
  guint16 word;       /* reserved */
} StuStatus;

typedef struct {
  gboolean in_proximity; /* "rdy" */
  guint8 sw;             /* non-zero: touching the surface */
  guint16 pressure;      /* 0..4095 on the wire */
  guint16 x;
  guint16 y;
  gboolean timed;     /* from STU_REPORT_PEN_DATA_TIMED */
  guint16 time_count; /* ms, wraps at 65536 */
  guint16 sequence;   /* wraps at 65536 */
} StuPenData;

typedef struct {
  guint16 left, top, right, bottom; /* pixels, inclusive */
} StuRect;

/* Models. */
StuModel stu_model_from_product_id(guint16 product_id);
guint16 stu_model_product_id(StuModel model);
const char *stu_model_name(StuModel model); /* "STU-430"...; static */
/* The encoding the backend uses. With `colour`: 24-bit when the pad offers
 * it, then 16-bit; otherwise (and on a pad without colour) monochrome,
 * which over hidraw is 190 reports for 800x480 instead of thousands.
 * `encoding_flag` 0 (older firmware) is read as what the model is known
 * to support. */
StuEncoding stu_choose_encoding(StuModel model, guint8 encoding_flag,
                                gboolean colour);

/* Feature reports. Each encoder writes exactly its report's size into
 * `buf` (which must hold it) and returns that size. */
gsize stu_encode_status(const StuStatus *status, guint8 *buf);
gsize stu_encode_information(const StuInformation *info, guint8 *buf);
gsize stu_encode_capability(const StuCapability *cap, guint8 *buf);
/* Reports that carry one byte: clear screen (value 0), inking mode,
 * start image data (the encoding), end image data (0 commit, 1 abandon),
 * pen data option mode, reset. */
gsize stu_encode_byte(StuReportId id, guint8 value, guint8 *buf);
gsize stu_encode_handwriting_area(const StuRect *area, guint8 *buf);
gsize stu_encode_clear_area(const StuRect *area, guint8 *buf);
/* An image data block of `n` (1..STU_IMAGE_BLOCK_MAX) bytes; returns 0
 * when n is out of range. */
gsize stu_encode_image_block(const guint8 *data, gsize n, guint8 *buf);
/* Input reports (the emulator sends them). */
gsize stu_encode_pen_data(const StuPenData *pen, guint8 *buf);

/* Decoders: FALSE (and counted) for a wrong id or length; values out of
 * range are clamped or refused (and counted). `ret_*` is only written on
 * success. `counters` may be NULL. */
gboolean stu_decode_status(const guint8 *buf, gsize len, StuStatus *ret,
                           StuCounters *counters);
gboolean stu_decode_information(const guint8 *buf, gsize len,
                                StuInformation *ret, StuCounters *counters);
/* Refuses a capability with no writing area, no pressure range or a screen
 * that is not 1..4096 pixels each way. */
gboolean stu_decode_capability(const guint8 *buf, gsize len, StuCapability *ret,
                               StuCounters *counters);
gboolean stu_decode_byte(const guint8 *buf, gsize len, StuReportId id,
                         guint8 *ret_value, StuCounters *counters);
gboolean stu_decode_rect(const guint8 *buf, gsize len, StuReportId id,
                         StuRect *ret, StuCounters *counters);
/* Points `ret_data` into `buf`. */
gboolean stu_decode_image_block(const guint8 *buf, gsize len,
                                const guint8 **ret_data, gsize *ret_n,
                                StuCounters *counters);
/* Either pen data report; clamps x, y and pressure to `cap` when given. */
gboolean stu_decode_pen_data(const guint8 *buf, gsize len,
                             const StuCapability *cap, StuPenData *ret,
                             StuCounters *counters);

/* "STU-530 firmware 2.10" style strings, newly allocated. */
char *stu_firmware_string(const StuInformation *info);

/* Images. `rgb` is width x height packed 8-bit R, G, B rows. Returns the
 * encoded image (free with g_free) and its length; NULL for sizes outside
 * 1..4096. */
guint8 *stu_image_encode(StuEncoding encoding, const guint8 *rgb, int width,
                         int height, gsize *ret_len);
gsize stu_image_size(StuEncoding encoding, int width, int height);
/* The reverse, into `ret_rgb` (width * height * 3 bytes); FALSE when `len`
 * is not stu_image_size(). 1-bit pixels become black or white. */
gboolean stu_image_decode(StuEncoding encoding, const guint8 *data, gsize len,
                          int width, int height, guint8 *ret_rgb);

/* The prompt screen: where the signature goes and the three on-pad
 * buttons, in screen pixels, for a screen of the given size. */
typedef enum {
  STU_BUTTON_NONE = -1,
  STU_BUTTON_OK = 0,
  STU_BUTTON_CLEAR,
  STU_BUTTON_CANCEL,
  STU_N_BUTTONS,
} StuButton;

typedef struct {
  StuRect signature; /* the writing box; samples are normalised to it */
  StuRect buttons[STU_N_BUTTONS];
} StuLayout;

void stu_layout(int width, int height, StuLayout *ret);
/* The button under screen pixel (x, y), or STU_BUTTON_NONE. */
StuButton stu_layout_hit(const StuLayout *layout, double x, double y);
/* Draws "Sign here / Teken hier", the writing box and the buttons OK,
 * Clear and Cancel into a new width x height RGB image (g_free). Colour
 * pads get coloured buttons; `monochrome` keeps to black and white. */
guint8 *stu_prompt_render(int width, int height, gboolean monochrome);
