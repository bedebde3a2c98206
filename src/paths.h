/* paths: where phoneboot's files are: the admin's files beside the
 * configuration file, and directories made on first use. */
#ifndef PHONEBOOT_PATHS_H
#define PHONEBOOT_PATHS_H

#include <stddef.h>
#include <sys/types.h>

/* The file NAME in the directory of the configuration file conf_path (the
 * default path if NULL): models.conf, known-firmware.conf. */
void paths_beside_conf(const char *conf_path, const char *name, char *buf, size_t len);

/* mkdir -p: 0, or -1 with errno. */
int paths_mkdirs(const char *path, mode_t mode);

#endif
