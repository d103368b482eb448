/*
 * ingest: the frames the programs send on run/relay-events.sock, read in
 * bounded batches (recvmmsg, 32 frames a system call) and each handed to
 * the fan-out (lib/relay_frame.c parses them). A malformed or oversized frame is dropped with a log line.
 */
#ifndef CHATS3_RELAY_INGEST_H
#define CHATS3_RELAY_INGEST_H

struct loop;

/* The datagram socket's read callback; ctx is the struct hub. */
void ingest_ready(struct loop *l, int fd, int mask, void *ctx);

#endif
