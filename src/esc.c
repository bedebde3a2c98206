/* esc: escaping for logs, quoted values, XML and JSON (see esc.h). */
#include "esc.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Append n bytes if they fit with the NUL; 0 if they do not. */
static int append(char *dst, size_t cap, size_t *o, const char *s, size_t n)
{
	if (*o + n >= cap)
		return 0;
	memcpy(dst + *o, s, n);
	*o += n;
	return 1;
}

static size_t octal(char tmp[5], unsigned char c)
{
	snprintf(tmp, 5, "\\%03o", c);
	return 4;
}

static int is_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

size_t esc_log(char *dst, size_t cap, const char *src, size_t len)
{
	size_t o = 0;
	if (cap == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		char tmp[5] = {(char)c};
		size_t n = 1;
		if (c == '\\')
			tmp[1] = '\\', n = 2;
		else if (!is_plain(c))
			n = octal(tmp, c);
		if (!append(dst, cap, &o, tmp, n))
			break;
	}
	dst[o] = 0;
	return o;
}

size_t esc_quoted(char *dst, size_t cap, const char *src, size_t len)
{
	size_t o = 0;
	if (cap == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		char tmp[5] = {(char)c};
		size_t n = is_plain(c) && c != '"' && c != '\\' ? 1 : octal(tmp, c);
		if (!append(dst, cap, &o, tmp, n))
			break;
	}
	dst[o] = 0;
	return o;
}

void esc_mask(char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!is_plain((unsigned char)s[i]))
			s[i] = '?';
}

/* The length of the UTF-8 sequence at p (1..4), or 0 if it is not one:
 * overlong forms, surrogates, beyond U+10FFFF, U+FFFE and U+FFFF (not XML). */
static size_t utf8_len(const unsigned char *p, size_t rem)
{
	size_t n = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 0;
	if (n == 0 || n > rem || p[0] > 0xf4)
		return 0;
	uint32_t cp = p[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < least[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
		return 0;
	return n;
}

static const char *xml_entity(unsigned char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&apos;";
	default: return NULL;
	}
}

int esc_xml(char *dst, size_t cap, const char *src, size_t len, const char **why)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;
	const char *w = NULL;
	for (size_t i = 0, n; i < len && !w; i += n) {
		const char *ent = xml_entity(s[i]);
		n = 1;
		if (s[i] >= 0x80 && !(n = utf8_len(s + i, len - i)))
			w = "not UTF-8", n = 1;
		else if ((s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') || s[i] == 0x7f)
			w = "a control character";
		else if (!append(dst, cap, &o, ent ? ent : (const char *)s + i, ent ? strlen(ent) : n))
			w = "too long";
	}
	if (cap)
		dst[w ? 0 : o] = 0;
	else
		w = w ? w : "too long";
	if (why)
		*why = w;
	return w ? -1 : 0;
}

size_t esc_json(char *dst, size_t cap, const char *src, size_t len)
{
	size_t o = 0;
	if (cap == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		char tmp[8] = {(char)c};
		size_t n = 1;
		if (c == '"' || c == '\\')
			tmp[0] = '\\', tmp[1] = (char)c, n = 2;
		else if (c < 0x20)
			n = (size_t)snprintf(tmp, sizeof(tmp), "\\u%04x", c);
		if (!append(dst, cap, &o, tmp, n))
			break;
	}
	dst[o] = 0;
	return o;
}
