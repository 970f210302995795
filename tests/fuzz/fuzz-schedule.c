/* libFuzzer target for the schedule import (docs/schedule.md): arbitrary
 * bytes through appointments_import_data() into an in-memory database, the
 * way `biokiosk appointments import` reads a technician's file. Anything may
 * be refused; nothing may crash, leak, read out of bounds or recurse without
 * bound. A refusal is one line without control or format characters (item 9
 * of issue 14: messages never echo a value); an import stores exactly the
 * appointments counted, each found again by its code.
 *
 * Seeds: config/sample-schedule.json and tests/fuzz/seeds/schedule/;
 * dictionary: tests/fuzz/schedule.dict (docs/fuzzing.md). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appointments.h"
#include "fuzzlib.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sqlite3 *db;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  g_autoptr(GError) error = NULL;

  fuzz_warn_without_always_malloc("fuzz-schedule");
  if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
      !appointments_init(db, &error)) {
    fprintf(stderr, "fuzz-schedule: %s\n",
            error ? error->message : sqlite3_errmsg(db));
    abort();
  }
  return 0;
}

/* One line, no control character, no format character (such as a
 * direction override). */
static void check_message(const char *message)
{
  g_assert(g_utf8_validate(message, -1, NULL));
  for (const char *p = message; *p; p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);

    g_assert(!g_unichar_iscntrl(c));
    g_assert(g_unichar_type(c) != G_UNICODE_FORMAT);
  }
}

/* Every imported appointment is found by its code; then the store is
 * emptied for the next input. */
static void check_imported(guint count)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = appointments_list(db, &error);

  g_assert(list != NULL);
  g_assert(list->len == count);
  for (guint i = 0; i < list->len; i++) {
    const Appointment *appointment = g_ptr_array_index(list, i);
    g_autoptr(Appointment) found =
        appointments_lookup(db, appointment->code, &error);

    g_assert(found != NULL);
    g_assert(strcmp(found->code, appointment->code) == 0);
    g_assert(found->persons->len == appointment->persons->len);
  }
  g_assert(sqlite3_exec(db,
                        "DELETE FROM appointment_person; "
                        "DELETE FROM appointment",
                        NULL, NULL, NULL) == SQLITE_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  guint count = 0;

  if (appointments_import_data(db, (const char *)data, (gssize)size, &count,
                               &error)) {
    g_assert(error == NULL);
    check_imported(count);
  } else {
    g_assert(error != NULL);
    g_assert(g_str_has_prefix(error->message, "schedule"));
    check_message(error->message);
  }
  return 0;
}
