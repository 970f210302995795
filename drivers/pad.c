/* The signature pad registry and wrappers. Backends: pad-*.c. */
#include "pad.h"

#include <math.h>
#include <string.h>

extern const PadDriver pad_sim_driver;
extern const PadDriver pad_evdev_driver;
extern const PadDriver pad_touch_driver;
extern const PadDriver pad_wacom_stu_driver;

const PadDriver *const pad_drivers[] = {
    &pad_sim_driver,
    &pad_evdev_driver,
    &pad_touch_driver,
    &pad_wacom_stu_driver,
    NULL,
};

const PadDriver *pad_driver_find(const char *name)
{
  for (gsize i = 0; pad_drivers[i]; i++)
    if (g_strcmp0(pad_drivers[i]->name, name) == 0)
      return pad_drivers[i];
  return NULL;
}

BkPad *pad_open(const char *name, DeviceOptions *options, GError **error)
{
  const PadDriver *driver = pad_driver_find(name);
  gpointer priv;
  BkPad *pad;

  if (!driver) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_UNKNOWN_BACKEND,
                "no signature pad backend named '%s'", name ? name : "(null)");
    return NULL;
  }
  priv = driver->open(options, error);
  if (!priv)
    return NULL;
  pad = g_new0(BkPad, 1);
  pad->driver = driver;
  pad->priv = priv;
  return pad;
}

void pad_close(BkPad *pad)
{
  if (!pad)
    return;
  pad->driver->close(pad->priv);
  g_free(pad);
}

gboolean pad_describe(BkPad *pad, DeviceInfo *ret_info, GError **error)
{
  g_return_val_if_fail(pad && ret_info, FALSE);
  return pad->driver->describe(pad->priv, ret_info, error);
}

GArray *pad_collect(BkPad *pad, int timeout_ms, GCancellable *cancellable,
                    GError **error)
{
  return pad_collect_to(pad, timeout_ms, cancellable, NULL, error);
}

GArray *pad_collect_to(BkPad *pad, int timeout_ms, GCancellable *cancellable,
                       const PadSink *sink, GError **error)
{
  g_return_val_if_fail(pad, NULL);
  return pad->driver->collect(pad->priv, timeout_ms, cancellable, sink, error);
}

void pad_stats(BkPad *pad, PadStats *ret_stats)
{
  memset(ret_stats, 0, sizeof *ret_stats);
  if (pad && pad->driver->stats)
    pad->driver->stats(pad->priv, ret_stats);
}

gboolean pad_present(BkPad *pad)
{
  return !pad->driver->present || pad->driver->present(pad->priv);
}

void pad_sink_point(const PadSink *sink, const PadPoint *point)
{
  if (sink && sink->point)
    sink->point(sink->data, point);
}

void pad_sink_restart(const PadSink *sink, const char *reason)
{
  if (sink && sink->restart)
    sink->restart(sink->data, reason);
}

PadPoint pad_point_now(const PadSample *sample, gboolean hover)
{
  return (PadPoint){
      .sample = *sample,
      .tilt_x = NAN,
      .tilt_y = NAN,
      .proximity = hover || sample->pressure > 0,
      .arrival_us = g_get_monotonic_time(),
  };
}

/* ---- PadTrace ---- */

void pad_trace_init(PadTrace *trace, PadStats *stats)
{
  memset(trace, 0, sizeof *trace);
  trace->samples = g_array_new(FALSE, FALSE, sizeof(PadSample));
  trace->stats = stats;
}

void pad_trace_clear(PadTrace *trace)
{
  g_clear_pointer(&trace->samples, g_array_unref);
}

void pad_trace_reset(PadTrace *trace)
{
  PadStats *stats = trace->stats;

  pad_trace_clear(trace);
  pad_trace_init(trace, stats);
}

static gboolean pad_clamp(double *v)
{
  double c = CLAMP(*v, 0.0, 1.0);
  gboolean changed = c != *v;

  *v = c;
  return changed;
}

/* Why `raw` cannot be kept, or NULL. */
static const char *pad_trace_refusal(const PadTrace *trace, const PadPoint *raw)
{
  const PadSample *s = &raw->sample;
  gboolean first = trace->samples->len == 0;
  gboolean change = (s->pressure > 0) != trace->pen_down;

  if (!isfinite(s->x) || !isfinite(s->y) || !isfinite(s->pressure))
    return "not a number";
  if (!first && s->t_us < trace->last_raw_us)
    return "time going backwards";
  if (trace->samples->len >= PAD_TRACE_MAX_SAMPLES)
    return "flood";
  if (!first && !change &&
      s->t_us - trace->last_raw_us < G_USEC_PER_SEC / PAD_MAX_RATE_HZ)
    return "flood";
  return NULL;
}

gboolean pad_trace_add(PadTrace *trace, const PadPoint *raw,
                       const PadSink *sink)
{
  const char *refusal = pad_trace_refusal(trace, raw);
  PadPoint p = *raw;
  gboolean clamped;

  if (refusal) {
    trace->stats->dropped++;
    if (g_str_equal(refusal, "flood"))
      trace->stats->flood++;
    return FALSE;
  }
  clamped = pad_clamp(&p.sample.x);
  clamped |= pad_clamp(&p.sample.y);
  clamped |= pad_clamp(&p.sample.pressure);
  if (clamped)
    trace->stats->clamped++;
  if (trace->samples->len == 0)
    trace->t0_us = raw->sample.t_us;
  trace->last_raw_us = raw->sample.t_us;
  p.sample.t_us = raw->sample.t_us - trace->t0_us;
  if (p.sample.pressure > 0 || trace->pen_down)
    trace->last_move_us = g_get_monotonic_time();
  trace->pen_down = p.sample.pressure > 0;
  trace->inked |= trace->pen_down;
  g_array_append_val(trace->samples, p.sample);
  trace->stats->samples++;
  pad_sink_point(sink, &p);
  return TRUE;
}

gboolean pad_trace_settled(const PadTrace *trace, gint64 now_us, int settle_ms)
{
  return trace->inked && !trace->pen_down &&
         now_us - trace->last_move_us >= (gint64)settle_ms * 1000;
}

GArray *pad_trace_steal(PadTrace *trace)
{
  GArray *samples = g_steal_pointer(&trace->samples);

  pad_trace_reset(trace);
  return samples;
}

gboolean pad_trace_done(PadTrace *trace, int settle_ms, gint64 start_us,
                        int timeout_ms, GCancellable *cancellable,
                        const char *who, GArray **ret_samples, GError **error)
{
  gint64 now = g_get_monotonic_time();

  if (pad_trace_settled(trace, now, settle_ms)) {
    *ret_samples = pad_trace_steal(trace);
    return TRUE;
  }
  if (g_cancellable_set_error_if_cancelled(cancellable, error))
    return TRUE;
  if (timeout_ms > 0 && now - start_us >= timeout_ms * 1000ll) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_TIMEOUT,
                "%s: no finished signature within %d ms", who, timeout_ms);
    return TRUE;
  }
  return FALSE;
}
