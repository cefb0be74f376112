/*
 * jsonltext — an independent check of the text Granary stores and exports.
 *
 *   jsonltext [-f FIELD] FILE
 *
 * Reads JSON Lines (plain; FILE.zst through `zstd -dc`; FILE.gz through
 * `zcat`), decodes each non-blank line with cJSON (not Granary's own parser)
 * and prints the SHA-256 (hex) of the decoded string in FIELD (default
 * "text"), one line per record. A line that is not an object with a string
 * FIELD prints "-" so line counts still match. The e2e tests compare sorted
 * lists of these hashes between the input and what `granary export` wrote.
 * Exit status: 0 ok, 1 a line did not parse, 2 usage or I/O error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <openssl/evp.h>

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Shell-quotes path into a popen command line: 'a'\''b'. */
static char *command(const char *prog, const char *path)
{
	size_t n = strlen(prog) + 4 * strlen(path) + 8;
	char *cmd = malloc(n), *p;
	if (!cmd)
		return NULL;
	p = cmd + sprintf(cmd, "%s '", prog);
	for (const char *s = path; *s; s++) {
		if (*s == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else {
			*p++ = *s;
		}
	}
	*p++ = '\'';
	*p = '\0';
	return cmd;
}

static void sha256_hex(const char *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < mdlen; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
	out[2 * mdlen] = '\0';
}

int main(int argc, char **argv)
{
	const char *field = "text", *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-f") && i + 1 < argc)
			field = argv[++i];
		else if (!path)
			path = argv[i];
		else
			path = NULL, i = argc;
	}
	if (!path) {
		fprintf(stderr, "usage: jsonltext [-f FIELD] FILE(.jsonl|.zst|.gz)\n");
		return 2;
	}
	FILE *in;
	int piped = 0;
	if (ends_with(path, ".zst") || ends_with(path, ".gz")) {
		char *cmd = command(ends_with(path, ".zst") ? "zstd -dc --" : "zcat --", path);
		if (!cmd)
			return 2;
		in = popen(cmd, "r");
		free(cmd);
		piped = 1;
	} else {
		in = fopen(path, "rb");
	}
	if (!in) {
		perror(path);
		return 2;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	int bad = 0;
	while ((n = getline(&line, &cap, in)) >= 0) {
		lineno++;
		size_t len = (size_t)n;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		size_t k = 0;
		while (k < len && (line[k] == ' ' || line[k] == '\t'))
			k++;
		if (k == len)
			continue;
		cJSON *j = cJSON_ParseWithLength(line, len);
		if (!j) {
			fprintf(stderr, "%s:%lu: cJSON cannot parse this line\n", path, lineno);
			bad = 1;
			continue;
		}
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, field);
		if (cJSON_IsObject(j) && cJSON_IsString(t) && t->valuestring) {
			/* cJSON strings are NUL-terminated: a \u0000 in the input would cut them short */
			char hex[2 * EVP_MAX_MD_SIZE + 1];
			sha256_hex(t->valuestring, strlen(t->valuestring), hex);
			printf("%s\n", hex);
		} else {
			printf("-\n");
		}
		cJSON_Delete(j);
	}
	free(line);
	int st = piped ? pclose(in) : fclose(in);
	if (st != 0) {
		fprintf(stderr, "%s: reading failed (status %d)\n", path, st);
		return 2;
	}
	return bad;
}
