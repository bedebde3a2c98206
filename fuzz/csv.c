/* libFuzzer target for csvfile: any bytes either parse to rows whose lines
 * never go back and lie within the input, none blank, or are refused with a reason
 * and a line within the input.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc \
 *         -o /tmp/fuzz_csv fuzz/csv.c src/csvfile.c -lcsv */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvfile.h"

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
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	struct csvfile c;
	char err[256] = "";
	size_t line = 0;
	if (csvfile_parse((const char *)data, size, &c, &line, err, sizeof(err)) < 0) {
		CHECK(err[0]);
		CHECK(line >= 1 && line <= lines);
		return 0;
	}
	size_t last = 0;
	for (size_t r = 0; r < c.nrows; r++) {
		CHECK(c.rows[r].line >= last && c.rows[r].line >= 1 && c.rows[r].line <= lines); /* a bare CR ends a record, not a line */
		last = c.rows[r].line;
		CHECK(c.rows[r].n >= 1);
		int blank = 1;
		for (size_t f = 0; f < c.rows[r].n; f++)
			if (c.rows[r].f[f][strspn(c.rows[r].f[f], " \t")])
				blank = 0;
		CHECK(!blank);
	}
	csvfile_free(&c);
	return 0;
}
