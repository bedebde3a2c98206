/* sim: simulated phones. One struct phone per phone, one loop for all; each
 * phone is a chain of TFTP reads and timers, moved on by the result of the
 * last one. */
#include "sim.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dhcp_wire.h"
#include "esc.h"
#include "loads_wire.h"
#include "loop.h"
#include "tftpc.h"

#define MAX_FETCHED 24
#define KEEP_LOADS 65536        /* a .loads, an .sbn's header */
#define KEEP_CONFIG (1 << 20)   /* a SEP<MAC>.cnf.xml */
#define MAX_EXTRAS 6

/* libxml2 is opened only when a simulated phone reads a config: the daemon,
 * which shares this binary, then never maps libxml2 and the ICU and C++
 * runtimes it pulls in (about 1.7 MB of its resident memory). */
static struct {
	void *h;
	xmlDocPtr (*read_memory)(const char *, int, const char *, const char *, int);
	xmlNodePtr (*root)(const xmlDoc *);
	void (*free_doc)(xmlDocPtr);
	xmlChar *(*content)(const xmlNode *);
	xmlFreeFunc *free;
} xml;

static int xml_open(void)
{
	if (xml.h)
		return 0;
	void *h = dlopen("libxml2.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return -1;
	*(void **)&xml.read_memory = dlsym(h, "xmlReadMemory");
	*(void **)&xml.root = dlsym(h, "xmlDocGetRootElement");
	*(void **)&xml.free_doc = dlsym(h, "xmlFreeDoc");
	*(void **)&xml.content = dlsym(h, "xmlNodeGetContent");
	xml.free = dlsym(h, "xmlFree");
	if (!xml.read_memory || !xml.root || !xml.free_doc || !xml.content || !xml.free) {
		dlclose(h);
		return -1;
	}
	xml.h = h;
	return 0;
}

enum ph_state { PH_RUN, PH_DONE, PH_STUCK, PH_REBOOT_LOOP, PH_REJECTED, PH_NOCONFIG, PH_NOTREACHED,
		PH_FAILED, PH_TIMEOUT, PH_NSTATES };
static const char *const state_names[PH_NSTATES] = {
	"running", "done", "stuck", "reboot-loop", "config-rejected", "no-config", "not-reached",
	"failed", "timeout",
};

enum ph_step { ST_LOADS, ST_IMAGE, ST_CTL, ST_ITL, ST_ITLFILE, ST_CONFIG, ST_XMLDEFAULT, ST_EXTRA };

struct fetched {
	char name[LOADS_NAME_MAX + 1];
	uint64_t bytes;
	char sha256[DIGEST_SHA256_HEX];
};

struct sim;

struct phone {
	struct sim *sim;
	int idx;
	char mac[13], sep[16];
	char ip[INET_ADDRSTRLEN];
	struct sockaddr_in addr;
	char load[64], load_before[64], shown[64];
	int recovery;                 /* booting after a hard reset */
	enum ph_state state;
	char reason[256];
	int steps, reboots;
	unsigned loads_requests;
	enum ph_step step;
	char loads_name[96];          /* the .loads being asked for */
	char offered[64];             /* the load it is taking */
	char last_failure[160];       /* what made it reboot */
	char images[LOADS_MAX_IMAGES][LOADS_NAME_MAX + 1];
	int nimages, img;
	unsigned img_tries;
	uint64_t flash_bytes;
	char extras[MAX_EXTRAS][160];
	int nextras, extra;
	struct fetched fetched[MAX_FETCHED];
	int nfetched;
	double t0, t1;
	struct tftpc *x;
	struct loop_timer timer;
	void (*after)(struct phone *p);
	/* --dhcp: where this phone's TFTP server came from */
	struct sockaddr_in server;
	uint32_t xid;
	int dhcp_step;                /* 1 DISCOVER sent, 2 REQUEST sent */
	unsigned dhcp_tries;
	struct in_addr dhcp_offered, server_id, leased;
	uint8_t macb[6];
};

struct sim {
	struct loop *loop;
	const struct sim_opts *o;
	const struct models *ms;
	const struct fw_known *known;
	struct phone *p;
	int running;
	FILE *out;
	int verbose;
	struct loop_timer deadline, tick;
	double t_start;
	int dhcp_fd;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((format(printf, 2, 3)))
static void say(struct phone *p, const char *fmt, ...)
{
	if (!p->sim->verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(p->sim->out, "%8.3f %s ", now_s() - p->sim->t_start, p->sep);
	vfprintf(p->sim->out, fmt, ap);
	fputc('\n', p->sim->out);
	va_end(ap);
}

__attribute__((format(printf, 3, 4)))
static void end(struct phone *p, enum ph_state st, const char *fmt, ...)
{
	va_list ap;
	if (p->state != PH_RUN)
		return;
	p->state = st;
	va_start(ap, fmt);
	vsnprintf(p->reason, sizeof(p->reason), fmt, ap);
	va_end(ap);
	/* the reason may quote a served config: no control bytes in a line or JSON */
	for (char *c = p->reason; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	p->t1 = now_s();
	if (p->x) {
		tftpc_cancel(p->x);
		p->x = NULL;
	}
	loop_timer_cancel(p->sim->loop, &p->timer);
	say(p, "%s: %s", state_names[st], p->reason);
	if (--p->sim->running == 0)
		loop_stop(p->sim->loop);
}

static void later(struct phone *p, unsigned ms, void (*fn)(struct phone *p))
{
	p->after = fn;
	loop_timer_set(p->sim->loop, &p->timer, (uint64_t)ms * 1000);
}

static void on_timer(void *arg)
{
	struct phone *p = arg;
	if (p->state == PH_RUN && p->after)
		p->after(p);
}

static void on_fetched(void *ctx, const struct tftpc_result *r);

static void fetch(struct phone *p, enum ph_step step, const char *name, size_t keep)
{
	const struct sim_opts *o = p->sim->o;
	struct tftpc_opts to = {.timeout_ms = o->tftp_timeout_ms, .retries = o->tftp_retries, .keep = keep};
	p->step = step;
	p->x = tftpc_get(p->sim->loop, &p->addr, &p->server, name, &to, on_fetched, p);
	if (!p->x)
		end(p, PH_FAILED, "cannot start a TFTP read from %s: %s", p->ip, strerror(errno));
}

/* --- the rules --- */

static int version_of_release(const char *rel, struct model_version *v)
{
	/* "9-4-2ES9", "8-5-2TH1-9": the first three numbers */
	memset(v, 0, sizeof(*v));
	for (int i = 0; i < 3; i++) {
		char *end;
		if (*rel < '0' || *rel > '9')
			return i >= 2 ? (v->set = 1, 0) : -1;
		v->v[i] = (unsigned)strtoul(rel, &end, 10);
		rel = end;
		if (*rel == '-' || *rel == '.')
			rel++;
		else
			break;
	}
	v->set = 1;
	return 0;
}

int sim_offered_load(const struct models *ms, const struct fw_known *known, const struct model *m,
		     const char *const *images, int nimages, const char *release, char *id, size_t idlen,
		     struct model_version *v)
{
	enum model_proto proto;
	for (int i = 0; known && i < nimages; i++) {
		const char *l = fw_known_load_of(known, images[i]);
		if (l && models_parse_load_id(ms, l, &proto, v)) {
			snprintf(id, idlen, "%s", l);
			return 0;
		}
	}
	/* no known image: the version the images carry ("jar11sip.9-4-2ES9.sbn") */
	const char *rel = release;
	char buf[64] = "";
	int sip = 0;
	for (int i = 0; i < nimages; i++) {
		const char *dot = strchr(images[i], '.');
		if (!rel && dot) {
			snprintf(buf, sizeof(buf), "%s", dot + 1);
			char *sbn = strstr(buf, ".sbn");
			if (sbn)
				*sbn = 0;
			rel = buf;
		}
		if (strncasecmp(images[i], "jar", 3) == 0 || strncasecmp(images[i], "cvm", 3) == 0)
			sip |= strstr(images[i], "sip") != NULL;
	}
	if (!rel || version_of_release(rel, v) < 0)
		return -1;
	const char *prefix = sip ? m->sip_prefix : m->sccp_prefix;
	snprintf(id, idlen, "%s.%s", prefix ? prefix : "?", rel);
	return 0;
}

int sim_bootloader_accepts(const struct model *m, const struct models *ms, const char *current,
			   const struct model_version *offered)
{
	if (!m->bridge_from.set || models_version_cmp(offered, &m->bridge_before) < 0)
		return 1;
	enum model_proto proto;
	struct model_version cur;
	if (!current || !*current || !models_parse_load_id(ms, current, &proto, &cur))
		return 0; /* an unknown load is treated as older than the bridge */
	return models_version_cmp(&cur, &m->bridge_from) >= 0;
}

/* --- recovery and upgrade: a .loads, then its images --- */

static void start_loads(struct phone *p);
static void normal_boot(struct phone *p);
static void boot(struct phone *p);

static void reboot(struct phone *p)
{
	p->reboots++;
	if (p->reboots > p->sim->o->max_reboots) {
		end(p, PH_FAILED, "rebooted %d times without reaching its target%s%s", p->reboots - 1,
		    p->last_failure[0] ? "; last failure: " : "", p->last_failure);
		return;
	}
	say(p, "reboot");
	later(p, p->sim->o->reboot_ms, boot);
}

static void retry_loads(struct phone *p, const char *why)
{
	if (p->loads_requests >= p->sim->o->stuck_after) {
		end(p, PH_STUCK, "%s requested %u times, no image: %s", p->loads_name, p->loads_requests, why);
		return;
	}
	later(p, p->sim->o->retry_ms, start_loads);
}

static void start_loads(struct phone *p)
{
	p->loads_requests++;
	fetch(p, ST_LOADS, p->loads_name, KEEP_LOADS);
}

static void flashed(struct phone *p);

static void next_image(struct phone *p)
{
	if (p->img == p->nimages) {
		const struct sim_opts *o = p->sim->o;
		unsigned ms = (unsigned)(p->flash_bytes / 1048576.0 * o->flash_ms_per_mb);
		say(p, "flashing %s (%llu bytes, %u ms)", p->offered, (unsigned long long)p->flash_bytes, ms);
		later(p, ms, flashed);
		return;
	}
	fetch(p, ST_IMAGE, p->images[p->img], KEEP_LOADS);
}

static void flashed(struct phone *p)
{
	snprintf(p->load, sizeof(p->load), "%s", p->offered);
	/* after a recovery flash the phone shows its load as termXX.default */
	if (p->recovery && p->sim->o->model->default_loads)
		snprintf(p->shown, sizeof(p->shown), "%.*s", (int)(strlen(p->sim->o->model->default_loads) - 6),
			 p->sim->o->model->default_loads);
	else
		snprintf(p->shown, sizeof(p->shown), "%s", p->load);
	say(p, "now on %s (shown as %s)", p->load, p->shown);
	p->steps++;
	p->recovery = 0;
	p->reboots--; /* a reboot into a new load is the plan, not a failure */
	reboot(p);
}

static void got_loads(struct phone *p, const struct tftpc_result *r)
{
	struct sgn_header h;
	struct loads_body b;
	if (r->data_len != r->bytes || sgn_parse(r->data, r->data_len, &h, NULL) != SGN_OK ||
	    loads_parse_body(r->data + h.header_len, r->data_len - h.header_len, &b) != LOADS_OK) {
		say(p, "%s is not a signed .loads list", p->loads_name);
		retry_loads(p, "not a valid signed .loads file");
		return;
	}
	const char *names[LOADS_MAX_IMAGES];
	char rel[64] = "";
	p->nimages = b.nimages;
	for (int i = 0; i < b.nimages; i++) {
		snprintf(p->images[i], sizeof(p->images[i]), "%.*s", (int)b.images[i].len, b.images[i].name);
		names[i] = p->images[i];
	}
	if (b.release)
		snprintf(rel, sizeof(rel), "%.*s", (int)b.release_len, b.release);
	struct model_version v;
	if (sim_offered_load(p->sim->ms, p->sim->known, p->sim->o->model, names, b.nimages, rel[0] ? rel : NULL,
			     p->offered, sizeof(p->offered), &v) < 0) {
		retry_loads(p, "its images name no load version");
		return;
	}
	if (!sim_bootloader_accepts(p->sim->o->model, p->sim->ms, p->load, &v)) {
		const struct model *m = p->sim->o->model;
		char f[32], t[32], cur[64];
		models_version_str(&m->bridge_from, f, sizeof(f));
		models_version_str(&m->bridge_to, t, sizeof(t));
		snprintf(cur, sizeof(cur), "%s", p->load[0] ? p->load : "an unknown load");
		char why[320];
		snprintf(why, sizeof(why), "the bootloader on %s refuses %s; it needs a load in %s..%s first", cur,
			 p->offered, f, t);
		say(p, "rejects %s: %s", p->loads_name, why);
		retry_loads(p, why);
		return;
	}
	say(p, "takes %s from %s (%d images)", p->offered, p->loads_name, p->nimages);
	p->img = 0;
	p->img_tries = 0;
	p->flash_bytes = 0;
	next_image(p);
}

static void got_image(struct phone *p, const struct tftpc_result *r)
{
	struct sgn_header h;
	const char *name = p->images[p->img];
	int ok = r->status == TFTPC_OK && sgn_parse(r->data, r->data_len, &h, NULL) == SGN_OK &&
		 h.filename.s && strcasecmp(h.filename.s, name) == 0 && r->bytes > h.header_len;
	if (!ok) {
		if (++p->img_tries <= p->sim->o->image_retries) {
			later(p, p->sim->o->retry_ms, next_image);
			return;
		}
		say(p, "gives up on %s after %u tries", name, p->img_tries);
		snprintf(p->last_failure, sizeof(p->last_failure), "%s: %s", name,
			 r->status == TFTPC_ERROR ? r->msg : r->status == TFTPC_TIMEOUT ? "no answer" : "not a valid image");
		p->img_tries = 0;
		reboot(p);
		return;
	}
	p->flash_bytes += r->bytes;
	p->img++;
	p->img_tries = 0;
	next_image(p);
}

/* --- normal boot: trust lists, config, locale --- */

static xmlNode *find(xmlNode *n, const char *name)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, name) == 0)
			return n;
		xmlNode *c = find(n->children, name);
		if (c)
			return c;
	}
	return NULL;
}

static void text_of(xmlNode *n, char *buf, size_t len)
{
	buf[0] = 0;
	if (!n)
		return;
	xmlChar *t = xml.content(n);
	if (t) {
		const char *s = (const char *)t;
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		snprintf(buf, len, "%s", s);
		size_t l = strlen(buf);
		while (l && (buf[l - 1] == ' ' || buf[l - 1] == '\n' || buf[l - 1] == '\r' || buf[l - 1] == '\t'))
			buf[--l] = 0;
		(*xml.free)(t);
	}
}

static int has_sip_line(xmlNode *lines)
{
	for (xmlNode *l = lines ? lines->children : NULL; l; l = l->next) {
		char fid[16];
		if (l->type != XML_ELEMENT_NODE || strcmp((const char *)l->name, "line") != 0)
			continue;
		text_of(find(l->children, "featureID"), fid, sizeof(fid));
		if (strcmp(fid, "9") == 0)
			return 1;
	}
	return 0;
}

static void add_extra(struct phone *p, const char *dir, const char *file)
{
	if (p->nextras < MAX_EXTRAS && file && *file)
		snprintf(p->extras[p->nextras++], sizeof(p->extras[0]), "%s%s%s", dir ? dir : "", dir && *dir ? "/" : "",
			 file);
}

/* Characters of UTF-8 text (the firmware counts characters, not bytes). */
static size_t chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static int target_met(const struct phone *p, int config_ok)
{
	const char *t = p->sim->o->target;
	if (strcmp(t, "sip") != 0)
		return strcmp(p->load, t) == 0;
	enum model_proto proto;
	struct model_version v;
	return config_ok && models_parse_load_id(p->sim->ms, p->load, &proto, &v) && proto == MODEL_PROTO_SIP;
}

static void next_extra(struct phone *p)
{
	if (p->extra == p->nextras) {
		if (target_met(p, 1))
			end(p, PH_DONE, "config ok, %d step%s", p->steps, p->steps == 1 ? "" : "s");
		else
			end(p, PH_NOTREACHED, "config ok, but running %s, not %s", p->load, p->sim->o->target);
		return;
	}
	fetch(p, ST_EXTRA, p->extras[p->extra], 0);
}

/* The SIP config's checks the firmware makes: 1 when the phone stopped or
 * rebooted on one, 0 when it takes the config. */
static int sip_config_refused(struct phone *p, xmlNode *root)
{
	const struct model *m = p->sim->o->model;
	char label[64], pw[256];
	if (!has_sip_line(find(root, "sipLines"))) {
		end(p, PH_REJECTED, "no line with featureID 9 (the firmware requires one)");
		return 1;
	}
	text_of(find(root, "phoneLabel"), label, sizeof(label));
	int spaced = !m->label_spaces && strchr(label, ' ');
	if (chars(label) > m->label_max || spaced) {
		end(p, PH_REJECTED, "phoneLabel '%s' %s", label,
		    spaced ? "has a space" : "is longer than the model accepts");
		return 1;
	}
	text_of(find(root, "authPassword"), pw, sizeof(pw));
	if (chars(pw) <= m->sip_password_max)
		return 0;
	/* the admin's report: it registers, fails, updates its locale, reboots */
	say(p, "register fails (SIP password of %zu characters), update locale, reboot", strlen(pw));
	if (p->reboots + 1 >= p->sim->o->max_reboots)
		end(p, PH_REBOOT_LOOP, "register / update locale / reboot: its SIP password has %zu characters, "
		    "the %s accepts %u (Asterisk logs 'Wrong password')", strlen(pw), m->id, m->sip_password_max);
	else
		reboot(p);
	return 1;
}

/* The files a taken config names: its locale jar, tones, dial template. */
static void queue_extras(struct phone *p, xmlNode *root)
{
	char name[64], dir[64], file[64];
	p->nextras = p->extra = 0;
	text_of(find(find(root, "userLocale"), "name"), name, sizeof(name));
	if (name[0])
		add_extra(p, name, p->sim->o->model->locale_jar);
	text_of(find(root, "networkLocale"), dir, sizeof(dir));
	if (dir[0])
		add_extra(p, dir, "g3-tones.xml");
	text_of(find(root, "dialTemplate"), file, sizeof(file));
	if (file[0])
		add_extra(p, NULL, file);
}

/* What the firmware checks in a configuration (cisco-facts.md 5.1, 6). */
static void got_config(struct phone *p, const struct tftpc_result *r, int is_default)
{
	const struct model *m = p->sim->o->model;
	if (xml_open() < 0) {
		end(p, PH_FAILED, "cannot load libxml2 to read its config: %s", dlerror());
		return;
	}
	xmlDoc *doc = xml.read_memory((const char *)r->data, (int)r->data_len,
				      is_default ? "XMLDefault.cnf.xml" : p->sep, NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc || r->data_len != r->bytes) {
		xml.free_doc(doc);
		end(p, PH_REJECTED, "%s is not well-formed XML", is_default ? "XMLDefault.cnf.xml" : "its config");
		return;
	}
	xmlNode *root = xml.root(doc);
	char want[64], tag[48];
	snprintf(tag, sizeof(tag), is_default ? "loadInformation%d" : "loadInformation", m->device_type);
	text_of(find(root, tag), want, sizeof(want));
	if (is_default && !want[0]) /* PINTO's XMLDefault has a plain <loadInformation> */
		text_of(find(root, "loadInformation"), want, sizeof(want));
	if (!find(root, "callManager")) {
		xml.free_doc(doc);
		end(p, PH_REJECTED, "no callManager member in the callManagerGroup (the firmware requires one)");
		return;
	}
	if (want[0] && strcmp(want, p->load) != 0) {
		/* the config names another load: fetch it (cisco-facts.md 4.3) */
		xml.free_doc(doc);
		say(p, "config asks for %s (running %s)", want, p->load[0] ? p->load : "unknown");
		snprintf(p->loads_name, sizeof(p->loads_name), "%s.loads", want);
		p->loads_requests = 0;
		start_loads(p);
		return;
	}
	if (is_default) {
		xml.free_doc(doc);
		if (target_met(p, 0))
			end(p, PH_DONE, "on %s, XMLDefault.cnf.xml only, %d step%s", p->load, p->steps,
			    p->steps == 1 ? "" : "s");
		else
			end(p, PH_NOCONFIG, "no %s.cnf.xml; XMLDefault.cnf.xml keeps it on %s", p->sep,
			    p->load[0] ? p->load : "its load");
		return;
	}
	int refused = sip_config_refused(p, root);
	if (!refused)
		queue_extras(p, root);
	xml.free_doc(doc);
	if (!refused)
		next_extra(p);
}

static void normal_boot(struct phone *p)
{
	char name[64];
	snprintf(name, sizeof(name), "CTL%s.tlv", p->sep);
	fetch(p, ST_CTL, name, 0);
}

/* --- DHCP, as a phone gets its TFTP server (cisco-facts.md 8.2) --- */

static void dhcp_send(struct phone *p, int type)
{
	const struct model *m = p->sim->o->model;
	struct dhcp_msg h;
	struct dhcp_builder b;
	uint8_t pkt[DHCP_MAX_LEN];
	char vci[96];
	memset(&h, 0, sizeof(h));
	h.op = 1, h.htype = 1, h.hlen = 6, h.xid = p->xid, h.flags = 0x8000;
	memcpy(h.chaddr, p->macb, 6);
	dhcp_build_start(&b, pkt, sizeof(pkt), &h);
	dhcp_build_u8(&b, DHO_MSG_TYPE, (uint8_t)type);
	if (type == DHCPREQUEST) {
		dhcp_build_opt(&b, DHO_REQUESTED_IP, &p->dhcp_offered, 4);
		dhcp_build_opt(&b, DHO_SERVER_ID, &p->server_id, 4);
	}
	/* "Cisco Systems, Inc. IP Phone CP-7906G" and its NUL */
	int n = snprintf(vci, sizeof(vci), "Cisco Systems, Inc. IP Phone %s", m->nvci ? m->vci[0] : m->id);
	dhcp_build_opt(&b, DHO_VENDOR_CLASS, vci, (size_t)n + 1);
	static const uint8_t prl[] = {1, 66, 6, 3, 15, 150, 35};
	dhcp_build_opt(&b, DHO_PARAM_LIST, prl, sizeof(prl));
	size_t len = dhcp_build_end(&b);
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(67), .sin_addr = {htonl(INADDR_BROADCAST)}};
	sendto(p->sim->dhcp_fd, pkt, len, 0, (struct sockaddr *)&to, sizeof(to));
	p->dhcp_step = type == DHCPDISCOVER ? 1 : 2;
}

static void dhcp_retry(struct phone *p)
{
	if (++p->dhcp_tries > 4) {
		end(p, PH_FAILED, "no DHCP %s on %s", p->dhcp_step == 1 ? "OFFER" : "ACK", p->sim->o->dhcp_iface);
		return;
	}
	dhcp_send(p, p->dhcp_step == 1 ? DHCPDISCOVER : DHCPREQUEST);
	later(p, 1000, dhcp_retry);
}

static void dhcp_begin(struct phone *p)
{
	p->xid = (uint32_t)random();
	p->dhcp_tries = 0;
	dhcp_send(p, DHCPDISCOVER);
	later(p, 1000, dhcp_retry);
}

static void tftp_boot(struct phone *p);

/* The TFTP server: option 150 first, then 66 (a dotted address), then siaddr. */
static void dhcp_bound(struct phone *p, const struct dhcp_msg *m)
{
	uint8_t v[256];
	char how[32] = "siaddr";
	struct in_addr srv = m->siaddr;
	int n = dhcp_opt(m, DHO_CISCO_TFTP, v, sizeof(v));
	if (n >= 4 && n % 4 == 0) {
		memcpy(&srv, v, 4);
		snprintf(how, sizeof(how), "option 150");
	} else if ((n = dhcp_opt(m, DHO_TFTP_SERVER_NAME, v, sizeof(v) - 1)) > 0) {
		v[n] = 0;
		struct in_addr a;
		if (inet_pton(AF_INET, (char *)v, &a) == 1) {
			srv = a;
			snprintf(how, sizeof(how), "option 66");
		}
	}
	if (!srv.s_addr) {
		end(p, PH_FAILED, "the DHCP ACK names no TFTP server (no option 150, 66 or siaddr)");
		return;
	}
	p->leased = m->yiaddr;
	p->server.sin_addr = srv;
	p->server.sin_port = htons(69);
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &p->leased, a, sizeof(a));
	inet_ntop(AF_INET, &srv, b, sizeof(b));
	say(p, "DHCP: %s, TFTP server %s (from %s)", a, b, how);
	loop_timer_cancel(p->sim->loop, &p->timer);
	tftp_boot(p);
}

static void on_dhcp(void *arg, uint32_t events)
{
	struct sim *s = arg;
	uint8_t pkt[DHCP_MAX_LEN];
	(void)events;
	for (;;) {
		ssize_t n = recv(s->dhcp_fd, pkt, sizeof(pkt), MSG_DONTWAIT);
		if (n <= 0)
			return;
		struct dhcp_msg m;
		if (dhcp_parse(pkt, (size_t)n, &m) != DHCP_OK || m.op != 2)
			continue;
		for (int i = 0; i < s->o->phones; i++) {
			struct phone *p = &s->p[i];
			if (p->state != PH_RUN || p->xid != m.xid || memcmp(p->macb, m.chaddr, 6) != 0)
				continue;
			int t = dhcp_msg_type(&m);
			if (t == DHCPOFFER && p->dhcp_step == 1) {
				p->dhcp_offered = m.yiaddr;
				dhcp_opt(&m, DHO_SERVER_ID, (uint8_t *)&p->server_id, 4);
				p->dhcp_tries = 0;
				dhcp_send(p, DHCPREQUEST);
				later(p, 1000, dhcp_retry);
			} else if (t == DHCPACK && p->dhcp_step == 2) {
				p->dhcp_step = 0;
				dhcp_bound(p, &m);
			} else if (t == DHCPNAK && p->dhcp_step == 2) {
				say(p, "DHCP NAK: starting over");
				dhcp_begin(p);
			}
			break;
		}
	}
}

static int dhcp_socket(const char *iface)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(68)};
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, iface, (socklen_t)strlen(iface)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void boot(struct phone *p)
{
	if (p->sim->o->dhcp_iface) { /* every boot starts with DHCP */
		dhcp_begin(p);
		return;
	}
	tftp_boot(p);
}

static void tftp_boot(struct phone *p)
{
	if (p->recovery && p->sim->o->model->default_loads) {
		snprintf(p->loads_name, sizeof(p->loads_name), "%s", p->sim->o->model->default_loads);
		start_loads(p);
	} else {
		normal_boot(p);
	}
}

static void record(struct phone *p, const struct tftpc_result *r, const char *name)
{
	if (r->status != TFTPC_OK || p->nfetched == MAX_FETCHED)
		return;
	struct fetched *f = &p->fetched[p->nfetched++];
	snprintf(f->name, sizeof(f->name), "%.128s", name);
	f->bytes = r->bytes;
	snprintf(f->sha256, sizeof(f->sha256), "%s", r->sha256);
}

static void on_fetched(void *ctx, const struct tftpc_result *r)
{
	struct phone *p = ctx;
	char name[200];
	p->x = NULL;
	switch (p->step) {
	case ST_LOADS: snprintf(name, sizeof(name), "%s", p->loads_name); break;
	case ST_IMAGE: snprintf(name, sizeof(name), "%s", p->images[p->img]); break;
	case ST_CTL: snprintf(name, sizeof(name), "CTL%s.tlv", p->sep); break;
	case ST_ITL: snprintf(name, sizeof(name), "ITL%s.tlv", p->sep); break;
	case ST_ITLFILE: snprintf(name, sizeof(name), "ITLFile.tlv"); break;
	case ST_CONFIG: snprintf(name, sizeof(name), "%s.cnf.xml", p->sep); break;
	case ST_XMLDEFAULT: snprintf(name, sizeof(name), "XMLDefault.cnf.xml"); break;
	case ST_EXTRA: snprintf(name, sizeof(name), "%s", p->extras[p->extra]); break;
	}
	if (r->status == TFTPC_OK)
		say(p, "RRQ %s: %llu bytes%s", name, (unsigned long long)r->bytes,
		    r->retransmits ? " (with retransmissions)" : "");
	else
		say(p, "RRQ %s: %s", name, r->status == TFTPC_ERROR ? r->msg : r->status == TFTPC_TIMEOUT ? "timeout" : "failed");
	if (p->step == ST_IMAGE || p->step == ST_LOADS)
		record(p, r, name);
	int ok = r->status == TFTPC_OK;
	switch (p->step) {
	case ST_LOADS:
		if (ok)
			got_loads(p, r);
		else
			retry_loads(p, r->status == TFTPC_ERROR ? r->msg : "no answer");
		break;
	case ST_IMAGE:
		got_image(p, r);
		break;
	case ST_CTL:
		/* missing trust lists are normal with unsigned configs (cisco-facts.md 4.2) */
		snprintf(name, sizeof(name), "ITL%s.tlv", p->sep);
		fetch(p, ST_ITL, name, 0);
		break;
	case ST_ITL:
		fetch(p, ST_ITLFILE, "ITLFile.tlv", 0);
		break;
	case ST_ITLFILE:
		snprintf(name, sizeof(name), "%s.cnf.xml", p->sep);
		fetch(p, ST_CONFIG, name, KEEP_CONFIG);
		break;
	case ST_CONFIG:
		if (ok)
			got_config(p, r, 0);
		else
			fetch(p, ST_XMLDEFAULT, "XMLDefault.cnf.xml", KEEP_CONFIG);
		break;
	case ST_XMLDEFAULT:
		if (ok)
			got_config(p, r, 1);
		else if (r->status != TFTPC_ERROR)
			end(p, PH_FAILED, "no answer from the TFTP server at %s", inet_ntoa(p->server.sin_addr));
		else if (target_met(p, 0))
			end(p, PH_DONE, "on %s, no config served, %d step%s", p->load, p->steps, p->steps == 1 ? "" : "s");
		else
			end(p, PH_NOCONFIG, "no %s.cnf.xml and no XMLDefault.cnf.xml; running %s", p->sep,
			    p->load[0] ? p->load : "an unknown load");
		break;
	case ST_EXTRA:
		/* a missing locale only shows "Error updating locale" (cisco-facts.md 4.5) */
		p->extra++;
		next_extra(p);
		break;
	}
}

/* --- the run --- */

void sim_defaults(struct sim_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->phones = 1;
	o->target = "sip";
	const uint8_t mac[6] = {0x00, 0x11, 0x22, 0x00, 0x00, 0x01}; /* the first phone */
	memcpy(o->mac_base, mac, 6);
	inet_pton(AF_INET, "127.1.0.1", &o->bind_base);
	o->timeout_s = 120;
	o->max_reboots = 5;
	o->stuck_after = 5;
	o->retry_ms = 200;
	o->reboot_ms = 100;
	o->tftp_timeout_ms = 1000;
	o->tftp_retries = 4;
	o->image_retries = 2;
}

static const char *step_name(const struct phone *p, char *buf, size_t len)
{
	switch (p->step) {
	case ST_LOADS: return p->loads_name;
	case ST_IMAGE: return p->images[p->img];
	case ST_CTL: snprintf(buf, len, "CTL%s.tlv", p->sep); return buf;
	case ST_ITL: snprintf(buf, len, "ITL%s.tlv", p->sep); return buf;
	case ST_ITLFILE: return "ITLFile.tlv";
	case ST_CONFIG: snprintf(buf, len, "%s.cnf.xml", p->sep); return buf;
	case ST_XMLDEFAULT: return "XMLDefault.cnf.xml";
	case ST_EXTRA: return p->extras[p->extra];
	}
	return "?";
}

static void on_deadline(void *arg)
{
	struct sim *s = arg;
	char buf[64];
	for (int i = 0; i < s->o->phones; i++) {
		struct phone *p = &s->p[i];
		if (p->state == PH_RUN)
			end(p, PH_TIMEOUT, "still running after %.0f s (last asked for %s)", s->o->timeout_s,
			    step_name(p, buf, sizeof(buf)));
	}
}

static void on_tick(void *arg)
{
	struct sim *s = arg;
	fprintf(stderr, "\r%d of %d phones still running, %.1f s", s->running, s->o->phones, now_s() - s->t_start);
	loop_timer_set(s->loop, &s->tick, 500000);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(const double *sorted, int n, double q)
{
	if (n == 0)
		return 0;
	int i = (int)ceil(q * n) - 1;
	return sorted[i < 0 ? 0 : i >= n ? n - 1 : i];
}

static void print_text(struct sim *s, const double *sorted, int n)
{
	int by[PH_NSTATES] = {0};
	for (int i = 0; i < s->o->phones; i++) {
		struct phone *p = &s->p[i];
		by[p->state]++;
		fprintf(s->out, "%s %s %s -> %s %s: %s, %.1f s\n", p->sep, s->o->model->id, p->load_before,
			p->load[0] ? p->load : "?", state_names[p->state], p->reason, p->t1 - p->t0);
	}
	fprintf(s->out, "%d phone%s:", s->o->phones, s->o->phones == 1 ? "" : "s");
	for (int i = 1; i < PH_NSTATES; i++)
		if (by[i])
			fprintf(s->out, " %d %s", by[i], state_names[i]);
	fprintf(s->out, "; median %.2f s, p99 %.2f s\n", pct(sorted, n, 0.5), pct(sorted, n, 0.99));
}

/* A JSON string, escaped by the one escaping module. */
static void put_json(FILE *f, const char *key, const char *val, const char *after)
{
	char e[6 * 256 + 1]; /* the longest field (reason) with every byte as \u00XX */
	esc_json(e, sizeof(e), val, strlen(val));
	fprintf(f, "\"%s\": \"%s\"%s", key, e, after);
}

static void print_phone_json(struct sim *s, const struct phone *p)
{
	FILE *f = s->out;
	fputc('{', f);
	put_json(f, "mac", p->mac, ", ");
	put_json(f, "model", s->o->model->id, ", ");
	put_json(f, "ip", p->ip, ", ");
	put_json(f, "load_before", p->load_before, ", ");
	put_json(f, "load_after", p->load, ", ");
	put_json(f, "shown", p->shown, ", ");
	put_json(f, "state", state_names[p->state], ", ");
	put_json(f, "reason", p->reason, ", ");
	fprintf(f, "\"steps\": %d, \"reboots\": %d, \"seconds\": %.3f, \"fetched\": [", p->steps, p->reboots,
		p->t1 - p->t0);
	for (int k = 0; k < p->nfetched; k++) {
		fprintf(f, "%s{", k ? ", " : "");
		put_json(f, "name", p->fetched[k].name, ", ");
		fprintf(f, "\"bytes\": %llu, ", (unsigned long long)p->fetched[k].bytes);
		put_json(f, "sha256", p->fetched[k].sha256, "}");
	}
	fprintf(f, "]}");
}

static void print_json(struct sim *s, const double *sorted, int n)
{
	int by[PH_NSTATES] = {0};
	fprintf(s->out, "{\"phones\": [");
	for (int i = 0; i < s->o->phones; i++) {
		by[s->p[i].state]++;
		fprintf(s->out, "%s\n ", i ? "," : "");
		print_phone_json(s, &s->p[i]);
	}
	fprintf(s->out, "\n], \"summary\": {\"by_state\": {");
	int first = 1;
	for (int i = 1; i < PH_NSTATES; i++)
		if (by[i]) {
			fprintf(s->out, "%s\"%s\": %d", first ? "" : ", ", state_names[i], by[i]);
			first = 0;
		}
	fprintf(s->out, "}, \"median_s\": %.3f, \"p99_s\": %.3f}}\n", pct(sorted, n, 0.5), pct(sorted, n, 0.99));
}

/* Each phone holds one socket at a time; keep room for many phones. */
static void raise_nofile(int phones)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)phones + 256;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	if (rl.rlim_max < want && geteuid() == 0)
		rl.rlim_max = want;
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < want)
		fprintf(stderr, "phoneboot sim: warning: open files limited to %llu; %d phones need about %llu"
			" (run as root or raise the hard limit)\n", (unsigned long long)rl.rlim_cur, phones,
			(unsigned long long)want);
}

/* Phone i: the first phone's MAC and address plus i, on the load it starts on. */
static void phone_init(struct sim *s, int i)
{
	const struct sim_opts *o = s->o;
	struct phone *p = &s->p[i];
	uint8_t mac[6];
	memcpy(mac, o->mac_base, 6);
	uint32_t low = ((uint32_t)mac[3] << 16 | (uint32_t)mac[4] << 8 | mac[5]) + (uint32_t)i;
	mac[3] = (uint8_t)(low >> 16), mac[4] = (uint8_t)(low >> 8), mac[5] = (uint8_t)low;
	p->sim = s;
	p->idx = i;
	snprintf(p->mac, sizeof(p->mac), "%02X%02X%02X%02X%02X%02X", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	snprintf(p->sep, sizeof(p->sep), "SEP%s", p->mac);
	memcpy(p->macb, mac, 6);
	p->server = o->server;
	p->addr.sin_family = AF_INET;
	p->addr.sin_addr.s_addr = htonl(ntohl(o->bind_base.s_addr) + (uint32_t)i);
	inet_ntop(AF_INET, &p->addr.sin_addr, p->ip, sizeof(p->ip));
	snprintf(p->load, sizeof(p->load), "%s", o->load);
	snprintf(p->load_before, sizeof(p->load_before), "%s", o->load);
	snprintf(p->shown, sizeof(p->shown), "%s", o->load);
	p->recovery = o->hard_reset;
	p->t0 = now_s();
	loop_timer_init(&p->timer, on_timer, p);
	s->running++;
}

/* The DHCP client's socket when --dhcp names an interface: 0, or -1 said. */
static int sim_dhcp_open(struct sim *s)
{
	s->dhcp_fd = -1;
	if (!s->o->dhcp_iface)
		return 0;
	s->dhcp_fd = dhcp_socket(s->o->dhcp_iface);
	if (s->dhcp_fd < 0 || loop_add_fd(s->loop, s->dhcp_fd, EPOLLIN, on_dhcp, s) < 0) {
		fprintf(stderr, "phoneboot sim: --dhcp %s: port 68: %s\n", s->o->dhcp_iface, strerror(errno));
		return -1;
	}
	srandom((unsigned)getpid() ^ (unsigned)time(NULL));
	return 0;
}

/* Every phone's outcome, text or JSON: 1 when all reached their target. */
static int sim_report(struct sim *s)
{
	int n = s->o->phones, ok = 1;
	double *t = calloc((size_t)n, sizeof(*t));
	if (!t)
		return 0;
	for (int i = 0; i < n; i++) {
		t[i] = s->p[i].t1 - s->p[i].t0;
		ok &= s->p[i].state == PH_DONE;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	if (s->o->json)
		print_json(s, t, n);
	else
		print_text(s, t, n);
	free(t);
	return ok;
}

static void sim_free(struct sim *s)
{
	for (int i = 0; i < s->o->phones; i++) {
		if (s->p[i].x)
			tftpc_cancel(s->p[i].x);
		loop_timer_cancel(s->loop, &s->p[i].timer);
	}
	if (s->dhcp_fd >= 0)
		close(s->dhcp_fd);
	free(s->p);
	loop_free(s->loop);
}

int sim_run(const struct models *ms, const struct fw_known *known, const struct sim_opts *o, FILE *out)
{
	struct sim s = {.o = o, .ms = ms, .known = known, .out = out, .dhcp_fd = -1};
	s.verbose = o->verbose > 0 || (o->verbose == 0 && o->phones <= 10 && !o->json);
	raise_nofile(o->phones);
	s.loop = loop_new();
	s.p = calloc((size_t)o->phones, sizeof(*s.p));
	if (!s.loop || !s.p) {
		free(s.p);
		loop_free(s.loop);
		return 2;
	}
	s.t_start = now_s();
	for (int i = 0; i < o->phones; i++)
		phone_init(&s, i);
	if (sim_dhcp_open(&s) < 0) {
		sim_free(&s);
		return 2;
	}
	loop_timer_init(&s.deadline, on_deadline, &s);
	loop_timer_set(s.loop, &s.deadline, (uint64_t)(o->timeout_s * 1e6));
	loop_timer_init(&s.tick, on_tick, &s);
	int progress = isatty(2) && o->phones > 10;
	if (progress)
		loop_timer_set(s.loop, &s.tick, 500000);
	for (int i = 0; i < o->phones; i++)
		boot(&s.p[i]);
	if (s.running > 0)
		loop_run(s.loop);
	if (progress)
		fprintf(stderr, "\n");
	int ok = sim_report(&s);
	sim_free(&s);
	return ok ? 0 : 1;
}
