// SPDX-License-Identifier: GPL-2.0
/*
 * TC egress on the WAN interface, after the kernel routed, tracked and
 * translated the packet:
 *  - a packet to a trigger port activates or refreshes the rules it
 *    triggers, for the LAN host that sent it, if and only if it travels in
 *    the original direction of a flow that LAN host initiated (conntrack
 *    says so): replies of flows the WAN started never trigger. An IPv4
 *    packet makes the host the rule's IPv4 holder, an IPv6 one its IPv6
 *    holder;
 *  - a packet of a triggered flow (IPv4: the kernel gave it the WAN address
 *    already) is its holder's activity.
 */

/* The most header bytes the program reads: Ethernet, IPv6 with extension headers, TCP. */
#define PT_HDR_MAX (sizeof(struct ethhdr) + sizeof(struct ipv6hdr) + PT_IP6_EXT_BYTES + L4_MIN_TCP)

/*
 * skb->data and ->data_end, loaded at a constant offset from the context:
 * clang otherwise shares the field address between the two parses, and the
 * verifier refuses a context access through a modified pointer.
 */
#define PT_SKB_LOAD(skb, field)                                                   \
	({                                                                        \
		void *_v;                                                         \
		asm volatile("%0 = *(u32 *)(%1 + %2)"                             \
			     : "=r"(_v)                                           \
			     : "r"(skb), "i"(offsetof(struct __sk_buff, field))); \
		_v;                                                               \
	})

/* Headers in the linear area, where direct packet access can read them. */
static __always_inline void pt_pull_headers(struct __sk_buff *skb)
{
	__u32 len = skb->len;
	__u32 linear = PT_SKB_LOAD(skb, data_end) - PT_SKB_LOAD(skb, data);

	if (linear < PT_HDR_MAX && len > linear)
		bpf_skb_pull_data(skb, len < PT_HDR_MAX ? len : PT_HDR_MAX);
}

static __always_inline enum pt_parse_result pt_parse_skb(struct __sk_buff *skb, struct pt_pkt *p)
{
	void *data, *data_end;

	pt_pull_headers(skb);
	data = PT_SKB_LOAD(skb, data);
	data_end = PT_SKB_LOAD(skb, data_end);
	return pt_parse(skb, data, data_end, skb->len, p);
}

/*
 * A packet from an open port of rule rid. On a triggered flow it is the
 * holder's activity; the flow of a former holder (or of a rule since closed)
 * goes back to the kernel; and one whose WAN address is gone (a DHCP
 * renewal) ends too, its packet dropped: it would leave with an address the
 * router no longer has (IPv4: an IPv6 holder's address is its own).
 */
static __always_inline int pt_outbound(struct __sk_buff *skb, const struct pt_pkt *p, __u32 rid,
				       struct pt_rule *r, const struct pt_config *cfg,
				       struct pt_stats *st)
{
	struct bpf_ct_opts opts = pt_ct_opts(p);
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);
	struct bpf_sock_tuple t;
	union pt_addr holder;
	struct pt_holder *a;
	struct nf_conn *ct;
	__u64 now;

	pt_tuple(p, true, &t);
	ct = pt_ct_lookup(skb, p, &t, &opts);
	if (!ct)
		return TC_ACT_OK;
	holder = pt_ct_holder(ct, opts.dir, cfg, p->family);
	if (pt_addr_none(holder)) {
		bpf_ct_release(ct);
		return TC_ACT_OK;
	}
	if (p->family == PT_IPV4 && !pt_wan_addr(cfg, kskb->dev, p->ip->saddr)) {
		pt_ct_end(ct);
		bpf_ct_release(ct);
		st->tc_stale++;
		return TC_ACT_SHOT;
	}
	now = pt_now();
	a = pt_live(r, p->family, now);
	if (!pt_is_holder(a, holder)) {
		pt_ct_end(ct);
		bpf_ct_release(ct);
		return TC_ACT_OK;
	}
	bpf_ct_release(ct);
	if (!a) /* pt_is_holder() says so already: for the verifier */
		return TC_ACT_OK;
	pt_forwarded(rid, a, false, p->ip_len, now);
	st->tc_replies++;
	return TC_ACT_OK;
}

/*
 * The LAN host that initiated the flow of a packet leaving the WAN
 * interface, if the packet travels in that flow's original direction; else
 * none. The flow's conntrack entry is found by the tuple a reply would
 * carry (an IPv4 packet is already masqueraded): found as the entry's reply
 * tuple, the packet is original, and the entry's original source is the
 * initiator. It must be a LAN host (the router's own flows, or a WAN
 * host's, never count).
 */
static __always_inline union pt_addr pt_initiator(struct __sk_buff *skb, const struct pt_pkt *p)
{
	struct bpf_ct_opts opts = pt_ct_opts(p);
	union pt_addr host = pt_addr4(0);
	struct bpf_sock_tuple t;
	struct nf_conn *ct;

	pt_tuple(p, true, &t);
	ct = pt_ct_lookup(skb, p, &t, &opts);
	if (!ct)
		return host;
	if (opts.dir == IP_CT_DIR_REPLY)
		host = pt_ct_addr(&ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.src.u3, p->family);
	bpf_ct_release(ct);
	if (pt_addr_none(host) || !pt_lan_host(skb, p->family, host, skb->ifindex))
		return pt_addr4(0);
	return host;
}

/* host's trigger packet p, for rule rid: its peer one host contacted, if it holds the rule. */
static __always_inline void pt_contacted(__u32 rid, struct pt_rule *r, union pt_addr host,
					 const struct pt_pkt *p, __u64 now)
{
	struct pt_holder *a = pt_live(r, p->family, now);

	if (a && pt_is_holder(a, host))
		pt_peer_note(rid, p->family, a, pt_pkt_addr(p, true), now);
}

/*
 * A trigger-port packet p (of rule rid, the port's first) that no LAN host
 * initiated: reported, once a second per CPU at most (a WAN flood of them
 * costs no more).
 */
static __always_inline void pt_refused_not_lan(__u32 rid, const struct pt_pkt *p, __u64 now)
{
	struct pt_ev_budget *b = pt_lookup0(&pt_ev_budget);
	struct pt_rule *r;

	/* The rate limit first: a flood of them pays for no rule look-up. */
	if (b && pt_ev_once_a_second(&b->refused_ns, now) && (r = pt_rule_get(rid)))
		pt_emit_refused(PT_REFUSED_NOT_LAN, rid, r->gen, pt_pkt_addr(p, false), p, now);
}

static __always_inline void pt_trigger(struct __sk_buff *skb, const struct pt_pkt *p,
				       struct pt_stats *st)
{
	struct pt_trig_slot *slot = pt_trig_slot(p->proto_idx, p->ports[1]);
	union pt_addr host;
	struct pt_rule *r;
	__u32 i, rid;
	__u64 now;

	if (!slot)
		return;
	host = pt_initiator(skb, p);
	now = pt_now();
	if (pt_addr_none(host)) {
		st->tc_refused++;
		pt_refused_not_lan(slot->rule[0] - 1, p, now);
		return;
	}
	st->tc_trigger++;
	for (i = 0; i < PT_TRIG_SLOTS && slot->rule[i]; i++) {
		rid = slot->rule[i] - 1;
		r = pt_rule_get(rid);
		if (!r || !r->enabled)
			continue;
		if (!pt_allowed(r, p->family, host)) {
			if (pt_ev_once_a_second(&pt_holder(r, p->family)->refused_ns, now))
				pt_emit_refused(PT_REFUSED_NOT_ALLOWED, rid, r->gen, host, p, now);
			continue;
		}
		pt_claim(rid, r, host, p, now);
		if (r->peer == PT_PEER_CONTACTED)
			pt_contacted(rid, r, host, p, now);
	}
}

SEC("tc")
int pt_tc_out(struct __sk_buff *skb)
{
	struct pt_stats *st = pt_lookup0(&pt_stats);
	struct pt_config *cfg;
	struct pt_rule *r;
	struct pt_pkt p;
	__be16 *ports;
	int rid;
	__u8 idx;

	if (!st)
		return TC_ACT_OK;
	st->tc_seen++;
	/*
	 * Most packets are from no open port, to no trigger port: no parse for
	 * them, nor a pull; one whose ports are not in the linear area gets both.
	 */
	ports = pt_peek_ports(PT_SKB_LOAD(skb, data), PT_SKB_LOAD(skb, data_end), &idx);
	if (ports && pt_open_owner(idx, ports[0]) < 0 && !pt_trig_slot(idx, ports[1]))
		return TC_ACT_OK;
	switch (pt_parse_skb(skb, &p)) {
	case PT_PARSE_OK:
	case PT_PARSE_FRAG: /* a datagram the router fragments: its first fragment has the ports */
		break;
	case PT_PARSE_BAD:
		st->tc_parse_fail++;
		return TC_ACT_OK;
	default:
		return TC_ACT_OK;
	}
	rid = pt_open_owner(p.proto_idx, p.ports[0]);
	r = rid >= 0 ? pt_rule_get(rid) : NULL;
	cfg = r ? pt_lookup0(&pt_config) : NULL; /* only a packet of an open port needs it */
	if (cfg && pt_outbound(skb, &p, rid, r, cfg, st) == TC_ACT_SHOT)
		return TC_ACT_SHOT;
	pt_trigger(skb, &p, st);
	return TC_ACT_OK;
}
