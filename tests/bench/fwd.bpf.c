// SPDX-License-Identifier: GPL-2.0
/*
 * The forwarding benchmark's own programs (tests/bench/fwd.c):
 *  fwd_gen     run with BPF_F_TEST_XDP_LIVE_FRAMES on the WAN host: sends
 *              the frame `hdr`, its source port cycling over `flows`
 *              values (UDP checksum kept right), out of its interface. It
 *              writes the headers whole every time: a frame's page comes
 *              back for reuse as the router left it (NAT, MACs, TTL);
 *  fwd_count   on the LAN host: counts the frames that arrive as forwarded
 *              ones must (destination, TTL one less, both checksums right)
 *              and the others, then drops them;
 *  fwd_bare    the ceiling, on the router's WAN interface: sends every frame
 *              on to the LAN interface, Ethernet addresses swapped, nothing
 *              else looked at.
 */
#include "../../vmlinux/vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_P_IP 0x0800

/* fwd_gen: the frame's headers, Ethernet to UDP, and their source port's checksum share */
#define HDR_LEN (14 + 20 + 8)
__u8 hdr[HDR_LEN];
__u32 flows = 1;
__u64 sent;

/* fwd_count */
__be32 expect_dst;
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

SEC("xdp")
int fwd_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	__u16 old, new;
	__u32 sum;

	if ((void *)(udp + 1) > end)
		return XDP_ABORTED;
	__builtin_memcpy(data, hdr, HDR_LEN);
	old = udp->source;
	new = bpf_htons(bpf_ntohs(old) + sent++ % flows);
	udp->source = new;
	if (udp->check) {
		sum = (__u16)~udp->check + (__u16)~old + new;
		udp->check = fold(sum) ?: 0xffff;
	}
	return XDP_TX;
}

SEC("xdp")
int fwd_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	__u32 sum, len;

	if ((void *)(udp + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->protocol != IPPROTO_UDP || ip->ihl != 5)
		return XDP_PASS;
	len = bpf_ntohs(udp->len);
	/* Pseudo header, then the UDP header and payload (at most 128 bytes). */
	sum = (ip->saddr & 0xffff) + (ip->saddr >> 16) + (ip->daddr & 0xffff) + (ip->daddr >> 16) +
	      bpf_htons(IPPROTO_UDP) + udp->len;
	sum = sum16(udp, (len + 1) / 2, end, sum);
	if (ip->daddr == expect_dst && ip->ttl == expect_ttl && !fold(sum16(ip, 10, end, 0)) &&
	    (!udp->check || !fold(sum)) && !(len & 1))
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
