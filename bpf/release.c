// SPDX-License-Identifier: GPL-2.0
/*
 * pt_release, run by ptctl with BPF_PROG_RUN (release, disable-rule,
 * del-rule, a changed rule in apply): frees a rule's holders and reports
 * them in the same event stream as the datapath's events.
 */

SEC("syscall")
int pt_release(struct pt_release_args *args)
{
	__u32 rid = args->rule;
	struct pt_rule *r = pt_rule_get(rid);
	/* Syscall programs have no coarse clock: the same clock, exact. */
	__u64 now = bpf_ktime_get_ns();
	struct pt_holder was[PT_FAMILIES];

	if (!r)
		return 0;
	bpf_spin_lock(&r->lock);
	__builtin_memcpy(was, r->holder, sizeof(was));
	__builtin_memset(r->holder, 0, sizeof(r->holder));
	bpf_spin_unlock(&r->lock);
	bpf_timer_cancel(&r->expiry);
	for (int i = 0; i < PT_FAMILIES; i++)
		if (pt_held(r, &was[i], now))
			pt_emit(PT_EV_RELEASED, rid, r->gen, i, pt_addr(was[i].addr), pt_addr4(0),
				NULL, now);
	return 0;
}
