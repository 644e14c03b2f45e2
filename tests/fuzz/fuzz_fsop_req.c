/* The files process's decoder (issue 13): fsop_req_check on any bytes
 * either refuses them or yields a request whose op is known, whose
 * descriptors are the op's, and whose strings are NUL-terminated. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "acmeup/fsop.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fsop_req req;

	if (fsop_req_check(data, size, &req) != 0)
		return 0;
	if (req.op < FSOP_OPENAT || req.op > FSOP_OP_MAX || req.fd0 > 1 ||
	    req.fd1 > 1 || strnlen(req.a, FSOP_PATH) == FSOP_PATH ||
	    strnlen(req.b, FSOP_PATH) == FSOP_PATH)
		__builtin_trap();
	return 0;
}
