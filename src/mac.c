/* mac: parse and format MAC addresses. */
#include "mac.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The shape of the text: which separator, and after how many hex digits.
 * Cisco writes 001e.4a00.0001 (groups of 4); others pairs with : or -. */
static int shape(const char *s, size_t len, char *sep, size_t *group, const char **why)
{
	*sep = 0;
	*group = 0;
	for (size_t i = 0; i < len; i++) {
		if (hexval(s[i]) >= 0)
			continue;
		if (s[i] != ':' && s[i] != '-' && s[i] != '.') {
			*why = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? "a control character in it"
			       : s[i] == ' ' ? "a space in it" : "a character that is not a hex digit or : - .";
			return -1;
		}
		if (!*sep) {
			*sep = s[i];
			*group = i;
		} else if (s[i] != *sep) {
			*why = "mixed separators";
			return -1;
		}
	}
	if (!*sep && len != 12) {
		*why = len < 12 ? "too few hex digits (12 needed)" : "too many hex digits (12 needed)";
		return -1;
	}
	if (*sep && !((*group == 2 && *sep != '.' && len == 17) || (*group == 4 && *sep == '.' && len == 14))) {
		*why = *sep == '.' ? "expected 3 groups of 4 hex digits (001e.4a00.0001)"
				   : "expected 6 pairs of hex digits (00:1e:4a:00:00:01)";
		return -1;
	}
	return 0;
}

int mac_parse(const char *s, uint8_t mac[6], const char **why)
{
	const char *dummy;
	if (!why)
		why = &dummy;
	if (!s || !*s) {
		*why = "empty";
		return -1;
	}
	if (strncasecmp(s, "SEP", 3) == 0)
		s += 3;
	size_t len = strlen(s), group;
	char sep;
	if (len > 32) {
		*why = "too long";
		return -1;
	}
	if (shape(s, len, &sep, &group, why) < 0)
		return -1;
	int n = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == sep)
			continue;
		if (sep && (i + 1) % (group + 1) == 0) { /* a separator must stand here */
			*why = "separators in the wrong places";
			return -1;
		}
		int v = hexval(s[i]);
		if (n >= 12)
			break;
		mac[n / 2] = (uint8_t)(n % 2 ? (mac[n / 2] << 4) | v : v);
		n++;
	}
	if (n != 12) {
		*why = "separators in the wrong places";
		return -1;
	}
	if (mac[0] & 1) {
		*why = "a group (multicast) address, not a phone's";
		return -1;
	}
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])) {
		*why = "all zeros";
		return -1;
	}
	return 0;
}

void mac_format(const uint8_t mac[6], char out[MAC_TEXT_LEN])
{
	snprintf(out, MAC_TEXT_LEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}
