/* SPDX-License-Identifier: GPL-2.0 */
/* Where ptctl keeps its state: pinned maps under /sys/fs/bpf/ptctl/<ifname>/. */
#ifndef PT_PINS_H
#define PT_PINS_H

#include <net/if.h>
#include <stddef.h>

#define PT_BPFFS "/sys/fs/bpf"
#define PT_PIN_ROOT PT_BPFFS "/ptctl"

/* File descriptors of the pinned maps of one interface, and of its pt_release program. */
struct pt_maps {
	int config, rules, trig_idx, open_idx, active, flows, rule_stats, stats, events, release;
};

int pt_bpffs_ensure(void);
void pt_pin_dir(const char *dev, char *buf, size_t len);
int pt_dev_loaded(const char *dev);
/* dev from --dev, or the one loaded interface when dev is NULL. */
int pt_dev_resolve(const char *dev, char *out);
int pt_maps_open(const char *dev, struct pt_maps *m);
void pt_maps_close(struct pt_maps *m);
/* Removes the interface's pins, and the ptctl directory once empty. */
int pt_pins_remove(const char *dev);

#endif /* PT_PINS_H */
