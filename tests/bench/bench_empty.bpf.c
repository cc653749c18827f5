// SPDX-License-Identifier: GPL-2.0
/*
 * Baselines for `make bench`: programs that do nothing, so the bench can
 * tell what ptctl's programs add to the fixed cost of running a program.
 *
 * And restore stubs, for the cases whose program rewrites the frame:
 * BPF_PROG_TEST_RUN runs every repeat on the same buffer, so without them
 * only the first repeat would see the original packet. A stub puts the
 * frame's headers back (and drops XDP metadata), then tail-calls the
 * program under test: ptctl's, or the empty one for the baseline.
 */
#include "../../vmlinux/vmlinux.h"
#include <bpf/bpf_helpers.h>

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

/* Bytes the stubs restore: Ethernet, IPv4 and TCP headers, and some payload. */
#define BENCH_HDR 64

/* The frame's first BENCH_HDR bytes, as the bench built them. */
__u64 bench_hdr[BENCH_HDR / 8];

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_xdp_next SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_tc_next SEC(".maps");

SEC("xdp")
int bench_xdp_empty(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("tc")
int bench_tc_empty(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

SEC("xdp")
int bench_xdp_restore(struct xdp_md *ctx)
{
	__u64 *data, *data_end;
	int i;

	/* Unconditional, so that the baseline pays for the call too. */
	bpf_xdp_adjust_meta(ctx, (int)(ctx->data - ctx->data_meta));
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if ((void *)data + BENCH_HDR > (void *)data_end)
		return XDP_ABORTED;
#pragma unroll
	for (i = 0; i < BENCH_HDR / 8; i++)
		data[i] = bench_hdr[i];
	bpf_tail_call(ctx, &bench_xdp_next, 0);
	return XDP_ABORTED;
}

SEC("tc")
int bench_tc_restore(struct __sk_buff *skb)
{
	if (bpf_skb_store_bytes(skb, 0, bench_hdr, BENCH_HDR, 0))
		return TC_ACT_SHOT;
	bpf_tail_call(skb, &bench_tc_next, 0);
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";
