/* Signature pad backend "touch": the applicant signs on the touchscreen,
 * inside the signing area the UI draws. The UI turns SDL finger events
 * (with their pressure where the screen reports one) and mouse events in
 * that area into samples, and the application hands them over with
 * pad_screen_input(); collect() takes them from an inbox shared by the
 * process. One touch pad may be open at a time.
 *
 * Options: settle_ms (pen-up time that ends a signature, default
 * PAD_SETTLE_MS). */
#include "pad.h"

#include <math.h>

extern const PadDriver pad_touch_driver;

/* Samples waiting for collect(); beyond this the screen floods and the
 * newest are dropped (counted). */
#define TOUCH_INBOX_MAX 4096
/* How often a waiting collect() looks at its cancellable. */
#define TOUCH_POLL_MS 20

typedef struct {
  int settle_ms;
  PadStats stats;
} PadTouch;

/* The inbox: filled on the main thread, emptied on the pad worker's. */
static GMutex touch_lock;
static GCond touch_cond;
static GQueue touch_inbox = G_QUEUE_INIT; /* PadPoint* */
static PadTouch *touch_open_pad;          /* guarded by touch_lock */
static guint64 touch_overflow;            /* guarded by touch_lock */

gboolean pad_screen_input(const PadSample *sample, gint64 arrival_us)
{
  PadPoint *p;

  g_mutex_lock(&touch_lock);
  if (!touch_open_pad || touch_inbox.length >= TOUCH_INBOX_MAX) {
    if (touch_open_pad)
      touch_overflow++;
    g_mutex_unlock(&touch_lock);
    return FALSE;
  }
  p = g_new(PadPoint, 1);
  *p = pad_point_now(sample, FALSE);
  p->arrival_us = arrival_us;
  g_queue_push_tail(&touch_inbox, p);
  g_cond_signal(&touch_cond);
  g_mutex_unlock(&touch_lock);
  return TRUE;
}

gboolean pad_screen_wanted(void)
{
  gboolean wanted;

  g_mutex_lock(&touch_lock);
  wanted = touch_open_pad != NULL;
  g_mutex_unlock(&touch_lock);
  return wanted;
}

static gpointer pad_touch_open(DeviceOptions *options, GError **error)
{
  PadTouch *self;
  int settle_ms = device_option_int(options, "settle_ms", PAD_SETTLE_MS);

  if (settle_ms < 100 || settle_ms > 10000) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                "touch: settle_ms must be 100..10000, not %d", settle_ms);
    return NULL;
  }
  g_mutex_lock(&touch_lock);
  if (touch_open_pad) {
    g_mutex_unlock(&touch_lock);
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_CLAIMED,
                "touch: the screen's signing area is already in use");
    return NULL;
  }
  self = g_new0(PadTouch, 1);
  self->settle_ms = settle_ms;
  touch_open_pad = self;
  g_queue_clear_full(&touch_inbox, g_free);
  g_mutex_unlock(&touch_lock);
  return self;
}

static void pad_touch_close(gpointer data)
{
  if (!data)
    return;
  g_mutex_lock(&touch_lock);
  if (touch_open_pad == data)
    touch_open_pad = NULL;
  g_queue_clear_full(&touch_inbox, g_free);
  g_mutex_unlock(&touch_lock);
  g_free(data);
}

static gboolean pad_touch_describe(gpointer data, DeviceInfo *ret_info,
                                   GError **error)
{
  ret_info->backend = g_strdup("touch");
  ret_info->model = g_strdup("touchscreen signing area");
  ret_info->firmware = g_strdup("none (the kiosk's own screen)");
  ret_info->port = g_strdup("screen");
  ret_info->extra = g_strdup("finger or mouse; pressure where reported");
  return TRUE;
}

/* Waits up to TOUCH_POLL_MS for the next sample; NULL when none came. */
static PadPoint *touch_next(void)
{
  gint64 end = g_get_monotonic_time() + TOUCH_POLL_MS * 1000;
  PadPoint *p;

  g_mutex_lock(&touch_lock);
  while (!(p = g_queue_pop_head(&touch_inbox)) &&
         g_cond_wait_until(&touch_cond, &touch_lock, end))
    ;
  g_mutex_unlock(&touch_lock);
  return p;
}

static GArray *pad_touch_collect(gpointer data, int timeout_ms,
                                 GCancellable *cancellable, const PadSink *sink,
                                 GError **error)
{
  PadTouch *self = data;
  gint64 start = g_get_monotonic_time();
  PadTrace trace;
  GArray *samples = NULL;

  /* The inbox is not emptied first: the screen offers the pen only while
   * a signature is asked for, and the first touches may come before this
   * thread gets here. What comes after the end is dropped below. */
  pad_trace_init(&trace, &self->stats);
  do {
    g_autofree PadPoint *p = touch_next();

    if (p)
      pad_trace_add(&trace, p, sink);
  } while (!pad_trace_done(&trace, self->settle_ms, start, timeout_ms,
                           cancellable, "touch", &samples, error));
  pad_trace_clear(&trace);
  /* Touches after the signature ended belong to no signature. */
  g_mutex_lock(&touch_lock);
  g_queue_clear_full(&touch_inbox, g_free);
  g_mutex_unlock(&touch_lock);
  return samples;
}

static void pad_touch_stats(gpointer data, PadStats *ret_stats)
{
  PadTouch *self = data;

  *ret_stats = self->stats;
  g_mutex_lock(&touch_lock);
  ret_stats->dropped += touch_overflow;
  ret_stats->flood += touch_overflow;
  g_mutex_unlock(&touch_lock);
}

const PadDriver pad_touch_driver = {
    .name = "touch",
    .description = "the touchscreen's signing area (options: settle_ms)",
    .open = pad_touch_open,
    .close = pad_touch_close,
    .describe = pad_touch_describe,
    .collect = pad_touch_collect,
    .stats = pad_touch_stats,
};
