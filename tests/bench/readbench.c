/*
 * readbench — N concurrent readers of granaryd, each on its own keep-alive
 * connection, sending small GETs back to back for a while; prints requests/s
 * and latency percentiles (make bench runs it while an ingest goes through
 * the daemon). Like wrk, one thread drives all connections with poll(), so
 * the load generator takes little of the CPU it measures.
 *
 *   readbench SOCKET READERS SECONDS PATH...
 * Each reader cycles through the PATHs. Any answer but 200 counts as an
 * error. Per-path figures go to stderr, the summary line to stdout.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define BUF (1 << 20)

struct reader {
	int fd;
	unsigned long next; /* requests sent */
	double t0;
	char *buf;
	size_t have;
};

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int dial(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double *lat;
static int *lpath;
static size_t nlat, caplat;

static void record(double dt, int path)
{
	if (nlat == caplat) {
		caplat = caplat ? caplat * 2 : 65536;
		lat = realloc(lat, caplat * sizeof *lat);
		lpath = realloc(lpath, caplat * sizeof *lpath);
	}
	lat[nlat] = dt;
	lpath[nlat++] = path;
}

/* A whole answer in buf: its length, else 0. */
static size_t complete(const char *buf, size_t have)
{
	const char *body = memmem(buf, have, "\r\n\r\n", 4);
	if (!body)
		return 0;
	body += 4;
	const char *cl = strcasestr(buf, "Content-Length:");
	if (!cl || cl > body)
		return 0;
	size_t need = (size_t)(body - buf) + (size_t)strtoul(cl + 15, NULL, 10);
	return have >= need ? need : 0;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: readbench SOCKET READERS SECONDS PATH...\n");
		return 2;
	}
	const char *sock = argv[1];
	int n = atoi(argv[2]);
	double seconds = atof(argv[3]);
	char **paths = argv + 4;
	int npaths = argc - 4;
	struct reader *rs = calloc((size_t)n, sizeof *rs);
	struct pollfd *pf = calloc((size_t)n, sizeof *pf);
	unsigned long errors = 0;
	double start = now(), end = start + seconds;
	for (int i = 0; i < n; i++) {
		rs[i].buf = malloc(BUF);
		rs[i].fd = -1;
		rs[i].next = (unsigned long)i; /* readers start on different paths */
	}
	for (;;) {
		double t = now();
		bool stop = t >= end;
		int active = 0;
		for (int i = 0; i < n; i++) {
			struct reader *r = &rs[i];
			if (r->fd < 0 && !stop) {
				/* (re)connect and send the next request */
				if ((r->fd = dial(sock)) < 0) {
					errors++;
					continue;
				}
			}
			if (r->fd >= 0 && r->t0 == 0 && !stop) {
				char req[1024];
				int len = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: granary\r\n\r\n",
						   paths[r->next % (unsigned long)npaths]);
				r->t0 = now();
				r->have = 0;
				if (send(r->fd, req, (size_t)len, MSG_NOSIGNAL) != len) {
					errors++;
					close(r->fd);
					r->fd = -1;
					r->t0 = 0;
					continue;
				}
			}
			pf[i].fd = r->fd >= 0 && r->t0 != 0 ? r->fd : -1;
			pf[i].events = POLLIN;
			pf[i].revents = 0;
			active += pf[i].fd >= 0;
		}
		if (!active)
			break;
		if (poll(pf, (nfds_t)n, 1000) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			struct reader *r = &rs[i];
			if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t got = read(r->fd, r->buf + r->have, BUF - 1 - r->have);
			if (got <= 0) {
				errors++;
				close(r->fd);
				r->fd = -1;
				r->t0 = 0;
				continue;
			}
			r->have += (size_t)got;
			r->buf[r->have] = '\0';
			size_t len = complete(r->buf, r->have);
			if (!len) {
				if (r->have >= BUF - 1) {
					errors++;
					close(r->fd);
					r->fd = -1;
					r->t0 = 0;
				}
				continue;
			}
			if (atoi(r->buf + 9) == 200)
				record(now() - r->t0, (int)(r->next % (unsigned long)npaths));
			else
				errors++;
			r->next++;
			r->t0 = 0;
		}
	}
	double el = now() - start;
	double *all = malloc((nlat ? nlat : 1) * sizeof *all);
	for (int p = 0; p < npaths && npaths > 1; p++) {
		size_t k = 0;
		for (size_t j = 0; j < nlat; j++)
			if (lpath[j] == p)
				all[k++] = lat[j];
		qsort(all, k, sizeof *all, cmp);
		if (k)
			fprintf(stderr, "  %-64s %7zu  p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms\n", paths[p], k,
				all[(size_t)((double)(k - 1) * 0.5)] * 1000, all[(size_t)((double)(k - 1) * 0.99)] * 1000,
				all[k - 1] * 1000);
	}
	memcpy(all, lat, nlat * sizeof *all);
	qsort(all, nlat, sizeof *all, cmp);
#define PCT(p) (nlat ? all[(size_t)((double)(nlat - 1) * (p))] * 1000 : 0)
	printf("readers %d  seconds %.1f  requests %zu  errors %lu  rate %.0f/s  p50 %.2f ms  p99 %.2f ms  max %.2f ms\n",
	       n, el, nlat, errors, (double)nlat / el, PCT(0.50), PCT(0.99), nlat ? all[nlat - 1] * 1000 : 0);
	for (int i = 0; i < n; i++) {
		if (rs[i].fd >= 0)
			close(rs[i].fd);
		free(rs[i].buf);
	}
	free(all);
	free(lat);
	free(lpath);
	free(rs);
	free(pf);
	return errors ? 1 : 0;
}
