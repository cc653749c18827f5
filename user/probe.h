/* SPDX-License-Identifier: GPL-2.0 */
/* What the datapath needs of the running kernel, checked before `load` touches anything. */
#ifndef PT_PROBE_H
#define PT_PROBE_H

/* 0 if the kernel has every kfunc and hook ptctl uses; else one Error: naming what it lacks. */
int pt_probe_kernel(void);

#endif /* PT_PROBE_H */
