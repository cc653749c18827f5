// SPDX-License-Identifier: GPL-2.0
/*
 * Baselines for `make bench`: programs that do nothing, so the bench can
 * tell what ptctl's programs add to the fixed cost of running a program.
 * (The integrity suite uses the XDP one as a program that is not ptctl's.)
 */
#include "../../vmlinux/vmlinux.h"
#include <bpf/bpf_helpers.h>

#define TC_ACT_OK 0

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

char LICENSE[] SEC("license") = "GPL";
