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
 * The router's route to addr for a packet arriving on the WAN interface
 * wan_ifindex: the lookup the kernel makes when it forwards one there.
 */
static __always_inline enum pt_side pt_side_of(void *ctx, __be32 addr, __u32 wan_ifindex)
{
	struct bpf_fib_lookup fib = {
		.family = AF_INET, .ipv4_dst = addr, .ifindex = wan_ifindex,
	};

	if (bpf_fib_lookup(ctx, &fib, sizeof(fib), BPF_FIB_LOOKUP_SKIP_NEIGH) !=
	    BPF_FIB_LKUP_RET_SUCCESS)
		return PT_SIDE_NONE;
	return fib.ifindex == wan_ifindex ? PT_SIDE_WAN : PT_SIDE_LAN;
}

/* A LAN host: never the router itself, never a host reached through the WAN. */
static __always_inline bool pt_lan_host(void *ctx, __be32 addr, __u32 wan_ifindex)
{
	return pt_side_of(ctx, addr, wan_ifindex) == PT_SIDE_LAN;
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

/* Is addr a WAN address: the one pinned with --wan-addr, else any of dev's own. */
static __always_inline bool pt_wan_addr(const struct pt_config *cfg,
					const struct net_device *dev, __be32 addr)
{
	return cfg->wan_addr ? addr == cfg->wan_addr : pt_dev_addr(dev, addr);
}

#endif /* PT_ROUTE_H */
