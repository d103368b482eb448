/*
 * server: the main loop of every program in cgi-bin/. Loads the
 * configuration, then answers requests from the web server, as FastCGI
 * (libfcgi, one request at a time, until told to stop: SIGTERM, SIGINT,
 * or the end of the web server that started it) or, when not started
 * as FastCGI, as a plain CGI program answering exactly one request.
 *
 * "PROGRAM --check-config" only validates the configuration: exit 0, or 1
 * with the reason on standard error.
 */
#ifndef CHATS3_SERVER_H
#define CHATS3_SERVER_H

#include <stddef.h>

#include "route.h"

/* Runs the program; returns its exit status. */
int server_main(int argc, char **argv, const struct route *routes, size_t n);

#endif
