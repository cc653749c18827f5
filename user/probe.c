// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "out.h"
#include "probe.h"

/* The kernel functions the datapath calls, and where a modular kernel keeps them. */
/* A table, one entry a line: */
/* clang-format off */
static const struct {
	const char *func;
	const char *module;
} kfuncs[] = {
	{ "bpf_cast_to_kern_ctx", NULL },
	{ "bpf_xdp_ct_lookup", "nf_conntrack" },
	{ "bpf_skb_ct_lookup", "nf_conntrack" },
	{ "bpf_xdp_ct_alloc", "nf_conntrack" },
	{ "bpf_ct_insert_entry", "nf_conntrack" },
	{ "bpf_ct_release", "nf_conntrack" },
	{ "bpf_ct_set_timeout", "nf_conntrack" },
	{ "bpf_ct_change_timeout", "nf_conntrack" },
	{ "bpf_ct_set_nat_info", "nf_nat" },
};
/* clang-format on */

static bool has_func(struct btf *vmlinux, const char *func, const char *module)
{
	struct btf *mod;
	bool found;

	if (btf__find_by_name_kind(vmlinux, func, BTF_KIND_FUNC) > 0)
		return true;
	if (!module)
		return false;
	mod = btf__load_module_btf(module, vmlinux);
	found = mod && btf__find_by_name_kind(mod, func, BTF_KIND_FUNC) > 0;
	btf__free(mod);
	return found;
}

int pt_probe_kernel(void)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int ret = 0;

	if (!vmlinux)
		return pt_error("the kernel has no BTF (/sys/kernel/btf/vmlinux): ptctl needs "
				"CONFIG_DEBUG_INFO_BTF");
	/* tcx (Linux 6.6) attaches the TC program as a link. */
	if (btf__find_by_name(vmlinux, "tcx_link_attach") <= 0)
		ret = pt_error("the kernel has no tcx hooks: ptctl needs Linux 6.6 or later");
	for (size_t i = 0; !ret && i < sizeof(kfuncs) / sizeof(kfuncs[0]); i++)
		if (!has_func(vmlinux, kfuncs[i].func, kfuncs[i].module))
			ret = kfuncs[i].module ?
				      pt_error("the kernel has no %s: ptctl needs the %s module "
					       "(modprobe %s) with BTF, Linux 6.6 or later",
					       kfuncs[i].func, kfuncs[i].module, kfuncs[i].module) :
				      pt_error(
					      "the kernel has no %s: ptctl needs Linux 6.6 or later",
					      kfuncs[i].func);
	btf__free(vmlinux);
	return ret;
}
