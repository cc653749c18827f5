/* SPDX-License-Identifier: GPL-2.0 */
/* Header parsing shared by the XDP and TC programs: Ethernet, IPv4, TCP/UDP. */
#ifndef PT_PARSE_H
#define PT_PARSE_H

#define ETH_P_IP   0x0800
#define IP_MF	   0x2000
#define IP_OFFSET  0x1fff
#define L4_MIN_UDP 8
#define L4_MIN_TCP 20

enum pt_parse_result {
	PT_PARSE_OK,	/* IPv4 TCP/UDP with ports: ours to look at */
	PT_PARSE_OTHER, /* well-formed, but not IPv4 TCP/UDP with ports (a later fragment) */
	PT_PARSE_BAD,	/* truncated or malformed: hands off */
	PT_PARSE_FRAG,	/* the first fragment of a TCP/UDP datagram: its ports, to look at only */
};

struct pt_pkt {
	struct iphdr *ip;
	__be16 *ports;	  /* [0] source, [1] destination */
	__sum16 *l4_csum; /* TCP or UDP checksum field */
	__u32 l4_off;	  /* from the start of the frame */
	__u32 ip_len;	  /* IPv4 total length */
	__u8 proto_idx;	  /* 0 TCP, 1 UDP: first half of the port index key */
	__u8 tcp_flags;	  /* TCP: FIN, SYN, RST, ... (byte 13); UDP: 0 */
};

/* TCP flags that open or end a connection: conntrack's state machine must see them. */
#define PT_TCP_FIN 0x01
#define PT_TCP_SYN 0x02
#define PT_TCP_RST 0x04

/*
 * frame_len is the whole frame, data_end only its directly readable part
 * (they differ for non-linear skbs). A fragment is never for rewriting: a
 * later one has no ports, and rewriting only the first would split a
 * datagram between two destinations at reassembly. The first one's ports
 * still tell which flow the datagram opens (PT_PARSE_FRAG).
 */
static __always_inline enum pt_parse_result pt_parse(void *data, void *data_end, __u32 frame_len,
						     struct pt_pkt *p)
{
	struct ethhdr *eth = data;
	struct iphdr *ip;
	__u32 ihl, min_l4;
	void *l4;

	if ((void *)(eth + 1) > data_end)
		return PT_PARSE_BAD;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return PT_PARSE_OTHER;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return PT_PARSE_BAD;
	if (ip->version != 4 || ip->ihl < 5)
		return PT_PARSE_BAD;
	if (ip->protocol == IPPROTO_TCP) {
		p->proto_idx = 0;
		min_l4 = L4_MIN_TCP;
	} else if (ip->protocol == IPPROTO_UDP) {
		p->proto_idx = 1;
		min_l4 = L4_MIN_UDP;
	} else {
		return PT_PARSE_OTHER;
	}
	if (ip->frag_off & bpf_htons(IP_OFFSET))
		return PT_PARSE_OTHER;

	ihl = ip->ihl * 4;
	p->ip_len = bpf_ntohs(ip->tot_len);
	if (p->ip_len < ihl + min_l4 || p->ip_len > frame_len - sizeof(*eth))
		return PT_PARSE_BAD;
	l4 = (void *)ip + ihl;
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
	p->ip = ip;
	p->ports = l4;
	p->l4_off = sizeof(*eth) + ihl;
	return ip->frag_off & bpf_htons(IP_MF) ? PT_PARSE_FRAG : PT_PARSE_OK;
}

#endif /* PT_PARSE_H */
