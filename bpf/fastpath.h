/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fast path (load --fastpath): a packet of a flow the kernel accepted
 * is forwarded in XDP, as the kernel would: one address rewritten (DNAT in,
 * SNAT out), TTL one less, checksums updated (RFC 1624), out of the
 * interface and to the neighbour the kernel's routes give (bpf_fib_lookup,
 * once per flow check), to a bridge's port where the holder was last seen.
 * Anything it cannot do as the kernel would goes to the kernel: IP options,
 * TTL 1, a frame too big for the way out, no neighbour yet, no route, no
 * known port.
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

/*
 * The way out for p with its source (snat) or destination address made to:
 * routed from in_ifindex as the kernel routes a packet from src to dst
 * after NAT (to the holder) or before it (from the holder), out of
 * out_ifindex when it is not 0, else out of a fast-path LAN interface.
 * Into h; false when the kernel must forward it (no route that way, no
 * neighbour entry yet, no known bridge port).
 */
static __always_inline bool pt_hop_find(struct xdp_md *ctx, const struct pt_pkt *p, bool snat,
					__be32 to, __u32 in_ifindex, __u32 out_ifindex, __u64 now,
					struct pt_hop *h)
{
	struct bpf_fib_lookup fib;

	pt_fib_init(&fib, snat ? p->ip->daddr : to, in_ifindex);
	fib.ipv4_src = p->ip->saddr;
	fib.tos = p->ip->tos;
	fib.l4_protocol = p->ip->protocol;
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
 * Forwards p, a packet of flow f, with its source (snat) or destination
 * address made f->to, by the hop looked up at the flow's last check (a
 * route or neighbour change counts within PT_FLOW_CHECK_NS). XDP_REDIRECT,
 * or XDP_PASS: the kernel forwards it (IP options, TTL 1, too big).
 */
static __always_inline int pt_fast_forward(struct xdp_md *ctx, struct pt_pkt *p, bool snat,
					   struct pt_flow *f, __u32 in_ifindex, __u32 out_ifindex,
					   __u64 now)
{
	struct iphdr *ip = p->ip;
	struct ethhdr *eth = (void *)(long)ctx->data;
	__be32 from = snat ? ip->saddr : ip->daddr, to = pt_ip4(f->to);
	__u16 ttl_old, ttl_new;

	if (ip->ihl != 5 || ip->ttl <= 1 || (void *)(eth + 1) > (void *)(long)ctx->data_end)
		return XDP_PASS;
	if (!f->hop.ifindex &&
	    !pt_hop_find(ctx, p, snat, to, in_ifindex, out_ifindex, now, &f->hop))
		return XDP_PASS;
	if (p->ip_len > f->hop.mtu)
		return XDP_PASS;
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
	__builtin_memcpy(eth->h_dest, f->hop.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, f->hop.smac, ETH_ALEN);
	return bpf_redirect(f->hop.ifindex, 0);
}

#endif /* PT_FASTPATH_H */
