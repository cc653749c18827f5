/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Header parsing shared by the XDP and TC programs: Ethernet, IPv4 or IPv6
 * (its extension headers walked, a few at most), TCP/UDP.
 */
#ifndef PT_PARSE_H
#define PT_PARSE_H

#include "../include/ptctl.h"

#define ETH_P_IP   0x0800
#define ETH_P_IPV6 0x86DD
#define IP_MF	   0x2000
#define IP_OFFSET  0x1fff
#define L4_MIN_UDP 8
#define L4_MIN_TCP 20

enum pt_parse_result {
	PT_PARSE_OK,	/* IPv4 or IPv6 TCP/UDP with ports: ours to look at */
	PT_PARSE_OTHER, /* well-formed, but not TCP/UDP with ports (a later fragment), or
			 * behind more IPv6 extension headers than are walked */
	PT_PARSE_BAD,	/* truncated or malformed: hands off */
	PT_PARSE_FRAG,	/* the first fragment of a TCP/UDP datagram: its ports, to look at only */
};

struct pt_pkt {
	union {
		struct iphdr *ip;    /* PT_IPV4 */
		struct ipv6hdr *ip6; /* PT_IPV6 */
	};
	void *data_end;	  /* of the frame: pt_pkt_addr() checks against it */
	__be16 *ports;	  /* [0] source, [1] destination */
	__sum16 *l4_csum; /* TCP or UDP checksum field */
	__u32 l4_off;	  /* from the start of the frame */
	__u32 ip_len;	  /* the IP packet's length, its header included */
	enum pt_family family;
	__u8 l4proto;	/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 proto_idx; /* 0 TCP, 1 UDP: first half of the port index key */
	__u8 tcp_flags; /* TCP: FIN, SYN, RST, ... (byte 13); UDP: 0 */
};

/* TCP flags that open or end a connection: conntrack's state machine must see them. */
#define PT_TCP_FIN 0x01
#define PT_TCP_SYN 0x02
#define PT_TCP_RST 0x04

/* The L4 header at l4 (TCP or UDP, p->proto_idx) into p; PT_PARSE_BAD if truncated. */
static __always_inline enum pt_parse_result pt_parse_l4(void *l4, void *data_end, struct pt_pkt *p)
{
	/* Constant-size checks: the verifier cannot bound a variable one. */
	if (p->proto_idx) {
		struct udphdr *udp = l4;

		if ((void *)(udp + 1) > data_end)
			return PT_PARSE_BAD;
		p->l4_csum = &udp->check;
		p->tcp_flags = 0;
	} else {
		struct tcphdr *tcp = l4;

		if ((void *)(tcp + 1) > data_end)
			return PT_PARSE_BAD;
		p->l4_csum = &tcp->check;
		p->tcp_flags = ((__u8 *)tcp)[13];
	}
	p->ports = l4;
	return PT_PARSE_OK;
}

/* TCP or UDP (its minimum header length), else 0. */
static __always_inline __u32 pt_l4_min(__u8 l4proto, struct pt_pkt *p)
{
	p->l4proto = l4proto;
	p->proto_idx = l4proto == IPPROTO_UDP;
	return l4proto == IPPROTO_TCP ? L4_MIN_TCP : l4proto == IPPROTO_UDP ? L4_MIN_UDP : 0;
}

/*
 * frame_len is the whole frame, data_end only its directly readable part
 * (they differ for non-linear skbs). A fragment is never for rewriting: a
 * later one has no ports, and rewriting only the first would split a
 * datagram between two destinations at reassembly. The first one's ports
 * still tell which flow the datagram opens (PT_PARSE_FRAG).
 */
static __always_inline enum pt_parse_result pt_parse4(struct iphdr *ip, void *data_end,
						      __u32 ip_room, struct pt_pkt *p)
{
	__u32 ihl, min_l4;

	if ((void *)(ip + 1) > data_end)
		return PT_PARSE_BAD;
	if (ip->version != 4 || ip->ihl < 5)
		return PT_PARSE_BAD;
	min_l4 = pt_l4_min(ip->protocol, p);
	if (!min_l4 || ip->frag_off & bpf_htons(IP_OFFSET))
		return PT_PARSE_OTHER;
	ihl = ip->ihl * 4;
	p->ip_len = bpf_ntohs(ip->tot_len);
	if (p->ip_len < ihl + min_l4 || p->ip_len > ip_room)
		return PT_PARSE_BAD;
	if (pt_parse_l4((void *)ip + ihl, data_end, p) != PT_PARSE_OK)
		return PT_PARSE_BAD;
	p->ip = ip;
	p->data_end = data_end;
	p->family = PT_IPV4;
	p->l4_off = sizeof(struct ethhdr) + ihl;
	return ip->frag_off & bpf_htons(IP_MF) ? PT_PARSE_FRAG : PT_PARSE_OK;
}

/*
 * IPv6 extension headers walked to find TCP/UDP, and the bytes they may
 * take: a packet behind more is passed untouched (PT_PARSE_OTHER).
 */
#define PT_IP6_EXT_MAX	 6
#define PT_IP6_EXT_BYTES 256

#define PT_IP6_HOP	 0
#define PT_IP6_ROUTING	 43
#define PT_IP6_FRAGMENT	 44
#define PT_IP6_AH	 51
#define PT_IP6_DSTOPTS	 60
#define PT_IP6_FRAG_MORE 0x0001
#define PT_IP6_FRAG_OFF	 0xfff8

/* An extension header's first bytes: what comes next, its length. */
struct pt_ip6_ext {
	__u8 nexthdr;
	__u8 len;
	__be16 frag_off; /* a fragment header's */
};

/*
 * Where an IPv6 packet's TCP/UDP header is, as pt_ip6_walk() returns it:
 * its offset in the frame, whether the packet is a first fragment, its
 * protocol. Negative: -PT_PARSE_OTHER or -PT_PARSE_BAD.
 */
#define PT_L4_OFF(w)   ((w)&0x1ff)
#define PT_L4_FRAG     0x200
#define PT_L4_PROTO(w) (((w) >> 10) & 0xff)

static __always_inline bool pt_ip6_is_ext(__u8 next)
{
	return next == PT_IP6_HOP || next == PT_IP6_ROUTING || next == PT_IP6_FRAGMENT ||
	       next == PT_IP6_DSTOPTS || next == PT_IP6_AH;
}

static __always_inline int pt_ip6_walk(void *data, void *data_end)
{
	__u32 off = sizeof(struct ethhdr) + sizeof(struct ipv6hdr);
	struct ipv6hdr *ip6 = data + sizeof(struct ethhdr);
	int i, frag = 0;
	__u8 next;

	if ((void *)(ip6 + 1) > data_end)
		return -PT_PARSE_BAD;
	next = ip6->nexthdr;
	for (i = 0; i < PT_IP6_EXT_MAX && pt_ip6_is_ext(next); i++) {
		struct pt_ip6_ext *ext = data + off;

		if ((void *)(ext + 1) > data_end)
			return -PT_PARSE_BAD;
		if (next == PT_IP6_FRAGMENT) {
			if (ext->frag_off & bpf_htons(PT_IP6_FRAG_OFF))
				return -PT_PARSE_OTHER; /* a later fragment: no ports */
			if (ext->frag_off & bpf_htons(PT_IP6_FRAG_MORE))
				frag = PT_L4_FRAG;
			off += 8;
		} else if (next == PT_IP6_AH) {
			off += (ext->len + 2) * 4;
		} else {
			off += (ext->len + 1) * 8;
		}
		next = ext->nexthdr;
		if (off > sizeof(struct ethhdr) + sizeof(struct ipv6hdr) + PT_IP6_EXT_BYTES)
			return -PT_PARSE_OTHER;
	}
	if (pt_ip6_is_ext(next))
		return -PT_PARSE_OTHER; /* more extension headers than are walked */
	return off | frag | next << 10;
}

/*
 * The walk as a function of its own, verified once: its caller goes on
 * from one state, whatever way it took through the headers.
 */
__attribute__((noinline)) int pt_ip6_walk_xdp(struct xdp_md *ctx)
{
	return pt_ip6_walk((void *)(long)ctx->data, (void *)(long)ctx->data_end);
}

__attribute__((noinline)) int pt_ip6_walk_skb(struct __sk_buff *skb)
{
	return pt_ip6_walk((void *)(long)skb->data, (void *)(long)skb->data_end);
}

/* clang-format off */
#define pt_ip6_walk_ctx(ctx) \
	_Generic((ctx), struct xdp_md * : pt_ip6_walk_xdp, default : pt_ip6_walk_skb)(ctx)
/* clang-format on */

#define pt_parse6(ctx, data, data_end, ip_room, p)                                     \
	({                                                                             \
		struct ipv6hdr *_ip6 = (data) + sizeof(struct ethhdr);                 \
		int _walk = -PT_PARSE_BAD;                                             \
                                                                                       \
		/* Most packets have no extension header: no walk for them. */         \
		if ((void *)(_ip6 + 1) <= (data_end))                                  \
			_walk = pt_ip6_is_ext(_ip6->nexthdr) ?                         \
					pt_ip6_walk_ctx(ctx) :                         \
					(int)(sizeof(struct ethhdr) + sizeof(*_ip6)) | \
						_ip6->nexthdr << 10;                   \
		pt_parse6_at(_walk, (data), (data_end), (ip_room), (p));               \
	})

static __always_inline enum pt_parse_result pt_parse6_at(int walk, void *data, void *data_end,
							 __u32 ip_room, struct pt_pkt *p)
{
	struct ipv6hdr *ip6 = data + sizeof(struct ethhdr);
	__u32 off, min_l4;

	if (walk < 0) /* spelt out: the verifier knows nothing of a walk's result */
		return walk == -PT_PARSE_BAD ? PT_PARSE_BAD : PT_PARSE_OTHER;
	if ((void *)(ip6 + 1) > data_end)
		return PT_PARSE_BAD;
	if (ip6->version != 6)
		return PT_PARSE_BAD;
	off = PT_L4_OFF(walk);
	min_l4 = pt_l4_min(PT_L4_PROTO(walk), p);
	if (!min_l4)
		return PT_PARSE_OTHER;
	p->ip_len = sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
	if (p->ip_len > ip_room)
		return PT_PARSE_BAD;
	if (p->ip_len + sizeof(struct ethhdr) < off + min_l4)
		return PT_PARSE_BAD;
	if (pt_parse_l4(data + off, data_end, p) != PT_PARSE_OK)
		return PT_PARSE_BAD;
	p->ip6 = ip6;
	p->data_end = data_end;
	p->family = PT_IPV6;
	p->l4_off = off;
	return walk & PT_L4_FRAG ? PT_PARSE_FRAG : PT_PARSE_OK;
}

/*
 * The packet of ctx (its data, data_end; frame_len bytes in all) into p.
 * A macro: the IPv6 walk is a function of ctx's type.
 */
#define pt_parse(ctx, data, data_end, frame_len, p)                                 \
	({                                                                          \
		struct ethhdr *_eth = (data);                                       \
		__u32 _room = (frame_len) - sizeof(*_eth);                          \
		enum pt_parse_result _r = PT_PARSE_OTHER;                           \
                                                                                    \
		if ((void *)(_eth + 1) > (data_end))                                \
			_r = PT_PARSE_BAD;                                          \
		else if (_eth->h_proto == bpf_htons(ETH_P_IP))                      \
			_r = pt_parse4((void *)(_eth + 1), (data_end), _room, (p)); \
		else if (_eth->h_proto == bpf_htons(ETH_P_IPV6))                    \
			_r = pt_parse6((ctx), (data), (data_end), _room, (p));      \
		_r;                                                                 \
	})

/*
 * The ports of a plain frame, IPv4 without options or IPv6 without
 * extension headers, TCP or UDP: [0] source, [1] destination, its protocol's
 * index into *proto_idx. NULL for any other frame: the full parse decides.
 * Nothing else is checked: it only lets a packet for no port of ptctl's,
 * most of them, pass without that parse.
 */
static __always_inline __be16 *pt_peek_ports(void *data, void *data_end, __u8 *proto_idx)
{
	struct ethhdr *eth = data;
	__be16 *ports;
	__u8 proto;

	if ((void *)(eth + 1) > data_end)
		return NULL;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		ports = (void *)(ip + 1);
		/* One byte: version 4, a 20-byte header (no options) */
		if ((void *)(ports + 2) > data_end || *(__u8 *)ip != 0x45)
			return NULL;
		proto = ip->protocol;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		ports = (void *)(ip6 + 1);
		if ((void *)(ports + 2) > data_end || ip6->version != 6)
			return NULL;
		proto = ip6->nexthdr;
	} else {
		return NULL;
	}
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return NULL;
	*proto_idx = proto == IPPROTO_UDP;
	return ports;
}

/*
 * The packet's source (dst: destination) address. An IPv6 one is checked
 * against the frame again: the verifier cannot tie the read to the family
 * the parse found.
 */
static __always_inline union pt_addr pt_pkt_addr(const struct pt_pkt *p, bool dst)
{
	union pt_addr a = { .words = { 0, 0 } };

	if (p->family == PT_IPV4)
		a.ip4 = dst ? p->ip->daddr : p->ip->saddr;
	else if ((void *)(p->ip6 + 1) <= p->data_end)
		__builtin_memcpy(&a, dst ? &p->ip6->daddr : &p->ip6->saddr, sizeof(a));
	return a;
}

#endif /* PT_PARSE_H */
