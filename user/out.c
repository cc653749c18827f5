// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "out.h"

bool pt_json;
bool pt_pretty;
static bool quiet;
static bool jw_error; /* writing an error object: no schema */

#define JW_DEPTH 16
static int jw_depth;
static bool jw_first[JW_DEPTH] = { true };
static char jw_closer[JW_DEPTH]; /* bracket closing each open level */

/* Length of the valid UTF-8 sequence at s, 0 if there is none. */
static int utf8_len(const unsigned char *s)
{
	unsigned int cp, n, min;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f, min = 0x800;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	for (unsigned int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	return cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? 0 : n;
}

/* s to f: UTF-8 as it is, control characters and other bytes as \xNN (JSON: \\xNN). */
static void put_escaped(FILE *f, const char *str, bool json)
{
	for (const unsigned char *s = (const void *)str; *s;) {
		int n = utf8_len(s);

		if (n == 1 && *s >= 0x20 && *s != 0x7f) {
			if (json && (*s == '"' || *s == '\\'))
				fputc('\\', f);
			fputc(*s++, f);
		} else if (n > 1) {
			fwrite(s, 1, n, f);
			s += n;
		} else {
			fprintf(f, json ? "\\\\x%02x" : "\\x%02x", *s++);
		}
	}
}

static void jw_quote(const char *s)
{
	putchar('"');
	put_escaped(stdout, s, true);
	putchar('"');
}

static void jw_indent(int depth)
{
	if (!pt_pretty)
		return;
	putchar('\n');
	for (int i = 0; i < depth; i++)
		fputs("    ", stdout);
}

static void jw_key(const char *key)
{
	if (jw_depth && !jw_first[jw_depth])
		putchar(',');
	jw_first[jw_depth] = false;
	if (jw_depth)
		jw_indent(jw_depth);
	if (key) {
		jw_quote(key);
		fputs(pt_pretty ? ": " : ":", stdout);
	}
}

static void jw_open(const char *key, char c)
{
	jw_key(key);
	putchar(c);
	if (jw_depth < JW_DEPTH - 1) {
		jw_first[++jw_depth] = true;
		jw_closer[jw_depth] = c == '{' ? '}' : ']';
	}
	if (jw_depth == 1 && c == '{' && !jw_error)
		jw_uint("schema", PT_JSON_SCHEMA);
}

void jw_obj(const char *key)
{
	jw_open(key, '{');
}

void jw_arr(const char *key)
{
	jw_open(key, '[');
}

void jw_end(void)
{
	bool empty = jw_first[jw_depth];

	jw_depth--;
	if (!empty)
		jw_indent(jw_depth);
	putchar(jw_closer[jw_depth + 1]);
	if (!jw_depth)
		putchar('\n');
}

void jw_str(const char *key, const char *val)
{
	jw_key(key);
	jw_quote(val);
}

void jw_uint(const char *key, unsigned long long val)
{
	jw_key(key);
	printf("%llu", val);
}

void jw_bool(const char *key, bool val)
{
	jw_key(key);
	fputs(val ? "true" : "false", stdout);
}

void jw_null(const char *key)
{
	jw_key(key);
	fputs("null", stdout);
}

void pt_wrapped(int col, const char *text, int indent)
{
	for (const char *w = text; *w;) {
		int len = strcspn(w, " ");

		if (w != text && col + 1 + len > 80)
			col = printf("\n%*s", indent, "") - 1;
		else if (w != text)
			col += printf(" ");
		for (int i = 0; i < len; i++)
			putchar(w[i] == PT_GLUE ? ' ' : w[i]);
		col += len;
		w += len;
		w += strspn(w, " ");
	}
	putchar('\n');
}

void pt_quiet(bool on)
{
	quiet = on;
}

/* A message line on stderr: "Prefix: " and the escaped text. */
static void message(const char *prefix, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "%s: ", prefix);
	put_escaped(stderr, msg, false);
	fputc('\n', stderr);
}

int pt_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (quiet)
		return -1;
	va_start(ap, fmt);
	if (pt_json) {
		vsnprintf(msg, sizeof(msg), fmt, ap);
		jw_error = true;
		jw_obj(NULL);
		jw_str("error", msg);
		jw_end();
		jw_error = false;
	} else {
		message("Error", fmt, ap);
	}
	va_end(ap);
	return -1;
}

void pt_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	message("Warning", fmt, ap);
	va_end(ap);
}

void pt_note(const char *fmt, ...)
{
	va_list ap;

	if (pt_json)
		return;
	va_start(ap, fmt);
	message("Note", fmt, ap);
	va_end(ap);
}
