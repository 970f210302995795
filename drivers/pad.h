/* The signature pad interface, backends chosen by name from the
 * configuration, never a fallback from one to another:
 *   "sim"       replays a generated or recorded signature (pad-sim.c);
 *   "evdev"     a pen tablet the kernel drives, through libevdev
 *               (pad-evdev.c);
 *   "touch"     the touchscreen's signing area, fed by the UI through
 *               pad_screen_input() (pad-touch.c);
 *   "wacom-stu" Wacom STU pads over hidraw (pad-wacom-stu.c).
 *
 * Samples are normalised to the pad's writing area: x and y in 0..1 (left
 * to right, top to bottom), pressure 0..1 with 0 meaning pen up (hovering
 * or lifted), time in microseconds from the first sample of the signature.
 *
 * Life cycle, all on one thread (the pad worker's):
 *   open()     finds and opens the device. An absent device is
 *              DRIVERS_ERROR_NOT_FOUND; a node the kiosk may not open is an
 *              error whose message says so and names the udev rules
 *              (config/70-biokiosk-pads.rules); never a silent fallback.
 *   describe() the identity for diagnose and for every record: model,
 *              serial (where the device has one), firmware, port.
 *   collect()  one signature. While it runs the backend streams every
 *              sample to the sink as it arrives (the screen's live ink),
 *              holds the device for itself (evdev: EVIOCGRAB), and returns
 *              the whole signature when the signer is done.
 *   close()    releases the device.
 *
 * A device that goes away during collect() ends it with
 * DRIVERS_ERROR_DISCONNECTED and no samples: the partial signature is void.
 * The caller (kiosk/runtime/worker-pad.c) then closes the pad, tells the
 * sink to restart, reopens with a short backoff until the device is back,
 * and collects again: the applicant signs again, without a restart. */
#pragma once

#include "device.h"

/* The layout is shared with capture/'s SignatureSample: do not change it. */
typedef struct {
  double x;
  double y;
  double pressure; /* 0 means pen up */
  gint64 t_us;
} PadSample;

/* One streamed sample with what the record does not keep. */
typedef struct {
  PadSample sample;
  double tilt_x;      /* degrees, positive to the right; NAN = not known */
  double tilt_y;      /* degrees, positive towards the signer; NAN = idem */
  gboolean proximity; /* the pen is within the pad's reach (hover or
                         touching); FALSE on the sample where it leaves */
  gint64 arrival_us;  /* when the event reached the host, on the
                         g_get_monotonic_time() clock: the kernel's
                         timestamp for evdev, the receive time otherwise */
} PadPoint;

/* Where collect() streams to. Both functions are called on the collecting
 * thread, must not block, and may be NULL. */
typedef struct {
  /* A sample, in order, as soon as it arrived (pen-up samples included). */
  void (*point)(gpointer data, const PadPoint *point);
  /* Everything streamed so far is void: the signer asked to start over
   * (an on-pad Clear), or the device was lost and found again. `reason` is
   * a short English phrase for the log ("cleared on the pad"). */
  void (*restart)(gpointer data, const char *reason);
  gpointer data;
} PadSink;

/* Counters of what a backend had to repair or refuse in the input, since
 * open(). Bad input is never fatal: it is clamped or dropped and counted. */
typedef struct {
  guint64 samples;  /* delivered */
  guint64 clamped;  /* an axis outside its range, pulled in */
  guint64 dropped;  /* refused: time going backwards, malformed reports,
                       beyond the flood limit */
  guint64 resyncs;  /* SYN_DROPPED (or the backend's equivalent) */
  guint64 flood;    /* samples dropped by the rate limit (also counted in
                       `dropped`) */
  guint64 restarts; /* restart() calls */
} PadStats;

/* The maximum rate a backend passes on; faster input is a flood and is
 * thinned (pens report at 100-266 Hz; touchscreens at 60-240 Hz). */
#define PAD_MAX_RATE_HZ 1000

typedef struct BkPad BkPad;

typedef struct {
  const char *name;
  const char *description; /* one line, with the options */

  /* Opens; must not be NULL. */
  gpointer (*open)(DeviceOptions *options, GError **error);
  /* Closes (releases a grab first); accepts NULL; must not be NULL. */
  void (*close)(gpointer priv);
  /* Fills `ret_info`; must not be NULL. */
  gboolean (*describe)(gpointer priv, DeviceInfo *ret_info, GError **error);

  /* Collects one signature: blocks until the signer is done (pen lifted
   * for the backend's settle time after some ink, an on-pad OK, or the
   * stream ends), `timeout_ms` passes (> 0; DRIVERS_ERROR_TIMEOUT), or
   * `cancellable` is cancelled (G_IO_ERROR_CANCELLED). An on-pad Cancel
   * ends it with G_IO_ERROR_CANCELLED too. Streams each sample to `sink`
   * (may be NULL) before returning. Returns a GArray of PadSample,
   * possibly empty: the caller judges it. Must not be NULL. */
  GArray *(*collect)(gpointer priv, int timeout_ms, GCancellable *cancellable,
                     const PadSink *sink, GError **error);

  /* Counters since open(). May be NULL (all zero). */
  void (*stats)(gpointer priv, PadStats *ret_stats);

  /* Whether the device is still there, between signatures: cheap, no
   * exchange with the device (evdev: its node still exists). Called on
   * another thread than collect(), never while collect() runs. May be
   * NULL: the backend cannot tell (the loss shows at the next collect). */
  gboolean (*present)(gpointer priv);
} PadDriver;

struct BkPad {
  const PadDriver *driver;
  gpointer priv;
};

extern const PadDriver *const pad_drivers[];

const PadDriver *pad_driver_find(const char *name);
BkPad *pad_open(const char *name, DeviceOptions *options, GError **error);
void pad_close(BkPad *pad);
gboolean pad_describe(BkPad *pad, DeviceInfo *ret_info, GError **error);
/* collect() without streaming, and with it (`sink` may be NULL). */
GArray *pad_collect(BkPad *pad, int timeout_ms, GCancellable *cancellable,
                    GError **error);
GArray *pad_collect_to(BkPad *pad, int timeout_ms, GCancellable *cancellable,
                       const PadSink *sink, GError **error);
void pad_stats(BkPad *pad, PadStats *ret_stats);
/* The driver's present(), or TRUE when it has none. */
gboolean pad_present(BkPad *pad);

/* ---- helpers for backends ---- */

/* Streams `point` to `sink` (NULL sink or member: nothing). */
void pad_sink_point(const PadSink *sink, const PadPoint *point);
void pad_sink_restart(const PadSink *sink, const char *reason);

/* A point for `sample` with no tilt, in proximity when pressure > 0 or
 * `hover`, arriving now. */
PadPoint pad_point_now(const PadSample *sample, gboolean hover);

/* A signature being collected: the backends' shared bookkeeping of raw
 * points into the signature, with the rules for bad input. */
typedef struct {
  GArray *samples;     /* PadSample, t_us from the first one */
  PadStats *stats;     /* the backend's counters (borrowed) */
  gint64 t0_us;        /* the raw time of the first sample */
  gint64 last_raw_us;  /* the raw time of the last accepted sample */
  gint64 last_move_us; /* monotonic arrival of the last pen-down sample or
                          lift: the settle time runs from here */
  gboolean inked;      /* a pen-down sample was accepted */
  gboolean pen_down;   /* the last accepted sample was pen-down */
} PadTrace;

/* Samples one signature may hold; beyond that is a flood (10 minutes of
 * writing at 266 Hz). */
#define PAD_TRACE_MAX_SAMPLES 160000

void pad_trace_init(PadTrace *trace, PadStats *stats);
void pad_trace_clear(PadTrace *trace); /* frees the samples */
/* Forgets the samples so far (a restart). */
void pad_trace_reset(PadTrace *trace);
/* Takes a raw point whose sample.t_us is the backend's own time in
 * microseconds (any origin): drops it (non-finite values, time going
 * backwards, faster than PAD_MAX_RATE_HZ unless the pen went up or down,
 * beyond PAD_TRACE_MAX_SAMPLES) or clamps it into range, counting either
 * in the stats; rebases its time to the first sample; appends it and
 * streams it to `sink`. Returns TRUE when it was kept. */
gboolean pad_trace_add(PadTrace *trace, const PadPoint *raw,
                       const PadSink *sink);
/* TRUE when the signer is done: ink was made, the pen is up, and nothing
 * happened for `settle_ms` until `now_us` (monotonic). */
gboolean pad_trace_settled(const PadTrace *trace, gint64 now_us, int settle_ms);
/* The samples (caller owns); the trace is empty afterwards. */
GArray *pad_trace_steal(PadTrace *trace);
/* The end test of a backend's collect() loop, after each wait: TRUE when
 * the loop is over, either with the signature in `ret_samples` (settled
 * for `settle_ms`) or with `error` set (`cancellable` cancelled, or
 * `timeout_ms` > 0 passed since `start_us`; `who` names the backend in the
 * message). */
gboolean pad_trace_done(PadTrace *trace, int settle_ms, gint64 start_us,
                        int timeout_ms, GCancellable *cancellable,
                        const char *who, GArray **ret_samples, GError **error);

/* The default pen-lifted settle time that ends a signature. */
#define PAD_SETTLE_MS 1500

/* ---- the touchscreen as a pad ---- */

/* A sample the screen's signing area saw (x, y normalised to the area,
 * pressure 0 when the finger or mouse button was lifted, t_us the event's
 * time, arrival_us its receipt on the monotonic clock). Called by the
 * application's main thread; the "touch" backend's collect() consumes it.
 * Dropped (and FALSE returned) when no touch pad is open. */
gboolean pad_screen_input(const PadSample *sample, gint64 arrival_us);

/* TRUE while a "touch" pad is open: the UI then forwards strokes. */
gboolean pad_screen_wanted(void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(BkPad, pad_close)
