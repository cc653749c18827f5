/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where an address is, as the kernel sees it now: which side of the router
 * routes to it, and which addresses are the WAN interface's. Nothing here
 * is a copy taken at `ptctl load`: a DHCP renewal or a new route counts at
 * once. Shared by the XDP and TC programs (ctx is either context).
 */
#ifndef PT_ROUTE_H
#define PT_ROUTE_H

#include "maps.h"

/* Addresses of the WAN interface looked at, primary ones first. */
#define PT_WAN_ADDRS_MAX 8

enum pt_side {
	PT_SIDE_NONE, /* a local address of the router, or not routable */
	PT_SIDE_LAN,  /* routed out of an interface other than the WAN one */
	PT_SIDE_WAN,  /* routed out of the WAN interface */
};

/*
 * A route look-up of a packet to dst (of family) coming in on ifindex.
 * Zeroed by memset, never by an initializer: clang zeroes the anonymous
 * unions of an initializer through CO-RE relocations (vmlinux.h) that
 * libbpf resolves to offset 0, over .family (seen with clang 14, libbpf
 * 1.1: -EAFNOSUPPORT). ipv4_dst is the first word of ipv6_dst, as ip4 is
 * of union pt_addr: one copy sets either.
 */
static __always_inline void pt_fib_init(struct bpf_fib_lookup *fib, enum pt_family family,
					union pt_addr dst, __u32 ifindex)
{
	__builtin_memset(fib, 0, sizeof(*fib));
	fib->family = family == PT_IPV4 ? AF_INET : AF_INET6;
	__builtin_memcpy(fib->ipv6_dst, &dst, sizeof(dst));
	fib->ifindex = ifindex;
}

/*
 * Which side of the router routes to addr (of family), for a packet
 * arriving on the WAN interface wan_ifindex: the look-up the kernel makes
 * when it forwards one there.
 */
static __always_inline enum pt_side pt_side_of(void *ctx, enum pt_family family, union pt_addr addr,
					       __u32 wan_ifindex)
{
	struct bpf_fib_lookup fib;

	pt_fib_init(&fib, family, addr, wan_ifindex);
	if (bpf_fib_lookup(ctx, &fib, sizeof(fib), BPF_FIB_LOOKUP_SKIP_NEIGH) !=
	    BPF_FIB_LKUP_RET_SUCCESS)
		return PT_SIDE_NONE;
	return fib.ifindex == wan_ifindex ? PT_SIDE_WAN : PT_SIDE_LAN;
}

/* A LAN host: never the router itself, never a host reached through the WAN. */
static __always_inline bool pt_lan_host(void *ctx, enum pt_family family, union pt_addr addr,
					__u32 wan_ifindex)
{
	return pt_side_of(ctx, family, addr, wan_ifindex) == PT_SIDE_LAN;
}

/* Is addr one of dev's IPv4 addresses right now? */
static __always_inline bool pt_dev_addr(const struct net_device *dev, __be32 addr)
{
	const struct in_device *in = dev->ip_ptr;
	const struct in_ifaddr *ifa = in ? in->ifa_list : NULL;

	for (int i = 0; i < PT_WAN_ADDRS_MAX && ifa; i++) {
		if (ifa->ifa_local == addr)
			return true;
		ifa = ifa->ifa_next;
	}
	return false;
}

/*
 * Is addr still a WAN address, asked from the LAN side (lan_ifindex), with
 * no WAN device at hand: the pinned one, else an address of the router's.
 */
static __always_inline bool pt_wan_addr_from_lan(void *ctx, const struct pt_config *cfg,
						 __be32 addr, __u32 lan_ifindex)
{
	__be32 pinned = pt_ip4(cfg->wan_addr);

	if (pinned)
		return addr == pinned;
	return pt_side_of(ctx, PT_IPV4, pt_addr4(addr), lan_ifindex) == PT_SIDE_NONE;
}

/* Is addr a WAN address: the one pinned with --wan-addr, else any of dev's own. */
static __always_inline bool pt_wan_addr(const struct pt_config *cfg, const struct net_device *dev,
					__be32 addr)
{
	__be32 pinned = pt_ip4(cfg->wan_addr);

	return pinned ? addr == pinned : pt_dev_addr(dev, addr);
}

#endif /* PT_ROUTE_H */
