// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fixture.h"
#include "pkt.h"
#include "store.h"
#include "view.h"

int fix_open(struct fix *f, const char *wan)
{
	struct pt_config cfg = {
		.wan_addr = pkt_addr(wan), .mark = PT_MARK_DEFAULT, .mark_mask = PT_MASK_DEFAULT,
	};
	struct bpf_map *map;
	__u32 zero = 0;

	memset(f, 0, sizeof(*f));
	f->skel = ptctl__open();
	if (!f->skel)
		return -1;
	/* Tests never pin: each gets its own maps, and the host's bpffs stays clean. */
	bpf_object__for_each_map(map, f->skel->obj)
		bpf_map__set_pin_path(map, NULL);
	if (ptctl__load(f->skel))
		return -1;
	f->m = (struct pt_maps){
		.config = bpf_map__fd(f->skel->maps.pt_config),
		.rules = bpf_map__fd(f->skel->maps.pt_rules),
		.trig_idx = bpf_map__fd(f->skel->maps.pt_trig_idx),
		.open_idx = bpf_map__fd(f->skel->maps.pt_open_idx),
		.active = bpf_map__fd(f->skel->maps.pt_active),
		.flows = bpf_map__fd(f->skel->maps.pt_flows),
		.rule_stats = bpf_map__fd(f->skel->maps.pt_rule_stats),
		.stats = bpf_map__fd(f->skel->maps.pt_stats),
		.events = bpf_map__fd(f->skel->maps.pt_events),
		.release = bpf_program__fd(f->skel->progs.pt_release),
	};
	f->rules = calloc(PT_MAX_RULES, sizeof(*f->rules));
	if (!f->rules)
		return -1;
	return bpf_map_update_elem(f->m.config, &zero, &cfg, BPF_ANY);
}

void fix_close(struct fix *f)
{
	ptctl__destroy(f->skel);
	free(f->rules);
	memset(f, 0, sizeof(*f));
}

int fix_add_rule(struct fix *f, const char *name, const char *trigger, const char *open,
		 __u32 timeout_s)
{
	struct pt_rule r = { .timeout_s = timeout_s, .flags = PT_RULE_ENABLED };
	char err[PT_ERR_LEN];

	if (pt_parse_name(name, r.name, err) || pt_parse_range(trigger, &r.trigger, err) ||
	    pt_parse_open(open, &r, err)) {
		fprintf(stderr, "fix_add_rule: %s\n", err);
		return -1;
	}
	return pt_store_add(&f->m, f->rules, &r);
}

int fix_run(int prog_fd, const void *frame, __u32 len, struct run_result *r)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
		    .data_out = r->out, .data_size_out = sizeof(r->out), .repeat = 1);
	int err = bpf_prog_test_run_opts(prog_fd, &o);

	r->retval = o.retval;
	r->out_len = o.data_size_out;
	r->meta_len = 0;
	return err;
}

int fix_run_xdp(struct fix *f, const void *frame, __u32 len, struct run_result *r)
{
	struct xdp_md ctx_in = { .data_end = len }, ctx_out = {};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
		    .data_out = r->out, .data_size_out = sizeof(r->out), .repeat = 1,
		    .ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in), .ctx_out = &ctx_out,
		    .ctx_size_out = sizeof(ctx_out));
	int err = bpf_prog_test_run_opts(bpf_program__fd(f->skel->progs.pt_xdp_in), &o);

	r->retval = o.retval;
	/* data_out starts at data_meta; ctx_out.data is the metadata length. */
	r->meta_len = ctx_out.data - ctx_out.data_meta;
	r->out_len = o.data_size_out - r->meta_len;
	memcpy(r->meta, r->out, r->meta_len < sizeof(r->meta) ? r->meta_len : sizeof(r->meta));
	memmove(r->out, r->out + r->meta_len, r->out_len);
	return err;
}

int fix_active(struct fix *f, __u32 id, struct pt_active *a)
{
	return bpf_map_lookup_elem(f->m.active, &id, a);
}

int fix_age(struct fix *f, __u32 id, __u64 seconds)
{
	struct pt_active a;

	if (fix_active(f, id, &a))
		return -1;
	a.last_ns -= seconds * 1000000000ull;
	return bpf_map_update_elem(f->m.active, &id, &a, BPF_EXIST);
}

int fix_rule_stats(struct fix *f, __u32 id, struct pt_rule_stats *st)
{
	return pt_percpu_sum(f->m.rule_stats, id, (__u64 *)st, sizeof(*st) / sizeof(__u64));
}

int fix_stats(struct fix *f, struct pt_stats *st)
{
	return pt_percpu_sum(f->m.stats, 0, (__u64 *)st, sizeof(*st) / sizeof(__u64));
}

__u64 fix_now_ns(void)
{
	struct timespec ts;

	/* Not CLOCK_MONOTONIC: up to a tick ahead, and a last_ns in the future reads as expired. */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int fix_activate(struct fix *f, __u32 id, __u32 holder)
{
	__u64 now = fix_now_ns();
	struct pt_active a = {
		.holder = holder, .gen = f->rules[id].gen, .last_ns = now, .since_ns = now,
	};

	return bpf_map_update_elem(f->m.active, &id, &a, BPF_ANY);
}

int fix_rule_get(struct fix *f, __u32 id, struct pt_rule *r)
{
	return bpf_map_lookup_elem(f->m.rules, &id, r);
}

int fix_rule_put(struct fix *f, __u32 id, const struct pt_rule *r)
{
	f->rules[id] = *r;
	return bpf_map_update_elem(f->m.rules, &id, r, BPF_EXIST);
}

int fix_rule_flags(struct fix *f, __u32 id, __u32 set, __u32 clear)
{
	struct pt_rule r;

	if (fix_rule_get(f, id, &r))
		return -1;
	r.flags = (r.flags | set) & ~clear;
	return fix_rule_put(f, id, &r);
}

int fix_make_stale(struct fix *f, __u32 id)
{
	struct pt_active a;

	if (fix_active(f, id, &a))
		return -1;
	a.gen--;
	return bpf_map_update_elem(f->m.active, &id, &a, BPF_EXIST);
}
