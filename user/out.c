// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include "out.h"

bool pt_json;
bool pt_pretty;

#define JW_DEPTH 16
static int jw_depth;
static bool jw_first[JW_DEPTH] = { true };
static char jw_closer[JW_DEPTH]; /* bracket closing each open level */

static void jw_quote(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
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

int pt_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (pt_json) {
		jw_obj(NULL);
		jw_str("error", msg);
		jw_end();
	} else {
		fprintf(stderr, "Error: %s\n", msg);
	}
	return -1;
}

void pt_note(const char *fmt, ...)
{
	va_list ap;

	if (pt_json)
		return;
	va_start(ap, fmt);
	fputs("Note: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
