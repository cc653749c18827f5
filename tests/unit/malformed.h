/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Frames the datapath must leave alone, shared by the XDP and TC suites:
 * truncated or malformed IPv4, later fragments, and well-formed traffic that
 * is not IPv4 TCP/UDP (IPv6 ones: test_ipv6). Each is derived from a packet the suite would otherwise
 * rewrite or count, so a parser that let it through would show.
 */
#ifndef PT_TEST_MALFORMED_H
#define PT_TEST_MALFORMED_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "pkt.h"

struct malformed {
	const char *name;
	int proto;	 /* frame to start from: IPPROTO_TCP or IPPROTO_UDP */
	bool bad;	 /* a parse failure; else well-formed but not ours */
	__u16 ethertype; /* host order; 0: IPv4 */
	__u8 ver_ihl;	 /* first IP byte; 0: as built */
	__u8 ip_proto;	 /* 0: as built */
	__u16 tot_len;	 /* 0: as built */
	__u16 frag_off;	 /* raw field, host order */
	size_t cut;	 /* frame length kept; 0: all */
};

extern const struct malformed malformed_cases[];
extern const size_t n_malformed;

/* Builds base (payload dropped, proto from c) with c's damage into frame[PKT_MAX]. */
size_t malformed_build(__u8 *frame, const struct malformed *c, const struct pkt_spec *base);

#endif /* PT_TEST_MALFORMED_H */
