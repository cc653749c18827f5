// SPDX-License-Identifier: GPL-2.0
/*
 * TC ingress on the WAN interface: finishes, at skb level, what pt_xdp_in
 * did to a packet it rewrote (told by XDP metadata):
 *  - sets the mark the operator's firewall admits triggered traffic by;
 *  - redoes the L4 checksum update with bpf_l4_csum_replace(), which knows
 *    the skb's checksum state. XDP's own update is right for a packet as on
 *    the wire, but not for CHECKSUM_PARTIAL skbs (the field holds the
 *    pseudo-header seed, e.g. from a veth peer) nor CHECKSUM_COMPLETE ones
 *    (skb->csum would no longer match).
 */
#include "common.h"
#include "../include/ptctl.h"

SEC("tc")
int pt_tc_in(struct __sk_buff *skb)
{
	struct pt_meta *mp = (void *)(long)skb->data_meta;
	struct pt_meta m;

	if ((void *)(mp + 1) > (void *)(long)skb->data || mp->magic != PT_META_MAGIC)
		return TC_ACT_OK;
	m = *mp; /* the helpers below invalidate packet pointers */
	skb->mark = (skb->mark & ~m.mask) | (m.mark & m.mask);
	/* Back to the checksum that matches skb state, then the kernel's update. */
	if (bpf_skb_store_bytes(skb, m.l4_csum_off, &m.l4_csum, sizeof(m.l4_csum), 0))
		return TC_ACT_OK;
	bpf_l4_csum_replace(skb, m.l4_csum_off, m.from, m.to,
			    BPF_F_PSEUDO_HDR | sizeof(m.to) | (m.is_udp ? BPF_F_MARK_MANGLED_0 : 0));
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
