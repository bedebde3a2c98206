/* privdrop: what the daemon does as root before the first packet is read
 * (OpenBSD tftpd): room for its files, then the unprivileged user. */
#ifndef PHONEBOOT_PRIVDROP_H
#define PHONEBOOT_PRIVDROP_H

#include "conf.h"

/* Give the state directory to [server] user and become that user (nothing
 * when not root; a warning for user = root). 0, -1 failed, -2 no such user
 * (a configuration error); the message is on stderr. */
int privdrop_user(const struct conf *c);

/* Each transfer holds a socket and a file: raise the open-file limit to
 * make room for max_transfers, with a warning when it cannot. */
void privdrop_raise_nofile(const struct conf *c);

#endif
