// SPDX-License-Identifier: GPL-2.0
/*
 * XDP ingress on the WAN interface: an inbound packet to the WAN address on
 * an open port of an active rule gets its destination rewritten to the
 * rule's holder and is passed on to the kernel, which routes it, tracks it
 * and runs the operator's firewall. XDP metadata tells tc_ingress to mark
 * it, so one firewall rule admits exactly this traffic.
 */
#include "common.h"
#include "parse.h"
#include "csum.h"
#include "state.h"

/* Must run last: adjusting the metadata invalidates the packet pointers. */
static __always_inline void pt_set_meta(struct xdp_md *ctx, const struct pt_meta *val)
{
	struct pt_meta *m;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m)))
		return; /* driver without metadata: no mark, firewall decides */
	m = (void *)(long)ctx->data_meta;
	if ((void *)(m + 1) > (void *)(long)ctx->data)
		return;
	*m = *val;
}

static __always_inline void pt_dnat(struct pt_pkt *p, __be32 to)
{
	__be32 from = p->ip->daddr;

	p->ip->daddr = to;
	p->ip->check = pt_csum_replace4(p->ip->check, from, to);
	/* UDP checksum 0 means "none" and stays 0; a computed 0 is sent as 0xffff. */
	if (p->proto_idx == 0 || *p->l4_csum) {
		__u16 c = pt_csum_replace4(*p->l4_csum, from, to);

		*p->l4_csum = c || p->proto_idx == 0 ? c : 0xffff;
	}
}

/* Remembers where the flow went; written only when new or forwarded elsewhere now. */
static __always_inline void pt_remember_flow(const struct pt_pkt *p, __u32 rid, __be32 host)
{
	struct pt_flow_key key = {
		.peer = p->ip->saddr, .peer_port = p->ports[0], .port = p->ports[1],
		.proto_idx = p->proto_idx,
	};
	struct pt_flow *f = bpf_map_lookup_elem(&pt_flows, &key);

	if (!f || f->host != host || f->rule != rid) {
		struct pt_flow val = { .host = host, .rule = rid };

		bpf_map_update_elem(&pt_flows, &key, &val, BPF_ANY);
	}
}

SEC("xdp")
int pt_xdp_in(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct pt_stats *st = pt_lookup0(&pt_stats);
	struct pt_config *cfg = pt_lookup0(&pt_config);
	struct pt_rule_stats *rs;
	struct pt_meta meta;
	struct pt_active *a;
	struct pt_rule *r;
	struct pt_pkt p;
	int rid;
	__u64 now;

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
	rid = p.ip->daddr == cfg->wan_addr ? pt_open_owner(p.proto_idx, p.ports[1]) : -1;
	r = rid >= 0 ? pt_rule_get(rid) : NULL;
	if (!r) {
		st->xdp_passed++;
		return XDP_PASS;
	}
	now = pt_now();
	a = pt_live(rid, r, now);
	rs = a ? pt_rule_stats_get(rid) : NULL;
	if (!rs) {
		st->xdp_closed++;
		return XDP_PASS;
	}
	pt_touch(a, now);
	rs->pkts_in++;
	rs->bytes_in += p.ip_len;
	meta = (struct pt_meta){
		.magic = PT_META_MAGIC, .mark = cfg->mark, .mask = cfg->mark_mask,
		.from = p.ip->daddr, .to = a->holder, .l4_csum = *p.l4_csum,
		.l4_csum_off = (void *)p.l4_csum - data, .is_udp = p.proto_idx,
	};
	pt_remember_flow(&p, rid, a->holder);
	pt_dnat(&p, a->holder);
	pt_set_meta(ctx, &meta);
	st->xdp_rewritten++;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
