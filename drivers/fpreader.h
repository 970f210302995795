/* The fingerprint reader interface, backends chosen by name: "libfprint"
 * (the real library; on machines without a reader its virtual_image driver,
 * fed by our own synthetic prints, stands in when configured so) and "sim"
 * (no libfprint at all). Threads: fpreader_prepare() on the main thread
 * before any thread starts; the rest on the reader's worker thread, where
 * capture() blocks and libfprint's GMainContext is iterated. */
#pragma once

#include "device.h"

typedef struct BkFpReader BkFpReader;

/* Finger positions as the reader backends take them: the ISO/IEC 19794-4 /
 * ANSI-NIST codes 1..10, the same numbers as the kiosk's model
 * (FingerPosition); the runtime asserts that at build time. */
typedef enum {
  READER_FINGER_UNKNOWN = 0,
  READER_FINGER_RIGHT_THUMB = 1,
  READER_FINGER_RIGHT_INDEX = 2,
  READER_FINGER_RIGHT_MIDDLE = 3,
  READER_FINGER_RIGHT_RING = 4,
  READER_FINGER_RIGHT_LITTLE = 5,
  READER_FINGER_LEFT_THUMB = 6,
  READER_FINGER_LEFT_INDEX = 7,
  READER_FINGER_LEFT_MIDDLE = 8,
  READER_FINGER_LEFT_RING = 9,
  READER_FINGER_LEFT_LITTLE = 10,
} ReaderFinger;

/* One captured impression. The pixels are 8-bit grey, 0 = ridge (dark). */
typedef struct {
  int width;
  int height;
  int ppi;        /* 500 for the readers we support */
  GBytes *pixels; /* width * height bytes, row-major */
  int minutiae;   /* count found by the reader library, -1 unknown */
  ReaderFinger finger;
} FpImpression;

void fp_impression_free(FpImpression *impression); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FpImpression, fp_impression_free)

typedef struct {
  const char *name;
  const char *description;

  /* Does what must happen to the whole process before any thread starts,
   * such as setting an environment variable the reader library reads
   * (setenv() is not safe while another thread may call getenv()). Called
   * from the main thread before any thread starts, with the options open()
   * will get; a second call with the same options changes nothing. May be
   * NULL: nothing to prepare. FALSE with DRIVERS_ERROR_INVALID for options
   * it cannot work with, DRIVERS_ERROR_FAILED otherwise. */
  gboolean (*prepare)(DeviceOptions *options, GError **error);

  /* Opens the reader. Must not be NULL. Runs on the worker thread, so it
   * reads the process environment but never writes it; what prepare() was
   * to do and did not is DRIVERS_ERROR_FAILED. Returns backend state or
   * NULL with DRIVERS_ERROR_NOT_FOUND / _CLAIMED / _FAILED. */
  gpointer (*open)(DeviceOptions *options, GError **error);

  /* Closes; accepts NULL. Must not be NULL. */
  void (*close)(gpointer priv);

  /* Fills `ret_info`. Must not be NULL. */
  gboolean (*describe)(gpointer priv, DeviceInfo *ret_info, GError **error);

  /* Waits for a finger and returns its image. Blocks up to `timeout_ms`
   * (DRIVERS_ERROR_TIMEOUT after). `cancellable` aborts the wait. A poor
   * print is still an impression; judging quality is capture/'s job.
   * Must not be NULL. */
  FpImpression *(*capture)(gpointer priv, ReaderFinger finger, int timeout_ms,
                           GCancellable *cancellable, GError **error);

  /* Synthetic readers only: which (synthetic) person is in front of the
   * reader now, as a stable text (the kiosk passes appointment and person);
   * later captures give that person's fingers, so two people never share
   * prints. May be NULL: a real reader has nothing to do. */
  void (*set_subject)(gpointer priv, const char *subject);
} FpReaderDriver;

struct BkFpReader {
  const FpReaderDriver *driver;
  gpointer priv;
};

extern const FpReaderDriver *const fpreader_drivers[];

const FpReaderDriver *fpreader_driver_find(const char *name);
/* Prepares the process for backend `name` with `options` (see prepare
 * above): call it from the main thread before any thread starts, for
 * example right after the configuration is loaded. Does nothing for a
 * backend that needs nothing. FALSE with DRIVERS_ERROR_UNKNOWN_BACKEND for
 * an unknown name, or the backend's error (open() would fail too). */
gboolean fpreader_prepare(const char *name, DeviceOptions *options,
                          GError **error);
BkFpReader *fpreader_open(const char *name, DeviceOptions *options,
                          GError **error);
void fpreader_close(BkFpReader *reader);
gboolean fpreader_describe(BkFpReader *reader, DeviceInfo *ret_info,
                           GError **error);
/* Calls set_subject when the backend has it; otherwise does nothing. */
void fpreader_set_subject(BkFpReader *reader, const char *subject);
FpImpression *fpreader_capture(BkFpReader *reader, ReaderFinger finger,
                               int timeout_ms, GCancellable *cancellable,
                               GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(BkFpReader, fpreader_close)
