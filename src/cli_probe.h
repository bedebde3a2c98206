/* cli_probe: `phoneboot probe --iface IF [--request]`: the network's DHCP server, judged. */
#ifndef PHONEBOOT_CLI_PROBE_H
#define PHONEBOOT_CLI_PROBE_H

#include "conf.h"

/* argv[0] is "probe"; c is not used (may be NULL). probe_run's status. */
int cli_probe(const struct conf *c, int argc, char **argv);

#endif
