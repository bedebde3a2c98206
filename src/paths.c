/* paths: the admin's files and the state directories (see paths.h). */
#include "paths.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <sys/stat.h>

#include "conf.h"

void paths_beside_conf(const char *conf_path, const char *name, char *buf, size_t len)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", conf_path ? conf_path : CONF_DEFAULT_PATH);
	snprintf(buf, len, "%s/%s", dirname(dir), name);
}

int paths_mkdirs(const char *path, mode_t mode)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, mode) < 0 && errno != EEXIST ? -1 : 0;
}
