/* The life of a struct dns_config (dns.h): whoever fills it hangs its
 * storage on cfg->owned with the function that frees it. */
#include <string.h>

#include "acmeup/dns.h"

void
dns_config_clear(struct dns_config *cfg)
{
	if (cfg == NULL)
		return;
	if (cfg->owned_free != NULL)
		cfg->owned_free(cfg->owned);
	memset(cfg, 0, sizeof(*cfg));
}
