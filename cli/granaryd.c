/*
 * granaryd — serves a hub over a Unix socket (HTTP/1.1 + JSON, docs/api.md).
 * The same server runs as `granary serve`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server.h"
#include "util/util.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: granaryd [--hub DIR] [--socket PATH] [--socket-mode OCTAL] [--verbose]\n"
		   "  --hub DIR          the hub to serve (default $GRANARY_HUB, else ./.granary)\n"
		   "  --socket PATH      where to listen (default DIR/granary.sock; systemd's LISTEN_FDS wins)\n"
		   "  --socket-mode M    the socket file's mode (default 0660)\n"
		   "  --max-connections N, --max-body BYTES, --max-upload BYTES, --header-timeout S\n"
		   "                     limits (docs/api.md)\n"
		   "  --verbose          log every request to stderr\n");
}

int main(int argc, char **argv)
{
	gr_server_opts o = {0};
	o.hub = getenv("GRANARY_HUB");
	if (!o.hub || !*o.hub)
		o.hub = ".granary";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
			o.verbose = true;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		}
		if (!v) {
			usage(stderr);
			return 2;
		}
		i++;
		char *end = NULL;
		if (!strcmp(a, "--hub"))
			o.hub = v;
		else if (!strcmp(a, "--socket"))
			o.socket = v;
		else if (!strcmp(a, "--socket-mode"))
			o.socket_mode = (unsigned)strtoul(v, &end, 8);
		else if (!strcmp(a, "--max-connections"))
			o.connections = (unsigned)strtoul(v, &end, 10);
		else if (!strcmp(a, "--max-body"))
			o.body_bytes = strtoull(v, &end, 10);
		else if (!strcmp(a, "--max-upload"))
			o.upload_bytes = strtoull(v, &end, 10);
		else if (!strcmp(a, "--header-timeout"))
			o.header_seconds = (unsigned)strtoul(v, &end, 10);
		else {
			usage(stderr);
			return 2;
		}
		if (end && *end) {
			fprintf(stderr, "granaryd: %s needs a number, not '%s'\n", a, v);
			return 2;
		}
	}
	int rc = gr_server_run(&o);
	if (rc) {
		fprintf(stderr, "granaryd: %s\n", gr_error_last());
		return rc == GR_EBUSY ? 5 : rc == GR_ENOTFOUND ? 3 : 1;
	}
	return 0;
}
