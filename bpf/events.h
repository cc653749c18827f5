/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events for `ptctl monitor`: to the ring buffer of every running monitor
 * (pt_readers), rate-limited per CPU.
 */
#ifndef PT_EVENTS_H
#define PT_EVENTS_H

#include "maps.h"
#include "parse.h"

static __always_inline bool pt_ev_allowed(__u64 now)
{
	struct pt_ev_budget *b = pt_lookup0(&pt_ev_budget);

	if (!b)
		return false;
	if (now - b->window_ns >= PT_EV_WINDOW_NS) {
		b->window_ns = now;
		b->sent = 0;
	}
	return b->sent++ < PT_EV_BURST;
}

/* Once a second at most, as the stamp *last_ns says (updated). */
static __always_inline bool pt_ev_once_a_second(__u64 *last_ns, __u64 now)
{
	if (now - *last_ns < PT_NSEC_PER_SEC)
		return false;
	*last_ns = now;
	return true;
}

/* ev, with what trigger packet p (NULL: none) said of its peer, to every monitor. */
static __always_inline void pt_ev_send(struct pt_event *ev, const struct pt_pkt *p, __u64 now)
{
	struct pt_stats *st = pt_lookup0(&pt_stats);

	ev->ts_ns = now;
	if (p) {
		pt_addr_set(ev->peer, pt_pkt_addr(p, true));
		ev->port = bpf_ntohs(p->ports[1]);
		ev->proto = pt_proto_of_idx(p->proto_idx);
	}
	if (!pt_ev_allowed(now)) {
		if (st)
			st->ev_limited++;
		return;
	}
	/* Unrolled: verifying the timer callback loses track of a loop counter. */
#pragma unroll
	for (int i = 0; i < PT_MAX_READERS; i++) {
		__u32 slot = i;
		void *rb = bpf_map_lookup_elem(&pt_readers, &slot);

		if (rb && bpf_ringbuf_output(rb, ev, sizeof(*ev), 0) && st)
			st->ev_lost++;
	}
}

/* An event of rule rid's generation gen: its holder (of family), the other host if any. */
static __always_inline void pt_emit(enum pt_event_type type, __u32 rid, __u32 gen,
				    enum pt_family family, union pt_addr holder,
				    union pt_addr other, const struct pt_pkt *p, __u64 now)
{
	struct pt_event ev = { .type = type, .rule = rid, .gen = gen, .family = family };

	pt_addr_set(ev.holder, holder);
	pt_addr_set(ev.other, other);
	pt_ev_send(&ev, p, now);
}

/* Trigger packet p of host (its source) refused by rule rid for reason. */
static __always_inline void pt_emit_refused(enum pt_refusal reason, __u32 rid, __u32 gen,
					    union pt_addr host, const struct pt_pkt *p, __u64 now)
{
	struct pt_event ev = { .type = PT_EV_REFUSED,
			       .rule = rid,
			       .gen = gen,
			       .family = p->family,
			       .reason = reason };

	pt_addr_set(ev.other, host);
	pt_ev_send(&ev, p, now);
}

#endif /* PT_EVENTS_H */
