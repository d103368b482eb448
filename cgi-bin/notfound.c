/*
 * notfound: every /api/v1 path no other program serves. The web server
 * sends it whatever is left under /api/v1, so unknown routes get the
 * contract's 404 envelope rather than the web server's HTML page.
 */
#include "server.h"

int main(int argc, char **argv)
{
	return server_main(argc, argv, NULL, 0);
}
