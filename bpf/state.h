/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rule state shared by the programs: which host holds a rule, whether it is
 * still live, and how a trigger claims, refreshes or conflicts with it.
 * All lookups are direct (array index or hash key): no scan over rules.
 */
#ifndef PT_STATE_H
#define PT_STATE_H

#include "maps.h"
#include "events.h"

#define NSEC_PER_SEC 1000000000ull
/* Refresh last_ns at most this often: saves a shared cache-line write per packet. */
#define PT_REFRESH_NS (NSEC_PER_SEC / 64)

/*
 * The datapath's clock: CLOCK_MONOTONIC at tick resolution, plenty for
 * timeouts in seconds and several times cheaper than bpf_ktime_get_ns().
 * Read only once a packet turned out to concern a rule.
 */
static __always_inline __u64 pt_now(void)
{
	return bpf_ktime_get_coarse_ns();
}

static __always_inline void *pt_lookup0(void *map)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(map, &zero);
}

static __always_inline struct pt_rule *pt_rule_get(__u32 rid)
{
	struct pt_rule *r = bpf_map_lookup_elem(&pt_rules, &rid);

	return r && (r->flags & PT_RULE_USED) ? r : NULL;
}

static __always_inline struct pt_rule_stats *pt_rule_stats_get(__u32 rid)
{
	return bpf_map_lookup_elem(&pt_rule_stats, &rid);
}

/* The rule id owning (proto_idx, port) as an open port, or -1. */
static __always_inline int pt_open_owner(__u8 proto_idx, __be16 port)
{
	__u32 key = pt_port_key(proto_idx, bpf_ntohs(port));
	__u32 *id = bpf_map_lookup_elem(&pt_open_idx, &key);

	return id && *id ? (int)(*id - 1) : -1;
}

static __always_inline bool pt_expired(const struct pt_active *a,
				       const struct pt_rule *r, __u64 now)
{
	return now - a->last_ns >= (__u64)r->timeout_s * NSEC_PER_SEC;
}

/* The holder entry of the rule's current definition, live or not. */
static __always_inline struct pt_active *pt_holder(__u32 rid, const struct pt_rule *r)
{
	struct pt_active *a = bpf_map_lookup_elem(&pt_active, &rid);

	return a && a->gen == r->gen ? a : NULL;
}

/* The holder entry if the rule is enabled and active now, else NULL. */
static __always_inline struct pt_active *pt_live(__u32 rid, const struct pt_rule *r,
						 __u64 now)
{
	struct pt_active *a;

	if (!(r->flags & PT_RULE_ENABLED))
		return NULL;
	a = pt_holder(rid, r);
	return a && !pt_expired(a, r, now) ? a : NULL;
}

static __always_inline void pt_touch(struct pt_active *a, __u64 now)
{
	if (now - a->last_ns > PT_REFRESH_NS)
		a->last_ns = now;
}

static __always_inline bool pt_allowed(const struct pt_rule *r, __u32 host)
{
	__u32 i, n = r->n_allow;

	if (!n)
		return true;
	for (i = 0; i < PT_MAX_ALLOW && i < n; i++)
		if ((host & r->allow[i].mask) == r->allow[i].addr)
			return true;
	return false;
}

#define PT_CLOCK_MONOTONIC 1

/*
 * Fires when the rule held in a may have expired: reports the expiry, or
 * waits again if there was activity since. A rule redefined or deleted
 * since has nothing to report (ptctl reported its release).
 */
static int pt_expiry_cb(void *map, __u32 *rid, struct pt_active *a)
{
	struct pt_rule *r = pt_rule_get(*rid);
	__u64 now = pt_now(), idle = now - a->last_ns;
	__u64 timeout = r ? (__u64)r->timeout_s * NSEC_PER_SEC : 0;

	(void)map;
	if (!r || a->gen != r->gen)
		return 0;
	if (idle < timeout)
		bpf_timer_start(&a->expiry, timeout - idle, 0);
	else
		pt_emit(PT_EV_EXPIRED, *rid, a->gen, a->holder, 0, now);
	return 0;
}

static __always_inline void pt_arm_expiry(struct pt_active *a, const struct pt_rule *r)
{
	bpf_timer_init(&a->expiry, &pt_active, PT_CLOCK_MONOTONIC); /* -EBUSY once done */
	bpf_timer_set_callback(&a->expiry, pt_expiry_cb);
	bpf_timer_start(&a->expiry, (__u64)r->timeout_s * NSEC_PER_SEC, 0);
}

static __always_inline void pt_conflict(__u32 rid, const struct pt_rule *r, struct pt_active *a,
					struct pt_rule_stats *rs, __u32 host, __u64 now)
{
	rs->conflicts++;
	if (now - a->conflict_ns < NSEC_PER_SEC)
		return;
	a->conflict_ns = now;
	pt_emit(PT_EV_CONFLICT, rid, r->gen, a->holder, host, now);
}

/*
 * A trigger packet from host for rule rid: take the rule if it is free
 * (never held, expired, or redefined since) or the policy is newest-wins,
 * refresh it if host holds it, else count a conflict.
 */
static __always_inline void pt_claim(__u32 rid, const struct pt_rule *r, __u32 host,
				     __u64 now)
{
	struct pt_rule_stats *rs = pt_rule_stats_get(rid);
	struct pt_active *a = bpf_map_lookup_elem(&pt_active, &rid);
	__u32 old, prev;
	bool live;

	if (!rs)
		return;
	rs->triggers++;
	if (!a) {
		struct pt_active fresh = {
			.holder = host, .gen = r->gen, .last_ns = now, .since_ns = now,
		};

		/* NOEXIST: if another CPU created it first, its holder stands. */
		if (bpf_map_update_elem(&pt_active, &rid, &fresh, BPF_NOEXIST))
			return;
		a = bpf_map_lookup_elem(&pt_active, &rid);
		if (!a)
			return;
		prev = 0;
	} else {
		live = a->gen == r->gen && !pt_expired(a, r, now);
		old = a->holder;
		if (live && old == host) {
			pt_touch(a, now);
			return;
		}
		if (live && !(r->flags & PT_RULE_NEWEST)) {
			pt_conflict(rid, r, a, rs, host, now);
			return;
		}
		/* Take it over; on a race with another taker, the first one wins. */
		if (__sync_val_compare_and_swap(&a->holder, old, host) != old)
			return;
		a->gen = r->gen;
		a->last_ns = now;
		a->since_ns = now;
		prev = live ? old : 0;
	}
	rs->activations++;
	pt_arm_expiry(a, r);
	pt_emit(PT_EV_ACTIVATED, rid, r->gen, host, prev, now);
}

#endif /* PT_STATE_H */
