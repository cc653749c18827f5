/* SPDX-License-Identifier: GPL-2.0 */
/* Includes every datapath program starts with. */
#ifndef PT_COMMON_H
#define PT_COMMON_H

#include "../vmlinux/vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define TC_ACT_OK   0
#define TC_ACT_SHOT 2
#define AF_INET	    2
#define AF_INET6    10
#define ETH_ALEN    6

/* The kernel object behind a program's context (struct xdp_buff, struct sk_buff). */
extern void *bpf_cast_to_kern_ctx(void *ctx) __ksym;

#endif /* PT_COMMON_H */
