/*
 * stderr.h: what code under test writes to standard error (the log lines
 * an operator sees), caught in an anonymous temporary file.
 */
#ifndef CHATS3_STDERR_H
#define CHATS3_STDERR_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Runs fn(ctx) with standard error going to a temporary file; returns
 * what was written there, NUL-terminated (the caller frees it). */
static inline char *stderr_capture(void (*fn)(void *ctx), void *ctx)
{
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	char *text;
	long len;

	fflush(stderr);
	dup2(fileno(f), STDERR_FILENO);
	fn(ctx);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	len = lseek(fileno(f), 0, SEEK_END);
	text = calloc(1, (size_t)len + 1);
	if (pread(fileno(f), text, (size_t)len, 0) != len)
		text[0] = '\0';
	fclose(f);
	return text;
}

#endif
