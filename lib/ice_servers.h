/*
 * ice_servers: the STUN/TURN servers calls use (CHATS3_ICE_SERVERS), a
 * JSON array of RTCIceServer dictionaries as RTCPeerConnection takes
 * them: [{"urls": "stun:HOST" | ["turn:HOST?transport=udp", ...],
 * "username": "...", "credential": "..."}, ...]. Checked once at start so
 * that a typo stops the program instead of a browser failing every call:
 * at most ICE_SERVERS_MAX entries, each with one to ICE_SERVERS_MAX_URLS
 * URLs of the schemes stun:, stuns:, turn: or turns:, a TURN URL only
 * with both username and credential, no other members. The room page
 * hands the checked text to the browser (templates/room.html).
 */
#ifndef CHATS3_ICE_SERVERS_H
#define CHATS3_ICE_SERVERS_H

#include "config.h"

#define ICE_SERVERS_MAX 8
#define ICE_SERVERS_MAX_URLS 8

/* Checks the setting name's value text; on success *out is the array as
 * compact JSON (caller frees), else ERR_CONFIG with a sentence naming
 * name and the fault in err (or ERR_NOMEM). */
int ice_servers_parse(const char *name, const char *text, char **out,
    char err[CONFIG_ERR_LEN]);

#endif
