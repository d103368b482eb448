/*
 * hello: the smallest FastCGI program libfcgi allows, the baseline that
 * bench/http measures /api/v1/health against.
 */
#include <fcgiapp.h>

int main(void)
{
	static const char reply[] = "Status: 200 OK\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 15\r\n\r\n"
	    "{\"status\":\"ok\"}";
	FCGX_Request r;

	if (FCGX_Init() != 0 || FCGX_InitRequest(&r, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&r) >= 0) {
		FCGX_PutStr(reply, sizeof reply - 1, r.out);
		FCGX_Finish_r(&r);
	}
	return 0;
}
