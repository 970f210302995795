/* Language selection for gettext; see i18n.h. Every shipped language has a
 * text domain of its own, "biokiosk-<lang>", whose catalogue lies in
 * <dir>/biokiosk/LC_MESSAGES/ (dir: i18n_locale_dir()). "biokiosk" there is
 * a private pseudo-language: i18n_init() sets LANGUAGE once to it and
 * nothing else, so gettext finds each of our domains in that folder while
 * every other library's domain (GLib, libc, libgphoto2) finds nothing and
 * stays English, whichever language the screens show. English is the domain
 * "biokiosk-en", which has no catalogue, so its msgids come back. Switching
 * language is then only textdomain(). */
#include "i18n.h"

#include <glib/gi18n.h>
#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "bk-config.h"

/* The pseudo-language LANGUAGE names: the folder of our catalogues. */
#define I18N_CATALOGUE_LANGUAGE "biokiosk"

/* The languages the kiosk knows: its name in itself, its script and its
 * direction. A language is usable when its catalogue is also shipped
 * (po/LINGUAS); English needs none. */
typedef struct {
  const char *code;
  const char *name;
  const char *script; /* ISO 15924 */
  I18nDirection direction;
  const char *word; /* "language" in the language */
} KnownLanguage;

static const KnownLanguage known_languages[] = {
    {"nl", "Nederlands", "Latn", I18N_DIRECTION_LTR, "Taal"},
    {"en", "English", "Latn", I18N_DIRECTION_LTR, "Language"},
    {"ar", "العربية", "Arab", I18N_DIRECTION_RTL, "اللغة"},
    {"tr", "Türkçe", "Latn", I18N_DIRECTION_LTR, "Dil"},
    {"uk", "Українська", "Cyrl", I18N_DIRECTION_LTR, "Мова"},
    {"fa", "فارسی", "Arab", I18N_DIRECTION_RTL, "زبان"},
    {"ti", "ትግርኛ", "Ethi", I18N_DIRECTION_LTR, "ቋንቋ"},
};

/* Language codes with a catalogue, sorted; NULL until i18n_init(). */
static GPtrArray *shipped_languages;
static char *current_language; /* NULL until the first successful switch */

/* The build tree's catalogues are used by the programs built there (the
 * kiosk run from build/, every test), the installed ones by an installed
 * program. /proc/self/exe is the resolved path, so the build root is
 * resolved too before comparing. */
static char *locale_dir_compute(void)
{
  g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
  char build_root[PATH_MAX];

  if (self && realpath(BK_BUILD_DIR, build_root)) {
    g_autofree char *prefix = g_strconcat(build_root, G_DIR_SEPARATOR_S, NULL);

    if (g_str_has_prefix(self, prefix))
      return g_build_filename(build_root, "po", NULL);
  }
  return g_strdup(BK_LOCALEDIR);
}

const char *i18n_locale_dir(void)
{
  static char *dir;

  if (g_once_init_enter(&dir))
    g_once_init_leave(&dir, locale_dir_compute());
  return dir;
}

/* "nl", "pt_BR", "sr@latin": what may sensibly go into LANGUAGE (which is
 * a colon-separated list, so no colons) and into a domain and file name
 * (so no path characters). */
static gboolean language_code_valid(const char *language)
{
  gsize n = 0;

  if (!language)
    return FALSE;
  while (g_ascii_islower(language[n]))
    n++;
  if (n < 2 || n > 3)
    return FALSE;
  for (const char *p = language + n; *p; p++)
    if (!g_ascii_isalnum(*p) && *p != '_' && *p != '@' && *p != '.' &&
        *p != '-')
      return FALSE;
  return TRUE;
}

/* "biokiosk-nl": the text domain of one language. */
static char *language_domain(const char *language)
{
  return g_strconcat(GETTEXT_PACKAGE, "-", language, NULL);
}

static gboolean language_shipped(const char *language)
{
  for (guint i = 0; shipped_languages && i < shipped_languages->len; i++)
    if (g_str_equal(g_ptr_array_index(shipped_languages, i), language))
      return TRUE;
  return FALSE;
}

static gint compare_languages(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The languages whose catalogue the build made or the package installed:
 * <dir>/biokiosk/LC_MESSAGES/biokiosk-<lang>.mo. Looking at the folder, and
 * not at a list compiled in, keeps the build tree and an installed kiosk
 * alike, and a language is added by adding its catalogue. */
static GPtrArray *languages_find(const char *dir)
{
  GPtrArray *found = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *path =
      g_build_filename(dir, I18N_CATALOGUE_LANGUAGE, "LC_MESSAGES", NULL);
  g_autoptr(GDir) folder = g_dir_open(path, 0, NULL);
  const char *name;

  while (folder && (name = g_dir_read_name(folder))) {
    g_autofree char *language = NULL;

    if (!g_str_has_prefix(name, GETTEXT_PACKAGE "-") ||
        !g_str_has_suffix(name, ".mo"))
      continue;
    language = g_strndup(name + strlen(GETTEXT_PACKAGE "-"),
                         strlen(name) - strlen(GETTEXT_PACKAGE "-.mo"));
    if (language_code_valid(language) &&
        !g_str_equal(language, I18N_SOURCE_LANGUAGE))
      g_ptr_array_add(found, g_steal_pointer(&language));
  }
  g_ptr_array_sort(found, compare_languages);
  return found;
}

static void domain_bind(const char *language)
{
  g_autofree char *domain = language_domain(language);

  bindtextdomain(domain, i18n_locale_dir());
  bind_textdomain_codeset(domain, "UTF-8");
}

/* gettext ignores LANGUAGE when LC_MESSAGES is "C" or "POSIX" (the usual
 * state of a kiosk without generated locales). C.UTF-8, which glibc has
 * built in, behaves the same for everything else and lets LANGUAGE
 * through. */
static gboolean messages_locale_allows_language(void)
{
  const char *current = setlocale(LC_MESSAGES, NULL);

  if (current && !g_str_equal(current, "C") && !g_str_equal(current, "POSIX"))
    return TRUE;
  return setlocale(LC_MESSAGES, "C.UTF-8") != NULL ||
         setlocale(LC_MESSAGES, "C.utf8") != NULL;
}

/* The one place that writes to the environment and the locale, and only
 * when they are not already as wanted. */
static void process_prepare(void)
{
  if (g_strcmp0(g_getenv("LANGUAGE"), I18N_CATALOGUE_LANGUAGE) != 0)
    g_setenv("LANGUAGE", I18N_CATALOGUE_LANGUAGE, TRUE);
  if (!messages_locale_allows_language())
    g_debug("i18n: neither C.UTF-8 nor C.utf8 can be set; texts in English");
}

/* A catalogue is in use exactly when the empty msgid translates to its
 * header, which is never empty. */
static gboolean catalog_active(const char *domain)
{
  const char *header = dgettext(domain, "");

  return header && header[0] != '\0';
}

static void language_remember(const char *language)
{
  char *old = current_language;

  current_language = g_strdup(language);
  g_free(old);
}

/* glibc takes its gettext lock for textdomain() and moves its catalogue
 * counter, so a gettext() on another thread sees the old domain or the new
 * one, never a half-changed state, and no translation cached for the old
 * domain is returned for the new one. */
static void language_select(const char *language)
{
  g_autofree char *domain = language_domain(language);

  textdomain(domain);
  language_remember(language);
}

gboolean i18n_language_available(const char *language)
{
  g_autofree char *domain = NULL;

  if (!shipped_languages || !language_code_valid(language))
    return FALSE;
  if (g_str_equal(language, I18N_SOURCE_LANGUAGE))
    return TRUE;
  domain = language_domain(language);
  return language_shipped(language) && catalog_active(domain);
}

char **i18n_available_scripts(void)
{
  GPtrArray *scripts = g_ptr_array_new();

  for (gsize i = 0; i < G_N_ELEMENTS(known_languages); i++) {
    const KnownLanguage *l = &known_languages[i];

    if (i18n_language_available(l->code) &&
        !g_ptr_array_find_with_equal_func(scripts, l->script, g_str_equal,
                                          NULL))
      g_ptr_array_add(scripts, g_strdup(l->script));
  }
  g_ptr_array_add(scripts, NULL);
  return (char **)g_ptr_array_free(scripts, FALSE);
}

gboolean i18n_set_language(const char *language)
{
  if (!shipped_languages) {
    g_debug("i18n: i18n_set_language() before i18n_init()");
    return FALSE;
  }
  if (!i18n_language_available(language)) {
    g_debug("i18n: '%s' is no language with a usable catalogue in %s; "
            "keeping %s",
            language ? language : "", i18n_locale_dir(), i18n_get_language());
    return FALSE;
  }
  language_select(language);
  return TRUE;
}

gboolean i18n_init(const char *language)
{
  if (!shipped_languages) {
    shipped_languages = languages_find(i18n_locale_dir());
    for (guint i = 0; i < shipped_languages->len; i++)
      domain_bind(g_ptr_array_index(shipped_languages, i));
    domain_bind(I18N_SOURCE_LANGUAGE);
  }
  process_prepare();
  language_select(I18N_SOURCE_LANGUAGE);
  return i18n_set_language(language);
}

const char *i18n_get_language(void)
{
  return current_language ? current_language : I18N_SOURCE_LANGUAGE;
}

static const KnownLanguage *known_language(const char *language)
{
  for (gsize i = 0; language && i < G_N_ELEMENTS(known_languages); i++)
    if (g_str_equal(known_languages[i].code, language))
      return &known_languages[i];
  return NULL;
}

const char *const *i18n_known_languages(void)
{
  static const char **codes;

  if (g_once_init_enter(&codes)) {
    const char **list = g_new0(const char *, G_N_ELEMENTS(known_languages) + 1);

    for (gsize i = 0; i < G_N_ELEMENTS(known_languages); i++)
      list[i] = known_languages[i].code;
    g_once_init_leave(&codes, list);
  }
  return codes;
}

const char *i18n_language_name(const char *language)
{
  const KnownLanguage *known = known_language(language);

  return known ? known->name : NULL;
}

const char *i18n_language_word(const char *language)
{
  const KnownLanguage *known = known_language(language);

  return known ? known->word : NULL;
}

I18nDirection i18n_language_direction(const char *language)
{
  const KnownLanguage *known = known_language(language);

  return known ? known->direction : I18N_DIRECTION_LTR;
}

const char *i18n_language_script(const char *language)
{
  const KnownLanguage *known = known_language(language);

  return known ? known->script : NULL;
}
