/* cli_firmware: `phoneboot firmware import|list|show|verify|remove`: the library. */
#ifndef PHONEBOOT_CLI_FIRMWARE_H
#define PHONEBOOT_CLI_FIRMWARE_H

#include "conf.h"

/* argv[0] is "firmware". 0 ok, 1 failure, 2 usage or configuration error. */
int cli_firmware(const struct conf *c, int argc, char **argv);

#endif
