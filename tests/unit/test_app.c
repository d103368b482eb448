/*
 * test_app: a process's app starts with nothing open, whatever memory it
 * lives in (programs keep it on the stack), and frees cleanly whether or
 * not anything was opened.
 */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "check.h"
#include "relay_client.h"
#include "tmpdir.h"

int main(void)
{
	char err[CONFIG_ERR_LEN], dir[TMPDIR_MAX];
	struct relay *relay = NULL;
	struct app app;

	CHECK(tmpdir_make(dir, "test_app") == 0);
	setenv("CHATS3_DATA_DIR", dir, 1);
	unsetenv("CHATS3_CONFIG_FILE");
	memset(&app, 0xa5, sizeof app); /* what a stack may hold */
	CHECK(app_init(&app, err) == 0);
	CHECK(app.state == NULL && app.storage == NULL && app.relay == NULL);
	app_free(&app); /* nothing opened: nothing to close */

	memset(&app, 0xa5, sizeof app);
	CHECK(app_init(&app, err) == 0);
	CHECK(app_relay(&app, &relay) == 0 && relay != NULL);
	CHECK(app_relay(&app, &relay) == 0 && relay == app.relay); /* kept, not reopened */
	app_free(&app);
	CHECK(app.relay == NULL);
	tmpdir_remove(dir);
	return check_done("test_app");
}
