/*
 * The corpus replay of a fuzz target: built with -DGR_FUZZ_REPLAY, a target
 * is a plain program that runs LLVMFuzzerTestOneInput on each file named on
 * its command line (make test replays every corpus this way).
 */
#ifndef GR_FUZZ_REPLAY_H
#define GR_FUZZ_REPLAY_H

#include <stdint.h>
#include <stdio.h>

#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

/* 0 when every input was run; 1 when one could not be read. */
static inline int gr_fuzz_replay(const char *name, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		gr_buf b = GR_BUF_INIT;
		if (gr_read_file(argv[i], (size_t)1 << 26, &b)) {
			fprintf(stderr, "%s: %s\n", name, gr_error_last());
			return 1;
		}
		LLVMFuzzerTestOneInput((const uint8_t *)(b.ptr ? b.ptr : ""), b.len);
		gr_buf_free(&b);
	}
	printf("%s: %d inputs replayed\n", name, argc - 1);
	return 0;
}

#endif
