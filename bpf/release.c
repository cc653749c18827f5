// SPDX-License-Identifier: GPL-2.0
/*
 * pt_release, run by ptctl with BPF_PROG_RUN (release, disable-rule,
 * del-rule, a changed rule in apply): frees a rule's holder and reports it
 * in the same event stream as the datapath's events.
 */

SEC("syscall")
int pt_release(struct pt_release_args *args)
{
	__u32 rid = args->rule;
	struct pt_rule *r = pt_rule_get(rid);
	/* Syscall programs have no coarse clock: the same clock, exact. */
	__u64 now = bpf_ktime_get_ns();

	if (!r)
		return 0;
	if (pt_rule_held(r, now))
		pt_emit(PT_EV_RELEASED, rid, r->gen, pt_ip4(r->holder.addr), 0, NULL, now);
	bpf_timer_cancel(&r->holder.expiry);
	pt_ip4_set(r->holder.addr, 0);
	r->holder.gen = 0;
	r->holder.last_ns = r->holder.since_ns = r->holder.conflict_ns = r->holder.refused_ns = 0;
	return 0;
}
