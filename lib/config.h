/*
 * config: the settings of a process, read once at start from an optional
 * "KEY = value" file and then the environment, which wins. The file is the
 * one CHATS3_CONFIG_FILE names, else chats3.conf in the directory of the
 * program's own file (symlinks resolved), when there is one: web servers
 * that drop the environment of CGI programs (suEXEC drops SetEnv) still
 * leave that file to be found. Every value is validated; the first invalid one fails the load with
 * a message naming the key. The struct owns its strings; config_free
 * releases them.
 */
#ifndef CHATS3_CONFIG_H
#define CHATS3_CONFIG_H

#include <stddef.h>

enum storage_kind { STORAGE_FS, STORAGE_S3 };
/* STATE_AUTO only while loading: sqlite, or redis when CHATS3_REDIS_URL is set. */
enum state_kind { STATE_SQLITE, STATE_REDIS, STATE_AUTO };

struct config {
	char *data_dir;          /* CHATS3_DATA_DIR */
	long port;               /* CHATS3_PORT (for the launcher) */
	enum storage_kind storage; /* CHATS3_STORAGE */
	enum state_kind state;   /* CHATS3_STATE */
	char *s3_bucket;         /* CHATS3_S3_BUCKET */
	long s3_multipart_bytes; /* CHATS3_S3_MULTIPART_BYTES: put_file above this in parts */
	long s3_allow_http;      /* CHATS3_S3_ALLOW_HTTP: 1 lets an http:// endpoint be off loopback */
	long s3_timeout_seconds; /* CHATS3_S3_TIMEOUT_SECONDS: a storage call's time, retries included */
	char *s3_endpoint;       /* AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL */
	char *region;            /* AWS_REGION, else AWS_DEFAULT_REGION */
	char *access_key_id;     /* AWS_ACCESS_KEY_ID */
	char *secret_access_key; /* AWS_SECRET_ACCESS_KEY */
	char *session_token;     /* AWS_SESSION_TOKEN */
	char *admin_token;       /* CHATS3_ADMIN_TOKEN: CONFIG_ADMIN_TOKEN_MIN+ characters */
	char *integrators_file;  /* CHATS3_INTEGRATORS_FILE */
	char *ice_servers;       /* CHATS3_ICE_SERVERS: checked JSON array, NULL: none */
	char *templates_dir;     /* CHATS3_TEMPLATES_DIR: the pages' HTML templates */
	long max_upload_bytes;   /* CHATS3_MAX_UPLOAD_BYTES */
	long attachment_cache_bytes; /* CHATS3_ATTACHMENT_CACHE_BYTES: the download cache, 0 off */
	char *xsendfile_root;    /* CHATS3_XSENDFILE_ROOT: the web server sends X-Sendfile files there */
	long max_body_bytes;     /* CHATS3_MAX_BODY_BYTES: JSON bodies */
	long max_requests;       /* CHATS3_MAX_REQUESTS: recycle after N, 0 never */
	long session_ttl_seconds; /* CHATS3_SESSION_TTL_SECONDS: sliding */
	char *trusted_proxies;   /* CHATS3_TRUSTED_PROXIES: comma-separated addresses */
	long join_rate;          /* CHATS3_JOIN_RATE: joins per client address per minute */
	long join_failures;      /* CHATS3_JOIN_FAILURES: failed joins per conversation per minute */
	long sessions_per_conversation; /* CHATS3_SESSIONS_PER_CONVERSATION: live sessions */
	long sessions_per_client;       /* CHATS3_SESSIONS_PER_CLIENT: live sessions per address */
	long join_code_length;   /* CHATS3_JOIN_CODE_LENGTH: characters of a new join code */
	long write_rate;         /* CHATS3_WRITE_RATE: writes per session per minute */
	long read_budget;        /* CHATS3_READ_BUDGET: history's storage reads per session per window */
	long read_window_seconds; /* CHATS3_READ_WINDOW_SECONDS: that window */
	char *redis_url;         /* CHATS3_REDIS_URL: checked by redis_url_parse, NULL: none */
	char *relay_listen;      /* CHATS3_RELAY_LISTEN: the relay's TCP HOST:PORT too */
	char *relay_log;         /* CHATS3_RELAY_LOG: the relay's log file (none: stderr) */
	long relay_heartbeat_ms; /* CHATS3_RELAY_HEARTBEAT_MS */
	long relay_queue_bytes;  /* CHATS3_RELAY_QUEUE_BYTES: per stream */
	long relay_replay_ms;    /* CHATS3_RELAY_REPLAY_MS: Last-Event-ID window */
	long relay_order_ms;     /* CHATS3_RELAY_ORDER_MS: new-message hold-back cap (0: off) */
	char *boot_id;           /* CHATS3_BOOT_ID: a test's stand-in for the kernel's boot id */
};

#define CONFIG_ERR_LEN 256
#define CONFIG_ADMIN_TOKEN_MIN 32 /* characters of CHATS3_ADMIN_TOKEN, at least */

#define CONFIG_FILE_NAME "chats3.conf"

/* Loads c from getenv() and the file it names, else CONFIG_FILE_NAME
 * beside the program. On failure returns
 * ERR_CONFIG and writes a sentence naming the key into err. */
int config_load(struct config *c, char err[CONFIG_ERR_LEN]);

/* Same, with an explicit environment lookup (for tests). */
int config_load_from(struct config *c, const char *(*get)(const char *),
    char err[CONFIG_ERR_LEN]);

/* Same, with the file to read when CHATS3_CONFIG_FILE is unset or empty
 * (NULL: none); a fallback_file that does not exist is no settings. */
int config_load_with(struct config *c, const char *(*get)(const char *),
    const char *fallback_file, char err[CONFIG_ERR_LEN]);

/* Writes the sentence of fmt into err and returns ERR_CONFIG: how a
 * check of a setting (here, or of a file a setting names) fails. */
int config_error(char err[CONFIG_ERR_LEN], const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Frees the strings c owns (secrets are wiped first). */
void config_free(struct config *c);

#endif
