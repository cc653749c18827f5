// SPDX-License-Identifier: GPL-2.0
/*
 * XDP on the LAN side of the fast path (load --fastpath): on each LAN
 * interface, or each port of a LAN bridge. A holder's packet on a triggered
 * flow the kernel has accepted (flows.h) goes straight out of the WAN
 * interface: IPv4 with the WAN address its peer used (the flow's conntrack
 * entry says which) as source, IPv6 (a pinhole) with its own. The holder's
 * packets of triggered flows also tell which bridge port it sits behind,
 * for the way in. Everything else, all other LAN traffic, passes untouched.
 */

/*
 * Conntrack's word on a holder's packet: found by its own tuple, as the
 * reply of a triggered flow of the current holder (a); IPv4: to a WAN
 * address the router still has. Remembered in pt_flows, into f.
 */
static __always_inline bool pt_outbound_ct(struct xdp_md *ctx, const struct pt_pkt *p, __u32 rid,
					   const struct pt_holder *a, const struct pt_config *cfg,
					   __u32 l3_ifindex, const struct pt_flow_key *key,
					   __u64 now, struct pt_flow **f)
{
	struct bpf_ct_opts opts = pt_ct_opts(p);
	struct bpf_sock_tuple t;
	struct nf_conn *ct;
	union pt_addr to; /* IPv4: the WAN address; IPv6: the holder's */

	pt_tuple(p, false, &t);
	ct = pt_ct_lookup(ctx, p, &t, &opts);
	if (!ct)
		return false;
	to = pt_ct_addr(&ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.dst.u3, p->family);
	if (opts.dir != IP_CT_DIR_REPLY || !pt_ct_ours(ct, cfg, p->family) ||
	    (p->family == PT_IPV4 && !pt_wan_addr_from_lan(ctx, cfg, to.ip4, l3_ifindex))) {
		bpf_ct_release(ct);
		return false;
	}
	*f = pt_flow_put(key, to, rid, a, ct, now);
	bpf_ct_release(ct);
	return true;
}

SEC("xdp")
int pt_xdp_lan(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct pt_stats *st = pt_lookup0(&pt_stats);
	struct pt_config *cfg = pt_lookup0(&pt_config);
	__u32 port = ctx->ingress_ifindex;
	struct pt_flow_key key;
	struct pt_flow *f;
	struct pt_holder *a;
	struct pt_rule *r;
	struct pt_lan *lan;
	struct pt_pkt p;
	int rid, ret;
	__u64 now;

	if (!st || !cfg || !pt_fastpath_on(cfg))
		return XDP_PASS;
	st->lan_seen++;
	if (pt_parse(ctx, data, data_end, data_end - data, &p) != PT_PARSE_OK)
		return XDP_PASS;
	rid = pt_open_owner(p.proto_idx, p.ports[0]);
	r = rid >= 0 ? pt_rule_get(rid) : NULL;
	lan = r ? bpf_map_lookup_elem(&pt_lan, &port) : NULL;
	if (!lan)
		return XDP_PASS;
	now = pt_now();
	a = pt_live(r, p.family, now);
	if (!a || !pt_is_holder(a, pt_pkt_addr(&p, false)))
		return XDP_PASS;
	key = pt_flow_key(&p);
	f = pt_flow_get(&key, a, cfg, now);
	if (!f) {
		if (!pt_outbound_ct(ctx, &p, rid, a, cfg, lan->l3_ifindex, &key, now, &f))
			return XDP_PASS;
		/* The holder's port, for the way in: at its first packet, then at each check. */
		if (lan->l3_ifindex != port)
			pt_mac_learn(((struct ethhdr *)data)->h_source, port, now);
	}
	if (!f || !pt_flow_fast(f, cfg, &p))
		return XDP_PASS;
	ret = pt_fast_forward(ctx, &p, true, f, lan->l3_ifindex, cfg->ifindex, now);
	if (ret != XDP_REDIRECT)
		return ret;
	pt_forwarded(rid, a, false, p.ip_len, now);
	st->lan_fast++;
	return ret;
}
