// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fixture.h"
#include "pkt.h"
#include "store.h"
#include "view.h"

int fix_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

int fix_router(void)
{
	if (unshare(CLONE_NEWNET))
		return -1;
	return fix_sh("ip -batch - <<EOF\n"
		      "link set lo up\n"
		      "link add wan type veth peer name wan-peer\n"
		      "link add lan type veth peer name lan-peer\n"
		      "link set wan-peer up\n"
		      "link set lan-peer up\n"
		      "addr add " FIX_WAN "/24 dev wan\n"
		      "addr add " FIX_LAN_ADDR "/24 dev lan\n"
		      "addr add " FIX_WAN6 "/64 dev wan nodad\n"
		      "addr add " FIX_LAN6 "/64 dev lan nodad\n"
		      "link set wan up\n"
		      "link set lan up\n"
		      "route add default via " FIX_GATEWAY "\n"
		      "route add default via " FIX_GATEWAY6 "\n"
		      "EOF\n"
		      "sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1");
}

int fix_open(struct fix *f)
{
	memset(f, 0, sizeof(*f));
	return fix_router() ? -1 : fix_load(f);
}

int fix_load(struct fix *f)
{
	struct pt_config cfg = {
		.abi = PT_ABI_MAGIC,
		.mark = PT_MARK_DEFAULT,
		.mark_mask = PT_MASK_DEFAULT,
	};
	struct bpf_map *map;
	__u32 zero = 0;

	memset(f, 0, sizeof(*f));
	f->wan = if_nametoindex("wan");
	f->lan = if_nametoindex("lan");
	if (!f->wan || !f->lan)
		return -1;
	cfg.ifindex = f->wan;
	f->skel = ptctl__open();
	if (!f->skel)
		return -1;
	/* Tests never pin: each gets its own maps, and the host's bpffs stays clean. */
	bpf_object__for_each_map(map, f->skel->obj) bpf_map__set_pin_path(map, NULL);
	if (ptctl__load(f->skel))
		return -1;
	f->m = (struct pt_maps){ .skel = f->skel,
				 .release = bpf_program__fd(f->skel->progs.pt_release),
				 .ifname = "wan",
				 .closing = calloc(1, sizeof(*f->m.closing)) };
	f->rules = calloc(PT_MAX_RULES, sizeof(*f->rules));
	if (!f->rules || !f->m.closing)
		return -1;
	/* Events go to the monitors' ring buffers: the tests read as one. */
	f->events = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "fix_events", 0, 0, PT_EVENTS_SIZE, NULL);
	if (f->events < 0 ||
	    bpf_map_update_elem(PT_FD(&f->m, pt_readers), &zero, &f->events, BPF_ANY))
		return -1;
	return bpf_map_update_elem(PT_FD(&f->m, pt_config), &zero, &cfg, BPF_ANY);
}

void fix_close(struct fix *f)
{
	if (f->events > 0)
		close(f->events);
	ptctl__destroy(f->skel);
	if (f->m.closing)
		free(f->m.closing->ports);
	free(f->m.closing);
	free(f->rules);
	memset(f, 0, sizeof(*f));
}

int fix_add_rule(struct fix *f, const char *name, const char *trigger, const char *open,
		 __u32 timeout_s)
{
	struct pt_rule r = { .timeout_s = timeout_s, .enabled = 1 };
	char err[PT_ERR_LEN];

	if (pt_parse_name(name, r.name, err) || pt_parse_range(trigger, &r.trigger, err) ||
	    pt_parse_open(open, &r, err)) {
		fprintf(stderr, "fix_add_rule: %s\n", err);
		return -1;
	}
	return pt_store_add(&f->m, f->rules, &r);
}

int fix_run_tc(struct fix *f, const void *frame, __u32 len, struct run_result *r)
{
	struct __sk_buff ctx = { .ifindex = f->wan };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len, .data_out = r->out,
		    .data_size_out = sizeof(r->out), .repeat = 1, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx));
	int err = bpf_prog_test_run_opts(bpf_program__fd(f->skel->progs.pt_tc_out), &o);

	r->retval = o.retval;
	r->out_len = o.data_size_out;
	return err;
}

static int run_xdp(const struct bpf_program *prog, __u32 ifindex, const void *frame, __u32 len,
		   struct run_result *r)
{
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len, .data_out = r->out,
		    .data_size_out = sizeof(r->out), .repeat = 1, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx));
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &o);

	r->retval = o.retval;
	r->out_len = o.data_size_out;
	return err;
}

int fix_run_xdp(struct fix *f, const void *frame, __u32 len, struct run_result *r)
{
	return run_xdp(f->skel->progs.pt_xdp_in, f->wan, frame, len, r);
}

int fix_run_xdp_lan(struct fix *f, const void *frame, __u32 len, struct run_result *r)
{
	return run_xdp(f->skel->progs.pt_xdp_lan, f->lan, frame, len, r);
}

int fix_holder(struct fix *f, __u32 id, enum pt_family family, struct pt_holder *a)
{
	struct pt_rule r;

	if (bpf_map_lookup_elem(PT_FD(&f->m, pt_rules), &id, &r))
		return -1;
	*a = r.holder[family];
	return pt_addr_none(pt_addr(a->addr)) ? -1 : 0;
}

int fix_active(struct fix *f, __u32 id, struct pt_holder *a)
{
	return fix_holder(f, id, PT_IPV4, a);
}

int fix_set_holder(struct fix *f, __u32 id, enum pt_family family, const struct pt_holder *a)
{
	struct pt_rule r;

	if (bpf_map_lookup_elem(PT_FD(&f->m, pt_rules), &id, &r))
		return -1;
	r.holder[family] = *a;
	return bpf_map_update_elem(PT_FD(&f->m, pt_rules), &id, &r, BPF_EXIST);
}

int fix_set_active(struct fix *f, __u32 id, const struct pt_holder *a)
{
	return fix_set_holder(f, id, PT_IPV4, a);
}

int fix_age(struct fix *f, __u32 id, __u64 seconds)
{
	struct pt_holder a[PT_FAMILIES];
	int held = 0;

	/* Both holders, those there are. */
	for (int i = 0; i < PT_FAMILIES; i++) {
		if (fix_holder(f, id, i, &a[i]))
			continue;
		a[i].last_ns -= seconds * PT_NSEC_PER_SEC;
		if (fix_set_holder(f, id, i, &a[i]))
			return -1;
		held++;
	}
	return held ? 0 : -1;
}

int fix_rule_stats(struct fix *f, __u32 id, struct pt_rule_stats *st)
{
	return pt_percpu_sum(PT_FD(&f->m, pt_rule_stats), id, (__u64 *)st,
			     sizeof(*st) / sizeof(__u64));
}

int fix_stats(struct fix *f, struct pt_stats *st)
{
	return pt_percpu_sum(PT_FD(&f->m, pt_stats), 0, (__u64 *)st, sizeof(*st) / sizeof(__u64));
}

int fix_config(struct fix *f, struct pt_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(PT_FD(&f->m, pt_config), &zero, cfg);
}

int fix_set_config(struct fix *f, const struct pt_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_update_elem(PT_FD(&f->m, pt_config), &zero, cfg, BPF_EXIST);
}

__u64 fix_now_ns(void)
{
	struct timespec ts;

	/* Not CLOCK_MONOTONIC: up to a tick ahead of what the datapath reads. */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec * PT_NSEC_PER_SEC + ts.tv_nsec;
}

int fix_activate_addr(struct fix *f, __u32 id, enum pt_family family, union pt_addr holder)
{
	__u64 now = fix_now_ns();
	struct pt_holder a = { .gen = f->rules[id].gen, .last_ns = now, .since_ns = now };

	pt_addr_set(a.addr, holder);
	return fix_set_holder(f, id, family, &a);
}

int fix_activate(struct fix *f, __u32 id, __u32 holder)
{
	return fix_activate_addr(f, id, PT_IPV4, pt_addr4(holder));
}

int fix_activate6(struct fix *f, __u32 id, const char *holder)
{
	union pt_addr a;

	pkt_addr6(holder, a.bytes);
	return fix_activate_addr(f, id, PT_IPV6, a);
}

int fix_rule_get(struct fix *f, __u32 id, struct pt_rule *r)
{
	return bpf_map_lookup_elem(PT_FD(&f->m, pt_rules), &id, r);
}

int fix_rule_put(struct fix *f, __u32 id, const struct pt_rule *r)
{
	f->rules[id] = *r;
	return bpf_map_update_elem(PT_FD(&f->m, pt_rules), &id, r, BPF_EXIST);
}

int fix_rule_set(struct fix *f, __u32 id, const char *key, const char *val)
{
	char err[PT_ERR_LEN];
	struct pt_rule r;

	if (fix_rule_get(f, id, &r))
		return -1;
	if (pt_rule_set(&r, key, val, err)) {
		fprintf(stderr, "fix_rule_set: %s\n", err);
		return -1;
	}
	return fix_rule_put(f, id, &r);
}

int fix_make_stale(struct fix *f, __u32 id)
{
	struct pt_holder a;

	if (fix_active(f, id, &a))
		return -1;
	a.gen--;
	return fix_set_active(f, id, &a);
}

static const char *proto_name(int proto)
{
	return proto == IPPROTO_TCP ? "tcp" : "udp";
}

int fix_ct_add(const struct fix_ct *c)
{
	bool tcp = c->proto == IPPROTO_TCP;

	/* The status before the mark: conntrack 1.4.7 takes a mark given before -u as the status. */
	return fix_sh("conntrack -I -p %s -s %s -d %s --sport %u --dport %u "
		      "-r %s -q %s --reply-port-src %u --reply-port-dst %u %s -m %u -t 120 "
		      ">/dev/null 2>&1",
		      proto_name(c->proto), c->src, c->dst, c->sport, c->dport,
		      c->rsrc ? c->rsrc : c->dst, c->rdst ? c->rdst : c->src,
		      c->rsrc ? c->rsport : c->dport, c->rdst ? c->rdport : c->sport,
		      tcp ? "--state ESTABLISHED -u SEEN_REPLY" : "-u SEEN_REPLY", c->mark) ?
		       -1 :
		       0;
}

static int ct_update(int proto, const char *src, __u16 sport, const char *dst, __u16 dport,
		     const char *change)
{
	return fix_sh("conntrack -U -p %s --orig-src %s --orig-port-src %u --orig-dst %s "
		      "--orig-port-dst %u %s >/dev/null 2>&1",
		      proto_name(proto), src, sport, dst, dport, change) ?
		       -1 :
		       0;
}

int fix_ct_answered(int proto, const char *src, __u16 sport, const char *dst, __u16 dport)
{
	/* Status bits only add up (NAT bits are the kernel's): this sets SEEN_REPLY alone. */
	return ct_update(proto, src, sport, dst, dport,
			 proto == IPPROTO_TCP ? "--state ESTABLISHED -u SEEN_REPLY" :
						"-u SEEN_REPLY");
}

int fix_ct_tcp_state(const char *src, __u16 sport, const char *dst, __u16 dport, const char *state)
{
	char change[64];

	snprintf(change, sizeof(change), "--state %s", state);
	return ct_update(IPPROTO_TCP, src, sport, dst, dport, change);
}

int fix_ct_timeout(int proto, const char *src, __u16 sport, const char *dst, __u16 dport,
		   unsigned int seconds)
{
	char change[32];

	snprintf(change, sizeof(change), "-t %u", seconds);
	return ct_update(proto, src, sport, dst, dport, change);
}

/* The one line `conntrack -L ARGS` prints for the flow, into line; 0 if there is one. */
static int ct_line(const char *extra, int proto, const char *src, __u16 sport, const char *dst,
		   __u16 dport, char *line, size_t len)
{
	char cmd[512];
	FILE *p;
	int n = 0;

	snprintf(cmd, sizeof(cmd),
		 "conntrack -L %s -p %s --orig-src %s --orig-port-src %u --orig-dst %s "
		 "--orig-port-dst %u 2>/dev/null",
		 extra, proto_name(proto), src, sport, dst, dport);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, len, p))
		n++;
	pclose(p);
	return n == 1 ? 0 : -1;
}

int fix_ct_get(int proto, const char *src, __u16 sport, const char *dst, __u16 dport,
	       struct fix_ct_entry *e)
{
	char line[512], reply_src[64], *s;

	if (ct_line("", proto, src, sport, dst, dport, line, sizeof(line)))
		return -1;
	/* The second src= is the reply tuple's. */
	s = strstr(line, "src=");
	s = s ? strstr(s + 4, "src=") : NULL;
	if (!s || sscanf(s, "src=%63s", reply_src) != 1)
		return -1;
	pkt_addr6(reply_src, e->reply_src.bytes);
	s = strstr(line, "mark=");
	e->mark = s ? strtoul(s + 5, NULL, 10) : 0;
	e->dnat = !ct_line("--dst-nat", proto, src, sport, dst, dport, line, sizeof(line));
	return 0;
}

int fix_ct_count(void)
{
	FILE *p = popen("conntrack -C 2>/dev/null", "r");
	int n = -1;

	if (p && fscanf(p, "%d", &n) != 1)
		n = -1;
	if (p)
		pclose(p);
	return n;
}
