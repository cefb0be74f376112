/*
 * server — granaryd: the hub's API, HTTP/1.1 + JSON on a Unix socket
 * (libmicrohttpd, one thread per connection). Routes and objects are in
 * docs/api.md; callers are known by SO_PEERCRED and mapped to roles in
 * access.db; long work runs as jobs (jobs.h).
 */
#ifndef GR_SERVER_H
#define GR_SERVER_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
	const char *hub;
	const char *socket;     /* NULL: HUB/granary.sock */
	unsigned socket_mode;   /* 0: 0660 */
	unsigned connections;   /* past this many, 503 (0: 256) */
	unsigned header_count;  /* more headers: 431 (0: 64) */
	unsigned header_bytes;  /* request line + headers: 431 (0: 16 KiB) */
	uint64_t body_bytes;    /* a JSON body: 413 (0: 1 MiB) */
	uint64_t upload_bytes;  /* an uploaded file: 413 (0: 64 GiB) */
	unsigned header_seconds; /* to send the request line and headers: 408 (0: 10) */
	unsigned idle_seconds;  /* an idle connection is closed (0: 60) */
	bool verbose;           /* log each request to stderr */
} gr_server_opts;

/* Serves until SIGTERM or SIGINT; then cancels the running job, waits for it,
 * removes the socket and returns 0. */
int gr_server_run(const gr_server_opts *o);

#endif
