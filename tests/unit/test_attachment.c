/*
 * test_attachment: the type a file's first bytes give it (and which types
 * are inline), the AttachmentMetadata written as meta.json and read back
 * on the local-directory storage, and what loading refuses: an id that is
 * not one, another conversation's attachment, a meta.json that is not a
 * valid one; and removal.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "attachment.h"
#include "check.h"
#include "errors.h"
#include "storage.h"
#include "storage_keys.h"
#include "tmpdir.h"

static const struct {
	int line;
	const char *head;
	size_t n;
	const char *want;
	int inline_ok;
} sniffs[] = {
	{ __LINE__, S("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png", 1 },
	{ __LINE__, S("\x89PNG\r\n\x1a"), "application/octet-stream", 0 },
	{ __LINE__, S("\xff\xd8\xff\xe0\0\x10JFIF"), "image/jpeg", 1 },
	{ __LINE__, S("GIF87a\x01\0"), "image/gif", 1 },
	{ __LINE__, S("GIF89a"), "image/gif", 1 },
	{ __LINE__, S("GIF90a"), "application/octet-stream", 0 },
	{ __LINE__, S("RIFF\x24\0\0\0WEBPVP8 "), "image/webp", 1 },
	{ __LINE__, S("RIFF\x24\0\0\0WAVEfmt "), "application/octet-stream", 0 },
	{ __LINE__, S("XXXX\x24\0\0\0WEBPVP8 "), "application/octet-stream", 0 },
	{ __LINE__, S("%PDF-1.7\n"), "application/pdf", 0 },
	{ __LINE__, S("<svg onload=alert(1)>"), "application/octet-stream", 0 },
	{ __LINE__, S("<html><script>"), "application/octet-stream", 0 },
	{ __LINE__, S(""), "application/octet-stream", 0 },
};

static void test_sniff(void)
{
	for (size_t i = 0; i < sizeof sniffs / sizeof sniffs[0]; i++) {
		const char *got = attachment_sniff_type((const unsigned char *)sniffs[i].head,
		    sniffs[i].n);

		CHECK_STR(sniffs[i].line, got, sniffs[i].want);
		CHECK_AT(sniffs[i].line, attachment_type_inline(got) == sniffs[i].inline_ok);
	}
	CHECK(attachment_type_inline("image/svg+xml") == 0);
	CHECK(attachment_type_inline("text/html") == 0);
}

static void test_json(void)
{
	struct attachment a;
	cJSON *j = NULL;
	char url[128], short_url[20];

	CHECK(attachment_new(&a, "room-1", "u1", "caf\xc3\xa9.png", "image/png", 42) == 0);
	CHECK(attachment_url(&a, url, sizeof url) == 0);
	CHECK(strncmp(url, "/api/v1/attachments/", 20) == 0 && strcmp(url + 20, a.attachment_id) == 0);
	CHECK(attachment_url(&a, short_url, sizeof short_url) == ERR_ARG);
	CHECK(attachment_json(&a, &j) == 0);
	CHECK_STR(__LINE__, cJSON_GetStringValue(cJSON_GetObjectItem(j, "filename")),
	    "caf\xc3\xa9.png");
	CHECK_STR(__LINE__, cJSON_GetStringValue(cJSON_GetObjectItem(j, "mimetype")), "image/png");
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "sizeBytes")) == 42);
	CHECK_STR(__LINE__, cJSON_GetStringValue(cJSON_GetObjectItem(j, "url")), url);
	cJSON_Delete(j);
	CHECK(attachment_new(&a, "room-1", "u1", "", "application/this-type-is-far-too-long-to-fit",
	    1) == ERR_ARG);
}

/* Stores text as the meta.json of conversation c's attachment id. */
static int put_meta(struct storage *s, const char *c, const char *id, const char *text)
{
	char key[STORAGE_MAX_KEY + 1];

	if (keys_attachment_meta(key, c, id) < 0)
		return -1;
	return storage_put(s, key, text, strlen(text), "application/json", 0);
}

static void test_store(struct app *app)
{
	static const char bad_id[] = "8a6e0804-2bd0-4672-b79d-d97027f9071a";
	struct attachment a, b;
	struct storage *s;

	CHECK(app_storage(app, &s) == 0);
	CHECK(attachment_new(&a, "room-1", "u1", "notes.txt", "application/octet-stream", 7) == 0);
	CHECK(attachment_meta_put(s, &a) == 0);
	CHECK(attachment_meta_put(s, &a) == ERR_CONFLICT);
	CHECK(attachment_load(s, "room-1", a.attachment_id, &b) == 0);
	CHECK(memcmp(&a, &b, sizeof a) == 0);
	CHECK(attachment_load(s, "room-2", a.attachment_id, &b) == ERR_NOTFOUND);
	CHECK(attachment_load(s, "room-1", "../../x", &b) == ERR_NOTFOUND);
	CHECK(attachment_load(s, "room-1", bad_id, &b) == ERR_NOTFOUND);
	CHECK(put_meta(s, "room-1", bad_id, "{\"attachmentId\":1}") == 0);
	CHECK(attachment_load(s, "room-1", bad_id, &b) == ERR_STORAGE);
	CHECK(put_meta(s, "room-1", bad_id, "not json") == 0);
	CHECK(attachment_load(s, "room-1", bad_id, &b) == ERR_STORAGE);
	CHECK(attachment_remove(s, &a) == 0);
	CHECK(attachment_load(s, "room-1", a.attachment_id, &b) == ERR_NOTFOUND);
	CHECK(attachment_meta_put(s, &a) == 0);
	CHECK(attachment_meta_remove(s, &a) == 0);
	CHECK(attachment_load(s, "room-1", a.attachment_id, &b) == ERR_NOTFOUND);
}

int main(void)
{
	char err[CONFIG_ERR_LEN];
	struct app app = { .state = NULL };

	if (tmpdir_make(tmpdir_data, "test_attachment") < 0)
		return 1;
	CHECK(config_load_from(&app.cfg, tmpdir_env, err) == 0);
	test_sniff();
	test_json();
	test_store(&app);
	app_free(&app);
	CHECK(tmpdir_remove(tmpdir_data) == 0);
	return check_done("test_attachment");
}
