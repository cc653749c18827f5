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

static __always_inline bool pt_expired(const struct pt_rule *r, __u64 now)
{
	return pt_idle_expired(now, r->holder.last_ns, r->timeout_s);
}

/* The holder of the rule's current definition, live or not; NULL: none since. */
static __always_inline struct pt_holder *pt_holder_of(struct pt_rule *r)
{
	return r->holder.gen == r->gen ? &r->holder : NULL;
}

/* The holder if the rule is live now (held, enabled), else NULL. */
static __always_inline struct pt_holder *pt_live(struct pt_rule *r, __u64 now)
{
	return r->enabled && pt_rule_held(r, now) ? &r->holder : NULL;
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

static __always_inline bool pt_allowed(const struct pt_rule *r, __u32 host)
{
	__u32 i, n = r->n_allow;

	if (!n)
		return true;
	for (i = 0; i < PT_MAX_ALLOW && i < n; i++)
		if ((host & pt_ip4(r->allow[i].mask)) == pt_ip4(r->allow[i].addr))
			return true;
	return false;
}

#define PT_CLOCK_MONOTONIC 1

/* How long after its last activity a rule held under r expires. */
static __always_inline __u64 pt_lifetime_ns(const struct pt_rule *r)
{
	return r->timeout_s * PT_NSEC_PER_SEC + PT_EXPIRY_SLACK_NS;
}

/*
 * Fires when rule r may have expired: reports the expiry, or waits again if
 * there was activity since. A rule released or redefined since has nothing
 * to report (ptctl reported its release).
 */
static int pt_expiry_cb(void *map, __u32 *rid, struct pt_rule *r)
{
	__u64 now = pt_now();

	(void)map;
	if (!pt_holder_of(r))
		return 0;
	if (pt_expired(r, now))
		pt_emit(PT_EV_EXPIRED, *rid, r->gen, pt_ip4(r->holder.addr), 0, NULL, now);
	else
		bpf_timer_start(&r->holder.expiry, r->holder.last_ns + pt_lifetime_ns(r) - now, 0);
	return 0;
}

static __always_inline void pt_arm_expiry(struct pt_rule *r)
{
	bpf_timer_init(&r->holder.expiry, &pt_rules, PT_CLOCK_MONOTONIC); /* -EBUSY once done */
	bpf_timer_set_callback(&r->holder.expiry, pt_expiry_cb);
	bpf_timer_start(&r->holder.expiry, pt_lifetime_ns(r), 0);
}

static __always_inline void pt_conflict(__u32 rid, struct pt_rule *r, struct pt_rule_stats *rs,
					__u32 host, const struct pt_pkt *p, __u64 now)
{
	rs->conflicts++;
	if (pt_ev_once_a_second(&r->holder.conflict_ns, now))
		pt_emit(PT_EV_CONFLICT, rid, r->gen, pt_ip4(r->holder.addr), host, p, now);
}

/*
 * A holder's address and the generation it took the rule under (adjacent
 * in struct pt_holder), read and swapped as one word: a claim sets both at
 * once, so that no CPU sees the new address under the old generation.
 */
union pt_tenure {
	struct {
		__be32 addr;
		__u32 gen;
	};
	__u64 word;
};

typedef __u64 __attribute__((may_alias)) pt_tenure_word;

enum pt_claim_verdict {
	PT_CLAIM_REFRESH,  /* host holds the rule: activity */
	PT_CLAIM_CONFLICT, /* another host holds it, and keeps it */
	PT_CLAIM_TAKE,	   /* it is free, or the newest host takes it over */
};

/* What a trigger from host does to rule r, whose tenure was read as was. */
static __always_inline enum pt_claim_verdict pt_judge(const struct pt_rule *r, union pt_tenure was,
						      __be32 host, __u64 now, bool *held)
{
	*held = was.gen == r->gen && !pt_idle_expired(now, r->holder.last_ns, r->timeout_s);
	if (*held && was.addr == host)
		return PT_CLAIM_REFRESH;
	if (*held && r->policy == PT_POLICY_HOLD)
		return PT_CLAIM_CONFLICT;
	return PT_CLAIM_TAKE;
}

/*
 * A trigger from host for rule rid: refresh it if host holds it, take it if
 * it is free (never held, released, expired, or redefined since) or the
 * policy is newest-wins, else count a conflict. Returns false when another
 * CPU changed the holder meanwhile: judge the trigger again. A refresh or a
 * conflict is judged on a plain read; a take-over again on a read ordered
 * before the activity stamp (a fetch-and-or), as a claim stamps activity
 * before it swaps the tenure: whoever sees a new tenure sees it active.
 */
static __always_inline bool pt_claim_once(__u32 rid, struct pt_rule *r, struct pt_rule_stats *rs,
					  __u32 host, const struct pt_pkt *p, __u64 now)
{
	struct pt_holder *h = &r->holder;
	pt_tenure_word *w = (pt_tenure_word *)h->addr;
	union pt_tenure was = { .word = *w };
	union pt_tenure next = { .addr = host, .gen = r->gen };
	enum pt_claim_verdict v;
	bool held;

	v = pt_judge(r, was, host, now, &held);
	if (v == PT_CLAIM_TAKE) {
		was.word = __sync_fetch_and_or(w, 0);
		v = pt_judge(r, was, host, now, &held);
	}
	if (v == PT_CLAIM_REFRESH) {
		pt_touch(h, now);
		return true;
	}
	if (v == PT_CLAIM_CONFLICT) {
		pt_conflict(rid, r, rs, host, p, now);
		return true;
	}
	h->last_ns = now;
	if (__sync_val_compare_and_swap(w, was.word, next.word) != was.word)
		return false;
	h->since_ns = now;
	rs->activations++;
	pt_arm_expiry(r);
	pt_emit(PT_EV_ACTIVATED, rid, r->gen, host, held ? was.addr : 0, p, now);
	return true;
}

/*
 * A trigger packet p from host for rule rid. Every trigger ends as exactly
 * one of an activation, a refresh or a conflict, however many CPUs trigger
 * the rule at once.
 */
static __always_inline void pt_claim(__u32 rid, struct pt_rule *r, __u32 host,
				     const struct pt_pkt *p, __u64 now)
{
	struct pt_rule_stats *rs = pt_rule_stats_get(rid);

	if (!rs)
		return;
	rs->triggers++;
	/* Twice at most: a lost race leaves a live holder, which decides. */
	if (!pt_claim_once(rid, r, rs, host, p, now))
		pt_claim_once(rid, r, rs, host, p, now);
}

#endif /* PT_STATE_H */
