/* tftp_wire: TFTP packets (RFC 1350, 2347, 2348, 2349, 7440) as structs and back.
 * Pure: no I/O, no clock, no allocation. Parsed strings point into the packet. */
#ifndef PHONEBOOT_TFTP_WIRE_H
#define PHONEBOOT_TFTP_WIRE_H

#include <stddef.h>
#include <stdint.h>

enum tftp_opcode {
	TFTP_RRQ = 1,
	TFTP_WRQ = 2,
	TFTP_DATA = 3,
	TFTP_ACK = 4,
	TFTP_ERROR = 5,
	TFTP_OACK = 6,
};

enum tftp_errcode {
	TFTP_EUNDEF = 0,   /* not defined, see message */
	TFTP_ENOTFOUND = 1,
	TFTP_EACCESS = 2,
	TFTP_ENOSPACE = 3,
	TFTP_EBADOP = 4,
	TFTP_EBADID = 5,
	TFTP_EEXISTS = 6,
	TFTP_ENOUSER = 7,
	TFTP_EOPTNEG = 8,  /* RFC 2347: option negotiation refused */
};

enum tftp_mode { TFTP_MODE_OCTET = 0, TFTP_MODE_NETASCII = 1, TFTP_MODE_MAIL = 2 };

/* Parse results: 0 is a good packet; the rest say why it was not. */
enum tftp_parse_err {
	TFTP_PARSE_OK = 0,
	TFTP_PARSE_SHORT,        /* shorter than its opcode needs */
	TFTP_PARSE_BADOP,        /* opcode not 1..6 */
	TFTP_PARSE_NONUL,        /* a string runs to the end without its NUL */
	TFTP_PARSE_NOFILE,       /* empty file name */
	TFTP_PARSE_NOMODE,       /* request without a mode */
	TFTP_PARSE_BADMODE,      /* mode not netascii/octet/mail */
	TFTP_PARSE_TOOMANY,      /* more options than TFTP_MAX_OPTS */
	TFTP_PARSE_TOOLONG,      /* packet longer than any valid one (TFTP_MAX_PACKET) */
};

#define TFTP_MAX_OPTS 16
#define TFTP_MAX_PACKET 65468   /* 4-byte header + blksize 65464 */
#define TFTP_DEFAULT_BLKSIZE 512
#define TFTP_BLKSIZE_MIN 8
#define TFTP_BLKSIZE_MAX 65464
#define TFTP_TIMEOUT_MIN 1
#define TFTP_TIMEOUT_MAX 255
#define TFTP_WINDOW_MIN 1
#define TFTP_WINDOW_MAX 65535

struct tftp_opt {
	const char *name;
	const char *value;
};

struct tftp_msg {
	enum tftp_opcode op;
	/* RRQ, WRQ */
	const char *file;
	size_t file_len;
	enum tftp_mode mode;
	/* RRQ, WRQ, OACK */
	struct tftp_opt opts[TFTP_MAX_OPTS];
	int nopts;
	/* DATA, ACK */
	uint16_t block;
	/* DATA */
	const uint8_t *data;
	size_t data_len;
	/* ERROR */
	uint16_t errcode;
	const char *errmsg;
	/* bytes after the packet proper (an unterminated last option, padding
	 * after an ACK or an ERROR's message): noted, never trusted */
	size_t trailing;
};

/* Parse one datagram. The packet must stay alive while msg is used. */
enum tftp_parse_err tftp_parse(const uint8_t *p, size_t rem, struct tftp_msg *msg);
const char *tftp_parse_strerror(enum tftp_parse_err e);

/* What the server allows; a valid value above a ceiling is lowered. */
struct tftp_limits {
	unsigned max_blksize;     /* 8..65464 */
	unsigned max_windowsize;  /* 1..65535 */
};

/* What was agreed for a transfer. */
struct tftp_params {
	unsigned blksize;        /* 512 unless negotiated */
	unsigned windowsize;     /* 1 unless negotiated */
	unsigned timeout;        /* seconds; 0: not negotiated */
	int tsize_asked;         /* the request carried tsize */
	uint64_t tsize_value;    /* WRQ: the size the client announced */
	/* which options go into the OACK, in request order */
	int oack;                /* any option accepted */
	unsigned char echo[TFTP_MAX_OPTS];
};

/* Negotiate the options of a request (RFC 2347): fills params and says which to
 * echo. Returns 0, or -1 with a reason in err when an option value is outside
 * its RFC range (the caller answers ERROR 8). Unknown options are ignored. */
int tftp_negotiate(const struct tftp_msg *req, const struct tftp_limits *lim,
		   struct tftp_params *params, char *err, size_t errlen);

/* Builders: return the packet length, or 0 when it does not fit in cap. */
size_t tftp_build_request(uint8_t *buf, size_t cap, enum tftp_opcode op, const char *file,
			  const char *mode, const struct tftp_opt *opts, int nopts);
size_t tftp_build_oack(uint8_t *buf, size_t cap, const struct tftp_msg *req,
		       const struct tftp_params *params, uint64_t tsize);
size_t tftp_build_opts(uint8_t *buf, size_t cap, const struct tftp_opt *opts, int nopts);
size_t tftp_build_error(uint8_t *buf, size_t cap, uint16_t code, const char *msg);
size_t tftp_build_ack(uint8_t *buf, size_t cap, uint16_t block);
/* DATA header only (4 bytes): the payload follows at buf + 4. */
size_t tftp_build_data_header(uint8_t *buf, size_t cap, uint16_t block);

const char *tftp_mode_name(enum tftp_mode m);

/* File names as phones send them, made safe to look up beneath a root:
 * '\\' becomes '/', leading '/' and repeated '/' and "." components go,
 * ".." anywhere, control bytes, and names longer than TFTP_NAME_MAX are
 * refused. Returns 0, or -1 with the reason in *why. */
#define TFTP_NAME_MAX 255
int tftp_name_clean(const char *in, size_t len, char *out, size_t cap, const char **why);

/* Netascii (RFC 764 as RFC 1350 uses it): LF -> CR LF, CR -> CR NUL.
 * The encoder is a stream: *carry holds a byte still owed from the last call
 * (the LF or NUL after a CR), -1 if none; start with -1. It consumes from in while out has
 * room and returns the bytes written; *used says how much of in it took. */
size_t tftp_netascii_encode(const uint8_t *in, size_t inlen, size_t *used,
			    uint8_t *out, size_t outcap, int *carry);
/* Size of the encoded form of a buffer (for tsize). */
uint64_t tftp_netascii_encoded_size(const uint8_t *in, size_t inlen);
/* Decoder for uploads: CR LF -> LF, CR NUL -> CR. *pending_cr carries a CR
 * that ended the last chunk. Output is never longer than input (+1 for a
 * pending CR that turns out to stand alone). */
size_t tftp_netascii_decode(const uint8_t *in, size_t inlen, uint8_t *out, size_t outcap,
			    int *pending_cr);

#endif
