/* conf: the INI configuration (inih): defaults, validation, one struct.
 * The built-in defaults are those of an installed system. */
#ifndef PHONEBOOT_CONF_H
#define PHONEBOOT_CONF_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define CONF_DEFAULT_PATH "/etc/phoneboot/phoneboot.conf"
#define CONF_MAX_LISTEN 8

enum conf_log { CONF_LOG_STDOUT, CONF_LOG_SYSLOG };

struct conf_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	char text[64];   /* as written, for messages */
};

#define CONF_MAX_ADDRS 8
#define CONF_MAX_SUBNETS 32
#define CONF_MAX_RESERVE 4096

/* A subnet DHCP serves: the [dhcp] one (on the interface) or a relayed one. */
struct conf_subnet {
	struct in_addr net, mask;      /* for [dhcp]: from the interface at start */
	int has_net;
	struct in_addr lo, hi;         /* the range; lo.s_addr 0: none */
	struct in_addr routers[CONF_MAX_ADDRS];
	int nrouters;
	struct in_addr dns[CONF_MAX_ADDRS];
	int ndns;
	uint32_t lease_s;
	struct in_addr tftp[CONF_MAX_ADDRS]; /* option 150; none: our address */
	int ntftp;
	char *tftp_name;               /* option 66; NULL: the first of tftp */
	char name[64];                 /* "dhcp" or "dhcp.10.20.0.0/24" */
};

struct conf_reserve {
	uint8_t mac[6];
	struct in_addr ip;
};

/* how the phones reach the PBX (Cisco 79xx SIP: transportLayerProtocol) */
enum conf_transport { CONF_TRANSPORT_TCP, CONF_TRANSPORT_UDP };

/* how transfers reach the kernel: io_uring where it works, else epoll */
enum conf_io { CONF_IO_AUTO, CONF_IO_URING, CONF_IO_EPOLL };

struct conf {
	char *path;               /* the file read, or NULL for built-in defaults */
	/* [server] */
	char *state_dir;
	char *user;
	enum conf_log log;
	uint64_t keep_events_s;
	/* [tftp] */
	struct conf_addr tftp_listen[CONF_MAX_LISTEN];
	int ntftp_listen;
	char *tftp_root;
	unsigned max_blksize;
	unsigned max_windowsize;
	unsigned max_transfers;
	unsigned max_per_client;  /* 0: no limit */
	unsigned retries;
	char *allow_write;        /* NULL: write requests refused */
	enum conf_io tftp_io;
	/* [dhcp] */
	int dhcp_enabled;
	char *dhcp_interface;
	char *dhcp_domain;
	struct in_addr dhcp_ntp[CONF_MAX_ADDRS];
	int dhcp_nntp;
	int dhcp_phones_only;
	struct conf_reserve *reserve;
	int nreserve;
	struct conf_subnet dhcp;        /* the interface's subnet */
	struct conf_subnet relayed[CONF_MAX_SUBNETS];
	int nrelayed;
	/* [pbx] */
	enum conf_transport pbx_transport;
	unsigned pbx_sip_port;
	char *pbx_context;        /* the dialplan context the phones' calls start in */
};

/* Load path (NULL: built-in defaults only). On error returns -1 and err says
 * "FILE:LINE: what was wrong, what was expected". */
int conf_load(struct conf *c, const char *path, char *err, size_t errlen);
void conf_free(struct conf *c);

/* Any INI file of ours (the config, the model table): lines counted, long
 * lines refused, section names checked where they stand; section() may be
 * NULL. Callbacks return 0, or -1 with a message. The first error is
 * returned as "NAME:LINE: message". */
struct conf_ini {
	int (*section)(void *ctx, const char *name, char *err, size_t errlen);
	int (*key)(void *ctx, const char *section, const char *key, const char *value, char *err,
		   size_t errlen);
	void *ctx;
};
int conf_ini_parse(FILE *f, const char *name, const struct conf_ini *ini, char *err, size_t errlen);

/* Parsers shared with the CLI; 0 or -1. */
int conf_parse_duration(const char *s, uint64_t *seconds);
int conf_parse_addr(const char *s, int default_port, struct conf_addr *a);
/* any notation mac_parse (mac.h) takes */
int conf_parse_mac(const char *s, uint8_t mac[6]);
/* "10.0.0.0/24" */
int conf_parse_cidr(const char *s, struct in_addr *net, struct in_addr *mask);

#endif
