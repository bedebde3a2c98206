/* inventory: field rules and generated secrets. */
#include "inventory.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

static const char *const field_names[] = {"extension", "name", "label", "secret"};

size_t inv_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Length of the UTF-8 sequence at s, or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : s[0] >= 0xe0 && s[0] < 0xf0 ? 3
		 : s[0] >= 0xf0 && s[0] < 0xf5 ? 4 : 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 4 && s[0] == 0xf0 && s[1] < 0x90) ||
	    (n == 4 && s[0] == 0xf4 && s[1] >= 0x90) || (n == 3 && s[0] == 0xed && s[1] >= 0xa0))
		return 0; /* overlong, beyond U+10FFFF, or a surrogate */
	return n;
}

/* Every field goes into one line of XML and of a PBX config: text, one line. */
static int check_text(enum inv_field f, const char *v, char *why, size_t whylen)
{
	const unsigned char *s = (const unsigned char *)v;
	for (size_t i = 0; s[i];) {
		if (s[i] < 0x20 || s[i] == 0x7f) {
			snprintf(why, whylen, "%s has a control character (byte 0x%02x at %zu): one line of plain text only",
				 field_names[f], s[i], i + 1);
			return -1;
		}
		size_t n = utf8_len(s + i);
		if (!n) {
			snprintf(why, whylen, "%s is not valid UTF-8 (byte %zu)", field_names[f], i + 1);
			return -1;
		}
		i += n;
	}
	return 0;
}

static int too_long(const struct model *m, enum inv_field f, const char *v, unsigned max, char *why, size_t whylen)
{
	size_t n = inv_chars(v);
	if (n <= max)
		return 0;
	snprintf(why, whylen, "%s of %zu %s; the %s accepts at most %u", field_names[f], n,
		 f == INV_EXTENSION ? "digits" : "characters", m->id, max);
	return -1;
}

static int check_extension(const struct model *m, const char *v, char *why, size_t whylen)
{
	if (!*v) {
		snprintf(why, whylen, "no extension");
		return -1;
	}
	if (strspn(v, "0123456789") != strlen(v)) {
		snprintf(why, whylen, "extension '%s' is not digits only", v);
		return -1;
	}
	/* the extension is the line's name and authName */
	return too_long(m, INV_EXTENSION, v, m->name_max, why, whylen);
}

static int check_secret(const struct model *m, const char *v, char *why, size_t whylen)
{
	if (!*v) {
		snprintf(why, whylen, "empty secret (leave it out, or give " INV_REGEN ", to have one generated)");
		return -1;
	}
	const char *sp = strpbrk(v, " \t\n\r\v\f");
	if (sp && *sp == ' ') {
		snprintf(why, whylen, "secret has a space (at %zu): PBX configs and CSV tools trim or split at it",
			 (size_t)(sp - v) + 1);
		return -1;
	}
	if (check_text(INV_SECRET, v, why, whylen) < 0)
		return -1;
	return too_long(m, INV_SECRET, v, m->sip_password_max, why, whylen);
}

int inv_check(const struct model *m, enum inv_field f, const char *v, char *why, size_t whylen)
{
	switch (f) {
	case INV_EXTENSION:
		return check_extension(m, v, why, whylen);
	case INV_SECRET:
		return check_secret(m, v, why, whylen);
	case INV_NAME:
		if (check_text(f, v, why, whylen) < 0)
			return -1;
		return too_long(m, f, v, m->name_max, why, whylen);
	case INV_LABEL:
		if (check_text(f, v, why, whylen) < 0)
			return -1;
		if (!m->label_spaces && strchr(v, ' ')) {
			snprintf(why, whylen, "label '%s' has a space; the %s takes none in its phoneLabel", v, m->id);
			return -1;
		}
		return too_long(m, f, v, m->label_max, why, whylen);
	}
	snprintf(why, whylen, "unknown field");
	return -1;
}

static int sys_random(void *ctx, uint8_t *buf, size_t n)
{
	(void)ctx;
	while (n) {
		ssize_t got = getrandom(buf, n, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		buf += got;
		n -= (size_t)got;
	}
	return 0;
}

int inv_secret_new(const struct model *m, char *out, inv_random_fn rnd, void *ctx)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	const unsigned n = sizeof(alphabet) - 1, limit = 256 - 256 % n; /* 248: uniform below it */
	unsigned want = m->sip_password_max, have = 0;
	if (want == 0 || want > INV_SECRET_MAX)
		return -1;
	if (!rnd)
		rnd = sys_random;
	for (int rounds = 0; have < want; rounds++) {
		uint8_t buf[64];
		if (rounds > 1000 || rnd(ctx, buf, sizeof(buf)) < 0)
			return -1;
		for (size_t i = 0; i < sizeof(buf) && have < want; i++)
			if (buf[i] < limit)
				out[have++] = alphabet[buf[i] % n];
	}
	out[have] = 0;
	return 0;
}
