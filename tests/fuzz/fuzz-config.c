/* libFuzzer target for the configuration (docs/configuration.md): the input
 * up to its first NUL byte is a configuration file laid over the embedded
 * defaults (config_parse(), what config_load() does with a file's text);
 * each line after that NUL is a --set override (config_override()). Anything
 * may be refused; nothing may crash, leak or read out of bounds. A refusal is
 * one line without control or format characters (item 9 of issue 14: never
 * the value, nor a key that is not a plain name); an accepted configuration
 * holds a PIN hash of the whole argon2id form and a plain location id.
 *
 * Seeds: config/biokiosk.conf and tests/fuzz/seeds/config/; dictionary:
 * tests/fuzz/config.dict (docs/fuzzing.md). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzzlib.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The embedded defaults are config/biokiosk.conf; meson passes its path. */
static char *defaults;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  g_autoptr(GError) error = NULL;
  KioskConfig *config;

  fuzz_warn_without_always_malloc("fuzz-config");
  if (!g_file_get_contents(BK_FUZZ_DEFAULT_CONFIG, &defaults, NULL, &error)) {
    fprintf(stderr, "fuzz-config: %s\n", error->message);
    abort();
  }
  /* Defaults this build cannot read (a group added to the file after the
   * target was built) would refuse every input at the same place: a run
   * that looks clean and tests nothing. */
  config = config_parse(defaults, BK_FUZZ_DEFAULT_CONFIG, NULL, &error);
  if (!config) {
    fprintf(stderr, "fuzz-config: the defaults do not parse: %s\n",
            error->message);
    abort();
  }
  config_free(config);
  return 0;
}

/* One line, no control character, no format character. */
static void check_message(const GError *error)
{
  g_assert(error != NULL);
  g_assert(g_utf8_validate(error->message, -1, NULL));
  for (const char *p = error->message; *p; p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);

    g_assert(!g_unichar_iscntrl(c));
    g_assert(g_unichar_type(c) != G_UNICODE_FORMAT);
  }
}

static void check_config(const KioskConfig *config)
{
  g_assert(g_str_has_prefix(config->officer_pin_hash, CONFIG_ARGON2ID_PREFIX));
  g_assert(strlen(config->officer_pin_hash) < CONFIG_PIN_HASH_STRBYTES);
  g_assert(*config->location_id);
  g_assert(config_location_id_is_valid(config->location_id));
  for (gsize i = 1; i < config->n_fingerprint_recapture_ages; i++)
    g_assert(config->fingerprint_recapture_ages[i - 1] <
             config->fingerprint_recapture_ages[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autofree char *input = g_strndup((const char *)data, size);
  gsize text_len = strlen(input);
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskConfig) config =
      config_parse(defaults, "fuzz.conf", input, &error);
  g_autofree char *tail = NULL;
  g_auto(GStrv) overrides = NULL;

  if (!config) {
    check_message(error);
    return 0;
  }
  check_config(config);
  if (text_len >= size)
    return 0;
  /* After the NUL: --set overrides, one a line. */
  tail = g_strndup((const char *)data + text_len + 1, size - text_len - 1);
  overrides = g_strsplit(tail, "\n", -1);
  for (gsize i = 0; overrides[i]; i++) {
    g_clear_error(&error);
    if (!config_override(config, overrides[i], &error))
      check_message(error);
    check_config(config);
  }
  return 0;
}
