/*
 * storage_backend: what a backend implements behind lib/storage.h (the
 * internal side; callers include storage.h only). storage.c checks keys
 * and arguments once, then calls through ops; backends fill the error
 * code and message with storage_fail().
 */
#ifndef CHATS3_STORAGE_BACKEND_H
#define CHATS3_STORAGE_BACKEND_H

#include "storage.h"

struct storage_ops {
	const char *name; /* the backend in the metrics: "fs", "s3" */
	int (*put)(struct storage *s, const char *key, const void *p, size_t n,
	    const char *content_type, unsigned flags);
	/* known: the file's digests, NULL when the backend must hash it */
	int (*put_file)(struct storage *s, const char *key, int fd, long long size,
	    const struct storage_digests *known, const char *content_type, unsigned flags);
	/* storage_put_begin's: may start an early transfer of p (p->early);
	 * else (or NULL) the file is put whole at the end. put_more sends what
	 * p->have allows without waiting, never the last byte; put_end
	 * finishes it: 0 stored, STORAGE_PUT_WHOLE when the file must be put
	 * whole after all, or a final failure; put_cancel aborts it. Each
	 * leaves p->early NULL once the transfer is over. */
	void (*put_begin)(struct storage *s, struct storage_put *p);
	void (*put_more)(struct storage *s, struct storage_put *p);
	int (*put_end)(struct storage *s, struct storage_put *p, const struct storage_digests *d);
	void (*put_cancel)(struct storage *s, struct storage_put *p);
	int (*get_stream)(struct storage *s, const char *key,
	    const struct storage_sink *sink);
	/* Reads what it can of the items whose rc is STORAGE_GET_PENDING,
	 * setting rc 0 for each it read; storage_get_many then gets the rest
	 * one by one (with the backend's retries and exact errors). NULL: all
	 * one by one. */
	int (*get_many)(struct storage *s, struct storage_get_item *items, size_t n);
	int (*head)(struct storage *s, const char *key, struct storage_meta *meta);
	int (*del)(struct storage *s, const char *key);
	int (*list)(struct storage *s, const struct storage_list_opts *o,
	    struct storage_list *out);
	int (*check)(struct storage *s);
	void (*close)(struct storage *s); /* frees the backend's state only */
};

#define STORAGE_PUT_WHOLE 1 /* put_end: put the file the ordinary way */

/* One storage_put_begin. */
struct storage_put {
	struct storage *s;
	char key[STORAGE_MAX_KEY + 1];
	int fd;
	long long size;      /* the file's bytes once complete */
	long long have;      /* its bytes written so far */
	char content_type[sizeof ((struct storage_meta *)NULL)->content_type];
	unsigned flags;
	void *early;         /* the backend's transfer; NULL: none */
};

#define STORAGE_GET_PENDING 1 /* an item of get_many not read yet */

struct storage {
	const struct storage_ops *ops;
	void *backend;
	char code[64];
	char message[256];
	long patience_ms; /* storage_set_patience; 0: the backend's own limits */
};

/* Records code and message for the log and returns err. */
int storage_fail(struct storage *s, int err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Backend constructors: fill s->ops and s->backend. */
int storage_fs_open(struct storage *s, const struct config *cfg);
int storage_s3_open(struct storage *s, const struct config *cfg);

#endif
