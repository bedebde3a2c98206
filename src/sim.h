/* sim: simulated Cisco phones, many in one process and one loop. Each has a
 * MAC, its own IPv4 address, a model from the model table, the load flashed
 * on it and its family's bootloader rule, and walks the boot sequence of
 * cisco-facts.md 4 (recovery after a hard reset, normal boot, upgrade by
 * <loadInformation>) over TFTP with the server's own wire code. Shares no
 * state with the server. */
#ifndef PHONEBOOT_SIM_H
#define PHONEBOOT_SIM_H

#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>

#include "firmware.h"
#include "models.h"

struct sim_opts {
	struct sockaddr_in server;   /* --tftp ADDR[:PORT] */
	const char *dhcp_iface;      /* --dhcp IFACE: the TFTP server from DHCP instead */
	int phones;
	const struct model *model;
	const char *load;            /* the load flashed on the phones */
	int hard_reset;
	const char *target;          /* "sip", or a load ID */
	uint8_t mac_base[6];
	struct in_addr bind_base;    /* one address per phone from here */
	double timeout_s;            /* for the whole run */
	int json;
	int verbose;                 /* print each phone's steps (default: up to 10 phones) */
	int max_reboots;
	unsigned stuck_after;        /* the same .loads this many times with no image: stuck */
	unsigned flash_ms_per_mb;    /* writing an image to flash */
	unsigned retry_ms;           /* between two requests for a .loads the phone rejected */
	unsigned reboot_ms;
	unsigned tftp_timeout_ms;
	unsigned tftp_retries;
	unsigned image_retries;
};

void sim_defaults(struct sim_opts *o);
/* Run every phone to the end; prints steps, a summary line a phone and the
 * totals (or JSON). 0 when every phone reached its target, 1 otherwise. */
int sim_run(const struct models *ms, const struct fw_known *known, const struct sim_opts *o, FILE *out);

/* The bootloader rule of a family: may a phone on load `current` (NULL or
 * unparsable: unknown) take a load of version `offered`? 1 yes, 0 no. */
int sim_bootloader_accepts(const struct model *m, const struct models *ms, const char *current,
			   const struct model_version *offered);

/* The load a .loads list stands for: from the known-firmware list through its
 * images, else from the images' version ("jar11sip.9-4-2ES9.sbn" -> SIP, 9.4(2)).
 * Fills id (a load ID or a name made from prefix and release) and version. */
int sim_offered_load(const struct models *ms, const struct fw_known *known, const struct model *m,
		     const char *const *images, int nimages, const char *release, char *id, size_t idlen,
		     struct model_version *v);

#endif
