// SPDX-License-Identifier: GPL-2.0
#include <netinet/in.h>
#include <stdbool.h>
#include "rewrite_cases.h"

/* The packet of a case: its protocol, the open port, then any other fields. */
#define SPEC(_proto, _port, ...) \
	.spec = { .proto = IPPROTO_##_proto, .dport = _port, __VA_ARGS__ }

const struct rewrite_case rewrite_cases[] = {
	{ "tcp", SPEC(TCP, 5000, .payload_len = 32) },
	{ "udp", SPEC(UDP, 5000, .payload_len = 32) },
	{ "udp_no_csum", SPEC(UDP, 5000, .payload_len = 32, .udp_no_csum = true) },
	{ "tcp_ip_options", SPEC(TCP, 5001, .ip_opts_len = 12) },
	{ "udp_ip_options_max", SPEC(UDP, 5010, .payload_len = 9, .ip_opts_len = 40) },
	{ "tcp_odd_payload", SPEC(TCP, 5000, .payload_len = 33) },
	{ "udp_odd_payload", SPEC(UDP, 5020, .payload_len = 1) },
	{ "udp_odd_no_csum", SPEC(UDP, 5015, .payload_len = 7, .udp_no_csum = true) },
	{ "tcp_dont_fragment", SPEC(TCP, 5000, .frag_off = 0x4000) },
	{ "tcp_large", SPEC(TCP, 5000, .payload_len = 1460) },
	/* Checksum arithmetic's edge: UDP sends a computed 0 as 0xffff, TCP as 0. */
	{ "udp_csum_becomes_zero", SPEC(UDP, 5000, .payload_len = 8),
	  .zero_sum = PKT_ZERO_OUT },
	{ "tcp_csum_becomes_zero", SPEC(TCP, 5000, .payload_len = 8),
	  .zero_sum = PKT_ZERO_OUT },
	{ "udp_csum_was_zero", SPEC(UDP, 5000, .payload_len = 8),
	  .zero_sum = PKT_ZERO_IN },
	{ "tcp_csum_was_zero", SPEC(TCP, 5000, .payload_len = 8),
	  .zero_sum = PKT_ZERO_IN },
	/* A minimum-size Ethernet frame: the padding is not part of the packet. */
	{ "udp_padded_frame", SPEC(UDP, 5000), .pad = 18 },
};

const size_t n_rewrite_cases = sizeof(rewrite_cases) / sizeof(rewrite_cases[0]);
