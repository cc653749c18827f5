/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Triggered flows belong to the kernel. For a new inbound flow XDP creates
 * a conntrack entry with the DNAT to the holder (IPv4; an IPv6 holder's
 * address is routable, its flows need no NAT); from then on the kernel
 * translates both directions, ICMP errors included, and times the flow out,
 * exactly as for an `nft dnat` rule. The entry carries ptctl's mark: the
 * operator's firewall admits the flow by it, and the datapath tells its own
 * flows from the router's other connections by it.
 */
#ifndef PT_CONNTRACK_H
#define PT_CONNTRACK_H

#include "parse.h"

/* The size the conntrack kfuncs accept on every kernel since 6.0. */
#define PT_CT_OPTS_SZ 12
/* A new entry's timeout until the kernel's state machine sees its first packet. */
#define PT_CT_NEW_TIMEOUT_MS 30000

extern struct nf_conn *bpf_xdp_ct_lookup(struct xdp_md *ctx, struct bpf_sock_tuple *tuple,
					 __u32 tuple_sz, struct bpf_ct_opts *opts,
					 __u32 opts_sz) __ksym;
extern struct nf_conn *bpf_skb_ct_lookup(struct __sk_buff *skb, struct bpf_sock_tuple *tuple,
					 __u32 tuple_sz, struct bpf_ct_opts *opts,
					 __u32 opts_sz) __ksym;
extern struct nf_conn___init *bpf_xdp_ct_alloc(struct xdp_md *ctx, struct bpf_sock_tuple *tuple,
					       __u32 tuple_sz, struct bpf_ct_opts *opts,
					       __u32 opts_sz) __ksym;
extern struct nf_conn *bpf_ct_insert_entry(struct nf_conn___init *ct) __ksym;
extern void bpf_ct_release(struct nf_conn *ct) __ksym;
extern void bpf_ct_set_timeout(struct nf_conn___init *ct, __u32 timeout_ms) __ksym;
extern int bpf_ct_change_timeout(struct nf_conn *ct, __u32 timeout_ms) __ksym;
extern int bpf_ct_set_nat_info(struct nf_conn___init *ct, union nf_inet_addr *addr, int port,
			       enum nf_nat_manip_type manip) __ksym;

/* The packet's tuple, or reversed: the tuple a reply to it would carry. */
static __always_inline void pt_tuple(const struct pt_pkt *p, bool reversed,
				     struct bpf_sock_tuple *t)
{
	union pt_addr s = pt_pkt_addr(p, reversed), d = pt_pkt_addr(p, !reversed);
	__be16 sport = p->ports[reversed], dport = p->ports[!reversed];

	if (p->family == PT_IPV4) {
		t->ipv4.saddr = s.ip4;
		t->ipv4.daddr = d.ip4;
		t->ipv4.sport = sport;
		t->ipv4.dport = dport;
	} else {
		__builtin_memcpy(t->ipv6.saddr, &s, sizeof(s));
		__builtin_memcpy(t->ipv6.daddr, &d, sizeof(d));
		t->ipv6.sport = sport;
		t->ipv6.dport = dport;
	}
}

static __always_inline __u32 pt_tuple_size(const struct pt_pkt *p)
{
	struct bpf_sock_tuple t;

	return p->family == PT_IPV4 ? sizeof(t.ipv4) : sizeof(t.ipv6);
}

/*
 * The conntrack entry of p's tuple t (any direction, opts->dir says which),
 * with a reference to release; NULL if the kernel tracks no such flow.
 */
/* clang-format cannot lay out _Generic: */
/* clang-format off */
#define pt_ct_lookup(ctx, p, t, opts)                                                \
	_Generic((ctx), struct xdp_md * : bpf_xdp_ct_lookup, default : bpf_skb_ct_lookup)( \
		(ctx), (t), pt_tuple_size(p), (opts), PT_CT_OPTS_SZ)
/* clang-format on */

static __always_inline struct bpf_ct_opts pt_ct_opts(const struct pt_pkt *p)
{
	return (struct bpf_ct_opts){ .netns_id = -1, .l4proto = p->l4proto };
}

/* An address of ct's tuples, of the packet's family. */
static __always_inline union pt_addr pt_ct_addr(const union nf_inet_addr *u3, enum pt_family family)
{
	union pt_addr a = { .words = { 0, 0 } };

	if (family == PT_IPV4)
		a.ip4 = u3->ip;
	else
		__builtin_memcpy(&a, u3->ip6, sizeof(a));
	return a;
}

/*
 * Is ct a triggered flow, one ptctl made: with ptctl's mark, and IPv4 ones
 * DNATed.
 */
static __always_inline bool pt_ct_ours(const struct nf_conn *ct, const struct pt_config *cfg,
				       enum pt_family family)
{
	return (ct->mark & cfg->mark_mask) == cfg->mark &&
	       (family == PT_IPV6 || (ct->status & IPS_DST_NAT));
}

/*
 * The holder of ct if it is a triggered flow found by its inbound (original)
 * tuple (the reply's source: after the DNAT for IPv4), else none: a
 * connection of the router, of a LAN host, or of a static port forward.
 */
static __always_inline union pt_addr
pt_ct_holder(const struct nf_conn *ct, __u8 dir, const struct pt_config *cfg, enum pt_family family)
{
	if (dir != IP_CT_DIR_ORIGINAL || !pt_ct_ours(ct, cfg, family))
		return pt_addr4(0);
	return pt_ct_addr(&ct->tuplehash[IP_CT_DIR_REPLY].tuple.src.u3, family);
}

/*
 * Is ct's NAT one the fast path redoes: IPv4 the destination address alone,
 * IPv6 none (a pinhole); ports and source as they came. Not so when the
 * kernel moved a port to keep a tuple unique, or a rule of the router's
 * also rewrites an address.
 */
static __always_inline bool pt_ct_nat_redoable(const struct nf_conn *ct, enum pt_family family)
{
	const struct nf_conntrack_tuple *o = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	const struct nf_conntrack_tuple *r = &ct->tuplehash[IP_CT_DIR_REPLY].tuple;

	return pt_addr_eq(pt_ct_addr(&r->dst.u3, family), pt_ct_addr(&o->src.u3, family)) &&
	       (family == PT_IPV4 ||
		pt_addr_eq(pt_ct_addr(&r->src.u3, family), pt_ct_addr(&o->dst.u3, family))) &&
	       r->dst.u.all == o->src.u.all && r->src.u.all == o->dst.u.all;
}

/*
 * Does conntrack track ct's TCP connection liberally: the namespace's
 * nf_conntrack_tcp_be_liberal, set by the operator. Only then may segments
 * bypass it: with windows it did not see move, conntrack would call the
 * connection's FIN or RST `ct state invalid`, and BPF cannot mark one entry
 * liberal (only its mark is writable).
 */
static __always_inline bool pt_ct_tcp_liberal(const struct nf_conn *ct)
{
	return ct->ct_net.net->ct.nf_ct_proto.tcp.tcp_be_liberal;
}

/*
 * Hands a triggered flow back to the kernel as if no rule had ever opened
 * it: the entry expires now, the kernel tracks the flow's next packet
 * afresh and handles it as any packet to a closed port.
 */
static __always_inline void pt_ct_end(struct nf_conn *ct)
{
	bpf_ct_change_timeout(ct, 0);
}

/*
 * A conntrack entry for the new inbound flow t of p: ptctl's mark, and for
 * IPv4 the DNAT to host.
 */
static __always_inline bool pt_ct_create(struct xdp_md *ctx, const struct pt_pkt *p,
					 struct bpf_sock_tuple *t, struct bpf_ct_opts *opts,
					 union pt_addr host, const struct pt_config *cfg)
{
	union nf_inet_addr to = { .ip = host.ip4 };
	struct nf_conn___init *init;
	struct nf_conn *ct;
	bool ok = true;

	init = bpf_xdp_ct_alloc(ctx, t, pt_tuple_size(p), opts, PT_CT_OPTS_SZ);
	if (!init)
		return false;
	/* Port 0: the ports stay as they are (the kernel's choice only on a clash). */
	if (p->family == PT_IPV4)
		ok = !bpf_ct_set_nat_info(init, &to, 0, NF_NAT_MANIP_DST);
	/* Without its NAT, inserting it is the only way to free it: expired, not ours. */
	init->ct.mark = ok ? cfg->mark : 0;
	bpf_ct_set_timeout(init, ok ? PT_CT_NEW_TIMEOUT_MS : 0);
	ct = bpf_ct_insert_entry(init);
	if (ct)
		bpf_ct_release(ct);
	return ct && ok;
}

#endif /* PT_CONNTRACK_H */
