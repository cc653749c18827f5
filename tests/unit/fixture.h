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
	__u8 meta[64];	/* XDP: the first of them */
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
/* Datapath counters summed over CPUs. */
int fix_stats(struct fix *f, struct pt_stats *st);

/* The datapath's clock, bpf_ktime_get_coarse_ns(). */
__u64 fix_now_ns(void);
/* Makes host the holder of rule id, active from now, as a trigger would. */
int fix_activate(struct fix *f, __u32 id, __u32 holder);
/* Rule id as the datapath sees it; put writes it back (and to f->rules). */
int fix_rule_get(struct fix *f, __u32 id, struct pt_rule *r);
int fix_rule_put(struct fix *f, __u32 id, const struct pt_rule *r);
/* Sets and clears enum pt_rule_flags bits of rule id in the map. */
int fix_rule_flags(struct fix *f, __u32 id, __u32 set, __u32 clear);
/* Makes rule id's holder entry one of the slot's previous rule (older gen). */
int fix_make_stale(struct fix *f, __u32 id);

#endif /* PT_TEST_FIXTURE_H */
