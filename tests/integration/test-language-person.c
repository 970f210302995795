/* The language button through the running kiosk, with synthetic touches
 * on the real front end: the header button opens the chooser, a choice
 * switches the screens (Arabic mirrored), and in a family appointment the
 * next person starts in the kiosk's own language, not the one the person
 * before them chose; their own choice holds for them. The screens are
 * saved under language-screens/ in the build folder for a look. */
#include <glib/gi18n.h>
#include <locale.h>

#include "demo.h"
#include "fpreader.h"
#include "i18n.h"
#include "kiosk-desk.h"
#include "testlib.h"

#define SHOTS "language-screens"

static const KioskView *view(KioskDesk *d)
{
  return session_view(app_session(d->app));
}

/* The header button, then `language` in the chooser. */
static void choose(KioskDesk *d, const char *language, const char *shot)
{
  g_autofree char *id =
      g_strconcat(VIEW_BUTTON_LANGUAGE_PREFIX, language, NULL);

  kiosk_desk_touch(d, VIEW_BUTTON_LANGUAGE);
  g_assert_true(kiosk_desk_has_button(d, id));
  if (shot)
    kiosk_desk_screenshot(d, SHOTS, shot);
  kiosk_desk_touch(d, id);
  g_assert_false(kiosk_desk_has_button(d, id));
  g_assert_cmpstr(i18n_get_language(), ==, language);
  g_assert_cmpstr(view(d)->language, ==, i18n_language_name(language));
}

static void test_family(void)
{
  KioskDesk d = {0};

  kiosk_desk_open(&d, NULL);
  g_assert_cmpstr(i18n_get_language(), ==, d.config->language);
  g_assert_cmpstr(view(&d)->language, ==, "English");
  choose(&d, "ar", "chooser");
  g_assert_true(view(&d)->rtl);
  g_assert_true(kiosk_desk_says(&d, "رمز الموعد"));
  kiosk_desk_screenshot(&d, SHOTS, "checkin-ar");

  /* The first person, in Arabic all the way. */
  kiosk_desk_walk_to(&d, SESSION_DONE);
  g_assert_cmpstr(i18n_get_language(), ==, "ar");
  g_assert_true(view(&d)->rtl);
  kiosk_desk_screenshot(&d, SHOTS, "done-ar");

  /* The child: the kiosk's language, not the parent's. */
  kiosk_desk_touch(&d, VIEW_BUTTON_NEXT);
  g_assert_cmpint(kiosk_desk_state(&d), ==, SESSION_PERSON);
  g_assert_cmpstr(i18n_get_language(), ==, "en");
  g_assert_false(view(&d)->rtl);
  g_assert_cmpstr(view(&d)->language, ==, "English");
  choose(&d, "ti", NULL);
  g_assert_cmpstr(view(&d)->title, ==, "ተራኹም እዩ"); /* "Your turn" */
  kiosk_desk_screenshot(&d, SHOTS, "person-2-ti");
  kiosk_desk_close(&d);
  g_assert_true(i18n_set_language("en"));
}

int main(int argc, char **argv)
{
  g_autoptr(KioskConfig) config = config_load(NULL, NULL);

  setlocale(LC_ALL, "");
  g_test_init(&argc, &argv, NULL);
  /* Before any thread, as main() does. */
  if (!i18n_init("en"))
    testlib_skip_all("no catalogues in %s", i18n_locale_dir());
  g_assert_true(
      fpreader_prepare(config->reader_backend, config->reader_options, NULL));
  /* The kiosk warns of the demo key and PIN, which is expected here. */
  g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add_func("/language-person/family", test_family);
  return g_test_run();
}
