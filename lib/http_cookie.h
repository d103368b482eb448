/*
 * http_cookie: the Set-Cookie value of a session cookie, its attributes
 * chosen by how the session was made (RFC 6265bis; Partitioned is CHIPS):
 *
 *   direct: a page of ours (flow 1, the join)
 *     name=value; Path=/; Max-Age=N; HttpOnly; SameSite=Lax[; Secure]
 *     (Secure when the request came over HTTPS)
 *   embed over HTTPS: a page of ours in an iframe of another site (flow 2)
 *     name=value; Path=/; Max-Age=N; HttpOnly; Secure; SameSite=None; Partitioned
 *   embed over plain HTTP: as direct. Browsers refuse SameSite=None
 *     without Secure, so the cookie is Lax and a browser does not send it
 *     inside a third-party iframe: such an embed must carry the session
 *     in the x-session-id header.
 *
 * A cookie is cleared with the same attributes it was set with (a
 * partitioned one only by a partitioned Set-Cookie). The value is written
 * into the caller's array; nothing is allocated. It holds a secret: the
 * caller wipes it.
 */
#ifndef CHATS3_HTTP_COOKIE_H
#define CHATS3_HTTP_COOKIE_H

#define HTTP_COOKIE_MAX 256

enum http_cookie_kind {
	HTTP_COOKIE_DIRECT, /* the session was made on a page of ours */
	HTTP_COOKIE_EMBED,  /* the session was made in an embedded frame */
};

/* Writes the Set-Cookie value of cookie name=value lasting max_age
 * seconds (value NULL: the empty one with Max-Age=0 that clears it) into
 * out. ERR_INVAL for a name that is not an HTTP token, a value with a
 * byte cookies cannot hold (controls, space, " , ; \ and non-ASCII) or a
 * negative max_age; ERR_TOOBIG when it does not fit. */
int http_cookie_session(char out[HTTP_COOKIE_MAX], const char *name, const char *value,
    long max_age, enum http_cookie_kind kind, int https);

#endif
