// SPDX-License-Identifier: GPL-2.0
#include <netinet/in.h>
#include "malformed.h"

#define ETH_LEN 14
#define TCP_LEN (20 + 20) /* IP total length of a TCP packet without payload */
#define UDP_LEN (20 + 8)

#define TCP IPPROTO_TCP
#define UDP IPPROTO_UDP

const struct malformed malformed_cases[] = {
	/* Someone else's traffic. */
	{ "not_ours_arp", TCP, false, .ethertype = 0x0806 },
	{ "bad_ipv4_under_ipv6_ethertype", TCP, true, .ethertype = 0x86dd },
	{ "not_ours_vlan", TCP, false, .ethertype = 0x8100 },
	{ "not_ours_icmp", TCP, false, .ip_proto = IPPROTO_ICMP },
	{ "not_ours_gre", UDP, false, .ip_proto = IPPROTO_GRE },
	/* Truncated: each header in turn ends early. */
	{ "bad_ethernet_only", TCP, true, .cut = ETH_LEN },
	{ "bad_short_ip_header", TCP, true, .cut = ETH_LEN + 19 },
	{ "bad_tcp_header_cut", TCP, true, .cut = ETH_LEN + 20 + 10 },
	{ "bad_tcp_header_cut_tot_len_fits", TCP, true, .cut = ETH_LEN + 20 + 10,
	  .tot_len = 20 + 10 },
	{ "bad_udp_header_cut_tot_len_fits", UDP, true, .cut = ETH_LEN + 20 + 4,
	  .tot_len = 20 + 4 },
	/* Lying headers. */
	{ "bad_ihl_below_5", TCP, true, .ver_ihl = 0x44 },
	{ "bad_ihl_past_packet", TCP, true, .ver_ihl = 0x4f },
	{ "bad_ihl_leaves_no_tcp_header", TCP, true, .ver_ihl = 0x46 },
	{ "bad_version_6_in_ipv4", TCP, true, .ver_ihl = 0x65 },
	{ "bad_tot_len_past_frame", TCP, true, .tot_len = TCP_LEN + 1 },
	{ "bad_tot_len_below_tcp_header", TCP, true, .tot_len = TCP_LEN - 1 },
	{ "bad_tot_len_below_udp_header", UDP, true, .tot_len = UDP_LEN - 1 },
	{ "bad_tot_len_below_ip_header", TCP, true, .tot_len = 19 },
	{ "bad_tot_len_zero", UDP, true, .tot_len = 0xffff }, /* 0xffff: write 0 */
	/* Later fragments: no ports (the first one opens or triggers: test_xdp, test_tc). */
	{ "not_ours_middle_fragment", UDP, false, .frag_off = 0x2000 | 185 },
	{ "not_ours_last_fragment", UDP, false, .frag_off = 185 },
};
const size_t n_malformed = sizeof(malformed_cases) / sizeof(malformed_cases[0]);

size_t malformed_build(__u8 *frame, const struct malformed *c, const struct pkt_spec *base)
{
	struct pkt_spec s = *base;
	__u8 *ip = frame + ETH_LEN;
	size_t len, ihl;
	__u16 csum;

	s.proto = c->proto;
	s.payload_len = 0;
	s.ip_opts_len = 0;
	s.frag_off = c->frag_off;
	len = pkt_build(frame, &s);
	if (c->ethertype) {
		frame[12] = c->ethertype >> 8;
		frame[13] = c->ethertype & 0xff;
	}
	if (c->ver_ihl)
		ip[0] = c->ver_ihl;
	if (c->ip_proto)
		ip[9] = c->ip_proto;
	if (c->tot_len) {
		__u16 v = c->tot_len == 0xffff ? 0 : c->tot_len;

		ip[2] = v >> 8;
		ip[3] = v & 0xff;
	}
	if (c->cut)
		len = c->cut;
	/* A valid IP checksum where there is a header: only the damage is wrong. */
	ihl = (ip[0] & 0xf) * 4;
	if (ihl >= 20 && len >= ETH_LEN + ihl) {
		ip[10] = ip[11] = 0;
		csum = pkt_ip_csum(ip, ihl);
		ip[10] = csum >> 8;
		ip[11] = csum & 0xff;
	}
	return len;
}
