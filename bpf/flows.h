/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pt_flows: what conntrack said of a triggered flow, so that its next
 * packets need not ask again (a conntrack look-up costs several map
 * look-ups). A hint, never the truth: an entry holds only for the holder's
 * tenure it was found in (a release, an expiry, a new holder end it at once)
 * and for PT_FLOW_CHECK_NS, after which conntrack is asked again.
 */
#ifndef PT_FLOWS_H
#define PT_FLOWS_H

#include "state.h"
#include "conntrack.h"

#define PT_FLOW_CHECK_NS PT_NSEC_PER_SEC
/*
 * A fast-pathed flow's conntrack timeout, renewed at every check: the
 * kernel's defaults for a UDP stream and an established TCP connection.
 */
#define PT_CT_STREAM_MS	     120000
#define PT_CT_ESTABLISHED_MS (5 * 24 * 3600 * 1000U)

/* The flow of p, of either family. */
static __always_inline struct pt_flow_key pt_flow_key(const struct pt_pkt *p)
{
	struct pt_flow_key key = {
		.sport = bpf_ntohs(p->ports[0]),
		.dport = bpf_ntohs(p->ports[1]),
		.proto = pt_proto_of_idx(p->proto_idx),
		.family = p->family,
	};

	pt_addr_set(key.saddr, pt_pkt_addr(p, false));
	pt_addr_set(key.daddr, pt_pkt_addr(p, true));
	return key;
}

/*
 * The flow of key as remembered for holder a, if that still holds now. A
 * flow not yet answered (UDP) or established (TCP) is asked again at every
 * packet while the fast path is on: it takes the flow from the first packet
 * after that.
 */
static __always_inline struct pt_flow *pt_flow_get(const struct pt_flow_key *key,
						   const struct pt_holder *a,
						   const struct pt_config *cfg, __u64 now)
{
	struct pt_flow *f = bpf_map_lookup_elem(&pt_flows, key);

	if (!f || !pt_is_holder(a, pt_addr(f->holder)) || f->since_ns != a->since_ns ||
	    (__s64)(now - f->checked_ns) > (__s64)PT_FLOW_CHECK_NS ||
	    (f->path == PT_PATH_UNANSWERED && pt_fastpath_on(cfg)))
		return NULL;
	return f;
}

/*
 * Does p, of flow f, take the fast path now: the flow's path, the fast path
 * on. A TCP segment that opens or ends a connection goes to conntrack; after
 * a FIN or RST the flow goes with it, until its next check finds it closing.
 */
static __always_inline bool pt_flow_fast(struct pt_flow *f, const struct pt_config *cfg,
					 const struct pt_pkt *p)
{
	if (p->tcp_flags & (PT_TCP_FIN | PT_TCP_RST))
		f->path = PT_PATH_KERNEL;
	return f->path == PT_PATH_FAST && !(p->tcp_flags & PT_TCP_SYN) && pt_fastpath_on(cfg);
}

/* Which way the packets of ct's flow go (key: its protocol and family). */
static __always_inline enum pt_flow_path pt_ct_path(const struct pt_flow_key *key,
						    const struct nf_conn *ct)
{
	__u8 state = ct->proto.tcp.state;

	if (!pt_ct_nat_redoable(ct, key->family))
		return PT_PATH_KERNEL;
	if (key->proto == PT_UDP)
		return ct->status & IPS_SEEN_REPLY ? PT_PATH_FAST : PT_PATH_UNANSWERED;
	if (state < TCP_CONNTRACK_ESTABLISHED)
		return PT_PATH_UNANSWERED;
	return state == TCP_CONNTRACK_ESTABLISHED && pt_ct_tcp_liberal(ct) ? PT_PATH_FAST :
									     PT_PATH_KERNEL;
}

/*
 * Remembers what conntrack just said of the flow of key: it goes to (the
 * address it gets; IPv6: the one it has), for holder a's tenure. A flow the fast path may take keeps its conntrack
 * entry alive while the fast path carries it. The entry as stored (its hop
 * looked up afresh), or NULL.
 */
static __always_inline struct pt_flow *pt_flow_put(const struct pt_flow_key *key, union pt_addr to,
						   __u32 rid, const struct pt_holder *a,
						   struct nf_conn *ct, __u64 now)
{
	struct pt_flow f = {
		.since_ns = a->since_ns,
		.checked_ns = now,
		.rule = rid,
		.path = pt_ct_path(key, ct),
	};

	pt_addr_set(f.to, to);
	pt_addr_set(f.holder, pt_addr(a->addr));
	if (f.path == PT_PATH_FAST)
		bpf_ct_change_timeout(ct, key->proto == PT_TCP ? PT_CT_ESTABLISHED_MS :
								 PT_CT_STREAM_MS);
	bpf_map_update_elem(&pt_flows, key, &f, BPF_ANY);
	return bpf_map_lookup_elem(&pt_flows, key);
}

#endif /* PT_FLOWS_H */
