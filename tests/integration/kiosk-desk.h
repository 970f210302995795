/* A kiosk at a desk for integration tests: the running application (app.c
 * with the real front end, headless, the embedded configuration's devices:
 * the simulated camera and pad, libfprint's virtual reader fed synthetic
 * prints), a fresh state folder with the demo's schedule and officers
 * (1001/2468, 1002/1357), driven by synthetic touches. */
#pragma once

#include "app.h"
#include "record.h"
#include "session.h"
#include "ui.h"

typedef struct {
  char *dir; /* the state folder */
  KioskConfig *config;
  Ui *ui;
  Frontend fe;
  App *app;
} KioskDesk;

/* g_test_init() and what a kiosk-desk test does before its first thread,
 * as the kiosk does: the virtual reader's socket (fpreader_prepare() of
 * the embedded configuration); and the demo key's and PIN's warnings
 * allowed (only criticals are fatal). */
void kiosk_desk_test_init(int *argc, char ***argv);

/* A fresh state folder, the embedded configuration with `sets` (NULL
 * terminated "group.key=value" overrides; "devices.reader=" drops the
 * embedded reader's options, as a file naming a reader does), the demo's
 * portraits, and the kiosk started with the demo's schedule and officers. */
void kiosk_desk_open(KioskDesk *d, const char *const *sets);
void kiosk_desk_close(KioskDesk *d); /* removes the state folder */

/* Until the application has nothing left to do (60 s at most). */
void kiosk_desk_settle(KioskDesk *d);
/* A synthetic touch on `target` (a button id or a key), then settle. */
void kiosk_desk_touch(KioskDesk *d, const char *target);
/* Digits on the keypad, then OK. */
void kiosk_desk_enter(KioskDesk *d, const char *digits);
/* The demo's script up to `until` (docs: demo.h). */
void kiosk_desk_walk_to(KioskDesk *d, SessionState until);

SessionState kiosk_desk_state(KioskDesk *d);
/* The screen's title or one of its lines holds `needle`. */
gboolean kiosk_desk_says(KioskDesk *d, const char *needle);
gboolean kiosk_desk_has_button(KioskDesk *d, const char *id);

/* The screen as `name`.png: into tests/ui-reference/ with
 * BK_UPDATE_REFERENCE=1, else into `build_dir` of the build folder. */
void kiosk_desk_screenshot(KioskDesk *d, const char *build_dir,
                           const char *name);

/* The audit log of the kiosk in `state_dir` as "actor event;" entries,
 * oldest first (g_free). */
char *kiosk_desk_audit_log(const char *state_dir);

/* The newest record the kiosk stored, opened with the demo back-office key
 * of the state folder (records are sealed to it). */
BkRecord *kiosk_desk_last_record(KioskDesk *d);
