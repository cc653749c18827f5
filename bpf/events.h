/* SPDX-License-Identifier: GPL-2.0 */
/* Events for `ptctl monitor`, through the pt_events ring buffer, rate-limited per CPU. */
#ifndef PT_EVENTS_H
#define PT_EVENTS_H

#include "maps.h"

static __always_inline bool pt_ev_allowed(__u64 now)
{
	__u32 zero = 0;
	struct pt_ev_budget *b = bpf_map_lookup_elem(&pt_ev_budget, &zero);

	if (!b)
		return false;
	if (now - b->window_ns >= PT_EV_WINDOW_NS) {
		b->window_ns = now;
		b->sent = 0;
	}
	return b->sent++ < PT_EV_BURST;
}

static __always_inline void pt_emit(enum pt_event_type type, __u32 rid, __u32 gen, __be32 holder,
				    __be32 other, __u64 now)
{
	struct pt_event ev = { .ts_ns = now, .type = type, .rule = rid, .gen = gen };
	__u32 zero = 0;
	struct pt_stats *st = bpf_map_lookup_elem(&pt_stats, &zero);

	pt_ip4_set(ev.holder, holder);
	pt_ip4_set(ev.other, other);

	if (!pt_ev_allowed(now)) {
		if (st)
			st->ev_limited++;
		return;
	}
	if (bpf_ringbuf_output(&pt_events, &ev, sizeof(ev), 0) && st)
		st->ev_lost++;
}

#endif /* PT_EVENTS_H */
