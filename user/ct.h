/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Triggered flows in the kernel's conntrack table (bpf/conntrack.h creates
 * them), seen and ended through ctnetlink. The datapath hands a flow back to
 * the kernel on its next packet once its rule closed; ptctl ends them at
 * once when a rule goes away, so that no port stays open for a flow that
 * merely had no packet since.
 */
#ifndef PT_CT_H
#define PT_CT_H

#include "ptctl.h"

/*
 * Ends the triggered flows, marked cfg's way, on the open ports
 * ports[n_ports] (any port when ports is NULL): IPv4 flows to the WAN
 * addresses wan[n_wan] (an entry's original destination), IPv6 pinholes
 * (to any address: with two interfaces under one mark, those of both). One walk of the conntrack table, however
 * many ranges. Returns how many ended, or -1 with an error reported.
 */
int pt_ct_end_flows(const struct pt_config *cfg, const __u32 *wan, int n_wan,
		    const struct pt_range *ports, int n_ports);

#endif /* PT_CT_H */
