/*
 * attachment_upload: POST /api/v1/attachments, a participant's file into
 * the conversation. The multipart/form-data body is read in chunks from
 * the request's stream (never whole) through lib/multipart.h; the part
 * named "file" is spooled to an anonymous temporary file in the data
 * directory (O_TMPFILE, or a name unlinked at once: nothing is ever left
 * behind) and hashed on the way (storage_digest.h: the storage put then
 * needs no pass of its own over the file), and a "clientMessageId" part, anywhere in the body, is the
 * upload's idempotency key as for a message. The file counts against
 * CHATS3_MAX_UPLOAD_BYTES, the whole body against that plus
 * ROUTE_MULTIPART_ENVELOPE (route.h), as dispatch checks CONTENT_LENGTH.
 *
 * A file part that will hold at least ATTACHMENT_EARLY_PUT_MIN bytes, by
 * CONTENT_LENGTH when the part ends the body (as browsers and curl send
 * it), goes to storage while it arrives (storage_put_begin: the bytes as
 * they are spooled, all but the last one); another size at the end puts
 * it whole.
 *
 * Once the body is complete, the file message is sent through
 * message_send, which stores meta.json and then the bytes (storage_put_end,
 * or storage_put_file_hashed) under the key's claim just before the
 * message: a retried upload with the same key stores once and gets the
 * first answer back. Once its message is stored, the spool file goes into
 * the download cache (attachment_cache.h: linked, not copied). A send that fails after storing objects removes them
 * (meta.json alone when the bytes failed); an early put that never got
 * there stores nothing.
 *
 * The upload owns its temporary file, its early put, strings and hashing
 * contexts: attachment_upload_free.
 */
#ifndef CHATS3_ATTACHMENT_UPLOAD_H
#define CHATS3_ATTACHMENT_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "attachment.h"
#include "idempotency.h"
#include "storage_digest.h"

struct cJSON;
struct request;
struct storage_put;

#define ATTACHMENT_EARLY_PUT_MIN 65536 /* bytes of a file worth putting as it arrives */

struct attachment_upload {
	int fd;                /* the spooled file (unlinked), -1 until the file part */
	uint64_t size;         /* its bytes */
	unsigned char head[ATTACHMENT_SNIFF_BYTES]; /* its first bytes */
	struct storage_digests digests; /* of its bytes, once read whole */
	char filename[ATTACHMENT_FILENAME_MAX + 1]; /* for display, sanitized */
	char client_message_id[IDEMPOTENCY_KEY_MAX * 4 + 1]; /* as sent, "" for none */
	int has_key;
	const char *why;       /* why the body was refused, for the 4xx */
	/* while reading */
	enum { PART_OTHER, PART_FILE, PART_KEY } part;
	size_t key_len;
	uint64_t max;
	const char *data_dir;
	struct storage_digest digest; /* hashing the file part as it is spooled */
	long long body_bytes;  /* CONTENT_LENGTH, -1 when absent */
	size_t close_bytes;    /* of the close delimiter CRLF "--" boundary "--" CRLF */
	long long expect;      /* the file's size if it ends the body; -1 unknown */
	struct storage_put *put; /* the early put, NULL when none */
	struct attachment a;   /* the new attachment, once the early put began */
	int has_a;
};

/* Reads r's body into u (which it initializes). 0 when a file part came
 * whole; ERR_TOOBIG (413) for a file over the limit or a body over the
 * envelope; ERR_INVAL (400, u->why says what: not multipart, no file
 * part, a truncated body, too many parts); ERR_IO for a failed spool.
 * Free u with attachment_upload_free in every case. */
int attachment_upload_read(struct request *r, struct attachment_upload *u);

/* Stores u's file as a new attachment of the caller's conversation and
 * sends its file message under key (NULL: none). 0 with *out
 * {"attachment","message"} (caller frees) and *replayed (1: the key's
 * first answer); as message_send otherwise, nothing stored. */
int attachment_upload_send(struct request *r, struct attachment_upload *u, const char *key,
    struct cJSON **out, int *replayed);

/* Closes the spooled file (u's other fields stay readable). */
void attachment_upload_free(struct attachment_upload *u);

#endif
