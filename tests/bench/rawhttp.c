/*
 * rawhttp — speaks raw bytes to a Unix socket, for the daemon's tests of
 * malformed and slow requests (curl would fix what we want broken).
 *
 *   rawhttp SOCKET send [DELAY_MS] < REQUEST
 *       sends stdin line by line (DELAY_MS between lines), then prints what
 *       the server answers until it closes or 30 s pass; exit 0 when any
 *       answer came, 1 when the connection closed without one
 *   rawhttp SOCKET hold N SECONDS
 *       opens N connections, sends nothing, keeps them SECONDS, closes them
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int dial(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
		perror(path);
		exit(2);
	}
	return fd;
}

static void sleep_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[2], "send")) {
		long delay = argc > 3 ? atol(argv[3]) : 0;
		int fd = dial(argv[1]);
		char line[65536];
		size_t got = 0;
		while (fgets(line, sizeof line, stdin)) {
			size_t n = strlen(line);
			/* "\n" in the request file stands for "\r\n" */
			if (n && line[n - 1] == '\n' && (n < 2 || line[n - 2] != '\r')) {
				line[n - 1] = '\r';
				line[n++] = '\n';
			}
			if (send(fd, line, n, MSG_NOSIGNAL) < 0)
				break; /* the server closed: read what it said */
			if (delay)
				sleep_ms(delay);
			/* an early answer (408, 431) ends the sending */
			struct pollfd p = {fd, POLLIN, 0};
			if (poll(&p, 1, 0) > 0)
				break;
		}
		char buf[65536];
		struct pollfd p = {fd, POLLIN, 0};
		while (poll(&p, 1, 30000) > 0) {
			ssize_t r = read(fd, buf, sizeof buf);
			if (r <= 0)
				break;
			fwrite(buf, 1, (size_t)r, stdout);
			got += (size_t)r;
		}
		close(fd);
		return got ? 0 : 1;
	}
	if (argc == 5 && !strcmp(argv[2], "hold")) {
		int n = atoi(argv[3]);
		int *fds = calloc((size_t)n, sizeof *fds);
		for (int i = 0; i < n; i++)
			fds[i] = dial(argv[1]);
		sleep_ms(atol(argv[4]) * 1000);
		for (int i = 0; i < n; i++)
			close(fds[i]);
		free(fds);
		return 0;
	}
	fprintf(stderr, "usage: rawhttp SOCKET send [DELAY_MS] < REQUEST | rawhttp SOCKET hold N SECONDS\n");
	return 2;
}
