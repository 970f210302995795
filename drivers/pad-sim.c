/* Signature pad backend "sim": replays a generated handwritten signature
 * (a few strokes with pen-up gaps, varying pressure, ~150 Hz timestamps),
 * deterministic from option "seed", or a recorded CSV given by option
 * "file" (x,y,pressure,t_us per line, '#' comments, optional header).
 * Option "realtime=true" makes collect() take as long as the signing did.
 * Faults for tests of the kiosk's pad handling: "absent=true" fails open()
 * as a missing device would; "disconnect_after=N" ends the first collect()
 * that reaches N streamed samples (counted from open) as an unplug would,
 * once per process; "cancel_after=N" ends it as Cancel on a pad would
 * (G_IO_ERROR_CANCELLED), once per process.
 * Training scenarios (option "scenario", or pad_sim_set_scenario() while
 * the kiosk runs; docs/training-scenarios.md):
 *   small-signature  the next signing is a tiny scribble that the signature
 *                    check refuses as too small; the one after is normal;
 *   unplugged        the next signing stops part way as an unplug does
 *                    (DRIVERS_ERROR_DISCONNECTED) and the pad stays away
 *                    for "unplugged_ms" (default 4000): open() fails with
 *                    DRIVERS_ERROR_NOT_FOUND meanwhile, then it is back;
 *   none             (the default) nothing happens.
 * Only used when named in the configuration. */
#include "pad-sim.h"

#include "pad.h"

#include <math.h>
#include <stdlib.h>

extern const PadDriver pad_sim_driver;

#define SAMPLE_PERIOD_US 6667 /* 150 Hz */

/* disconnect_after unplugs and cancel_after cancels once per process: the
 * reopened pad, and the next signing, work. */
static gint sim_unplugged;
static gint sim_cancelled;

/* The training scenario, for every sim pad of the process: set from the
 * options at the first open that names one, or at run time. Each arming
 * plays once, at the next signing. */
typedef enum {
  PAD_SIM_NONE,
  PAD_SIM_SMALL_SIGNATURE,
  PAD_SIM_UNPLUGGED,
} PadSimScenario;

static const char *const scenario_names[] = {
    [PAD_SIM_NONE] = "none",
    [PAD_SIM_SMALL_SIGNATURE] = "small-signature",
    [PAD_SIM_UNPLUGGED] = "unplugged",
};

static GMutex sim_lock;
static PadSimScenario sim_scenario; /* armed, not played yet */
static gboolean sim_scenario_set;   /* options are not read again */
static gint64 sim_away_until;       /* monotonic: unplugged until then */
static int sim_away_ms = 4000;

typedef struct {
  guint64 seed;
  GArray *recorded; /* PadSample, from "file"; NULL when generating */
  gboolean realtime;
  guint n_collected;
  gint64 disconnect_after; /* samples streamed before an unplug; -1 never */
  gint64 cancel_after;     /* samples before an on-pad Cancel; -1 never */
  guint64 n_points;        /* streamed since open */
} PadSim;

static gboolean parse_csv(const char *path, GArray **ret_samples,
                          GError **error)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(GArray) samples = g_array_new(FALSE, FALSE, sizeof(PadSample));

  if (!g_file_get_contents(path, &text, NULL, &local)) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND,
                "cannot read signature file: %s", local->message);
    return FALSE;
  }
  lines = g_strsplit(text, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    char *line = g_strstrip(lines[i]);
    g_auto(GStrv) f = NULL;
    PadSample s;
    char *end[4];

    if (!*line || *line == '#' || g_ascii_isalpha(*line))
      continue; /* blank, comment or header */
    f = g_strsplit(line, ",", -1);
    if (g_strv_length(f) != 4) {
      g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                  "%s:%u: expected x,y,pressure,t_us", path, i + 1);
      return FALSE;
    }
    s.x = g_ascii_strtod(f[0], &end[0]);
    s.y = g_ascii_strtod(f[1], &end[1]);
    s.pressure = g_ascii_strtod(f[2], &end[2]);
    s.t_us = g_ascii_strtoll(f[3], &end[3], 10);
    for (int k = 0; k < 4; k++)
      if (end[k] == f[k] || *g_strstrip(end[k]) != '\0') {
        g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                    "%s:%u: not a number in field %d", path, i + 1, k + 1);
        return FALSE;
      }
    if (!isfinite(s.x) || !isfinite(s.y) || !isfinite(s.pressure) ||
        s.pressure < 0 || s.pressure > 1 ||
        (samples->len > 0 &&
         s.t_us < g_array_index(samples, PadSample, samples->len - 1).t_us)) {
      g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                  "%s:%u: value out of range or time going back", path, i + 1);
      return FALSE;
    }
    g_array_append_val(samples, s);
  }
  /* The interface counts time from the first sample. */
  for (guint i = samples->len; i-- > 0;)
    g_array_index(samples, PadSample, i).t_us -=
        g_array_index(samples, PadSample, 0).t_us;
  *ret_samples = g_steal_pointer(&samples);
  return TRUE;
}

static gboolean parse_scenario(const char *name, PadSimScenario *ret,
                               GError **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS(scenario_names); i++)
    if (g_strcmp0(name, scenario_names[i]) == 0) {
      *ret = (PadSimScenario)i;
      return TRUE;
    }
  g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
              "pad 'sim': scenario must be none, small-signature or "
              "unplugged, not '%s'",
              name);
  return FALSE;
}

gboolean pad_sim_set_scenario(const char *scenario, GError **error)
{
  PadSimScenario chosen;

  if (!parse_scenario(scenario ? scenario : "none", &chosen, error))
    return FALSE;
  g_mutex_lock(&sim_lock);
  sim_scenario = chosen;
  sim_scenario_set = TRUE;
  g_mutex_unlock(&sim_lock);
  return TRUE;
}

/* Options scenario and unplugged_ms (the first open that names a scenario
 * arms it), and the unplugged scenario's absence. */
static gboolean open_scenario(DeviceOptions *options, GError **error)
{
  const char *name = device_option(options, "scenario", NULL);
  gint64 away = device_option_int(options, "unplugged_ms", 4000);
  PadSimScenario chosen = PAD_SIM_NONE;
  gboolean ok = TRUE;

  if (name && !parse_scenario(name, &chosen, error))
    return FALSE;
  g_mutex_lock(&sim_lock);
  sim_away_ms = (int)CLAMP(away, 0, 600000);
  if (name && !sim_scenario_set) {
    sim_scenario = chosen;
    sim_scenario_set = TRUE;
  }
  if (g_get_monotonic_time() < sim_away_until) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND,
                "the simulated pad is unplugged (training scenario)");
    ok = FALSE;
  }
  g_mutex_unlock(&sim_lock);
  return ok;
}

/* Takes the armed scenario for this signing (it plays once). */
static PadSimScenario take_scenario(void)
{
  PadSimScenario taken;

  g_mutex_lock(&sim_lock);
  taken = sim_scenario;
  sim_scenario = PAD_SIM_NONE;
  g_mutex_unlock(&sim_lock);
  return taken;
}

/* The unplugged scenario: the pad goes now and stays away a while. */
static void unplug_now(GError **error)
{
  g_mutex_lock(&sim_lock);
  sim_away_until = g_get_monotonic_time() + sim_away_ms * 1000ll;
  g_mutex_unlock(&sim_lock);
  g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_DISCONNECTED,
              "the simulated pad was unplugged (training scenario)");
}

static gpointer pad_sim_open(DeviceOptions *options, GError **error)
{
  const char *file = device_option(options, "file", NULL);
  const char *seed = device_option(options, "seed", "0");
  g_autoptr(GArray) recorded = NULL;
  PadSim *self;
  guint64 hash = 1469598103934665603ull;

  if (g_strcmp0(device_option(options, "absent", "false"), "true") == 0) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND,
                "the simulated pad is absent (option absent=true)");
    return NULL;
  }
  if (!open_scenario(options, error) ||
      (file && !parse_csv(file, &recorded, error)))
    return NULL;
  self = g_new0(PadSim, 1);
  for (const char *p = seed; *p; p++)
    hash = (hash ^ (guint8)*p) * 1099511628211ull;
  self->seed = hash;
  self->recorded = g_steal_pointer(&recorded);
  self->realtime =
      g_strcmp0(device_option(options, "realtime", "false"), "true") == 0;
  self->disconnect_after = device_option_int(options, "disconnect_after", -1);
  self->cancel_after = device_option_int(options, "cancel_after", -1);
  return self;
}

static void pad_sim_close(gpointer data)
{
  PadSim *self = data;

  if (!self)
    return;
  if (self->recorded)
    g_array_unref(self->recorded);
  g_free(self);
}

static gboolean pad_sim_describe(gpointer data, DeviceInfo *ret_info,
                                 GError **error)
{
  PadSim *self = data;

  ret_info->backend = g_strdup("sim");
  ret_info->model = g_strdup("simulated signature pad");
  ret_info->serial = g_strdup("SIM-PAD-0001");
  ret_info->firmware = g_strdup("pad-sim");
  ret_info->port = g_strdup("none");
  ret_info->extra = g_strdup(self->recorded ? "replaying a recorded file"
                                            : "generated signature");
  return TRUE;
}

static void append_sample(GArray *out, double x, double y, double p, gint64 *t,
                          GRand *rng)
{
  PadSample s = {x, y, p, *t};
  g_array_append_val(out, s);
  *t += SAMPLE_PERIOD_US + g_rand_int_range(rng, -400, 401);
}

/* Long names would run off the pad: scale the whole signature (keeping its
 * aspect) into the writing area with a small margin. */
static void fit_to_pad(GArray *samples)
{
  double minx = G_MAXDOUBLE, maxx = -G_MAXDOUBLE;
  double miny = G_MAXDOUBLE, maxy = -G_MAXDOUBLE, f = 1.0;

  for (guint i = 0; i < samples->len; i++) {
    const PadSample *s = &g_array_index(samples, PadSample, i);
    minx = MIN(minx, s->x);
    maxx = MAX(maxx, s->x);
    miny = MIN(miny, s->y);
    maxy = MAX(maxy, s->y);
  }
  if (maxx - minx > 0.88)
    f = MIN(f, 0.88 / (maxx - minx));
  if (maxy - miny > 0.80)
    f = MIN(f, 0.80 / (maxy - miny));
  for (guint i = 0; i < samples->len; i++) {
    PadSample *s = &g_array_index(samples, PadSample, i);
    s->x = 0.06 + (s->x - minx) * f;
    s->y = CLAMP(0.5 + (s->y - (miny + maxy) / 2) * f, 0.0, 1.0);
  }
}

/* The pen while it signs: the person's style, this signing's jitter, and
 * the samples so far. */
typedef struct {
  GRand *style; /* the shape: the same for every signing of one person */
  GRand *rng;   /* this signing's variation */
  GArray *out;
  gint64 t;
  double baseline, height;
} Pen;

static void pen_sample(Pen *pen, double x, double y, double p)
{
  append_sample(pen->out, x, y, p, &pen->t, pen->rng);
}

/* Each hump of a stroke is a "letter": mostly x-height, some ascenders (l,
 * h, k) and descenders (g, j, y) that loop below the baseline. Humps meet at
 * the baseline, so changing height there keeps the line continuous. */
static void draw_letters(GRand *style, double ret_letter[10])
{
  for (int k = 0; k < 10; k++) {
    double r = g_rand_double(style);
    ret_letter[k] = r < 0.22   ? g_rand_double_range(style, 1.7, 2.2)
                    : r < 0.32 ? -g_rand_double_range(style, 0.9, 1.3)
                               : g_rand_double_range(style, 0.55, 1.0);
  }
}

/* Stroke number `s`, starting at `x` on the baseline; returns its length
 * and where the pen left the pad. */
static double draw_stroke(Pen *pen, int s, double x, double *ret_end_x,
                          double *ret_end_y)
{
  double len = g_rand_double_range(pen->style, 0.18, 0.32) *
               g_rand_double_range(pen->rng, 0.95, 1.05);
  double waves = g_rand_double_range(pen->style, 3.0, 6.5);
  double amp = g_rand_double_range(pen->style, 0.010, 0.022);
  double phase = g_rand_double_range(pen->style, 0, 2 * G_PI);
  double slant = g_rand_double_range(pen->style, 0.1, 0.35);
  double secs = len / g_rand_double_range(pen->rng, 0.45, 0.6);
  int n = MAX(8, (int)(secs * 1e6 / SAMPLE_PERIOD_US));
  double baseline = pen->baseline;
  double letter[10];

  draw_letters(pen->style, letter);
  for (int i = 0; i < n; i++) {
    double u = (double)i / (n - 1);
    double osc = sin(2 * G_PI * waves * u + phase);
    double hump = fabs(sin(G_PI * waves * u + phase * 0.5));
    int li = CLAMP((int)floor(waves * u + phase * 0.5 / G_PI), 0, 9);
    /* Capital-like first stroke: taller at its start. */
    double h =
        pen->height * letter[li] * (s == 0 ? 0.45 + 0.6 * exp(-6 * u) : 0.5);
    double py = baseline - h * hump + 0.01 * sin(7.3 * u + s);
    double px =
        x + len * u + amp * 2 * G_PI * 0.35 * osc + slant * (baseline - py);
    double p = 0.25 + 0.55 * pow(sin(G_PI * CLAMP(u * 1.05, 0, 1)), 0.4) *
                          (0.85 + 0.15 * sin(2 * G_PI * 3 * u + phase));
    px += g_rand_double_range(pen->rng, -0.0015, 0.0015);
    py += g_rand_double_range(pen->rng, -0.0015, 0.0015);
    pen_sample(pen, px, py, CLAMP(p, 0.05, 1.0));
    *ret_end_x = px;
    *ret_end_y = py;
  }
  return len;
}

/* Pen up: hover to the next stroke's start (`x` on the baseline) for
 * 120-300 ms. */
static void draw_hover(Pen *pen, double from_x, double from_y, double x)
{
  int hover = g_rand_int_range(pen->rng, 18, 45);

  for (int i = 1; i <= hover; i++) {
    double u = (double)i / hover;
    pen_sample(pen, from_x + (x - from_x) * u,
               from_y + (pen->baseline - from_y) * u - 0.05 * sin(G_PI * u),
               0.0);
  }
}

/* Underline up to `x1`, quick and light. */
static void draw_underline(Pen *pen, double x1)
{
  double x0 = 0.1, y0 = pen->baseline + 0.08;
  int n = 40;

  for (int i = 0; i < n; i++) {
    double u = (double)i / (n - 1);
    pen_sample(pen, x0 + (x1 - x0) * u, y0 + 0.015 * sin(G_PI * u),
               0.15 + 0.35 * sin(G_PI * u));
  }
  pen_sample(pen, x1 + 0.01, y0 - 0.02, 0.0);
}

/* One signature: a flowing "name" of 2-3 strokes with loops (x runs
 * forward with a superimposed oscillation, so fast turns loop back), and
 * sometimes a closing underline. Pressure rises and falls along a stroke;
 * pen-up hover samples (pressure 0) fill the gaps between strokes. */
static GArray *generate(guint64 seed, guint variant)
{
  g_autoptr(GRand) style = NULL, rng = NULL;
  guint32 style_seed[2] = {(guint32)seed, (guint32)(seed >> 32)};
  guint32 var_seed[3] = {(guint32)seed, (guint32)(seed >> 32), variant + 1};
  Pen pen = {0};
  int n_strokes;
  double x = 0.08, gap_x;

  /* The style (shape) is the person's; the variant only jitters it. */
  style = g_rand_new_with_seed_array(style_seed, 2);
  rng = g_rand_new_with_seed_array(var_seed, 3);
  pen.style = style;
  pen.rng = rng;
  pen.out = g_array_new(FALSE, FALSE, sizeof(PadSample));
  n_strokes = g_rand_int_range(style, 2, 4);
  pen.baseline = g_rand_double_range(style, 0.50, 0.62);
  pen.height = g_rand_double_range(style, 0.16, 0.26);
  gap_x = g_rand_double_range(style, 0.03, 0.07);

  for (int s = 0; s < n_strokes; s++) {
    double end_x = x, end_y = pen.baseline;
    double len = draw_stroke(&pen, s, x, &end_x, &end_y);

    x += len + gap_x;
    draw_hover(&pen, end_x, end_y, x);
  }
  if (g_rand_double(style) < 0.6)
    draw_underline(&pen, MIN(x - gap_x, 0.92));
  fit_to_pad(pen.out);
  return pen.out;
}

/* The small-signature scenario: a scribble of a few small loops, long and
 * slow enough to be a signature but under the check's minimum width
 * (SIGNATURE_MIN_WIDTH 0.15 of the pad) and height (0.04). */
static GArray *generate_small(guint64 seed, guint variant)
{
  guint32 var_seed[3] = {(guint32)seed, (guint32)(seed >> 32), variant + 1};
  g_autoptr(GRand) rng = g_rand_new_with_seed_array(var_seed, 3);
  Pen pen = {.rng = rng, .out = g_array_new(FALSE, FALSE, sizeof(PadSample))};
  int n = 150; /* one second */

  for (int i = 0; i < n; i++) {
    double u = (double)i / (n - 1);

    pen_sample(&pen, 0.46 + 0.07 * u + 0.008 * cos(2 * G_PI * 7 * u),
               0.55 + 0.012 * sin(2 * G_PI * 7 * u), 0.5);
  }
  pen_sample(&pen, 0.54, 0.55, 0.0);
  return pen.out;
}

/* Realtime: waits until sample `i` is due; FALSE with `error` when the
 * job was cancelled or ran out of time first. */
static gboolean wait_for_sample(const PadSample *s, const PadSample *first,
                                gint64 start, int timeout_ms,
                                GCancellable *cancellable, GError **error)
{
  gint64 due = start + (s->t_us - first->t_us);

  for (;;) {
    gint64 now = g_get_monotonic_time();

    if (g_cancellable_set_error_if_cancelled(cancellable, error))
      return FALSE;
    if (timeout_ms > 0 && now - start >= timeout_ms * 1000ll) {
      g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_TIMEOUT,
                  "signing took longer than %d ms", timeout_ms);
      return FALSE;
    }
    if (now >= due)
      return TRUE;
    g_usleep(MIN(due - now, 5000));
  }
}

static GArray *pad_sim_collect(gpointer data, int timeout_ms,
                               GCancellable *cancellable, const PadSink *sink,
                               GError **error)
{
  PadSim *self = data;
  g_autoptr(GArray) samples = NULL;
  gint64 start = g_get_monotonic_time();
  PadSimScenario scenario = take_scenario();
  guint unplug_at = G_MAXUINT;

  if (scenario == PAD_SIM_SMALL_SIGNATURE) {
    samples = generate_small(self->seed, self->n_collected++);
  } else if (self->recorded) {
    samples =
        g_array_sized_new(FALSE, FALSE, sizeof(PadSample), self->recorded->len);
    g_array_append_vals(samples, self->recorded->data, self->recorded->len);
  } else {
    samples = generate(self->seed, self->n_collected++);
  }
  if (scenario == PAD_SIM_UNPLUGGED)
    unplug_at = samples->len * 2 / 5;
  /* Realtime takes as long as the signer did, as a real pad would. */
  for (guint i = 0; i < samples->len; i++) {
    const PadSample *s = &g_array_index(samples, PadSample, i);
    PadPoint point;

    if (self->realtime &&
        !wait_for_sample(s, &g_array_index(samples, PadSample, 0), start,
                         timeout_ms, cancellable, error))
      return NULL;
    if (i == unplug_at) {
      unplug_now(error);
      return NULL;
    }
    if (self->disconnect_after >= 0 &&
        self->n_points >= (guint64)self->disconnect_after &&
        g_atomic_int_compare_and_exchange(&sim_unplugged, 0, 1)) {
      g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_DISCONNECTED,
                  "the simulated pad was unplugged");
      return NULL;
    }
    if (self->cancel_after >= 0 &&
        self->n_points >= (guint64)self->cancel_after &&
        g_atomic_int_compare_and_exchange(&sim_cancelled, 0, 1)) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                  "the signer cancelled on the simulated pad");
      return NULL;
    }
    self->n_points++;
    point = pad_point_now(s, TRUE);
    pad_sink_point(sink, &point);
  }
  return g_steal_pointer(&samples);
}

static void pad_sim_stats(gpointer data, PadStats *ret_stats)
{
  PadSim *self = data;

  ret_stats->samples = self->n_points;
}

const PadDriver pad_sim_driver = {
    .name = "sim",
    .description =
        "replays a generated signature (options: seed, file, "
        "realtime, absent, disconnect_after, cancel_after, scenario, "
        "unplugged_ms)",
    .open = pad_sim_open,
    .close = pad_sim_close,
    .describe = pad_sim_describe,
    .collect = pad_sim_collect,
    .stats = pad_sim_stats,
};
