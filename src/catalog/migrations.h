/* The migrations compiled in from schema/NNN_*.sql (see tests/schema_embed.sh). */
#ifndef GR_MIGRATIONS_H
#define GR_MIGRATIONS_H
#include <stddef.h>
struct gr_migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct gr_migration gr_migrations[];
extern const size_t gr_migration_count;
/* access.db's migrations, from schema/access/NNN_*.sql */
extern const struct gr_migration gr_access_migrations[];
extern const size_t gr_access_migration_count;

struct sqlite3;
int gr_sqlite_migrate(struct sqlite3 *db, const struct gr_migration *m, size_t n, const char *what);
#endif
