#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "owner.h"

#define HOST_MAX 65

/* The first line of path into out[size], without its newline: 0 or -1. */
static int read_line(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "re");
	int ok = f != NULL && fgets(out, (int)size, f) != NULL;

	if (f != NULL)
		fclose(f);
	if (!ok)
		return -1;
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

/* The state letter and start time of process pid from /proc/<pid>/stat:
 * 0, or -1 when there is no such process. The command name, field 2, is in
 * parentheses and may hold anything: fields are counted from its last ')'. */
static int proc_stat(long pid, char *state, unsigned long long *start)
{
	char path[64], text[1024], *p;
	int n = 0;

	if (snprintf(path, sizeof path, "/proc/%ld/stat", pid) >= (int)sizeof path ||
	    read_line(path, text, sizeof text) < 0 || (p = strrchr(text, ')')) == NULL)
		return -1;
	*state = p[2];
	for (p += 2; *p != '\0' && n < 19; p++)
		n += *p == ' ';
	return n == 19 && sscanf(p, "%llu", start) == 1 ? 0 : -1;
}

void owner_boot_id(char out[OWNER_BOOT_MAX])
{
	if (read_line("/proc/sys/kernel/random/boot_id", out, OWNER_BOOT_MAX) < 0 || out[0] == '\0')
		snprintf(out, OWNER_BOOT_MAX, "%s", OWNER_PART_UNKNOWN);
}

/* This host's name and boot id; OWNER_PART_UNKNOWN for what cannot be read (a
 * /proc that hides it): names with one are never checked, only leased. */
static void host_and_boot(char host[HOST_MAX], char boot[OWNER_BOOT_MAX])
{
	if (gethostname(host, HOST_MAX) < 0 || host[0] == '\0')
		snprintf(host, HOST_MAX, "%s", OWNER_PART_UNKNOWN);
	host[HOST_MAX - 1] = '\0';
	host[strcspn(host, " ")] = '\0';
	owner_boot_id(boot);
}

/* A process's name is read from /proc once: it holds for its whole life
 * (a forked child, with a pid of its own, reads its own). */
int owner_self(char out[OWNER_MAX])
{
	static char name[OWNER_MAX];
	static long named_pid;
	char host[HOST_MAX], boot[OWNER_BOOT_MAX], state;
	unsigned long long start = 0;
	long pid = (long)getpid();
	int n;

	if (named_pid != pid) {
		host_and_boot(host, boot);
		if (proc_stat(pid, &state, &start) < 0)
			snprintf(boot, OWNER_BOOT_MAX, "%s", OWNER_PART_UNKNOWN);
		n = snprintf(name, OWNER_MAX, "%s %s %ld %llu", host, boot, pid, start);
		if (n <= 0 || n >= OWNER_MAX)
			return ERR_IO;
		named_pid = pid;
	}
	memcpy(out, name, OWNER_MAX);
	return 0;
}

enum owner_liveness owner_liveness(const char *name)
{
	char host[HOST_MAX], boot[OWNER_BOOT_MAX], their_host[HOST_MAX];
	char their_boot[OWNER_BOOT_MAX], state;
	unsigned long long start, their_start;
	long pid;

	host_and_boot(host, boot);
	if (sscanf(name, "%64s %39s %ld %llu", their_host, their_boot, &pid, &their_start) != 4 ||
	    strcmp(host, their_host) != 0 || pid <= 0 || strcmp(boot, OWNER_PART_UNKNOWN) == 0 ||
	    strcmp(their_boot, OWNER_PART_UNKNOWN) == 0)
		return OWNER_UNKNOWN;
	if (strcmp(boot, their_boot) != 0 || proc_stat(pid, &state, &start) < 0 ||
	    start != their_start || state == 'Z' || state == 'X')
		return OWNER_GONE;
	return OWNER_ALIVE;
}
