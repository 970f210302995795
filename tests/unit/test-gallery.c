/* The gallery: every applicant screen of the real session
 * (kiosk/core/session.c driven with a fake appointment book, a fake PIN
 * check and synthetic photo, signature and prints) in every language the
 * kiosk knows, drawn by the real front end under SDL's offscreen driver.
 *
 * - /gallery/<lang>/<screen>: the frame, rounded to GALLERY_LEVELS levels
 *   per channel, equals docs/gallery/<lang>/<screen>.png (a difference
 *   leaves the actual frame and a diff image in the build folder, named in
 *   the log);
 * - /overflow/<lang>/<screen>: no text of the frame was cut with "…",
 *   clipped, dropped or broken inside a word, and none is smaller than
 *   MIN_TEXT_HEIGHT (the text audit of ui-draw.h);
 * - /page/gallery (last): docs/gallery.md lists exactly these images, and
 *   docs/gallery/ holds no other.
 *
 * BK_UPDATE_REFERENCE=1 rewrites the images and the page
 * (tests/tools/update-gallery.sh; docs/ui.md): look at them before
 * committing. */
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <math.h>
#include <string.h>

#include "fpsynth.h"
#include "height.h"
#include "i18n.h"
#include "portrait.h"
#include "session.h"
#include "signature.h"
#include "testlib-ui.h"
#include "testlib.h"
#include "ui-draw.h"

#define SEC G_USEC_PER_SEC

/* The smallest font height (px) any text may have: that of DejaVu Sans at
 * 18 px, the finger labels' size, the smallest the layouts use. */
#define MIN_TEXT_HEIGHT 21

/* The gallery's images keep 32 levels per channel (5 bits): they look the
 * same and take 30 % less room. A frame is rounded the same way before it
 * is compared, exactly, so a change smaller than half a level (4 of 255)
 * in a channel can go unseen; a change of layout, text or font cannot. */
#define GALLERY_LEVELS 32

#define CODE_FAMILY "48213705"
#define CODE_OTHER  "73920416"
#define CODE_WRONG  "11112222"
#define OFFICER_PIN "2468"

/* ---- the desk: a session with fakes around it ---- */

typedef struct {
  KioskConfig *config;
  GDateTime *clock;
  Session *session;
  gint64 now;
} Desk;

static struct {
  BkImage *live;  /* the camera's live frame, 4:3 */
  BkImage *photo; /* the photo taken, 35:45 */
  BkImage *signature;
  guint8 *fingers[2]; /* 300 x 400 grey */
} media;

static Ui *shared_ui;

static Person *person(const char *name, const char *dob)
{
  Person *p = g_new0(Person, 1);

  p->name = g_strdup(name);
  p->date_of_birth = g_strdup(dob);
  p->document_type = g_strdup("residence_permit");
  p->prior = PRIOR_NONE;
  p->first_permit = TRUE;
  p->fingerprints = FP_POLICY_AGE;
  return p;
}

/* The fake appointment book: a family of two here, one person elsewhere. */
static Appointment *lookup(const char *code, gpointer user_data)
{
  Desk *d = user_data;
  gboolean here = g_str_equal(code, CODE_FAMILY);
  Appointment *a;

  if (!here && !g_str_equal(code, CODE_OTHER))
    return NULL;
  a = appointment_new();
  a->code = g_strdup(code);
  a->location_id = g_strdup(here ? d->config->location_id : "IND-DHG");
  a->location_name =
      g_strdup(here ? d->config->location_name : "IND Den Haag, Rijnstraat 50");
  a->start = g_date_time_ref(d->clock);
  g_ptr_array_add(a->persons, person("Amira El Idrissi", "1990-04-12"));
  if (here)
    g_ptr_array_add(a->persons, person("Youssef El Idrissi", "1987-09-30"));
  return a;
}

static gboolean check_pin(const char *pin, gpointer user_data)
{
  return g_str_equal(pin, OFFICER_PIN);
}

static void desk_open(Desk *d, const char *language)
{
  g_autoptr(GError) error = NULL;

  g_assert_true(i18n_set_language(language));
  d->config = config_load(NULL, &error);
  g_assert_no_error(error);
  /* The banner is the site's own text, in one language: not the gallery's
   * subject. */
  g_clear_pointer(&d->config->banner, g_free);
  d->clock = g_date_time_new_local(2026, 11, 27, 10, 30, 0);
  d->now = 1000 * SEC;
  d->session = session_new(d->config, lookup, check_pin, d, d->now);
  session_set_clock(d->session, d->clock);
}

static void desk_close(Desk *d)
{
  session_free(d->session);
  g_date_time_unref(d->clock);
  config_free(d->config);
}

static void send(Desk *d, SessionEvent ev)
{
  SessionRequest req;

  d->now += SEC / 10;
  session_handle(d->session, &ev, d->now);
  while (session_next_request(d->session, &req))
    ; /* the devices answer through the walks' events */
}

static void press(Desk *d, const char *button)
{
  send(d, (SessionEvent){.type = EV_BUTTON, .button = button});
}

static void type(Desk *d, const char *digits)
{
  for (const char *c = digits; *c; c++)
    send(d, (SessionEvent){.type = EV_KEY, .key = *c});
}

static void submit(Desk *d, const char *digits)
{
  type(d, digits);
  send(d, (SessionEvent){.type = EV_SUBMIT});
}

static void expect(Desk *d, SessionState state)
{
  g_assert_cmpstr(session_state_name(session_state(d->session)), ==,
                  session_state_name(state));
}

/* ---- the walks: from a fresh session to each screen ---- */

static void walk_checkin(Desk *d)
{
  expect(d, SESSION_CHECKIN);
}

static void walk_checkin_code(Desk *d)
{
  type(d, "4821");
}

static void walk_checkin_error(Desk *d)
{
  submit(d, CODE_WRONG);
  expect(d, SESSION_CHECKIN);
}

static void walk_message(Desk *d)
{
  submit(d, CODE_OTHER);
  expect(d, SESSION_MESSAGE);
}

static void walk_person(Desk *d)
{
  submit(d, CODE_FAMILY);
  expect(d, SESSION_PERSON);
}

static void walk_photo_live(Desk *d)
{
  walk_person(d);
  press(d, VIEW_BUTTON_START);
  submit(d, OFFICER_PIN);
  expect(d, SESSION_OFFICER_CHECK);
  press(d, VIEW_BUTTON_DOCUMENTS_SEEN);
  expect(d, SESSION_PHOTO);
  session_set_live_frame(d->session, media.live->width, media.live->height, 3,
                         media.live->pixels, d->now);
}

static void take_photo(Desk *d, gboolean ok, const char *const *reasons)
{
  walk_photo_live(d);
  press(d, VIEW_BUTTON_TAKE);
  session_set_image(d->session, media.photo->width, media.photo->height, 3,
                    media.photo->pixels);
  send(d, (SessionEvent){.type = EV_PHOTO_TAKEN, .ok = ok, .reasons = reasons});
}

static void walk_photo_good(Desk *d)
{
  take_photo(d, TRUE, NULL);
}

/* A closed box from (x0, y0) to (x1, y1), in the photo's 0..1. */
static ViewMark box_mark(ViewMarkRole role, float x0, float y0, float x1,
                         float y1)
{
  ViewMark m = {role, TRUE, {x0, x1, x1, x0}, {y0, y0, y1, y1}, 4};

  return m;
}

/* Refused with the photo worker's marks and figures, as the refusal screen
 * shows them: the head measured against the template's box. */
static void walk_photo_refused(Desk *d)
{
  static const char *const reasons[] = {"head_too_small",
                                        "background_not_uniform", NULL};
  const ReasonFigure figures[] = {
      {"head_too_small", REASON_FIGURE_HEAD_SMALL, 27.0, 32.0}};
  const ViewMark marks[] = {
      box_mark(VIEW_MARK_FAULT, 0.33f, 0.25f, 0.67f, 0.66f),
      box_mark(VIEW_MARK_TARGET, 0.27f, 0.14f, 0.73f, 0.72f)};

  walk_photo_live(d);
  press(d, VIEW_BUTTON_TAKE);
  session_set_image(d->session, media.photo->width, media.photo->height, 3,
                    media.photo->pixels);
  session_set_photo_marks(d->session, marks, G_N_ELEMENTS(marks), figures,
                          G_N_ELEMENTS(figures));
  send(d,
       (SessionEvent){.type = EV_PHOTO_TAKEN, .ok = FALSE, .reasons = reasons});
}

static void walk_signature(Desk *d)
{
  walk_photo_good(d);
  press(d, VIEW_BUTTON_ACCEPT);
  expect(d, SESSION_SIGNATURE);
}

static void walk_signature_taken(Desk *d)
{
  walk_signature(d);
  session_set_signature_image(d->session, media.signature->width,
                              media.signature->height, media.signature->pixels);
  send(d, (SessionEvent){.type = EV_SIGNATURE_DONE, .ok = TRUE});
}

static void walk_fingerprint_first(Desk *d)
{
  walk_signature_taken(d);
  press(d, VIEW_BUTTON_ACCEPT);
  expect(d, SESSION_FINGERPRINT);
}

/* Three good impressions of the finger in `slot` and the best kept. */
static void finger_good(Desk *d, int slot)
{
  for (int i = 0; i <= FINGER_IMPRESSIONS_WANTED; i++) {
    session_set_finger_image(d->session, slot, 300, 400, media.fingers[slot]);
    send(d, (SessionEvent){.type = EV_FINGER_DONE, .ok = TRUE, .quality = 80});
  }
}

static void walk_fingerprint(Desk *d)
{
  walk_fingerprint_first(d);
  finger_good(d, 0);
}

static void walk_fingerprint_refused(Desk *d)
{
  static const char *const reasons[] = {"poor_quality", NULL};

  walk_fingerprint(d);
  for (int i = 0; i < 3; i++) {
    session_set_finger_image(d->session, 1, 300, 400, media.fingers[1]);
    send(d, (SessionEvent){
                .type = EV_FINGER_DONE, .quality = 20, .reasons = reasons});
  }
}

static void walk_review(Desk *d)
{
  walk_fingerprint(d);
  finger_good(d, 1);
  press(d, VIEW_BUTTON_ACCEPT);
  expect(d, SESSION_REVIEW);
}

static void walk_done(Desk *d)
{
  walk_review(d);
  press(d, VIEW_BUTTON_APPROVE);
  send(d, (SessionEvent){.type = EV_RECORD_STORED, .message = "r-1"});
  expect(d, SESSION_DONE);
}

/* The applicant walked away before the capture began (officer mode,
 * which locks itself sooner, is not open yet): the prompt before the idle
 * reset. */
static void walk_more_time(Desk *d)
{
  walk_person(d);
  d->now +=
      (gint64)(d->config->idle_timeout_s - d->config->idle_warning_s + 1) * SEC;
  send(d, (SessionEvent){.type = EV_TICK});
  g_assert_cmpstr(session_view(d->session)->title, ==,
                  _("Do you need more time?"));
  /* Laid out like the screen it replaces. */
  g_assert_cmpint(session_view(d->session)->rtl, ==,
                  i18n_language_direction(i18n_get_language()) ==
                      I18N_DIRECTION_RTL);
}

/* Seated, the camera too high: the height guidance. */
static void walk_photo_live_high(Desk *d)
{
  static const char *const reasons[] = {HEIGHT_CAMERA_TOO_HIGH, NULL};

  walk_photo_live(d);
  session_set_guidance(d->session, reasons);
}

/* The applicant's choices on the check-in screen, kept for the whole
 * appointment, and the runtime's speaker button. */
enum {
  CHOICE_SEATED = 1 << 0,
  CHOICE_LARGE_TEXT = 1 << 1,
  CHOICE_SPEECH = 1 << 2,
};

typedef struct {
  const char *name;
  const char *caption; /* for the gallery page */
  void (*walk)(Desk *d);
  guint choices; /* a variant's: only its own image, no overflow variants */
} Shot;

static const Shot shots[] = {
    {"checkin", "Check-in: the keypad, nothing typed", walk_checkin},
    {"checkin-code", "Check-in: part of a code typed", walk_checkin_code},
    {"checkin-error", "Check-in: an unknown code", walk_checkin_error},
    {"message", "A message: the appointment is at another desk", walk_message},
    {"person", "The next person of a family appointment", walk_person},
    {"photo-live", "Photo: live view with the face guide", walk_photo_live},
    {"photo-good", "Photo: accepted by the validator", walk_photo_good},
    {"photo-refused", "Photo: refused, with the reasons", walk_photo_refused},
    {"signature", "Signature: waiting for the pad", walk_signature},
    {"signature-taken", "Signature: taken, to confirm", walk_signature_taken},
    {"fingerprint", "Fingerprints: the second finger", walk_fingerprint},
    {"fingerprint-refused", "Fingerprints: a print that could not be read",
     walk_fingerprint_refused},
    {"review", "Review by the desk officer", walk_review},
    {"done", "Done", walk_done},
    {"more-time", "Do you need more time? (before the idle reset)",
     walk_more_time},
    {"photo-live-seated", "Seated layout: live view, the camera too high",
     walk_photo_live_high, CHOICE_SEATED},
    {"person-large-text", "Large text: the next person", walk_person,
     CHOICE_LARGE_TEXT},
};

/* The choices every screen's overflow is checked with, besides none. */
static const guint overflow_choices[] = {
    CHOICE_SEATED,
    CHOICE_LARGE_TEXT,
    CHOICE_SEATED | CHOICE_LARGE_TEXT | CHOICE_SPEECH,
};

typedef struct {
  const char *language;
  const Shot *shot;
  guint choices;
  char *name; /* the shot's, with the choices that are not its own */
} Case;

static GArray *cases; /* Case */

/* Renders the case's screen on the shared front end, with the text audit
 * reporting to `audit` (may be NULL) meanwhile. */
static void render_case(const Case *c, UiTextAuditFunc audit, gpointer data)
{
  Desk d = {0};

  KioskView view;

  desk_open(&d, c->language);
  if (c->choices & CHOICE_SEATED)
    press(&d, VIEW_BUTTON_SEATED);
  if (c->choices & CHOICE_LARGE_TEXT)
    press(&d, VIEW_BUTTON_LARGE_TEXT);
  c->shot->walk(&d);
  view = *session_view(d.session);
  if (c->choices & CHOICE_SPEECH)
    view.speech = VIEW_SPEECH_ON;
  ui_text_set_audit(audit, data);
  ui_render(shared_ui, &view);
  ui_text_set_audit(NULL, NULL);
  desk_close(&d);
}

static char *reference_path(const Case *c)
{
  g_autofree char *file = g_strconcat(c->name, ".png", NULL);

  return g_build_filename("docs", "gallery", c->language, file, NULL);
}

static void test_reference(gconstpointer data)
{
  const Case *c = data;
  g_autofree char *ref = reference_path(c);
  g_autofree char *actual =
      g_build_filename("gallery-actual", c->language, c->name, NULL);
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GError) error = NULL;

  render_case(c, NULL, NULL);
  png = testlib_ui_png(shared_ui);
  if (!testlib_ui_check_reference(png, GALLERY_LEVELS, ref, actual, &error))
    g_test_fail_printf("%s", error->message);
}

static void collect_trouble(const UiTextEvent *event, gpointer data)
{
  GString *trouble = data;
  static const char *const what[] = {
      [UI_TEXT_CUT] = "cut with an ellipsis",
      [UI_TEXT_CLIPPED] = "clipped",
      [UI_TEXT_DROPPED] = "left out from",
      [UI_TEXT_HYPHENATED] = "broken inside a word at",
  };

  if (event->fit == UI_TEXT_DRAWN) {
    if (event->height < MIN_TEXT_HEIGHT)
      g_string_append_printf(trouble, "\n  too small (%d px high): \"%s\"",
                             event->height, event->text);
    return;
  }
  g_string_append_printf(trouble, "\n  %s: \"%s\"", what[event->fit],
                         event->text);
  if (event->rect.w > 0)
    g_string_append_printf(trouble, " (at %d,%d, %d x %d)", event->rect.x,
                           event->rect.y, event->rect.w, event->rect.h);
}

static void test_overflow(gconstpointer data)
{
  const Case *c = data;
  g_autoptr(GString) trouble = g_string_new(NULL);

  render_case(c, collect_trouble, trouble);
  if (trouble->len)
    g_test_fail_printf("%s/%s: text does not fit:%s", c->language, c->name,
                       trouble->str);
}

/* ---- the gallery page ---- */

static char *gallery_page(void)
{
  const char *const *languages = i18n_known_languages();
  GString *md = g_string_new(NULL);

  g_string_append(
      md, "# Gallery\n\n"
          "<!-- Written by tests/unit/test-gallery.c "
          "(tests/tools/update-gallery.sh); do not edit. -->\n\n"
          "Every applicant screen in every language of the kiosk, as the "
          "kiosk draws it (1280 x 800): the session's own texts from the "
          "catalogues in `po/`, synthetic photo, signature and prints. The "
          "same images are the references of the `gallery` test, which "
          "also checks that no text overflows its box (docs/ui.md).\n\n");
  g_string_append(md, "| screen |");
  for (int l = 0; languages[l]; l++)
    g_string_append_printf(md, " %s |", languages[l]);
  g_string_append(md, "\n|---|");
  for (int l = 0; languages[l]; l++)
    g_string_append(md, "---|");
  g_string_append(md, "\n");
  for (gsize s = 0; s < G_N_ELEMENTS(shots); s++) {
    g_string_append_printf(md, "| [%s](#%s) |", shots[s].caption,
                           shots[s].name);
    for (int l = 0; languages[l]; l++)
      g_string_append_printf(md, " [%s](gallery/%s/%s.png) |",
                             i18n_language_name(languages[l]), languages[l],
                             shots[s].name);
    g_string_append(md, "\n");
  }
  for (gsize s = 0; s < G_N_ELEMENTS(shots); s++) {
    g_string_append_printf(md, "\n<a id=\"%s\"></a>\n## %s\n\n", shots[s].name,
                           shots[s].caption);
    g_string_append(md, "| language | screen |\n|---|---|\n");
    for (int l = 0; languages[l]; l++)
      g_string_append_printf(
          md,
          "| %s (%s) | <img src=\"gallery/%s/%s.png\" width=\"640\" "
          "alt=\"%s, %s\"> |\n",
          i18n_language_name(languages[l]), languages[l], languages[l],
          shots[s].name, shots[s].caption, languages[l]);
  }
  return g_string_free(md, FALSE);
}

/* The page is up to date, and docs/gallery/ holds only its images (with
 * BK_UPDATE_REFERENCE=1: others are removed). */
static void test_page(void)
{
  g_autofree char *page = gallery_page();
  g_autofree char *path = testlib_source_path("docs/gallery.md");
  g_autofree char *dir = testlib_source_path("docs/gallery");
  g_autofree char *have = NULL;
  g_autoptr(GDir) langs = NULL;
  const char *lang;
  gboolean update = g_strcmp0(g_getenv("BK_UPDATE_REFERENCE"), "1") == 0;

  if (update)
    g_assert_true(g_file_set_contents(path, page, -1, NULL));
  if (!g_file_get_contents(path, &have, NULL, NULL) || !g_str_equal(have, page))
    g_test_fail_printf("docs/gallery.md is not what the test writes: run "
                       "tests/tools/update-gallery.sh");
  langs = g_dir_open(dir, 0, NULL);
  g_assert_nonnull(langs);
  while ((lang = g_dir_read_name(langs))) {
    g_autofree char *sub = g_build_filename(dir, lang, NULL);
    g_autoptr(GDir) files = g_dir_open(sub, 0, NULL);
    const char *file;

    g_assert_nonnull(files);
    while ((file = g_dir_read_name(files))) {
      g_autofree char *link = g_strdup_printf("(gallery/%s/%s)", lang, file);
      g_autofree char *sub_file = g_build_filename(sub, file, NULL);

      if (strstr(page, link))
        continue;
      if (update)
        g_assert_cmpint(g_unlink(sub_file), ==, 0);
      else
        g_test_fail_printf("docs/gallery/%s/%s is not in the gallery", lang,
                           file);
    }
  }
}

/* ---- synthetic media ---- */

static BkImage *make_signature(void)
{
  enum { N = 600 };
  SignatureSample samples[N + 1];

  for (int i = 0; i < N; i++) {
    double t = (double)i / (N - 1);

    samples[i].x = 0.1 + 0.8 * t + 0.04 * sin(t * 38.0);
    samples[i].y =
        0.55 - 0.22 * sin(t * 11.0) * (1.0 - t * 0.5) + 0.1 * cos(t * 38.0);
    samples[i].pressure = 0.7;
    samples[i].t_us = (gint64)i * 4000;
  }
  samples[N] = (SignatureSample){0.9, 0.55, 0.0, (gint64)N * 4000};
  return signature_render(samples, N + 1, 600, 200);
}

/* The demo's portrait in flat tones (smoothed, then a few levels per
 * channel): its sensor noise and skin texture would make each screen
 * several times larger, and the gallery is kept in git. */
static BkImage *flat_portrait(int width, int height)
{
  enum { R = 3, STEP = 20 };
  PortraitStyle style;
  g_autoptr(BkImage) drawn = NULL;
  BkImage *img;

  portrait_style_default(&style);
  drawn = portrait_draw(width, height, &style);
  img = image_copy(drawn);
  for (int y = 0; y < img->height; y++) {
    for (int x = 0; x < img->width; x++) {
      int sum[3] = {0, 0, 0}, n = 0;
      guint8 *out = image_pixel(img, x, y);

      for (int dy = -R; dy <= R; dy++) {
        for (int dx = -R; dx <= R; dx++) {
          const guint8 *p = image_pixel(drawn, CLAMP(x + dx, 0, width - 1),
                                        CLAMP(y + dy, 0, height - 1));

          for (int c = 0; c < 3; c++)
            sum[c] += p[c];
          n++;
        }
      }
      for (int c = 0; c < 3; c++)
        out[c] = (guint8)MIN(255, (sum[c] / n + STEP / 2) / STEP * STEP);
    }
  }
  return img;
}

static void media_make(void)
{
  media.live = flat_portrait(640, 480);
  media.photo = flat_portrait(700, 900);
  media.signature = make_signature();
  for (int i = 0; i < 2; i++) {
    media.fingers[i] = fpsynth_generate(7, i ? 7 : 2, 0, 300, 400);
    /* Ridges and valleys in three tones, for the same reason. */
    for (int p = 0; p < 300 * 400; p++)
      media.fingers[i][p] = (guint8)(media.fingers[i][p] / 86 * 120);
  }
}

static void media_free(void)
{
  image_free(media.live);
  image_free(media.photo);
  image_free(media.signature);
  g_free(media.fingers[0]);
  g_free(media.fingers[1]);
}

static void add_case(GArray *to, const char *language, const Shot *shot,
                     guint choices)
{
  guint extra = choices & ~shot->choices;
  Case c = {language, shot, choices,
            g_strconcat(shot->name, extra & CHOICE_SEATED ? "+seated" : "",
                        extra & CHOICE_LARGE_TEXT ? "+large-text" : "",
                        extra & CHOICE_SPEECH ? "+speech" : "", NULL)};

  g_array_append_val(to, c);
}

/* Every shot in every language; every shot that is not a variant also
 * with each of overflow_choices (checked for overflow only). */
static GArray *make_cases(void)
{
  const char *const *languages = i18n_known_languages();
  GArray *all = g_array_new(FALSE, FALSE, sizeof(Case));

  for (int l = 0; languages[l]; l++) {
    g_assert_true(i18n_language_available(languages[l]));
    for (gsize s = 0; s < G_N_ELEMENTS(shots); s++) {
      add_case(all, languages[l], &shots[s], shots[s].choices);
      for (gsize o = 0; !shots[s].choices && o < G_N_ELEMENTS(overflow_choices);
           o++)
        add_case(all, languages[l], &shots[s], overflow_choices[o]);
    }
  }
  return all;
}

int main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  KioskConfig *config;
  UiOptions options = {.headless = TRUE};
  int status;

  setlocale(LC_ALL, "");
  g_test_init(&argc, &argv, NULL);
  g_assert_true(i18n_init("en"));
  config = config_load(NULL, &error);
  g_assert_no_error(error);
  options.location = config->location_name;
  shared_ui = ui_new(&options, &error);
  config_free(config);
  if (!shared_ui && g_error_matches(error, UI_ERROR, UI_ERROR_INIT))
    testlib_skip_all("SDL has no usable video driver: %s", error->message);
  g_assert_no_error(error);
  media_make();

  cases = make_cases();
  for (guint i = 0; i < cases->len; i++) {
    const Case *c = &g_array_index(cases, Case, i);
    g_autofree char *ref =
        g_strdup_printf("/gallery/%s/%s", c->language, c->name);
    g_autofree char *over =
        g_strdup_printf("/overflow/%s/%s", c->language, c->name);

    if (c->choices == c->shot->choices)
      g_test_add_data_func(ref, c, test_reference);
    g_test_add_data_func(over, c, test_overflow);
  }
  g_test_add_func("/page/gallery", test_page);
  status = g_test_run();
  for (guint i = 0; i < cases->len; i++)
    g_free(g_array_index(cases, Case, i).name);
  g_array_free(cases, TRUE);
  ui_free(shared_ui);
  media_free();
  return status;
}
