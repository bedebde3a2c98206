/* loads_wire: Cisco's signed file header (the one .cop.sgn, .loads, .sbn and
 * .sgn files share) and the body of a .loads file. Pure: no I/O, no
 * allocation; parsed strings point into the input. See cisco-facts.md 1.2, 2.1. */
#ifndef PHONEBOOT_LOADS_WIRE_H
#define PHONEBOOT_LOADS_WIRE_H

#include <stddef.h>
#include <stdint.h>

enum sgn_err {
	SGN_OK = 0,
	SGN_SHORT,          /* a TLV runs past the end of the data */
	SGN_NOVERSION,      /* the first TLV is not HEADER_VERSION (tag 1, length 2) */
	SGN_NOLENGTH,       /* no HEADER_LENGTH (tag 2, length 2) right after it */
	SGN_LENGTH_PAST_END,/* HEADER_LENGTH points past the end of the file */
	SGN_LENGTH_SMALL,   /* HEADER_LENGTH ends inside a TLV, or before the fixed part */
	SGN_BADTAG,         /* a tag outside 1..15 */
	SGN_BADLEN,         /* a TLV whose length does not fit its tag */
	SGN_CONTAINER,      /* a container's length differs from what it holds */
	SGN_NOSTRING,       /* a name without its terminating NUL */
	SGN_DUPLICATE,      /* a tag given twice */
};

struct sgn_str {
	const char *s;      /* NUL-terminated within the header, or NULL if absent */
	size_t len;
};

struct sgn_header {
	uint8_t version_major, version_minor;
	uint16_t header_len;      /* where the payload starts */
	struct sgn_str signer;    /* tag 4 */
	struct sgn_str ca;        /* tag 6 */
	struct sgn_str filename;  /* tag 14: the name it was signed as */
	const uint8_t *serial;    /* tag 5 */
	size_t serial_len;
	int digest;               /* tag 8: 1 SHA1, 2 SHA256, 3 SHA384, 4 SHA512; -1 absent */
	int sig_alg;              /* tag 10: 0 RSA; -1 absent */
	int modulus;              /* tag 11: 0 512, 1 1024, 2 2048, 3 4096 bits; -1 absent */
	size_t sig_off, sig_len;  /* tag 12 value within the header */
	int have_sig;             /* tag 12 was there (its length may be 0) */
	int have_timestamp;
	uint32_t timestamp;       /* tag 15 */
	size_t padding;           /* tag-13 bytes */
};

/* Parse the header at the start of p (the whole file, or at least its first
 * len bytes). *off tells where parsing stopped on error. */
enum sgn_err sgn_parse(const uint8_t *p, size_t len, struct sgn_header *h, size_t *off);
const char *sgn_strerror(enum sgn_err e);
/* Does p start like a signed header (tag 1 length 2, tag 2 length 2)? */
int sgn_looks_signed(const uint8_t *p, size_t len);
const char *sgn_digest_name(int digest);

/* Build a header as Cisco's files have it (for test fixtures and the fuzzer's
 * round trip): version 1.1, the signer, serial and CA, SHA-1/RSA-2048, a
 * signature of sig_len bytes from sig, the file name, padded with 0x0D to a
 * multiple of 4. Returns its length, or 0 if cap is too small. */
size_t sgn_build(uint8_t *buf, size_t cap, const char *signer, const char *ca, const char *filename,
		 const uint8_t *sig, size_t sig_len);

#define LOADS_MAX_IMAGES 32
#define LOADS_NAME_MAX 128

enum loads_err {
	LOADS_OK = 0,
	LOADS_NOIMAGES,     /* no image line at all */
	LOADS_TOOMANY,      /* more than LOADS_MAX_IMAGES images */
	LOADS_BADNAME,      /* an image name with '/', '\\', "..", a control byte, or too long */
	LOADS_BINARY,       /* a NUL or other non-text byte in the body */
};

struct loads_body {
	struct {
		const char *name; /* not NUL-terminated: name[0..len) */
		size_t len;
	} images[LOADS_MAX_IMAGES];
	int nimages;
	const char *release;      /* "9-4-2ES9" from "RELEASE load version 9-4-2ES9"; NULL if absent */
	size_t release_len;
	int hardware_comp;        /* #HARDWARE_COMP_1 n; -1 absent */
	int crlf;                 /* every line ended in CR LF */
	size_t bad_line;          /* on error: 1-based line number */
};

/* The text after the header: comments (#), blank lines, KEY=VALUE lines
 * (7940's LA_VERSION=...), and image names, trailing spaces and CR trimmed. */
enum loads_err loads_parse_body(const uint8_t *p, size_t len, struct loads_body *b);
const char *loads_strerror(enum loads_err e);

#endif
