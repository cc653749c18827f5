/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fast path (load --fastpath): a packet of a flow the kernel accepted
 * is forwarded in XDP, as the kernel would: IPv4 with one address rewritten
 * (DNAT in, SNAT out), TTL one less, checksums updated (RFC 1624); IPv6 (a
 * pinhole, no NAT) with its hop limit one less, nothing else changed (the
 * hop limit is in no checksum). Out of the interface and to the neighbour
 * the kernel's routes give (bpf_fib_lookup, once per flow check), to a
 * bridge's port where the holder was last seen. Anything it cannot do as
 * the kernel would goes to the kernel: IP options or IPv6 extension
 * headers, TTL or hop limit 1, a frame too big for the way out, no
 * neighbour yet, no route, no known port.
 */
#ifndef PT_FASTPATH_H
#define PT_FASTPATH_H

#include "csum.h"
#include "maps.h"
#include "parse.h"
#include "route.h"

/* A bridge port learned longer ago than this is not trusted: the kernel's bridge ages its own at 300 s. */
#define PT_MAC_AGE_NS (300 * PT_NSEC_PER_SEC)

static __always_inline struct pt_mac_key pt_mac_key(const __u8 *addr)
{
	struct pt_mac_key k = {};

	__builtin_memcpy(k.addr, addr, 6);
	return k;
}

/* The interface to send to: the fib's, or the bridge port where dmac was last seen. */
static __always_inline __u32 pt_lan_port(__u32 ifindex, const __u8 *dmac, __u64 now)
{
	struct pt_lan *lan = bpf_map_lookup_elem(&pt_lan, &ifindex);
	struct pt_mac_key key;
	struct pt_mac *m;

	if (!lan || !lan->bridge)
		return lan ? ifindex : 0;
	key = pt_mac_key(dmac);
	m = bpf_map_lookup_elem(&pt_macs, &key);
	return m && (__s64)(now - m->seen_ns) < (__s64)PT_MAC_AGE_NS ? m->port : 0;
}

/* Notes the bridge port a LAN host's frame came in on (written only when it changed or aged). */
static __always_inline void pt_mac_learn(const __u8 *saddr, __u32 port, __u64 now)
{
	struct pt_mac_key key = pt_mac_key(saddr);
	struct pt_mac *m = bpf_map_lookup_elem(&pt_macs, &key);

	if (!m || m->port != port || (__s64)(now - m->seen_ns) > (__s64)PT_NSEC_PER_SEC) {
		struct pt_mac val = { .port = port, .seen_ns = now };

		bpf_map_update_elem(&pt_macs, &key, &val, BPF_ANY);
	}
}

#define PT_IP6_FLOWINFO 0x0fffffff /* of the first word: traffic class and flow label */

/*
 * The way out for p with its source (snat) or destination address made to
 * (IPv6: the address it has): routed from in_ifindex as the kernel routes
 * a packet from src to dst after NAT (to the holder) or before it (from
 * the holder), out of out_ifindex when it is not 0, else out of a
 * fast-path LAN interface. Into h; false when the kernel must forward it
 * (no route that way, no neighbour entry yet, no known bridge port).
 */
static __always_inline bool pt_hop_find(struct xdp_md *ctx, const struct pt_pkt *p, bool snat,
					union pt_addr to, __u32 in_ifindex, __u32 out_ifindex,
					__u64 now, struct pt_hop *h)
{
	union pt_addr src = pt_pkt_addr(p, false);
	struct bpf_fib_lookup fib;

	pt_fib_init(&fib, p->family, snat ? pt_pkt_addr(p, true) : to, in_ifindex);
	__builtin_memcpy(fib.ipv6_src, &src, sizeof(src)); /* ipv4_src, as pt_fib_init() */
	if (p->family == PT_IPV4)
		fib.tos = p->ip->tos;
	else
		fib.flowinfo = *(__be32 *)p->ip6 & bpf_htonl(PT_IP6_FLOWINFO);
	fib.l4_protocol = p->l4proto;
	fib.sport = p->ports[0];
	fib.dport = p->ports[1];
	if (bpf_fib_lookup(ctx, &fib, sizeof(fib), 0) != BPF_FIB_LKUP_RET_SUCCESS)
		return false;
	h->ifindex = out_ifindex ? (fib.ifindex == out_ifindex ? out_ifindex : 0) :
				   pt_lan_port(fib.ifindex, fib.dmac, now);
	h->mtu = fib.mtu_result;
	__builtin_memcpy(h->dmac, fib.dmac, ETH_ALEN);
	__builtin_memcpy(h->smac, fib.smac, ETH_ALEN);
	return h->ifindex;
}

/*
 * May p be forwarded here at all: a bare IP header (no IPv4 options, no
 * IPv6 extension headers: the kernel acts on some) and a TTL or hop limit
 * left (at 1 the kernel sends Time Exceeded).
 */
static __always_inline bool pt_fast_ok(const struct pt_pkt *p)
{
	bool v4 = p->family == PT_IPV4;
	__u32 bare = sizeof(struct ethhdr) + (v4 ? sizeof(struct iphdr) : sizeof(struct ipv6hdr));

	return p->l4_off == bare && (v4 ? p->ip->ttl : p->ip6->hop_limit) > 1;
}

/* IPv4: the source (snat) or destination made to, TTL one less, checksums updated. */
static __always_inline void pt_nat4(struct pt_pkt *p, bool snat, __be32 to)
{
	struct iphdr *ip = p->ip;
	__be32 from = snat ? ip->saddr : ip->daddr;
	__u16 ttl_old, ttl_new;

	if (snat)
		ip->saddr = to;
	else
		ip->daddr = to;
	ip->check = pt_csum_replace4(ip->check, from, to);
	/* UDP checksum 0 means "none" and stays 0; a computed 0 is sent as 0xffff. */
	if (*p->l4_csum) {
		__u16 c = pt_csum_replace4(*p->l4_csum, from, to);

		*p->l4_csum = c ?: 0xffff;
	}
	ttl_old = *(__u16 *)&ip->ttl;
	ip->ttl--;
	ttl_new = *(__u16 *)&ip->ttl;
	ip->check = pt_csum_replace2(ip->check, ttl_old, ttl_new);
}

/*
 * Forwards p, a packet of flow f, with its source (snat) or destination
 * address made f->to (IPv4), by the hop looked up at the flow's last check
 * (a route or neighbour change counts within PT_FLOW_CHECK_NS).
 * XDP_REDIRECT, or XDP_PASS: the kernel forwards it (pt_fast_ok(), too big).
 */
static __always_inline int pt_fast_forward(struct xdp_md *ctx, struct pt_pkt *p, bool snat,
					   struct pt_flow *f, __u32 in_ifindex, __u32 out_ifindex,
					   __u64 now)
{
	struct ethhdr *eth = (void *)(long)ctx->data;
	union pt_addr to = pt_addr(f->to);

	if (!pt_fast_ok(p) || (void *)(eth + 1) > (void *)(long)ctx->data_end)
		return XDP_PASS;
	if (!f->hop.ifindex &&
	    !pt_hop_find(ctx, p, snat, to, in_ifindex, out_ifindex, now, &f->hop))
		return XDP_PASS;
	if (p->ip_len > f->hop.mtu)
		return XDP_PASS;
	if (p->family == PT_IPV4)
		pt_nat4(p, snat, to.ip4);
	else
		p->ip6->hop_limit--;
	__builtin_memcpy(eth->h_dest, f->hop.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, f->hop.smac, ETH_ALEN);
	return bpf_redirect(f->hop.ifindex, 0);
}

#endif /* PT_FASTPATH_H */
