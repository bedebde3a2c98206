/* models: the model table. Every fact about a phone model comes from here
 * (data/models.conf, built in, plus the admin's models.conf); no other
 * module names a model. */
#ifndef PHONEBOOT_MODELS_H
#define PHONEBOOT_MODELS_H

#include <stddef.h>

/* A firmware version: 8.5(2) is {8, 5, 2, 0}; SR and its sub-number follow. */
struct model_version {
	unsigned v[4];
	unsigned sr, sr_sub;
	int set;
};

enum model_proto { MODEL_PROTO_UNKNOWN = 0, MODEL_PROTO_SCCP, MODEL_PROTO_SIP };

#define MODEL_MAX_NAMES 8

struct model {
	char *id;                      /* the section name: "7906" */
	char *names[MODEL_MAX_NAMES];  /* 7906, 7906G, CP-7906G */
	int nnames;
	char *vci[MODEL_MAX_NAMES];    /* DHCP vendor-class tokens: CP-7906G */
	int nvci;
	char *family;                  /* "11" */
	char *default_loads;           /* "term06.default.loads", NULL for none */
	char *sccp_prefix, *sip_prefix; /* NULL for none */
	char *config_family;           /* "sip-79xx-java", "sip-7940", "none" */
	char *locale_jar, *desktop;    /* NULL when not set */
	int device_type;               /* -1 when not set */
	unsigned sip_password_max, label_max, name_max;
	int label_spaces;              /* 0: phoneLabel may not contain a space (7900 series) */
	struct model_version bridge_from, bridge_to, bridge_before; /* .set 0: no bridge */
	const char *source;            /* "built-in" or the admin's file */
};

struct models {
	struct model *m;
	int n;
	char *admin_path;              /* the admin's file that was read, or NULL */
};

/* The built-in table, then admin_path (may be NULL, or name a file that does
 * not exist) adding models or overriding keys of known ones. Errors say
 * "FILE:LINE: ...". Every model must have names, family and the limits. */
int models_load(struct models *ms, const char *admin_path, char *err, size_t errlen);
void models_free(struct models *ms);

/* By id, any of its names, or a vendor-class token; case does not matter. */
const struct model *models_find(const struct models *ms, const char *name);
/* The model named in a DHCP vendor class ("Cisco Systems, Inc. IP Phone CP-7906G"). */
const struct model *models_find_vci(const struct models *ms, const char *vci, size_t len);

/* "8.5(2)", "9.4(2)SR1", "8.3(3)", "9" -> version; 0 or -1. */
int models_parse_version(const char *s, struct model_version *v);
int models_version_cmp(const struct model_version *a, const struct model_version *b);
/* Text form "8.5(2)SR1": buf always NUL-terminated. */
void models_version_str(const struct model_version *v, char *buf, size_t len);

/* A load ID against the table: "SIP11.9-4-2SR1-1S" -> its family, protocol
 * and version. Returns a model of that family (the first), or NULL. */
const struct model *models_parse_load_id(const struct models *ms, const char *load_id,
					 enum model_proto *proto, struct model_version *v);
const char *models_proto_name(enum model_proto p);
/* Whether a load runs on the model: its ID starts with the model's prefix for
 * the load's protocol ("SIP" or "SCCP", as the state file names it). */
int models_takes_load(const struct model *m, const char *protocol, const char *load_id);

#endif
