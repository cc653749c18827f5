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
#include <stdbool.h>
#include <linux/bpf.h> /* struct bpf_timer, for the user side */
#endif

#define PT_MAX_RULES   1024	   /* rules per interface */
#define PT_MAX_OPEN    16	   /* open entries per rule */
#define PT_MAX_ALLOW   8	   /* allowed LAN prefixes per rule */
#define PT_TRIG_SLOTS  8	   /* rules sharing one trigger port */
#define PT_NAME_LEN    32	   /* rule name, NUL included */
#define PT_PORT_KEYS   (2 * 65536) /* index key: proto_idx * 65536 + port */
#define PT_MAX_LAN     4	   /* --fastpath interfaces */
#define PT_MAX_FLOWS   65536	   /* flows the datapath remembers the way of */
#define PT_MAX_MACS    4096	   /* LAN hosts whose bridge port it remembers */
#define PT_MAX_PEERS   8	   /* WAN peers a --peer contacted rule remembers */
#define PT_MAX_READERS 4	   /* ptctl monitors reading the events at once */

#define PT_VERSION "0.5.0"
/* The layout of the pinned maps: bumped whenever one of them changes. */
#define PT_ABI	     5
#define PT_ABI_MAGIC (0x70740000u | PT_ABI) /* "pt" and the ABI, in pt_config.abi */

#define PT_TIMEOUT_DEFAULT 600
#define PT_TIMEOUT_MAX	   (30 * 86400) /* a month: anything longer is a typo */

/* Default conntrack mark of triggered flows: "pt" in the high half. */
#define PT_MARK_DEFAULT 0x70740000u
#define PT_MASK_DEFAULT 0xffff0000u

#define PT_NSEC_PER_SEC 1000000000ull
/*
 * The datapath stamps a holder's activity at most every PT_REFRESH_NS (a
 * shared cache line written once, not per packet) with a clock that lags
 * real time by up to a tick. A rule expires once idle for its timeout plus
 * PT_EXPIRY_SLACK_NS, which covers both: never before the timeout has
 * passed since its last packet.
 */
#define PT_REFRESH_NS	   (PT_NSEC_PER_SEC / 64)
#define PT_EXPIRY_SLACK_NS (2 * PT_REFRESH_NS)

/*
 * The maps are meant to be read with `bpftool map dump` too: addresses are
 * their bytes (shown as numbers), ports host order, and what a field can be
 * is an enum (shown by name), one byte where it sits in a key or beside
 * bytes.
 */
#define PT_ENUM8 __attribute__((packed))

/*
 * An IPv4 address in a map: network order, as its bytes. Aligned, so that
 * pt_ip4() and pt_ip4_set() are one load or store.
 */
#define PT_IP4(name) __u8 name[4] __attribute__((aligned(4)))

typedef __be32 __attribute__((may_alias)) pt_ip4_word;

static inline __be32 pt_ip4(const __u8 *a)
{
	return *(const pt_ip4_word *)a;
}

static inline void pt_ip4_set(__u8 *a, __be32 v)
{
	*(pt_ip4_word *)a = v;
}

/* The address families of holders: the index of a rule's holder of each. */
enum PT_ENUM8 pt_family {
	PT_IPV4,
	PT_IPV6,
};

#define PT_FAMILIES 2

/*
 * An address of either family in a map (a holder, an --allow prefix, a
 * peer): IPv4 in its first four bytes and the rest zero, as the kernel's
 * nf_inet_addr has it; all zero is none. Read and written as union pt_addr.
 */
#define PT_ADDR(name) __u8 name[16] __attribute__((aligned(8)))

union __attribute__((may_alias)) pt_addr {
	__u64 words[2]; /* first: `= {}` zeroes all 16 bytes */
	__be32 ip4;
	__u8 bytes[16];
};

static inline union pt_addr pt_addr(const __u8 *a)
{
	return *(const union pt_addr *)a;
}

static inline void pt_addr_set(__u8 *a, union pt_addr v)
{
	*(union pt_addr *)a = v;
}

static inline union pt_addr pt_addr4(__be32 ip4)
{
	union pt_addr a = { .words = { 0, 0 } };

	a.ip4 = ip4;
	return a;
}

static inline bool pt_addr_eq(union pt_addr a, union pt_addr b)
{
	return a.words[0] == b.words[0] && a.words[1] == b.words[1];
}

static inline bool pt_addr_none(union pt_addr a)
{
	return !(a.words[0] | a.words[1]);
}

/* Is a within the prefix addr/mask (addr already masked)? */
static inline bool pt_addr_in(union pt_addr a, union pt_addr addr, union pt_addr mask)
{
	return (a.words[0] & mask.words[0]) == addr.words[0] &&
	       (a.words[1] & mask.words[1]) == addr.words[1];
}

/* Protocols of a port range (bits), of a flow (one); proto_idx 0 = TCP, 1 = UDP in the indexes. */
enum PT_ENUM8 pt_proto {
	PT_TCP = 1,
	PT_UDP = 2,
	PT_BOTH = PT_TCP | PT_UDP,
};

static inline enum pt_proto pt_proto_of_idx(__u32 proto_idx)
{
	return proto_idx ? PT_UDP : PT_TCP;
}

/* Who keeps a held rule when another LAN host triggers it. */
enum PT_ENUM8 pt_policy {
	PT_POLICY_HOLD,	  /* its holder, until idle */
	PT_POLICY_NEWEST, /* the newest host takes it over */
};

/* Whom a held rule admits inbound. */
enum PT_ENUM8 pt_peer {
	PT_PEER_ANY,	   /* any WAN host */
	PT_PEER_CONTACTED, /* the WAN hosts its holder sent trigger traffic to (pt_peers) */
};

struct pt_range {
	__u16 lo; /* host order, inclusive */
	__u16 hi;
	enum pt_proto proto;
	__u8 pad[3];
};

/* An --allow prefix: LAN hosts of its family within it may trigger. */
struct pt_prefix {
	PT_ADDR(addr); /* already masked */
	PT_ADDR(mask);
	enum pt_family family;
	__u8 len; /* prefix length, as written */
	__u8 pad[6];
};

/*
 * A rule's holder of one address family, written by the datapath. It holds
 * the rule while it was taken under the rule's current definition (gen),
 * the rule is enabled and not idle for its timeout (pt_held). A rule's
 * IPv4 and IPv6 holders come and go independently.
 */
struct pt_holder {
	PT_ADDR(addr);	  /* the LAN host; none: none since the rule's definition or release */
	__u32 gen;	  /* pt_rule.gen it was taken under */
	__u8 expiry_told; /* its expiry was reported (one timer serves both holders) */
	__u8 pad[3];
	__u64 last_ns;	   /* last activity, CLOCK_MONOTONIC ns */
	__u64 since_ns;	   /* when it took the rule */
	__u64 conflict_ns; /* last conflict event: at most one a second */
	__u64 refused_ns;  /* last refusal event (--allow): at most one a second */
};

/*
 * pt_rules[id] (hash: defined rules only); id is stable while the rule
 * exists. ptctl writes the definition, with holders zero: a (re)definition
 * frees the rule. The packets of a triggered flow look up this entry only.
 */
struct pt_rule {
	char name[PT_NAME_LEN];
	__u32 gen; /* unique per interface, new at every (re)definition (pt_config.last_gen) */
	__u32 timeout_s; /* inactivity timeout */
	__u8 enabled;	 /* 1: triggers and forwards */
	enum pt_policy policy;
	enum pt_peer peer;
	__u8 pad;
	struct bpf_spin_lock lock;	      /* held by a trigger while it changes a holder */
	struct pt_holder holder[PT_FAMILIES]; /* [PT_IPV4], [PT_IPV6] */
	struct bpf_timer expiry;	      /* fires when a holder may have expired */
	__u32 n_open;
	__u32 n_allow; /* 0: any LAN host may trigger */
	struct pt_range trigger;
	struct pt_range open[PT_MAX_OPEN];
	struct pt_prefix allow[PT_MAX_ALLOW];
};

/*
 * pt_peers[pt_peers_key(id, family)], of a --peer contacted rule: the WAN
 * addresses its holder of that family sent trigger traffic to in the tenure
 * since_ns (pt_holder.since_ns; any other tenure's set is empty), the least
 * recently contacted replaced first.
 */
struct pt_peers {
	__u64 since_ns;
	PT_ADDR(addr[PT_MAX_PEERS]); /* none: free */
	__u64 seen_ns[PT_MAX_PEERS]; /* last trigger packet to it */
};

static inline __u32 pt_peers_key(__u32 rid, enum pt_family family)
{
	return rid * PT_FAMILIES + family;
}

/* pt_trig_idx[proto_idx * 65536 + port]: rules triggered by that port. */
struct pt_trig_slot {
	__u16 rule[PT_TRIG_SLOTS]; /* rule id + 1; 0 = empty */
};

/* pt_open_idx[proto_idx * 65536 + port]: rule id + 1 owning the port, 0 = none. */

/*
 * pt_config[0]: per-interface settings written by `ptctl load`. Its first
 * two fields stay where they are in every ABI: they tell which ptctl made
 * the pins.
 */
enum pt_xdp_mode {
	PT_XDP_NATIVE,	/* in the driver */
	PT_XDP_GENERIC, /* on skbs */
};

struct pt_config {
	__u32 abi;	  /* PT_ABI_MAGIC */
	char made_by[12]; /* version of the ptctl that loaded it */
	PT_IP4(wan_addr); /* --wan-addr; 0.0.0.0: the interface's own addresses */
	__u32 mark;	  /* conntrack mark of triggered flows ... */
	__u32 mark_mask;  /* ... within these bits */
	enum pt_xdp_mode xdp_mode;
	__u32 ifindex;	       /* of the interface when it was loaded */
	__u32 lan[PT_MAX_LAN]; /* --fastpath interfaces (ifindex); none: no fast path */
	__u32 last_gen;	       /* the last rule generation handed out */
};

/* Is the fast path on (--fastpath)? */
static inline bool pt_fastpath_on(const struct pt_config *cfg)
{
	return cfg->lan[0] != 0;
}

/* pt_lan[ifindex]: an interface of the fast path's LAN side, or a port of one. */
struct pt_lan {
	__u32 l3_ifindex; /* where its routes and addresses are: itself, or its bridge */
	__u32 bridge;	  /* 1: a bridge, whose hosts' ports pt_macs tells */
};

/* pt_macs (LRU): the bridge port a LAN host's MAC was last seen sending on. */
struct pt_mac_key {
	__u8 addr[6];
	__u16 pad;
};

struct pt_mac {
	__u32 port; /* ifindex */
	__u32 pad;
	__u64 seen_ns;
};

/*
 * pt_flows (LRU): how a triggered flow is forwarded, an entry a direction,
 * keyed by its packets' tuple, of either family. A hint only: valid for the
 * holder's tenure it was found in, and checked against conntrack again at
 * least every PT_FLOW_CHECK_NS; evicted or stale, the datapath looks
 * conntrack up.
 */
struct pt_flow_key {
	PT_ADDR(saddr);
	PT_ADDR(daddr);
	__u16 sport; /* host order */
	__u16 dport;
	enum pt_proto proto;   /* PT_TCP or PT_UDP */
	enum pt_family family; /* an IPv4 address is an IPv6 one's bytes too */
	__u8 pad[2];
};

/* Where the fast path sends a flow's packets, as the kernel's routes said at the last check. */
struct pt_hop {
	__u32 ifindex; /* 0: not looked up since the flow's last check */
	__u16 mtu;
	__u8 dmac[6];
	__u8 smac[6];
	__u16 pad;
};

/* Which way a flow's packets go, as conntrack said at the flow's last check. */
enum pt_flow_path {
	PT_PATH_KERNEL, /* the kernel's until the next check: TCP not tracked liberally or
			     * closing, or a NAT the fast path cannot redo */
	PT_PATH_UNANSWERED, /* not answered (UDP) or not established (TCP) yet: the kernel's until then */
	PT_PATH_FAST,	    /* the fast path may take it */
};

struct pt_flow {
	PT_ADDR(to); /* the address it gets: inbound the holder, outbound the WAN address (IPv6:
		      * the holder's, unchanged both ways) */
	PT_ADDR(holder);
	__u64 since_ns;	  /* the holder's tenure (pt_holder.since_ns) */
	__u64 checked_ns; /* when conntrack last said so */
	__u32 rule;
	enum pt_flow_path path;
	struct pt_hop hop;
};

/* pt_rule_stats[id], per CPU: what a rule did. */
struct pt_rule_stats {
	__u64 pkts_in; /* inbound packets forwarded to the holder */
	__u64 bytes_in;
	__u64 pkts_out; /* holder replies rewritten to the WAN address */
	__u64 bytes_out;
	__u64 triggers;	   /* trigger packets for the rule, from any host */
	__u64 activations; /* times a host took the rule */
	__u64 conflicts;   /* triggers refused because another host holds it */
};

/* pt_stats[0], per CPU: what the datapath saw. */
struct pt_stats {
	__u64 xdp_seen;
	__u64 xdp_forwarded;  /* packets of triggered flows, handed to the kernel's NAT */
	__u64 xdp_new_flows;  /* conntrack entries created for them */
	__u64 xdp_passed;     /* not for an open port of a WAN address: untouched */
	__u64 xdp_tracked;    /* a connection the router already tracks: untouched */
	__u64 xdp_closed;     /* open port of an idle rule, or a flow of a former holder */
	__u64 xdp_bad_holder; /* holder not a LAN host: not forwarded */
	__u64 xdp_bad_peer;   /* source not reached through the WAN: not forwarded */
	__u64 xdp_ct_full;    /* conntrack took no new entry (full, a tuple clash): not forwarded */
	__u64 xdp_not_contacted; /* new flow from a peer a --peer contacted rule's holder did not contact */
	__u64 xdp_parse_fail; /* malformed IPv4 TCP/UDP (truncated, lying headers) */
	__u64 xdp_fast;	      /* inbound packets forwarded in XDP (fast path), both families */
	__u64 lan_seen;	      /* packets seen on the fast path's LAN side */
	__u64 lan_fast;	      /* holders' packets forwarded in XDP to the WAN */
	__u64 tc_seen;
	__u64 tc_trigger; /* trigger packets of LAN hosts that touched a rule */
	__u64 tc_refused; /* trigger-port packets refused: not LAN-initiated */
	__u64 tc_replies; /* holders' packets on triggered flows */
	__u64 tc_stale;	  /* dropped: a triggered flow of a former WAN address */
	__u64 tc_parse_fail;
	__u64 ev_limited; /* events not sent: over the rate limit */
	__u64 ev_lost;	  /* events not sent: ring buffer full */
};

/*
 * What happened to rules, for `ptctl monitor`: each running monitor has a
 * ring buffer of its own in pt_readers (a ring buffer has one reader), and
 * the datapath writes every event to each.
 */
enum pt_event_type {
	PT_EV_ACTIVATED = 1, /* holder took the rule (other: previous live holder) */
	PT_EV_CONFLICT,	     /* other triggered, holder keeps the rule */
	PT_EV_EXPIRED,	     /* idle for the rule's timeout */
	PT_EV_RELEASED,	     /* closed by ptctl (release, disable, delete, change) */
	PT_EV_REFUSED,	     /* a trigger refused (reason; other: its source) */
};

/* Why a trigger was refused. */
enum PT_ENUM8 pt_refusal {
	PT_REFUSED_NONE,
	PT_REFUSED_NOT_ALLOWED, /* its LAN host is not in the rule's --allow */
	PT_REFUSED_NOT_LAN,	/* not of a flow a LAN host initiated */
};

struct pt_event {
	__u64 ts_ns; /* CLOCK_MONOTONIC */
	enum pt_event_type type;
	__u32 rule;	       /* rule id */
	__u32 gen;	       /* rule generation, to tell a reused id apart */
	__u16 port;	       /* the trigger packet's destination port */
	enum pt_proto proto;   /* of the trigger packet; 0: no packet */
	enum pt_family family; /* of every address here */
	PT_ADDR(holder);
	PT_ADDR(other);		/* none if none */
	PT_ADDR(peer);		/* the WAN host the trigger packet went to */
	enum pt_refusal reason; /* PT_EV_REFUSED */
	__u8 pad[7];
};

#define PT_EVENTS_SIZE (256 * 1024)
/* Per CPU, at most PT_EV_BURST events every PT_EV_WINDOW_NS: a flood cannot drown the ring. */
#define PT_EV_BURST	64
#define PT_EV_WINDOW_NS 100000000ull

/* Per-CPU rate limit state of events (pt_ev_budget[0]). */
struct pt_ev_budget {
	__u64 window_ns;
	__u64 sent;
	__u64 refused_ns; /* last refusal event of no rule's (not LAN-initiated): one a second */
};

/* Context of the pt_release program, run by ptctl with BPF_PROG_RUN. */
struct pt_release_args {
	__u32 rule;
};

static inline __u32 pt_port_key(__u32 proto_idx, __u32 port)
{
	return proto_idx * 65536 + port;
}

/*
 * Has a holder whose last activity was stamped at last_ns (CLOCK_MONOTONIC)
 * been idle for its timeout at now? Signed: a stamp made on another CPU may
 * read a little ahead of now, which is no idle time at all.
 */
static inline bool pt_idle_expired(__u64 now, __u64 last_ns, __u32 timeout_s)
{
	return (__s64)(now - last_ns) >= (__s64)(timeout_s * PT_NSEC_PER_SEC + PT_EXPIRY_SLACK_NS);
}

/*
 * Does h, rule r's holder of a family, hold r at now, enabled or not: it
 * took r under its current definition and was not idle for its timeout
 * since? It holds it live if r is enabled too.
 */
static inline bool pt_held(const struct pt_rule *r, const struct pt_holder *h, __u64 now)
{
	return h->gen == r->gen && !pt_idle_expired(now, h->last_ns, r->timeout_s);
}

#endif /* PTCTL_H */
