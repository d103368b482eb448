/*
 * session_name: what a session shows of its person, safe to show. The
 * rules hold wherever a display name or an avatar URL enters: the join
 * route's field table (validate.c's v_display_name and v_avatar_url) and
 * session_join behind every flow (the manual join and the embed ticket).
 *
 * A display name (after validate_text: valid UTF-8, no control
 * characters, trimmed, 1-64 characters) has no format characters
 * (general categories Cf, Zl, Zp: zero-width characters, bidi embeddings,
 * overrides and isolates, U+FEFF), at least one character that is neither
 * a space nor drawn as nothing, and is not reserved ("System", "Admin" in
 * any case). Its key, which makes it unique per conversation, is its full
 * Unicode case folding without default-ignorable characters, with each
 * run of spaces (Zs) one U+0020 and none at the ends: "ALICE", "alice"
 * and "Alice\u00a0" share the key "alice"; "Stra\u00dfe" and "STRASSE"
 * share "strasse". No compatibility normalization (NFKC) nor confusable
 * mapping (docs/api-choices.md).
 *
 * An avatar URL is an absolute https: URL of printable ASCII, without
 * quotes, angle brackets, backticks or backslashes, of at most a given
 * length.
 *
 * Nothing is allocated; keys go into the caller's buffer; reasons are
 * static sentences for details[].message.
 */
#ifndef CHATS3_SESSION_NAME_H
#define CHATS3_SESSION_NAME_H

#include <stddef.h>

/* NULL when name (NUL-terminated, as validate_text left it) may be
 * shown; else the reason it may not. */
const char *session_name_problem(const char *name);

/* The key of name (valid UTF-8, NUL-terminated) into key[0..keylen);
 * keylen UTF8_FOLD_GROWTH * strlen(name) + 1 always suffices. 0, or -1
 * for invalid UTF-8 or a short key. */
int session_name_key(const char *name, char *key, size_t keylen);

/* NULL when url (NUL-terminated) is an avatar URL of at most max bytes;
 * else the reason it is not. */
const char *session_avatar_problem(const char *url, size_t max);

#endif
