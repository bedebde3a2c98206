/* probe: what this network's DHCP server hands out to a phone, judged. */
#ifndef PHONEBOOT_PROBE_H
#define PHONEBOOT_PROBE_H

#include <stddef.h>
#include <stdio.h>

/* DISCOVER on iface as a Cisco phone; print every OFFER decoded and judged;
 * with request, complete the lease and release it. 0 an offer is right for
 * phones, 1 a problem or no offer, 2 could not probe (err says why). */
int probe_run(const char *iface, int request, FILE *out, char *err, size_t errlen);

#endif
