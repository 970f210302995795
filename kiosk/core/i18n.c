/* Language selection for gettext; see i18n.h. The language is passed to
 * gettext through LANGUAGE, which glibc honours for any LC_MESSAGES locale
 * except "C" and "POSIX"; those are replaced by C.UTF-8, which glibc always
 * has built in, so no locale needs to be generated on the kiosk. */
#include "i18n.h"

#include <glib/gi18n.h>
#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "bk-config.h"

static char *current_language; /* NULL until the first successful switch */

/* The build tree's catalogs are used by the programs built there (the
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
 * a colon-separated list, so no colons, and no path characters). */
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

/* gettext ignores LANGUAGE when LC_MESSAGES is "C" or "POSIX" (the usual
 * state of a kiosk without generated locales). C.UTF-8 behaves the same
 * for everything else and lets LANGUAGE through. */
static gboolean messages_locale_allows_language(void)
{
  const char *current = setlocale(LC_MESSAGES, NULL);

  if (current && !g_str_equal(current, "C") && !g_str_equal(current, "POSIX"))
    return TRUE;
  return setlocale(LC_MESSAGES, "C.UTF-8") != NULL ||
         setlocale(LC_MESSAGES, "C.utf8") != NULL;
}

/* Sets LANGUAGE and makes gettext forget the translations it has cached:
 * glibc caches found strings until its catalog counter moves, which
 * textdomain() does even when the domain stays the same. */
static void language_apply(const char *language)
{
  g_setenv("LANGUAGE", language, TRUE);
  textdomain(GETTEXT_PACKAGE);
}

/* A catalog is in use exactly when the empty msgid translates to its
 * header, which is never empty. */
static gboolean catalog_active(void)
{
  const char *header = dgettext(GETTEXT_PACKAGE, "");

  return header && header[0] != '\0';
}

static void language_remember(const char *language)
{
  char *old = current_language;

  current_language = g_strdup(language);
  g_free(old);
}

gboolean i18n_set_language(const char *language)
{
  g_autofree char *previous = NULL;

  if (!language_code_valid(language)) {
    g_debug("i18n: '%s' is not a language code", language ? language : "");
    return FALSE;
  }
  if (g_str_equal(language, I18N_SOURCE_LANGUAGE)) {
    /* No catalog for the source language: "en" finds none in our locale
     * folder, so every msgid comes back as it is. */
    language_apply(language);
    language_remember(language);
    return TRUE;
  }
  if (!messages_locale_allows_language()) {
    g_debug("i18n: neither C.UTF-8 nor C.utf8 can be set; keeping %s",
            i18n_get_language());
    return FALSE;
  }
  previous = g_strdup(g_getenv("LANGUAGE"));
  language_apply(language);
  if (!catalog_active()) {
    g_debug("i18n: no %s catalog for %s in %s; keeping %s", language,
            GETTEXT_PACKAGE, i18n_locale_dir(), i18n_get_language());
    language_apply(previous ? previous : I18N_SOURCE_LANGUAGE);
    return FALSE;
  }
  language_remember(language);
  return TRUE;
}

gboolean i18n_init(const char *language)
{
  bindtextdomain(GETTEXT_PACKAGE, i18n_locale_dir());
  bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
  textdomain(GETTEXT_PACKAGE);
  /* Whatever the environment had in LANGUAGE must not choose for us. */
  language_apply(I18N_SOURCE_LANGUAGE);
  language_remember(I18N_SOURCE_LANGUAGE);
  return i18n_set_language(language);
}

const char *i18n_get_language(void)
{
  return current_language ? current_language : I18N_SOURCE_LANGUAGE;
}
