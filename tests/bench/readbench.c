/*
 * readbench — N concurrent readers of granaryd, each on its own keep-alive
 * connection, sending small GETs for a while; prints requests/s and latency
 * percentiles (make bench runs it while an ingest goes through the daemon).
 *
 *   readbench SOCKET THREADS SECONDS PATH...
 * Each reader cycles through the PATHs. Any answer but 200 counts as an error.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *sock_path;
static char **paths;
static int npaths;
static double seconds;

struct reader {
	pthread_t t;
	double *lat;
	size_t n, cap;
	unsigned long errors;
};

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int dial(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock_path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Sends one GET and reads its whole answer; the status, or -1. */
static int get(int fd, const char *path, char *buf, size_t cap)
{
	char req[1024];
	int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: granary\r\n\r\n", path);
	if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
		return -1;
	size_t have = 0;
	char *body = NULL;
	long clen = -1;
	for (;;) {
		ssize_t r = read(fd, buf + have, cap - have - 1);
		if (r <= 0)
			return -1;
		have += (size_t)r;
		buf[have] = '\0';
		if (!body && (body = strstr(buf, "\r\n\r\n"))) {
			body += 4;
			char *cl = strcasestr(buf, "Content-Length:");
			if (!cl)
				return -1;
			clen = strtol(cl + 15, NULL, 10);
		}
		if (body && (long)(have - (size_t)(body - buf)) >= clen)
			break;
		if (have + 1 >= cap)
			return -1;
	}
	return atoi(buf + 9);
}

static void *run(void *arg)
{
	struct reader *r = arg;
	char *buf = malloc(1 << 20);
	int fd = dial();
	double end = now() + seconds;
	for (unsigned long i = 0; now() < end; i++) {
		if (fd < 0 && (fd = dial()) < 0) {
			r->errors++;
			usleep(1000);
			continue;
		}
		double t0 = now();
		int st = get(fd, paths[i % (unsigned long)npaths], buf, 1 << 20);
		double dt = now() - t0;
		if (st != 200) {
			r->errors++;
			close(fd);
			fd = -1;
			continue;
		}
		if (r->n == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 4096;
			r->lat = realloc(r->lat, r->cap * sizeof *r->lat);
		}
		r->lat[r->n++] = dt;
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: readbench SOCKET THREADS SECONDS PATH...\n");
		return 2;
	}
	sock_path = argv[1];
	int nt = atoi(argv[2]);
	seconds = atof(argv[3]);
	paths = argv + 4;
	npaths = argc - 4;
	struct reader *rs = calloc((size_t)nt, sizeof *rs);
	double t0 = now();
	for (int i = 0; i < nt; i++)
		pthread_create(&rs[i].t, NULL, run, &rs[i]);
	size_t total = 0;
	unsigned long errors = 0;
	for (int i = 0; i < nt; i++) {
		pthread_join(rs[i].t, NULL);
		total += rs[i].n;
		errors += rs[i].errors;
	}
	double el = now() - t0;
	double *all = malloc((total ? total : 1) * sizeof *all);
	size_t k = 0;
	for (int i = 0; i < nt; i++) {
		memcpy(all + k, rs[i].lat, rs[i].n * sizeof *all);
		k += rs[i].n;
		free(rs[i].lat);
	}
	qsort(all, total, sizeof *all, cmp);
#define PCT(p) (total ? all[(size_t)((double)(total - 1) * (p))] * 1000 : 0)
	printf("readers %d  seconds %.1f  requests %zu  errors %lu  rate %.0f/s  p50 %.2f ms  p99 %.2f ms  max %.2f ms\n",
	       nt, el, total, errors, (double)total / el, PCT(0.50), PCT(0.99), total ? all[total - 1] * 1000 : 0);
	free(all);
	free(rs);
	return errors ? 1 : 0;
}
