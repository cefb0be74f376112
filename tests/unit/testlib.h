/*
 * What the cmocka unit tests share: one temporary directory per test binary,
 * made before the group runs and removed after it. Define TEST_NAME before
 * including; the directory is /tmp/gr_<TEST_NAME>_XXXXXX, its path in tmpdir.
 */
#ifndef GR_TESTLIB_H
#define GR_TESTLIB_H

#include <stdio.h>
#include <stdlib.h>

static char tmpdir[64];

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/gr_" TEST_NAME "_XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
