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

/* What a reader delivers, for the fitness check: 0 where unknown. */
typedef struct {
  int ppi;
  int width, height;  /* pixels of one impression */
  const char *source; /* where the figures come from ("declared", "driver
                         table", ...); static string */
} FpReaderGeometry;

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

  /* What the reader delivers: resolution and image size (see
   * FpReaderGeometry), from `options` and, when `priv` is not NULL (an
   * open reader), from the device. Fields it does not know stay 0. May be
   * NULL: nothing known. */
  void (*geometry)(gpointer priv, DeviceOptions *options,
                   FpReaderGeometry *ret_geometry);

  /* Compares `n` impressions of one finger already taken, pairwise, with
   * the reader library's own matcher: ret_scores[i * n + j] (i != j) gets
   * 0..100 for how well impression j matches a print enrolled from
   * impression i, or -1 when not compared; the diagonal is -1. May be NULL:
   * the backend cannot compare stored impressions (all -1 then). */
  gboolean (*compare)(gpointer priv, FpImpression *const *impressions, int n,
                      int *ret_scores, GError **error);
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
 * an unknown name, or the backend's error (open() would fail too), or
 * DRIVERS_ERROR_UNSUPPORTED when what the options alone tell of the reader
 * (a declared ppi, the virtual reader's, none for a real libfprint reader
 * whose ppi is not declared) is unfit: the start-up refusal. */
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

/* The reader's geometry: the options "ppi", "image_width" and
 * "image_height" (what a technician declares from the datasheet) win over
 * what the backend knows. */
void fpreader_geometry(BkFpReader *reader, DeviceOptions *options,
                       FpReaderGeometry *ret_geometry);

/* Minimums for a registration-grade reader (options min_ppi,
 * min_width_mm, min_height_mm): 500 ppi and the FAP 10 capture area of
 * 12.7 x 16.5 mm (250 x 325 pixels at 500 ppi). */
#define FPREADER_MIN_PPI       500
#define FPREADER_MIN_WIDTH_MM  12.7
#define FPREADER_MIN_HEIGHT_MM 16.5

/* Is a reader of `geometry` fit for enrolment under `options`? FALSE with
 * DRIVERS_ERROR_UNSUPPORTED and a one-line technician's message (which
 * minimum, what the reader has, what to do) for an unfit one, for an
 * unknown resolution, and for an unknown image size unless
 * `allow_unknown_size` (before the reader is open); DRIVERS_ERROR_INVALID
 * for malformed minimums. Pure. */
gboolean fpreader_geometry_fit(const FpReaderGeometry *geometry,
                               DeviceOptions *options,
                               gboolean allow_unknown_size, GError **error);

/* fpreader_geometry() then fpreader_geometry_fit(): the kiosk refuses to
 * work with a reader that fails this. */
gboolean fpreader_check_fit(BkFpReader *reader, DeviceOptions *options,
                            GError **error);

/* The same check on what the reader delivered: an image size may only be
 * known once the reader has captured (a swipe sensor's varies with the
 * finger, a declared size may be wrong). The impression's width and height
 * replace the geometry's; the resolution stays the geometry's (libfprint
 * calls every image 500 ppi). FALSE as fpreader_geometry_fit(). */
gboolean fpreader_check_impression(BkFpReader *reader, DeviceOptions *options,
                                   const FpImpression *impression,
                                   GError **error);

/* Compares the impressions pairwise (see compare above); fills
 * ret_scores (n * n) with -1 and returns TRUE when the backend cannot. */
gboolean fpreader_compare(BkFpReader *reader, FpImpression *const *impressions,
                          int n, int *ret_scores, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(BkFpReader, fpreader_close)
