// SPDX-License-Identifier: GPL-2.0
/*
 * pt_release, run by ptctl with BPF_PROG_RUN (release, disable-rule,
 * del-rule, a changed rule in apply): closes a rule's active trigger and
 * reports it in the same event stream as the datapath's events.
 */

SEC("syscall")
int pt_release(struct pt_release_args *args)
{
	__u32 rid = args->rule;
	struct pt_rule *r = pt_rule_get(rid);
	struct pt_active *a = bpf_map_lookup_elem(&pt_active, &rid);
	/* Syscall programs have no coarse clock: the same clock, exact. */
	__u64 now = bpf_ktime_get_ns();

	if (!a)
		return 0;
	if (r && a->gen == r->gen && !pt_expired(a, r, now))
		pt_emit(PT_EV_RELEASED, rid, a->gen, pt_ip4(a->holder), 0, now);
	bpf_map_delete_elem(&pt_active, &rid);
	return 0;
}
