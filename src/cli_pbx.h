/* cli_pbx: "phoneboot pbx export": the inventory for the PBX. */
#ifndef PHONEBOOT_CLI_PBX_H
#define PHONEBOOT_CLI_PBX_H

#include "conf.h"

/* argv[0] is "pbx". Exit status: 0 ok, 1 failed, 2 usage. */
int cli_pbx(const struct conf *c, int argc, char **argv);

#endif
