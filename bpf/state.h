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

/*
 * The datapath's clock: CLOCK_MONOTONIC at tick resolution, plenty for
 * timeouts in seconds and several times cheaper than bpf_ktime_get_ns().
 * Read only once a packet turned out to concern a rule.
 */
static __always_inline __u64 pt_now(void)
{
	return bpf_ktime_get_coarse_ns();
}

static __always_inline struct pt_rule *pt_rule_get(__u32 rid)
{
	return bpf_map_lookup_elem(&pt_rules, &rid);
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

/* The slot of the rules (proto_idx, port) triggers, or NULL: none. */
static __always_inline struct pt_trig_slot *pt_trig_slot(__u8 proto_idx, __be16 port)
{
	__u32 key = pt_port_key(proto_idx, bpf_ntohs(port));
	struct pt_trig_slot *slot = bpf_map_lookup_elem(&pt_trig_idx, &key);

	return slot && slot->rule[0] ? slot : NULL;
}

/* Rule r's holder of a family (an index the verifier can bound). */
static __always_inline struct pt_holder *pt_holder(struct pt_rule *r, enum pt_family family)
{
	return &r->holder[family == PT_IPV6];
}

static __always_inline bool pt_expired(const struct pt_rule *r, const struct pt_holder *h,
				       __u64 now)
{
	return pt_idle_expired(now, h->last_ns, r->timeout_s);
}

/* The holder of a family of the rule's current definition, live or not; NULL: none since. */
static __always_inline struct pt_holder *pt_holder_of(struct pt_rule *r, enum pt_family family)
{
	struct pt_holder *h = pt_holder(r, family);

	return h->gen == r->gen ? h : NULL;
}

/* The holder of a family if it holds the rule live now (held, enabled), else NULL. */
static __always_inline struct pt_holder *pt_live(struct pt_rule *r, enum pt_family family,
						 __u64 now)
{
	struct pt_holder *h = pt_holder(r, family);

	return r->enabled && pt_held(r, h, now) ? h : NULL;
}

/* Is host the live holder a? */
static __always_inline bool pt_is_holder(const struct pt_holder *a, union pt_addr host)
{
	return a && pt_addr_eq(pt_addr(a->addr), host);
}

/* Records activity; at most every PT_REFRESH_NS, and never backwards. */
static __always_inline void pt_touch(struct pt_holder *a, __u64 now)
{
	if ((__s64)(now - a->last_ns) > (__s64)PT_REFRESH_NS)
		a->last_ns = now;
}

/*
 * A packet of a flow of rule rid forwarded, inbound (to the holder) or out:
 * counted, and activity of the holder (a).
 */
static __always_inline void pt_forwarded(__u32 rid, struct pt_holder *a, bool inbound, __u32 len,
					 __u64 now)
{
	struct pt_rule_stats *rs = pt_rule_stats_get(rid);

	pt_touch(a, now);
	if (!rs)
		return;
	if (inbound) {
		rs->pkts_in++;
		rs->bytes_in += len;
	} else {
		rs->pkts_out++;
		rs->bytes_out += len;
	}
}

/* May host (of family) trigger r: no --allow, or in one of its prefixes of that family. */
static __always_inline bool pt_allowed(const struct pt_rule *r, enum pt_family family,
				       union pt_addr host)
{
	__u32 i, n = r->n_allow;

	if (!n)
		return true;
	for (i = 0; i < PT_MAX_ALLOW && i < n; i++)
		if (r->allow[i].family == family &&
		    pt_addr_in(host, pt_addr(r->allow[i].addr), pt_addr(r->allow[i].mask)))
			return true;
	return false;
}

#define PT_CLOCK_MONOTONIC 1

/* How long after its last activity a rule's holder expires. */
static __always_inline __u64 pt_lifetime_ns(const struct pt_rule *r)
{
	return r->timeout_s * PT_NSEC_PER_SEC + PT_EXPIRY_SLACK_NS;
}

/*
 * Reports the expiry of each holder of rule rid's current definition that
 * expired by now (once: expiry_told); returns how long until the next of
 * the others may expire, 0 when none is left. A holder released since, or
 * of an earlier definition, has nothing to report (ptctl reported its
 * release). Unrolled: verifying the timer callback loses track of a loop
 * counter.
 */
static __always_inline __u64 pt_expiries(__u32 rid, struct pt_rule *r, __u64 now)
{
	__u64 next = 0;

#pragma unroll
	for (int i = 0; i < PT_FAMILIES; i++) {
		struct pt_holder *h = &r->holder[i];
		__u64 left = h->last_ns + pt_lifetime_ns(r) - now;

		if (h->gen != r->gen || h->expiry_told)
			continue;
		if (pt_expired(r, h, now)) {
			h->expiry_told = 1;
			pt_emit(PT_EV_EXPIRED, rid, r->gen, i, pt_addr(h->addr), pt_addr4(0), NULL,
				now);
		} else if (!next || left < next) {
			next = left;
		}
	}
	return next;
}

/*
 * Fires when a holder of rule r may have expired: reports those that did,
 * and waits again for the others, if there was activity since.
 */
static int pt_expiry_cb(void *map, __u32 *rid, struct pt_rule *r)
{
	__u64 next = pt_expiries(*rid, r, pt_now());

	(void)map;
	if (next)
		bpf_timer_start(&r->expiry, next, 0);
	return 0;
}

/* One timer serves both holders: it fires at the earlier of their expiries. */
static __always_inline void pt_arm_expiry(__u32 rid, struct pt_rule *r, __u64 now)
{
	__u64 next = pt_expiries(rid, r, now);

	bpf_timer_init(&r->expiry, &pt_rules, PT_CLOCK_MONOTONIC); /* -EBUSY once done */
	bpf_timer_set_callback(&r->expiry, pt_expiry_cb);
	if (next)
		bpf_timer_start(&r->expiry, next, 0);
}

static __always_inline void pt_conflict(__u32 rid, struct pt_rule *r, struct pt_rule_stats *rs,
					struct pt_holder *h, union pt_addr host,
					const struct pt_pkt *p, __u64 now)
{
	rs->conflicts++;
	if (pt_ev_once_a_second(&h->conflict_ns, now))
		pt_emit(PT_EV_CONFLICT, rid, r->gen, p->family, pt_addr(h->addr), host, p, now);
}

enum pt_claim_verdict {
	PT_CLAIM_REFRESH,  /* host holds the rule: activity */
	PT_CLAIM_CONFLICT, /* another host holds it, and keeps it */
	PT_CLAIM_TAKE,	   /* it is free, or the newest host takes it over */
};

/* What a trigger from host does to rule r's holder h; *was: who held it, or none. */
static __always_inline enum pt_claim_verdict pt_judge(const struct pt_rule *r,
						      const struct pt_holder *h, union pt_addr host,
						      __u64 now, union pt_addr *was)
{
	bool held = pt_held(r, h, now);

	*was = held ? pt_addr(h->addr) : pt_addr4(0);
	if (held && pt_addr_eq(*was, host))
		return PT_CLAIM_REFRESH;
	if (held && r->policy == PT_POLICY_HOLD)
		return PT_CLAIM_CONFLICT;
	return PT_CLAIM_TAKE;
}

/*
 * A trigger packet p from host for rule rid: refresh the rule if host holds
 * it (of p's family), take it if it is free (never held, released, expired,
 * or redefined since) or the policy is newest-wins, else count a conflict.
 * A refresh or a conflict is judged on a plain read; a take-over again
 * under the rule's lock, which every change of holder takes: every trigger
 * ends as exactly one of an activation, a refresh or a conflict, however
 * many CPUs trigger the rule at once.
 */
static __always_inline void pt_claim(__u32 rid, struct pt_rule *r, union pt_addr host,
				     const struct pt_pkt *p, __u64 now)
{
	struct pt_rule_stats *rs = pt_rule_stats_get(rid);
	struct pt_holder *h = pt_holder(r, p->family);
	enum pt_claim_verdict v;
	union pt_addr was;

	if (!rs)
		return;
	rs->triggers++;
	v = pt_judge(r, h, host, now, &was);
	if (v == PT_CLAIM_TAKE) {
		bpf_spin_lock(&r->lock);
		v = pt_judge(r, h, host, now, &was);
		/* Its generation last: whoever sees the new holder sees it active. */
		if (v == PT_CLAIM_TAKE) {
			h->last_ns = h->since_ns = now;
			h->expiry_told = 0;
			pt_addr_set(h->addr, host);
			h->gen = r->gen;
		}
		bpf_spin_unlock(&r->lock);
	}
	if (v == PT_CLAIM_REFRESH) {
		pt_touch(h, now);
	} else if (v == PT_CLAIM_CONFLICT) {
		pt_conflict(rid, r, rs, h, host, p, now);
	} else {
		rs->activations++;
		pt_arm_expiry(rid, r, now);
		pt_emit(PT_EV_ACTIVATED, rid, r->gen, p->family, host, was, p, now);
	}
}

#endif /* PT_STATE_H */
