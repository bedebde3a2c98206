/* pbx: render the inventory for Asterisk (pjsip.conf, sip.conf) and for
 * FreePBX's Bulk Handler. Every phone is checked before the first byte is
 * written, so a refused phone never leaves half a section behind. */
#include "pbx.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* "100 (00:1e:4a:aa:bb:01)": how a phone is named in a message */
#define WHO(p) (p)->extension, (p)->mac ? (p)->mac : "no MAC"

__attribute__((format(printf, 3, 4)))
static int refuse(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int pbx_format_parse(const char *s, enum pbx_format *f)
{
	static const char *const names[] = {"pjsip", "sip", "freepbx-csv"};
	for (int i = 0; i < 3; i++)
		if (strcmp(s, names[i]) == 0) {
			*f = (enum pbx_format)i;
			return 0;
		}
	return -1;
}

static const char *transport_name(enum pbx_transport t)
{
	return t == PBX_UDP ? "udp" : "tcp";
}

/* Length of the UTF-8 sequence at s, or 0 when it is not one (overlong
 * forms, surrogates and code points past U+10FFFF included). */
static size_t utf8_seq(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	if (!n || s[0] > 0xf4)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

/* NULL when v is UTF-8 text without control characters, else why not. */
static const char *text_fault(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p;) {
		if (*p < 0x20 || *p == 0x7f)
			return "holds a control character (a newline would end the line)";
		size_t n = utf8_seq(p);
		if (!n)
			return "is not UTF-8 text";
		p += n;
	}
	return NULL;
}

/* PHP's fgetcsv (FreePBX's reader) takes a backslash before a quote as an
 * escape that RFC 4180 readers (ours) do not: such a field cannot be
 * written so that both read it alike. */
static const char *csv_fault(const char *v)
{
	size_t n = strlen(v);
	if (strstr(v, "\\\"") || (n && v[n - 1] == '\\'))
		return "has a backslash before a '\"' or at its end, which FreePBX's CSV reader takes as an escape";
	return NULL;
}

static int check_text(const struct pbx_phone *p, enum pbx_format f, const char *field, const char *v,
		      char *err, size_t errlen)
{
	const char *why = text_fault(v);
	if (!why && f == PBX_FREEPBX_CSV)
		why = csv_fault(v);
	if (why)
		return refuse(err, errlen, "extension %s (%s): %s %s", WHO(p), field, why);
	return 0;
}

static int check_secret(const struct pbx_phone *p, enum pbx_format f, char *err, size_t errlen)
{
	const char *s = p->secret;
	size_t n = strlen(s);
	if (!n)
		return refuse(err, errlen, "extension %s (%s): the secret is empty", WHO(p));
	/* Asterisk and FreePBX's web import trim values: the phone would
	 * send a password the PBX never stored */
	if (strchr(" \t", s[0]) || strchr(" \t", s[n - 1]))
		return refuse(err, errlen, "extension %s (%s): the secret begins or ends with a blank", WHO(p));
	if (f == PBX_FREEPBX_CSV && strcmp(s, "REGEN") == 0)
		return refuse(err, errlen, "extension %s (%s): the secret REGEN would make FreePBX generate a new one",
			      WHO(p));
	return check_text(p, f, "the secret", s, err, errlen);
}

static int check_phone(enum pbx_format f, const struct pbx_phone *p, char *err, size_t errlen)
{
	const char *e = p->extension ? p->extension : "";
	if (!*e || strspn(e, "0123456789") != strlen(e) || strlen(e) > 64)
		return refuse(err, errlen, "phone %s: extension '%.80s' is not 1..64 digits", p->mac ? p->mac : "?", e);
	if (!p->name || !p->label || !p->secret)
		return refuse(err, errlen, "extension %s (%s): a field is missing", WHO(p));
	if ((p->mac && text_fault(p->mac)) || (p->model && text_fault(p->model)))
		return refuse(err, errlen, "extension %s: its MAC or model holds a control character", p->extension);
	if (check_text(p, f, "name", p->name, err, errlen) < 0 ||
	    check_text(p, f, "label", p->label, err, errlen) < 0)
		return -1;
	return check_secret(p, f, err, errlen);
}

static int cmp_ext(const void *a, const void *b)
{
	return strcmp((*(const struct pbx_phone *const *)a)->extension,
		      (*(const struct pbx_phone *const *)b)->extension);
}

/* Each extension names its sections (and its FreePBX row): once only. */
static int check_unique(const struct pbx_phone *ph, size_t n, char *err, size_t errlen)
{
	if (n < 2)
		return 0;
	const struct pbx_phone **v = malloc(n * sizeof(*v));
	if (!v)
		return refuse(err, errlen, "out of memory");
	for (size_t i = 0; i < n; i++)
		v[i] = &ph[i];
	qsort(v, n, sizeof(*v), cmp_ext);
	int r = 0;
	for (size_t i = 1; i < n && !r; i++)
		if (strcmp(v[i - 1]->extension, v[i]->extension) == 0)
			r = refuse(err, errlen, "extension %s is given to two phones (%s and %s)", v[i]->extension,
				   v[i - 1]->mac ? v[i - 1]->mac : "?", v[i]->mac ? v[i]->mac : "?");
	free(v);
	return r;
}

int pbx_check(enum pbx_format f, const struct pbx_site *site, const struct pbx_phone *ph, size_t n,
	      char *err, size_t errlen)
{
	const char *c = site->context ? site->context : "";
	if (!*c || strcspn(c, "; \t[]\"\\") != strlen(c) || text_fault(c))
		return refuse(err, errlen, "context '%s' cannot be written", c);
	if (site->sip_port < 1 || site->sip_port > 65535)
		return refuse(err, errlen, "SIP port %u is not 1..65535", site->sip_port);
	for (size_t i = 0; i < n; i++)
		if (check_phone(f, &ph[i], err, errlen) < 0)
			return -1;
	return check_unique(ph, n, err, errlen);
}

/* A value in Asterisk's config syntax: ';' starts a comment unless
 * escaped as "\;" (the only escape the config reader knows). */
static void ast_put(FILE *out, const char *v)
{
	for (; *v; v++) {
		if (*v == ';')
			fputc('\\', out);
		fputc(*v, out);
	}
}

/* callerid = "Name" <ext>. Asterisk takes the name between the first two
 * '"' with no escape, so a '"' inside becomes '\''. No name: the extension. */
static void ast_callerid(FILE *out, const struct pbx_phone *p)
{
	const char *name = p->name[0] ? p->name : p->extension;
	fputs("callerid = \"", out);
	for (const char *c = name; *c; c++) {
		if (*c == ';')
			fputc('\\', out);
		fputc(*c == '"' ? '\'' : *c, out);
	}
	fprintf(out, "\" <%s>\n", p->extension);
}

static void pjsip_header(FILE *out, const struct pbx_site *site, size_t n)
{
	const char *t = transport_name(site->transport);
	fprintf(out,
		"; Asterisk pjsip.conf sections for %zu Cisco phone%s, written by phoneboot\n"
		"; (phoneboot pbx export --format pjsip) from its inventory. Do not edit: export again.\n"
		"; Meant to be #included from pjsip.conf:  #include phoneboot-pjsip.conf\n"
		"; (FreePBX writes pjsip.conf itself: import --format freepbx-csv there instead.)\n"
		"; It holds the phones' SIP secrets: keep it readable by Asterisk only (mode 0600).\n"
		";\n"
		"; The phones use %s on port %u. It brings its own transport, [phoneboot-%s];\n"
		"; if pjsip.conf already binds %s port %u, delete that section here and name your\n"
		"; transport in the endpoints' transport= instead.\n",
		n, n == 1 ? "" : "s", t, site->sip_port, t, t, site->sip_port);
	if (site->transport == PBX_TCP)
		fputs("; transport = tcp: TCP must be enabled on the PBX (the transport below does it\n"
		      "; for pjsip; FreePBX: Settings, Asterisk SIP Settings, TCP).\n", out);
	fprintf(out, "\n[phoneboot-%s]\ntype = transport\nprotocol = %s\nbind = 0.0.0.0:%u\n", t, t, site->sip_port);
}

/* Endpoint settings for Cisco 79xx SIP phones behind NAT or not: media
 * through Asterisk, replies to where the packets came from. */
static void pjsip_phone(FILE *out, const struct pbx_site *site, const struct pbx_phone *p)
{
	const char *e = p->extension;
	fprintf(out, "\n; %s, %s\n[%s]\ntype = endpoint\ntransport = phoneboot-%s\ncontext = %s\n",
		p->mac ? p->mac : "no MAC", p->model ? p->model : "no model", e, transport_name(site->transport),
		site->context);
	fprintf(out, "disallow = all\nallow = ulaw,alaw\nauth = %s-auth\naors = %s\n", e, e);
	ast_callerid(out, p);
	fputs("direct_media = no\nrtp_symmetric = yes\nforce_rport = yes\nrewrite_contact = yes\n"
	      "dtmf_mode = rfc4733\n", out);
	/* the digest user (the phone's authName) is the extension */
	fprintf(out, "\n[%s-auth]\ntype = auth\nauth_type = userpass\nusername = %s\npassword = ", e, e);
	ast_put(out, p->secret);
	fprintf(out, "\n\n[%s]\ntype = aor\nmax_contacts = 1\nremove_existing = yes\nqualify_frequency = 60\n", e);
}

static void sip_header(FILE *out, const struct pbx_site *site, size_t n)
{
	const char *t = transport_name(site->transport);
	fprintf(out,
		"; Asterisk sip.conf (chan_sip) peers for %zu Cisco phone%s, written by phoneboot\n"
		"; (phoneboot pbx export --format sip) from its inventory. Do not edit: export again.\n"
		"; Meant to be #included from sip.conf, after [general]:  #include phoneboot-sip.conf\n"
		"; (chan_sip is gone from Asterisk 21 on; there, use --format pjsip.)\n"
		"; It holds the phones' SIP secrets: keep it readable by Asterisk only (mode 0600).\n"
		";\n"
		"; The phones use %s on port %u; [general] needs:\n",
		n, n == 1 ? "" : "s", t, site->sip_port);
	if (site->transport == PBX_TCP)
		fprintf(out, ";   tcpenable = yes\n;   tcpbindaddr = 0.0.0.0:%u\n"
			"; (transport = tcp: TCP must be enabled on the PBX; chan_sip listens on UDP only\n"
			"; without tcpenable)\n", site->sip_port);
	else
		fprintf(out, ";   udpbindaddr = 0.0.0.0:%u\n", site->sip_port);
}

static void sip_phone(FILE *out, const struct pbx_site *site, const struct pbx_phone *p)
{
	const char *e = p->extension;
	fprintf(out, "\n; %s, %s\n[%s]\ntype = friend\nhost = dynamic\ndefaultuser = %s\nsecret = ",
		p->mac ? p->mac : "no MAC", p->model ? p->model : "no model", e, e);
	ast_put(out, p->secret);
	fprintf(out, "\ncontext = %s\ntransport = %s\n", site->context, transport_name(site->transport));
	ast_callerid(out, p);
	fputs("disallow = all\nallow = ulaw\nallow = alaw\nnat = force_rport,comedia\ndirectmedia = no\n"
	      "dtmfmode = rfc2833\nqualify = yes\n", out);
}

/* One CSV field as PHP's fputcsv writes it: quoted when it holds a
 * separator, a quote, a blank, a backslash or a line end; '"' doubled. */
static void csv_put(FILE *out, const char *v)
{
	if (strcspn(v, ",\" \t\r\n\\") == strlen(v)) {
		fputs(v, out);
		return;
	}
	fputc('"', out);
	for (; *v; v++) {
		if (*v == '"')
			fputc('"', out);
		fputc(*v, out);
	}
	fputc('"', out);
}

/* FreePBX requires a name: the extension stands in for an empty one. The
 * label column is ours (FreePBX ignores columns it has no setting for). */
static void csv_phone(FILE *out, const struct pbx_phone *p)
{
	const char *name = p->name[0] ? p->name : p->extension;
	const char *f[] = {p->extension, name, name, "pjsip", p->secret, p->label};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (i)
			fputc(',', out);
		csv_put(out, f[i]);
	}
	fputc('\n', out);
}

int pbx_render(FILE *out, enum pbx_format f, const struct pbx_site *site, const struct pbx_phone *ph,
	       size_t n, char *err, size_t errlen)
{
	if (pbx_check(f, site, ph, n, err, errlen) < 0)
		return -1;
	if (f == PBX_PJSIP)
		pjsip_header(out, site, n);
	else if (f == PBX_SIP)
		sip_header(out, site, n);
	else
		fputs("extension,name,description,tech,secret,label\n", out);
	for (size_t i = 0; i < n; i++) {
		if (f == PBX_PJSIP)
			pjsip_phone(out, site, &ph[i]);
		else if (f == PBX_SIP)
			sip_phone(out, site, &ph[i]);
		else
			csv_phone(out, &ph[i]);
	}
	if (fflush(out) != 0 || ferror(out))
		return refuse(err, errlen, "writing failed: %s", strerror(errno));
	return 0;
}
