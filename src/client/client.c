/*
 * The daemon's client (see client.h).
 */
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "api/api.h"
#include "client/client.h"

struct gr_client {
	CURL *curl;
	char *sock;
};

/* libcurl is loaded when a daemon is there to talk to: it and the
 * libraries it pulls in (Kerberos, LDAP, TLS, ...) would otherwise be loaded
 * by every run of the CLI (measured: 40% of `granary ls`'s start-up). */
static struct {
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *);
	void (*easy_reset)(CURL *);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	bool ok;
	char why[256];
} cu;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_load(void)
{
	void *so = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!so) {
		snprintf(cu.why, sizeof cu.why, "cannot load libcurl: %s", dlerror());
		return;
	}
#define SYM(field, name)                                                                                             \
	if (!(*(void **)&cu.field = dlsym(so, name))) {                                                               \
		snprintf(cu.why, sizeof cu.why, "libcurl lacks %s", name);                                             \
		return;                                                                                                \
	}
	SYM(global_init, "curl_global_init")
	SYM(easy_init, "curl_easy_init")
	SYM(easy_cleanup, "curl_easy_cleanup")
	SYM(easy_reset, "curl_easy_reset")
	SYM(easy_setopt, "curl_easy_setopt")
	SYM(easy_perform, "curl_easy_perform")
	SYM(easy_getinfo, "curl_easy_getinfo")
	SYM(easy_strerror, "curl_easy_strerror")
	SYM(slist_append, "curl_slist_append")
	SYM(slist_free_all, "curl_slist_free_all")
#undef SYM
	cu.global_init(CURL_GLOBAL_NOTHING);
	cu.ok = true; /* the library stays loaded until exit */
}

int gr_client_probe(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sa.sun_path)
		return 0;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return gr_error_errno(GR_EIO, "socket");
	int rc = 1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		if (errno == ENOENT || errno == ECONNREFUSED || errno == ENOTDIR)
			rc = 0;
		else
			rc = gr_error_errno(errno == EACCES || errno == EPERM ? GR_EPERM : GR_EIO,
					    "cannot reach the daemon at %s", path);
	}
	close(fd);
	return rc;
}

int gr_client_open(gr_client **out, const char *socket_path)
{
	pthread_once(&curl_once, curl_load);
	if (!cu.ok)
		return gr_error_set(GR_EIO, "%s", cu.why);
	gr_client *c = calloc(1, sizeof *c);
	if (!c || !(c->sock = gr_strdup(socket_path)) || !(c->curl = cu.easy_init())) {
		gr_client_close(c);
		return gr_error_set(GR_ENOMEM, "out of memory");
	}
	*out = c;
	return 0;
}

void gr_client_close(gr_client *c)
{
	if (!c)
		return;
	if (c->curl)
		cu.easy_cleanup(c->curl);
	free(c->sock);
	free(c);
}

static size_t to_buf(char *p, size_t size, size_t n, void *ctx)
{
	return gr_buf_put(ctx, p, size * n) ? 0 : size * n;
}

struct fd_sink {
	int fd;
	uint64_t bytes;
	long status;
	gr_buf err; /* an error answer's body */
	CURL *curl;
};

static size_t to_fd(char *p, size_t size, size_t n, void *ctx)
{
	struct fd_sink *s = ctx;
	if (!s->status)
		cu.easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &s->status);
	if (s->status != 200)
		return gr_buf_put(&s->err, p, size * n) ? 0 : size * n;
	size_t len = size * n;
	for (size_t off = 0; off < len;) {
		ssize_t w = write(s->fd, p + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		off += (size_t)w;
	}
	s->bytes += len;
	return len;
}

static void setup(gr_client *c, const char *method, const char *path, struct curl_slist **hdrs)
{
	char url[4096];
	snprintf(url, sizeof url, "http://granary%s", path);
	cu.easy_reset(c->curl);
	cu.easy_setopt(c->curl, CURLOPT_UNIX_SOCKET_PATH, c->sock);
	cu.easy_setopt(c->curl, CURLOPT_URL, url);
	cu.easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
	cu.easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	*hdrs = cu.slist_append(NULL, "Content-Type: application/json");
	*hdrs = cu.slist_append(*hdrs, "Expect:");
	cu.easy_setopt(c->curl, CURLOPT_HTTPHEADER, *hdrs);
}

static int curl_fail(CURLcode e, const char *sock)
{
	return gr_error_set(GR_EIO, "cannot talk to granaryd at %s: %s", sock, cu.easy_strerror(e));
}

int gr_client_request(gr_client *c, const char *method, const char *path, const char *body, long *status, gr_buf *out)
{
	struct curl_slist *hdrs;
	setup(c, method, path, &hdrs);
	if (body) {
		cu.easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
		cu.easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	cu.easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, to_buf);
	cu.easy_setopt(c->curl, CURLOPT_WRITEDATA, out);
	CURLcode e = cu.easy_perform(c->curl);
	cu.slist_free_all(hdrs);
	if (e != CURLE_OK)
		return curl_fail(e, c->sock);
	cu.easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
	return 0;
}

/* An error answer's {"error":{"code","message"}} as a gr_err. */
static int answer_error(long status, const char *body, size_t len)
{
	cJSON *o = cJSON_ParseWithLength(body ? body : "", len);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "message");
	int rc;
	if (cJSON_IsString(code) && cJSON_IsString(msg)) {
		rc = gr_api_err_from_code(code->valuestring);
		if (rc == GR_ERROR && status == 403)
			rc = GR_EPERM;
		rc = gr_error_set(rc, "%s", msg->valuestring);
	} else {
		rc = gr_error_set(GR_ERROR, "granaryd answered HTTP %ld", status);
	}
	cJSON_Delete(o);
	return rc;
}

int gr_client_json(gr_client *c, const char *method, const char *path, const cJSON *body, cJSON **out)
{
	*out = NULL;
	char *b = body ? cJSON_PrintUnformatted(body) : NULL;
	gr_buf resp = GR_BUF_INIT;
	long status = 0;
	int rc = gr_client_request(c, method, path, b, &status, &resp);
	free(b);
	if (!rc && (status < 200 || status > 299))
		rc = answer_error(status, resp.ptr, resp.len);
	if (!rc && !(*out = cJSON_ParseWithLength(resp.ptr ? resp.ptr : "", resp.len)))
		rc = gr_error_set(GR_EIO, "granaryd's answer to %s %s is not JSON", method, path);
	gr_buf_free(&resp);
	return rc;
}

int gr_client_download(gr_client *c, const char *path, int fd, uint64_t *bytes)
{
	struct curl_slist *hdrs;
	setup(c, "GET", path, &hdrs);
	struct fd_sink s = {.fd = fd, .curl = c->curl};
	cu.easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, to_fd);
	cu.easy_setopt(c->curl, CURLOPT_WRITEDATA, &s);
	CURLcode e = cu.easy_perform(c->curl);
	cu.slist_free_all(hdrs);
	int rc = 0;
	if (!s.status)
		cu.easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &s.status);
	if (s.status && s.status != 200)
		rc = answer_error(s.status, s.err.ptr, s.err.len);
	else if (e != CURLE_OK)
		rc = curl_fail(e, c->sock);
	gr_buf_free(&s.err);
	*bytes = s.bytes;
	return rc;
}

int gr_client_escape(gr_buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		bool plain = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
			     ch == '-' || ch == '_' || ch == '.' || ch == '~';
		char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
		int rc = plain ? gr_buf_put(out, s, 1) : gr_buf_put(out, e, 3);
		if (rc)
			return rc;
	}
	return 0;
}

int gr_client_text_json(gr_client *c, const char *method, const char *path, const char *text, cJSON **out)
{
	*out = NULL;
	gr_buf ans = GR_BUF_INIT;
	long status = 0;
	int rc = gr_client_request(c, method, path, text, &status, &ans);
	if (!rc && (status < 200 || status > 299))
		rc = answer_error(status, ans.ptr, ans.len);
	if (!rc && !(*out = cJSON_ParseWithLength(ans.ptr ? ans.ptr : "", ans.len)))
		rc = gr_error_set(GR_EIO, "granaryd's answer is not JSON");
	gr_buf_free(&ans);
	return rc;
}
