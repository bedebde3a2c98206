/* cli_log: `phoneboot log [-f]`: the timeline of transfers from the state file. */
#ifndef PHONEBOOT_CLI_LOG_H
#define PHONEBOOT_CLI_LOG_H

#include "conf.h"

/* argv[0] is "log". 0 ok, 1 failure, 2 usage error. */
int cli_log(const struct conf *c, int argc, char **argv);

#endif
