/* Fingerprint reader backend "sim": no libfprint at all. Every capture
 * returns the next fpsynth impression of the requested finger of the
 * synthetic person given by option "seed". Option "delay_ms" (default 0)
 * simulates the time until the finger is down. Minutiae are unknown (-1):
 * nothing here runs a minutiae detector. Only used when named.
 *
 * Training scenarios (option "scenario", read at open: the reader interface
 * has no run-time setting; set_subject() only says whose fingers):
 *   poor-finger     the finger "scenario_finger" (1..10, default 2, the
 *                   right index) of every person leaves a faint, partial
 *                   print that capture/fpquality.c scores poor; after
 *                   "poor_attempts" poor captures of it (per person) the
 *                   next are good, without that option it stays poor;
 *   missing-finger  that finger is never placed: its capture waits for
 *                   the whole timeout and fails with DRIVERS_ERROR_TIMEOUT
 *                   (no timeout: until cancelled), as a real reader does
 *                   when the applicant has no such finger;
 *   none            (or empty, the default) every finger is fine.
 * fpreader_sim_set_scenario() (fpreader-sim.h) overrides the option for
 * every sim reader while the kiosk runs (training mode's chooser). */
#include "fpreader-sim.h"

#include <string.h>

#include "fpreader.h"
#include "fpsynth.h"

extern const FpReaderDriver fpreader_sim_driver;

typedef enum {
  FPREADER_SIM_FINE,
  FPREADER_SIM_POOR_FINGER,
  FPREADER_SIM_MISSING_FINGER,
} FpreaderSimScenario;

typedef struct {
  guint64 base_seed; /* option "seed" */
  guint64 seed;      /* base_seed mixed with the current subject */
  int delay_ms;
  FpreaderSimScenario scenario;
  int scenario_finger; /* 1..10 */
  int poor_attempts;   /* poor captures before good ones; -1 all */
  int impressions[11];
  FpSynthFinger *fingers[11]; /* masters, grown on first use */
} FpreaderSim;

/* The run-time scenario (fpreader_sim_set_scenario()); -1: the option's. */
static gint sim_override = -1;

gboolean fpreader_sim_set_scenario(const char *scenario, GError **error)
{
  static const char *const names[] = {
      [FPREADER_SIM_FINE] = "none",
      [FPREADER_SIM_POOR_FINGER] = "poor-finger",
      [FPREADER_SIM_MISSING_FINGER] = "missing-finger",
  };

  for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
    if (g_strcmp0(scenario ? scenario : "none", names[i]) == 0) {
      g_atomic_int_set(&sim_override, (gint)i);
      return TRUE;
    }
  g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
              "reader 'sim': no scenario '%s'", scenario);
  return FALSE;
}

/* Options scenario, scenario_finger and poor_attempts. */
static gboolean fpreader_sim_parse_scenario(FpreaderSim *self,
                                            DeviceOptions *options,
                                            GError **error)
{
  const char *scenario = device_option(options, "scenario", "");
  const char *finger = device_option(options, "scenario_finger", "2");
  const char *poor = device_option(options, "poor_attempts", NULL);
  guint64 n = 0;

  if (!*scenario || g_str_equal(scenario, "none"))
    self->scenario = FPREADER_SIM_FINE;
  else if (g_str_equal(scenario, "poor-finger"))
    self->scenario = FPREADER_SIM_POOR_FINGER;
  else if (g_str_equal(scenario, "missing-finger"))
    self->scenario = FPREADER_SIM_MISSING_FINGER;
  else {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                "reader 'sim': scenario must be none, poor-finger or "
                "missing-finger, not '%s'",
                scenario);
    return FALSE;
  }
  if (!g_ascii_string_to_unsigned(finger, 10, 1, 10, &n, NULL)) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                "reader 'sim': scenario_finger must be 1..10, not '%s'",
                finger);
    return FALSE;
  }
  self->scenario_finger = (int)n;
  self->poor_attempts = -1;
  if (poor && !g_ascii_string_to_unsigned(poor, 10, 0, 1000, &n, NULL)) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                "reader 'sim': poor_attempts must be 0..1000, not '%s'", poor);
    return FALSE;
  }
  if (poor)
    self->poor_attempts = (int)n;
  return TRUE;
}

static gpointer fpreader_sim_open(DeviceOptions *options, GError **error)
{
  FpreaderSim *self;
  int delay = device_option_int(options, "delay_ms", 0);

  if (delay < 0 || delay > 600000) {
    g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID,
                "delay_ms out of range: %d", delay);
    return NULL;
  }
  self = g_new0(FpreaderSim, 1);
  if (!fpreader_sim_parse_scenario(self, options, error)) {
    g_free(self);
    return NULL;
  }
  self->seed = fpsynth_seed_from_string(device_option(options, "seed", "0"));
  self->base_seed = self->seed;
  self->delay_ms = delay;
  return self;
}

static void fpreader_sim_close(gpointer data)
{
  FpreaderSim *self = data;

  if (!self)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS(self->fingers); i++)
    fpsynth_finger_free(self->fingers[i]);
  g_free(self);
}

static gboolean fpreader_sim_describe(gpointer data, DeviceInfo *ret_info,
                                      GError **error)
{
  ret_info->backend = g_strdup("sim");
  ret_info->model = g_strdup("synthetic fingerprint reader");
  ret_info->serial = g_strdup("SIM-0001");
  ret_info->firmware = g_strdup("fpsynth");
  ret_info->port = g_strdup("none");
  ret_info->extra =
      g_strdup_printf("%d ppi, %dx%d", FPSYNTH_PPI, FPSYNTH_DEFAULT_WIDTH,
                      FPSYNTH_DEFAULT_HEIGHT);
  return TRUE;
}

/* Waits `wait_ms` for the "finger" (-1: forever) in short steps so cancel
 * and timeout apply. */
static gboolean fpreader_sim_wait(int wait_ms, int timeout_ms,
                                  GCancellable *cancellable, GError **error)
{
  gint64 start = g_get_monotonic_time();

  while (wait_ms < 0 || (g_get_monotonic_time() - start) / 1000 < wait_ms) {
    if (g_cancellable_set_error_if_cancelled(cancellable, error))
      return FALSE;
    if (timeout_ms > 0 &&
        (g_get_monotonic_time() - start) / 1000 >= timeout_ms) {
      g_set_error(error, DRIVERS_ERROR, DRIVERS_ERROR_TIMEOUT,
                  "no finger on the reader in time");
      return FALSE;
    }
    g_usleep(10000);
  }
  return !g_cancellable_set_error_if_cancelled(cancellable, error);
}

static FpImpression *fpreader_sim_capture(gpointer data, ReaderFinger finger,
                                          int timeout_ms,
                                          GCancellable *cancellable,
                                          GError **error)
{
  FpreaderSim *self = data;
  int f = CLAMP((int)finger, 0, 10);
  gboolean scenario = f == self->scenario_finger;
  gint forced = g_atomic_int_get(&sim_override);
  FpreaderSimScenario kind =
      forced >= 0 ? (FpreaderSimScenario)forced : self->scenario;
  FpImpression *imp;
  guint8 *pixels;
  int n;

  if (!fpreader_sim_wait(
          scenario && kind == FPREADER_SIM_MISSING_FINGER ? -1 : self->delay_ms,
          timeout_ms, cancellable, error))
    return NULL;
  if (!self->fingers[f])
    self->fingers[f] = fpsynth_finger_new(self->seed, f, 0, 0);
  n = self->impressions[f]++;
  if (scenario && kind == FPREADER_SIM_POOR_FINGER &&
      (self->poor_attempts < 0 || n < self->poor_attempts))
    pixels = fpsynth_finger_impress_poor(self->fingers[f], n);
  else
    pixels = fpsynth_finger_impress(self->fingers[f], n);

  imp = g_new0(FpImpression, 1);
  imp->width = FPSYNTH_DEFAULT_WIDTH;
  imp->height = FPSYNTH_DEFAULT_HEIGHT;
  imp->ppi = FPSYNTH_PPI;
  imp->pixels = g_bytes_new_take(pixels, (gsize)imp->width * imp->height);
  imp->minutiae = -1;
  imp->finger = finger;
  return imp;
}

static void fpreader_sim_set_subject(gpointer data, const char *subject)
{
  FpreaderSim *self = data;
  g_autofree char *text = g_strdup_printf(
      "%" G_GUINT64_FORMAT "/%s", self->base_seed, subject ? subject : "");
  guint64 seed = subject ? fpsynth_seed_from_string(text) : self->base_seed;

  if (seed == self->seed)
    return;
  /* Another person: other fingers, impressions counted afresh. */
  self->seed = seed;
  for (gsize f = 0; f < G_N_ELEMENTS(self->fingers); f++)
    g_clear_pointer(&self->fingers[f], fpsynth_finger_free);
  memset(self->impressions, 0, sizeof self->impressions);
}

static void fpreader_sim_geometry(gpointer data, DeviceOptions *options,
                                  FpReaderGeometry *g)
{
  g->ppi = FPSYNTH_PPI;
  g->width = FPSYNTH_DEFAULT_WIDTH;
  g->height = FPSYNTH_DEFAULT_HEIGHT;
  g->source = "the simulated reader's synthetic prints";
}

const FpReaderDriver fpreader_sim_driver = {
    .name = "sim",
    .description = "synthetic fingerprints, no reader library (options: seed, "
                   "delay_ms, scenario, scenario_finger, poor_attempts)",
    .prepare = NULL, /* nothing outside the reader's own state */
    .open = fpreader_sim_open,
    .close = fpreader_sim_close,
    .describe = fpreader_sim_describe,
    .capture = fpreader_sim_capture,
    .set_subject = fpreader_sim_set_subject,
    .geometry = fpreader_sim_geometry,
    .compare = NULL, /* no matcher without libfprint: quality decides */
};
