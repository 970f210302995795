/* Small helpers the commands share for their --json output (json-glib).
 * Only for kiosk/cmd-*.c. */
#pragma once

#include <json-glib/json-glib.h>

/* Adds "member": "value", or "member": null when value is NULL. */
static inline void cmd_json_add_string(JsonBuilder *b, const char *member,
                                       const char *value)
{
  json_builder_set_member_name(b, member);
  if (value)
    json_builder_add_string_value(b, value);
  else
    json_builder_add_null_value(b);
}
