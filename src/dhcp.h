/* dhcp: the DHCP server (off until [dhcp] is configured): pools, leases kept
 * in the state file (an ACK goes out only once its lease is committed),
 * reservations, relayed subnets (giaddr), options 150 and 66 for phones. It
 * knows nothing about firmware. */
#ifndef PHONEBOOT_DHCP_H
#define PHONEBOOT_DHCP_H

#include <stddef.h>

#include "conf.h"
#include "loop.h"
#include "store.h"

struct dhcp_server;

/* Check the configuration, find the interface's address and subnet, bind
 * port 67 on that interface only (before privileges are dropped), and probe
 * the segment for another DHCP server. NULL with err on a refusal;
 * *config_error says whether the configuration itself is wrong (exit 2) or
 * the system is not ready (no such address yet, port taken: exit 1). */
struct dhcp_server *dhcp_new(struct loop *l, struct conf *c, int *config_error, char *err, size_t errlen);
/* Load the leases and start answering (after privileges are dropped). */
int dhcp_start(struct dhcp_server *s, struct store *st, char *err, size_t errlen);
/* The end of a loop turn, after store_flush: send the ACKs whose leases
 * are committed; the others wait for a later turn's flush. */
void dhcp_turn_end(struct dhcp_server *s);
/* ACKs waiting for their leases' commit. */
int dhcp_held(const struct dhcp_server *s);
void dhcp_free(struct dhcp_server *s);

#endif
