/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The datapath loaded for tests: the real skeleton, maps not pinned, rules
 * added through ptctl's own store code, programs run with BPF_PROG_TEST_RUN.
 *
 * Each fixture lives in a network namespace of its own, a router in
 * miniature, dual-stack: interface "wan" (FIX_WAN/24 and FIX_WAN6/64,
 * default routes via FIX_GATEWAY and FIX_GATEWAY6) and "lan"
 * (FIX_LAN_ADDR/24, FIX_LAN6/64), veths whose peers stay in the namespace,
 * forwarding on. The programs run
 * as if on "wan", so routing and conntrack answer as on a router, and
 * conntrack holds only the test's entries.
 */
#ifndef PT_TEST_FIXTURE_H
#define PT_TEST_FIXTURE_H

#include <linux/types.h>
#include "dev.h"
#include "ptctl.h"
#include "ptctl.skel.h"

#define FIX_WAN	     "198.51.100.1"
#define FIX_GATEWAY  "198.51.100.254"
#define FIX_LAN_ADDR "192.168.1.1"
#define FIX_WAN6     "2001:db8:100::1"
#define FIX_GATEWAY6 "2001:db8:100::fe"
#define FIX_LAN6     "2001:db8:77::1"

struct fix {
	struct ptctl *skel;
	struct pt_maps m;
	struct pt_rule *rules; /* [PT_MAX_RULES], as pt_store_* keep them */
	int wan;	       /* ifindex of "wan" */
	int lan;	       /* ifindex of "lan" */
	int events;	       /* a monitor's ring buffer, in pt_readers slot 0 */
};

/* A fresh namespace with the two interfaces, the programs loaded with fresh maps. */
int fix_open(struct fix *f);
/* The two: a fresh namespace, the router in it; the programs loaded in the current one. */
int fix_router(void);
int fix_load(struct fix *f);
void fix_close(struct fix *f);
/* Runs a shell command in the fixture's namespace; its exit status. */
int fix_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Adds a rule the way `ptctl add-rule` does; returns its id, or -1. */
int fix_add_rule(struct fix *f, const char *name, const char *trigger, const char *open,
		 __u32 timeout_s);

struct run_result {
	int retval;
	__u8 out[1700];
	__u32 out_len;
};

/* Runs pt_tc_out on frame once, leaving "wan"; out holds the frame as the program left it. */
int fix_run_tc(struct fix *f, const void *frame, __u32 len, struct run_result *r);
/* Runs pt_xdp_in on frame once, arriving on "wan". */
int fix_run_xdp(struct fix *f, const void *frame, __u32 len, struct run_result *r);
/* Runs pt_xdp_lan on frame once, arriving on "lan". */
int fix_run_xdp_lan(struct fix *f, const void *frame, __u32 len, struct run_result *r);

/* Holder of rule id of a family; -1 when it has none (never held, released). */
int fix_holder(struct fix *f, __u32 id, enum pt_family family, struct pt_holder *a);
int fix_set_holder(struct fix *f, __u32 id, enum pt_family family, const struct pt_holder *a);
/* The same of its IPv4 holder. */
int fix_active(struct fix *f, __u32 id, struct pt_holder *a);
int fix_set_active(struct fix *f, __u32 id, const struct pt_holder *a);
/* Moves the last activity of the rule's holders back by seconds (simulates idle time). */
int fix_age(struct fix *f, __u32 id, __u64 seconds);
/* Rule counters summed over CPUs. */
int fix_rule_stats(struct fix *f, __u32 id, struct pt_rule_stats *st);
/* Datapath counters summed over CPUs. */
int fix_stats(struct fix *f, struct pt_stats *st);
int fix_config(struct fix *f, struct pt_config *cfg);
int fix_set_config(struct fix *f, const struct pt_config *cfg);

/* The datapath's clock, bpf_ktime_get_coarse_ns(). */
__u64 fix_now_ns(void);
/* Makes host the holder of rule id (of family), active from now, as a trigger would. */
int fix_activate_addr(struct fix *f, __u32 id, enum pt_family family, union pt_addr holder);
/* The same of an IPv4 host. */
int fix_activate(struct fix *f, __u32 id, __u32 holder);
/* The same of an IPv6 host, its address as text. */
int fix_activate6(struct fix *f, __u32 id, const char *holder);
/* Rule id as the datapath sees it; put writes it back (and to f->rules). */
int fix_rule_get(struct fix *f, __u32 id, struct pt_rule *r);
int fix_rule_put(struct fix *f, __u32 id, const struct pt_rule *r);
/* Sets a property of rule id in the map, as add-rule's option key does (pt_rule_set). */
int fix_rule_set(struct fix *f, __u32 id, const char *key, const char *val);
/* Makes rule id's holder entry one of the slot's previous rule (older gen). */
int fix_make_stale(struct fix *f, __u32 id);

/*
 * A conntrack entry of proto (IPPROTO_TCP or IPPROTO_UDP): original tuple
 * src:sport -> dst:dport, reply rsrc:rsport -> rdst:rdport (a NATed flow
 * when they are not its inverse), marked mark; as a flow the kernel tracked.
 */
struct fix_ct {
	int proto;
	const char *src, *dst;
	__u16 sport, dport;
	const char *rsrc, *rdst; /* NULL: the inverse of the original tuple */
	__u16 rsport, rdport;
	__u32 mark;
};
int fix_ct_add(const struct fix_ct *ct);
/*
 * The entry whose original tuple is proto src:sport -> dst:dport, as
 * `conntrack -L` shows it: reply source, mark and whether it is DNATed. 0
 * when found, -1 when there is none.
 */
struct fix_ct_entry {
	union pt_addr reply_src;
	__u32 mark;
	bool dnat;
};
int fix_ct_get(int proto, const char *src, __u16 sport, const char *dst, __u16 dport,
	       struct fix_ct_entry *e);
/* Marks the entry of that original tuple answered (SEEN_REPLY), as a reply would: TCP ESTABLISHED. */
int fix_ct_answered(int proto, const char *src, __u16 sport, const char *dst, __u16 dport);
/* Sets the TCP state (conntrack's name: SYN_RECV, FIN_WAIT, ...) of that entry. */
int fix_ct_tcp_state(const char *src, __u16 sport, const char *dst, __u16 dport, const char *state);
/* Sets that entry's timeout, in seconds. */
int fix_ct_timeout(int proto, const char *src, __u16 sport, const char *dst, __u16 dport,
		   unsigned int seconds);
/* How many entries conntrack holds. */
int fix_ct_count(void);

#endif /* PT_TEST_FIXTURE_H */
