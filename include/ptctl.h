/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Types shared by the BPF datapath (bpf/) and ptctl (user/).
 *
 * Plain fixed-width types only: this header is compiled both against
 * vmlinux.h (BPF side) and against <linux/types.h> (user side). Every
 * struct here is a map value, so its layout is ABI for pinned maps:
 * change it and `ptctl load` refuses to reuse maps pinned by an older build.
 */
#ifndef PTCTL_H
#define PTCTL_H

#ifndef __VMLINUX_H__
#include <linux/bpf.h> /* struct bpf_timer, for the user side */
#endif

#define PT_MAX_RULES 1024	/* rules per interface */
#define PT_MAX_OPEN 16		/* open entries per rule */
#define PT_MAX_ALLOW 8		/* allowed LAN prefixes per rule */
#define PT_TRIG_SLOTS 8		/* rules sharing one trigger port */
#define PT_NAME_LEN 32		/* rule name, NUL included */
#define PT_PORT_KEYS (2 * 65536) /* index key: proto_idx * 65536 + port */
#define PT_MAX_FLOWS 65536	/* inbound flows remembered for their replies */

#define PT_TIMEOUT_DEFAULT 600
#define PT_TIMEOUT_MAX (30 * 86400) /* a month: anything longer is a typo */

/* Default mark of rewritten inbound packets: "pt" in the high half. */
#define PT_MARK_DEFAULT 0x70740000u
#define PT_MASK_DEFAULT 0xffff0000u

/* Protocol bits of a port range; proto_idx 0 = TCP, 1 = UDP in the indexes. */
enum pt_proto {
	PT_TCP = 1,
	PT_UDP = 2,
	PT_BOTH = PT_TCP | PT_UDP,
};

enum pt_rule_flags {
	PT_RULE_USED = 1 << 0,	 /* slot holds a rule */
	PT_RULE_ENABLED = 1 << 1, /* rule triggers and forwards */
	PT_RULE_NEWEST = 1 << 2,  /* policy newest: a new host takes it over */
};

enum pt_cfg_flags {
	PT_CFG_GENERIC = 1 << 0,      /* XDP attached in generic (skb) mode */
	PT_CFG_WAN_EXPLICIT = 1 << 1, /* WAN address given with --wan-addr */
	PT_CFG_OWN_CLSACT = 1 << 2,   /* ptctl created the clsact qdisc */
};

struct pt_range {
	__u16 lo;	/* host order, inclusive */
	__u16 hi;
	__u8 proto;	/* enum pt_proto bits */
	__u8 pad[3];
};

struct pt_prefix {
	__u32 addr;	/* network order, already masked */
	__u32 mask;	/* network order */
};

/* pt_rules[id]: one rule; id is its slot, stable while the rule exists. */
struct pt_rule {
	char name[PT_NAME_LEN];
	__u32 flags;	 /* enum pt_rule_flags */
	__u32 gen;	 /* bumped on every (re)definition of the slot */
	__u32 timeout_s; /* inactivity timeout */
	__u32 n_open;
	__u32 n_allow;	 /* 0: any LAN host may trigger */
	struct pt_range trigger;
	struct pt_range open[PT_MAX_OPEN];
	struct pt_prefix allow[PT_MAX_ALLOW];
};

/* pt_active[id]: the rule's holder; present once the rule was triggered. */
struct pt_active {
	__u32 holder;	  /* LAN host, network order */
	__u32 gen;	  /* pt_rule.gen it was taken under; else stale */
	__u64 last_ns;	  /* last activity, CLOCK_MONOTONIC ns */
	__u64 since_ns;	  /* when this holder took the rule */
	__u64 conflict_ns; /* last conflict event: at most one a second */
	struct bpf_timer expiry; /* fires when the rule may have expired */
};

/* pt_trig_idx[proto_idx * 65536 + port]: rules triggered by that port. */
struct pt_trig_slot {
	__u16 rule[PT_TRIG_SLOTS]; /* rule id + 1; 0 = empty */
};

/* pt_open_idx[proto_idx * 65536 + port]: rule id + 1 owning the port, 0 = none. */

/*
 * pt_flows (LRU): inbound flows the datapath forwarded, so that their replies
 * leave with the WAN address even after the rule changed holder, was changed
 * or deleted: a LAN address must never reach the WAN.
 */
struct pt_flow_key {
	__u32 peer;	  /* WAN-side address, network order */
	__u16 peer_port;  /* network order */
	__u16 port;	  /* the open port, network order */
	__u32 proto_idx;  /* 0 TCP, 1 UDP */
};

struct pt_flow {
	__u32 host;	/* LAN host the flow was forwarded to, network order */
	__u32 rule;	/* rule id it was forwarded by */
};

/* pt_config[0]: per-interface settings written by `ptctl load`. */
struct pt_config {
	__u32 wan_addr;	/* network order */
	__u32 mark;	/* set on rewritten inbound packets ... */
	__u32 mark_mask; /* ... within these bits */
	__u32 flags;	/* enum pt_cfg_flags */
	__u32 ifindex;
	__u32 pad;
};

/* pt_rule_stats[id], per CPU: what a rule did. */
struct pt_rule_stats {
	__u64 pkts_in;	/* inbound packets forwarded to the holder */
	__u64 bytes_in;
	__u64 pkts_out;	/* holder replies rewritten to the WAN address */
	__u64 bytes_out;
	__u64 triggers;	/* trigger packets for the rule, from any host */
	__u64 activations; /* times a host took the rule */
	__u64 conflicts; /* triggers refused because another host holds it */
};

/* pt_stats[0], per CPU: what the datapath saw. */
struct pt_stats {
	__u64 xdp_seen;
	__u64 xdp_rewritten;
	__u64 xdp_passed;	/* not ours: left untouched */
	__u64 xdp_parse_fail;	/* not parseable IPv4 TCP/UDP, or a fragment */
	__u64 xdp_closed;	/* open port of an idle/disabled rule */
	__u64 tc_seen;
	__u64 tc_snat;		/* holder replies rewritten */
	__u64 tc_trigger;	/* trigger packets that touched a rule */
	__u64 tc_parse_fail;
	__u64 tc_no_host;	/* trigger from the router itself, or no conntrack */
	__u64 ev_limited;	/* events not sent: over the rate limit */
	__u64 ev_lost;		/* events not sent: ring buffer full */
};

/* pt_events (ring buffer): what happened to rules, for `ptctl monitor`. */
enum pt_event_type {
	PT_EV_ACTIVATED = 1, /* holder took the rule (other: previous live holder) */
	PT_EV_CONFLICT,	     /* other triggered, holder keeps the rule */
	PT_EV_EXPIRED,	     /* idle for the rule's timeout */
	PT_EV_RELEASED,	     /* closed by ptctl (release, disable, delete, change) */
};

struct pt_event {
	__u64 ts_ns;	/* CLOCK_MONOTONIC */
	__u32 type;	/* enum pt_event_type */
	__u32 rule;	/* rule id */
	__u32 gen;	/* rule generation, to tell a reused id apart */
	__u32 holder;	/* network order */
	__u32 other;	/* network order, 0 if none */
	__u32 pad;
};

#define PT_EVENTS_SIZE (256 * 1024)
/* Per CPU, at most PT_EV_BURST events every PT_EV_WINDOW_NS: a flood cannot drown the ring. */
#define PT_EV_BURST 64
#define PT_EV_WINDOW_NS 100000000ull

/* Per-CPU rate limit state of events (pt_ev_budget[0]). */
struct pt_ev_budget {
	__u64 window_ns;
	__u64 sent;
};

/* Context of the pt_release program, run by ptctl with BPF_PROG_RUN. */
struct pt_release_args {
	__u32 rule;
};

/*
 * XDP metadata on a rewritten packet, for the TC ingress program: the mark,
 * and what it needs to redo the L4 checksum update at skb level, where the
 * kernel's checksum state (CHECKSUM_PARTIAL on veth, COMPLETE on some NICs)
 * is known. XDP cannot see that state.
 */
struct pt_meta {
	__u32 magic;
	__u32 mark;
	__u32 mask;
	__u32 from;	  /* destination before the rewrite (WAN address) */
	__u32 to;	  /* destination after it (holder) */
	__u16 l4_csum;	  /* L4 checksum before the rewrite */
	__u16 l4_csum_off; /* its offset from the start of the frame */
	__u32 is_udp;
};
#define PT_META_MAGIC 0x70746d6bu /* "ptmk" */

static inline __u32 pt_port_key(__u32 proto_idx, __u32 port)
{
	return proto_idx * 65536 + port;
}

#endif /* PTCTL_H */
