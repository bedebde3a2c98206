/* cnfrules: what a phone's firmware refuses in a configuration (cisco-facts.md
 * 5 and 6), and phoneboot's own policy for what it generates. One set of rules
 * for `config check`, the simulator and cnf's start-up check of templates.
 * Pure: bytes in, problems out (libxml2 is mapped by xmldl). */
#ifndef PHONEBOOT_CNFRULES_H
#define PHONEBOOT_CNFRULES_H

#include <stddef.h>

struct model;

#define CNF_MAX_PROBLEMS 32

enum cnf_rules { CNF_FIRMWARE = 1, CNF_POLICY = 2 };

/* What the file is, from its name and content. */
enum cnf_kind {
	CNF_KIND_UNKNOWN = 0,
	CNF_KIND_SEP_XML,     /* SEP<MAC>.cnf.xml: <device> */
	CNF_KIND_DEFAULT_XML, /* XMLDefault.cnf.xml: <Default> */
	CNF_KIND_DIALPLAN,    /* dialplan.xml: <DIALTEMPLATE> */
	CNF_KIND_SIP_TXT,     /* the 7940/7960 SIP<MAC>.cnf */
	CNF_KIND_SIPDEFAULT,  /* the 7940/7960 SIPDefault.cnf */
};

struct cnf_problem {
	int line;             /* 1-based line in the file, 0: the whole file */
	int rule;             /* CNF_FIRMWARE or CNF_POLICY */
	char text[240];       /* "phoneLabel 'Front Desk' has a space; the 7900 series refuses it" */
};

struct cnf_report {
	enum cnf_kind kind;
	int n;                /* problems found (at most CNF_MAX_PROBLEMS kept) */
	struct cnf_problem p[CNF_MAX_PROBLEMS];
	/* what the firmware would take from it (for the simulator) */
	char load[64];        /* loadInformation (or loadInformation<devtype>), "" when empty or absent */
	int has_load_element;
	char locale[64], network_locale[64], dial_template[64];
};

/* Judge data (len bytes; name is used for the kind and the messages) with
 * rules (CNF_FIRMWARE, optionally | CNF_POLICY). m may be NULL: the
 * model's own limits (secret, label) are then not checked. Returns the
 * number of problems (r->n), or -1 when libxml2 cannot be mapped. */
int cnf_check(const char *name, const char *data, size_t len, const struct model *m, int rules,
	      struct cnf_report *r);

#endif
