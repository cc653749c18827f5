/* SPDX-License-Identifier: GPL-2.0 */
/* Maps of the datapath, pinned by name under /sys/fs/bpf/ptctl/<ifname>/. */
#ifndef PT_MAPS_H
#define PT_MAPS_H

#include "../include/ptctl.h"

#define PT_MAP(_type, _key, _value, _max, _name)     \
	struct {                                     \
		__uint(type, _type);                 \
		__uint(max_entries, _max);           \
		__type(key, _key);                   \
		__type(value, _value);               \
		__uint(pinning, LIBBPF_PIN_BY_NAME); \
	} _name SEC(".maps")

PT_MAP(BPF_MAP_TYPE_ARRAY, __u32, struct pt_config, 1, pt_config);
PT_MAP(BPF_MAP_TYPE_HASH, __u32, struct pt_rule, PT_MAX_RULES, pt_rules);
PT_MAP(BPF_MAP_TYPE_ARRAY, __u32, struct pt_peers, PT_MAX_RULES *PT_FAMILIES, pt_peers);
PT_MAP(BPF_MAP_TYPE_ARRAY, __u32, struct pt_trig_slot, PT_PORT_KEYS, pt_trig_idx);
PT_MAP(BPF_MAP_TYPE_ARRAY, __u32, __u32, PT_PORT_KEYS, pt_open_idx);
PT_MAP(BPF_MAP_TYPE_LRU_HASH, struct pt_flow_key, struct pt_flow, PT_MAX_FLOWS, pt_flows);
PT_MAP(BPF_MAP_TYPE_HASH, __u32, struct pt_lan, 64, pt_lan);
PT_MAP(BPF_MAP_TYPE_LRU_HASH, struct pt_mac_key, struct pt_mac, PT_MAX_MACS, pt_macs);
PT_MAP(BPF_MAP_TYPE_PERCPU_ARRAY, __u32, struct pt_rule_stats, PT_MAX_RULES, pt_rule_stats);
PT_MAP(BPF_MAP_TYPE_PERCPU_ARRAY, __u32, struct pt_stats, 1, pt_stats);
PT_MAP(BPF_MAP_TYPE_PERCPU_ARRAY, __u32, struct pt_ev_budget, 1, pt_ev_budget);

/* Entry 0 of map: the one entry of a config, stats or budget map. */
static __always_inline void *pt_lookup0(void *map)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(map, &zero);
}

/* pt_readers[slot]: the ring buffer of a running `ptctl monitor` (events.h). */
struct pt_events_rb {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, PT_EVENTS_SIZE);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, PT_MAX_READERS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct pt_events_rb);
} pt_readers SEC(".maps");

#endif /* PT_MAPS_H */
