/* Unit tests for conf: built-in defaults, a full file, validation of every
 * key with "FILE:LINE: ..." errors, durations and listen addresses.
 * Each test writes its file with mkstemp under /tmp and removes it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"

struct fixture {
	char path[64];
	struct conf c;
	char err[1024];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	conf_free(&f->c);
	if (f->path[0])
		unlink(f->path);
	free(f);
	return 0;
}

/* Write text to a fresh temp file; its name goes in f->path. */
static void write_conf(struct fixture *f, const char *text)
{
	if (f->path[0])
		unlink(f->path);
	snprintf(f->path, sizeof(f->path), "/tmp/phoneboot-conf.XXXXXX");
	int fd = mkstemp(f->path);
	if (fd < 0)
		fail_msg("mkstemp failed");
	size_t n = strlen(text);
	if (write(fd, text, n) != (ssize_t)n)
		fail_msg("writing %s failed", f->path);
	close(fd);
}

static int load(struct fixture *f, const char *text)
{
	conf_free(&f->c);
	write_conf(f, text);
	f->err[0] = 0;
	return conf_load(&f->c, f->path, f->err, sizeof(f->err));
}

/* text must be refused with "PATH:LINE:" and a message holding every one of
 * the NULL-terminated words. */
static void assert_refused_at(struct fixture *f, const char *text, int line, ...)
{
	char prefix[96];
	va_list ap;
	if (load(f, text) != -1)
		fail_msg("accepted, expected an error on line %d of:\n%s", line, text);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", f->path, line);
	if (strncmp(f->err, prefix, strlen(prefix)) != 0)
		fail_msg("error \"%s\" does not start with \"%s\"", f->err, prefix);
	va_start(ap, line);
	for (const char *w; (w = va_arg(ap, const char *));) {
		if (!strstr(f->err + strlen(prefix), w)) {
			va_end(ap);
			fail_msg("error \"%s\" does not mention \"%s\"", f->err, w);
		}
	}
	va_end(ap);
}

static void assert_addr(const struct conf_addr *a, int family, const char *host, int port)
{
	char buf[INET6_ADDRSTRLEN];
	assert_int_equal(a->ss.ss_family, family);
	if (family == AF_INET) {
		const struct sockaddr_in *v4 = (const struct sockaddr_in *)&a->ss;
		assert_int_equal(a->len, sizeof(*v4));
		assert_non_null(inet_ntop(AF_INET, &v4->sin_addr, buf, sizeof(buf)));
		assert_int_equal(ntohs(v4->sin_port), port);
	} else {
		const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&a->ss;
		assert_int_equal(a->len, sizeof(*v6));
		assert_non_null(inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof(buf)));
		assert_int_equal(ntohs(v6->sin6_port), port);
	}
	assert_string_equal(buf, host);
}

/* ---- defaults ---- */

static void defaults_without_a_file_are_those_of_an_installed_system(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(conf_load(&f->c, NULL, f->err, sizeof(f->err)), 0);
	assert_null(f->c.path);
	assert_int_equal(f->c.ntftp_listen, 1);
	assert_addr(&f->c.tftp_listen[0], AF_INET, "0.0.0.0", 69);
	assert_int_equal(f->c.max_blksize, 1468);
	assert_int_equal(f->c.max_windowsize, 64);
	assert_int_equal(f->c.max_transfers, 2000);
	assert_int_equal(f->c.max_per_client, 16);
	assert_int_equal(f->c.retries, 5);
	assert_null(f->c.allow_write);
	assert_int_equal(f->c.tftp_io, CONF_IO_AUTO);
	assert_string_equal(f->c.user, "nobody");
	assert_string_equal(f->c.state_dir, "/var/lib/phoneboot");
	assert_string_equal(f->c.tftp_root, "/var/lib/phoneboot/tftp");
	assert_int_equal(f->c.keep_events_s, 30 * 86400);
	assert_int_equal(f->c.log, CONF_LOG_STDOUT);
}

static void empty_file_keeps_every_default(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load(f, "; nothing here\n# nor here\n\n"), 0);
	assert_string_equal(f->c.path, f->path);
	assert_int_equal(f->c.ntftp_listen, 1);
	assert_addr(&f->c.tftp_listen[0], AF_INET, "0.0.0.0", 69);
	assert_int_equal(f->c.max_blksize, 1468);
	assert_string_equal(f->c.tftp_root, "/var/lib/phoneboot/tftp");
}

/* ---- a full valid file ---- */

static void full_valid_file_sets_every_key(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load(f, "[server]\n"
				 "state_dir = /srv/phoneboot\n"
				 "user = phoneboot\n"
				 "log = syslog\n"
				 "keep_events = 12h\n"
				 "\n"
				 "[tftp]\n"
				 "listen = 127.0.0.1:6969\n"
				 "root = /srv/tftp\n"
				 "max_blksize = 8192\n"
				 "max_windowsize = 16\n"
				 "max_transfers = 500\n"
				 "max_per_client = 0\n"
				 "retries = 7\n"
				 "allow_write = /srv/uploads\n"
				 "io = epoll\n"),
			 0);
	assert_string_equal(f->c.path, f->path);
	assert_string_equal(f->c.state_dir, "/srv/phoneboot");
	assert_string_equal(f->c.user, "phoneboot");
	assert_int_equal(f->c.log, CONF_LOG_SYSLOG);
	assert_int_equal(f->c.keep_events_s, 12 * 3600);
	assert_int_equal(f->c.ntftp_listen, 1); /* replaces the default, not added to it */
	assert_addr(&f->c.tftp_listen[0], AF_INET, "127.0.0.1", 6969);
	assert_string_equal(f->c.tftp_listen[0].text, "127.0.0.1:6969");
	assert_string_equal(f->c.tftp_root, "/srv/tftp");
	assert_int_equal(f->c.max_blksize, 8192);
	assert_int_equal(f->c.max_windowsize, 16);
	assert_int_equal(f->c.max_transfers, 500);
	assert_int_equal(f->c.max_per_client, 0);
	assert_int_equal(f->c.retries, 7);
	assert_string_equal(f->c.allow_write, "/srv/uploads");
	assert_int_equal(f->c.tftp_io, CONF_IO_EPOLL);
}

static void io_takes_its_three_names_only(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load(f, "[tftp]\nio = io_uring\n"), 0);
	assert_int_equal(f->c.tftp_io, CONF_IO_URING);
	assert_int_equal(load(f, "[tftp]\nio = auto\n"), 0);
	assert_int_equal(f->c.tftp_io, CONF_IO_AUTO);
	assert_refused_at(f, "[tftp]\nio = uring\n", 2, "io", "uring", "auto, io_uring or epoll", NULL);
	assert_refused_at(f, "[tftp]\n\nio =\n", 3, "io", "auto, io_uring or epoll", NULL);
}

static void range_limits_themselves_are_accepted(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load(f, "[tftp]\nmax_blksize = 8\nmax_windowsize = 1\nretries = 1\n"), 0);
	assert_int_equal(f->c.max_blksize, 8);
	assert_int_equal(f->c.max_windowsize, 1);
	assert_int_equal(f->c.retries, 1);
	assert_int_equal(load(f, "[tftp]\nmax_blksize = 65464\nmax_windowsize = 65535\n"
				 "retries = 100\nmax_transfers = 100000\n"),
			 0);
	assert_int_equal(f->c.max_blksize, 65464);
	assert_int_equal(f->c.max_windowsize, 65535);
	assert_int_equal(f->c.retries, 100);
	assert_int_equal(f->c.max_transfers, 100000);
}

static void tftp_root_follows_state_dir_when_root_is_not_set(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load(f, "[server]\nstate_dir = /data/pb\n"), 0);
	assert_string_equal(f->c.state_dir, "/data/pb");
	assert_string_equal(f->c.tftp_root, "/data/pb/tftp");
}

static void empty_allow_write_keeps_writes_refused(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load(f, "[tftp]\nallow_write = /up\nallow_write =\n"), 0);
	assert_null(f->c.allow_write);
}

static void inline_comments_after_a_semicolon_are_ignored(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load(f, "[tftp] ; the TFTP side\n"
				 "max_blksize = 1428 ; fits a PPPoE link\n"
				 "root = /srv/tftp   ; where the loads live\n"
				 "[server]\n"
				 "log = syslog ; journald picks it up\n"),
			 0);
	assert_int_equal(f->c.max_blksize, 1428);
	assert_string_equal(f->c.tftp_root, "/srv/tftp");
	assert_int_equal(f->c.log, CONF_LOG_SYSLOG);
}

/* ---- listen ---- */

static void listen_ipv6_in_brackets_parses(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load(f, "[tftp]\nlisten = [::1]:6969\n"), 0);
	assert_int_equal(f->c.ntftp_listen, 1);
	assert_addr(&f->c.tftp_listen[0], AF_INET6, "::1", 6969);
	assert_string_equal(f->c.tftp_listen[0].text, "[::1]:6969");
}

static void listen_takes_several_addresses_on_one_line(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load(f, "[tftp]\nlisten = 127.0.0.1:6969 [::]:69, 10.1.2.3\t*:1069\n"), 0);
	assert_int_equal(f->c.ntftp_listen, 4);
	assert_addr(&f->c.tftp_listen[0], AF_INET, "127.0.0.1", 6969);
	assert_addr(&f->c.tftp_listen[1], AF_INET6, "::", 69);
	assert_addr(&f->c.tftp_listen[2], AF_INET, "10.1.2.3", 69); /* default port */
	assert_addr(&f->c.tftp_listen[3], AF_INET, "0.0.0.0", 1069);
}

static void listen_lines_add_up_and_stop_at_eight(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load(f, "[tftp]\nlisten = 127.0.0.1:1\nlisten = 127.0.0.1:2\n"), 0);
	assert_int_equal(f->c.ntftp_listen, 2);
	assert_addr(&f->c.tftp_listen[1], AF_INET, "127.0.0.1", 2);
	assert_refused_at(f,
			  "[tftp]\n"
			  "listen = 127.0.0.1:1 127.0.0.1:2 127.0.0.1:3 127.0.0.1:4 127.0.0.1:5\n"
			  "listen = 127.0.0.1:6 127.0.0.1:7 127.0.0.1:8 127.0.0.1:9\n",
			  3, "listen", "8", NULL);
}

static void conf_parse_addr_refuses_malformed_addresses(void **state)
{
	(void)state;
	struct conf_addr a;
	static const char *const bad[] = {"1.2.3.4:0", "1.2.3.4:70000", "nonsense", "1.2.3.4:",
					  "::1",       "[::1",          "[::1]x",   "1.2.3.4:-1",
					  "1.2.3.4:6a", "",             "1.2.3:69"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (conf_parse_addr(bad[i], 69, &a) != -1)
			fail_msg("\"%s\" accepted", bad[i]);
	assert_int_equal(conf_parse_addr("[::1]", 69, &a), 0);
	assert_addr(&a, AF_INET6, "::1", 69);
	assert_int_equal(conf_parse_addr("1.2.3.4:65535", 69, &a), 0);
	assert_addr(&a, AF_INET, "1.2.3.4", 65535);
}

/* ---- bad values: -1, "FILE:LINE:", the key and what was expected ---- */

static void max_blksize_outside_8_to_65464_is_refused(void **state)
{
	struct fixture *f = *state;
	assert_refused_at(f, "[tftp]\nmax_blksize = 7\n", 2, "max_blksize", "7", "8..65464", NULL);
	assert_refused_at(f, "[tftp]\nretries = 3\n\nmax_blksize = 65465\n", 4, "max_blksize",
			  "65465", "8..65464", NULL);
	assert_refused_at(f, "[tftp]\nmax_blksize = 1468k\n", 2, "max_blksize", "8..65464", NULL);
	assert_refused_at(f, "[tftp]\nmax_blksize =\n", 2, "max_blksize", "8..65464", NULL);
	assert_refused_at(f, "[tftp]\nmax_blksize = 99999999999999999999\n", 2, "max_blksize", NULL);
}

static void max_windowsize_0_is_refused(void **state)
{
	struct fixture *f = *state;
	assert_refused_at(f, "[tftp]\nmax_windowsize = 0\n", 2, "max_windowsize", "1..65535", NULL);
	assert_refused_at(f, "[tftp]\nmax_windowsize = 65536\n", 2, "max_windowsize", NULL);
}

static void max_per_client_negative_is_refused(void **state)
{
	struct fixture *f = *state;
	assert_refused_at(f, "[tftp]\nmax_per_client = -1\n", 2, "max_per_client", "-1", "0..100000",
			  NULL);
}

static void max_transfers_0_is_refused(void **state)
{
	struct fixture *f = *state;
	assert_refused_at(f, "[tftp]\nmax_transfers = 0\n", 2, "max_transfers", "1..100000", NULL);
}

static void retries_0_is_refused(void **state)
{
	struct fixture *f = *state;
	assert_refused_at(f, "[tftp]\nretries = 0\n", 2, "retries", "1..100", NULL);
	assert_refused_at(f, "[tftp]\nretries = 101\n", 2, "retries", "1..100", NULL);
}

static void listen_with_a_bad_port_or_host_is_refused(void **state)
{
	struct fixture *f = *state;
	assert_refused_at(f, "[tftp]\nlisten = 1.2.3.4:0\n", 2, "listen", "1.2.3.4:0", "ADDR:PORT",
			  NULL);
	assert_refused_at(f, "[tftp]\n\nlisten = 1.2.3.4:70000\n", 3, "listen", "1.2.3.4:70000",
			  "ADDR:PORT", NULL);
	assert_refused_at(f, "[tftp]\nlisten = nonsense\n", 2, "listen", "nonsense", "ADDR:PORT", NULL);
	assert_refused_at(f, "[tftp]\nlisten = 127.0.0.1:69 nonsense\n", 2, "listen", "nonsense", NULL);
}

static void relative_paths_are_refused(void **state)
{
	struct fixture *f = *state;
	assert_refused_at(f, "[server]\nstate_dir = var/lib\n", 2, "state_dir", "var/lib", "absolute",
			  NULL);
	assert_refused_at(f, "[tftp]\nroot = tftp\n", 2, "root", "absolute", NULL);
	assert_refused_at(f, "[tftp]\nallow_write = up\n", 2, "allow_write", "absolute", NULL);
}

static void log_other_than_stdout_or_syslog_is_refused(void **state)
{
	struct fixture *f = *state;
	assert_refused_at(f, "[server]\nuser = nobody\nlog = file\n", 3, "log", "file", "stdout",
			  "syslog", NULL);
}

static void keep_events_0_or_malformed_is_refused(void **state)
{
	struct fixture *f = *state;
	assert_refused_at(f, "[server]\nkeep_events = 0\n", 2, "keep_events", "duration", NULL);
	assert_refused_at(f, "[server]\nkeep_events = 5x\n", 2, "keep_events", "5x", "duration", NULL);
	assert_refused_at(f, "[server]\nkeep_events = 0d\n", 2, "keep_events", NULL);
}

static void unknown_key_is_refused_naming_it(void **state)
{
	struct fixture *f = *state;
	assert_refused_at(f, "[tftp]\nretries = 3\nblksize = 1428\n", 3, "unknown key", "blksize", NULL);
	assert_refused_at(f, "[server]\nstatedir = /x\n", 2, "unknown key", "statedir", NULL);
}

static void unknown_section_is_refused_on_its_own_line(void **state)
{
	struct fixture *f = *state;
	assert_refused_at(f, "[server]\nuser = nobody\n[web]\nlisten = 127.0.0.1:8069\n", 3,
			  "unknown section", "web", NULL);
	/* with no keys under it, too */
	assert_refused_at(f, "[server]\nuser = nobody\n[web]\n", 3, "unknown section", "web", NULL);
}

static void key_outside_a_section_is_refused(void **state)
{
	struct fixture *f = *state;
	assert_refused_at(f, "; phoneboot\nretries = 3\n[tftp]\n", 2, "retries", "outside", NULL);
}

static void line_that_is_not_ini_is_refused(void **state)
{
	struct fixture *f = *state;
	assert_refused_at(f, "[tftp]\nretries 3\n", 2, "INI", NULL);
}

/* inih reads on after a bad line; the message must still be the first
 * bad line's, as the line number is. */
static void first_error_is_reported_when_a_file_has_several(void **state)
{
	struct fixture *f = *state;
	assert_refused_at(f, "[tftp]\nretries = 0\nmax_blksize = 7\n", 2, "retries", NULL);
	if (strstr(f->err, "max_blksize"))
		fail_msg("line 2's error names line 3's key: \"%s\"", f->err);
	assert_refused_at(f, "[tftp]\nretries 3\nmax_blksize = 7\n", 2, "INI", NULL);
	if (strstr(f->err, "max_blksize"))
		fail_msg("line 2's error names line 3's key: \"%s\"", f->err);
}

/* Debian's libinih reads at most 199 bytes of a line and parses the rest as
 * the next line; a long comment or value must not become a second line. */
static void long_comment_line_is_just_a_comment(void **state)
{
	struct fixture *f = *state;
	char text[600];
	int n = snprintf(text, sizeof(text), "[tftp]\n; ");
	for (int i = 0; i < 8; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "why the 7906 wants a capital J. ");
	int comment_len = n - 7;
	snprintf(text + n, sizeof(text) - (size_t)n, "\nretries = 3\n");
	if (load(f, text) != 0)
		fail_msg("a %d-byte comment line was refused: %s", comment_len, f->err);
	assert_int_equal(f->c.retries, 3);
}

static void long_value_is_read_whole_or_refused_on_its_own_line(void **state)
{
	struct fixture *f = *state;
	char root[252], text[400];
	root[0] = '/';
	memset(root + 1, 'a', sizeof(root) - 2);
	root[sizeof(root) - 1] = 0;
	snprintf(text, sizeof(text), "[tftp]\nroot = %s\nretries = 3\n", root);
	if (load(f, text) == 0) {
		assert_string_equal(f->c.tftp_root, root);
		return;
	}
	char prefix[96];
	snprintf(prefix, sizeof(prefix), "%s:2: ", f->path);
	if (strncmp(f->err, prefix, strlen(prefix)) != 0)
		fail_msg("a 258-byte line 2 gave \"%s\", expected the value whole or \"%s...\"", f->err,
			 prefix);
}

static void missing_file_is_named_in_the_error(void **state)
{
	struct fixture *f = *state;
	const char *p = "/tmp/phoneboot-no-such-dir/phoneboot.conf";
	assert_int_equal(conf_load(&f->c, p, f->err, sizeof(f->err)), -1);
	if (!strstr(f->err, p))
		fail_msg("error \"%s\" does not name %s", f->err, p);
}

/* ---- conf_parse_duration ---- */

static void assert_duration(const char *s, uint64_t want)
{
	uint64_t got = 0;
	if (conf_parse_duration(s, &got) != 0)
		fail_msg("\"%s\" refused, expected %llu s", s, (unsigned long long)want);
	assert_int_equal(got, want);
}

static void assert_bad_duration(const char *s)
{
	uint64_t got = 12345;
	if (conf_parse_duration(s, &got) != -1)
		fail_msg("\"%s\" accepted as %llu s", s, (unsigned long long)got);
	assert_int_equal(got, 12345); /* untouched */
}

static void duration_units_are_seconds_minutes_hours_days_weeks(void **state)
{
	(void)state;
	assert_duration("30d", 30ull * 86400);
	assert_duration("12h", 12ull * 3600);
	assert_duration("5m", 300);
	assert_duration("10s", 10);
	assert_duration("3600", 3600);
	assert_duration("1w", 7ull * 86400);
	assert_duration("0", 0);
	assert_duration("18446744073709551615", UINT64_MAX);
}

static void duration_that_overflows_is_refused(void **state)
{
	(void)state;
	assert_bad_duration("99999999999999999999d");
	assert_bad_duration("99999999999999999999");
	assert_bad_duration("213503982334602d"); /* fits before the unit, not after */
	assert_bad_duration("30500568904944w");
}

static void duration_empty_or_malformed_is_refused(void **state)
{
	(void)state;
	assert_bad_duration("");
	assert_bad_duration("d");
	assert_bad_duration("-1d");
	assert_bad_duration("+5");
	assert_bad_duration(" 5");
	assert_bad_duration("5x");
	assert_bad_duration("5dd");
	assert_bad_duration("5 d");
	assert_bad_duration("1.5h");
}

/* ---- [pbx] ---- */

static void pbx_defaults_are_tcp_5060_from_internal(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(conf_load(&f->c, NULL, f->err, sizeof(f->err)), 0);
	assert_int_equal(f->c.pbx_transport, CONF_TRANSPORT_TCP);
	assert_int_equal(f->c.pbx_sip_port, 5060);
	assert_string_equal(f->c.pbx_context, "from-internal");
	assert_int_equal(load(f, "[pbx]\n"), 0);
	assert_int_equal(f->c.pbx_transport, CONF_TRANSPORT_TCP);
	assert_string_equal(f->c.pbx_context, "from-internal");
}

static void pbx_keys_are_read(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load(f, "[pbx]\ntransport = udp\nsip_port = 5160\ncontext = phones_2.x-y\n"), 0);
	assert_int_equal(f->c.pbx_transport, CONF_TRANSPORT_UDP);
	assert_int_equal(f->c.pbx_sip_port, 5160);
	assert_string_equal(f->c.pbx_context, "phones_2.x-y");
	assert_int_equal(load(f, "[pbx]\ntransport = udp\ntransport = tcp\nsip_port = 65535\n"), 0);
	assert_int_equal(f->c.pbx_transport, CONF_TRANSPORT_TCP);
	assert_int_equal(f->c.pbx_sip_port, 65535);
}

static void pbx_bad_values_are_refused_with_file_and_line(void **state)
{
	struct fixture *f = *state;
	assert_refused_at(f, "[pbx]\ntransport = tls\n", 2, "[pbx] transport = tls", "tcp or udp", NULL);
	assert_refused_at(f, "[pbx]\ntransport = TCP\n", 2, "transport", "tcp or udp", NULL);
	assert_refused_at(f, "[pbx]\n\nsip_port = 0\n", 3, "sip_port", "1..65535", NULL);
	assert_refused_at(f, "[pbx]\nsip_port = 65536\n", 2, "sip_port", "1..65535", NULL);
	assert_refused_at(f, "[pbx]\nsip_port = 50x\n", 2, "sip_port", "50x", NULL);
	assert_refused_at(f, "[pbx]\ncontext =\n", 2, "context", "from-internal", NULL);
	/* a ';' would start a comment in extensions.conf, a space splits the value */
	assert_refused_at(f, "[pbx]\ncontext = a b\n", 2, "context", "a b", NULL);
	assert_refused_at(f, "[pbx]\ncontext = [x]\n", 2, "context", NULL);
	char text[128];
	snprintf(text, sizeof(text), "[pbx]\ncontext = %080d\n", 0); /* 80 characters */
	assert_refused_at(f, text, 2, "context", "1..79", NULL);
	assert_refused_at(f, "[pbx]\nsip_server = 10.0.0.1\n", 2, "[pbx] unknown key 'sip_server'",
			  "transport, sip_port, context", NULL);
}

static void pbx_context_of_79_characters_is_accepted(void **state)
{
	struct fixture *f = *state;
	char ctx[80], text[128];
	memset(ctx, 'x', 79);
	ctx[79] = 0;
	snprintf(text, sizeof(text), "[pbx]\ncontext = %s\n", ctx);
	assert_int_equal(load(f, text), 0);
	assert_string_equal(f->c.pbx_context, ctx);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(defaults_without_a_file_are_those_of_an_installed_system),
		T(empty_file_keeps_every_default),
		T(full_valid_file_sets_every_key),
		T(range_limits_themselves_are_accepted),
		T(tftp_root_follows_state_dir_when_root_is_not_set),
		T(empty_allow_write_keeps_writes_refused),
		T(io_takes_its_three_names_only),
		T(inline_comments_after_a_semicolon_are_ignored),

		T(listen_ipv6_in_brackets_parses),
		T(listen_takes_several_addresses_on_one_line),
		T(listen_lines_add_up_and_stop_at_eight),
		T(conf_parse_addr_refuses_malformed_addresses),

		T(max_blksize_outside_8_to_65464_is_refused),
		T(max_windowsize_0_is_refused),
		T(max_per_client_negative_is_refused),
		T(max_transfers_0_is_refused),
		T(retries_0_is_refused),
		T(listen_with_a_bad_port_or_host_is_refused),
		T(relative_paths_are_refused),
		T(log_other_than_stdout_or_syslog_is_refused),
		T(keep_events_0_or_malformed_is_refused),
		T(unknown_key_is_refused_naming_it),
		T(unknown_section_is_refused_on_its_own_line),
		T(key_outside_a_section_is_refused),
		T(line_that_is_not_ini_is_refused),
		T(first_error_is_reported_when_a_file_has_several),
		T(long_comment_line_is_just_a_comment),
		T(long_value_is_read_whole_or_refused_on_its_own_line),
		T(missing_file_is_named_in_the_error),

		T(duration_units_are_seconds_minutes_hours_days_weeks),
		T(duration_that_overflows_is_refused),
		T(duration_empty_or_malformed_is_refused),

		T(pbx_defaults_are_tcp_5060_from_internal),
		T(pbx_keys_are_read),
		T(pbx_bad_values_are_refused_with_file_and_line),
		T(pbx_context_of_79_characters_is_accepted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
