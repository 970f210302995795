/* A PTP/IP camera emulator that the real libgphoto2 (ptp2 driver, port
 * "ptpip:127.0.0.1:PORT") connects to over loopback. It presents itself as
 * a Nikon DSLR with live view (vendor opcodes 0x9201-0x9203), serves stills
 * and live-view frames from JPEG bytes given by the test, exposes the
 * exposure properties the kiosk sets, and injects faults on request. Runs on
 * its own thread inside the test process; see README.md for the protocol
 * coverage. */
#pragma once

#include <glib.h>

typedef struct PtpipCamera PtpipCamera;

typedef enum {
  PTPIP_FAULT_BUSY,     /* the next N operations answer DeviceBusy (0x2019) */
  PTPIP_FAULT_DROP,     /* the next N data phases stop halfway and the
                           connection is dropped */
  PTPIP_FAULT_TRUNCATE, /* the next N images lose their second half
                           (no end-of-image marker) */
  PTPIP_FAULT_CORRUPT,  /* the next N images keep their markers but their
                           scan data is cut short (decoders complain) */
  PTPIP_FAULT_SLOW,     /* the next N data phases sleep `slow_ms` per
                           64 KiB chunk */
} PtpipFault;

typedef enum {
  PTPIP_COUNT_SESSIONS,  /* OpenSession answered OK */
  PTPIP_COUNT_FRAMES,    /* live-view frames sent */
  PTPIP_COUNT_CAPTURES,  /* InitiateCapture answered OK */
  PTPIP_COUNT_DOWNLOADS, /* GetObject answered OK */
  PTPIP_COUNT_OBJECTS,   /* objects now on the card (captured, not deleted) */
  PTPIP_COUNT_BUSY,      /* DeviceBusy answers given */
} PtpipCounter;

/* Starts the emulator listening on 127.0.0.1 with a free port chosen by the
 * kernel. NULL with an error when no socket can be had. */
PtpipCamera *ptpip_camera_new(GError **error);

/* Stops the thread, closes every socket; accepts NULL. */
void ptpip_camera_free(PtpipCamera *cam);

/* The TCP port and the libgphoto2 port string "ptpip:127.0.0.1:PORT:PORT",
 * command and event port). */
guint16 ptpip_camera_port(PtpipCamera *cam);
char *ptpip_camera_address(PtpipCamera *cam);

/* Images. The still is what InitiateCapture stores on the card; frames are
 * served in turn by GetLiveViewImg. Both take a reference. Until set, a
 * small generated JPEG is used. */
void ptpip_camera_set_still(PtpipCamera *cam, GBytes *jpeg);
void ptpip_camera_set_frames(PtpipCamera *cam, GBytes *const *frames,
                             guint n_frames);

/* Arms `fault` for the next `count` matching operations (0 disarms). */
void ptpip_camera_inject(PtpipCamera *cam, PtpipFault fault, guint count);
void ptpip_camera_set_slow_ms(PtpipCamera *cam, guint ms_per_chunk);

/* Sleep: connections stay open but nothing is answered (requests are read
 * and dropped) until woken. */
void ptpip_camera_set_asleep(PtpipCamera *cam, gboolean asleep);

/* Unplug drops the connections and stops listening (connect is refused);
 * replug listens on the same port again. */
void ptpip_camera_unplug(PtpipCamera *cam);
gboolean ptpip_camera_replug(PtpipCamera *cam, GError **error);

guint ptpip_camera_count(PtpipCamera *cam, PtpipCounter counter);

/* Someone pressed the shutter on the camera body: a picture is stored on
 * the card and announced with an ObjectAdded event, as a camera does. */
void ptpip_camera_press_shutter(PtpipCamera *cam);

/* Reads or changes a device property by PTP code (e.g. 0x500F for ISO) as
 * an integer, to check what a SetDevicePropValue did. */
gint64 ptpip_camera_get_prop(PtpipCamera *cam, guint16 code);

/* A baseline JPEG of width x height with a pattern that depends on `seed`,
 * made with libjpeg at `quality`. For tests and benchmarks. */
GBytes *ptpip_camera_make_jpeg(int width, int height, guint seed, int quality);

/* Keeps every libgphoto2 camera driver and port library loaded so far
 * mapped for the rest of the process (RTLD_NODELETE). libgphoto2 unloads
 * them when a camera is closed, after which the sanitizers cannot name the
 * frames of what they allocated; pinned, tests/lsan.supp can match them.
 * Call after a camera was opened. */
void ptpip_camera_pin_gphoto2_modules(void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PtpipCamera, ptpip_camera_free)
