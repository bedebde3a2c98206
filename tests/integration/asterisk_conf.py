#!/usr/bin/env python3
"""asterisk_conf.py - check a pjsip.conf or sip.conf the way Asterisk reads it.

Asterisk is not in Debian 12, so the exported files are checked against
Asterisk's documented configuration grammar (main/config.c) and, for pjsip,
its object model (res_pjsip's pjsip_config.xml), for chan_sip the peer keys.

  asterisk_conf.py pjsip|sip FILE     exit 0: "ok: ..." ; 1: "FILE:LINE: why" lines
  asterisk_conf.py pjsip|sip FILE --dump
                                      also every value as Asterisk reads it:
                                      TYPE<TAB>SECTION<TAB>KEY<TAB>VALUE

Grammar: [name], [name](!) (a template), [name](tpl,...) (inherits),
[name](+) (adds to a section), key = value and key => value, ';' comments
unless escaped as '\\;', ';--' ... '--;' block comments (nestable), and
#include / #tryinclude FILE (followed, relative to the including file).
"""
import ipaddress
import os
import re
import sys


class Section:
    def __init__(self, name, line, path, template, inherits, append):
        self.name, self.line, self.path = name, line, path
        self.template, self.inherits, self.append = template, inherits, append
        self.keys = []  # (key, value, line, path)

    def get(self, key):
        vals = [v for k, v, _, _ in self.keys if k == key]
        return vals[-1] if vals else None

    def where(self, key=None):
        for k, _, line, path in self.keys:
            if k == key:
                return "%s:%d" % (path, line)
        return "%s:%d" % (self.path, self.line)


class Errors(list):
    def add(self, path, line, msg):
        self.append("%s:%d: %s" % (path, line, msg))

    def at(self, where, msg):
        self.append("%s: %s" % (where, msg))


def strip_comments(text, state):
    """One line with its comments removed, as config.c does; state['depth']
    counts open ';--' blocks across lines."""
    out, i, n = [], 0, len(text)
    while i < n:
        if state["depth"]:
            if text.startswith("--;", i):
                state["depth"] -= 1
                i += 3
            elif text.startswith(";--", i) and not text.startswith(";---", i):
                state["depth"] += 1
                i += 3
            else:
                i += 1
            continue
        c = text[i]
        if c == ";":
            if out and out[-1] == "\\":
                out[-1] = ";"  # an escaped semicolon is a character
                i += 1
                continue
            if text.startswith(";--", i) and not text.startswith(";---", i):
                state["depth"] += 1
                i += 3
                continue
            break  # a line comment: the rest of the line goes
        out.append(c)
        i += 1
    return "".join(out)


SECTION_RE = re.compile(r"^\[([^\]]+)\](?:\(([^)]*)\))?$")


def parse(path, errs, sections, seen=None, depth=0):
    """Read path into sections (a list, in file order)."""
    seen = seen if seen is not None else set()
    real = os.path.realpath(path)
    if real in seen or depth > 10:
        errs.add(path, 0, "#include loop")
        return
    seen.add(real)
    try:
        raw = open(path, "rb").read()
    except OSError as e:
        errs.add(path, 0, "cannot read it: %s" % e.strerror)
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        errs.add(path, raw[: e.start].count(b"\n") + 1, "not UTF-8 text")
        return
    if text.startswith("\ufeff"):
        errs.add(path, 1, "a byte order mark before the first line")
    if text and not text.endswith("\n"):
        errs.add(path, text.count("\n") + 1, "the last line has no line end")
    state = {"depth": 0}
    for no, line in enumerate(text.split("\n")[: -1 if text.endswith("\n") else None], 1):
        if re.search(r"[\x00-\x08\x0b-\x1f\x7f]", line):
            errs.add(path, no, "a control character in the line")
            continue
        body = strip_comments(line, state).strip()
        if not body:
            continue
        if body.startswith("#"):
            directive(path, no, body, errs, sections, seen, depth)
        elif body.startswith("["):
            section_line(path, no, body, errs, sections)
        else:
            key_line(path, no, body, errs, sections)
    if state["depth"]:
        errs.add(path, text.count("\n"), "a ';--' block comment is never closed with '--;'")


def directive(path, no, body, errs, sections, seen, depth):
    m = re.match(r'^#(include|tryinclude|exec)\s+(?:"([^"]+)"|(\S+))\s*$', body)
    if not m:
        errs.add(path, no, "not a directive Asterisk knows: %r" % body)
        return
    if m.group(1) == "exec":
        errs.add(path, no, "#exec runs a program: not expected in an exported file")
        return
    name = m.group(2) or m.group(3)
    target = name if os.path.isabs(name) else os.path.join(os.path.dirname(path), name)
    if not os.path.exists(target):
        if m.group(1) == "include":
            errs.add(path, no, "#include %s: no such file" % name)
        return
    parse(target, errs, sections, seen, depth + 1)


def section_line(path, no, body, errs, sections):
    m = SECTION_RE.match(body)
    if not m:
        errs.add(path, no, "a section header Asterisk cannot read: %r" % body)
        return
    name, opts = m.group(1), m.group(2)
    template, inherits, append = False, [], False
    if opts is not None:
        for o in [x.strip() for x in opts.split(",")]:
            if o == "!":
                template = True
            elif o == "+":
                append = True
            elif o:
                inherits.append(o)
            else:
                errs.add(path, no, "an empty option in (%s)" % opts)
    known = {s.name: s for s in sections if s.template}
    for t in inherits:
        if t not in known:
            errs.add(path, no, "[%s] inherits from (%s), no template defined above" % (name, t))
    s = Section(name, no, path, template, inherits, append)
    for t in inherits:
        if t in known:
            s.keys.extend(known[t].keys)
    sections.append(s)


def key_line(path, no, body, errs, sections):
    m = re.match(r"^([^=]*?)\s*=>?\s*(.*)$", body)
    if not m or "=" not in body:
        errs.add(path, no, "no '=' in a line that is not a section: %r" % body)
        return
    key, value = m.group(1).strip(), m.group(2).strip()
    if not key:
        errs.add(path, no, "a value without a key")
        return
    if not sections:
        errs.add(path, no, "%s = ... before any [section]" % key)
        return
    sections[-1].keys.append((key, value, no, path))


# ---- pjsip: res_pjsip's object types and the options checked here ----

PJSIP_TYPES = {"endpoint", "auth", "aor", "transport", "identify", "registration", "domain_alias",
               "contact", "system", "global", "acl", "phoneprov", "resource_list", "outbound-publish",
               "inbound-publication", "asterisk-publication"}
YESNO = {"yes", "no", "true", "false", "on", "off", "1", "0", "y", "n", "t", "f"}
ENDPOINT_KEYS = {
    "type", "transport", "context", "disallow", "allow", "auth", "outbound_auth", "aors", "callerid",
    "callerid_privacy", "callerid_tag", "direct_media", "rtp_symmetric", "force_rport", "rewrite_contact",
    "dtmf_mode", "mailboxes", "voicemail_extension", "trust_id_inbound", "trust_id_outbound",
    "send_pai", "send_rpid", "language", "timers", "timers_min_se", "timers_sess_expires",
    "100rel", "ice_support", "media_encryption", "identify_by", "allow_subscribe", "subscribe_context",
    "tos_audio", "cos_audio", "device_state_busy_at", "inband_progress", "named_call_group",
    "named_pickup_group", "call_group", "pickup_group", "moh_suggest", "from_user", "from_domain",
    "rtp_timeout", "rtp_timeout_hold", "user_eq_phone", "accountcode", "set_var", "aggregate_mwi",
}
BOOL_KEYS = {"direct_media", "rtp_symmetric", "force_rport", "rewrite_contact", "trust_id_inbound",
             "trust_id_outbound", "send_pai", "send_rpid", "ice_support", "allow_subscribe",
             "inband_progress", "user_eq_phone", "aggregate_mwi", "remove_existing"}
AUTH_KEYS = {"type", "auth_type", "username", "password", "md5_cred", "realm", "nonce_lifetime"}
AOR_KEYS = {"type", "max_contacts", "remove_existing", "qualify_frequency", "qualify_timeout",
            "default_expiration", "minimum_expiration", "maximum_expiration", "mailboxes", "contact",
            "authenticate_qualify", "support_path", "outbound_proxy", "voicemail_extension"}
TRANSPORT_KEYS = {"type", "protocol", "bind", "external_media_address", "external_signaling_address",
                  "external_signaling_port", "local_net", "tos", "cos", "allow_reload", "symmetric_transport",
                  "cert_file", "priv_key_file", "ca_list_file", "method", "verify_client", "verify_server"}
KEYS = {"endpoint": ENDPOINT_KEYS, "auth": AUTH_KEYS, "aor": AOR_KEYS, "transport": TRANSPORT_KEYS}


def bind_ok(v):
    m = re.match(r"^\[([0-9a-fA-F:.]+)\](?::(\d+))?$", v) or re.match(r"^([0-9.]+)(?::(\d+))?$", v)
    if not m:
        return False
    try:
        ipaddress.ip_address(m.group(1))
    except ValueError:
        return False
    return m.group(2) is None or 1 <= int(m.group(2)) <= 65535


def callerid_ok(v):
    return re.match(r'^"[^"]*" <[0-9*#+]+>$', v) or re.match(r"^[^<>\"]*<[0-9*#+]+>$", v)


def objects(sections, errs):
    """The concrete sections by (type, name); templates and (+) merged."""
    objs = {}
    for s in sections:
        if s.template:
            continue
        t = s.get("type")
        if s.append:
            prev = [o for (ty, n), o in objs.items() if n == s.name]
            if not prev:
                errs.at(s.where(), "[%s](+) adds to no section above" % s.name)
            else:
                prev[-1].keys.extend(s.keys)
            continue
        if t is None:
            errs.at(s.where(), "[%s] has no type" % s.name)
            continue
        if t not in PJSIP_TYPES:
            errs.at(s.where("type"), "[%s] type = %s is not a pjsip object type" % (s.name, t))
            continue
        if (t, s.name) in objs:
            errs.at(s.where(), "[%s] is a second %s of that name" % (s.name, t))
            continue
        objs[(t, s.name)] = s
    return objs


def check_keys(s, t, errs):
    for k, v, line, path in s.keys:
        if k not in KEYS.get(t, {k}):
            errs.add(path, line, "[%s] (%s) has no option %s" % (s.name, t, k))
        elif k in BOOL_KEYS and v.lower() not in YESNO:
            errs.add(path, line, "[%s] %s = %s: expected yes or no" % (s.name, k, v))


def refs(s, key, want, objs, errs):
    v = s.get(key)
    if v is None:
        return
    for name in [x.strip() for x in v.split(",")]:
        if (want, name) not in objs:
            errs.at(s.where(key), "[%s] %s = %s: no %s section [%s]" % (s.name, key, v, want, name))


def check_endpoint(s, objs, errs):
    refs(s, "auth", "auth", objs, errs)
    refs(s, "outbound_auth", "auth", objs, errs)
    refs(s, "aors", "aor", objs, errs)
    refs(s, "transport", "transport", objs, errs)
    if s.get("aors") is None:
        errs.at(s.where(), "[%s] endpoint has no aors: nothing can register to it" % s.name)
    dtmf = s.get("dtmf_mode")
    if dtmf is not None and dtmf not in {"rfc4733", "inband", "info", "auto", "auto_info", "none"}:
        errs.at(s.where("dtmf_mode"), "[%s] dtmf_mode = %s is not a DTMF mode" % (s.name, dtmf))
    cid = s.get("callerid")
    if cid is not None and not callerid_ok(cid):
        errs.at(s.where("callerid"), '[%s] callerid = %s: expected "Name" <number>' % (s.name, cid))


def check_auth(s, errs):
    t = s.get("auth_type") or "userpass"
    if t not in {"userpass", "md5", "digest", "google_oauth"}:
        errs.at(s.where("auth_type"), "[%s] auth_type = %s is not an auth type" % (s.name, t))
    if t in {"userpass", "digest"}:
        for k in ("username", "password"):
            if not s.get(k):
                errs.at(s.where(), "[%s] auth (%s) has no %s" % (s.name, t, k))
    if t == "md5" and not s.get("md5_cred"):
        errs.at(s.where(), "[%s] auth (md5) has no md5_cred" % s.name)


def check_aor(s, errs):
    mc = s.get("max_contacts")
    if mc is not None and not re.match(r"^\d+$", mc):
        errs.at(s.where("max_contacts"), "[%s] max_contacts = %s: expected a count" % (s.name, mc))
    qf = s.get("qualify_frequency")
    if qf is not None and not re.match(r"^\d+$", qf):
        errs.at(s.where("qualify_frequency"), "[%s] qualify_frequency = %s: expected seconds" % (s.name, qf))


def check_transport(s, errs):
    p = s.get("protocol") or "udp"
    if p not in {"udp", "tcp", "tls", "ws", "wss", "flow"}:
        errs.at(s.where("protocol"), "[%s] protocol = %s is not a transport protocol" % (s.name, p))
    b = s.get("bind")
    if b is None:
        errs.at(s.where(), "[%s] transport has no bind" % s.name)
    elif not bind_ok(b):
        errs.at(s.where("bind"), "[%s] bind = %s: expected ADDRESS[:PORT]" % (s.name, b))


def check_pjsip(sections, errs):
    objs = objects(sections, errs)
    for (t, _), s in objs.items():
        check_keys(s, t, errs)
        if t == "endpoint":
            check_endpoint(s, objs, errs)
        elif t == "auth":
            check_auth(s, errs)
        elif t == "aor":
            check_aor(s, errs)
        elif t == "transport":
            check_transport(s, errs)
    n = {t: sum(1 for (ty, _) in objs if ty == t) for t in ("endpoint", "auth", "aor", "transport")}
    return "%d endpoints, %d auths, %d aors, %d transports" % (n["endpoint"], n["auth"], n["aor"], n["transport"])


# ---- chan_sip ----

SIP_PEER_KEYS = {"type", "host", "defaultuser", "secret", "md5secret", "context", "transport", "callerid",
                 "disallow", "allow", "nat", "directmedia", "dtmfmode", "qualify", "port", "username",
                 "fromuser", "mailbox", "language", "insecure", "deny", "permit", "call-limit", "description"}


def check_sip_peer(s, errs):
    for k, v, line, path in s.keys:
        if k not in SIP_PEER_KEYS:
            errs.add(path, line, "[%s] has no peer option %s" % (s.name, k))
    t = s.get("type")
    if t not in {"friend", "peer", "user"}:
        errs.at(s.where("type"), "[%s] type = %s: expected friend, peer or user" % (s.name, t))
    if not s.get("host"):
        errs.at(s.where(), "[%s] has no host (dynamic for a phone that registers)" % s.name)
    if not s.get("secret") and not s.get("md5secret"):
        errs.at(s.where(), "[%s] has no secret" % s.name)
    for k, allowed in (("transport", {"udp", "tcp", "tls", "ws", "wss"}),
                       ("nat", {"no", "yes", "never", "route", "force_rport", "comedia", "auto_force_rport",
                                "auto_comedia"})):
        v = s.get(k)
        if v is not None and not set(x.strip() for x in v.split(",")) <= allowed:
            errs.at(s.where(k), "[%s] %s = %s: expected some of %s" % (s.name, k, v, ", ".join(sorted(allowed))))
    d = s.get("dtmfmode")
    if d is not None and d not in {"rfc2833", "info", "shortinfo", "inband", "auto"}:
        errs.at(s.where("dtmfmode"), "[%s] dtmfmode = %s is not a DTMF mode" % (s.name, d))
    cid = s.get("callerid")
    if cid is not None and not callerid_ok(cid):
        errs.at(s.where("callerid"), '[%s] callerid = %s: expected "Name" <number>' % (s.name, cid))


def check_sip(sections, errs):
    names, peers = set(), 0
    for s in sections:
        if s.template or s.append or s.name == "general":
            continue
        if s.name in names:
            errs.at(s.where(), "[%s] is defined twice" % s.name)
        names.add(s.name)
        check_sip_peer(s, errs)
        peers += 1
    return "%d peers" % peers


def dump(sections):
    for s in sections:
        if s.template:
            continue
        t = s.get("type") or "-"
        for k, v, _, _ in s.keys:
            print("%s\t%s\t%s\t%s" % (t, s.name, k, v))


def main(argv):
    dumping = argv[3:] == ["--dump"]
    if len(argv) != 3 + dumping or argv[1] not in ("pjsip", "sip"):
        sys.stderr.write("usage: asterisk_conf.py pjsip|sip FILE [--dump]\n")
        return 2
    errs, sections = Errors(), []
    parse(argv[2], errs, sections)
    what = (check_pjsip if argv[1] == "pjsip" else check_sip)(sections, errs)
    if errs:
        sys.stdout.write("".join(e + "\n" for e in errs))
        return 1
    if dumping:
        dump(sections)
    else:
        print("ok: %s: %s" % (argv[2], what))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
