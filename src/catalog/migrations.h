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
#endif
