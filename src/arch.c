/* arch: libarchive through dlopen, on first use (see arch.h). */
#include <dlfcn.h>
#include <stddef.h>

#include <archive.h>
#include <archive_entry.h>

#include "arch.h"

#define ARCH_DEF(f) __typeof__(f) *arch_##f;
ARCH_FNS(ARCH_DEF)

static void *handle;
static const char *why;

int arch_open(void)
{
	if (handle)
		return 0;
	void *h = dlopen("libarchive.so.13", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		why = dlerror();
		return -1;
	}
#define ARCH_LOAD(f)                                    \
	if (!(*(void **)&arch_##f = dlsym(h, #f))) {     \
		why = "libarchive.so.13 lacks " #f;     \
		dlclose(h);                             \
		return -1;                              \
	}
	ARCH_FNS(ARCH_LOAD)
	handle = h;
	return 0;
}

const char *arch_error(void)
{
	return why ? why : "libarchive could not be loaded";
}
