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
/* A fast-pathed UDP flow's conntrack timeout, renewed at every check: the kernel's default for a UDP stream. */
#define PT_CT_STREAM_MS 120000

static __always_inline struct pt_flow_key pt_flow_key(const struct pt_pkt *p)
{
	return (struct pt_flow_key){
		.saddr = p->ip->saddr, .daddr = p->ip->daddr, .sport = p->ports[0],
		.dport = p->ports[1], .proto = p->ip->protocol,
	};
}

/*
 * The flow of key as remembered for holder a, if that still holds now. A
 * UDP flow not yet answered is asked again at every packet while the fast
 * path is on: it takes the flow from the first packet after the answer.
 */
static __always_inline struct pt_flow *pt_flow_get(const struct pt_flow_key *key,
						   const struct pt_active *a,
						   const struct pt_config *cfg, __u64 now)
{
	struct pt_flow *f = bpf_map_lookup_elem(&pt_flows, key);

	if (!f || f->holder != a->holder || f->since_ns != a->since_ns ||
	    (__s64)(now - f->checked_ns) > (__s64)PT_FLOW_CHECK_NS ||
	    (f->path == PT_PATH_UNANSWERED && (cfg->flags & PT_CFG_FASTPATH)))
		return NULL;
	return f;
}

/* Does the flow take the fast path now: answered UDP, the fast path on. */
static __always_inline bool pt_flow_fast(const struct pt_flow *f, const struct pt_config *cfg)
{
	return f->path == PT_PATH_FAST && (cfg->flags & PT_CFG_FASTPATH);
}

/* Which way the packets of ct's flow go (key: its protocol). */
static __always_inline __u32 pt_ct_path(const struct pt_flow_key *key, const struct nf_conn *ct)
{
	if (key->proto != IPPROTO_UDP || !pt_ct_dnat_addr_only(ct))
		return PT_PATH_KERNEL;
	return ct->status & IPS_SEEN_REPLY ? PT_PATH_FAST : PT_PATH_UNANSWERED;
}

/*
 * Remembers what conntrack just said of the flow of key: it goes to, for
 * holder a's tenure. An answered UDP flow whose NAT the fast path can redo
 * may take it: its conntrack entry then lives on while the fast path
 * carries it. The entry as stored (its hop looked up afresh), or NULL.
 */
static __always_inline struct pt_flow *pt_flow_put(const struct pt_flow_key *key, __be32 to,
						   __u32 rid, const struct pt_active *a,
						   struct nf_conn *ct, __u64 now)
{
	struct pt_flow f = {
		.to = to, .holder = a->holder, .since_ns = a->since_ns, .checked_ns = now,
		.rule = rid, .path = pt_ct_path(key, ct),
	};

	if (f.path == PT_PATH_FAST)
		bpf_ct_change_timeout(ct, PT_CT_STREAM_MS);
	bpf_map_update_elem(&pt_flows, key, &f, BPF_ANY);
	return bpf_map_lookup_elem(&pt_flows, key);
}

#endif /* PT_FLOWS_H */
