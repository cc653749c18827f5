/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The packets both address rewrites must get right, byte for byte: XDP's
 * destination rewrite (inbound to the open port) and TC's source rewrite
 * (the holder's reply from it). Each suite fills in addresses and the other port.
 */
#ifndef PT_TEST_REWRITE_CASES_H
#define PT_TEST_REWRITE_CASES_H

#include "pkt.h"

struct rewrite_case {
	const char *name;
	struct pkt_spec spec; /* protocol, open port (.dport) and shape; the suite adds the rest */
	size_t pad;	      /* Ethernet padding after the IP packet */
	enum pkt_zero zero_sum; /* in or out with an L4 sum of 0 */
};

extern const struct rewrite_case rewrite_cases[];
extern const size_t n_rewrite_cases;

#endif /* PT_TEST_REWRITE_CASES_H */
