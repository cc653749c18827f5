/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test packets: build Ethernet/IPv4|IPv6/TCP|UDP frames with correct
 * checksums, and verify the checksums of a frame by recomputing them from
 * scratch.
 */
#ifndef PT_TEST_PKT_H
#define PT_TEST_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define PKT_MAX 1600

struct pkt_spec {
	int proto;		   /* IPPROTO_TCP or IPPROTO_UDP */
	const char *saddr, *daddr; /* dotted quads, or IPv6 addresses: an IPv6 packet */
	__u16 sport, dport;	   /* host order */
	size_t payload_len;	   /* filled with a counting pattern */
	int ip_opts_len;	   /* bytes of IP options (NOPs + EOL), multiple of 4 */
	bool udp_no_csum;	   /* UDP checksum 0: "none" */
	__u16 frag_off;		   /* raw IPv4 frag_off field, host order */
	__u8 tcp_flags;		   /* 0: PSH|ACK */
	/* IPv6: extension headers before TCP/UDP, in order, 8 bytes each (PKT_EXT6_*). */
	const __u8 *ext6;
	int n_ext6;
	__u16 frag6; /* a fragment header's offset field: offset in 8 bytes << 3 | M */
};

#define PKT_EXT6_HOP	  0
#define PKT_EXT6_ROUTING  43
#define PKT_EXT6_FRAGMENT 44
#define PKT_EXT6_AH	  51
#define PKT_EXT6_DSTOPTS  60

/* Builds the frame into buf[PKT_MAX]; returns its length. */
size_t pkt_build(__u8 *buf, const struct pkt_spec *s);
/*
 * An ICMP error (type, code) from saddr to daddr about the IP packet at
 * about, quoting its header and first 8 bytes as RFC 792 has it, into
 * buf[PKT_MAX]; returns the frame length.
 */
size_t pkt_build_icmp_error(__u8 *buf, const char *saddr, const char *daddr, __u8 type, __u8 code,
			    const __u8 *about);
/* Ones-complement sum helpers, independent of the datapath's code. */
__u16 pkt_ip_csum(const __u8 *ip, size_t ihl);
__u16 pkt_l4_csum(const __u8 *ip, size_t len);
/* True when the IP header and L4 checksums of frame are correct. */
bool pkt_csums_ok(const __u8 *frame, size_t len);
__u32 pkt_addr(const char *dotted); /* network order */
/* The 16 bytes of an IPv6 address, or of an IPv4 one (first four, the rest zero). */
void pkt_addr6(const char *addr, __u8 *out);

enum pkt_zero { PKT_ZERO_NONE, PKT_ZERO_IN, PKT_ZERO_OUT };
/*
 * A packet as it enters a program (in, from s_in) and as it must leave
 * (out, from s_out: the same packet, other addresses), both followed by pad
 * bytes of Ethernet padding; zero says which of them has an L4 sum of 0.
 * Returns the frame length.
 */
size_t pkt_build_pair(__u8 *in, const struct pkt_spec *s_in, __u8 *out,
		      const struct pkt_spec *s_out, size_t pad, enum pkt_zero zero);

#endif /* PT_TEST_PKT_H */
