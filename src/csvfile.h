/* csvfile: a CSV file's bytes to rows of fields (libcsv), each row with the
 * file line its record starts on. Pure: no I/O. Takes a UTF-8 BOM, CRLF or
 * LF, quoted fields with doubled quotes and embedded newlines; skips empty
 * lines (and lines of only blanks and commas). */
#ifndef PHONEBOOT_CSVFILE_H
#define PHONEBOOT_CSVFILE_H

#include <stddef.h>

#define CSVFILE_MAX_FIELDS 4096
#define CSVFILE_MAX_FIELD 65536

struct csv_row {
	size_t line;   /* 1-based line (counted by LF; a bare CR ends a record, not a line) of its first byte */
	size_t n;      /* fields */
	char **f;      /* NUL-terminated; no field holds a NUL byte */
};

struct csvfile {
	struct csv_row *rows;
	size_t nrows;
};

/* 0, or -1 with err (and *line, when not NULL, the line it is about:
 * "a \" inside an unquoted field or text after a closing quote").
 * On failure nothing is left allocated in out. */
int csvfile_parse(const char *data, size_t len, struct csvfile *out, size_t *line, char *err, size_t errlen);
void csvfile_free(struct csvfile *c);

#endif
