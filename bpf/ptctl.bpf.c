// SPDX-License-Identifier: GPL-2.0
/*
 * The datapath, all of ptctl's programs in one object (one skeleton):
 *   xdp_ingress.c  pt_xdp_in   XDP on the WAN interface: inbound flows
 *   tc_egress.c    pt_tc_out   TC egress on the WAN interface: triggers
 *   xdp_lan.c      pt_xdp_lan  XDP on the LAN side (--fastpath): holders' replies
 *   release.c      pt_release  run by ptctl to close a rule
 * One compilation unit: libbpf 1.1's linker cannot merge a kfunc that two
 * objects declare.
 */
#include "common.h"
#include "parse.h"
#include "state.h"
#include "route.h"
#include "conntrack.h"
#include "flows.h"
#include "fastpath.h"
#include "peers.h"

#include "xdp_ingress.c"
#include "tc_egress.c"
#include "xdp_lan.c"
#include "release.c"

char LICENSE[] SEC("license") = "GPL";
