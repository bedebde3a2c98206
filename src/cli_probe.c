/* cli_probe: `phoneboot probe`'s arguments; probe.c does the asking. */
#include "cli_probe.h"

#include <stdio.h>
#include <string.h>

#include "probe.h"

int cli_probe(const struct conf *c, int argc, char **argv)
{
	(void)c;
	const char *iface = NULL;
	int request = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--iface") == 0 && i + 1 < argc)
			iface = argv[++i];
		else if (strcmp(argv[i], "--request") == 0)
			request = 1;
		else {
			fprintf(stderr, "phoneboot probe: unexpected '%s' (expected --iface IF [--request])\n", argv[i]);
			return 2;
		}
	}
	if (!iface) {
		fprintf(stderr, "phoneboot probe: --iface IF is required\n");
		return 2;
	}
	char err[512];
	int rc = probe_run(iface, request, stdout, err, sizeof(err));
	if (rc == 2)
		fprintf(stderr, "phoneboot probe: %s\n", err);
	return rc;
}
