/* The appointment model: who is on an appointment and what the schedule
 * says about each person. Plain data shared by the session (core/), the
 * appointment store (store/) and the record; owned by whoever made it and
 * freed with appointment_free(), which wipes the personal fields. */
#pragma once

#include <glib.h>

/* Where the IND's usable biometrics of a person came from, if anywhere. */
typedef enum {
  PRIOR_NONE,    /* nothing usable: capture */
  PRIOR_ON_FILE, /* the IND holds usable biometrics */
  PRIOR_ABROAD,  /* taken at a Dutch representation abroad */
  PRIOR_ASYLUM,  /* taken by police/KMar in the asylum procedure */
} PriorBiometrics;

/* Fingerprint policy from the appointment; the officer decides at the desk. */
typedef enum {
  FP_POLICY_AGE,      /* default: by the configured age limits */
  FP_POLICY_REQUIRED, /* take them regardless of the recapture ages */
  FP_POLICY_NONE,     /* photo and signature only (e.g. some EU/EEA/Swiss) */
} FingerprintPolicy;

typedef struct {
  char *name;
  char *date_of_birth; /* "YYYY-MM-DD" */
  char *document_type; /* "residence_permit", "eu_residence_document",
                          "w_document", ... (free text, shown) */
  PriorBiometrics prior;
  gboolean first_permit; /* first residence permit (matters for ABROAD and
                            ASYLUM) */
  FingerprintPolicy fingerprints;
} Person;

typedef struct {
  char *code;
  char *location_id;
  char *location_name; /* for "go to ..." when it is another location */
  GDateTime *start;
  GPtrArray *persons; /* Person*, owned */
} Appointment;

void appointment_free(Appointment *appointment); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Appointment, appointment_free)

/* A new, empty appointment whose person array frees its Person entries
 * (person_free). */
Appointment *appointment_new(void);

/* Frees a person, wiping the name and date of birth first; accepts NULL. */
void person_free(Person *person);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Person, person_free)
