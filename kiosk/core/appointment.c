/* The appointment model's constructors and destructors; see appointment.h. */
#include "appointment.h"

#include <string.h>

void person_free(Person *person)
{
  if (!person)
    return;
  /* Personal data: do not leave it in freed memory. */
  if (person->name)
    explicit_bzero(person->name, strlen(person->name));
  if (person->date_of_birth)
    explicit_bzero(person->date_of_birth, strlen(person->date_of_birth));
  g_free(person->name);
  g_free(person->date_of_birth);
  g_free(person->document_type);
  g_free(person);
}

void appointment_free(Appointment *appointment)
{
  if (!appointment)
    return;
  g_free(appointment->code);
  g_free(appointment->location_id);
  g_free(appointment->location_name);
  g_clear_pointer(&appointment->start, g_date_time_unref);
  g_clear_pointer(&appointment->persons, g_ptr_array_unref);
  g_free(appointment);
}

Appointment *appointment_new(void)
{
  Appointment *appointment = g_new0(Appointment, 1);

  appointment->persons =
      g_ptr_array_new_with_free_func((GDestroyNotify)person_free);
  return appointment;
}
