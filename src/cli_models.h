/* cli_models: `phoneboot models [--json]`: the model table, as text or JSON. */
#ifndef PHONEBOOT_CLI_MODELS_H
#define PHONEBOOT_CLI_MODELS_H

#include "conf.h"

/* argv[0] is "models". 0 ok, 2 usage or model table error. */
int cli_models(const struct conf *c, int argc, char **argv);

#endif
