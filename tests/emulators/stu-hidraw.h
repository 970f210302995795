/* An emulated Wacom STU pad behind /dev/hidrawN, for the real hidapi and
 * the real wacom-stu backend (see README.md, "stu-hidraw"). The emulator
 * is a shared library put in front of a process with LD_PRELOAD (before
 * umockdev's preload library, which provides the matching sysfs and udev
 * records). It answers open(), ioctl() and close() for the device nodes it
 * is given; reads and poll() work on a socket pair whose far end it feeds.
 *
 * Configuration, from the environment when the library loads:
 *   BK_STU_EMU_DEVICES  "/dev/hidraw0=540,/dev/hidraw1=430" (model per node)
 *   BK_STU_EMU_FAULT    one of the StuEmuFault names below, for every node
 * or at run time through the functions below, which a test reaches with
 * dlsym() (stu_emu_api() returns them all). All functions are
 * thread-safe. */
#pragma once

#include <glib.h>

typedef enum {
  STU_EMU_FAULT_NONE,   /* "none" */
  STU_EMU_FAULT_UNPLUG, /* "unplug": gone after `fault_after` pen
                           reports of a signature (mid-stroke) */
  STU_EMU_FAULT_SHORT,  /* "short-report": every `fault_after`th pen
                           report loses its last byte */
  STU_EMU_FAULT_EACCES, /* "eacces": open() fails with EACCES */
  STU_EMU_FAULT_SILENT, /* "silent": Capability and Information requests
                           hang for `silent_ms`, then fail with ETIMEDOUT
                           (the kernel's control transfer timeout) */
} StuEmuFault;

/* One pen report of a scripted signature, in tablet units; `delay_ms` is
 * the pad's time since the previous report (it goes into the timed
 * reports' millisecond counter). */
typedef struct {
  guint16 x, y, pressure;
  guint8 in_proximity, sw;
  guint16 delay_ms;
} StuEmuPen;

typedef struct {
  /* Adds (or changes) an emulated node: model 430, 530 or 540, and the
   * Capability's encoding flag (0: the model's usual one). */
  void (*add)(const char *path, int model, guint8 encoding_flag);
  void (*set_fault)(const char *path, StuEmuFault fault, int fault_after,
                    int silent_ms);
  /* The pen reports to play each time inking is switched on after an image
   * was committed (the signer starts when the prompt shows); `speed` > 1
   * plays faster than the pad's clock. Copied. */
  void (*set_script)(const char *path, const StuEmuPen *pens, gsize n,
                     double speed);
  /* Plugs an unplugged node back in. */
  void (*replug)(const char *path);
  gboolean (*unplugged)(const char *path);
  /* A copy of the screen (RGB, width x height) as the pad shows it after
   * the last committed image and clears; NULL if never written. */
  guint8 *(*screen)(const char *path, int *ret_width, int *ret_height,
                    int *ret_encoding);
  /* Counters by name: "images", "image-blocks", "clears", "pen-reports",
   * "opens", "refused" (feature reports the pad answered with an error),
   * "inking-on", "script-done", and "unplugged-at-us"
   * (g_get_monotonic_time() of the last unplug). */
  guint64 (*count)(const char *path, const char *name);
} StuEmuApi;

/* Exported by the library; a test finds it with dlsym(RTLD_DEFAULT). */
const StuEmuApi *stu_emu_api(void);
StuEmuFault stu_emu_fault_from_string(const char *name);
