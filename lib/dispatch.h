/*
 * dispatch: answers one request from a route table. Finds the route (404),
 * checks the method (405 with Allow), refuses a state-changing request
 * from another site's page (403, http_origin_cross_site), applies the
 * route's flags (415, 413, 400 for JSON bodies), runs the handler and turns its error into the
 * envelope. Writes the access log line and counts the request in the
 * metrics.
 *
 * An error document (the web server's own 4xx/5xx handed over with
 * REDIRECT_STATUS, see docs/deploy-*.md) is answered with that status in
 * the envelope before any route is looked at.
 */
#ifndef CHATS3_DISPATCH_H
#define CHATS3_DISPATCH_H

#include <stddef.h>

#include "route.h"

struct request;

/* Answers r from routes[0..n). Always answers, whatever fails. */
void dispatch(struct request *r, const struct route *routes, size_t n);

/* Counts the answered r in the metrics (lib/metrics.h): by rt's pattern
 * ("unmatched" when rt is NULL), method and status, and its time.
 * dispatch does it; server.c too, for a request too malformed for it. */
void dispatch_count(const struct request *r, const struct route *rt);

#endif
