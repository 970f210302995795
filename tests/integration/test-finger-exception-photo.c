/* The officer's exception photo through the running kiosk (issue 12): the
 * camera is the real libgphoto2 talking PTP/IP to the emulator in
 * tests/emulators/, the front end is the real one, headless, driven by
 * synthetic touches. The applicant's right index is missing (the
 * simulated reader times out); the officer records an amputation, takes a
 * photo of the hand, takes it again, keeps it, and a second officer
 * confirms. The sealed record carries the photo as its own JPEG part named
 * in fingerprint.exceptions[], it decodes at a sane size,
 * `biokiosk record open --extract` unpacks it, and the audit log names the
 * officer. (Without a photo there is no part: test-finger-exceptions.c.)
 * The photo screen and the review are written to tests/ui-reference/ with
 * BK_UPDATE_REFERENCE=1 (docs/fingerprints.md shows them). */
#include <string.h>

#include "emulators/ptpip-camera.h"
#include "exception-photo.h"
#include "jpegio.h"
#include "keys.h"
#include "kiosk-desk.h"
#include "record-finger.h"
#include "record.h"
#include "testlib.h"

/* Under make test-asan: the kiosk in this process opens the camera through
 * libgphoto2, which loads its camera modules and unloads them again
 * (gp_abilities_list_load); a block one of their libraries' constructors
 * allocated (libde265, through libgd and libheif) then has no symbols
 * unless the stack is unwound in full, and tests/lsan.supp names it. The
 * ASAN_OPTIONS of the test setup still apply over this default. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
  return "fast_unwind_on_malloc=0";
}

#define SHOTS "finger-exception-screens"
/* The hand the camera sees: a 24 MP-like still is far larger than what
 * the record keeps. */
#define HAND_W 3000
#define HAND_H 2000

/* The emulator's still: what the camera "sees" from now on. */
static void camera_sees(PtpipCamera *emu, GBytes *jpeg)
{
  ptpip_camera_set_still(emu, jpeg);
}

/* The demo adult's portrait as the simulated camera would serve it, so
 * that the portrait step passes through the real camera path too. */
static GBytes *demo_portrait(KioskDesk *d)
{
  g_autofree char *folder = config_resolve_path(
      d->config, g_hash_table_lookup(d->config->camera_options, "folder"));
  g_autofree char *path = g_build_filename(folder, "portrait-01.jpg", NULL);
  char *data = NULL;
  gsize len = 0;

  g_assert_true(g_file_get_contents(path, &data, &len, NULL));
  return g_bytes_new_take(data, len);
}

/* The exception's photo part in the record, checked as the back office
 * would: a JPEG of a sane size (the still fitted into
 * EXCEPTION_PHOTO_MAX_SIDE, aspect kept). */
static void check_photo_part(BkRecord *record, const char *name)
{
  const BkRecordPart *part = record_find_part(record, name);
  g_autoptr(GError) error = NULL;
  g_autoptr(BkImage) img = NULL;
  gsize len = 0;
  const guint8 *data;

  g_assert_nonnull(part);
  g_assert_cmpstr(part->media_type, ==, RECORD_MEDIA_JPEG);
  data = g_bytes_get_data(part->data, &len);
  img = jpegio_decode(data, len, 0, 0, FALSE, &error);
  g_assert_no_error(error);
  g_test_message("exception photo %dx%d, %zu bytes", img->width, img->height,
                 len);
  g_assert_cmpint(MAX(img->width, img->height), <=, EXCEPTION_PHOTO_MAX_SIDE);
  g_assert_cmpint(MAX(img->width, img->height), >=, 640);
  g_assert_cmpint(img->width * HAND_H, ==, img->height * HAND_W);
  g_assert_cmpuint(len, <, 1024 * 1024);
}

/* The newest record delivered to the outbox, opened with
 * `biokiosk record open --extract`: the photo comes out as a JPEG file. */
static void check_extract(KioskDesk *d)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *outbox = g_build_filename(d->dir, "outbox", NULL);
  g_autofree char *secret =
      g_build_filename(d->dir, KEYS_DEMO_SECRET_FILE, NULL);
  g_autofree char *into = g_build_filename(d->dir, "extracted", NULL);
  g_autofree char *jpeg =
      g_build_filename(into, "finger-exception_right_index.jpg", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autofree char *bkrec = NULL;
  guint delivered = 0;
  const char *name;
  char *data = NULL;
  gsize len = 0;
  g_autoptr(BkImage) img = NULL;

  g_assert_true(app_upload(d->app, &delivered, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(delivered, ==, 1);
  dir = g_dir_open(outbox, 0, &error);
  g_assert_no_error(error);
  while ((name = g_dir_read_name(dir)))
    if (g_str_has_suffix(name, ".bkrec"))
      bkrec = g_build_filename(outbox, name, NULL);
  g_assert_nonnull(bkrec);
  g_assert_cmpint(
      testlib_run_biokiosk(
          (const char *const[]){"record", "open", "--secret-key", secret,
                                "--extract", into, bkrec, NULL},
          &out, &err),
      ==, 0);
  g_assert_nonnull(strstr(out, "finger-exception/right_index"));
  g_assert_true(g_file_get_contents(jpeg, &data, &len, NULL));
  img = jpegio_decode((const guint8 *)data, len, 0, 0, FALSE, &error);
  g_assert_no_error(error);
  g_assert_cmpint(img->width, >, 0);
  g_free(data);
}

/* Up to the exception photo screen: the portrait through the emulator,
 * the signature, the right index that never comes, an amputation. */
static void to_photo_screen(KioskDesk *d, PtpipCamera *emu)
{
  g_autoptr(GBytes) portrait = demo_portrait(d);

  camera_sees(emu, portrait);
  kiosk_desk_walk_to(d, SESSION_SIGNATURE);
  kiosk_desk_touch(d, VIEW_BUTTON_ACCEPT);
  g_assert_cmpint(kiosk_desk_state(d), ==, SESSION_FINGERPRINT);
  g_assert_true(kiosk_desk_says(d, "reader is not available"));
  kiosk_desk_touch(d, VIEW_BUTTON_MISSING);
  kiosk_desk_touch(d, VIEW_BUTTON_FINGER_PERMANENT);
  kiosk_desk_touch(d, VIEW_BUTTON_REASON_PREFIX "amputation");
  g_assert_true(kiosk_desk_says(d, "a photo for the right index finger"));
  g_assert_true(kiosk_desk_has_button(d, VIEW_BUTTON_TAKE));
  g_assert_true(kiosk_desk_has_button(d, VIEW_BUTTON_SKIP));
}

/* Take, take again, keep; four eyes; the thumb instead; approve. */
static void take_keep_approve(KioskDesk *d, PtpipCamera *emu)
{
  g_autoptr(GBytes) first = ptpip_camera_make_jpeg(HAND_W, HAND_H, 3, 90);
  g_autoptr(GBytes) hand = ptpip_camera_make_jpeg(HAND_W, HAND_H, 7, 90);
  guint captures = ptpip_camera_count(emu, PTPIP_COUNT_CAPTURES);
  const KioskView *v;

  camera_sees(emu, first);
  kiosk_desk_touch(d, VIEW_BUTTON_TAKE);
  g_assert_true(kiosk_desk_has_button(d, VIEW_BUTTON_ACCEPT));
  kiosk_desk_touch(d, VIEW_BUTTON_RETAKE);
  camera_sees(emu, hand);
  kiosk_desk_touch(d, VIEW_BUTTON_TAKE);
  g_assert_cmpuint(ptpip_camera_count(emu, PTPIP_COUNT_CAPTURES), ==,
                   captures + 2);
  v = session_view(app_session(d->app));
  g_assert_nonnull(v->image.pixels);
  /* Fitted for the screen, the aspect kept to the pixel. */
  g_assert_cmpint(ABS(v->image.width * HAND_H - v->image.height * HAND_W), <=,
                  HAND_W);
  kiosk_desk_screenshot(d, SHOTS, "finger-exception-photo");
  kiosk_desk_touch(d, VIEW_BUTTON_ACCEPT);
  g_assert_cmpint(kiosk_desk_state(d), ==, SESSION_OFFICER_PIN);
  kiosk_desk_enter(d, "1002");
  kiosk_desk_enter(d, "1357");
  g_assert_cmpint(kiosk_desk_state(d), ==, SESSION_FINGERPRINT);
  for (int i = 0; i < 50 && !kiosk_desk_has_button(d, VIEW_BUTTON_ACCEPT); i++)
    kiosk_desk_settle(d);
  kiosk_desk_touch(d, VIEW_BUTTON_ACCEPT);
  g_assert_cmpint(kiosk_desk_state(d), ==, SESSION_REVIEW);
  v = session_view(app_session(d->app));
  g_assert_cmpint(v->n_fingers, ==, 3);
  g_assert_cmpstr(v->finger_labels[2], ==, "Photo: right index finger");
  kiosk_desk_screenshot(d, SHOTS, "finger-exception-photo-review");
  kiosk_desk_touch(d, VIEW_BUTTON_APPROVE);
  g_assert_cmpint(kiosk_desk_state(d), ==, SESSION_DONE);
}

static void test_photo_through_gphoto2(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtpipCamera) emu = ptpip_camera_new(&error);
  g_autofree char *address = NULL;
  g_autofree char *port = NULL;
  g_autoptr(BkRecord) record = NULL;
  g_autoptr(GVariant) first = NULL;
  g_autoptr(GVariantDict) e = NULL;
  g_autofree char *log = NULL;
  const char *photo = NULL;
  KioskDesk d;

  if (!emu)
    testlib_skip_all("no PTP/IP emulator: %s", error->message);
  address = ptpip_camera_address(emu);
  port = g_strdup_printf("camera.port=%s", address);
  kiosk_desk_open(&d, (const char *const[]){"devices.camera=gphoto2", port,
                                            "devices.reader=sim",
                                            "reader.scenario=missing-finger",
                                            "reader.scenario_finger=2", NULL});
  to_photo_screen(&d, emu);
  take_keep_approve(&d, emu);

  record = kiosk_desk_last_record(&d);
  first = g_variant_get_child_value(
      record_get_value(record, "fingerprint.exceptions"), 0);
  e = g_variant_dict_new(first);
  g_assert_true(g_variant_dict_lookup(e, "photo", "&s", &photo));
  g_assert_cmpstr(photo, ==, "finger-exception/right_index");
  check_photo_part(record, photo);
  log = kiosk_desk_audit_log(d.dir);
  g_assert_nonnull(strstr(log, "officer:1001 officer.finger_exception.photo;"));
  check_extract(&d);
  kiosk_desk_close(&d);
}

int main(int argc, char **argv)
{
  kiosk_desk_test_init(&argc, &argv);
  g_test_add_func("/finger-exception-photo/gphoto2",
                  test_photo_through_gphoto2);
  return g_test_run();
}
