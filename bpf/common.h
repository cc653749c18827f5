/* SPDX-License-Identifier: GPL-2.0 */
/* Includes every datapath program starts with. */
#ifndef PT_COMMON_H
#define PT_COMMON_H

#include "../vmlinux/vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define TC_ACT_OK 0

#endif /* PT_COMMON_H */
