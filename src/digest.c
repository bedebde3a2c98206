/* digest: SHA-1 and SHA-256 through libarchive's mtree writer. */
#include "digest.h"

#include "arch.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>

int digest_init(struct digest *d)
{
	memset(d, 0, sizeof(*d));
	if (arch_open() < 0)
		return -1;
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	if (!a || !e)
		goto fail;
	d->a = a;
	d->e = e;
	if (archive_write_set_format_mtree(a) != ARCHIVE_OK ||
	    archive_write_set_options(a, "mtree:!all,mtree:sha1,mtree:sha256") != ARCHIVE_OK ||
	    archive_write_open_memory(a, d->out, sizeof(d->out) - 1, &d->used) != ARCHIVE_OK)
		goto fail;
	archive_entry_set_pathname(e, "x");
	archive_entry_set_filetype(e, AE_IFREG);
	/* the writer hashes at most the declared size: declare more than any file */
	archive_entry_set_size(e, (la_int64_t)1 << 60);
	if (archive_write_header(a, e) != ARCHIVE_OK)
		goto fail;
	return 0;
fail:
	digest_abort(d);
	return -1;
}

int digest_update(struct digest *d, const void *p, size_t n)
{
	if (!d->a)
		return -1;
	while (n > 0) {
		la_ssize_t w = archive_write_data(d->a, p, n);
		if (w <= 0)
			return -1;
		p = (const char *)p + w;
		n -= (size_t)w;
		d->bytes += (uint64_t)w;
	}
	return 0;
}

void digest_abort(struct digest *d)
{
	if (d->a)
		archive_write_free(d->a);
	if (d->e)
		archive_entry_free(d->e);
	d->a = d->e = NULL;
}

static int hex_after(const char *text, const char *key, char *out, size_t len)
{
	const char *p = strstr(text, key);
	if (!p)
		return -1;
	p += strlen(key);
	if (strspn(p, "0123456789abcdef") < len - 1)
		return -1;
	memcpy(out, p, len - 1);
	out[len - 1] = 0;
	return 0;
}

int digest_final(struct digest *d, char sha1[DIGEST_SHA1_HEX], char sha256[DIGEST_SHA256_HEX])
{
	int r = -1;
	if (d->a && archive_write_finish_entry(d->a) == ARCHIVE_OK && archive_write_close(d->a) == ARCHIVE_OK) {
		d->out[d->used < sizeof(d->out) ? d->used : sizeof(d->out) - 1] = 0;
		if (hex_after(d->out, " sha1digest=", sha1, DIGEST_SHA1_HEX) == 0 &&
		    hex_after(d->out, " sha256digest=", sha256, DIGEST_SHA256_HEX) == 0)
			r = 0;
	}
	digest_abort(d);
	return r;
}

int digest_fd(int fd, char sha1[DIGEST_SHA1_HEX], char sha256[DIGEST_SHA256_HEX], uint64_t *size)
{
	static char buf[1 << 16];
	struct digest d;
	if (digest_init(&d) < 0)
		return -1;
	off_t off = 0;
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (n > 0 && digest_update(&d, buf, (size_t)n) < 0)) {
			digest_abort(&d);
			return -1;
		}
		if (n == 0)
			break;
		off += n;
	}
	if (size)
		*size = (uint64_t)off;
	return digest_final(&d, sha1, sha256);
}
