/* SPDX-License-Identifier: GPL-2.0 */
/*
 * OpenWrt's UCI format for `ptctl apply` (/etc/config/ptctl), read as libuci
 * reads it, into the rules the rules file gives (conf.h):
 *
 *   config rule 'irc'
 *           option name 'irc-dcc'           # else the section's name
 *           option trigger 'tcp:6667'
 *           list open 'tcp:59000-59010'     # or option open 'a,b'
 *           option timeout '10m'
 *           list allow '192.168.1.0/24'
 *           option policy 'newest'
 *           option peer 'contacted'
 *           option enabled '0'              # UCI booleans; or option disabled '1'
 *
 * A rule section may be anonymous (`config rule`) with `option name`. Other
 * section types (the init script's `config interface 'wan'`) are checked
 * for syntax only. As in libuci: 'single' and "double" quotes or bare
 * words, `#` comments, `;` between commands; a later `option` replaces an
 * earlier one, `list` adds to it; an empty `option` removes it; a named
 * section given twice is one. Unlike libuci, a value ends on its line.
 */
#ifndef PT_UCI_H
#define PT_UCI_H

#include "conf.h"

/*
 * Reads a UCI file from in (its first command line may be pending: in->again)
 * into rules[] and each rule's `config` line into lines[]; returns n, or -1
 * with in->err "path:line: message". Checks each rule, not the set.
 */
int pt_uci_parse(struct pt_conf_in *in, struct pt_rule *rules, int *lines);

#endif /* PT_UCI_H */
