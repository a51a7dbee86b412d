/*
 * net_boot.c - the stack on an app's boot devices: what every app's main
 * did first (seed from --seed, init, every --net device as an interface,
 * the failure said with the app's name).
 */
#include "tern/app.h"
#include "tern/err.h"
#include "tern/net.h"
#include "tern/print.h"

int tern_net_boot(struct tern_net *net, struct tern_net_config *cfg,
		  const struct tern_boot *boot)
{
	const char *app = boot->app->name;
	int err;

	cfg->seed = boot->args->seed;
	err = tern_net_init(net, cfg);
	if (err < 0) {
		tern_printf("%s: stack: %s\n", app, tern_strerror(err));
		return err;
	}
	for (unsigned i = 0; i < boot->n_net; i++) {
		err = tern_net_add_if(net, boot->net[i]);
		if (err < 0) {
			tern_printf("%s: %s: %s\n", app, boot->net[i]->name,
				    tern_strerror(err));
			return err;
		}
	}
	return 0;
}
