/* cli_dhcp: `phoneboot dhcp leases` (the state file's leases) and
 * `phoneboot dhcp-option` (options 150 and 66 encoded, and the lines for
 * the admin's DHCP server). */
#ifndef PHONEBOOT_CLI_DHCP_H
#define PHONEBOOT_CLI_DHCP_H

#include "conf.h"

/* argv[0] is "dhcp". 0 ok, 1 failure, 2 usage error. */
int cli_dhcp(const struct conf *c, int argc, char **argv);

/* argv[0] is "dhcp-option"; c is not used (may be NULL). 0 ok, 2 usage error. */
int cli_dhcp_option(const struct conf *c, int argc, char **argv);

#endif
