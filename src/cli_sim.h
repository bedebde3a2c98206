/* cli_sim: `phoneboot sim`: simulated phones against a TFTP server. */
#ifndef PHONEBOOT_CLI_SIM_H
#define PHONEBOOT_CLI_SIM_H

#include "conf.h"

/* argv[0] is "sim". sim_run's status, or 2 for a usage or configuration error. */
int cli_sim(const struct conf *c, int argc, char **argv);

#endif
