// SPDX-License-Identifier: GPL-2.0
/*
 * The forwarding benchmark's own programs (tests/bench/fwd.c):
 *  fwd_gen     run with BPF_F_TEST_XDP_LIVE_FRAMES on the WAN host: sends
 *              the frame `hdr` (IPv4 or IPv6, UDP), its source port cycling
 *              over `flows` values (UDP checksum kept right), out of its
 *              interface. It writes the headers whole every time: a
 *              frame's page comes back for reuse as the router left it
 *              (NAT, MACs, TTL or hop limit);
 *  fwd_count   on the LAN host: counts the UDP frames that arrive as
 *              forwarded ones must (destination, TTL or hop limit, the IPv4
 *              header and the UDP checksums right) and the others, then
 *              drops them; the family is the frame's;
 *  fwd_bare    the ceiling, on the router's WAN interface: sends every frame
 *              on to the LAN interface, Ethernet addresses swapped, nothing
 *              else looked at.
 */
#include "../../vmlinux/vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_P_IP   0x0800
#define ETH_P_IPV6 0x86DD

/* fwd_gen: the frame's headers, Ethernet to UDP (IPv4: the first HDR4_LEN bytes) */
#define HDR4_LEN (14 + 20 + 8)
#define HDR6_LEN (14 + 40 + 8)
__u8 hdr[HDR6_LEN];
__u32 flows = 1;
__u64 sent;

/* fwd_count: the destination as 16 bytes (IPv4: the first four), the TTL or hop limit */
__be32 expect_dst[4];
__u8 expect_ttl;
__u64 good, bad;

/* fwd_bare */
__u32 bare_ifindex;
__u8 bare_dmac[6], bare_smac[6];

static __always_inline __u32 sum16(const void *p, int words, const void *end, __u32 sum)
{
	const __u16 *w = p;

	for (int i = 0; i < words && i < 64; i++) {
		if ((void *)(w + i + 1) > end)
			break;
		sum += w[i];
	}
	return sum;
}

static __always_inline __u16 fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/*
 * Whether the UDP checksum is right, the same for both families: addrs
 * points at the source and destination addresses, consecutive in both
 * headers (words: their 16-bit words), which with the protocol and the UDP
 * length make the pseudo header. sum16 adds whole words (at most 128 bytes
 * of datagram): a datagram of odd length is not checked, so counted wrong
 * (the bench sends even ones).
 */
static __always_inline bool udp_sum_ok(const void *addrs, int words, struct udphdr *udp,
				       const void *end)
{
	__u16 len = bpf_ntohs(udp->len);
	__u32 sum = sum16(addrs, words, end, bpf_htons(IPPROTO_UDP) + udp->len);

	return !(len & 1) && !fold(sum16(udp, len / 2, end, sum));
}

/* The destination is expect_dst's first `words` 32-bit words. */
static __always_inline bool dst_is(const __be32 *dst, int words)
{
	for (int i = 0; i < words && i < 4; i++)
		if (dst[i] != expect_dst[i])
			return false;
	return true;
}

/* Writes len bytes of hdr (a constant, as the verifier wants); the UDP header, NULL when short. */
static __always_inline struct udphdr *put_hdr(void *data, const void *end, const int len)
{
	if (data + len > end)
		return NULL;
	__builtin_memcpy(data, hdr, len);
	return data + len - sizeof(struct udphdr);
}

SEC("xdp")
int fwd_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct udphdr *udp;
	__u16 old, new;
	__u32 sum;

	if (((struct ethhdr *)hdr)->h_proto == bpf_htons(ETH_P_IPV6))
		udp = put_hdr(data, end, HDR6_LEN);
	else
		udp = put_hdr(data, end, HDR4_LEN);
	if (!udp)
		return XDP_ABORTED;
	old = udp->source;
	new = bpf_htons(bpf_ntohs(old) + sent++ % flows);
	udp->source = new;
	/* A checksum 0 is "none" in IPv4 only; a computed 0 is sent as 0xffff */
	if (udp->check) {
		sum = (__u16)~udp->check + (__u16)~old + new;
		udp->check = fold(sum) ?: 0xffff;
	}
	return XDP_TX;
}

/* An IPv4 frame: 1 forwarded right, 0 wrongly, -1 not the bench's (not UDP). */
static __always_inline int count4(struct iphdr *ip, const void *end)
{
	struct udphdr *udp = (void *)(ip + 1);

	if ((void *)(udp + 1) > end || ip->protocol != IPPROTO_UDP || ip->ihl != 5)
		return -1;
	/*
	 * The header's sum last: clang reuses its loop's bound pointer for the
	 * UDP header, and the verifier then no longer knows that one's range.
	 */
	return dst_is(&ip->daddr, 1) && ip->ttl == expect_ttl &&
	       (!udp->check || udp_sum_ok(&ip->saddr, 4, udp, end)) && !fold(sum16(ip, 10, end, 0));
}

/* An IPv6 frame, as count4: no header checksum, and the UDP checksum is mandatory. */
static __always_inline int count6(struct ipv6hdr *ip6, const void *end)
{
	struct udphdr *udp = (void *)(ip6 + 1);

	if ((void *)(udp + 1) > end || ip6->nexthdr != IPPROTO_UDP)
		return -1;
	return dst_is(ip6->daddr.in6_u.u6_addr32, 4) && ip6->hop_limit == expect_ttl &&
	       udp->check && udp_sum_ok(&ip6->saddr, 16, udp, end);
}

SEC("xdp")
int fwd_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	int ok = -1;

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		ok = count4((void *)(eth + 1), end);
	else if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		ok = count6((void *)(eth + 1), end);
	/* ARP, neighbour discovery: the host must still answer them */
	if (ok < 0)
		return XDP_PASS;
	if (ok)
		good++;
	else
		bad++;
	return XDP_DROP;
}

SEC("xdp")
int fwd_bare(struct xdp_md *ctx)
{
	struct ethhdr *eth = (void *)(long)ctx->data;

	if ((void *)(eth + 1) > (void *)(long)ctx->data_end)
		return XDP_PASS;
	__builtin_memcpy(eth->h_dest, bare_dmac, 6);
	__builtin_memcpy(eth->h_source, bare_smac, 6);
	return bpf_redirect(bare_ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
