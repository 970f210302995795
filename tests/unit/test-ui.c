/* The SDL front end, headless: every screen rendered from representative
 * views (with synthetic photo, signature and finger images) and compared
 * with the reference PNGs in tests/ui-reference/; hit testing through
 * ui_press(); layout rules (no overlapping targets, large keys); determinism.
 * BK_UPDATE_REFERENCE=1 rewrites the references (then look at them). When
 * xvfb-run exists, the same checks run once more in a real X11 window. */
#include <SDL.h>
#include <SDL_ttf.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "bk-config.h"
#include "image.h"
#include "pngio.h"
#include "testlib.h"
#include "ui-draw.h"
#include "ui-layout.h"
#include "ui-screens.h"
#include "ui.h"

#define W 1280
#define H 800

static Ui *shared_ui;

/* ---- synthetic images ---- */

typedef struct {
  BkImage *live;      /* 4:3 RGB camera frame */
  BkImage *photo;     /* 35:45 RGB crop */
  BkImage *signature; /* grey, white paper */
  BkImage *finger;    /* grey ridges */
  BkImage *finger2;
} Images;

static Images images;

/* A studio-like frame: grey-blue gradient background, a face-coloured oval,
 * darker "hair" and "shoulders", so the oval guide can be judged. */
static BkImage *make_photo(int w, int h)
{
  BkImage *img = image_new(w, h, 3);

  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) {
      guint8 *px = image_pixel(img, x, y);
      double fx = (x - w / 2.0) / (h * 0.21), fy = (y - h * 0.45) / (h * 0.29);
      double hx = (x - w / 2.0) / (h * 0.24), hy = (y - h * 0.38) / (h * 0.29);
      double sx = (x - w / 2.0) / (h * 0.45), sy = (y - h * 1.05) / (h * 0.32);
      int g = 200 + 40 * y / h;

      px[0] = (guint8)(g - 10);
      px[1] = (guint8)g;
      px[2] = (guint8)MIN(255, g + 15);
      if (sx * sx + sy * sy < 1.0) {
        px[0] = 40, px[1] = 50, px[2] = 80;
      }
      if (hx * hx + hy * hy < 1.0) {
        px[0] = 70, px[1] = 45, px[2] = 30;
      }
      if (fx * fx + fy * fy < 1.0) {
        px[0] = (guint8)(215 - 30 * y / h);
        px[1] = (guint8)(170 - 30 * y / h);
        px[2] = (guint8)(140 - 30 * y / h);
      }
    }
  }
  return img;
}

static void stamp(BkImage *img, int cx, int cy, int r)
{
  for (int y = cy - r; y <= cy + r; y++) {
    for (int x = cx - r; x <= cx + r; x++) {
      if (x >= 0 && y >= 0 && x < img->width && y < img->height &&
          (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r)
        *image_pixel(img, x, y) = 20;
    }
  }
}

/* A looping scribble, drawn as overlapping dots along a parametric curve. */
static BkImage *make_signature(int w, int h)
{
  BkImage *img = image_new(w, h, 1);

  memset(img->pixels, 255, img->stride * h);
  for (int i = 0; i <= 2000; i++) {
    double t = i / 2000.0;
    double x = 0.08 + 0.84 * t + 0.04 * sin(t * 40.0);
    double y =
        0.55 - 0.25 * sin(t * 12.0) * (1.0 - t * 0.5) + 0.12 * cos(t * 40.0);

    stamp(img, (int)(x * w), (int)(y * h), 3);
  }
  return img;
}

/* Ridges: concentric sine rings around a core inside an oval pad. */
static BkImage *make_finger(int w, int h, double phase)
{
  BkImage *img = image_new(w, h, 1);

  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) {
      double ex = (x - w / 2.0) / (w * 0.42), ey = (y - h / 2.0) / (h * 0.46);
      double dx = x - w * 0.5, dy = (y - h * 0.45) * 0.8;
      double d = sqrt(dx * dx + dy * dy);
      guint8 *px = image_pixel(img, x, y);

      if (ex * ex + ey * ey > 1.0)
        *px = 245;
      else
        *px = (guint8)(120 + 100 * sin(d * 0.55 + phase));
    }
  }
  return img;
}

static ViewImage view_image(const BkImage *img)
{
  return (ViewImage){img->width, img->height, img->channels, img->stride,
                     img->pixels};
}

/* ---- representative views ---- */

static void add_button(KioskView *v, const char *id, const char *label,
                       gboolean primary, gboolean enabled)
{
  ViewButton *b = &v->buttons[v->n_buttons++];

  b->id = id;
  b->label = label;
  b->primary = primary;
  b->enabled = enabled;
}

static void add_line(KioskView *v, const char *text)
{
  v->lines[v->n_lines++] = text;
}

static KioskView base_view(ViewScreen screen)
{
  KioskView v = {0};

  v.screen = screen;
  v.footer = "IND Amsterdam · camera ready · reader ready · pad ready";
  return v;
}

typedef struct {
  const char *name;
  KioskView (*build)(void);
} Case;

static KioskView view_checkin(void)
{
  KioskView v = base_view(VIEW_CHECKIN);

  v.title = "Welcome. Please enter your appointment code";
  add_line(&v, "You find the code in the confirmation e-mail of your "
               "appointment.");
  v.entry = "";
  v.entry_max = 12;
  v.banner = "Do you have a fever or a cold? Please make a new appointment.";
  add_button(&v, VIEW_BUTTON_LANGUAGE, "Language", FALSE, TRUE);
  return v;
}

static KioskView view_checkin_error(void)
{
  KioskView v = base_view(VIEW_CHECKIN);

  v.title = "Welcome. Please enter your appointment code";
  add_line(&v, "You find the code in the confirmation e-mail of your "
               "appointment.");
  add_line(&v, "This code is not known here. Check the e-mail and try again.");
  v.warning = TRUE;
  v.entry = "12345678";
  v.entry_max = 12;
  return v;
}

static KioskView view_pin(void)
{
  KioskView v = base_view(VIEW_OFFICER_PIN);

  v.title = "Desk officer: enter your PIN";
  add_line(&v, "The desk officer checks the documents and supervises the "
               "capture.");
  v.entry = "123";
  v.entry_masked = TRUE;
  v.entry_max = 8;
  add_button(&v, VIEW_BUTTON_CANCEL, "Cancel", FALSE, TRUE);
  return v;
}

static KioskView view_pin_full(void)
{
  KioskView v = view_pin();

  v.entry = "12345678";
  return v;
}

static KioskView view_message(void)
{
  KioskView v = base_view(VIEW_MESSAGE);

  v.title = "Desk officer: check the documents";
  v.person = "Amira El Idrissi";
  add_line(&v, "Amira El Idrissi, born 1990-04-12 (passport).");
  add_line(&v, "Seen: valid passport or travel document, and the old "
               "residence document or W-document, or a police report of "
               "theft or loss.");
  add_line(&v, "Fingerprints: yes (two fingers).");
  add_button(&v, VIEW_BUTTON_DOCUMENTS_SEEN, "Documents seen: start", TRUE,
             TRUE);
  add_button(&v, VIEW_BUTTON_FINGERPRINTS, "No fingerprints", FALSE, TRUE);
  add_button(&v, VIEW_BUTTON_CANCEL, "Back", FALSE, TRUE);
  return v;
}

static KioskView view_message_warning(void)
{
  KioskView v = base_view(VIEW_MESSAGE);

  v.title = "This appointment is at another IND desk";
  v.warning = TRUE;
  add_line(&v, "Your appointment is at IND Den Bosch, Magistratenlaan 124.");
  add_line(&v, "Please go there at the time in your e-mail. Nothing has been "
               "recorded here.");
  add_button(&v, VIEW_BUTTON_OK, "OK", TRUE, TRUE);
  return v;
}

/* Long words and long sentences, as some translations have them. */
static KioskView view_message_long(void)
{
  KioskView v = base_view(VIEW_MESSAGE);

  v.title = "Verblijfsvergunningaanvraagbiometriegegevensverwerking is "
            "tijdelijk niet beschikbaar bij deze balie vandaag";
  v.banner = "Let op: vanwege werkzaamheden aan het gebouw is de ingang "
             "verplaatst naar de zijkant. Volg de borden. Wij excuseren ons "
             "voor het ongemak en danken u voor uw begrip en geduld.";
  for (int i = 0; i < VIEW_MAX_LINES; i++)
    add_line(&v, "Wij kunnen uw pasfoto, handtekening en vingerafdrukken "
                 "vandaag niet opnemen. U krijgt binnen vijf werkdagen een "
                 "nieuwe afspraak per e-mail.");
  add_button(&v, VIEW_BUTTON_OK, "Begrepen, terug naar het begin", TRUE, TRUE);
  add_button(&v, "help", "Medewerker roepen", FALSE, TRUE);
  add_button(&v, "lang", "Andere taal kiezen", FALSE, TRUE);
  return v;
}

static KioskView view_person(void)
{
  KioskView v = base_view(VIEW_PERSON);

  v.title = "Next: Amira El Idrissi";
  v.person = "Amira El Idrissi";
  v.step = 1;
  v.n_steps = 4;
  add_line(&v, "Person 2 of 3 on this appointment.");
  add_line(&v, "We take a passport photo and your signature on the pad.");
  add_button(&v, VIEW_BUTTON_START, "Start", TRUE, TRUE);
  add_button(&v, VIEW_BUTTON_STOP, "Stop", FALSE, TRUE);
  return v;
}

static KioskView view_photo_live(void)
{
  KioskView v = base_view(VIEW_PHOTO);

  v.title = "Passport photo";
  v.person = "Amira El Idrissi";
  v.step = 1;
  v.n_steps = 4;
  v.image = view_image(images.live);
  v.image_caption = "Live view";
  add_line(&v, "Look straight into the camera with a neutral face, mouth "
               "closed, eyes open.");
  add_line(&v, "Keep your face inside the oval.");
  add_button(&v, VIEW_BUTTON_TAKE, "Take photo", TRUE, TRUE);
  return v;
}

static KioskView view_photo_refused(void)
{
  KioskView v = base_view(VIEW_PHOTO);

  v.title = "This photo cannot be used";
  v.warning = TRUE;
  v.person = "Amira El Idrissi";
  v.step = 1;
  v.n_steps = 4;
  v.image = view_image(images.photo);
  add_line(&v, "The background is not plain white.");
  add_line(&v, "The face is too small: please come closer.");
  add_button(&v, VIEW_BUTTON_RETAKE, "Take again", TRUE, TRUE);
  add_button(&v, VIEW_BUTTON_OVERRIDE, "Officer: accept anyway", FALSE, TRUE);
  return v;
}

static KioskView view_photo_none(void)
{
  KioskView v = base_view(VIEW_PHOTO);

  v.title = "The camera is not available";
  v.warning = TRUE;
  add_line(&v, "No camera answers on the USB port.");
  add_button(&v, VIEW_BUTTON_TAKE, "Try again", TRUE, TRUE);
  return v;
}

static KioskView view_signature_empty(void)
{
  KioskView v = base_view(VIEW_SIGNATURE);

  v.title = "Please sign on the pad";
  v.person = "Amira El Idrissi";
  v.step = 2;
  v.n_steps = 4;
  add_line(&v, "Sign as in your passport. Lift the pen when you are done.");
  return v;
}

static KioskView view_signature_taken(void)
{
  KioskView v = base_view(VIEW_SIGNATURE);

  v.title = "Is this your signature?";
  v.person = "Amira El Idrissi";
  v.step = 2;
  v.n_steps = 4;
  v.image = view_image(images.signature);
  add_button(&v, VIEW_BUTTON_ACCEPT, "Yes, continue", TRUE, TRUE);
  add_button(&v, VIEW_BUTTON_REDO, "Sign again", FALSE, TRUE);
  return v;
}

static KioskView view_fingerprint(void)
{
  KioskView v = base_view(VIEW_FINGERPRINT);

  v.title = "Place your left index finger on the reader";
  v.person = "Amira El Idrissi";
  v.step = 3;
  v.n_steps = 4;
  add_line(&v, "Press the finger flat on the glass until the screen "
               "changes.");
  v.n_fingers = 2;
  v.fingers[0] = view_image(images.finger);
  v.finger_labels[0] = "right index finger";
  v.finger_labels[1] = "left index finger";
  add_button(&v, VIEW_BUTTON_MISSING, "Officer: finger not available", FALSE,
             FALSE);
  return v;
}

static KioskView view_fingerprint_ten(void)
{
  static const char *const labels[10] = {
      "right thumb",       "right index finger",  "right middle finger",
      "right ring finger", "right little finger", "left thumb",
      "left index finger", "left middle finger",  "left ring finger",
      "left little finger"};
  KioskView v = base_view(VIEW_FINGERPRINT);

  v.title = "The left ring finger could not be read well";
  v.warning = TRUE;
  v.person = "Amira El Idrissi";
  v.step = 3;
  v.n_steps = 4;
  add_line(&v, "Please try again: press the finger flat and firmly.");
  v.image = view_image(images.finger2);
  v.n_fingers = 10;
  for (int i = 0; i < 10; i++) {
    if (i < 8)
      v.fingers[i] = view_image(i % 2 ? images.finger2 : images.finger);
    v.finger_labels[i] = labels[i];
  }
  add_button(&v, VIEW_BUTTON_RETRY, "Try again", TRUE, TRUE);
  add_button(&v, VIEW_BUTTON_MISSING, "Officer: finger not available", FALSE,
             TRUE);
  return v;
}

static KioskView view_review(void)
{
  KioskView v = base_view(VIEW_REVIEW);

  v.title = "Desk officer: check and approve";
  v.person = "Amira El Idrissi";
  v.step = 4;
  v.n_steps = 4;
  v.image = view_image(images.photo);
  v.signature = view_image(images.signature);
  add_line(&v, "Photo: accepted by the validator");
  add_line(&v, "Signature: taken");
  add_line(&v, "Fingerprints: 2 taken, 0 missing");
  v.n_fingers = 2;
  v.fingers[0] = view_image(images.finger);
  v.fingers[1] = view_image(images.finger2);
  v.finger_labels[0] = "right index finger";
  v.finger_labels[1] = "left index finger";
  add_button(&v, VIEW_BUTTON_APPROVE, "Approve and store", TRUE, TRUE);
  add_button(&v, VIEW_BUTTON_REDO_PHOTO, "New photo", FALSE, TRUE);
  add_button(&v, VIEW_BUTTON_DISCARD, "Discard", FALSE, TRUE);
  return v;
}

static KioskView view_done(void)
{
  KioskView v = base_view(VIEW_DONE);

  v.title = "Thank you. Your biometrics have been stored";
  v.person = "Amira El Idrissi";
  add_line(&v, "They are sent securely to the IND.");
  add_line(&v, "Next person, please.");
  add_button(&v, VIEW_BUTTON_NEXT, "Next person", TRUE, TRUE);
  return v;
}

/* Arabic with a Latin name and numbers inside: right-to-left shaping and
 * run order. First in the list so that every later reference also checks
 * that the shared fonts are left as they were. */
static KioskView view_message_arabic(void)
{
  KioskView v = base_view(VIEW_MESSAGE);

  v.rtl = TRUE; /* the screen is mirrored, as the session asks for Arabic */
  v.title = "مرحبا بكم في مكتب الهجرة";
  v.person = "Amira Haddad";
  add_line(&v, "ستجد رمز الموعد في رسالة التأكيد التي وصلتك بالبريد "
               "الإلكتروني.");
  add_line(&v, "الموعد: Amira Haddad، الساعة 10:30، المكتب 3.");
  add_button(&v, VIEW_BUTTON_OK, "موافق", TRUE, TRUE);
  add_button(&v, "lang", "Nederlands", FALSE, TRUE);
  return v;
}

/* ---- the applicant's choices (docs/ui.md: more time, seated, large) ---- */

static KioskView view_checkin_seated(void)
{
  KioskView v = view_checkin();

  v.seated = TRUE;
  add_button(&v, VIEW_BUTTON_SEATED, "✓ Seated", FALSE, TRUE);
  add_button(&v, VIEW_BUTTON_LARGE_TEXT, "Large text", FALSE, TRUE);
  return v;
}

static KioskView view_checkin_large(void)
{
  KioskView v = view_checkin();

  v.large_text = TRUE;
  add_button(&v, VIEW_BUTTON_SEATED, "Seated", FALSE, TRUE);
  add_button(&v, VIEW_BUTTON_LARGE_TEXT, "✓ Large text", FALSE, TRUE);
  return v;
}

static KioskView view_more_time(void)
{
  KioskView v = base_view(VIEW_MESSAGE);

  v.person = "Amira El Idrissi";
  v.step = 1;
  v.n_steps = 4;
  v.title = "Do you need more time?";
  add_line(&v, "The screen starts again in 12 s, and what you did so far is "
               "removed.");
  add_line(&v, "Touch the screen to go on.");
  add_button(&v, VIEW_BUTTON_MORE_TIME, "Yes, I need more time", TRUE, TRUE);
  return v;
}

static KioskView view_photo_seated_height(void)
{
  KioskView v = view_photo_live();

  v.seated = TRUE;
  v.large_text = TRUE;
  v.n_lines = 0;
  add_line(&v, "The camera is too high for you. Please call the officer.");
  add_line(&v, "Keep your face inside the oval.");
  return v;
}

static const Case cases[] = {
    {"message-arabic", view_message_arabic},
    {"checkin", view_checkin},
    {"checkin-error", view_checkin_error},
    {"officer-pin", view_pin},
    {"officer-pin-full", view_pin_full},
    {"message", view_message},
    {"message-warning", view_message_warning},
    {"message-long", view_message_long},
    {"person", view_person},
    {"photo-live", view_photo_live},
    {"photo-refused", view_photo_refused},
    {"photo-none", view_photo_none},
    {"signature-empty", view_signature_empty},
    {"signature-taken", view_signature_taken},
    {"fingerprint", view_fingerprint},
    {"fingerprint-ten", view_fingerprint_ten},
    {"review", view_review},
    {"done", view_done},
    {"checkin-seated", view_checkin_seated},
    {"checkin-large", view_checkin_large},
    {"more-time", view_more_time},
    {"photo-seated-height", view_photo_seated_height},
};

/* ---- helpers ---- */

static GBytes *render_png(Ui *ui, const KioskView *view)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *path = g_build_filename(dir, "shot.png", NULL);
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  ui_render(ui, view);
  g_assert_true(ui_screenshot(ui, path, &error));
  g_assert_no_error(error);
  g_assert_true(g_file_get_contents(path, &data, &len, NULL));
  testlib_rmtree(dir);
  return g_bytes_new_take(data, len);
}

static gboolean images_equal(const BkImage *a, const BkImage *b, int *ret_diff)
{
  int diff = 0;

  if (a->width != b->width || a->height != b->height ||
      a->channels != b->channels) {
    *ret_diff = -1;
    return FALSE;
  }
  for (int y = 0; y < a->height; y++) {
    if (memcmp(image_pixel(a, 0, y), image_pixel(b, 0, y),
               (gsize)a->width * a->channels) == 0)
      continue;
    for (int x = 0; x < a->width; x++)
      diff +=
          memcmp(image_pixel(a, x, y), image_pixel(b, x, y), a->channels) != 0;
  }
  *ret_diff = diff;
  return diff == 0;
}

static void test_reference(gconstpointer data)
{
  const Case *c = data;
  KioskView view = c->build();
  g_autoptr(GBytes) png = render_png(shared_ui, &view);
  g_autofree char *name = g_strconcat(c->name, ".png", NULL);
  g_autofree char *rel = g_build_filename("tests", "ui-reference", name, NULL);
  g_autofree char *ref_path = testlib_source_path(rel);
  gboolean update = g_strcmp0(g_getenv("BK_UPDATE_REFERENCE"), "1") == 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(BkImage) actual = NULL;
  g_autoptr(BkImage) expected = NULL;
  int diff = 0;

  if (update || !g_file_test(ref_path, G_FILE_TEST_EXISTS)) {
    g_autofree char *dir = g_path_get_dirname(ref_path);

    g_mkdir_with_parents(dir, 0755);
    g_assert_true(g_file_set_contents(ref_path, g_bytes_get_data(png, NULL),
                                      (gssize)g_bytes_get_size(png), NULL));
    g_test_message("wrote reference %s: look at it before committing",
                   ref_path);
    g_test_fail_printf("reference %s (re)written; look at it", ref_path);
    return;
  }
  actual =
      pngio_decode(g_bytes_get_data(png, NULL), g_bytes_get_size(png), &error);
  g_assert_no_error(error);
  expected = pngio_read_file(ref_path, &error);
  g_assert_no_error(error);
  if (!images_equal(actual, expected, &diff)) {
    g_autofree char *out_dir = testlib_build_path("ui-actual");
    g_autofree char *out = g_build_filename(out_dir, name, NULL);

    g_mkdir_with_parents(out_dir, 0755);
    g_file_set_contents(out, g_bytes_get_data(png, NULL),
                        (gssize)g_bytes_get_size(png), NULL);
    g_test_fail_printf("%s differs from the reference in %d pixels; actual "
                       "frame in %s",
                       c->name, diff, out);
  }
}

/* Expects exactly one intent from the queue and returns it. */
static KioskIntent next_intent(Ui *ui)
{
  KioskIntent intent = {0};

  g_assert_true(ui_next_intent(ui, 200, &intent));
  return intent;
}

static void assert_queue_empty(Ui *ui)
{
  KioskIntent intent;

  g_assert_false(ui_next_intent(ui, 0, &intent));
}

static void check_keypad_presses(Ui *ui)
{
  static const char *const digits = "0123456789";
  KioskIntent in;

  for (int i = 0; digits[i]; i++) {
    char id[2] = {digits[i], 0};

    g_assert_true(ui_press(ui, id));
    in = next_intent(ui);
    g_assert_cmpint(in.type, ==, INTENT_KEY);
    g_assert_cmpint(in.key, ==, digits[i]);
    assert_queue_empty(ui);
  }
  g_assert_true(ui_press(ui, VIEW_KEY_BACK));
  g_assert_cmpint(next_intent(ui).type, ==, INTENT_BACKSPACE);
  g_assert_true(ui_press(ui, VIEW_KEY_OK));
  g_assert_cmpint(next_intent(ui).type, ==, INTENT_SUBMIT);
  assert_queue_empty(ui);
}

static void check_button_presses(Ui *ui, const KioskView *view)
{
  for (int i = 0; i < view->n_buttons; i++) {
    KioskIntent in;

    g_assert_true(ui_press(ui, view->buttons[i].id));
    in = next_intent(ui);
    if (view->buttons[i].enabled) {
      g_assert_cmpint(in.type, ==, INTENT_BUTTON);
      g_assert_cmpstr(in.button, ==, view->buttons[i].id);
    } else {
      g_assert_cmpint(in.type, ==, INTENT_ACTIVITY);
    }
    assert_queue_empty(ui);
  }
}

static void test_press_all(void)
{
  for (gsize c = 0; c < G_N_ELEMENTS(cases); c++) {
    KioskView view = cases[c].build();

    ui_render(shared_ui, &view);
    if ((view.screen == VIEW_CHECKIN || view.screen == VIEW_OFFICER_PIN) &&
        !ui_screens_entry_full(&view))
      check_keypad_presses(shared_ui);
    check_button_presses(shared_ui, &view);
    g_assert_false(ui_press(shared_ui, "no-such-target"));
    if (view.screen != VIEW_CHECKIN && view.screen != VIEW_OFFICER_PIN)
      g_assert_false(ui_press(shared_ui, "5"));
  }
}

static void test_entry_full(void)
{
  KioskView view = view_pin_full();

  ui_render(shared_ui, &view);
  g_assert_true(ui_press(shared_ui, "7"));
  g_assert_cmpint(next_intent(shared_ui).type, ==, INTENT_ACTIVITY);
  g_assert_true(ui_press(shared_ui, VIEW_KEY_BACK));
  g_assert_cmpint(next_intent(shared_ui).type, ==, INTENT_BACKSPACE);
  assert_queue_empty(shared_ui);
}

static void push_finger(Uint32 type, SDL_FingerID id, float x, float y)
{
  SDL_Event ev = {0};

  ev.type = type;
  ev.tfinger.touchId = 1;
  ev.tfinger.fingerId = id;
  ev.tfinger.x = x / W;
  ev.tfinger.y = y / H;
  ev.tfinger.pressure = type == SDL_FINGERUP ? 0.0f : 1.0f;
  g_assert_cmpint(SDL_PushEvent(&ev), ==, 1);
}

static void push_mouse(Uint32 type, int x, int y)
{
  SDL_Event ev = {0};

  ev.type = type;
  ev.button.which = 0;
  ev.button.button = SDL_BUTTON_LEFT;
  ev.button.x = x;
  ev.button.y = y;
  g_assert_cmpint(SDL_PushEvent(&ev), ==, 1);
}

static void push_key(SDL_Keycode sym, Uint16 mod)
{
  SDL_Event ev = {0};

  ev.type = SDL_KEYDOWN;
  ev.key.keysym.sym = sym;
  ev.key.keysym.mod = mod;
  g_assert_cmpint(SDL_PushEvent(&ev), ==, 1);
}

/* Finds a target's centre by rendering the same view on a private canvas:
 * the layout is a pure function of the view. */
static SDL_Point target_centre(const KioskView *view, const char *id)
{
  SDL_Surface *surface =
      SDL_CreateRGBSurfaceWithFormat(0, W, H, 32, SDL_PIXELFORMAT_RGB888);
  SDL_Renderer *renderer = SDL_CreateSoftwareRenderer(surface);
  g_autoptr(GError) error = NULL;
  UiCanvas *canvas = ui_canvas_new(renderer, BK_FONT_PATH, &error);
  g_autoptr(GArray) targets = g_array_new(FALSE, TRUE, sizeof(UiTarget));
  UiScreenInfo info = {W, H, "IND Amsterdam"};
  int i;
  SDL_Rect r;

  g_assert_no_error(error);
  ui_screens_draw(canvas, &info, view, targets, NULL);
  i = ui_screens_find(targets, id);
  g_assert_cmpint(i, >=, 0);
  r = g_array_index(targets, UiTarget, i).rect;
  ui_canvas_free(canvas);
  SDL_DestroyRenderer(renderer);
  SDL_FreeSurface(surface);
  return (SDL_Point){r.x + r.w / 2, r.y + r.h / 2};
}

static void test_touch_rules(void)
{
  KioskView view = view_checkin();
  SDL_Point one = target_centre(&view, "1");
  SDL_Point two = target_centre(&view, "2");
  KioskIntent in;

  ui_render(shared_ui, &view);
  assert_queue_empty(shared_ui);

  /* A touch on nothing (the header): activity on the way down only. */
  push_finger(SDL_FINGERDOWN, 7, 640, 40);
  push_finger(SDL_FINGERUP, 7, 640, 40);
  g_assert_cmpint(next_intent(shared_ui).type, ==, INTENT_ACTIVITY);
  assert_queue_empty(shared_ui);

  /* Down on 1, slide, up on 2: no key, only activity. */
  push_finger(SDL_FINGERDOWN, 8, one.x, one.y);
  push_finger(SDL_FINGERUP, 8, two.x, two.y);
  g_assert_cmpint(next_intent(shared_ui).type, ==, INTENT_ACTIVITY);
  assert_queue_empty(shared_ui);

  /* Two fingers at once keep their own targets. */
  push_finger(SDL_FINGERDOWN, 9, one.x, one.y);
  push_finger(SDL_FINGERDOWN, 10, two.x, two.y);
  push_finger(SDL_FINGERUP, 10, two.x, two.y);
  push_finger(SDL_FINGERUP, 9, one.x, one.y);
  in = next_intent(shared_ui);
  g_assert_cmpint(in.key, ==, '2');
  in = next_intent(shared_ui);
  g_assert_cmpint(in.key, ==, '1');
  assert_queue_empty(shared_ui);

  /* The mouse works like a finger. */
  push_mouse(SDL_MOUSEBUTTONDOWN, two.x, two.y);
  push_mouse(SDL_MOUSEBUTTONUP, two.x, two.y);
  in = next_intent(shared_ui);
  g_assert_cmpint(in.type, ==, INTENT_KEY);
  g_assert_cmpint(in.key, ==, '2');
  assert_queue_empty(shared_ui);
}

static void collect_sample(const UiSample *sample, gpointer data)
{
  g_array_append_val((GArray *)data, *sample);
}

static SDL_Rect sign_area_of(const KioskView *view)
{
  SDL_Surface *surface =
      SDL_CreateRGBSurfaceWithFormat(0, W, H, 32, SDL_PIXELFORMAT_RGB888);
  SDL_Renderer *renderer = SDL_CreateSoftwareRenderer(surface);
  g_autoptr(GError) error = NULL;
  UiCanvas *canvas = ui_canvas_new(renderer, BK_FONT_PATH, &error);
  g_autoptr(GArray) targets = g_array_new(FALSE, TRUE, sizeof(UiTarget));
  UiScreenInfo info = {W, H, "IND Amsterdam"};
  SDL_Rect area;

  g_assert_no_error(error);
  ui_screens_draw(canvas, &info, view, targets, &area);
  ui_canvas_free(canvas);
  SDL_DestroyRenderer(renderer);
  SDL_FreeSurface(surface);
  return area;
}

static void push_motion(SDL_FingerID id, float x, float y, float pressure)
{
  SDL_Event ev = {0};

  ev.type = SDL_FINGERMOTION;
  ev.tfinger.touchId = 1;
  ev.tfinger.fingerId = id;
  ev.tfinger.x = x / W;
  ev.tfinger.y = y / H;
  ev.tfinger.pressure = pressure;
  g_assert_cmpint(SDL_PushEvent(&ev), ==, 1);
}

/* The touchscreen as signature pad: strokes that start on the signing area
 * become samples, everything else stays touches and presses. */
static void test_signature_samples(void)
{
  KioskView empty = view_signature_empty();
  KioskView taken = view_signature_taken();
  KioskView checkin = view_checkin();
  SDL_Rect area = sign_area_of(&empty);
  g_autoptr(GArray) samples = g_array_new(FALSE, TRUE, sizeof(UiSample));
  float x0 = area.x + area.w / 4.0f, y0 = area.y + area.h / 2.0f;
  const UiSample *s;
  KioskIntent in;

  g_assert_cmpint(area.w, >, 800);
  g_assert_cmpint(area.h, >, 250);
  {
    SDL_Rect none = sign_area_of(&checkin);
    g_assert_true(SDL_RectEmpty(&none));
  }

  ui_set_sample_func(shared_ui, collect_sample, samples);
  ui_render(shared_ui, &empty);

  push_finger(SDL_FINGERDOWN, 20, x0, y0);
  push_motion(20, x0 + 40, y0 - 10, 0.5f);
  push_motion(20, area.x + area.w + 200, y0, 0.5f); /* leaves the box */
  push_finger(SDL_FINGERUP, 20, area.x + area.w + 200, y0);
  g_assert_cmpint(next_intent(shared_ui).type, ==, INTENT_ACTIVITY);
  assert_queue_empty(shared_ui);
  g_assert_cmpuint(samples->len, ==, 4);
  s = &g_array_index(samples, UiSample, 0);
  g_assert_cmpfloat_with_epsilon(s->x, 0.25, 0.01);
  g_assert_cmpfloat_with_epsilon(s->y, 0.5, 0.01);
  g_assert_cmpfloat(s->pressure, ==, 1.0);
  s = &g_array_index(samples, UiSample, 1);
  g_assert_cmpfloat(s->x, >, 0.25);
  g_assert_cmpfloat(s->y, <, 0.5);
  g_assert_cmpfloat_with_epsilon(s->pressure, 0.5, 0.001);
  g_assert_cmpfloat(g_array_index(samples, UiSample, 2).x, ==, 1.0);
  g_assert_cmpfloat(g_array_index(samples, UiSample, 3).pressure, ==, 0.0);

  /* Touches outside the area are ordinary touches. */
  g_array_set_size(samples, 0);
  push_finger(SDL_FINGERDOWN, 21, 640, 40);
  push_finger(SDL_FINGERUP, 21, 640, 40);
  g_assert_cmpint(next_intent(shared_ui).type, ==, INTENT_ACTIVITY);
  assert_queue_empty(shared_ui);
  g_assert_cmpuint(samples->len, ==, 0);

  /* The mouse writes too. */
  push_mouse(SDL_MOUSEBUTTONDOWN, (int)x0, (int)y0);
  push_mouse(SDL_MOUSEBUTTONUP, (int)x0 + 5, (int)y0);
  g_assert_cmpint(next_intent(shared_ui).type, ==, INTENT_ACTIVITY);
  assert_queue_empty(shared_ui);
  g_assert_cmpuint(samples->len, ==, 2);

  /* Buttons next to the area and keys elsewhere still press. */
  ui_render(shared_ui, &taken);
  check_button_presses(shared_ui, &taken);
  ui_render(shared_ui, &checkin);
  g_assert_true(ui_press(shared_ui, "4"));
  in = next_intent(shared_ui);
  g_assert_cmpint(in.key, ==, '4');

  /* Switched off, the area is only a picture. */
  g_array_set_size(samples, 0);
  ui_set_sample_func(shared_ui, NULL, NULL);
  ui_render(shared_ui, &empty);
  push_finger(SDL_FINGERDOWN, 22, x0, y0);
  push_finger(SDL_FINGERUP, 22, x0, y0);
  g_assert_cmpint(next_intent(shared_ui).type, ==, INTENT_ACTIVITY);
  assert_queue_empty(shared_ui);
  g_assert_cmpuint(samples->len, ==, 0);
}

static void test_keyboard(void)
{
  KioskView checkin = view_checkin();
  KioskView message = view_message();
  KioskIntent in;

  ui_render(shared_ui, &checkin);
  push_key(SDLK_5, 0);
  in = next_intent(shared_ui);
  g_assert_cmpint(in.type, ==, INTENT_KEY);
  g_assert_cmpint(in.key, ==, '5');
  push_key(SDLK_KP_0, 0);
  in = next_intent(shared_ui);
  g_assert_cmpint(in.key, ==, '0');
  push_key(SDLK_BACKSPACE, 0);
  g_assert_cmpint(next_intent(shared_ui).type, ==, INTENT_BACKSPACE);
  push_key(SDLK_RETURN, 0);
  g_assert_cmpint(next_intent(shared_ui).type, ==, INTENT_SUBMIT);
  push_key(SDLK_a, 0);
  g_assert_cmpint(next_intent(shared_ui).type, ==, INTENT_ACTIVITY);

  /* Without a keypad, Enter presses the primary button, digits do not
   * type. */
  ui_render(shared_ui, &message);
  push_key(SDLK_RETURN, 0);
  in = next_intent(shared_ui);
  g_assert_cmpint(in.type, ==, INTENT_BUTTON);
  g_assert_cmpstr(in.button, ==, VIEW_BUTTON_DOCUMENTS_SEEN);
  push_key(SDLK_3, 0);
  g_assert_cmpint(next_intent(shared_ui).type, ==, INTENT_ACTIVITY);
  push_key(SDLK_q, KMOD_LCTRL);
  g_assert_cmpint(next_intent(shared_ui).type, ==, INTENT_QUIT);
  assert_queue_empty(shared_ui);
}

static void test_quit(void)
{
  SDL_Event ev = {0};

  ev.type = SDL_QUIT;
  g_assert_cmpint(SDL_PushEvent(&ev), ==, 1);
  g_assert_cmpint(next_intent(shared_ui).type, ==, INTENT_QUIT);
}

static void test_timeout(void)
{
  KioskIntent in;
  gint64 start = g_get_monotonic_time();

  g_assert_false(ui_next_intent(shared_ui, 50, &in));
  g_assert_cmpint(g_get_monotonic_time() - start, >=, 45 * 1000);
}

static void test_determinism(void)
{
  KioskView review = view_review();
  KioskView live = view_photo_live();
  g_autoptr(GBytes) first = render_png(shared_ui, &review);
  g_autoptr(GBytes) other = render_png(shared_ui, &live);
  g_autoptr(GBytes) again = render_png(shared_ui, &review);
  g_autoptr(GError) error = NULL;
  UiOptions options = {.headless = TRUE, .location = "IND Amsterdam"};
  g_autoptr(Ui) second = ui_new(&options, &error);
  g_autoptr(GBytes) fresh = NULL;

  g_assert_no_error(error);
  fresh = render_png(second, &review);
  g_assert_true(g_bytes_equal(first, again));
  g_assert_true(g_bytes_equal(first, fresh));
  g_assert_false(g_bytes_equal(first, other));
}

/* Layout rules: targets inside the screen, not overlapping, keys and
 * buttons of touch size, for every case. */
static void test_layout_rules(void)
{
  SDL_Surface *surface =
      SDL_CreateRGBSurfaceWithFormat(0, W, H, 32, SDL_PIXELFORMAT_RGB888);
  SDL_Renderer *renderer = SDL_CreateSoftwareRenderer(surface);
  g_autoptr(GError) error = NULL;
  UiCanvas *canvas = ui_canvas_new(renderer, BK_FONT_PATH, &error);
  g_autoptr(GArray) targets = g_array_new(FALSE, TRUE, sizeof(UiTarget));
  UiScreenInfo info = {W, H, "IND Amsterdam"};
  SDL_Rect screen = {0, 0, W, H - 48};

  g_assert_no_error(error);
  for (gsize c = 0; c < G_N_ELEMENTS(cases); c++) {
    KioskView view = cases[c].build();
    int n_keys = 0;

    ui_screens_draw(canvas, &info, &view, targets, NULL);
    g_assert_cmpuint(targets->len, >=, (guint)view.n_buttons);
    for (guint i = 0; i < targets->len; i++) {
      const UiTarget *t = &g_array_index(targets, UiTarget, i);
      SDL_Rect inside;

      g_test_message("%s: %s at %d,%d %dx%d", cases[c].name, t->id, t->rect.x,
                     t->rect.y, t->rect.w, t->rect.h);
      g_assert_true(SDL_IntersectRect(&t->rect, &screen, &inside));
      g_assert_true(SDL_RectEquals(&inside, &t->rect));
      if (t->type == INTENT_BUTTON) {
        g_assert_cmpint(t->rect.h, >=, 88);
        g_assert_cmpint(t->rect.w, >=, 160);
      } else {
        n_keys++;
        /* Seated, four rows of keys share the lower part of the screen. */
        g_assert_cmpint(t->rect.h, >=, view.seated ? 88 : 110);
        g_assert_cmpint(t->rect.w, >=, 110);
      }
      for (guint j = i + 1; j < targets->len; j++)
        g_assert_false(SDL_HasIntersection(
            &t->rect, &g_array_index(targets, UiTarget, j).rect));
    }
    if (view.screen == VIEW_CHECKIN || view.screen == VIEW_OFFICER_PIN)
      g_assert_cmpint(n_keys, ==, 12);
    else
      g_assert_cmpint(n_keys, ==, 0);
  }
  ui_canvas_free(canvas);
  SDL_DestroyRenderer(renderer);
  SDL_FreeSurface(surface);
}

static void test_wrap(void)
{
  TTF_Font *f = TTF_OpenFont(BK_FONT_PATH, 28);
  const char *text = "Look straight into the camera with a neutral face, "
                     "mouth closed, eyes open. Onafhankelijkheidsverklaring";
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) joined = g_string_new(NULL);
  g_auto(GStrv) narrow = NULL;
  g_auto(GStrv) none = NULL;

  g_assert_nonnull(f);
  lines = ui_text_wrap(f, text, 460);
  g_assert_cmpuint(g_strv_length(lines), >, 2);
  for (int i = 0; lines[i]; i++) {
    g_assert_cmpint(ui_text_width(f, lines[i]), <=, 460);
    g_string_append_printf(joined, "%s%s", i ? " " : "", lines[i]);
  }
  g_assert_cmpstr(joined->str, ==, text);

  /* A word wider than the box is cut, never dropped or overflowing. */
  narrow = ui_text_wrap(f, "Onafhankelijkheidsverklaring", 120);
  g_assert_cmpuint(g_strv_length(narrow), >, 1);
  g_string_truncate(joined, 0);
  for (int i = 0; narrow[i]; i++) {
    gsize len = strlen(narrow[i]);

    g_assert_cmpint(ui_text_width(f, narrow[i]), <=, 120);
    /* Cut between letters: hyphenated. */
    if (narrow[i + 1]) {
      g_assert_cmpint(narrow[i][len - 1], ==, '-');
      len--;
    }
    g_string_append_len(joined, narrow[i], (gssize)len);
  }
  g_assert_cmpstr(joined->str, ==, "Onafhankelijkheidsverklaring");

  none = ui_text_wrap(f, NULL, 100);
  g_assert_cmpuint(g_strv_length(none), ==, 0);
  TTF_CloseFont(f);
}

static void test_rtl(void)
{
  TTF_Font *f = TTF_OpenFont(BK_FONT_PATH, 28);
  const char *arabic = "مرحبا بكم في مكتب الهجرة";
  g_auto(GStrv) lines = NULL;

  g_assert_nonnull(f);
  g_assert_true(ui_text_is_rtl(arabic));
  g_assert_true(ui_text_is_rtl("10:30 الموعد Amira"));
  g_assert_true(ui_text_is_rtl("שלום"));
  g_assert_false(ui_text_is_rtl("Amira مرحبا"));
  g_assert_false(ui_text_is_rtl("Welcome"));
  g_assert_false(ui_text_is_rtl(NULL));
  /* Joined Arabic letters are narrower than the isolated forms drawn
   * without shaping would be; at least it is measured, and wraps. */
  g_assert_cmpint(ui_text_width(f, arabic), >, 100);
  lines = ui_text_wrap(f, arabic, ui_text_width(f, arabic) / 2 + 20);
  g_assert_cmpuint(g_strv_length(lines), ==, 2);
  TTF_CloseFont(f);
}

static void test_screen_names(void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

  for (int s = 0; s < VIEW_N_SCREENS; s++) {
    const char *name = view_screen_name((ViewScreen)s);

    g_assert_cmpstr(name, !=, "unknown");
    g_assert_false(g_hash_table_contains(seen, name));
    g_hash_table_add(seen, (gpointer)name);
  }
  g_assert_cmpstr(view_screen_name(VIEW_OFFICER_PIN), ==, "officer-pin");
  g_assert_cmpstr(view_screen_name(VIEW_N_SCREENS), ==, "unknown");
}

static void test_screenshot_before_render(void)
{
  g_autoptr(GError) error = NULL;
  UiOptions options = {.headless = TRUE};
  g_autoptr(Ui) ui = ui_new(&options, &error);

  g_assert_no_error(error);
  g_assert_true(ui_is_headless(ui));
  g_assert_false(ui_screenshot(ui, "/nonexistent/x.png", &error));
  g_assert_error(error, UI_ERROR, UI_ERROR_SCREENSHOT);
  g_assert_false(ui_press(ui, "1"));
}

/* Full screen (the appliance under cage), Ctrl+Q does not end the kiosk:
 * the service restarts it only when it fails. */
static void test_fullscreen_keeps_running(void)
{
  g_autoptr(GError) error = NULL;
  UiOptions options = {.headless = TRUE, .fullscreen = TRUE};
  g_autoptr(Ui) ui = ui_new(&options, &error);
  KioskIntent in = {0};

  g_assert_no_error(error);
  push_key(SDLK_q, KMOD_LCTRL);
  g_assert_true(ui_next_intent(ui, 200, &in));
  g_assert_cmpint(in.type, ==, INTENT_ACTIVITY);
}

static void test_bad_font(void)
{
  g_autoptr(GError) error = NULL;
  UiOptions options = {.headless = TRUE, .font_path = "/nonexistent.ttf"};
  g_autoptr(Ui) ui = ui_new(&options, &error);

  g_assert_null(ui);
  g_assert_error(error, UI_ERROR, UI_ERROR_FONT);
}

/* ---- X11 ---- */

/* Runs inside xvfb-run: a real window, resized so SDL has to scale, must
 * give the same frame as headless and the same hit testing. Returns the
 * exit status. */
static int x11_child(void)
{
  g_autoptr(GError) error = NULL;
  UiOptions options = {.location = "IND Amsterdam"};
  g_autoptr(Ui) ui = NULL;
  KioskView checkin = view_checkin();
  KioskView review = view_review();
  const char *expect = g_getenv("BK_UI_X11_EXPECT");
  g_autoptr(GBytes) shot = NULL;
  g_autofree char *want = NULL;
  gsize want_len = 0;
  SDL_Window *window;

  ui = ui_new(&options, &error);
  if (!ui) {
    g_printerr("x11: %s\n", error->message);
    return 1;
  }
  if (ui_is_headless(ui)) {
    g_printerr("x11: no window\n");
    return 1;
  }
  shot = render_png(ui, &review);
  if (!g_file_get_contents(expect, &want, &want_len, NULL) ||
      want_len != g_bytes_get_size(shot) ||
      memcmp(want, g_bytes_get_data(shot, NULL), want_len) != 0) {
    g_printerr("x11: frame differs from headless\n");
    return 1;
  }
  /* Scaled: the window no longer matches the logical size. */
  window = SDL_GetWindowFromID(1);
  if (window)
    SDL_SetWindowSize(window, 1000, 700);
  for (int i = 0; i < 20; i++) {
    SDL_PumpEvents();
    SDL_Delay(10);
  }
  SDL_FlushEvents(SDL_FIRSTEVENT, SDL_LASTEVENT);
  ui_render(ui, &checkin);
  check_keypad_presses(ui);
  check_button_presses(ui, &checkin);
  {
    int ww = 0, wh = 0;

    if (window)
      SDL_GetWindowSize(window, &ww, &wh);
    g_print("x11: driver %s, window %dx%d, frames and presses match\n",
            SDL_GetCurrentVideoDriver(), ww, wh);
  }
  return 0;
}

static void test_x11(void)
{
  g_autofree char *xvfb = g_find_program_in_path("xvfb-run");
  g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
  g_autofree char *dir = NULL;
  g_autofree char *expect = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) env = NULL;
  KioskView review = view_review();
  g_autoptr(GBytes) png = NULL;
  int status;

  if (!xvfb) {
    g_test_skip("xvfb-run is not installed");
    return;
  }
  dir = testlib_mkdtemp();
  expect = g_build_filename(dir, "review.png", NULL);
  png = render_png(shared_ui, &review);
  g_assert_true(g_file_set_contents(expect, g_bytes_get_data(png, NULL),
                                    (gssize)g_bytes_get_size(png), NULL));
  env = g_get_environ();
  env = g_environ_setenv(env, "SDL_VIDEODRIVER", "x11", TRUE);
  env = g_environ_setenv(env, "BK_UI_X11_CHILD", "1", TRUE);
  env = g_environ_setenv(env, "BK_UI_X11_EXPECT", expect, TRUE);
  env = g_environ_unsetenv(env, "WAYLAND_DISPLAY");
  /* Under the sanitizer setup: the X11 and GL client libraries the child
   * loads leak at exit from code that is unloaded by then, which LSan can
   * neither symbolise nor suppress. Memory errors are still checked. */
  if (g_environ_getenv(env, "ASAN_OPTIONS")) {
    g_autofree char *asan = g_strconcat(g_environ_getenv(env, "ASAN_OPTIONS"),
                                        ":detect_leaks=0", NULL);
    env = g_environ_setenv(env, "ASAN_OPTIONS", asan, TRUE);
  }
  {
    const char *argv[] = {xvfb, "-a", "-s", "-screen 0 1920x1080x24",
                          self, NULL};

    status = testlib_spawn(argv, (const char *const *)env, &out, &err);
  }
  testlib_rmtree(dir);
  g_test_message("x11 child: %s%s", out ? out : "", err ? err : "");
  if (status == 77) {
    g_test_skip("Xvfb could not start");
    return;
  }
  g_assert_cmpint(status, ==, 0);
}

/* ---- contrast, reach and large text over every case ---- */

typedef struct {
  SDL_Surface *surface;
  SDL_Renderer *renderer;
  UiCanvas *canvas;
  GArray *targets;
  GString *failures; /* one line per pair below its WCAG minimum */
  const char *name;  /* the case being drawn */
  int n_texts;
  int largest;   /* px of the largest text drawn */
  int total;     /* px of all texts drawn, summed */
  GArray *texts; /* SDL_Rect of each text drawn */
} Stage;

static void stage_open(Stage *st)
{
  g_autoptr(GError) error = NULL;

  st->surface =
      SDL_CreateRGBSurfaceWithFormat(0, W, H, 32, SDL_PIXELFORMAT_RGB888);
  st->renderer = SDL_CreateSoftwareRenderer(st->surface);
  st->canvas = ui_canvas_new(st->renderer, BK_FONT_PATH, &error);
  g_assert_no_error(error);
  st->targets = g_array_new(FALSE, TRUE, sizeof(UiTarget));
  st->failures = g_string_new(NULL);
  st->texts = g_array_new(FALSE, FALSE, sizeof(SDL_Rect));
}

static void stage_close(Stage *st)
{
  ui_canvas_free(st->canvas);
  SDL_DestroyRenderer(st->renderer);
  SDL_FreeSurface(st->surface);
  g_array_unref(st->targets);
  g_string_free(st->failures, TRUE);
  g_array_unref(st->texts);
}

/* WCAG 2.1 relative luminance of an sRGB colour (0xRRGGBB). */
static double luminance(guint32 rgb)
{
  double sum = 0;
  static const double weight[3] = {0.2126, 0.7152, 0.0722};

  for (int i = 0; i < 3; i++) {
    double c = ((rgb >> (16 - 8 * i)) & 0xff) / 255.0;

    c = c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
    sum += weight[i] * c;
  }
  return sum;
}

static double contrast(guint32 a, guint32 b)
{
  double la = luminance(a), lb = luminance(b);

  return (MAX(la, lb) + 0.05) / (MIN(la, lb) + 0.05);
}

static guint32 pixel_at(Stage *st, int x, int y)
{
  guint32 px = 0;
  SDL_Rect r = {CLAMP(x, 0, W - 1), CLAMP(y, 0, H - 1), 1, 1};

  SDL_RenderReadPixels(st->renderer, &r, SDL_PIXELFORMAT_RGB888, &px, 4);
  return px & 0xffffff;
}

/* The colour most of `where` has (before the text is drawn over it). */
static guint32 background_of(Stage *st, const SDL_Rect *where)
{
  SDL_Rect screen = {0, 0, W, H}, r;
  g_autoptr(GHashTable) counts = g_hash_table_new(NULL, NULL);
  g_autofree guint32 *px = NULL;
  guint32 best = 0;
  guint best_n = 0;

  if (!SDL_IntersectRect(where, &screen, &r))
    return 0xffffff;
  px = g_new(guint32, (gsize)r.w * r.h);
  SDL_RenderReadPixels(st->renderer, &r, SDL_PIXELFORMAT_RGB888, px, r.w * 4);
  for (int i = 0; i < r.w * r.h; i++) {
    gpointer key = GUINT_TO_POINTER(px[i] & 0xffffff);
    guint n = GPOINTER_TO_UINT(g_hash_table_lookup(counts, key)) + 1;

    g_hash_table_insert(counts, key, GUINT_TO_POINTER(n));
    if (n > best_n) {
      best_n = n;
      best = px[i] & 0xffffff;
    }
  }
  return best;
}

/* WCAG 2.1 SC 1.4.3: 4.5:1, or 3:1 for large text (24 px, or 18.66 px
 * bold: 19 px and up in whole pixels). */
static void probe_contrast(const SDL_Rect *where, UiColor color,
                           UiFontStyle style, int size, gpointer data)
{
  Stage *st = data;
  guint32 ink = (guint32)color.r << 16 | color.g << 8 | color.b;
  guint32 bg = background_of(st, where);
  gboolean large = size >= 24 || (style == UI_FONT_BOLD && size >= 19);
  double ratio = contrast(ink, bg);

  st->n_texts++;
  st->largest = MAX(st->largest, size);
  st->total += size;
  g_array_append_val(st->texts, *where);
  if (ratio < (large ? 3.0 : 4.5))
    g_string_append_printf(
        st->failures, "%s: text #%06x on #%06x, %d px%s: %.2f:1\n", st->name,
        ink, bg, size, style == UI_FONT_BOLD ? " bold" : "", ratio);
}

/* SC 1.4.11: a control's edge against what surrounds it, 3:1 (disabled
 * controls are exempt; the technician's discreet control is not the
 * applicant's). */
static void check_edges(Stage *st)
{
  for (guint i = 0; i < st->targets->len; i++) {
    const UiTarget *t = &g_array_index(st->targets, UiTarget, i);
    int y = t->rect.y + t->rect.h / 2;
    int out_x = t->rect.x >= 3 ? t->rect.x - 3 : t->rect.x + t->rect.w + 2;
    guint32 edge = pixel_at(st, t->rect.x + 1, y);
    guint32 around = pixel_at(st, out_x, y);

    if (!t->enabled || g_str_equal(t->id, VIEW_BUTTON_TECHNICIAN))
      continue;
    if (contrast(edge, around) < 3.0)
      g_string_append_printf(
          st->failures, "%s: target %s edge #%06x on #%06x: %.2f:1\n", st->name,
          t->id, edge, around, contrast(edge, around));
  }
}

static void stage_draw(Stage *st, const KioskView *view, SDL_Rect *sign)
{
  UiScreenInfo info = {W, H, "IND Amsterdam"};

  st->n_texts = 0;
  st->largest = 0;
  st->total = 0;
  g_array_set_size(st->texts, 0);
  ui_screens_draw(st->canvas, &info, view, st->targets, sign);
}

static gboolean applicant_screen(const KioskView *v)
{
  return v->screen != VIEW_OFFICER_PIN && v->screen != VIEW_REVIEW &&
         v->screen != VIEW_TECHNICIAN && v->screen != VIEW_TECHNICIAN_PIN;
}

/* Every text of every case, plain, seated and in large text, against the
 * colour under it; every control's edge against its surroundings. */
static void test_contrast(void)
{
  Stage st = {0};
  int n = 0;

  stage_open(&st);
  ui_canvas_set_text_probe(st.canvas, probe_contrast, &st);
  for (gsize c = 0; c < G_N_ELEMENTS(cases); c++) {
    for (int variant = 0; variant < 3; variant++) {
      KioskView view = cases[c].build();

      view.seated = view.seated || variant == 1;
      view.large_text = view.large_text || variant == 2;
      st.name = cases[c].name;
      stage_draw(&st, &view, NULL);
      check_edges(&st);
      g_assert_cmpint(st.n_texts, >, 0);
      n += st.n_texts;
    }
  }
  g_test_message("%d texts checked", n);
  g_assert_cmpstr(st.failures->str, ==, "");
  stage_close(&st);
}

/* The seated layout: every touch target of every applicant screen (and
 * the writing area) lies below the reach line, whole, and large enough. */
static void test_seated_reach(void)
{
  Stage st = {0};
  int top = ui_layout_seated_top(H);

  g_assert_cmpint(top, ==, H * UI_SEATED_TOP_PERCENT / 100);
  stage_open(&st);
  for (gsize c = 0; c < G_N_ELEMENTS(cases); c++) {
    KioskView view = cases[c].build();
    SDL_Rect sign;

    if (!applicant_screen(&view))
      continue;
    view.seated = TRUE;
    stage_draw(&st, &view, &sign);
    g_assert_cmpuint(st.targets->len, >=, (guint)view.n_buttons);
    for (guint i = 0; i < st.targets->len; i++) {
      const UiTarget *t = &g_array_index(st.targets, UiTarget, i);

      g_test_message("%s seated: %s at %d,%d %dx%d", cases[c].name, t->id,
                     t->rect.x, t->rect.y, t->rect.w, t->rect.h);
      g_assert_cmpint(t->rect.y, >=, top);
      g_assert_cmpint(t->rect.y + t->rect.h, <=, H);
      g_assert_cmpint(t->rect.h, >=, 88);
      g_assert_cmpint(t->rect.w, >=, 110);
    }
    if (view.screen == VIEW_SIGNATURE)
      g_assert_cmpint(sign.y, >=, top);
  }
  stage_close(&st);
}

/* Every text on the screen, and inside the control it labels or clear of
 * all controls. */
static void assert_no_overflow(Stage *st)
{
  for (guint i = 0; i < st->texts->len; i++) {
    const SDL_Rect *r = &g_array_index(st->texts, SDL_Rect, i);

    g_assert_cmpint(r->x, >=, 0);
    g_assert_cmpint(r->x + r->w, <=, W);
    for (guint j = 0; j < st->targets->len; j++) {
      const SDL_Rect *t = &g_array_index(st->targets, UiTarget, j).rect;
      SDL_Rect both;

      if (SDL_IntersectRect(r, t, &both) && !SDL_RectEquals(&both, r))
        g_test_fail_printf("%s: text at %d,%d %dx%d runs into target %u",
                           st->name, r->x, r->y, r->w, r->h, j);
    }
  }
}

/* Large text raises the sizes and still overflows nothing: every text
 * stays on the screen and off every control it is not the label of. */
static void test_large_text(void)
{
  Stage st = {0};

  stage_open(&st);
  ui_canvas_set_text_probe(st.canvas, probe_contrast, &st);
  for (gsize c = 0; c < G_N_ELEMENTS(cases); c++) {
    KioskView view = cases[c].build();
    double plain_mean;
    int plain;

    if (!applicant_screen(&view) || view.large_text)
      continue;
    st.name = cases[c].name;
    stage_draw(&st, &view, NULL);
    plain = st.largest;
    plain_mean = (double)st.total / st.n_texts;
    view.large_text = TRUE;
    stage_draw(&st, &view, NULL);
    g_test_message("%s: text %.1f px on average, %.1f px large; largest %d "
                   "px, %d px large",
                   cases[c].name, plain_mean, (double)st.total / st.n_texts,
                   plain, st.largest);
    g_assert_cmpint(st.largest, >=, plain);
    g_assert_cmpfloat((double)st.total / st.n_texts, >, plain_mean);
    assert_no_overflow(&st);
  }
  stage_close(&st);
}

int main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  UiOptions options = {.headless = TRUE, .location = "IND Amsterdam"};
  int status;

  images.live = make_photo(640, 480);
  images.photo = make_photo(350, 450);
  images.signature = make_signature(600, 200);
  images.finger = make_finger(200, 250, 0.0);
  images.finger2 = make_finger(200, 250, 1.7);

  if (g_getenv("BK_UI_X11_CHILD"))
    return x11_child();

  g_test_init(&argc, &argv, NULL);
  shared_ui = ui_new(&options, &error);
  if (!shared_ui && g_error_matches(error, UI_ERROR, UI_ERROR_INIT))
    testlib_skip_all("SDL has no usable video driver: %s", error->message);
  g_assert_no_error(error);

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *path = g_strdup_printf("/ui/reference/%s", cases[i].name);
    g_test_add_data_func(path, &cases[i], test_reference);
  }
  g_test_add_func("/ui/press-all", test_press_all);
  g_test_add_func("/ui/entry-full", test_entry_full);
  g_test_add_func("/ui/touch-rules", test_touch_rules);
  g_test_add_func("/ui/keyboard", test_keyboard);
  g_test_add_func("/ui/signature-samples", test_signature_samples);
  g_test_add_func("/ui/quit", test_quit);
  g_test_add_func("/ui/timeout", test_timeout);
  g_test_add_func("/ui/determinism", test_determinism);
  g_test_add_func("/ui/layout-rules", test_layout_rules);
  g_test_add_func("/ui/contrast", test_contrast);
  g_test_add_func("/ui/seated-reach", test_seated_reach);
  g_test_add_func("/ui/large-text", test_large_text);
  g_test_add_func("/ui/wrap", test_wrap);
  g_test_add_func("/ui/rtl", test_rtl);
  g_test_add_func("/ui/screen-names", test_screen_names);
  g_test_add_func("/ui/screenshot-before-render",
                  test_screenshot_before_render);
  g_test_add_func("/ui/bad-font", test_bad_font);
  g_test_add_func("/ui/fullscreen-keeps-running",
                  test_fullscreen_keeps_running);
  g_test_add_func("/ui/x11", test_x11);
  status = g_test_run();
  ui_free(shared_ui);
  image_free(images.live);
  image_free(images.photo);
  image_free(images.signature);
  image_free(images.finger);
  image_free(images.finger2);
  return status;
}
