/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Output: `Error:` and `Warning:` messages (an error is a JSON object on
 * stdout with -j, as bpftool does) and a small JSON writer used by every
 * read command. What ptctl echoes of its input is escaped: a control
 * character or a byte that is not UTF-8 shows as \xNN, in text and JSON
 * alike, so that no argument can forge a line or break the JSON.
 */
#ifndef PT_OUT_H
#define PT_OUT_H

#include <stdbool.h>

extern bool pt_json;   /* -j: JSON on stdout */
extern bool pt_pretty; /* -p: indented JSON */

/* Reports an error and returns -1; main() turns a negative result into exit status 1. */
int pt_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A `Warning:` line on stderr, in text and JSON mode. */
void pt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Informational line on stderr, text mode only. */
void pt_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* While on, pt_error() reports nothing (an attempt whose failure is fine). */
void pt_quiet(bool on);

/* Joins two words that pt_wrapped() keeps on one line (it prints a blank). */
#define PT_GLUE '\x1f'
/*
 * Prints the words of text from column col on (the cursor's), wrapping
 * before column 80 to column indent, and a newline: text that fits 80 columns.
 */
void pt_wrapped(int col, const char *text, int indent);

/*
 * Every JSON document ptctl prints (error objects aside, as bpftool's) starts
 * with "schema": the version of its layout. Fields are only ever added; this
 * changes only if one is removed or changes meaning.
 */
#define PT_JSON_SCHEMA 1

/* JSON writer: pass key NULL inside arrays. */
void jw_obj(const char *key);
void jw_arr(const char *key);
void jw_end(void); /* closes the innermost object or array */
void jw_str(const char *key, const char *val);
void jw_uint(const char *key, unsigned long long val);
void jw_bool(const char *key, bool val);
void jw_null(const char *key);

#endif /* PT_OUT_H */
