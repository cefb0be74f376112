/*
 * sockact — starts a program the way systemd's socket activation does: a
 * listening Unix socket on fd 3, LISTEN_FDS=1 and LISTEN_PID=its pid.
 *
 *   sockact SOCKET PROGRAM [ARGS...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: sockact SOCKET PROGRAM [ARGS...]\n");
		return 2;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", argv[1]);
	unlink(argv[1]);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 16)) {
		perror(argv[1]);
		return 1;
	}
	if (fd != 3 && (dup2(fd, 3) < 0 || close(fd))) {
		perror("dup2");
		return 1;
	}
	char pid[32];
	snprintf(pid, sizeof pid, "%d", (int)getpid()); /* exec keeps the pid */
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "1", 1);
	execvp(argv[2], argv + 2);
	perror(argv[2]);
	return 127;
}
