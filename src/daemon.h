/* daemon: `phoneboot serve`: wires TFTP, DHCP, the firmware library, the
 * model table and the state file to one event loop and runs it until
 * SIGTERM or SIGINT (a second one, or SHUTDOWN_GRACE, ends transfers still
 * running). */
#ifndef PHONEBOOT_DAEMON_H
#define PHONEBOOT_DAEMON_H

#include "conf.h"

/* The command: argv[0] is "serve"; no arguments. 0 stopped cleanly, 1
 * failure, 2 usage or configuration error. */
int daemon_main(const struct conf *c, int argc, char **argv);

#endif
