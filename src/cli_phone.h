/* cli_phone: "phoneboot phone ..." - the phone inventory from the command line. */
#ifndef PHONEBOOT_CLI_PHONE_H
#define PHONEBOOT_CLI_PHONE_H

#include "conf.h"

/* argv[0] is "phone". Exit status: 0 ok, 1 refused or failed, 2 usage. */
int cli_phone(const struct conf *c, int argc, char **argv);

#endif
