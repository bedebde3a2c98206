/* pbx: the phones as the PBX wants them: Asterisk pjsip.conf and sip.conf
 * sections, and FreePBX's Bulk Handler "extensions" CSV. Pure: writes only
 * to the FILE it is given; no clock, no other I/O. */
#ifndef PHONEBOOT_PBX_H
#define PHONEBOOT_PBX_H

#include <stddef.h>
#include <stdio.h>

enum pbx_format { PBX_PJSIP, PBX_SIP, PBX_FREEPBX_CSV };
enum pbx_transport { PBX_TCP, PBX_UDP };

struct pbx_site {
	enum pbx_transport transport;
	unsigned sip_port;
	const char *context;
};

struct pbx_phone {
	const char *mac, *model, *extension, *name, *label, *secret;
};

/* "pjsip", "sip" or "freepbx-csv": 0, else -1. */
int pbx_format_parse(const char *s, enum pbx_format *f);

/* 0 when every phone can be written in format f without changing its
 * meaning, else -1 and err names the phone and the field ("extension 100
 * (00:1e:4a:aa:bb:01): name holds a control character"). Nothing written. */
int pbx_check(enum pbx_format f, const struct pbx_site *site, const struct pbx_phone *ph, size_t n,
	      char *err, size_t errlen);

/* pbx_check, then the whole document into out. 0, or -1 with err (a
 * refused phone, or a write error: then out holds a partial document). */
int pbx_render(FILE *out, enum pbx_format f, const struct pbx_site *site, const struct pbx_phone *ph,
	       size_t n, char *err, size_t errlen);

#endif
