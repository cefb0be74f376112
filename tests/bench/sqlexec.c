/*
 * sqlexec DB SQL — runs SQL on a SQLite file and prints result rows
 * tab-separated. For tests that must put a hub's catalog into a state only a
 * crash could leave (the sqlite3 shell is not part of a fresh machine).
 */
#include <sqlite3.h>
#include <stdio.h>

static int row(void *ctx, int n, char **vals, char **cols)
{
	(void)ctx;
	(void)cols;
	for (int i = 0; i < n; i++)
		printf("%s%s", i ? "\t" : "", vals[i] ? vals[i] : "NULL");
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: sqlexec DB SQL\n");
		return 2;
	}
	sqlite3 *db;
	char *err = NULL;
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		fprintf(stderr, "sqlexec: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	int rc = sqlite3_exec(db, argv[2], row, NULL, &err);
	if (rc != SQLITE_OK)
		fprintf(stderr, "sqlexec: %s\n", err ? err : sqlite3_errmsg(db));
	sqlite3_free(err);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : 1;
}
