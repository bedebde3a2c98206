/* libFuzzer target for mac: any text either parses to an address whose
 * formatted form parses back to the same bytes, or is refused with a reason.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc \
 *         -o /tmp/fuzz_mac fuzz/mac.c src/mac.c */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mac.h"

#define CHECK(c)                                                                      \
	do {                                                                          \
		if (!(c)) {                                                           \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#c);                                                  \
			abort();                                                      \
		}                                                                     \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[64];
	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	uint8_t m[6], back[6];
	const char *why = NULL;
	if (mac_parse(s, m, &why) < 0) {
		CHECK(why && *why);
		return 0;
	}
	char out[MAC_TEXT_LEN];
	mac_format(m, out);
	CHECK(strlen(out) == 17);
	CHECK(mac_parse(out, back, NULL) == 0);
	CHECK(memcmp(m, back, 6) == 0);
	return 0;
}
