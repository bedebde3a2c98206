/* dhcp_wire: DHCP messages (RFC 2131, 2132, 3396) as structs and back, and
 * the option table that names, encodes and prints each option. Pure: no I/O,
 * no clock, no allocation. */
#ifndef PHONEBOOT_DHCP_WIRE_H
#define PHONEBOOT_DHCP_WIRE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_FIXED 236           /* the BOOTP header before the options */
#define DHCP_COOKIE 0x63825363u
#define DHCP_MIN_LEN 240         /* header and magic cookie */
#define DHCP_BOOTP_MIN 300       /* replies are padded to BOOTP's minimum */
#define DHCP_MAX_LEN 1500        /* what we build, and read without option 57 */
#define DHCP_MAX_FRAGS 96        /* option instances kept while parsing */

enum dhcp_type {
	DHCPDISCOVER = 1, DHCPOFFER, DHCPREQUEST, DHCPDECLINE, DHCPACK, DHCPNAK, DHCPRELEASE, DHCPINFORM,
};

enum dhcp_opt_code {
	DHO_PAD = 0, DHO_SUBNET_MASK = 1, DHO_ROUTER = 3, DHO_DNS = 6, DHO_HOSTNAME = 12,
	DHO_DOMAIN = 15, DHO_NTP = 42, DHO_REQUESTED_IP = 50, DHO_LEASE_TIME = 51, DHO_OVERLOAD = 52,
	DHO_MSG_TYPE = 53, DHO_SERVER_ID = 54, DHO_PARAM_LIST = 55, DHO_MESSAGE = 56, DHO_MAX_SIZE = 57,
	DHO_RENEWAL = 58, DHO_REBINDING = 59, DHO_VENDOR_CLASS = 60, DHO_CLIENT_ID = 61,
	DHO_TFTP_SERVER_NAME = 66, DHO_BOOTFILE = 67, DHO_RELAY_AGENT = 82, DHO_CISCO_TFTP = 150,
	DHO_END = 255,
};

enum dhcp_parse_err {
	DHCP_OK = 0,
	DHCP_SHORT,        /* shorter than the fixed header and cookie */
	DHCP_TOOLONG,      /* longer than any datagram we take */
	DHCP_BADOP,        /* op not 1 (request) or 2 (reply) */
	DHCP_BADHLEN,      /* hardware address longer than 16 */
	DHCP_NOCOOKIE,     /* no magic cookie: BOOTP, not DHCP */
	DHCP_OPTLEN,       /* an option's length runs past the end of its field */
	DHCP_NOEND,        /* the options field ends without END */
	DHCP_TOOMANY,      /* more option instances than DHCP_MAX_FRAGS */
	DHCP_BADOVERLOAD,  /* option 52 not of length 1 and value 1..3 */
};

struct dhcp_frag {
	uint8_t code, len;
	const uint8_t *data;
};

struct dhcp_msg {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags;
	struct in_addr ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[16];
	const uint8_t *sname, *file;  /* the fields as they are (64, 128 bytes) */
	int overload;                 /* option 52: 1 file, 2 sname, 3 both hold options */
	struct dhcp_frag frag[DHCP_MAX_FRAGS];
	int nfrag;
	size_t trailing;              /* bytes after END: noted, not trusted */
};

enum dhcp_parse_err dhcp_parse(const uint8_t *p, size_t len, struct dhcp_msg *m);
const char *dhcp_parse_strerror(enum dhcp_parse_err e);

/* An option's value: the concatenation of all its instances (RFC 3396).
 * Returns its length, or -1 if absent; copies at most cap bytes. */
int dhcp_opt(const struct dhcp_msg *m, uint8_t code, uint8_t *buf, size_t cap);
/* The message type (option 53), or 0. */
int dhcp_msg_type(const struct dhcp_msg *m);
const char *dhcp_type_name(int type);

/* Building a message: the header, then options one by one, then END. */
struct dhcp_builder {
	uint8_t *buf;
	size_t cap, len, limit;   /* limit: the client's max message size */
	int overflow;
};

void dhcp_build_start(struct dhcp_builder *b, uint8_t *buf, size_t cap, const struct dhcp_msg *hdr);
/* An option of any length: split into instances of 255 bytes (RFC 3396). */
int dhcp_build_opt(struct dhcp_builder *b, uint8_t code, const void *data, size_t len);
int dhcp_build_u32(struct dhcp_builder *b, uint8_t code, uint32_t v);
int dhcp_build_u8(struct dhcp_builder *b, uint8_t code, uint8_t v);
/* END, pad to 300 bytes; returns the length, or 0 if anything overflowed. */
size_t dhcp_build_end(struct dhcp_builder *b);

/* --- the option table: what `dhcp-option` and `probe` show --- */

enum dhcp_opt_type {
	DOT_IP,       /* one IPv4 address */
	DOT_IPS,      /* a list of IPv4 addresses (4 bytes each) */
	DOT_STRING,   /* text */
	DOT_U8, DOT_U16, DOT_U32,
	DOT_BYTES,    /* anything else: hex */
	DOT_CODES,    /* a list of option codes (55) */
};

struct dhcp_opt_info {
	uint8_t code;
	const char *name;
	enum dhcp_opt_type type;
};

/* The entry for code; an unknown code gets a generic bytes entry. */
const struct dhcp_opt_info *dhcp_opt_info(uint8_t code);

/* "150" or "tftp-servers" -> code; -1 unknown. */
int dhcp_opt_lookup(const char *name);

/* Encode a value typed as an admin types it ("192.168.0.195,192.168.0.196"
 * for a list, text for a string, a number) into out; returns the length, or
 * -1 with a reason in *why. */
int dhcp_opt_encode(uint8_t code, const char *text, uint8_t *out, size_t cap, const char **why);

/* Print a value for people: addresses dotted, strings escaped, numbers in
 * decimal, the rest in hex. Always NUL-terminates; returns the length. */
size_t dhcp_opt_format(uint8_t code, const uint8_t *v, size_t len, char *out, size_t cap);

/* Does a value that should be a list of addresses look like text instead
 * (printable digits and dots: the classic "IP typed as text" mistake)? */
int dhcp_opt_looks_like_text(const uint8_t *v, size_t len);

#endif
