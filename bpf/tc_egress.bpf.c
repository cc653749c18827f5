// SPDX-License-Identifier: GPL-2.0
/*
 * TC egress on the WAN interface, after the kernel routed, tracked and
 * masqueraded the packet:
 *  - a reply on an inbound flow the datapath forwarded leaves with the WAN
 *    address (conntrack saw it as the reply of an inbound flow: no NAT);
 *  - a packet to a trigger port activates or refreshes the rules it
 *    triggers, for the LAN host that sent it (recovered from conntrack when
 *    the router masqueraded it).
 */
#include "common.h"
#include "parse.h"
#include "state.h"

/* The size the conntrack kfuncs accept on every kernel since 6.0. */
#define PT_CT_OPTS_SZ 12

extern struct nf_conn *bpf_skb_ct_lookup(struct __sk_buff *skb, struct bpf_sock_tuple *tuple,
					 __u32 tuple_sz, struct bpf_ct_opts *opts,
					 __u32 opts_sz) __ksym;
extern void bpf_ct_release(struct nf_conn *ct) __ksym;

/* The most header bytes the program reads: Ethernet, IPv4 with options, TCP. */
#define PT_HDR_MAX (sizeof(struct ethhdr) + 60 + L4_MIN_TCP)

/*
 * skb->data and ->data_end, loaded at a constant offset from the context:
 * clang otherwise shares the field address between the two parses, and the
 * verifier refuses a context access through a modified pointer.
 */
#define PT_SKB_LOAD(skb, field)                                             \
	({                                                                  \
		void *_v;                                                   \
		asm volatile("%0 = *(u32 *)(%1 + %2)"                       \
			     : "=r"(_v)                                     \
			     : "r"(skb), "i"(offsetof(struct __sk_buff, field))); \
		_v;                                                         \
	})

/* Headers in the linear area, where direct packet access can read them. */
static __always_inline void pt_pull_headers(struct __sk_buff *skb)
{
	__u32 len = skb->len;
	__u32 linear = PT_SKB_LOAD(skb, data_end) - PT_SKB_LOAD(skb, data);

	if (linear < PT_HDR_MAX && len > linear)
		bpf_skb_pull_data(skb, len < PT_HDR_MAX ? len : PT_HDR_MAX);
}

static __always_inline enum pt_parse_result pt_parse_skb(struct __sk_buff *skb,
							 struct pt_pkt *p)
{
	void *data = PT_SKB_LOAD(skb, data), *data_end = PT_SKB_LOAD(skb, data_end);
	__u32 len = skb->len;

	return pt_parse(data, data_end, len, p);
}

/* Rewrite the source address, letting the helpers keep CHECKSUM_PARTIAL skbs right. */
static __always_inline void pt_snat(struct __sk_buff *skb, const struct pt_pkt *p,
				    __be32 from, __be32 to)
{
	__u32 l4_csum_off = p->l4_off + (p->proto_idx ? offsetof(struct udphdr, check)
						     : offsetof(struct tcphdr, check));
	__u64 l4_flags = BPF_F_PSEUDO_HDR | sizeof(to) | (p->proto_idx ? BPF_F_MARK_MANGLED_0 : 0);
	__u32 ip_off = sizeof(struct ethhdr);

	bpf_l4_csum_replace(skb, l4_csum_off, from, to, l4_flags);
	bpf_l3_csum_replace(skb, ip_off + offsetof(struct iphdr, check), from, to, sizeof(to));
	bpf_skb_store_bytes(skb, ip_off + offsetof(struct iphdr, saddr), &to, sizeof(to), 0);
}

/* Was this packet's flow forwarded inbound to its source? */
static __always_inline bool pt_forwarded_flow(const struct pt_pkt *p)
{
	struct pt_flow_key key = {
		.peer = p->ip->daddr, .peer_port = p->ports[1], .port = p->ports[0],
		.proto_idx = p->proto_idx,
	};
	struct pt_flow *f = bpf_map_lookup_elem(&pt_flows, &key);

	return f && f->host == p->ip->saddr;
}

/*
 * A reply from a LAN host on a flow the datapath forwarded to it, or from the
 * holder of the open port it leaves from: give it the WAN address. Rewritten
 * even once the rule closed, changed holder or went away: a LAN address must
 * never leak to the WAN. Only the live holder's replies count as activity.
 */
static __always_inline bool pt_reply(struct __sk_buff *skb, const struct pt_pkt *p,
				     const struct pt_config *cfg, struct pt_stats *st)
{
	__be32 src = p->ip->saddr;
	int rid = pt_open_owner(p->proto_idx, p->ports[0]);
	struct pt_rule *r = rid >= 0 ? pt_rule_get(rid) : NULL;
	struct pt_active *a = r ? pt_holder(rid, r) : NULL;
	struct pt_rule_stats *rs;
	bool holder = a && a->holder == src;
	__u64 now;

	if (!holder && !pt_forwarded_flow(p))
		return false;
	now = pt_now();
	if (holder && pt_live(rid, r, now) && (rs = pt_rule_stats_get(rid))) {
		pt_touch(a, now);
		rs->pkts_out++;
		rs->bytes_out += p->ip_len;
	}
	pt_snat(skb, p, src, cfg->wan_addr);
	st->tc_snat++;
	return true;
}

/*
 * The LAN host behind a packet leaving the WAN interface, or 0 for the
 * router's own traffic. Masqueraded packets carry the WAN address: their
 * conntrack entry's reply tuple is the packet's tuple reversed, and its
 * original source is the host.
 */
static __always_inline __be32 pt_lan_host(struct __sk_buff *skb, const struct pt_pkt *p,
					  __be32 wan, __be32 src, __be16 sport)
{
	struct bpf_sock_tuple t = {};
	struct bpf_ct_opts opts = { .netns_id = -1, .l4proto = p->ip->protocol };
	struct nf_conn *ct;
	__be32 host;

	if (src != wan)
		return src;
	t.ipv4.saddr = p->ip->daddr;
	t.ipv4.daddr = src;
	t.ipv4.sport = p->ports[1];
	t.ipv4.dport = sport;
	ct = bpf_skb_ct_lookup(skb, &t, sizeof(t.ipv4), &opts, PT_CT_OPTS_SZ);
	if (!ct)
		return 0;
	host = ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.src.u3.ip;
	bpf_ct_release(ct);
	return host == wan ? 0 : host;
}

static __always_inline void pt_trigger(struct __sk_buff *skb, const struct pt_pkt *p,
				       const struct pt_config *cfg, struct pt_stats *st,
				       __be32 src, __be16 sport)
{
	__u32 key = pt_port_key(p->proto_idx, bpf_ntohs(p->ports[1]));
	struct pt_trig_slot *slot = bpf_map_lookup_elem(&pt_trig_idx, &key);
	struct pt_rule *r;
	__be32 host;
	__u32 i, rid;
	__u64 now;

	if (!slot || !slot->rule[0])
		return;
	host = pt_lan_host(skb, p, cfg->wan_addr, src, sport);
	if (!host) {
		st->tc_no_host++;
		return;
	}
	st->tc_trigger++;
	now = pt_now();
	for (i = 0; i < PT_TRIG_SLOTS && slot->rule[i]; i++) {
		rid = slot->rule[i] - 1;
		r = pt_rule_get(rid);
		if (r && (r->flags & PT_RULE_ENABLED) && pt_allowed(r, host))
			pt_claim(rid, r, host, now);
	}
}

SEC("tc")
int pt_tc_out(struct __sk_buff *skb)
{
	struct pt_stats *st = pt_lookup0(&pt_stats);
	struct pt_config *cfg = pt_lookup0(&pt_config);
	struct pt_pkt p;
	__be32 src;
	__be16 sport;

	if (!st || !cfg)
		return TC_ACT_OK;
	st->tc_seen++;
	pt_pull_headers(skb);
	switch (pt_parse_skb(skb, &p)) {
	case PT_PARSE_OK:
		break;
	case PT_PARSE_BAD:
		st->tc_parse_fail++;
		return TC_ACT_OK;
	default:
		return TC_ACT_OK;
	}
	src = p.ip->saddr;
	sport = p.ports[0];
	/* A rewrite moves the packet: read it again for the trigger check. */
	if (src != cfg->wan_addr && pt_reply(skb, &p, cfg, st) && pt_parse_skb(skb, &p))
		return TC_ACT_OK;
	pt_trigger(skb, &p, cfg, st, src, sport);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
