/* tz: the <timeZone> names Cisco's 79xx firmware knows (cisco-facts.md 11.2),
 * the Olson names mapped onto them (11.4), and the default for an empty
 * setting (11.3). Pure: tables and string work, no I/O. */
#ifndef PHONEBOOT_TZ_H
#define PHONEBOOT_TZ_H

#include <stddef.h>

/* What [pbx] timezone means for the phones. in is taken exactly (no space
 * trimmed, case kept): a Cisco name is itself, an Olson name ("Europe/Berlin")
 * its mapped Cisco name, "" the default of 11.3. Returns 0 and *out (a static
 * string), or -1 and err naming the value and the nearest known names
 * ("timezone 'Central Europ Standard/Daylight Time' is not a name the phones
 * know; nearest: ..."). *olson (may be NULL) is set to 1 when in was an
 * Olson name. */
int tz_resolve(const char *in, const char **out, int *olson, char *err, size_t errlen);
/* The Cisco names, in the order of 11.2, NULL-terminated. */
const char *const *tz_cisco_names(void);

#endif
