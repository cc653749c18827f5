/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The datapath loaded for tests: the real skeleton, maps not pinned, rules
 * added through ptctl's own store code, programs run with BPF_PROG_TEST_RUN.
 */
#ifndef PT_TEST_FIXTURE_H
#define PT_TEST_FIXTURE_H

#include <linux/types.h>
#include "pins.h"
#include "ptctl.h"
#include "ptctl.skel.h"

struct fix {
	struct ptctl *skel;
	struct pt_maps m;
	struct pt_rule *rules; /* [PT_MAX_RULES], as pt_store_* keep them */
};

/* Loads the programs with fresh maps and writes the config (WAN address wan). */
int fix_open(struct fix *f, const char *wan);
void fix_close(struct fix *f);
/* Adds a rule the way `ptctl add-rule` does; returns its id, or -1. */
int fix_add_rule(struct fix *f, const char *name, const char *trigger, const char *open,
		 __u32 timeout_s);

struct run_result {
	int retval;
	__u8 out[1700];
	__u32 out_len;
	__u32 meta_len; /* XDP: metadata bytes in front of the frame in out */
};

/* Runs prog on frame once (repeat 1); out holds the frame as the program left it. */
int fix_run(int prog_fd, const void *frame, __u32 len, struct run_result *r);
/* Same, for XDP: out starts at the frame, meta_len tells how much metadata was set. */
int fix_run_xdp(struct fix *f, const void *frame, __u32 len, struct run_result *r);

/* Holder entry of rule id; -1 when absent. */
int fix_active(struct fix *f, __u32 id, struct pt_active *a);
/* Moves the rule's last activity back by seconds (simulates idle time). */
int fix_age(struct fix *f, __u32 id, __u64 seconds);
/* Rule counters summed over CPUs. */
int fix_rule_stats(struct fix *f, __u32 id, struct pt_rule_stats *st);

#endif /* PT_TEST_FIXTURE_H */
