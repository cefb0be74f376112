/*
 * Tests for src/govern/docs: the field table and its written form (the JSON
 * Schemas and the default policy in schema/, compared field by field and
 * whole), setting values of every type, BCP-47 and date checks, the policy,
 * validation and the release gate, inheritance, the YAML scalars, the size
 * buckets, the four renderings (HF card, Croissant, datasheet, statement),
 * the edit text round trip, and allocation failures. Run from the
 * repository root.
 *
 * The renderings are also written to the test's directory and, when
 * python3 with PyYAML is there, handed to tests/docs/check_card.py,
 * check_croissant.py, check_yaml.py and check_schema.py, which read them as
 * the Hugging Face hub and Croissant tools do; without python3 those checks
 * are skipped and the C assertions below stand alone.
 *
 *   build/tests/test_docs --write-schemas   rewrites schema/datasheet.schema.json,
 *                                           schema/data-statement.schema.json and
 *                                           schema/doc-policy.json from the table
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define TEST_NAME "docs"
#include "govern/docs.h"
#include "testlib.h"

#define DS_SCHEMA "schema/datasheet.schema.json"
#define ST_SCHEMA "schema/data-statement.schema.json"
#define POLICY "schema/doc-policy.json"

/* ---- helpers ------------------------------------------------------------- */

static cJSON *new_doc(void)
{
	cJSON *d = NULL;
	assert_int_equal(gr_doc_new(&d), 0);
	return d;
}

static void set_ok(cJSON *d, const char *f, const char *v)
{
	int rc = gr_doc_set(d, f, v);
	if (rc)
		fail_msg("gr_doc_set(%s, %s): %s", f, v ? v : "NULL", gr_error_last());
}

/* gr_doc_set fails with GR_EINVAL and a message holding each of the words. */
static void set_bad(cJSON *d, const char *f, const char *v, const char *word1, const char *word2)
{
	char *before = cJSON_PrintUnformatted(d);
	int rc = gr_doc_set(d, f, v);
	if (rc != GR_EINVAL)
		fail_msg("gr_doc_set(%s, %s) = %d, expected GR_EINVAL", f, v, rc);
	const char *m = gr_error_last();
	if (word1 && !strstr(m, word1))
		fail_msg("message '%s' lacks '%s'", m, word1);
	if (word2 && !strstr(m, word2))
		fail_msg("message '%s' lacks '%s'", m, word2);
	char *after = cJSON_PrintUnformatted(d);
	assert_string_equal(before, after); /* untouched on failure */
	free(before);
	free(after);
}

static const char *get_str(const cJSON *d, const char *f)
{
	const cJSON *v = gr_doc_get(d, f);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static char *render(const cJSON *d, const cJSON *facts, const char *fmt)
{
	gr_buf b = GR_BUF_INIT;
	int rc = gr_doc_render(d, facts, fmt, &b);
	if (rc)
		fail_msg("render %s: %s", fmt, gr_error_last());
	return gr_buf_detach(&b);
}

static cJSON *read_json(const char *path)
{
	gr_buf b = GR_BUF_INIT;
	if (gr_read_file(path, 1u << 22, &b))
		fail_msg("read %s: %s (run from the repository root)", path, gr_error_last());
	cJSON *j = cJSON_Parse(b.ptr);
	if (!j)
		fail_msg("%s is not JSON", path);
	gr_buf_free(&b);
	return j;
}

static void write_text(const char *name, const char *text)
{
	char *path = gr_path_join(tmpdir, name);
	assert_non_null(path);
	assert_int_equal(gr_write_file_atomic(path, text, strlen(text)), 0);
	free(path);
}

static int have_python_yaml = -1;

/* Runs a checker from tests/docs on files in the test directory; skipped
 * (with a note) without python3 and PyYAML. */
static void run_checker(const char *script, const char *args)
{
	if (have_python_yaml < 0)
		have_python_yaml = system("python3 -c 'import yaml' >/dev/null 2>&1") == 0;
	if (!have_python_yaml) {
		print_message("skipped %s: python3 with PyYAML is not installed\n", script);
		return;
	}
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "cd '%s' && python3 \"$OLDPWD/tests/docs/%s\" %s", tmpdir, script, args);
	int rc = system(cmd);
	if (rc != 0)
		fail_msg("%s %s failed (%d)", script, args, rc);
}

/* A document with every required field. */
static cJSON *full_doc(void)
{
	cJSON *d = new_doc();
	set_ok(d, "name", "web-en");
	set_ok(d, "pretty_name", "Web English");
	set_ok(d, "description", "Pages crawled from the web, cleaned and de-duplicated.");
	set_ok(d, "curators", "Jane Doe <jane@example.org>, Granary team");
	set_ok(d, "removal_contact", "privacy@example.org");
	set_ok(d, "license", "CC-BY-4.0");
	set_ok(d, "languages", "en, de-CH");
	set_ok(d, "sources",
	       "[{\"name\": \"CC-MAIN-2024-10\", \"uri\": \"https://commoncrawl.org/\", \"retrieved\": \"2024-03-01\", "
	       "\"license\": \"LicenseRef-CommonCrawl-ToU\"}]");
	set_ok(d, "collection.method", "Fetched with a crawler that honours robots.txt.");
	set_ok(d, "collection.timeframe", "2024-01/2024-03");
	set_ok(d, "uses.intended", "Research on language models.");
	set_ok(d, "uses.out_of_scope", "Identifying or profiling people.");
	set_ok(d, "personal_information", "E-mail addresses and phone numbers were redacted.");
	return d;
}

static cJSON *facts(void)
{
	cJSON *f = cJSON_Parse("{\"dataset\": \"web-en\", \"version\": 3, \"records\": 12345, \"bytes\": 6789012, "
			       "\"sources\": [{\"name\": \"CC-MAIN-2024-10\", \"records\": 12345, \"license\": \"CC-BY-4.0\"}], "
			       "\"licenses\": {\"CC-BY-4.0\": 12000, \"MIT\": 345}, \"languages\": {\"en\": 12000, \"de\": 345}, "
			       "\"pii\": {\"EMAIL\": 12, \"PHONE\": 3}, \"removals\": 2, \"created\": \"2024-04-01\", "
			       "\"export\": {\"name\": \"web-en-v3.jsonl\", \"url\": \"https://data.example.org/web-en-v3.jsonl\", "
			       "\"sha256\": \"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\", \"bytes\": 6789012}}");
	assert_non_null(f);
	return f;
}

/* ---- the table and its written form -------------------------------------- */

static void test_table(void **state)
{
	(void)state;
	size_t n = gr_doc_field_count(), req = 0, per_part[4] = {0}, per_section[GR_DOC_DATASHEET_SECTIONS] = {0};
	static const size_t gebru[GR_DOC_DATASHEET_SECTIONS] = {4, 17, 13, 4, 6, 7, 8};
	for (size_t i = 0; i < n; i++) {
		const gr_doc_field *f = gr_doc_field_at(i);
		assert_non_null(f->title);
		assert_non_null(f->question);
		per_part[f->part]++;
		if (f->flags & GR_DOC_F_REQUIRED)
			req++;
		for (size_t j = i + 1; j < n; j++)
			assert_string_not_equal(f->id, gr_doc_field_at(j)->id);
		assert_ptr_equal(gr_doc_field_find(f->id), f);
		if (f->fallback) {
			const gr_doc_field *fb = gr_doc_field_find(f->fallback);
			assert_non_null(fb);
			assert_string_equal(fb->id, f->fallback);
			assert_null(fb->fallback); /* one level */
		}
		if (f->part == GR_DOC_PART_DATASHEET) {
			size_t s = 0;
			while (s < GR_DOC_DATASHEET_SECTIONS && strcmp(gr_doc_section_id(s), f->section))
				s++;
			assert_true(s < GR_DOC_DATASHEET_SECTIONS);
			per_section[s]++;
		}
		assert_true((f->type == GR_DOC_OBJECTS) == (f->sub != NULL));
	}
	/* Gebru et al.'s 59 prompts, each section's count as in the paper */
	assert_int_equal(per_part[GR_DOC_PART_DATASHEET], 59);
	for (size_t s = 0; s < GR_DOC_DATASHEET_SECTIONS; s++)
		assert_int_equal(per_section[s], gebru[s]);
	assert_int_equal(per_part[GR_DOC_PART_STATEMENT], 16);
	assert_int_equal(per_part[GR_DOC_PART_CARD], 21);
	assert_int_equal(per_part[GR_DOC_PART_CORE], 7);
	assert_int_equal(n, 103);
	/* the list: name, description, curators, removal contact, licence,
	 * sources, collection method and timeframe, languages, uses, personal information */
	assert_int_equal(req, 12);
	static const char *const required[] = {"card.name", "card.description", "card.curators", "card.removal_contact",
					       "card.license", "card.languages", "sources", "collection.method",
					       "collection.timeframe", "uses.intended", "uses.out_of_scope",
					       "personal_information"};
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
		assert_true(gr_doc_field_find(required[i])->flags & GR_DOC_F_REQUIRED);
	assert_int_equal(gr_doc_field_find("card.license")->type, GR_DOC_SPDX);
	assert_int_equal(gr_doc_field_find("card.languages")->type, GR_DOC_BCP47S);
	assert_int_equal(gr_doc_field_find("statement.language_varieties")->sub[0].type, GR_DOC_BCP47);
}

static void test_field_find(void **state)
{
	(void)state;
	assert_string_equal(gr_doc_field_find("license")->id, "card.license");
	assert_string_equal(gr_doc_field_find("motivation.purpose")->id, "datasheet.motivation.purpose");
	assert_string_equal(gr_doc_field_find("capture_quality")->id, "statement.capture_quality");
	/* an exact id wins over a datasheet question of the same tail */
	assert_string_equal(gr_doc_field_find("collection.timeframe")->id, "collection.timeframe");
	assert_string_equal(gr_doc_field_find("datasheet.collection.timeframe")->id, "datasheet.collection.timeframe");
	/* "preprocessing" alone is statement.preprocessing; the datasheet's are deeper */
	assert_string_equal(gr_doc_field_find("preprocessing")->id, "statement.preprocessing");
	assert_null(gr_doc_field_find("nope"));
	assert_null(gr_doc_field_find(""));
	assert_null(gr_doc_field_find(NULL));
}

/* Walks schema properties along the dotted path rel; the leaf or NULL. */
static const cJSON *schema_leaf(const cJSON *schema, const char *rel)
{
	char buf[256], *save = NULL;
	const cJSON *node = schema;
	snprintf(buf, sizeof buf, "%s", rel);
	for (char *seg = strtok_r(buf, ".", &save); seg && node; seg = strtok_r(NULL, ".", &save))
		node = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(node, "properties"), seg);
	return node;
}

/* Number of leaves (properties with x-granary-type) under a schema node. */
static size_t count_leaves(const cJSON *node)
{
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(node, "properties"), *p;
	size_t n = 0;
	cJSON_ArrayForEach(p, props)
	{
		if (cJSON_GetObjectItemCaseSensitive(p, "x-granary-type"))
			n++;
		else
			n += count_leaves(p);
	}
	return n;
}

static void check_schema_file(const char *path, const char *which, gr_doc_part part)
{
	cJSON *file = read_json(path), *gen = NULL;
	assert_int_equal(gr_doc_schema(which, &gen), 0);
	size_t n = 0;
	for (size_t i = 0; i < gr_doc_field_count(); i++) {
		const gr_doc_field *f = gr_doc_field_at(i);
		if ((f->part == GR_DOC_PART_STATEMENT) != (part == GR_DOC_PART_STATEMENT))
			continue;
		const char *rel = part == GR_DOC_PART_STATEMENT ? f->id + strlen("statement.") : f->id;
		const cJSON *leaf = schema_leaf(file, rel);
		if (!leaf)
			fail_msg("%s has no property for field %s: run build/tests/test_docs --write-schemas", path, f->id);
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(leaf, "x-granary-type");
		const cJSON *title = cJSON_GetObjectItemCaseSensitive(leaf, "title");
		const cJSON *q = cJSON_GetObjectItemCaseSensitive(leaf, "description");
		if (!cJSON_IsString(t) || strcmp(t->valuestring, gr_doc_type_name(f->type)))
			fail_msg("%s: %s has type %s in the table", path, f->id, gr_doc_type_name(f->type));
		if (!cJSON_IsString(title) || strcmp(title->valuestring, f->title))
			fail_msg("%s: %s's title differs from the table's '%s'", path, f->id, f->title);
		if (!cJSON_IsString(q) || strcmp(q->valuestring, f->question))
			fail_msg("%s: %s's question differs from the table's", path, f->id);
		if (f->values) {
			const cJSON *en = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(leaf, "items"), "enum");
			size_t k = 0;
			while (f->values[k])
				k++;
			assert_int_equal(cJSON_GetArraySize(en), k);
			for (size_t j = 0; j < k; j++)
				assert_string_equal(cJSON_GetArrayItem(en, (int)j)->valuestring, f->values[j]);
		}
		n++;
	}
	/* nothing in the file the table lacks */
	assert_int_equal(count_leaves(file), n);
	if (!cJSON_Compare(file, gen, true))
		fail_msg("%s differs from the table (gr_doc_schema): run build/tests/test_docs --write-schemas", path);
	cJSON_Delete(file);
	cJSON_Delete(gen);
}

static void test_schema_files(void **state)
{
	(void)state;
	check_schema_file(DS_SCHEMA, "datasheet", GR_DOC_PART_DATASHEET);
	check_schema_file(ST_SCHEMA, "statement", GR_DOC_PART_STATEMENT);
	/* the default policy file is the embedded one */
	cJSON *file = read_json(POLICY), *def = NULL;
	assert_int_equal(gr_doc_policy_default(&def), 0);
	assert_int_equal(gr_doc_policy_check(file), 0);
	if (!cJSON_Compare(file, def, true))
		fail_msg("%s differs from gr_doc_policy_default: run build/tests/test_docs --write-schemas", POLICY);
	cJSON_Delete(file);
	cJSON_Delete(def);
	cJSON *bad = NULL;
	assert_int_equal(gr_doc_schema("card", &bad), GR_EINVAL);
}

/* ---- setting values ------------------------------------------------------ */

static void test_set_scalars(void **state)
{
	(void)state;
	cJSON *d = new_doc();
	set_ok(d, "card.name", "  web-en \r\n");
	assert_string_equal(get_str(d, "name"), "web-en"); /* trimmed */
	set_ok(d, "description", "line one\r\nline two\rline three");
	assert_string_equal(get_str(d, "description"), "line one\nline two\nline three");
	set_bad(d, "description", "bell \a here", "card.description", "control character");
	set_bad(d, "description", "\xff\xfe", "card.description", "UTF-8");
	set_ok(d, "date_published", "2024-02-29");
	set_bad(d, "date_published", "2023-02-29", "card.date_published", "YYYY-MM-DD");
	set_bad(d, "date_published", "2024-1-5", "card.date_published", NULL);
	set_bad(d, "date_published", "2024-04", "card.date_published", NULL);
	set_ok(d, "date_published", "2000-02-29");
	set_bad(d, "date_published", "1900-02-29", NULL, NULL);
	set_ok(d, "collection.timeframe", "2023");
	set_ok(d, "collection.timeframe", "2023-01/2023-06");
	set_ok(d, "collection.timeframe", "2023-01-15/2024-02");
	set_ok(d, "collection.timeframe", "2023-06/2023-06-30");
	set_bad(d, "collection.timeframe", "2024/2023", "collection.timeframe", "interval");
	set_bad(d, "collection.timeframe", "2023-13", NULL, NULL);
	set_bad(d, "collection.timeframe", "last year", NULL, NULL);
	assert_string_equal(get_str(d, "collection.timeframe"), "2023-06/2023-06-30");
	set_ok(d, "homepage", "https://example.org/web");
	set_ok(d, "homepage", "HTTP://example.org");
	set_bad(d, "homepage", "ftp://example.org", "card.homepage", "URL");
	set_bad(d, "homepage", "https://", NULL, NULL);
	set_bad(d, "homepage", "https://exa mple.org", NULL, NULL);
	set_ok(d, "removal_contact", "privacy@example.org");
	set_ok(d, "removal_contact", "mailto:privacy@example.org");
	set_ok(d, "removal_contact", "https://example.org/remove");
	set_bad(d, "removal_contact", "privacy at example", "card.removal_contact", "e-mail");
	set_bad(d, "removal_contact", "a@b", NULL, NULL);
	set_bad(d, "nope", "x", "no documentation field 'nope'", NULL);
	set_bad(d, "name+", "x", "appends to lists", NULL);
	cJSON_Delete(d);
}

static void test_set_spdx(void **state)
{
	(void)state;
	cJSON *d = new_doc();
	set_ok(d, "license", "cc-by-4.0");
	assert_string_equal(get_str(d, "license"), "CC-BY-4.0"); /* the list's spelling */
	set_ok(d, "license", "mit or (apache-2.0 and bsd-3-clause)");
	assert_string_equal(get_str(d, "license"), "MIT OR (Apache-2.0 AND BSD-3-Clause)");
	set_ok(d, "license", "LicenseRef-my-terms");
	set_ok(d, "license", "GPL-2.0+");
	assert_string_equal(get_str(d, "license"), "GPL-2.0-or-later");
	set_bad(d, "license", "CC BY 4.0", "card.license", "SPDX");
	set_bad(d, "license", "MIT AND", "card.license", "SPDX");
	set_bad(d, "license", "Not-A-License-1.0", "card.license", NULL);
	assert_string_equal(get_str(d, "license"), "GPL-2.0-or-later");
	cJSON_Delete(d);
}

static void test_bcp47(void **state)
{
	(void)state;
	static const char *const good[][2] = {
		{"en", "en"},
		{"EN-us", "en-US"},
		{"zh-hant-tw", "zh-Hant-TW"},
		{"sr-Latn-RS", "sr-Latn-RS"},
		{"es-419", "es-419"},
		{"de-CH-1901", "de-CH-1901"},
		{"sl-rozaj-biske", "sl-rozaj-biske"},
		{"zh-yue-HK", "zh-yue-HK"},
		{"en-a-bbb-x-a-ccc", "en-a-bbb-x-a-ccc"},
		{"x-whatever", "x-whatever"},
		{"qaa-Qaaa-QM-x-southern", "qaa-Qaaa-QM-x-southern"},
		{"i-klingon", "i-klingon"},
		{"EN-gb-OED", "en-GB-oed"},
		{"zh-min-nan", "zh-min-nan"},
		{"und", "und"},
		{"hy-Latn-IT-arevela", "hy-Latn-IT-arevela"},
	};
	static const char *const bad[] = {"",	      "en_US", "e",	 "en-",	  "-en",      "en--US", "toolongtag",
					  "en-a",     "en-x",  "de-419-DE", "a-DE", "ar-a-aaa-b-bbb-a-ccc", "de-1901-1901",
					  "en-US-US", "i-foo", "123",	     "en-Latn-Latn"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		gr_buf b = GR_BUF_INIT;
		if (gr_doc_bcp47(good[i][0], &b))
			fail_msg("'%s' refused: %s", good[i][0], gr_error_last());
		assert_string_equal(b.ptr, good[i][1]);
		gr_buf_free(&b);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		gr_buf b = GR_BUF_INIT;
		if (gr_doc_bcp47(bad[i], &b) != GR_EINVAL)
			fail_msg("'%s' accepted as %s", bad[i], b.ptr ? b.ptr : "");
		gr_buf_free(&b);
	}
	/* in a field: normalised, repeats dropped, the field named on error */
	cJSON *d = new_doc();
	set_ok(d, "languages", "en-us, DE-ch, en-US");
	const cJSON *l = gr_doc_get(d, "languages");
	assert_int_equal(cJSON_GetArraySize(l), 2);
	assert_string_equal(cJSON_GetArrayItem(l, 0)->valuestring, "en-US");
	assert_string_equal(cJSON_GetArrayItem(l, 1)->valuestring, "de-CH");
	set_bad(d, "languages", "en, en_GB", "card.languages", "'en_GB' is not a BCP-47 tag");
	cJSON_Delete(d);
}

static void test_lists(void **state)
{
	(void)state;
	cJSON *d = new_doc();
	set_ok(d, "curators", "Jane Doe, , Granary team ,");
	const cJSON *c = gr_doc_get(d, "curators");
	assert_int_equal(cJSON_GetArraySize(c), 2);
	assert_string_equal(cJSON_GetArrayItem(c, 1)->valuestring, "Granary team");
	set_ok(d, "curators", "[\"Doe, Jane\", \"Granary team\"]"); /* JSON keeps commas in names */
	assert_string_equal(cJSON_GetArrayItem(gr_doc_get(d, "curators"), 0)->valuestring, "Doe, Jane");
	set_ok(d, "curators+", "Third Person");
	assert_int_equal(cJSON_GetArraySize(gr_doc_get(d, "curators")), 3);
	set_bad(d, "curators", "[\"a\", 1]", "card.curators", "not a string");
	set_bad(d, "curators", "[\"a\"", "card.curators", "JSON");
	set_bad(d, "curators", "[\"a\"] trailing", "card.curators", "JSON");
	set_ok(d, "task_categories", "text-generation, fill-mask");
	set_bad(d, "task_categories", "text-generation, writing", "card.task_categories", "'writing' is not one of");
	set_ok(d, "annotations_creators", "no-annotation");
	set_bad(d, "multilinguality", "bilingual", "card.multilinguality", "monolingual");
	set_ok(d, "collection.type", "Web Scraping, Web API");
	set_bad(d, "collection.type", "Crawling", "collection.type", "Web Scraping");
	/* the item limit */
	gr_buf big = GR_BUF_INIT;
	for (int i = 0; i <= GR_DOC_MAX_ITEMS; i++)
		gr_buf_printf(&big, "%st%d", i ? "," : "", i);
	assert_int_equal(gr_doc_set(d, "tags", big.ptr), GR_ELIMIT);
	gr_buf_reset(&big);
	for (size_t i = 0; i <= GR_DOC_MAX_VALUE; i++)
		gr_buf_putc(&big, 'x');
	assert_int_equal(gr_doc_set(d, "description", big.ptr), GR_ELIMIT);
	assert_non_null(strstr(gr_error_last(), "card.description"));
	gr_buf_free(&big);
	cJSON_Delete(d);
}

static void test_objects(void **state)
{
	(void)state;
	cJSON *d = new_doc();
	set_ok(d, "sources",
	       "{\"name\": \"CC\", \"uri\": \"https://commoncrawl.org\", \"retrieved\": \"2024-03-01\", \"license\": "
	       "\"cc0-1.0\"}");
	const cJSON *s = gr_doc_get(d, "sources");
	assert_int_equal(cJSON_GetArraySize(s), 1);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(s, 0), "license")->valuestring, "CC0-1.0");
	set_ok(d, "sources+", "[{\"name\": \"Wiki\", \"retrieved\": \"2024-02-01\"}]");
	assert_int_equal(cJSON_GetArraySize(gr_doc_get(d, "sources")), 2);
	set_bad(d, "sources", "[{\"name\": \"x\"}]", "sources", "retrieved");
	set_bad(d, "sources", "[{\"name\": \"x\", \"retrieved\": \"yesterday\"}]", "sources: item 1: retrieved",
		"YYYY-MM-DD");
	set_bad(d, "sources", "[{\"name\": \"x\", \"retrieved\": \"2024-01-01\", \"colour\": \"red\"}]", "sources",
		"unknown member 'colour'");
	set_bad(d, "sources", "[{\"name\": \"x\", \"retrieved\": \"2024-01-01\", \"license\": \"GPL\"}]", "sources",
		"SPDX");
	set_bad(d, "sources", "[\"x\"]", "sources", "not an object");
	set_bad(d, "sources", "CC, 2024-01-01", "sources", "JSON array");
	/* language varieties: JSON, or a list of tags */
	set_ok(d, "language_varieties", "en-us, de-CH");
	const cJSON *lv = gr_doc_get(d, "statement.language_varieties");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(lv, 0), "tag")->valuestring, "en-US");
	set_ok(d, "language_varieties", "[{\"tag\": \"gsw\", \"description\": \"Swiss German as written online\"}]");
	set_bad(d, "language_varieties", "[{\"description\": \"no tag\"}]", "statement.language_varieties", "tag");
	cJSON_Delete(d);
}

static void test_unset(void **state)
{
	(void)state;
	cJSON *d = new_doc();
	set_ok(d, "motivation.purpose", "Research.");
	assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "datasheet"), "motivation"));
	set_ok(d, "motivation.purpose", "   ");
	/* empty objects on the way are pruned */
	assert_null(cJSON_GetObjectItem(d, "datasheet"));
	set_ok(d, "motivation.purpose", "Research.");
	set_ok(d, "motivation.funding", "A grant.");
	set_ok(d, "motivation.purpose", NULL);
	assert_null(gr_doc_get(d, "motivation.purpose"));
	assert_string_equal(get_str(d, "motivation.funding"), "A grant.");
	set_ok(d, "tags", "");
	set_ok(d, "tags+", "");
	assert_null(gr_doc_get(d, "tags"));
	assert_string_equal(cJSON_GetObjectItem(d, "format")->valuestring, GR_DOC_FORMAT);
	cJSON_Delete(d);
}

/* ---- policy, validation, the release gate --------------------------------- */

static void test_policy(void **state)
{
	(void)state;
	cJSON *p = NULL;
	assert_int_equal(gr_doc_policy_default(&p), 0);
	assert_int_equal(gr_doc_policy_check(p), 0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(p, "required")), 12);
	assert_int_equal(gr_doc_policy_require(p, "citation", true), 0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(p, "required")), 13);
	assert_int_equal(gr_doc_policy_require(p, "card.citation", true), 0); /* idempotent */
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(p, "required")), 13);
	assert_int_equal(gr_doc_policy_require(p, "card.citation", false), 0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(p, "required")), 12);
	assert_int_equal(gr_doc_policy_require(p, "bogus", true), GR_EINVAL);
	cJSON_Delete(p);

	static const char *const bad[] = {
		"[]",
		"{\"format\": \"x\"}",
		"{\"format\": \"granary-doc-policy/1\", \"required\": [\"card.nope\"]}",
		"{\"format\": \"granary-doc-policy/1\", \"required\": [\"card.name\", \"card.name\"]}",
		"{\"format\": \"granary-doc-policy/1\", \"enforce\": [\"publish\"]}",
		"{\"format\": \"granary-doc-policy/1\", \"colour\": 1}",
		"{\"format\": \"granary-doc-policy/1\", \"required\": [\"card.name\"], \"recommended\": [\"card.name\"]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cJSON *j = cJSON_Parse(bad[i]);
		if (gr_doc_policy_check(j) != GR_EINVAL)
			fail_msg("policy accepted: %s", bad[i]);
		cJSON_Delete(j);
	}
}

static void test_validate(void **state)
{
	(void)state;
	cJSON *d = new_doc(), *r = NULL;
	assert_int_equal(gr_doc_validate(d, NULL, NULL, &r), 0);
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(r, "valid")));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r, "missing_required")), 12);
	assert_int_equal(cJSON_GetObjectItem(r, "required_filled")->valueint, 0);
	assert_int_equal(cJSON_GetObjectItem(r, "required_total")->valueint, 12);
	assert_int_equal(cJSON_GetObjectItem(r, "recommended_total")->valueint, 91);
	assert_true(cJSON_GetObjectItem(r, "completeness")->valuedouble == 0.0);
	cJSON_Delete(r);
	cJSON_Delete(d);

	d = full_doc();
	assert_int_equal(gr_doc_validate(d, NULL, NULL, &r), 0);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r, "valid")));
	assert_int_equal(cJSON_GetObjectItem(r, "required_filled")->valueint, 12);
	/* fallbacks already answer some recommended questions: pretty_name typed,
	 * creators/maintainer (curators), contact, mechanisms, timeframe, sensitive,
	 * other tasks, avoid, distribution licence, language varieties */
	int base = cJSON_GetObjectItem(r, "recommended_filled")->valueint;
	assert_int_equal(base, 11);
	cJSON_Delete(r);
	/* facts fill more: count, identifiable (PII), preprocessing (removals),
	 * source documentation (sources); the licence question was filled already */
	cJSON *f = facts();
	assert_int_equal(gr_doc_validate(d, NULL, f, &r), 0);
	assert_int_equal(cJSON_GetObjectItem(r, "recommended_filled")->valueint, base + 4);
	/* 15 of 91 = 16.48%, floored to one decimal */
	assert_true(cJSON_GetObjectItem(r, "completeness")->valuedouble == 16.4);
	cJSON_Delete(r);

	/* a policy with an explicit recommended list scores only those */
	cJSON *p = cJSON_Parse("{\"format\": \"granary-doc-policy/1\", \"required\": [\"card.name\"], "
			       "\"recommended\": [\"card.citation\", \"card.pretty_name\"]}");
	assert_int_equal(gr_doc_validate(d, p, NULL, &r), 0);
	assert_int_equal(cJSON_GetObjectItem(r, "recommended_total")->valueint, 2);
	assert_true(cJSON_GetObjectItem(r, "completeness")->valuedouble == 50.0);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "missing_recommended"), 0)->valuestring,
			    "card.citation");
	cJSON_Delete(r);
	cJSON_Delete(p);

	/* values stored behind gr_doc_set's back are judged by the same rules */
	cJSON *card = cJSON_GetObjectItem(d, "card");
	cJSON_ReplaceItemInObject(card, "license", cJSON_CreateString("CC BY"));
	cJSON_ReplaceItemInObject(card, "languages", cJSON_CreateString("en"));
	cJSON_AddStringToObject(card, "colour", "red");
	cJSON_AddStringToObject(d, "extra", "x");
	cJSON_ReplaceItemInObject(d, "format", cJSON_CreateString("granary-doc/0"));
	assert_int_equal(gr_doc_validate(d, NULL, f, &r), 0);
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(r, "valid")));
	const cJSON *inv = cJSON_GetObjectItem(r, "invalid"), *it;
	char seen[512] = "";
	cJSON_ArrayForEach(it, inv)
	{
		strcat(seen, cJSON_GetObjectItem(it, "field")->valuestring);
		strcat(seen, "|");
	}
	assert_string_equal(seen, "format|card.license|card.languages|card.colour|extra|");
	assert_non_null(strstr(cJSON_GetObjectItem(cJSON_GetArrayItem(inv, 1), "why")->valuestring, "SPDX"));
	assert_non_null(strstr(cJSON_GetObjectItem(cJSON_GetArrayItem(inv, 2), "why")->valuestring, "bcp47[]"));
	cJSON_Delete(r);
	cJSON_Delete(f);
	cJSON_Delete(d);
	assert_int_equal(gr_doc_validate(NULL, NULL, NULL, &r), GR_EINVAL);
}

static void test_require_release(void **state)
{
	(void)state;
	cJSON *d = full_doc();
	assert_int_equal(gr_doc_require(d, NULL, NULL, "release"), 0);
	assert_int_equal(gr_doc_require(d, NULL, NULL, "export"), 0);
	set_ok(d, "license", NULL);
	set_ok(d, "sources", NULL);
	set_ok(d, "removal_contact", "");
	assert_int_equal(gr_doc_require(d, NULL, NULL, "release"), GR_EINVAL);
	assert_string_equal(gr_error_last(),
			    "cannot release: required documentation missing: card.removal_contact, card.license, sources");
	/* a policy may gate only some operations, and require more */
	cJSON *p = NULL;
	assert_int_equal(gr_doc_policy_default(&p), 0);
	cJSON_ReplaceItemInObject(p, "enforce", cJSON_Parse("[\"release\"]"));
	assert_int_equal(gr_doc_require(d, p, NULL, "export"), 0);
	cJSON_Delete(d);
	d = full_doc();
	assert_int_equal(gr_doc_policy_require(p, "citation", true), 0);
	assert_int_equal(gr_doc_require(d, p, NULL, "release"), GR_EINVAL);
	assert_string_equal(gr_error_last(), "cannot release: required documentation missing: card.citation");
	/* no documentation at all: a release is refused; an export only where the policy gates it */
	assert_int_equal(gr_doc_require(NULL, NULL, NULL, "release"), GR_EINVAL);
	assert_non_null(strstr(gr_error_last(), "card.name, card.description, card.curators"));
	assert_int_equal(gr_doc_require(NULL, NULL, NULL, "export"), 0);
	cJSON_ReplaceItemInObject(p, "enforce", cJSON_Parse("[\"release\", \"export\"]"));
	assert_int_equal(gr_doc_require(NULL, p, NULL, "export"), GR_EINVAL);
	cJSON_ReplaceItemInObject(p, "enforce", cJSON_Parse("[\"release\"]"));
	/* invalid values are named with the reason */
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(d, "card"), "removal_contact", cJSON_CreateString("nobody"));
	assert_int_equal(gr_doc_require(d, NULL, NULL, "release"), GR_EINVAL);
	assert_non_null(strstr(gr_error_last(), "cannot release: invalid documentation: card.removal_contact ("));
	cJSON_Delete(p);
	cJSON_Delete(d);
}

static void test_inherit(void **state)
{
	(void)state;
	cJSON *d = full_doc(), *child = NULL;
	set_ok(d, "date_published", "2024-04-02");
	set_ok(d, "motivation.purpose", "Research.");
	assert_int_equal(gr_doc_inherit(&child, d), 0);
	assert_null(gr_doc_get(child, "date_published")); /* each version is published on its own day */
	assert_string_equal(get_str(child, "motivation.purpose"), "Research.");
	assert_string_equal(get_str(child, "license"), "CC-BY-4.0");
	set_ok(child, "license", "MIT");
	assert_string_equal(get_str(d, "license"), "CC-BY-4.0"); /* a copy */
	cJSON_Delete(child);
	assert_int_equal(gr_doc_inherit(&child, NULL), 0);
	assert_string_equal(cJSON_GetObjectItem(child, "format")->valuestring, GR_DOC_FORMAT);
	cJSON_Delete(child);
	cJSON_Delete(d);
}

/* ---- YAML and sizes ------------------------------------------------------- */

static const char *yaml_cases[][2] = {
	/* value, expected scalar (NULL: the same, plain) */
	{"web-en", NULL},
	{"apache-2.0", NULL},
	{"n<1K", NULL},
	{"text-generation", NULL},
	{"Web English", NULL},
	{"", "\"\""},
	{"yes", "\"yes\""},
	{"No", "\"No\""},
	{"ON", "\"ON\""},
	{"off", "\"off\""},
	{"y", "\"y\""},
	{"true", "\"true\""},
	{"False", "\"False\""},
	{"null", "\"null\""},
	{"Null", "\"Null\""},
	{"~", "\"~\""},
	{"123", "\"123\""},
	{"1.5", "\"1.5\""},
	{"0x1F", "\"0x1F\""},
	{"1e3", "\"1e3\""},
	{".inf", "\".inf\""},
	{"-.5", "\"-.5\""},
	{"1:20", "\"1:20\""},
	{"2024-01-01", "\"2024-01-01\""},
	{"1K<n<10K", "\"1K<n<10K\""},
	{" lead", "\" lead\""},
	{"trail ", "\"trail \""},
	{"a: b", "\"a: b\""},
	{"a:b", NULL},
	{"https://spdx.org/licenses/MIT.html", NULL},
	{"a:", "\"a:\""},
	{"a :b", NULL},
	{"a #b", "\"a #b\""},
	{"#x", "\"#x\""},
	{"-x", "\"-x\""},
	{"- x", "\"- x\""},
	{"[x]", "\"[x]\""},
	{"{x}", "\"{x}\""},
	{"*x", "\"*x\""},
	{"&x", "\"&x\""},
	{"!x", "\"!x\""},
	{"%x", "\"%x\""},
	{"@x", "\"@x\""},
	{"`x", "\"`x\""},
	{"|x", "\"|x\""},
	{">x", "\">x\""},
	{"'x'", "\"'x'\""},
	{"\"q\"", "\"\\\"q\\\"\""},
	{"back\\slash", "\"back\\\\slash\""},
	{"two\nlines", "\"two\\nlines\""},
	{"tab\there", "\"tab\\there\""},
	{"bell\a", "\"bell\\u0007\""},
	{"caf\xc3\xa9", "\"caf\xc3\xa9\""},
	{"nel\xc2\x85", "\"nel\\u0085\""},
	{"ls\xe2\x80\xa8", "\"ls\\u2028\""},
	{"bom\xef\xbb\xbf", "\"bom\\uFEFF\""},
	{"bad\xff", "\"bad\\uFFFD\""},
	{"<<", "\"<<\""},
	{"=", "\"=\""},
	{"?", "\"?\""},
};

static void test_yaml_scalars(void **state)
{
	(void)state;
	gr_buf yaml = GR_BUF_INIT;
	cJSON *expect = cJSON_CreateArray();
	for (size_t i = 0; i < sizeof yaml_cases / sizeof yaml_cases[0]; i++) {
		gr_buf b = GR_BUF_INIT;
		assert_int_equal(gr_doc_yaml_scalar(&b, yaml_cases[i][0]), 0);
		const char *want = yaml_cases[i][1] ? yaml_cases[i][1] : yaml_cases[i][0];
		if (strcmp(b.ptr, want))
			fail_msg("YAML of '%s': %s, expected %s", yaml_cases[i][0], b.ptr, want);
		gr_buf_printf(&yaml, "- %s\n", b.ptr);
		/* what a reader must get back (invalid UTF-8 comes back as U+FFFD) */
		cJSON_AddItemToArray(expect, cJSON_CreateString(strcmp(yaml_cases[i][0], "bad\xff") ? yaml_cases[i][0]
												   : "bad\xef\xbf\xbd"));
		gr_buf_free(&b);
	}
	write_text("scalars.yaml", yaml.ptr);
	char *e = cJSON_Print(expect);
	write_text("scalars.json", e);
	free(e);
	cJSON_Delete(expect);
	gr_buf_free(&yaml);
	run_checker("check_yaml.py", "scalars.yaml scalars.json");
}

static void test_size_categories(void **state)
{
	(void)state;
	static const struct {
		uint64_t n;
		const char *cat;
	} v[] = {
		{0, "n<1K"},
		{999, "n<1K"},
		{1000, "1K<n<10K"},
		{9999, "1K<n<10K"},
		{10000, "10K<n<100K"},
		{99999, "10K<n<100K"},
		{100000, "100K<n<1M"},
		{999999, "100K<n<1M"},
		{1000000, "1M<n<10M"},
		{10000000, "10M<n<100M"},
		{100000000, "100M<n<1B"},
		{999999999, "100M<n<1B"},
		{1000000000, "1B<n<10B"},
		{10000000000ull, "10B<n<100B"},
		{100000000000ull, "100B<n<1T"},
		{999999999999ull, "100B<n<1T"},
		{1000000000000ull, "n>1T"},
		{UINT64_MAX, "n>1T"},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		assert_string_equal(gr_doc_size_category(v[i].n), v[i].cat);
}

/* ---- renderings ----------------------------------------------------------- */

/* The YAML header of a card, the way huggingface_hub splits it: the text
 * between a first line "---" and the next line "---". */
static char *card_header(const char *card, const char **body)
{
	assert_true(!strncmp(card, "---\n", 4));
	const char *end = strstr(card + 4, "\n---\n");
	assert_non_null(end);
	*body = end + 5;
	return gr_strndup(card + 4, (size_t)(end - card - 4) + 1);
}

static void assert_has(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("expected to find:\n%s\nin:\n%.2000s", needle, hay);
}

static void assert_lacks(const char *hay, const char *needle)
{
	if (strstr(hay, needle))
		fail_msg("did not expect:\n%s\nin:\n%.2000s", needle, hay);
}

static void test_card(void **state)
{
	(void)state;
	cJSON *d = full_doc(), *f = facts();
	set_ok(d, "task_categories", "text-generation");
	set_ok(d, "tags", "web, yes, 2024");
	set_ok(d, "pretty_name", "Web: English #1");
	set_ok(d, "motivation.purpose", "To study crawls.");
	char *card = render(d, f, "card");
	const char *body;
	char *hdr = card_header(card, &body);
	assert_has(hdr, "pretty_name: \"Web: English #1\"\n");
	assert_has(hdr, "license: cc-by-4.0\n");
	assert_lacks(hdr, "license_name");
	assert_has(hdr, "language:\n- en\n- de\n");
	assert_has(hdr, "language_details:\n- en\n- de-CH\n");
	assert_has(hdr, "multilinguality:\n- multilingual\n");
	assert_has(hdr, "size_categories:\n- \"10K<n<100K\"\n");
	assert_has(hdr, "task_categories:\n- text-generation\n");
	assert_has(hdr, "tags:\n- web\n- \"yes\"\n- \"2024\"\n");
	assert_has(hdr, "configs:\n- config_name: default\n  data_files:\n  - split: train\n    path: web-en-v3.jsonl\n");
	assert_has(body, "\n# Dataset Card for Web: English #1\n");
	assert_has(body, "## Uses\n\n### Direct Use\n\nResearch on language models.\n");
	assert_has(body, "### Out-of-Scope Use\n\nIdentifying or profiling people.\n");
	assert_has(body, "| CC-MAIN-2024-10 | 2024-03-01 | LicenseRef-CommonCrawl-ToU | https://commoncrawl.org/ |");
	assert_has(body, "found EMAIL in 12 records, PHONE in 3 records (filled by Granary)");
	assert_has(body, "## Datasheet\n");
	assert_has(body, "### 1. Motivation\n\n**For what purpose was the dataset created?");
	assert_has(body, "### 7. Maintenance\n");
	assert_has(body, "- **Records:** 12,345\n- **Size:** 6.8 MB\n");
	assert_has(body, "Questions, and requests to remove data about you: privacy@example.org");
	write_text("card-full.md", card);
	write_text("card-full.expect.json",
		   "{\"pretty_name\": \"Web: English #1\", \"license\": \"cc-by-4.0\", \"language\": [\"en\", \"de\"], "
		   "\"size_categories\": [\"10K<n<100K\"], \"tags\": [\"web\", \"yes\", \"2024\"]}");
	free(hdr);
	free(card);

	/* licences without a HF id: other + license_name + license_link */
	static const char *const lic[][3] = {
		{"MIT AND CC-BY-4.0", "license_name: mit-and-cc-by-4.0\n", "license_link: LICENSE\n"},
		{"LicenseRef-CommonCrawl-ToU", "license_name: licenseref-commoncrawl-tou\n", "license_link: LICENSE\n"},
		{"0BSD", "license_name: 0bsd\n", "license_link: https://spdx.org/licenses/0BSD.html\n"},
	};
	for (size_t i = 0; i < sizeof lic / sizeof lic[0]; i++) {
		set_ok(d, "license", lic[i][0]);
		card = render(d, f, "card");
		hdr = card_header(card, &body);
		assert_has(hdr, "license: other\n");
		assert_has(hdr, lic[i][1]);
		assert_has(hdr, lic[i][2]);
		char name[32];
		snprintf(name, sizeof name, "card-other-%zu.md", i);
		write_text(name, card);
		free(hdr);
		free(card);
	}
	set_ok(d, "license_link", "https://example.org/terms");
	set_ok(d, "license", "MIT");
	card = render(d, f, "card");
	assert_has(card, "\nlicense: mit\n");
	assert_lacks(card, "license_link");
	free(card);
	set_ok(d, "license", "MIT OR Apache-2.0");
	card = render(d, f, "card");
	assert_has(card, "\nlicense: other\nlicense_name: mit-or-apache-2.0\nlicense_link: https://example.org/terms\n");
	free(card);
	set_ok(d, "license", "GPL-3.0-or-later");
	card = render(d, f, "card");
	assert_has(card, "\nlicense: gpl-3.0\n");
	free(card);

	/* an empty document still makes a card the hub reads */
	cJSON *e = new_doc();
	card = render(e, NULL, "card");
	hdr = card_header(card, &body);
	assert_string_equal(hdr, "license: unknown\n");
	assert_has(body, "# Dataset Card for [More Information Needed]");
	write_text("card-empty.md", card);
	free(hdr);
	free(card);
	/* facts alone give language and size */
	card = render(e, f, "card");
	assert_has(card, "language:\n- en\n- de\nmultilinguality:\n- multilingual\nsize_categories:\n");
	free(card);
	cJSON_Delete(e);
	cJSON_Delete(f);
	cJSON_Delete(d);
	run_checker("check_card.py", "card-full.md --expect card-full.expect.json card-other-0.md card-other-1.md "
				     "card-other-2.md card-empty.md");
}

static void test_croissant(void **state)
{
	(void)state;
	cJSON *d = full_doc(), *f = facts();
	set_ok(d, "collection.type", "Web Scraping");
	set_ok(d, "statement.limitations", "English and German only.");
	set_ok(d, "uses.impact", "Web text carries the biases of its writers.");
	char *text = render(d, f, "croissant");
	cJSON *c = cJSON_Parse(text);
	assert_non_null(c);
	write_text("croissant.json", text);
	free(text);
	/* every property Croissant 1.0 requires (croissant-spec.md, "Required") */
	const cJSON *ctx = cJSON_GetObjectItem(c, "@context");
	assert_true(cJSON_IsObject(ctx));
	assert_string_equal(cJSON_GetObjectItem(ctx, "@vocab")->valuestring, "https://schema.org/");
	assert_string_equal(cJSON_GetObjectItem(ctx, "cr")->valuestring, "http://mlcommons.org/croissant/");
	assert_string_equal(cJSON_GetObjectItem(ctx, "rai")->valuestring, "http://mlcommons.org/croissant/RAI/");
	assert_string_equal(cJSON_GetObjectItem(ctx, "dct")->valuestring, "http://purl.org/dc/terms/");
	assert_string_equal(cJSON_GetObjectItem(ctx, "conformsTo")->valuestring, "dct:conformsTo");
	assert_string_equal(cJSON_GetObjectItem(c, "@type")->valuestring, "sc:Dataset");
	assert_string_equal(cJSON_GetObjectItem(c, "conformsTo")->valuestring, "http://mlcommons.org/croissant/1.0");
	assert_string_equal(cJSON_GetObjectItem(c, "name")->valuestring, "web-en");
	assert_true(cJSON_IsString(cJSON_GetObjectItem(c, "description")));
	assert_string_equal(cJSON_GetObjectItem(c, "license")->valuestring, "https://spdx.org/licenses/CC-BY-4.0.html");
	assert_string_equal(cJSON_GetObjectItem(c, "url")->valuestring, "urn:granary:web-en:v3");
	const cJSON *cr = cJSON_GetObjectItem(c, "creator");
	assert_int_equal(cJSON_GetArraySize(cr), 2);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cr, 0), "@type")->valuestring, "sc:Person");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cr, 0), "name")->valuestring, "Jane Doe");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cr, 0), "email")->valuestring, "jane@example.org");
	assert_string_equal(cJSON_GetObjectItem(c, "datePublished")->valuestring, "2024-04-01");
	const cJSON *fo = cJSON_GetArrayItem(cJSON_GetObjectItem(c, "distribution"), 0);
	assert_string_equal(cJSON_GetObjectItem(fo, "@type")->valuestring, "cr:FileObject");
	assert_string_equal(cJSON_GetObjectItem(fo, "@id")->valuestring, "web-en-v3.jsonl");
	assert_string_equal(cJSON_GetObjectItem(fo, "contentUrl")->valuestring, "https://data.example.org/web-en-v3.jsonl");
	assert_string_equal(cJSON_GetObjectItem(fo, "encodingFormat")->valuestring, "application/jsonlines");
	assert_string_equal(cJSON_GetObjectItem(fo, "contentSize")->valuestring, "6789012 B");
	assert_int_equal(strlen(cJSON_GetObjectItem(fo, "sha256")->valuestring), 64);
	assert_string_equal(cJSON_GetObjectItem(c, "version")->valuestring, "3.0.0");
	const cJSON *rs = cJSON_GetArrayItem(cJSON_GetObjectItem(c, "recordSet"), 0);
	assert_string_equal(cJSON_GetObjectItem(rs, "@type")->valuestring, "cr:RecordSet");
	const cJSON *fl = cJSON_GetObjectItem(rs, "field");
	assert_int_equal(cJSON_GetArraySize(fl), 5);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(fl, 1), "@id")->valuestring, "records/text");
	/* RAI */
	assert_string_equal(cJSON_GetObjectItem(c, "rai:dataCollectionTimeframe")->valuestring, "2024-01/2024-03");
	assert_has(cJSON_GetObjectItem(c, "rai:dataCollection")->valuestring, "robots.txt");
	assert_has(cJSON_GetObjectItem(c, "rai:personalSensitiveInformation")->valuestring, "redacted");
	assert_has(cJSON_GetObjectItem(c, "rai:personalSensitiveInformation")->valuestring, "EMAIL in 12 records");
	assert_string_equal(cJSON_GetObjectItem(c, "rai:dataUseCases")->valuestring, "Research on language models.");
	assert_has(cJSON_GetObjectItem(c, "rai:dataLimitations")->valuestring, "Out-of-scope uses: Identifying");
	assert_has(cJSON_GetObjectItem(c, "rai:dataBiases")->valuestring, "biases");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(c, "rai:dataCollectionType"), 0)->valuestring,
			    "Web Scraping");
	cJSON_Delete(c);

	/* a homepage is the url; a compound licence stays an expression */
	set_ok(d, "homepage", "https://example.org/web-en");
	set_ok(d, "license", "MIT OR Apache-2.0");
	set_ok(d, "date_published", "2024-04-02"); /* without facts the typed date is the only one */
	text = render(d, NULL, "croissant");
	c = cJSON_Parse(text);
	assert_string_equal(cJSON_GetObjectItem(c, "url")->valuestring, "https://example.org/web-en");
	assert_string_equal(cJSON_GetObjectItem(c, "license")->valuestring, "MIT OR Apache-2.0");
	assert_string_equal(cJSON_GetObjectItem(c, "datePublished")->valuestring, "2024-04-02");
	assert_null(cJSON_GetObjectItem(c, "version"));
	cJSON_Delete(c);
	free(text);

	/* a required Croissant property with no value anywhere is an error, not a gap */
	gr_buf b = GR_BUF_INIT;
	cJSON *e = new_doc();
	assert_int_equal(gr_doc_render(e, f, "croissant", &b), GR_EINVAL);
	assert_has(gr_error_last(), "card.description");
	set_ok(e, "description", "x");
	set_ok(e, "license", "MIT");
	set_ok(e, "curators", "Me");
	assert_int_equal(gr_doc_render(e, NULL, "croissant", &b), GR_EINVAL);
	assert_has(gr_error_last(), "card.name");
	set_ok(e, "name", "n");
	assert_int_equal(gr_doc_render(e, NULL, "croissant", &b), GR_EINVAL);
	assert_has(gr_error_last(), "datePublished");
	assert_null(b.ptr); /* out untouched */
	set_ok(e, "date_published", "2024-05-01");
	assert_int_equal(gr_doc_render(e, NULL, "croissant", &b), 0);
	write_text("croissant-min.json", b.ptr);
	gr_buf_free(&b);
	cJSON_Delete(e);
	cJSON_Delete(f);
	cJSON_Delete(d);
	run_checker("check_croissant.py", "croissant.json croissant-min.json");
}

static void test_datasheet(void **state)
{
	(void)state;
	cJSON *d = full_doc(), *f = facts();
	set_ok(d, "motivation.purpose", "To study crawls.");
	set_ok(d, "datasheet.composition.count", "About twelve thousand pages.");
	set_ok(d, "name", "Web crawl"); /* versions are named by the hub's dataset name (facts) */
	char *md = render(d, f, "datasheet");
	assert_true(!strncmp(md, "# Datasheet for Web English\n", 28));
	assert_has(md, "Version: web-en@v3\n");
	/* seven sections in order, every question */
	const char *p = md;
	for (size_t s = 0; s < GR_DOC_DATASHEET_SECTIONS; s++) {
		char h[80];
		snprintf(h, sizeof h, "\n## %zu. %s\n", s + 1, gr_doc_section_title(s));
		const char *q = strstr(p, h);
		if (!q)
			fail_msg("section %s missing or out of order", h);
		p = q;
	}
	size_t unanswered = 0;
	for (size_t i = 0; i < gr_doc_field_count(); i++) {
		const gr_doc_field *fd = gr_doc_field_at(i);
		if (fd->part != GR_DOC_PART_DATASHEET)
			continue;
		char q[1200];
		snprintf(q, sizeof q, "**%s**\n\n", fd->question);
		assert_has(md, q);
	}
	for (const char *u = md; (u = strstr(u, "_not answered_")); u++)
		unanswered++;
	/* 59 questions; answered: purpose, creators, count (typed + facts),
	 * identifiable (facts), sensitive, mechanisms, timeframe, preprocessing
	 * (facts), other tasks, avoid, licence, maintainer, contact */
	assert_int_equal(unanswered, 59 - 13);
	assert_has(md, "About twelve thousand pages.\n\n12,345 records, 6.8 MB (filled by Granary)");
	assert_has(md, "2 removal requests applied (filled by Granary)");
	assert_has(md, "CC-BY-4.0\n\nLicences of the records: CC-BY-4.0: 12,000 records, MIT: 345 records (filled by "
		       "Granary)");
	write_text("datasheet.md", md);
	free(md);
	cJSON_Delete(f);
	cJSON_Delete(d);
}

static void test_statement(void **state)
{
	(void)state;
	cJSON *d = full_doc(), *f = facts();
	set_ok(d, "statement.curation_rationale", "Web text for research.");
	set_ok(d, "statement.author", "Jane Doe");
	char *text = render(d, f, "statement");
	cJSON *s = cJSON_Parse(text);
	assert_non_null(s);
	write_text("statement.json", text);
	free(text);
	assert_string_equal(cJSON_GetObjectItem(s, "format")->valuestring, GR_DOC_STATEMENT_FORMAT);
	const cJSON *h = cJSON_GetObjectItem(s, "header");
	assert_string_equal(cJSON_GetObjectItem(h, "dataset_version")->valuestring, "web-en@v3");
	assert_int_equal(cJSON_GetObjectItem(h, "records")->valueint, 12345);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(h, "statement_authors"), 0)->valuestring, "Jane Doe");
	assert_string_equal(cJSON_GetObjectItem(s, "curation_rationale")->valuestring, "Web text for research.");
	/* varieties from the card's tags */
	const cJSON *lv = cJSON_GetObjectItem(s, "language_varieties");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(lv, 1), "tag")->valuestring, "de-CH");
	assert_has(cJSON_GetObjectItem(s, "source_documentation")->valuestring, "CC-MAIN-2024-10");
	const cJSON *un = cJSON_GetObjectItem(s, "unanswered");
	assert_true(cJSON_GetArraySize(un) > 0);
	assert_string_equal(cJSON_GetArrayItem(un, 0)->valuestring, "summary");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(s, "source_datasets"), 0), "name")
				    ->valuestring,
			    "CC-MAIN-2024-10");
	cJSON_Delete(s);
	/* the stored document as JSON, for the schema check */
	text = cJSON_Print(d);
	write_text("doc.json", text);
	free(text);
	cJSON *st = cJSON_Duplicate(cJSON_GetObjectItem(d, "statement"), true);
	text = cJSON_Print(st);
	write_text("doc-statement.json", text);
	free(text);
	cJSON_Delete(st);
	/* facts alone give the varieties */
	cJSON *e = new_doc();
	text = render(e, f, "statement");
	s = cJSON_Parse(text);
	lv = cJSON_GetObjectItem(s, "language_varieties");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(lv, 0), "tag")->valuestring, "en");
	write_text("statement-facts.json", text);
	free(text);
	cJSON_Delete(s);
	cJSON_Delete(e);
	cJSON_Delete(f);
	cJSON_Delete(d);
	/* the doc minus its statement against the datasheet schema, the statement
	 * parts and exports against the data-statement schema */
	run_checker("check_schema.py", "--schema \"$OLDPWD/" DS_SCHEMA "\" doc.json");
	run_checker("check_schema.py", "--schema \"$OLDPWD/" ST_SCHEMA
				       "\" doc-statement.json statement.json statement-facts.json");
}

static void test_render_errors(void **state)
{
	(void)state;
	cJSON *d = new_doc();
	gr_buf b = GR_BUF_INIT;
	assert_int_equal(gr_doc_render(d, NULL, "pdf", &b), GR_EINVAL);
	assert_has(gr_error_last(), "card, croissant, datasheet, statement");
	cJSON *arr = cJSON_CreateArray();
	assert_int_equal(gr_doc_render(arr, NULL, "card", &b), GR_EINVAL);
	assert_int_equal(gr_doc_render(d, arr, "card", &b), GR_EINVAL);
	assert_null(b.ptr);
	cJSON_Delete(arr);
	cJSON_Delete(d);
}

/* ---- the edit text -------------------------------------------------------- */

static void test_edit_roundtrip(void **state)
{
	(void)state;
	cJSON *d = full_doc(), *back = NULL;
	set_ok(d, "motivation.purpose", "First paragraph.\n\nSecond: with a colon # and hash.\n    indented line\nend");
	set_ok(d, "pretty_name", "yes");
	set_ok(d, "citation", "@misc{web, title={Web: \"quoted\"}}");
	set_ok(d, "statement.glossary", "caf\xc3\xa9 \xe2\x80\xa8 separator");
	set_ok(d, "tags", "[\"a, b\", \"c\"]");
	set_ok(d, "language_varieties", "[{\"tag\": \"en\", \"description\": \"English: \\\"web\\\"\"}]");
	gr_buf t = GR_BUF_INIT;
	assert_int_equal(gr_doc_edit_text(d, NULL, &t), 0);
	assert_has(t.ptr, "# Name [required]:");
	assert_has(t.ptr, "\ncard.name: web-en\n");
	assert_has(t.ptr, "\ncard.pretty_name: \"yes\"\n");
	assert_has(t.ptr, "\ndatasheet.motivation.purpose: |-\n  First paragraph.\n\n  Second: with a colon # and hash.\n"
			  "      indented line\n  end\n");
	assert_has(t.ptr, "\ncard.homepage:\n");
	write_text("edit.yaml", t.ptr);
	assert_int_equal(gr_doc_edit_apply(&back, d, t.ptr, t.len), 0);
	if (!cJSON_Compare(d, back, true)) {
		char *a = cJSON_Print(d), *b2 = cJSON_Print(back);
		fail_msg("round trip changed the document:\n%s\n---\n%s", a, b2);
	}
	cJSON_Delete(back);
	/* the same text from an empty document gives the same document */
	assert_int_equal(gr_doc_edit_apply(&back, NULL, t.ptr, t.len), 0);
	assert_true(cJSON_Compare(d, back, true));
	cJSON_Delete(back);

	/* edits: change, clear, block, flow over lines, single quotes, comments */
	const char *edit = "# a comment\n"
			   "card.name: web-de   # trailing comment\n"
			   "card.summary: 'It''s a crawl'\n"
			   "uses.intended: |\n"
			   "    Research.\n"
			   "\n"
			   "    More research.\n"
			   "\n"
			   "card.tags: [\"x\",\n"
			   "   \"y\"]\n"
			   "card.pretty_name:\n"
			   "license: MIT\n"
			   "card.homepage: ~\n";
	assert_int_equal(gr_doc_edit_apply(&back, d, edit, strlen(edit)), 0);
	assert_string_equal(get_str(back, "name"), "web-de");
	assert_string_equal(get_str(back, "card.summary"), "It's a crawl");
	assert_string_equal(get_str(back, "uses.intended"), "Research.\n\nMore research.");
	assert_int_equal(cJSON_GetArraySize(gr_doc_get(back, "tags")), 2);
	assert_null(gr_doc_get(back, "pretty_name"));
	assert_string_equal(get_str(back, "license"), "MIT");
	/* fields the text leaves out keep their values */
	assert_string_equal(get_str(back, "removal_contact"), "privacy@example.org");
	cJSON_Delete(back);
	gr_buf_free(&t);
	run_checker("check_yaml.py", "--load edit.yaml");
	cJSON_Delete(d);
}

static void test_edit_errors(void **state)
{
	(void)state;
	cJSON *d = full_doc(), *back = (cJSON *)0x1;
	const char *text = "card.name: ok\n"
			   "card.languages: en_US\n"
			   "nonsense line\n"
			   "card.nope: 1\n"
			   "  indented: x\n"
			   "card.curators: [\"a\"\n"
			   "card.license: \"MIT\n"
			   "card.name: again\n"
			   "card.summary: >\n"
			   "sources: [{\"name\": \"x\"}]\n";
	assert_int_equal(gr_doc_edit_apply(&back, d, text, strlen(text)), GR_EINVAL);
	assert_ptr_equal(back, (cJSON *)0x1); /* untouched */
	const char *m = gr_error_last();
	assert_has(m, "line 2: card.languages: 'en_US' is not a BCP-47 tag");
	assert_has(m, "line 3: expected 'field: value'");
	assert_has(m, "line 4: no documentation field 'card.nope'");
	assert_has(m, "line 5: unexpected indentation");
	assert_has(m, "line 6: not a valid JSON list");
	assert_has(m, "line 7: a quoted value must end on its line");
	assert_has(m, "line 8: card.name appears twice");
	assert_has(m, "line 9: folded text");
	assert_has(m, "line 10: sources: item 1: 'retrieved' is missing");
	assert_int_equal(gr_doc_edit_apply(&back, d, "a\0b", 3), GR_EINVAL);
	cJSON_Delete(d);
}

/* ---- allocation failures -------------------------------------------------- */

static long alloc_budget = -1; /* allocations left before failing; -1: never fail */

static void *failing_malloc(size_t n)
{
	if (alloc_budget == 0)
		return NULL;
	if (alloc_budget > 0)
		alloc_budget--;
	return malloc(n);
}

/* Runs op with cJSON's n-th allocation failing, for every n until it
 * succeeds: it must fail cleanly (GR_ENOMEM) or succeed, never crash or
 * leak (AddressSanitizer's leak check in `make asan`). */
static void each_failure(int (*op)(void))
{
	cJSON_Hooks hooks = {failing_malloc, free};
	cJSON_InitHooks(&hooks);
	int rc = -1;
	long n;
	for (n = 0; n < 100000 && rc != 0; n++) {
		alloc_budget = n;
		rc = op();
		alloc_budget = -1;
		if (rc != 0 && rc != GR_ENOMEM)
			fail_msg("with allocation %ld failing: %d %s", n, rc, gr_error_last());
	}
	cJSON_InitHooks(NULL);
	assert_int_equal(rc, 0);
}

static cJSON *oom_doc, *oom_facts;

static int op_render(void)
{
	static const char *const fmts[] = {"card", "croissant", "datasheet", "statement"};
	for (size_t i = 0; i < 4; i++) {
		gr_buf b = GR_BUF_INIT;
		int rc = gr_doc_render(oom_doc, oom_facts, fmts[i], &b);
		gr_buf_free(&b);
		if (rc)
			return rc;
	}
	return 0;
}

static int op_validate(void)
{
	cJSON *r = NULL;
	int rc = gr_doc_validate(oom_doc, NULL, oom_facts, &r);
	cJSON_Delete(r);
	if (!rc)
		rc = gr_doc_require(oom_doc, NULL, oom_facts, "release");
	return rc;
}

static int op_set(void)
{
	cJSON *d = cJSON_Duplicate(oom_doc, true);
	if (!d)
		return GR_ENOMEM;
	int rc = gr_doc_set(d, "sources+", "[{\"name\": \"b\", \"retrieved\": \"2024-01-01\", \"license\": \"MIT\"}]");
	if (!rc)
		rc = gr_doc_set(d, "motivation.funding", "A grant");
	if (!rc)
		rc = gr_doc_set(d, "motivation.funding", NULL);
	cJSON_Delete(d);
	return rc;
}

static int op_edit(void)
{
	gr_buf t = GR_BUF_INIT;
	cJSON *back = NULL;
	int rc = gr_doc_edit_text(oom_doc, NULL, &t);
	if (!rc)
		rc = gr_doc_edit_apply(&back, oom_doc, t.ptr, t.len);
	cJSON_Delete(back);
	gr_buf_free(&t);
	return rc;
}

static int op_schema(void)
{
	cJSON *s = NULL, *p = NULL;
	int rc = gr_doc_schema("datasheet", &s);
	cJSON_Delete(s);
	s = NULL;
	if (!rc)
		rc = gr_doc_schema("statement", &s);
	cJSON_Delete(s);
	if (!rc)
		rc = gr_doc_policy_default(&p);
	cJSON_Delete(p);
	return rc;
}

static void test_alloc_failures(void **state)
{
	(void)state;
	oom_doc = full_doc();
	set_ok(oom_doc, "motivation.purpose", "Two\nlines.");
	set_ok(oom_doc, "language_varieties", "en, de-CH");
	oom_facts = facts();
	each_failure(op_render);
	each_failure(op_validate);
	each_failure(op_set);
	each_failure(op_edit);
	each_failure(op_schema);
	cJSON_Delete(oom_doc);
	cJSON_Delete(oom_facts);
}

/* ---- main ----------------------------------------------------------------- */

/* JSON with two-space indentation, short lists of scalars on one line: the
 * form of the files in schema/. */
static void pretty(gr_buf *b, const cJSON *v, int depth)
{
	const cJSON *it;
	if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
		bool obj = cJSON_IsObject(v), flat = !obj;
		char *one = flat ? cJSON_PrintUnformatted(v) : NULL;
		cJSON_ArrayForEach(it, v) if (cJSON_IsArray(it) || cJSON_IsObject(it)) flat = false;
		if (flat && one && strlen(one) + (size_t)depth * 2 < 100) {
			/* cJSON's compact form, with a space after each comma */
			bool in = false;
			for (const char *p = one; *p; p++) {
				gr_buf_putc(b, *p);
				if (in && *p == '\\' && p[1])
					gr_buf_putc(b, *++p);
				else if (*p == '"')
					in = !in;
				else if (!in && *p == ',')
					gr_buf_putc(b, ' ');
			}
			free(one);
			return;
		}
		free(one);
		gr_buf_putc(b, obj ? '{' : '[');
		int i = 0;
		cJSON_ArrayForEach(it, v)
		{
			gr_buf_printf(b, "%s\n%*s", i++ ? "," : "", (depth + 1) * 2, "");
			if (obj) {
				gr_buf_put_json_str(b, it->string, strlen(it->string));
				gr_buf_puts(b, ": ");
			}
			pretty(b, it, depth + 1);
		}
		gr_buf_printf(b, "\n%*s%c", depth * 2, "", obj ? '}' : ']');
		return;
	}
	char *s = cJSON_PrintUnformatted(v);
	gr_buf_puts(b, s);
	free(s);
}

static int write_json(const char *path, cJSON *j)
{
	gr_buf b = GR_BUF_INIT;
	pretty(&b, j, 0);
	gr_buf_putc(&b, '\n');
	int rc = gr_write_file_atomic(path, b.ptr, b.len);
	if (rc)
		fprintf(stderr, "%s: %s\n", path, gr_error_last());
	gr_buf_free(&b);
	cJSON_Delete(j);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--write-schemas")) {
		cJSON *a = NULL, *b = NULL, *c = NULL;
		if (gr_doc_schema("datasheet", &a) || gr_doc_schema("statement", &b) || gr_doc_policy_default(&c))
			return 1;
		return (write_json(DS_SCHEMA, a) | write_json(ST_SCHEMA, b) | write_json(POLICY, c)) ? 1 : 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_field_find),
		cmocka_unit_test(test_schema_files),
		cmocka_unit_test(test_set_scalars),
		cmocka_unit_test(test_set_spdx),
		cmocka_unit_test(test_bcp47),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_objects),
		cmocka_unit_test(test_unset),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_require_release),
		cmocka_unit_test(test_inherit),
		cmocka_unit_test(test_yaml_scalars),
		cmocka_unit_test(test_size_categories),
		cmocka_unit_test(test_card),
		cmocka_unit_test(test_croissant),
		cmocka_unit_test(test_datasheet),
		cmocka_unit_test(test_statement),
		cmocka_unit_test(test_render_errors),
		cmocka_unit_test(test_edit_roundtrip),
		cmocka_unit_test(test_edit_errors),
		cmocka_unit_test(test_alloc_failures),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
