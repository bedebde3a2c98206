/* arch: libarchive, opened on first use. Only imports, verify and hashing use
 * it; the daemon, which shares this binary, then never maps libarchive and
 * what it pulls in (libxml2, ICU, the C++ runtime: about 2 MB resident).
 * Include this instead of <archive.h>; call arch_open() before any use. */
#ifndef PHONEBOOT_ARCH_H
#define PHONEBOOT_ARCH_H

#include <archive.h>
#include <archive_entry.h>

#define ARCH_FNS(X) \
	X(archive_entry_filetype) X(archive_entry_free) X(archive_entry_hardlink) X(archive_entry_new) \
	X(archive_entry_pathname) X(archive_entry_set_filetype) X(archive_entry_set_pathname) \
	X(archive_entry_set_size) X(archive_error_string) X(archive_filter_bytes) X(archive_read_data) \
	X(archive_read_free) X(archive_read_new) X(archive_read_next_header) X(archive_read_open) \
	X(archive_read_open_filename) X(archive_read_support_filter_gzip) \
	X(archive_read_support_filter_bzip2) X(archive_read_support_filter_xz) \
	X(archive_read_support_format_gnutar) X(archive_read_support_format_tar) \
	X(archive_read_support_format_zip) X(archive_write_close) X(archive_write_data) \
	X(archive_write_finish_entry) X(archive_write_free) X(archive_write_header) X(archive_write_new) \
	X(archive_write_open_memory) X(archive_write_set_format_mtree) X(archive_write_set_options)

#define ARCH_DECL(f) extern __typeof__(f) *arch_##f;
ARCH_FNS(ARCH_DECL)
#undef ARCH_DECL

/* 0, or -1 (dlerror() says why) */
int arch_open(void);
const char *arch_error(void);

/* every call below goes through the pointers arch_open() filled */
#define archive_entry_filetype(...) arch_archive_entry_filetype(__VA_ARGS__)
#define archive_entry_free(...) arch_archive_entry_free(__VA_ARGS__)
#define archive_entry_hardlink(...) arch_archive_entry_hardlink(__VA_ARGS__)
#define archive_entry_new(...) arch_archive_entry_new(__VA_ARGS__)
#define archive_entry_pathname(...) arch_archive_entry_pathname(__VA_ARGS__)
#define archive_entry_set_filetype(...) arch_archive_entry_set_filetype(__VA_ARGS__)
#define archive_entry_set_pathname(...) arch_archive_entry_set_pathname(__VA_ARGS__)
#define archive_entry_set_size(...) arch_archive_entry_set_size(__VA_ARGS__)
#define archive_error_string(...) arch_archive_error_string(__VA_ARGS__)
#define archive_filter_bytes(...) arch_archive_filter_bytes(__VA_ARGS__)
#define archive_read_data(...) arch_archive_read_data(__VA_ARGS__)
#define archive_read_free(...) arch_archive_read_free(__VA_ARGS__)
#define archive_read_new(...) arch_archive_read_new(__VA_ARGS__)
#define archive_read_next_header(...) arch_archive_read_next_header(__VA_ARGS__)
#define archive_read_open(...) arch_archive_read_open(__VA_ARGS__)
#define archive_read_open_filename(...) arch_archive_read_open_filename(__VA_ARGS__)
#define archive_read_support_filter_gzip(...) arch_archive_read_support_filter_gzip(__VA_ARGS__)
#define archive_read_support_filter_bzip2(...) arch_archive_read_support_filter_bzip2(__VA_ARGS__)
#define archive_read_support_filter_xz(...) arch_archive_read_support_filter_xz(__VA_ARGS__)
#define archive_read_support_format_gnutar(...) arch_archive_read_support_format_gnutar(__VA_ARGS__)
#define archive_read_support_format_tar(...) arch_archive_read_support_format_tar(__VA_ARGS__)
#define archive_read_support_format_zip(...) arch_archive_read_support_format_zip(__VA_ARGS__)
#define archive_write_close(...) arch_archive_write_close(__VA_ARGS__)
#define archive_write_data(...) arch_archive_write_data(__VA_ARGS__)
#define archive_write_finish_entry(...) arch_archive_write_finish_entry(__VA_ARGS__)
#define archive_write_free(...) arch_archive_write_free(__VA_ARGS__)
#define archive_write_header(...) arch_archive_write_header(__VA_ARGS__)
#define archive_write_new(...) arch_archive_write_new(__VA_ARGS__)
#define archive_write_open_memory(...) arch_archive_write_open_memory(__VA_ARGS__)
#define archive_write_set_format_mtree(...) arch_archive_write_set_format_mtree(__VA_ARGS__)
#define archive_write_set_options(...) arch_archive_write_set_options(__VA_ARGS__)

#endif
