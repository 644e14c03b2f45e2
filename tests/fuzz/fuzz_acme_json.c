/* libFuzzer target: the ACME JSON parsers (src/acme/acme_json.h),
 * every one on the same input: directory, account, order, authorization
 * (with its challenges), problem document (RFC 8555 7.1, 6.7) and ARI
 * renewal info (RFC 9773 4.2).
 *
 * Besides memory errors (ASan, UBSan) it checks the parsers' promises: a
 * failure is ACMEUP_EPROTO or ACMEUP_ENOMEM with a recorded detail, and the
 * *_clear() functions free what a parse (whole or partial) left.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acme_json.h"
#include "acmeup/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int rc)
{
	if (rc == 0 || rc == ACMEUP_ENOMEM)
		return;
	if (rc != ACMEUP_EPROTO || acmeup_errmsg(rc)[0] == '\0')
		abort(); /* a parse failure is EPROTO with a detail */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acme_directory dir;
	struct acme_account acct;
	struct acme_order order;
	struct acme_authz authz;
	struct acme_problem prob;
	struct acme_renewal_info ri;
	char *body = malloc(size + 1);

	if (body == NULL)
		return 0;
	memcpy(body, data, size);
	body[size] = '\0';
	memset(&dir, 0, sizeof(dir));
	memset(&acct, 0, sizeof(acct));
	memset(&order, 0, sizeof(order));
	memset(&authz, 0, sizeof(authz));
	memset(&prob, 0, sizeof(prob));
	memset(&ri, 0, sizeof(ri));
	acmeup_err_clear();
	check(acme_json_directory(body, &dir));
	check(acme_json_account(body, &acct));
	check(acme_json_order(body, &order));
	check(acme_json_authz(body, &authz));
	check(acme_json_problem(body, &prob));
	check(acme_json_renewal_info(body, &ri));
	acme_directory_clear(&dir);
	acme_account_clear(&acct);
	acme_order_clear(&order);
	acme_authz_clear(&authz);
	acme_problem_clear(&prob);
	acme_renewal_info_clear(&ri);
	free(body);
	return 0;
}
