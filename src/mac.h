/* mac: MAC addresses in every notation an admin copies from somewhere.
 * Pure: no I/O. The one rule for the CLI, the CSV import and the config. */
#ifndef PHONEBOOT_MAC_H
#define PHONEBOOT_MAC_H

#include <stdint.h>

#define MAC_TEXT_LEN 18 /* "aa:bb:cc:dd:ee:ff" and its NUL */

/* 00:1e:4a:00:00:01, 00-1E-4A-00-00-01, 001e.4a00.0001, 001E4A000001,
 * SEP001E4A000001 (the phone's config name). Returns 0, or -1 with *why
 * (when why is not NULL) a short reason. Group (multicast) and all-zero
 * addresses are refused: no phone has one. */
int mac_parse(const char *s, uint8_t mac[6], const char **why);
/* Lower case with colons: "00:1e:4a:00:00:01". */
void mac_format(const uint8_t mac[6], char out[MAC_TEXT_LEN]);

#endif
