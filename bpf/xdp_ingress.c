// SPDX-License-Identifier: GPL-2.0
/*
 * XDP ingress on the WAN interface. A packet to a WAN address on an open
 * port of an active rule, of a new inbound flow or of one forwarded to the
 * rule's holder, is handed to the kernel's NAT: for a new flow XDP creates
 * the conntrack entry with the DNAT to the holder (conntrack.h); the kernel
 * then rewrites, routes and firewalls it. Everything else passes untouched,
 * connections the router already tracks above all: a reply to a LAN host's
 * (or the router's) own connection is never taken, whatever its port.
 */

/*
 * Creates the entry of a new inbound flow for host; false (counted) when it
 * must not be. The router never relays: the holder must be a LAN host and
 * the peer a host reached through the WAN, as the kernel routes them now (a
 * forged or stale pt_active entry must not turn the router into a relay).
 */
static __always_inline bool pt_new_flow(struct xdp_md *ctx, const struct pt_pkt *p,
					struct bpf_sock_tuple *t, struct bpf_ct_opts *opts,
					__be32 host, const struct pt_config *cfg,
					struct pt_stats *st)
{
	__u32 wan = ctx->ingress_ifindex;

	if (!pt_lan_host(ctx, host, wan)) {
		st->xdp_bad_holder++;
		return false;
	}
	if (pt_side_of(ctx, p->ip->saddr, wan) != PT_SIDE_WAN) {
		st->xdp_bad_peer++;
		return false;
	}
	/* On failure another CPU may have created it: the caller looks again. */
	if (pt_ct_create(ctx, t, opts, host, cfg))
		st->xdp_new_flows++;
	return true;
}

/*
 * A packet to an open port of rule rid: is it one to forward to the rule's
 * holder? A flow forwarded to a former holder, or by a rule that expired
 * since, goes back to the kernel here, on its next packet. Only a rule held
 * since its last release can have flows (ptctl ends them when it closes a
 * rule): for any other, the packet pays for no conntrack look-up.
 */
static __always_inline bool pt_inbound(struct xdp_md *ctx, const struct pt_pkt *p, __u32 rid,
				       const struct pt_rule *r, const struct pt_config *cfg,
				       struct pt_stats *st)
{
	struct bpf_ct_opts opts = pt_ct_opts(p);
	__u64 now = pt_now();
	struct pt_active *a = pt_live(rid, r, now);
	struct pt_rule_stats *rs;
	struct bpf_sock_tuple t;
	struct nf_conn *ct;
	__be32 holder;

	if (!a && !pt_holder(rid, r)) {
		st->xdp_closed++;
		return false;
	}
	pt_tuple(p, false, &t);
	ct = pt_ct_lookup(ctx, &t, &opts);
	if (!ct) {
		if (!a) {
			st->xdp_closed++;
			return false;
		}
		if (!pt_new_flow(ctx, p, &t, &opts, a->holder, cfg, st))
			return false;
		ct = pt_ct_lookup(ctx, &t, &opts);
		if (!ct) {
			st->xdp_ct_full++;
			return false;
		}
	}
	holder = pt_ct_holder(ct, opts.dir, cfg);
	if (!holder) {
		bpf_ct_release(ct);
		st->xdp_tracked++;
		return false;
	}
	if (!a || a->holder != holder) {
		pt_ct_end(ct);
		bpf_ct_release(ct);
		st->xdp_closed++;
		return false;
	}
	bpf_ct_release(ct);
	rs = pt_rule_stats_get(rid);
	if (rs) {
		rs->pkts_in++;
		rs->bytes_in += p->ip_len;
	}
	pt_touch(a, now);
	return true;
}

SEC("xdp")
int pt_xdp_in(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct pt_stats *st = pt_lookup0(&pt_stats);
	struct pt_config *cfg = pt_lookup0(&pt_config);
	struct xdp_buff *xdp;
	struct pt_rule *r;
	struct pt_pkt p;
	int rid;

	if (!st || !cfg)
		return XDP_PASS;
	st->xdp_seen++;
	switch (pt_parse(data, data_end, data_end - data, &p)) {
	case PT_PARSE_OK:
		break;
	case PT_PARSE_BAD:
		st->xdp_parse_fail++;
		return XDP_PASS;
	default:
		st->xdp_passed++;
		return XDP_PASS;
	}
	rid = pt_open_owner(p.proto_idx, p.ports[1]);
	r = rid >= 0 ? pt_rule_get(rid) : NULL;
	xdp = bpf_cast_to_kern_ctx(ctx);
	if (!r || !pt_wan_addr(cfg, xdp->rxq->dev, p.ip->daddr)) {
		st->xdp_passed++;
		return XDP_PASS;
	}
	if (pt_inbound(ctx, &p, rid, r, cfg, st))
		st->xdp_forwarded++;
	return XDP_PASS;
}
