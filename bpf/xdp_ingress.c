// SPDX-License-Identifier: GPL-2.0
/*
 * XDP ingress on the WAN interface. A packet on an open port of an active
 * rule, of a new inbound flow or of one forwarded to the rule's holder, is
 * handed to the kernel's NAT: for a new flow XDP creates the conntrack
 * entry with the DNAT to the holder (conntrack.h); the kernel then
 * rewrites, routes and firewalls it; a datagram's first fragment opens its
 * flow too (the kernel reassembles before NAT). IPv4: to a WAN address, for
 * the IPv4 holder. IPv6: to the IPv6 holder's own address, a pinhole (its
 * entry has the mark, no NAT). Once the kernel has accepted a flow of
 * either family (flows.h says when), the fast path (fastpath.h) forwards
 * it here.
 * Everything else passes untouched, connections the router already tracks
 * above all: a reply to a LAN host's (or the router's) own connection is
 * never taken, whatever its port.
 */

/*
 * Creates the entry of a new inbound flow to a's holder for rule rid; false
 * (counted) when it must not be. The router never relays: the holder must
 * be a LAN host and the peer a host reached through the WAN, as the kernel
 * routes them now (a forged or stale holder must not turn the
 * router into a relay). A --peer contacted rule admits only peers its
 * holder contacted.
 */
static __always_inline bool pt_new_flow(struct xdp_md *ctx, const struct pt_pkt *p,
					struct bpf_sock_tuple *t, struct bpf_ct_opts *opts,
					__u32 rid, const struct pt_rule *r,
					const struct pt_holder *a, const struct pt_config *cfg,
					struct pt_stats *st)
{
	union pt_addr host = pt_addr(a->addr), peer = pt_pkt_addr(p, false);
	__u32 wan = ctx->ingress_ifindex;

	if (!pt_lan_host(ctx, p->family, host, wan)) {
		st->xdp_bad_holder++;
		return false;
	}
	if (pt_side_of(ctx, p->family, peer, wan) != PT_SIDE_WAN) {
		st->xdp_bad_peer++;
		return false;
	}
	if (r->peer == PT_PEER_CONTACTED && !pt_peer_contacted(rid, p->family, a, peer)) {
		st->xdp_not_contacted++;
		return false;
	}
	/* On failure another CPU may have created it: the caller looks again. */
	if (pt_ct_create(ctx, p, t, opts, host, cfg))
		st->xdp_new_flows++;
	return true;
}

/*
 * Conntrack's word on a packet to an open port of rule rid, held by a (or
 * not held: a is NULL): a new flow of the active rule is made the holder's
 * (IPv6: a flow to the holder's address); a flow of the current holder is
 * one to forward (remembered in pt_flows, *f); anything else is
 * left alone, and a flow forwarded to a former holder, or by a rule that
 * expired since, goes back to the kernel here.
 */
static __always_inline bool pt_inbound_ct(struct xdp_md *ctx, const struct pt_pkt *p, __u32 rid,
					  const struct pt_rule *r, const struct pt_holder *a,
					  const struct pt_config *cfg, struct pt_stats *st,
					  const struct pt_flow_key *key, __u64 now,
					  struct pt_flow **f)
{
	struct bpf_ct_opts opts = pt_ct_opts(p);
	struct bpf_sock_tuple t;
	union pt_addr holder;
	struct nf_conn *ct;

	pt_tuple(p, false, &t);
	ct = pt_ct_lookup(ctx, p, &t, &opts);
	if (!ct) {
		if (!a || (p->family == PT_IPV6 && !pt_is_holder(a, pt_pkt_addr(p, true)))) {
			st->xdp_closed++;
			return false;
		}
		if (!pt_new_flow(ctx, p, &t, &opts, rid, r, a, cfg, st))
			return false;
		ct = pt_ct_lookup(ctx, p, &t, &opts);
		if (!ct) {
			st->xdp_ct_full++;
			return false;
		}
	}
	holder = pt_ct_holder(ct, opts.dir, cfg, p->family);
	if (pt_addr_none(holder)) {
		bpf_ct_release(ct);
		st->xdp_tracked++;
		return false;
	}
	if (!pt_is_holder(a, holder)) {
		pt_ct_end(ct);
		bpf_ct_release(ct);
		st->xdp_closed++;
		return false;
	}
	*f = pt_flow_put(key, holder, rid, a, ct, now);
	bpf_ct_release(ct);
	return true;
}

enum pt_verdict { PT_LEAVE, PT_STACK, PT_FAST };

/*
 * A packet to an open port of rule rid: to leave alone, to forward through
 * the kernel, or to forward on the fast path (its flow, *fp). Only a rule
 * held (of the packet's family) since its last release can have flows
 * (ptctl ends them when it closes a rule): for any other, the packet pays
 * for no conntrack look-up; the flows of the current holder mostly for
 * none either (pt_flows).
 */
static __always_inline enum pt_verdict pt_inbound(struct xdp_md *ctx, const struct pt_pkt *p,
						  __u32 rid, struct pt_rule *r,
						  const struct pt_config *cfg, struct pt_stats *st,
						  __u64 now, struct pt_flow **fp)
{
	struct pt_holder *h = pt_holder_of(r, p->family), *a = pt_live(r, p->family, now);
	struct pt_flow_key key = pt_flow_key(p);
	struct pt_flow *f = a ? pt_flow_get(&key, a, cfg, now) : NULL;

	if (!h) {
		st->xdp_closed++;
		return PT_LEAVE;
	}
	if (!f && !pt_inbound_ct(ctx, p, rid, r, a, cfg, st, &key, now, &f))
		return PT_LEAVE;
	if (!a) /* pt_inbound_ct() forwards only for a holder: for the verifier */
		return PT_LEAVE;
	pt_forwarded(rid, a, true, p->ip_len, now);
	*fp = f;
	return f && pt_flow_fast(f, cfg, p) ? PT_FAST : PT_STACK;
}

SEC("xdp")
int pt_xdp_in(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct pt_stats *st = pt_lookup0(&pt_stats);
	enum pt_parse_result parsed;
	struct pt_config *cfg;
	int rid, ret = XDP_PASS;
	struct xdp_buff *xdp;
	struct pt_flow *f;
	struct pt_rule *r;
	struct pt_pkt p;
	__be16 *ports;
	__u64 now;
	__u8 idx;

	if (!st)
		return XDP_PASS;
	st->xdp_seen++;
	ports = pt_peek_ports(data, data_end, &idx);
	if (ports && pt_open_owner(idx, ports[1]) < 0) {
		st->xdp_passed++;
		return XDP_PASS;
	}
	parsed = pt_parse(ctx, data, data_end, data_end - data, &p);
	switch (parsed) {
	case PT_PARSE_OK:
	case PT_PARSE_FRAG:
		break;
	case PT_PARSE_BAD:
		st->xdp_parse_fail++;
		return XDP_PASS;
	default:
		st->xdp_passed++;
		return XDP_PASS;
	}
	/* Most packets are for no open port: they cost a parse and one lookup. */
	rid = pt_open_owner(p.proto_idx, p.ports[1]);
	r = rid >= 0 ? pt_rule_get(rid) : NULL;
	cfg = r ? pt_lookup0(&pt_config) : NULL;
	xdp = bpf_cast_to_kern_ctx(ctx);
	if (!cfg || (p.family == PT_IPV4 && !pt_wan_addr(cfg, xdp->rxq->dev, p.ip->daddr))) {
		st->xdp_passed++;
		return XDP_PASS;
	}
	now = pt_now();
	switch (pt_inbound(ctx, &p, rid, r, cfg, st, now, &f)) {
	case PT_LEAVE:
		return XDP_PASS;
	case PT_FAST:
		/* A first fragment goes where the rest of its datagram goes: to the kernel. */
		if (f && parsed == PT_PARSE_OK) /* f: PT_FAST comes with it, for the verifier */
			ret = pt_fast_forward(ctx, &p, false, f, ctx->ingress_ifindex, 0, now);
		st->xdp_fast += ret == XDP_REDIRECT;
		__attribute__((fallthrough));
	default:
		st->xdp_forwarded++;
		return ret;
	}
}
