/* The kiosk's languages: i18n_init()/i18n_set_language() against the
 * catalogues the build made in build/po (no locale generated, LANG and
 * LANGUAGE in the environment ignored; switching touches neither the
 * environment nor the locale, also while other threads translate; every
 * shipped language gives its own text at run time), and every po/<lang>.po
 * of po/LINGUAS against a fresh extraction of the marked strings: every one
 * translated, not fuzzy, same format specifiers, digits kept, the header's
 * plural forms and review status present, and every file with marked
 * strings listed in po/POTFILES. */
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bk-config.h"
#include "settings.h"
#include "finger.h"
#include "i18n.h"
#include "photo.h"
#include "session.h"
#include "testlib.h"
#include "texts.h"

#define WELCOME_EN "Welcome. Please enter your appointment code"
#define WELCOME_NL "Welkom. Vul uw afspraakcode in"

/* A few texts of each shipped language, as the catalogues have them: the
 * check-in screen's title, a button, a format string ("Step %d of %d" with
 * 2 and 5), a finger name (an N_() table) and a signature reason. */
typedef struct {
  const char *code;
  guint nplurals; /* the Plural-Forms header's */
  const char *welcome;
  const char *try_again;
  const char *step_2_of_5;
  const char *left_index;
  const char *too_small;
} KnownTexts;

static const KnownTexts known_texts[] = {
    {"nl", 2, WELCOME_NL, "Opnieuw proberen", "Stap 2 van 5",
     "linker wijsvinger", "De handtekening is te klein. Teken wat groter."},
    {"ar", 6, "مرحبًا بكم. يُرجى إدخال رمز الموعد", "إعادة المحاولة",
     "الخطوة 2 من 5", "السبابة اليسرى",
     "التوقيع صغير جدًا. يُرجى التوقيع بحجم أكبر."},
    {"tr", 2, "Hoş geldiniz. Lütfen randevu kodunuzu girin", "Tekrar dene",
     "Adım 2 / 5", "sol işaret parmağı",
     "İmza çok küçük. Lütfen daha büyük imzalayın."},
    {"uk", 3, "Вітаємо. Будь ласка, введіть код запису", "Спробувати ще раз",
     "Крок 2 з 5", "лівий вказівний палець",
     "Підпис надто малий. Будь ласка, зробіть підпис більшим."},
    {"fa", 2, "خوش آمدید. لطفاً کد نوبت خود را وارد کنید", "تلاش دوباره",
     "مرحلهٔ 2 از 5", "انگشت اشارهٔ چپ",
     "امضا خیلی کوچک است. لطفاً بزرگ\u200cتر امضا کنید."},
    {"ti", 2, "እንቋዕ ብደሓን መጻእኩም። በጃኹም ኮድ ቆጸራኹም ኣእትዉ", "እንደገና ምፍታን",
     "ስጉምቲ 2 ካብ 5", "መመልከቲ ኣጻብዕ ናይ ጸጋም ኢድ",
     "ፌርማ ኣዝዩ ንእሽቶ እዩ። በጃኹም ዓቢ ገይርኩም ፈርሙ።"},
};

static const KnownTexts *known_texts_of(const char *code)
{
  for (gsize i = 0; i < G_N_ELEMENTS(known_texts); i++)
    if (g_str_equal(known_texts[i].code, code))
      return &known_texts[i];
  return NULL;
}

/* The codes of po/LINGUAS: blanks or lines between them, '#' comments. */
static GStrv linguas(void)
{
  g_autofree char *path = testlib_source_path("po/LINGUAS");
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *codes = g_ptr_array_new();

  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  lines = g_strsplit(text, "\n", -1);
  for (gsize i = 0; lines[i]; i++) {
    g_auto(GStrv) words = NULL;

    if (g_str_has_prefix(g_strstrip(lines[i]), "#"))
      continue;
    words = g_strsplit_set(lines[i], " \t", -1);
    for (gsize k = 0; words[k]; k++)
      if (*words[k])
        g_ptr_array_add(codes, g_strdup(words[k]));
  }
  g_ptr_array_add(codes, NULL);
  return (GStrv)g_ptr_array_free(codes, FALSE);
}

/* ---- runtime ------------------------------------------------------------- */

static void test_locale_dir(void)
{
  g_autofree char *want = testlib_build_path("po");
  g_autofree char *mo = NULL;
  char resolved[PATH_MAX];

  g_assert_nonnull(realpath(want, resolved));
  g_assert_cmpstr(i18n_locale_dir(), ==, resolved);
  /* One text domain per language: biokiosk-nl. */
  mo = g_build_filename(i18n_locale_dir(), "biokiosk", "LC_MESSAGES",
                        GETTEXT_PACKAGE "-nl.mo", NULL);
  g_assert_true(g_file_test(mo, G_FILE_TEST_IS_REGULAR));
}

static void test_dutch(void)
{
  g_autofree char *person = NULL;
  const char *reason = NULL;

  g_assert_true(i18n_init("nl"));
  g_assert_cmpstr(i18n_get_language(), ==, "nl");
  g_assert_cmpstr(_(WELCOME_EN), ==, WELCOME_NL);
  g_assert_cmpstr(_("Your turn"), ==, "U bent aan de beurt");
  g_assert_cmpstr(_("Please sign on the pad"), ==,
                  "Zet uw handtekening op het tekenpad");
  g_assert_cmpstr(_("Thank you. Your biometrics have been stored"), ==,
                  "Dank u wel. Uw biometrische gegevens zijn opgeslagen");
  person = g_strdup_printf(_("Person %d of %d on this appointment."), 2, 3);
  g_assert_cmpstr(person, ==, "Persoon 2 van 3 op deze afspraak.");
  /* N_() tables translated where they are used, and non-ASCII intact. */
  g_assert_cmpstr(finger_label(FINGER_LEFT_INDEX), ==, "linker wijsvinger");
  reason = reason_text("too_small");
  g_assert_cmpstr(reason, ==, "De handtekening is te klein. Teken wat groter.");
}

/* Every code the photo validator can give has the applicant's sentence in
 * the catalogues, in English and in every shipped language; unknown codes
 * come back as they are. */
static void test_photo_reasons(void)
{
  g_auto(GStrv) languages = linguas();

  g_assert_true(i18n_init("en"));
  for (gsize n = 0; photo_reason_codes[n]; n++) {
    const char *code = photo_reason_codes[n];
    const char *en;

    g_assert_true(i18n_set_language("en"));
    g_assert_true(reason_text_known(code));
    en = reason_text(code);
    g_assert_cmpstr(en, !=, code);
    for (gsize k = 0; languages[k]; k++) {
      g_assert_true(i18n_set_language(languages[k]));
      g_assert_cmpstr(reason_text(code), !=, en);
    }
  }
  g_assert_false(reason_text_known("no_such_code"));
  g_assert_cmpstr(reason_text("no_such_code"), ==, "no_such_code");
  g_assert_true(i18n_set_language("en"));
}

/* The screens the session builds come out in the selected language. */
static Appointment *no_appointment(const char *code, gpointer user_data)
{
  return NULL;
}

static gboolean no_pin(const char *pin, gpointer user_data)
{
  return FALSE;
}

static void test_session_view(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskConfig) config = config_load(NULL, &error);
  Session *session;

  g_assert_no_error(error);
  session = session_new(config, no_appointment, no_pin, NULL, 0);
  g_assert_true(i18n_init("nl"));
  g_assert_cmpstr(session_view(session)->title, ==, WELCOME_NL);
  g_assert_true(i18n_set_language("en"));
  g_assert_cmpstr(session_view(session)->title, ==, WELCOME_EN);
  g_assert_true(i18n_set_language("nl"));
  g_assert_cmpstr(session_view(session)->title, ==, WELCOME_NL);
  session_free(session);
}

/* Switching at run time to each shipped language gives that language's
 * text, from _(), from a format string, from an N_() table and on the
 * session's screen, and switching back gives English; going from one
 * translated language straight to another works too. */
static void assert_language_texts(const KnownTexts *k, Session *session)
{
  g_autofree char *step = NULL;

  g_assert_true(i18n_set_language(k->code));
  g_assert_cmpstr(i18n_get_language(), ==, k->code);
  g_assert_cmpstr(_(WELCOME_EN), ==, k->welcome);
  g_assert_cmpstr(_("Try again"), ==, k->try_again);
  step = g_strdup_printf(_("Step %d of %d"), 2, 5);
  g_assert_cmpstr(step, ==, k->step_2_of_5);
  g_assert_cmpstr(finger_label(FINGER_LEFT_INDEX), ==, k->left_index);
  g_assert_cmpstr(reason_text("too_small"), ==, k->too_small);
  g_assert_cmpstr(session_view(session)->title, ==, k->welcome);
}

static void test_every_language(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskConfig) config = config_load(NULL, &error);
  g_auto(GStrv) languages = linguas();
  Session *session;

  g_assert_no_error(error);
  g_assert_cmpuint(g_strv_length(languages), >=, 6);
  session = session_new(config, no_appointment, no_pin, NULL, 0);
  g_assert_true(i18n_init("en"));
  for (int round = 0; round < 2; round++) {
    for (gsize i = 0; languages[i]; i++) {
      const KnownTexts *k = known_texts_of(languages[i]);

      if (!k)
        g_error("po/LINGUAS has %s, which known_texts[] here lacks",
                languages[i]);
      assert_language_texts(k, session);
      if (round == 1)
        continue; /* the second round goes language to language */
      g_assert_true(i18n_set_language("en"));
      g_assert_cmpstr(_(WELCOME_EN), ==, WELCOME_EN);
      g_assert_cmpstr(session_view(session)->title, ==, WELCOME_EN);
    }
  }
  g_assert_true(i18n_set_language("en"));
  session_free(session);
}

/* The faces the screens need: every script of the seven, once. */
static void assert_available_scripts(void)
{
  g_auto(GStrv) scripts = i18n_available_scripts();
  const char *const want[] = {"Latn", "Arab", "Cyrl", "Ethi", NULL};

  g_assert_cmpstrv(scripts, want);
}

/* The table the UI reads: every known language has its own name, script
 * and direction, the configuration accepts it, and every shipped catalogue
 * (po/LINGUAS) belongs to a known language that can be selected. */
static void test_known_languages(void)
{
  const char *const *known = i18n_known_languages();
  g_auto(GStrv) languages = linguas();
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskConfig) config = config_load(NULL, &error);

  g_assert_no_error(error);
  g_assert_true(i18n_init("en"));
  g_assert_cmpstr(known[0], ==, "nl");
  g_assert_cmpuint(g_strv_length((char **)known), ==, 7);
  for (gsize i = 0; known[i]; i++) {
    g_autofree char *set = g_strdup_printf("kiosk.language=%s", known[i]);
    gboolean rtl = g_str_equal(known[i], "ar") || g_str_equal(known[i], "fa");

    g_assert_nonnull(i18n_language_name(known[i]));
    g_assert_nonnull(i18n_language_script(known[i]));
    g_assert_nonnull(i18n_language_word(known[i]));
    g_assert_cmpint(i18n_language_direction(known[i]), ==,
                    rtl ? I18N_DIRECTION_RTL : I18N_DIRECTION_LTR);
    g_assert_true(config_override(config, set, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(config->language, ==, known[i]);
    g_assert_true(i18n_language_available(known[i]));
  }
  for (gsize i = 0; languages[i]; i++)
    g_assert_true(g_strv_contains(known, languages[i]));
  g_assert_cmpstr(i18n_language_name("ar"), ==, "العربية");
  g_assert_cmpstr(i18n_language_name("tr"), ==, "Türkçe");
  g_assert_cmpstr(i18n_language_name("uk"), ==, "Українська");
  g_assert_cmpstr(i18n_language_name("fa"), ==, "فارسی");
  g_assert_cmpstr(i18n_language_name("ti"), ==, "ትግርኛ");
  g_assert_cmpstr(i18n_language_script("ti"), ==, "Ethi");
  g_assert_cmpstr(i18n_language_script("uk"), ==, "Cyrl");
  g_assert_cmpstr(i18n_language_word("nl"), ==, "Taal");
  g_assert_null(i18n_language_word("de"));
  assert_available_scripts();
  g_assert_null(i18n_language_name("de"));
  g_assert_null(i18n_language_name(NULL));
  g_assert_cmpint(i18n_language_direction("de"), ==, I18N_DIRECTION_LTR);
  g_assert_false(i18n_language_available("de"));
  g_assert_false(i18n_language_available("../nl"));
  g_assert_false(config_override(config, "kiosk.language=de", &error));
  g_clear_error(&error);
}

/* "en" is English whatever the environment asks for, even when a Dutch
 * string was looked up (and cached by gettext) just before. LANGUAGE names
 * only the kiosk's private catalogue folder, whatever it held before: the
 * text domain chooses the language, not the environment. */
static void test_english_despite_environment(void)
{
  const char *msgid = WELCOME_EN;

  g_assert_true(i18n_init("nl"));
  g_assert_cmpstr(_(msgid), ==, WELCOME_NL);
  g_setenv("LANGUAGE", "de:nl", TRUE);
  g_setenv("LANG", "nl_NL.UTF-8", TRUE);
  g_assert_true(i18n_init("en"));
  g_assert_cmpstr(i18n_get_language(), ==, "en");
  g_assert_true(_(msgid) == msgid);
  g_assert_cmpstr(g_getenv("LANGUAGE"), ==, "biokiosk");
}

/* Other libraries' messages stay English in either language: LANGUAGE
 * names no real language, so the C library's own Dutch catalogue (Debian's
 * libc-l10n, where installed) is never chosen for it. */
static void test_other_domains_english(void)
{
  const char *msgid = "No such file or directory";

  g_assert_true(i18n_init("nl"));
  g_assert_cmpstr(_(WELCOME_EN), ==, WELCOME_NL);
  g_assert_true(dgettext("libc", msgid) == msgid);
  g_assert_true(i18n_set_language("en"));
  g_assert_true(dgettext("libc", msgid) == msgid);
}

static void test_switching(void)
{
  g_assert_true(i18n_init("en"));
  for (int i = 0; i < 3; i++) {
    g_autofree char *step_nl = NULL;
    g_autofree char *step_en = NULL;

    g_assert_true(i18n_set_language("nl"));
    g_assert_cmpstr(_(WELCOME_EN), ==, WELCOME_NL);
    g_assert_cmpstr(_("Try again"), ==, "Opnieuw proberen");
    step_nl = g_strdup_printf(_("Step %d of %d"), 2, 5);
    g_assert_cmpstr(step_nl, ==, "Stap 2 van 5");
    g_assert_true(i18n_set_language("en"));
    g_assert_cmpstr(_(WELCOME_EN), ==, WELCOME_EN);
    g_assert_cmpstr(_("Try again"), ==, "Try again");
    step_en = g_strdup_printf(_("Step %d of %d"), 2, 5);
    g_assert_cmpstr(step_en, ==, "Step 2 of 5");
  }
}

/* LC_MESSAGES "C" or "POSIX" makes gettext ignore LANGUAGE: i18n_init()
 * moves it to C.UTF-8, and switching works from there. */
static void test_c_locale(void)
{
  const char *plain[] = {"C", "POSIX"};

  for (gsize i = 0; i < G_N_ELEMENTS(plain); i++) {
    g_assert_nonnull(setlocale(LC_MESSAGES, plain[i]));
    g_assert_true(i18n_init("nl"));
    g_assert_cmpstr(setlocale(LC_MESSAGES, NULL), !=, "C");
    g_assert_cmpstr(setlocale(LC_MESSAGES, NULL), !=, "POSIX");
    g_assert_cmpstr(_(WELCOME_EN), ==, WELCOME_NL);
    g_assert_true(i18n_set_language("en"));
    g_assert_cmpstr(_(WELCOME_EN), ==, WELCOME_EN);
    g_assert_true(i18n_set_language("nl"));
    g_assert_cmpstr(_("Your turn"), ==, "U bent aan de beurt");
  }
  /* i18n_set_language() never sets the locale: changed behind its back, it
   * stays as it is, the Dutch catalogue is found unusable and refused. */
  g_assert_nonnull(setlocale(LC_MESSAGES, "C"));
  g_assert_false(i18n_set_language("nl"));
  g_assert_cmpstr(setlocale(LC_MESSAGES, NULL), ==, "C");
  setlocale(LC_ALL, "");
  g_assert_true(i18n_init("en"));
}

/* A language without a catalog, or a value that is no language code, is
 * refused and leaves the language as it was. */
static void test_refused(void)
{
  const char *bad[] = {"de",    "fr_FR", "",  "n", "NL",
                       "../nl", "nl:en", "C", NULL};

  g_assert_true(i18n_init("nl"));
  for (int i = 0; bad[i]; i++) {
    g_assert_false(i18n_set_language(bad[i]));
    g_assert_cmpstr(i18n_get_language(), ==, "nl");
    g_assert_cmpstr(_(WELCOME_EN), ==, WELCOME_NL);
  }
  g_assert_false(i18n_set_language(NULL));
  g_assert_cmpstr(_(WELCOME_EN), ==, WELCOME_NL);
  /* At start-up a refused language means English. */
  g_assert_false(i18n_init("de"));
  g_assert_cmpstr(i18n_get_language(), ==, "en");
  g_assert_cmpstr(_(WELCOME_EN), ==, WELCOME_EN);
}

/* ---- no environment or locale changes while threads run ---------------- */

/* The environment's entries, pointer by pointer: setenv(), putenv() and
 * unsetenv() all change one of them, or the array itself. */
static GPtrArray *environ_entries(void)
{
  GPtrArray *entries = g_ptr_array_new();

  for (char **e = environ; *e; e++)
    g_ptr_array_add(entries, *e);
  return entries;
}

static void assert_environ_is(char **array, const GPtrArray *entries)
{
  guint n = 0;

  g_assert_true(environ == array);
  for (char **e = environ; *e; e++, n++) {
    g_assert_cmpuint(n, <, entries->len);
    g_assert_true(*e == g_ptr_array_index(entries, n));
  }
  g_assert_cmpuint(n, ==, entries->len);
}

/* After i18n_init(), switching back and forth changes what _() returns and
 * nothing else: the environment (its array, every entry, LANGUAGE's value
 * and address) and LC_MESSAGES stay exactly as they were. A second
 * i18n_init() with nothing changed in between writes nothing either. */
static void test_environment_untouched(void)
{
  char **array;
  g_autoptr(GPtrArray) entries = NULL;
  const char *language;
  g_autofree char *language_text = NULL;
  g_autofree char *messages = NULL;

  g_assert_true(i18n_init("en"));
  array = environ;
  entries = environ_entries();
  language = g_getenv("LANGUAGE");
  g_assert_nonnull(language);
  language_text = g_strdup(language);
  messages = g_strdup(setlocale(LC_MESSAGES, NULL));

  for (int i = 0; i < 20; i++) {
    g_assert_true(i18n_set_language("nl"));
    g_assert_cmpstr(_(WELCOME_EN), ==, WELCOME_NL);
    g_assert_true(i18n_set_language("en"));
    g_assert_cmpstr(_(WELCOME_EN), ==, WELCOME_EN);
  }
  g_assert_false(i18n_set_language("de"));
  g_assert_true(i18n_init("nl"));
  g_assert_cmpstr(_(WELCOME_EN), ==, WELCOME_NL);

  assert_environ_is(array, entries);
  g_assert_true(g_getenv("LANGUAGE") == language);
  g_assert_cmpstr(g_getenv("LANGUAGE"), ==, language_text);
  g_assert_cmpstr(setlocale(LC_MESSAGES, NULL), ==, messages);
  g_assert_true(i18n_set_language("en"));
}

/* A thread that translates and reads the environment in a loop, as the
 * device workers and the libraries in them do. */
typedef struct {
  gint stop;            /* atomic, set by the main thread */
  gint saw_dutch;       /* atomic */
  gint saw_english;     /* atomic */
  const char *language; /* LANGUAGE's address before the thread started */
  guint lookups;        /* read after the join */
  guint wrong;
} Translator;

static gboolean one_of(const char *s, const char *a, const char *b)
{
  return g_str_equal(s, a) || g_str_equal(s, b);
}

static gpointer translator_main(gpointer data)
{
  Translator *t = data;

  while (!g_atomic_int_get(&t->stop)) {
    const char *welcome = gettext(WELCOME_EN);
    const char *again = _("Try again");
    const char *language = g_getenv("LANGUAGE");

    if (!one_of(welcome, WELCOME_EN, WELCOME_NL) ||
        !one_of(again, "Try again", "Opnieuw proberen") ||
        language != t->language)
      t->wrong++;
    if (g_str_equal(welcome, WELCOME_NL))
      g_atomic_int_set(&t->saw_dutch, 1);
    else
      g_atomic_int_set(&t->saw_english, 1);
    t->lookups++;
  }
  return NULL;
}

static gboolean translators_saw_both(Translator *t, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (!g_atomic_int_get(&t[i].saw_dutch) ||
        !g_atomic_int_get(&t[i].saw_english))
      return FALSE;
  return TRUE;
}

/* The main thread switches language in a loop while two threads translate
 * and call getenv(): no crash, every string one of the two translations,
 * and both threads see both languages. Run for at least 300 ms and 2000
 * switches; the sanitizer build shows any race on freed memory. */
static void test_switch_while_threads_translate(void)
{
  Translator t[2] = {{0}, {0}};
  GThread *threads[G_N_ELEMENTS(t)];
  gint64 start;
  guint switches = 0;

  g_assert_true(i18n_init("en"));
  for (gsize i = 0; i < G_N_ELEMENTS(t); i++) {
    t[i].language = g_getenv("LANGUAGE");
    threads[i] = g_thread_new("translator", translator_main, &t[i]);
  }
  start = g_get_monotonic_time();
  for (;;) {
    gboolean dutch = switches % 2 == 0;
    gint64 elapsed = g_get_monotonic_time() - start;

    g_assert_true(i18n_set_language(dutch ? "nl" : "en"));
    g_assert_cmpstr(_(WELCOME_EN), ==, dutch ? WELCOME_NL : WELCOME_EN);
    switches++;
    if (elapsed > 300000 && switches >= 2000 &&
        translators_saw_both(t, G_N_ELEMENTS(t)))
      break;
    g_assert_cmpint(elapsed, <, 30 * G_USEC_PER_SEC);
  }
  for (gsize i = 0; i < G_N_ELEMENTS(t); i++) {
    g_atomic_int_set(&t[i].stop, 1);
    g_thread_join(threads[i]);
    g_test_message("thread %zu: %u lookups during %u switches", i, t[i].lookups,
                   switches);
    g_assert_cmpuint(t[i].lookups, >, 0);
    g_assert_cmpuint(t[i].wrong, ==, 0);
  }
  g_assert_true(i18n_set_language("en"));
}

/* ---- the catalog -----------------------------------------------------------
 */

typedef struct {
  char *msgctxt;
  char *msgid;
  char *msgid_plural;
  GPtrArray *msgstr; /* msgstr, or msgstr[0..n] */
  gboolean fuzzy;
  gboolean c_format;
  int line;
} PoEntry;

static void po_entry_free(gpointer data)
{
  PoEntry *e = data;

  g_free(e->msgctxt);
  g_free(e->msgid);
  g_free(e->msgid_plural);
  g_ptr_array_unref(e->msgstr);
  g_free(e);
}

/* The quoted C string starting at `p` (at the opening quote), unescaped. */
static char *po_unquote(const char *p, const char *file, int line)
{
  GString *s = g_string_new(NULL);

  if (*p != '"')
    g_error("%s:%d: expected a quoted string", file, line);
  for (p++; *p && *p != '"'; p++) {
    if (*p != '\\') {
      g_string_append_c(s, *p);
      continue;
    }
    p++;
    switch (*p) {
    case 'n':
      g_string_append_c(s, '\n');
      break;
    case 't':
      g_string_append_c(s, '\t');
      break;
    case '"':
      g_string_append_c(s, '"');
      break;
    case '\\':
      g_string_append_c(s, '\\');
      break;
    default:
      g_error("%s:%d: unexpected escape \\%c", file, line, *p);
    }
  }
  if (*p != '"')
    g_error("%s:%d: unterminated string", file, line);
  return g_string_free(s, FALSE);
}

/* Entries of a .po or .pot file in order, the header included, obsolete
 * ("#~") entries left out. Enough of the format for what xgettext and
 * msgmerge write. */
static GPtrArray *po_parse(const char *path)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *entries = g_ptr_array_new_with_free_func(po_entry_free);
  PoEntry *e = NULL;
  char **target = NULL; /* where continuation lines go */
  gboolean flags_fuzzy = FALSE, flags_c = FALSE;

  g_file_get_contents(path, &text, NULL, &error);
  g_assert_no_error(error);
  lines = g_strsplit(text, "\n", -1);
  for (int n = 0; lines[n]; n++) {
    const char *l = lines[n];
    char *value;

    if (l[0] == '\0' || g_str_has_prefix(l, "#~")) {
      target = NULL;
      continue;
    }
    if (g_str_has_prefix(l, "#,")) {
      flags_fuzzy |= strstr(l, "fuzzy") != NULL;
      flags_c |= strstr(l, " c-format") != NULL;
      continue;
    }
    if (l[0] == '#')
      continue;
    if (l[0] == '"') {
      g_autofree char *more = po_unquote(l, path, n + 1);
      char *joined;

      if (!target)
        g_error("%s:%d: string continues nothing", path, n + 1);
      joined = g_strconcat(*target, more, NULL);
      g_free(*target);
      *target = joined;
      continue;
    }
    /* An entry starts with msgctxt, or with msgid when no msgctxt did. */
    if ((g_str_has_prefix(l, "msgctxt ") || g_str_has_prefix(l, "msgid ")) &&
        (!e || e->msgstr->len > 0)) {
      e = g_new0(PoEntry, 1);
      e->msgstr = g_ptr_array_new_with_free_func(g_free);
      e->fuzzy = flags_fuzzy;
      e->c_format = flags_c;
      e->line = n + 1;
      flags_fuzzy = flags_c = FALSE;
      g_ptr_array_add(entries, e);
    }
    if (!e)
      g_error("%s:%d: keyword outside an entry", path, n + 1);
    value = po_unquote(strchr(l, '"') ? strchr(l, '"') : "", path, n + 1);
    if (g_str_has_prefix(l, "msgctxt ")) {
      e->msgctxt = value;
      target = &e->msgctxt;
    } else if (g_str_has_prefix(l, "msgid_plural ")) {
      e->msgid_plural = value;
      target = &e->msgid_plural;
    } else if (g_str_has_prefix(l, "msgid ")) {
      e->msgid = value;
      target = &e->msgid;
    } else if (g_str_has_prefix(l, "msgstr")) {
      g_ptr_array_add(e->msgstr, value);
      target = (char **)&e->msgstr->pdata[e->msgstr->len - 1];
    } else {
      g_error("%s:%d: unknown line '%s'", path, n + 1, l);
    }
  }
  return entries;
}

static char *po_key(const PoEntry *e)
{
  return g_strconcat(e->msgctxt ? e->msgctxt : "", "\004", e->msgid, NULL);
}

/* The printf conversions of `s` in argument order ("%s", "%d", "%2$s" as
 * "%s" at position 2), so that reordering with n$ is allowed. */
static char *format_signature(const char *s)
{
  GPtrArray *specs = g_ptr_array_new_with_free_func(g_free);
  char *joined;

  for (const char *p = s; (p = strchr(p, '%'));) {
    const char *start = ++p;
    int position = (int)specs->len + 1;

    if (*p == '%') {
      p++;
      continue;
    }
    if (g_ascii_isdigit(*p)) {
      const char *q = p;

      while (g_ascii_isdigit(*q))
        q++;
      if (*q == '$') {
        position = atoi(p);
        p = q + 1;
        start = p;
      }
    }
    while (*p && strchr("#0- +'hlLqjzt.*123456789", *p))
      p++;
    if (!*p)
      break;
    p++;
    if ((guint)position > specs->len)
      g_ptr_array_set_size(specs, position);
    g_free(specs->pdata[position - 1]);
    specs->pdata[position - 1] =
        g_strdup_printf("%%%.*s", (int)(p - start), start);
  }
  g_ptr_array_add(specs, NULL);
  for (guint i = 0; i + 1 < specs->len; i++)
    if (!specs->pdata[i])
      specs->pdata[i] = g_strdup("(gap)");
  joined = g_strjoinv(" ", (char **)specs->pdata);
  g_ptr_array_unref(specs);
  return joined;
}

static void test_format_signature(void)
{
  const struct {
    const char *in, *out;
  } cases[] = {
      {"Step %d of %d", "%d %d"},
      {"100%% sure: %s", "%s"},
      {"%2$s before %1$d", "%d %s"},
      {"%-5.2f and %lu", "%-5.2f %lu"},
      {"no format", ""},
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *sig = format_signature(cases[i].in);

    g_assert_cmpstr(sig, ==, cases[i].out);
  }
}

/* xgettext over po/POTFILES with the keywords meson's 'glib' preset uses:
 * the .pot as it would be generated now, not as it was last committed. */
static GPtrArray *extract_pot(const char *tmp)
{
  g_autofree char *source_root = testlib_source_path("");
  g_autofree char *potfiles = testlib_source_path("po/POTFILES");
  g_autofree char *pot = g_build_filename(tmp, GETTEXT_PACKAGE ".pot", NULL);
  g_autofree char *xgettext = g_find_program_in_path("xgettext");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *argv[] = {
      xgettext,
      "--package-name=" GETTEXT_PACKAGE,
      "--from-code=UTF-8",
      "-f",
      potfiles,
      "-D",
      source_root,
      "-o",
      pot,
      "--keyword=_",
      "--keyword=N_",
      "--keyword=C_:1c,2",
      "--keyword=NC_:1c,2",
      "--keyword=g_dcgettext:2",
      "--keyword=g_dngettext:2,3",
      "--keyword=g_dpgettext2:2c,3",
      "--flag=N_:1:pass-c-format",
      "--flag=g_strdup_printf:1:c-format",
      "--flag=g_string_append_printf:2:c-format",
      NULL,
  };

  g_assert_cmpint(testlib_spawn(argv, NULL, &out, &err), ==, 0);
  return po_parse(pot);
}

/* The value of `field` in a catalogue's header ("Language: nl\n..."), or
 * NULL. */
static char *header_field(const char *header, const char *field)
{
  g_auto(GStrv) lines = g_strsplit(header, "\n", -1);
  g_autofree char *prefix = g_strconcat(field, ":", NULL);

  for (gsize i = 0; lines[i]; i++)
    if (g_str_has_prefix(lines[i], prefix))
      return g_strstrip(g_strdup(lines[i] + strlen(prefix)));
  return NULL;
}

/* The header: UTF-8, the language's code, its number of plural forms, and
 * the review status (docs/i18n.md): "draft ..." until a native speaker has
 * signed it off, then "reviewed ..." with X-Reviewed-By naming who and when.
 * Not left fuzzy. */
static void check_header(const char *code, const PoEntry *h, GString *problems)
{
  const char *header = h->msgstr->len ? g_ptr_array_index(h->msgstr, 0) : "";
  g_autofree char *language = header_field(header, "Language");
  g_autofree char *charset = header_field(header, "Content-Type");
  g_autofree char *plural = header_field(header, "Plural-Forms");
  g_autofree char *status = header_field(header, "X-Review-Status");
  g_autofree char *by = header_field(header, "X-Reviewed-By");
  const KnownTexts *k = known_texts_of(code);
  g_autofree char *nplurals =
      g_strdup_printf("nplurals=%u;", k ? k->nplurals : 0);

  g_assert_cmpstr(h->msgid, ==, "");
  if (h->fuzzy)
    g_string_append_printf(problems, "po/%s.po: the header is fuzzy\n", code);
  if (g_strcmp0(language, code) != 0)
    g_string_append_printf(problems, "po/%s.po: Language is not %s\n", code,
                           code);
  if (!charset || !strstr(charset, "charset=UTF-8"))
    g_string_append_printf(problems, "po/%s.po: not UTF-8\n", code);
  if (!plural || !g_str_has_prefix(plural, nplurals))
    g_string_append_printf(problems, "po/%s.po: Plural-Forms lacks %s\n", code,
                           nplurals);
  if (!status || !(g_str_has_prefix(status, "draft") ||
                   g_str_has_prefix(status, "reviewed")))
    g_string_append_printf(problems,
                           "po/%s.po: X-Review-Status is missing or neither "
                           "\"draft ...\" nor \"reviewed ...\"\n",
                           code);
  else if (g_str_has_prefix(status, "reviewed") && (!by || !*by))
    g_string_append_printf(
        problems, "po/%s.po: reviewed, but X-Reviewed-By is empty\n", code);
}

/* Every run of digits in `msgid` is in `msgstr` too: ages, counts and codes
 * stay as they are (Latin digits, matching the e-mail). */
static gboolean digits_kept(const char *msgid, const char *msgstr)
{
  for (const char *p = msgid; *p;) {
    gsize n = 0;
    g_autofree char *run = NULL;

    while (p[n] && g_ascii_isdigit(p[n]))
      n++;
    if (n == 0 || (p > msgid && p[-1] == '%')) {
      p += n ? n : 1;
      continue;
    }
    run = g_strndup(p, n);
    if (!strstr(msgstr, run))
      return FALSE;
    p += n;
  }
  return TRUE;
}

/* One translation of the template's entry `p`: present, not fuzzy, every
 * msgstr non-empty UTF-8 with the msgid's printf conversions and digits.
 * Farsi is written with its own letters (U+06CC YEH, U+06A9 KEHEH), never
 * the Arabic ones. */
static gboolean check_entry(const char *code, const PoEntry *p,
                            const PoEntry *t, GString *problems)
{
  g_autofree char *want = format_signature(p->msgid);
  gboolean ok;

  if (!t) {
    g_string_append_printf(problems,
                           "po/%s.po has no \"%s\" (run ninja "
                           "biokiosk-update-po, then translate it)\n",
                           code, p->msgid);
    return FALSE;
  }
  ok = !t->fuzzy && t->msgstr->len > 0;
  if (t->fuzzy)
    g_string_append_printf(problems, "po/%s.po:%d: \"%s\" is fuzzy\n", code,
                           t->line, p->msgid);
  for (guint k = 0; k < t->msgstr->len; k++) {
    const char *s = g_ptr_array_index(t->msgstr, k);
    g_autofree char *got = NULL;
    const char *wrong = NULL;

    if (!*s || !g_utf8_validate(s, -1, NULL))
      wrong = "is not translated (or not UTF-8)";
    else if (!g_str_equal((got = format_signature(s)), want))
      wrong = "has other printf conversions than the English";
    else if (!digits_kept(p->msgid, s))
      wrong = "lost or changed a number of the English";
    else if (g_str_equal(code, "fa") &&
             (strstr(s, "\u064A") || strstr(s, "\u0643")))
      wrong = "has an Arabic yeh or kaf instead of the Persian one";
    if (wrong) {
      g_string_append_printf(problems, "po/%s.po:%d: \"%s\" %s\n", code,
                             t->line, p->msgid, wrong);
      ok = FALSE;
    }
  }
  return ok;
}

/* Checks po/<code>.po against the template `pot`; returns the number of
 * entries translated. */
static guint check_catalog(const char *code, GPtrArray *pot, GString *problems)
{
  g_autofree char *rel = g_strdup_printf("po/%s.po", code);
  g_autofree char *path = testlib_source_path(rel);
  g_autoptr(GPtrArray) po = po_parse(path);
  g_autoptr(GHashTable) by_key =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) in_pot =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  guint translated = 0;

  check_header(code, g_ptr_array_index(po, 0), problems);
  for (guint i = 1; i < po->len; i++) {
    PoEntry *e = g_ptr_array_index(po, i);
    char *key = po_key(e);

    if (g_hash_table_contains(by_key, key))
      g_string_append_printf(problems, "%s:%d: \"%s\" appears twice\n", rel,
                             e->line, e->msgid);
    g_hash_table_insert(by_key, key, e);
  }
  for (guint i = 1; i < pot->len; i++) {
    const PoEntry *p = g_ptr_array_index(pot, i);
    char *key = po_key(p);

    translated +=
        check_entry(code, p, g_hash_table_lookup(by_key, key), problems);
    g_hash_table_add(in_pot, key);
  }
  /* Nothing left over from strings the code no longer has. */
  for (guint i = 1; i < po->len; i++) {
    const PoEntry *e = g_ptr_array_index(po, i);
    g_autofree char *key = po_key(e);

    if (!g_hash_table_contains(in_pot, key))
      g_string_append_printf(problems,
                             "%s:%d: \"%s\" is no longer in the code\n", rel,
                             e->line, e->msgid);
  }
  return translated;
}

static void test_catalog_complete(void)
{
  g_autofree char *tmp = NULL;
  g_autoptr(GPtrArray) pot = NULL;
  g_autofree char *xgettext = g_find_program_in_path("xgettext");
  g_auto(GStrv) languages = linguas();
  g_autoptr(GString) problems = g_string_new(NULL);

  if (!xgettext) {
    g_test_skip("xgettext (Debian package gettext) is not installed");
    return;
  }
  tmp = testlib_mkdtemp();
  pot = extract_pot(tmp);
  testlib_rmtree(tmp);
  g_assert_cmpuint(pot->len, >, 50); /* the header and the kiosk's strings */
  g_assert_true(g_strv_contains((const char *const *)languages, "nl"));
  for (gsize i = 0; languages[i]; i++) {
    guint translated = check_catalog(languages[i], pot, problems);

    g_test_message("po/%s.po: %u of %u strings translated", languages[i],
                   translated, pot->len - 1);
    if (translated != pot->len - 1 && !problems->len)
      g_string_append_printf(problems, "po/%s.po: %u of %u translated\n",
                             languages[i], translated, pot->len - 1);
  }
  g_assert_cmpstr(problems->str, ==, "");
}

/* The checks above notice what they are meant to: a fuzzy entry, a lost
 * conversion or number, a missing review status, a Farsi text with an
 * Arabic yeh. */
static void test_catalog_checks_fail(void)
{
  g_autoptr(GString) problems = g_string_new(NULL);
  PoEntry p = {.msgid = "Person %d of %d, under 1"};
  PoEntry t = {.msgid = "Person %d of %d, under 1", .line = 7};
  PoEntry h = {.msgid = ""};

  t.msgstr = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(t.msgstr, g_strdup("%d / %d, 1"));
  g_assert_true(check_entry("tr", &p, &t, problems));
  g_assert_cmpstr(problems->str, ==, "");
  t.fuzzy = TRUE;
  g_assert_false(check_entry("tr", &p, &t, problems));
  t.fuzzy = FALSE;
  g_free(t.msgstr->pdata[0]);
  t.msgstr->pdata[0] = g_strdup("%d / %s, 1");
  g_assert_false(check_entry("tr", &p, &t, problems));
  g_free(t.msgstr->pdata[0]);
  t.msgstr->pdata[0] = g_strdup("%d / %d, ۱");
  g_assert_false(check_entry("fa", &p, &t, problems));
  g_free(t.msgstr->pdata[0]);
  t.msgstr->pdata[0] = g_strdup("%d ي %d, 1");
  g_assert_false(check_entry("fa", &p, &t, problems));
  g_assert_false(check_entry("tr", &p, NULL, problems));
  g_ptr_array_unref(t.msgstr);

  h.msgstr = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(h.msgstr, g_strdup("Language: uk\nContent-Type: text/plain; "
                                     "charset=UTF-8\nPlural-Forms: nplurals=3; "
                                     "plural=0;\nX-Review-Status: draft\n"));
  g_string_truncate(problems, 0);
  check_header("uk", &h, problems);
  g_assert_cmpstr(problems->str, ==, "");
  g_free(h.msgstr->pdata[0]);
  h.msgstr->pdata[0] = g_strdup("Language: uk\nContent-Type: text/plain; "
                                "charset=UTF-8\nPlural-Forms: nplurals=2; "
                                "plural=0;\nX-Review-Status: reviewed\n");
  check_header("uk", &h, problems);
  g_assert_nonnull(strstr(problems->str, "nplurals=3;"));
  g_assert_nonnull(strstr(problems->str, "X-Reviewed-By is empty"));
  g_ptr_array_unref(h.msgstr);
}

/* msgfmt's own checks (format strings, header) agree for every catalogue,
 * and the statistics show no fuzzy or untranslated message. msgfmt gets a
 * plain English environment, so that its statistics line is the one
 * searched for. */
static void test_msgfmt_check(void)
{
  g_autofree char *msgfmt = g_find_program_in_path("msgfmt");
  g_auto(GStrv) envp = g_get_environ();
  g_auto(GStrv) languages = linguas();

  if (!msgfmt) {
    g_test_skip("msgfmt (Debian package gettext) is not installed");
    return;
  }
  envp = g_environ_unsetenv(envp, "LANGUAGE");
  envp = g_environ_setenv(envp, "LC_ALL", "C", TRUE);
  for (gsize i = 0; languages[i]; i++) {
    g_autofree char *rel = g_strdup_printf("po/%s.po", languages[i]);
    g_autofree char *path = testlib_source_path(rel);
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    const char *argv[] = {msgfmt, "--check", "--statistics", "-o", "/dev/null",
                          path,   NULL};

    g_test_message("msgfmt --check %s", rel);
    g_assert_cmpint(testlib_spawn(argv, (const char *const *)envp, &out, &err),
                    ==, 0);
    g_assert_nonnull(strstr(err, " translated messages."));
    g_assert_null(strstr(err, "fuzzy"));
    g_assert_null(strstr(err, "untranslated"));
    g_assert_null(strstr(err, "warning"));
  }
}

/* Every source file with a marked string is in po/POTFILES, or its strings
 * would silently stay English. */
static gboolean marks_strings(const char *text)
{
  for (const char *p = text; (p = strstr(p, "_(\"")); p++) {
    char before = p == text ? ' ' : p[-1];

    if (before == 'N' || before == 'C' || before == 'Q' ||
        !(g_ascii_isalnum(before) || before == '_'))
      return TRUE;
  }
  return FALSE;
}

static void test_potfiles_complete(void)
{
  const char *folders[] = {
      "kiosk/view", "kiosk/core", "kiosk/store", "kiosk/runtime", "kiosk/cli",
      "kiosk/demo", "ui",         "capture",     "drivers"};
  g_autofree char *potfiles_path = testlib_source_path("po/POTFILES");
  g_autofree char *potfiles = NULL;
  g_auto(GStrv) listed = NULL;
  guint n_marked = 0;

  g_assert_true(g_file_get_contents(potfiles_path, &potfiles, NULL, NULL));
  listed = g_strsplit(potfiles, "\n", -1);
  for (gsize i = 0; i < G_N_ELEMENTS(folders); i++) {
    g_autofree char *dir_path = testlib_source_path(folders[i]);
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
    const char *name;

    g_assert_nonnull(dir);
    while ((name = g_dir_read_name(dir))) {
      g_autofree char *rel = g_build_filename(folders[i], name, NULL);
      g_autofree char *path = NULL;
      g_autofree char *text = NULL;

      if (!g_str_has_suffix(name, ".c") && !g_str_has_suffix(name, ".h"))
        continue;
      path = testlib_source_path(rel);
      if (!g_file_get_contents(path, &text, NULL, NULL) || !marks_strings(text))
        continue;
      n_marked++;
      if (!g_strv_contains((const char *const *)listed, rel))
        g_error("%s marks strings for translation but is not in po/POTFILES",
                rel);
    }
  }
  g_assert_cmpuint(n_marked, >=, 4);
}

int main(int argc, char **argv)
{
  setlocale(LC_ALL, "");
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/i18n/locale-dir", test_locale_dir);
  g_test_add_func("/i18n/dutch", test_dutch);
  g_test_add_func("/i18n/photo-reasons", test_photo_reasons);
  g_test_add_func("/i18n/session-view", test_session_view);
  g_test_add_func("/i18n/every-language", test_every_language);
  g_test_add_func("/i18n/known-languages", test_known_languages);
  g_test_add_func("/i18n/other-domains-english", test_other_domains_english);
  g_test_add_func("/i18n/english-despite-environment",
                  test_english_despite_environment);
  g_test_add_func("/i18n/switching", test_switching);
  g_test_add_func("/i18n/c-locale", test_c_locale);
  g_test_add_func("/i18n/refused", test_refused);
  g_test_add_func("/i18n/environment-untouched", test_environment_untouched);
  g_test_add_func("/i18n/switch-while-threads-translate",
                  test_switch_while_threads_translate);
  g_test_add_func("/i18n/format-signature", test_format_signature);
  g_test_add_func("/i18n/catalog-complete", test_catalog_complete);
  g_test_add_func("/i18n/catalog-checks-fail", test_catalog_checks_fail);
  g_test_add_func("/i18n/msgfmt-check", test_msgfmt_check);
  g_test_add_func("/i18n/potfiles-complete", test_potfiles_complete);
  return g_test_run();
}
