/* Spoken guidance on the kiosk's screens (docs/speech.md): reads each
 * applicant screen aloud in the applicant's language when it appears,
 * through the front end's audio output, and shows the speaker button that
 * turns it off and on for each applicant. Where libespeak-ng has no voice
 * for the language, nothing is spoken and the screen says so.
 *
 * What a screen says comes from its view alone (KioskView.spoken, else its
 * title and lines), so a new screen needs no code here.
 *
 * Threads: main thread only (the engine has its own, speech.h). */
#pragma once

#include "app.h"
#include "config.h"
#include "speech.h"
#include "view.h"

typedef struct SpeechGuide SpeechGuide;

/* The guide for `config` ([speech], borrowed, must outlive it); NULL when
 * the kiosk does not speak ([speech] enabled = no) or libespeak-ng cannot
 * start (logged). */
SpeechGuide *speech_guide_new(const KioskConfig *config);

/* Closes the audio output and stops the engine. Accepts NULL. */
void speech_guide_free(SpeechGuide *guide);

/* The view as the applicant gets it: `view` itself where nothing is
 * spoken, else a copy (valid until the next call) with the speaker button
 * and, where there is no voice, the notice in the banner. Speaks the
 * screen when it is new (the screen, its title, its spoken text or the
 * language changed), interrupting what was being said; a screen that is
 * not spoken silences the one before. Opens the audio output through `fe`
 * the first time (a front end without audio: the kiosk stays silent and
 * shows no button). Accepts a NULL guide (returns `view`). */
const KioskView *speech_guide_view(SpeechGuide *guide, const Frontend *fe,
                                   const KioskView *view);

/* TRUE when `intent` was the speaker button's: speech is turned off (at
 * once) or on (the screen is spoken again), and the screen must be drawn
 * again. Accepts a NULL guide (FALSE). */
gboolean speech_guide_intent(SpeechGuide *guide, const KioskIntent *intent);

/* The engine, for the bench and tests (NULL for a NULL guide). */
Speech *speech_guide_engine(SpeechGuide *guide);

/* What `view` says aloud (see KioskView.spoken): a new string, "" for a
 * screen that is not spoken. */
char *speech_guide_text(const KioskView *view);
