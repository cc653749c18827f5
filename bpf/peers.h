/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Peer-restricted rules (--peer contacted, what Broadcom's autofw offered):
 * such a rule admits new inbound flows only from the WAN addresses its
 * holder sent trigger traffic to while holding it. TC egress notes them in
 * pt_peers, XDP ingress asks there. A new holder starts with none.
 */
#ifndef PT_PEERS_H
#define PT_PEERS_H

#include "maps.h"

/* The holder of rule rid of a family (tenure of a) sent trigger traffic to peer, now. */
static __always_inline void pt_peer_note(__u32 rid, enum pt_family family,
					 const struct pt_holder *a, union pt_addr peer, __u64 now)
{
	__u32 key = pt_peers_key(rid, family);
	struct pt_peers *ps = bpf_map_lookup_elem(&pt_peers, &key);
	__u32 i, oldest = 0;

	if (!ps)
		return;
	if (ps->since_ns != a->since_ns) {
		for (i = 0; i < PT_MAX_PEERS; i++) {
			pt_addr_set(ps->addr[i], pt_addr4(0));
			ps->seen_ns[i] = 0;
		}
		ps->since_ns = a->since_ns;
	}
	for (i = 0; i < PT_MAX_PEERS; i++) {
		if (pt_addr_eq(pt_addr(ps->addr[i]), peer)) {
			/* Written once per PT_REFRESH_NS at most: a shared cache line. */
			if (now - ps->seen_ns[i] > PT_REFRESH_NS)
				ps->seen_ns[i] = now;
			return;
		}
		if (ps->seen_ns[i] < ps->seen_ns[oldest])
			oldest = i;
	}
	pt_addr_set(ps->addr[oldest], peer);
	ps->seen_ns[oldest] = now;
}

/* Did the holder of rule rid of a family (tenure of a) contact peer? */
static __always_inline bool pt_peer_contacted(__u32 rid, enum pt_family family,
					      const struct pt_holder *a, union pt_addr peer)
{
	__u32 key = pt_peers_key(rid, family);
	struct pt_peers *ps = bpf_map_lookup_elem(&pt_peers, &key);

	if (!ps || ps->since_ns != a->since_ns)
		return false;
	for (__u32 i = 0; i < PT_MAX_PEERS; i++)
		if (pt_addr_eq(pt_addr(ps->addr[i]), peer))
			return true;
	return false;
}

#endif /* PT_PEERS_H */
