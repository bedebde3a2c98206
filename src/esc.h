/* esc: the one module that makes strings from phones, files and the command
 * line safe for what people read (logs, terminals) and for documents (XML,
 * JSON). Every function is pure: no I/O, no allocation. */
#ifndef PHONEBOOT_ESC_H
#define PHONEBOOT_ESC_H

#include <stddef.h>

/* For a log line (strnvis style): '\\' doubled, control and non-ASCII bytes
 * as \ooo. Stops before an escape that does not fit; always NUL-terminates
 * (cap > 0); returns the length written. */
size_t esc_log(char *dst, size_t cap, const char *src, size_t len);

/* For a value shown between double quotes: printable ASCII as is, '"', '\\',
 * control and non-ASCII bytes as \ooo. Same truncation and return as esc_log. */
size_t esc_quoted(char *dst, size_t cap, const char *src, size_t len);

/* In place, for a field stored and shown as one line: each control or
 * non-ASCII byte of s[0..len) becomes '?'. */
void esc_mask(char *s, size_t len);

/* For XML text and attribute values: & < > " ' as entities; UTF-8 passes.
 * Refuses (-1, *why says what, dst holds "") control characters other than
 * tab, LF and CR, bytes that are not UTF-8, and output longer than cap - 1:
 * a document is never written with a value cut or changed. 0 on success. */
int esc_xml(char *dst, size_t cap, const char *src, size_t len, const char **why);

/* For a JSON string's contents (written by hand, without jansson): '"' and
 * '\\' backslashed, control bytes as \u00XX; other bytes as they are. Same
 * truncation and return as esc_log. */
size_t esc_json(char *dst, size_t cap, const char *src, size_t len);

#endif
