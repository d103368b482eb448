/*
 * owner: names this process for the claims it holds in the shared state
 * (an idempotency key while its send stores the message), and tells from
 * such a name whether the process is gone, so that a claim a killed
 * process left is not waited on.
 *
 * A name is "<host> <boot id> <pid> <start time>": the host name, the
 * kernel's boot id (/proc/sys/kernel/random/boot_id), the process id and
 * its start time in clock ticks after boot (/proc/<pid>/stat), which tells
 * a reused pid from the process that held it. Only a name of this host can
 * be checked; whether another host's process lives is not known here (the
 * caller falls back on a lease), nor is it where /proc hides the boot id
 * or the start time (the name then holds "-" for the boot id). Names are
 * plain values in caller buffers; this process's is read once.
 */
#ifndef CHATS3_OWNER_H
#define CHATS3_OWNER_H

#define OWNER_MAX 200 /* bytes of a name, NUL included */
#define OWNER_BOOT_MAX 40 /* bytes of a boot id, NUL included */
#define OWNER_PART_UNKNOWN "-" /* a part of a name /proc does not give */

enum owner_liveness { OWNER_ALIVE, OWNER_GONE, OWNER_UNKNOWN };

/* This process's name into out: 0 (ERR_IO only if a name did not fit). */
int owner_self(char out[OWNER_MAX]);

/* This host's boot id into out, or OWNER_PART_UNKNOWN where /proc hides it:
 * it changes with every boot of the kernel (lib/state_sqlite.c tells a
 * reboot by it). */
void owner_boot_id(char out[OWNER_BOOT_MAX]);

/* Whether the process name stands for runs: OWNER_GONE when it is of this
 * host and its process ended (also as a zombie not yet reaped) or this
 * host booted since; OWNER_ALIVE when it runs; OWNER_UNKNOWN for another
 * host's name, one without a boot id, or one that is not a name. */
enum owner_liveness owner_liveness(const char *name);

#endif
