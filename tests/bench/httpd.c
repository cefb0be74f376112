/*
 * httpd — a small static web server on 127.0.0.1 for tests and the WARC
 * benchmark (wget crawls it into a WARC). Serves files under DIR; a file
 * FILE.headers next to FILE adds its lines to FILE's response headers (how a
 * test sends "tdm-reservation: 1"). One thread per connection, keep-alive.
 *
 *   httpd DIR [PORTFILE]   listens on an ephemeral port, writes it to PORTFILE
 *                          (or stdout), serves until killed
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *root;

static const char *mime(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (!dot)
		return "application/octet-stream";
	if (!strcmp(dot, ".html") || !strcmp(dot, ".htm"))
		return "text/html; charset=utf-8";
	if (!strcmp(dot, ".txt"))
		return "text/plain; charset=utf-8";
	if (!strcmp(dot, ".css"))
		return "text/css";
	if (!strcmp(dot, ".js"))
		return "application/javascript";
	if (!strcmp(dot, ".png"))
		return "image/png";
	return "application/octet-stream";
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static void *serve(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char req[16384];
	size_t have = 0;
	for (;;) {
		char *end;
		while (!(end = memmem(req, have, "\r\n\r\n", 4))) {
			if (have == sizeof req)
				goto out;
			ssize_t r = read(fd, req + have, sizeof req - have);
			if (r <= 0)
				goto out;
			have += (size_t)r;
		}
		size_t used = (size_t)(end + 4 - req);
		char method[16], target[4096];
		if (sscanf(req, "%15s %4095s", method, target) != 2)
			goto out;
		char *q = strchr(target, '?');
		if (q)
			*q = '\0';
		char path[8192];
		snprintf(path, sizeof path, "%s%s%s", root, target,
			 target[strlen(target) - 1] == '/' ? "index.html" : "");
		struct stat st;
		int f = strstr(target, "..") ? -1 : open(path, O_RDONLY);
		char head[8192];
		int n;
		if (f < 0 || fstat(f, &st) || !S_ISREG(st.st_mode)) {
			if (f >= 0)
				close(f);
			static const char nf[] = "not found\n";
			n = snprintf(head, sizeof head,
				     "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s",
				     sizeof nf - 1, nf);
			if (write_all(fd, head, (size_t)n))
				goto out;
		} else {
			char extra[4096] = "", hp[8300];
			snprintf(hp, sizeof hp, "%s.headers", path);
			FILE *h = fopen(hp, "r");
			if (h) {
				size_t k = fread(extra, 1, sizeof extra - 1, h);
				extra[k] = '\0';
				fclose(h);
			}
			n = snprintf(head, sizeof head,
				     "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %lld\r\n%s%s\r\n", mime(path),
				     (long long)st.st_size, extra, extra[0] && extra[strlen(extra) - 1] != '\n' ? "\r\n" : "");
			if (write_all(fd, head, (size_t)n))
				goto out;
			char buf[65536];
			ssize_t r;
			while (strcmp(method, "HEAD") && (r = read(f, buf, sizeof buf)) > 0)
				if (write_all(fd, buf, (size_t)r)) {
					close(f);
					goto out;
				}
			close(f);
		}
		memmove(req, req + used, have - used);
		have -= used;
	}
out:
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: httpd DIR [PORTFILE]\n");
		return 2;
	}
	root = argv[1];
	signal(SIGPIPE, SIG_IGN);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 64) ||
	    getsockname(s, (struct sockaddr *)&a, &al)) {
		perror("httpd");
		return 1;
	}
	FILE *pf = argc > 2 ? fopen(argv[2], "w") : stdout;
	fprintf(pf, "%d\n", ntohs(a.sin_port));
	fflush(pf);
	if (pf != stdout)
		fclose(pf);
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		pthread_t t;
		if (pthread_create(&t, NULL, serve, (void *)(intptr_t)c))
			close(c);
		else
			pthread_detach(t);
	}
}
