/*
 * client — talks to granaryd over its Unix socket (libcurl). The CLI uses
 * it when a daemon serves the hub.
 */
#ifndef GR_CLIENT_H
#define GR_CLIENT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>

#include "util/util.h"

typedef struct gr_client gr_client;

/* 1 when a daemon accepts connections on the socket at path; 0 when none
 * serves it (no socket, or a stale one); GR_EPERM or GR_EIO when a socket is
 * there but this caller cannot connect (the error says why). */
int gr_client_probe(const char *path);
int gr_client_open(gr_client **out, const char *socket_path);
void gr_client_close(gr_client *c);

/* A request with an optional JSON body; *status and the answer's bytes. */
int gr_client_request(gr_client *c, const char *method, const char *path, const char *body, long *status, gr_buf *out);
/* A JSON request: 2xx answers parse into *out; error answers become the
 * gr_err of their code, with the daemon's message as the error text. */
int gr_client_json(gr_client *c, const char *method, const char *path, const cJSON *body, cJSON **out);
/* A request whose body is text (NUL-terminated); the JSON answer as gr_client_json. */
int gr_client_text_json(gr_client *c, const char *method, const char *path, const char *text, cJSON **out);
/* GETs path into fd (streamed); an error answer becomes a gr_err. */
int gr_client_download(gr_client *c, const char *path, int fd, uint64_t *bytes);
/* Appends s to out, %-escaped for a URL path segment or query value. */
int gr_client_escape(gr_buf *out, const char *s);

#endif
