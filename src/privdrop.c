/* privdrop: the state directory's owner, the user, the file limit. */
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"
#include "store.h"

/* The state directory and its files belong to the user we run as. */
static int own_state(const char *dir, uid_t uid, gid_t gid)
{
	static const char *files[] = {STORE_FILE, STORE_FILE "-wal", STORE_FILE "-shm"};
	if (chown(dir, uid, gid) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char p[4096];
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		if (chown(p, uid, gid) < 0 && errno != ENOENT)
			return -1;
	}
	return 0;
}

int privdrop_user(const struct conf *c)
{
	if (geteuid() != 0)
		return 0;
	if (strcmp(c->user, "root") == 0) {
		log_msg(LOG_WARNING, "[server] user = root: running as root");
		return 0;
	}
	struct passwd *pw = getpwnam(c->user);
	if (!pw) {
		fprintf(stderr, "phoneboot: [server] user = %s: no such user\n", c->user);
		return -2;
	}
	if (own_state(c->state_dir, pw->pw_uid, pw->pw_gid) < 0) {
		fprintf(stderr, "phoneboot: giving %s to %s: %s\n", c->state_dir, c->user, strerror(errno));
		return -1;
	}
	if (setgroups(1, &pw->pw_gid) < 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0) {
		fprintf(stderr, "phoneboot: dropping root to %s: %s\n", c->user, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		fprintf(stderr, "phoneboot: could regain root after dropping it; stopping\n");
		return -1;
	}
	return 0;
}

void privdrop_raise_nofile(const struct conf *c)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)c->max_transfers * 2 + 256;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	if (rl.rlim_max < want && geteuid() == 0)
		rl.rlim_max = want;
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < want)
		log_msg(LOG_WARNING, "open files limited to %llu: fewer than max_transfers = %u can run",
			(unsigned long long)rl.rlim_cur, c->max_transfers);
}
