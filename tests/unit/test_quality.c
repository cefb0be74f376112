/*
 * Tests for src/scan/quality: every attribute on small texts whose values
 * are counted by hand (in the comments), the edge cases of each definition
 * in quality.h (dot runs, ellipses, curly quotes, trimmed and CRLF lines,
 * Unicode whitespace, General Punctuation, code points vs bytes, truncated
 * UTF-8), the line set growing and being reused across texts, and the
 * real-text samples in tests/data/.
 *
 * Texts are measured from exact-size heap copies without a terminator, so
 * under AddressSanitizer a read past the end fails the test. Run from the
 * repository root.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#define TEST_NAME "quality"
#include "testlib.h"

#include "scan/quality.h"

#define DATA_DIR "tests/data/"

static gr_quality_state *st;

static gr_quality measure_n(const char *text, size_t n)
{
	char *copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, text, n);
	gr_quality q;
	memset(&q, 0xab, sizeof q);
	assert_int_equal(gr_quality_compute(&q, st, copy, n), 0);
	free(copy);
	return q;
}

static gr_quality measure(const char *text)
{
	return measure_n(text, strlen(text));
}

#define assert_near(a, b) assert_true(fabs((a) - (b)) < 1e-12)

static void expect(const gr_quality *q, uint32_t words, uint32_t lines, double mean_word_len,
		   double symbol_ratio, double punct_line_frac, double alpha_word_frac, double dup_line_frac,
		   double dup_line_char_frac)
{
	assert_int_equal(q->words, words);
	assert_int_equal(q->lines, lines);
	assert_near(q->mean_word_len, mean_word_len);
	assert_near(q->symbol_ratio, symbol_ratio);
	assert_near(q->punct_line_frac, punct_line_frac);
	assert_near(q->alpha_word_frac, alpha_word_frac);
	assert_near(q->dup_line_frac, dup_line_frac);
	assert_near(q->dup_line_char_frac, dup_line_char_frac);
}

static void test_empty(void **state)
{
	(void)state;
	gr_quality q = measure("");
	expect(&q, 0, 0, 0, 0, 0, 0, 0, 0);
	q = measure(" \n\n \t \r\n\xc2\xa0\n\xe3\x80\x80"); /* only whitespace: no words, no lines */
	expect(&q, 0, 0, 0, 0, 0, 0, 0, 0);
	assert_int_equal(gr_quality_compute(&q, st, NULL, 0), 0);
	expect(&q, 0, 0, 0, 0, 0, 0, 0, 0);
	/* symbols without words: ratio 0, not infinity */
	q = measure("\n");
	expect(&q, 0, 0, 0, 0, 0, 0, 0, 0);
}

static void test_simple(void **state)
{
	(void)state;
	/* "Hello" 5 + "world." 6 = 11 chars / 2 words; one line, terminal */
	gr_quality q = measure("Hello world.");
	expect(&q, 2, 1, 5.5, 0, 1, 1, 0, 0);
	/* no terminal punctuation, a digit-only word */
	q = measure("route 66");
	expect(&q, 2, 1, 3.5, 0, 0, 0.5, 0, 0);
}

/*
 * lines (trimmed):  "# Title" 7 | "Some text here..." 17 | "Some text here..." 17 (dup)
 *                   | "# Title" 7 (dup) | "End." 4          -> 5 lines, 2 dups
 * words: # Title Some text here... Some text here... # Title End.  -> 11
 * word chars: 1+5+4+4+7+4+4+7+1+5+4 = 46
 * symbols: 2 '#' + 2 "..." = 4;  alpha words: all but the two "#" = 9
 * terminal: only "End." ("..." is not an end)
 * line chars 7+17+17+7+4 = 52, duplicate 17+7 = 24
 */
static void test_gopher_document(void **state)
{
	(void)state;
	gr_quality q = measure("# Title\n\nSome text here...\n  Some text here...\t\n# Title  \r\nEnd.");
	expect(&q, 11, 5, 46.0 / 11, 4.0 / 11, 1.0 / 5, 9.0 / 11, 2.0 / 5, 24.0 / 52);
}

static void test_symbols(void **state)
{
	(void)state;
	/* "...." holds 1, "......" 2, ".." 0, U+2026 1: 4 symbols over 4 words;
	 * word chars 5 + 7 + 3 + 2 (d + U+2026) = 17; ends in U+2026: not terminal */
	gr_quality q = measure("a.... b...... c.. d\xe2\x80\xa6");
	expect(&q, 4, 1, 17.0 / 4, 1.0, 0, 1, 0, 0);
	/* dot runs split by another byte, by a line break and by the text's end */
	q = measure("..#..\n...");
	/* words "..#.." and "..." (not alpha); symbols '#' + "..." = 2; lines
	 * "..#.." ('.' after ".." only: terminal) and "..." (not) */
	expect(&q, 2, 2, 4.0, 1.0, 0.5, 0, 0, 0);
	/* a dot run ended by a plain byte, by a non-ASCII character, by the end:
	 * 1 + 2 + 1 symbols over 3 words ("a....b" 6, "x......é" 8, "y...." 5) */
	q = measure("a....b x......\xc3\xa9 y....");
	expect(&q, 3, 1, 19.0 / 3, 4.0 / 3, 0, 1, 0, 0);
	/* hashes anywhere count, also inside words */
	q = measure("#tag a#b ###");
	expect(&q, 3, 1, 10.0 / 3, 5.0 / 3, 0, 2.0 / 3, 0, 0);
}

static void test_terminal(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		int terminal;
	} cases[] = {
		{"Ends with a period.", 1},
		{"Really?", 1},
		{"Wow!", 1},
		{"He said \"yes\"", 1},
		{"It is 'fine'", 1},
		{"Curly \xe2\x80\x9dquote\xe2\x80\x9d", 1},   /* U+201D */
		{"it\xe2\x80\x99s mine\xe2\x80\x99", 1},     /* U+2019 */
		{"opening \xe2\x80\x9c", 0},                 /* U+201C */
		{"trailing ellipsis\xe2\x80\xa6", 0},        /* U+2026 */
		{"three dots...", 0},
		{"four dots....", 0},
		{"two dots..", 1},
		{"no punctuation", 0},
		{"trailing blanks.  \t\r", 1},
		{"comma,", 0},
		{"colon:", 0},
		{".", 1},
		{"..", 1},
		{"...", 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		gr_quality q = measure(cases[i].line);
		if (q.punct_line_frac != cases[i].terminal)
			fail_msg("\"%s\": punct_line_frac %g, want %d", cases[i].line, q.punct_line_frac,
				 cases[i].terminal);
	}
	/* 3 of 5 lines; blank lines are not lines */
	gr_quality q = measure("One.\n\nTwo\n   \nThree!\nFour\n\"Five\"\n");
	assert_int_equal(q.lines, 5);
	assert_near(q.punct_line_frac, 3.0 / 5);
}

static void test_utf8(void **state)
{
	(void)state;
	/* code points, not bytes: "Привет," 7 + "мир!" 4 + "Как" 3 + "дела?" 5 = 19 */
	gr_quality q = measure("Привет, мир! Как дела?");
	expect(&q, 4, 1, 19.0 / 4, 0, 1, 1, 0, 0);
	/* CJK: one word of 10 characters (30 bytes) */
	q = measure("日本語のテキストです");
	expect(&q, 1, 1, 10, 0, 0, 1, 0, 0);
	/* Unicode whitespace separates: NBSP, IDEOGRAPHIC SPACE, EM SPACE, NNBSP, NEL */
	q = measure("a\xc2\xa0" "b\xe3\x80\x80" "c\xe2\x80\x83" "d\xe2\x80\xaf" "e\xc2\x85" "f");
	expect(&q, 6, 1, 1, 0, 0, 1, 0, 0);
	/* ...and is trimmed from lines: two equal lines */
	q = measure("\xc2\xa0same\xe3\x80\x80\nsame");
	expect(&q, 2, 2, 4, 0, 0, 1, 0.5, 0.5);
	/* U+2028 separates words but not lines (lines split on '\n' only) */
	q = measure("x\xe2\x80\xa8y");
	expect(&q, 2, 1, 1, 0, 0, 1, 0, 0);
	/* ZERO WIDTH SPACE (U+200B) is not whitespace (as in Python): one word */
	q = measure("ab\xe2\x80\x8b" "cd");
	expect(&q, 1, 1, 5, 0, 0, 1, 0, 0);
}

static void test_alpha(void **state)
{
	(void)state;
	/* words: "—" (U+2014) "•" (U+2022) "123" "abc" "4x" "©" "é" "-" "⁰" (U+2070)
	 * alphabetic: abc, 4x, © (non-ASCII: counted, documented), é, ⁰ -> 5 of 9 */
	gr_quality q = measure("\xe2\x80\x94 \xe2\x80\xa2 123 abc 4x \xc2\xa9 \xc3\xa9 - \xe2\x81\xb0");
	assert_int_equal(q.words, 9);
	assert_near(q.alpha_word_frac, 5.0 / 9);
	assert_near(q.mean_word_len, 14.0 / 9);
	/* U+206F is the last of General Punctuation */
	q = measure("\xe2\x81\xaf");
	assert_near(q.alpha_word_frac, 0);
}

static void test_duplicates(void **state)
{
	(void)state;
	/* trimmed equal lines; "same line" 9 chars x3, "other" 5: 2 dups of 4 lines, 18/32 chars */
	gr_quality q = measure("  same line \nsame line\n\tsame line\t\r\nother\n");
	expect(&q, 7, 4, 29.0 / 7, 0, 0, 1, 0.5, 18.0 / 32);
	/* inner whitespace is kept: not equal */
	q = measure("same line\nsame  line");
	assert_near(q.dup_line_frac, 0);
	/* case matters */
	q = measure("Same\nsame");
	assert_near(q.dup_line_frac, 0);
	/* a line that is a prefix of another is not equal to it */
	q = measure("abcdefghij\nabcdefghijk\nabcdefghij");
	assert_near(q.dup_line_frac, 1.0 / 3);
	assert_near(q.dup_line_char_frac, 10.0 / 31);
}

/* Many lines make the set grow; the state then serves a small text exactly
 * as a fresh one would. */
static void test_many_lines(void **state)
{
	(void)state;
	enum { DISTINCT = 20000 };
	size_t cap = DISTINCT * 2 * 16, n = 0;
	char *t = malloc(cap);
	assert_non_null(t);
	for (int rep = 0; rep < 2; rep++)
		for (int i = 0; i < DISTINCT; i++)
			n += (size_t)snprintf(t + n, cap - n, "line %d.\n", i);
	gr_quality q = measure_n(t, n);
	assert_int_equal(q.lines, 2 * DISTINCT);
	assert_int_equal(q.words, 4 * DISTINCT);
	assert_near(q.dup_line_frac, 0.5);
	assert_near(q.dup_line_char_frac, 0.5);
	assert_near(q.punct_line_frac, 1.0);
	free(t);

	gr_quality a = measure("x\ny\nx\n"), b;
	assert_int_equal(gr_quality_compute(&b, NULL, "x\ny\nx\n", 6), 0);
	assert_memory_equal(&a, &b, sizeof a);
	assert_near(a.dup_line_frac, 1.0 / 3);
}

/* Sequences cut by the text's end are read only as far as the text goes. */
static void test_truncated(void **state)
{
	(void)state;
	/* "abc" and the two bytes of an unfinished U+2026: a word of 2 "characters"
	 * (the lead byte counts, the continuation not): (3 + 1) / 2 */
	gr_quality q = measure("abc \xe2\x80");
	assert_int_equal(q.words, 2);
	assert_near(q.mean_word_len, 2);
	q = measure("abc \xc2");
	assert_int_equal(q.words, 2);
	q = measure("x \xe3\x80");
	assert_int_equal(q.words, 2);
	/* a lone continuation byte is part of a word */
	q = measure("\x80");
	assert_int_equal(q.words, 1);
	assert_near(q.mean_word_len, 0);
}

static void test_real_text(void **state)
{
	(void)state;
	static const char *const files[] = {DATA_DIR "c4-sample.01.jsonl", DATA_DIR "ccnet-cc_en_head-0091.jsonl"};
	size_t nrec = 0;
	for (size_t f = 0; f < 2; f++) {
		FILE *fp = fopen(files[f], "r");
		assert_non_null(fp);
		char *line = NULL;
		size_t lcap = 0;
		while (getline(&line, &lcap, fp) > 0) {
			cJSON *j = cJSON_Parse(line);
			const cJSON *text = cJSON_GetObjectItemCaseSensitive(j, "text");
			assert_true(cJSON_IsString(text));
			gr_quality q = measure(text->valuestring);
			/* English prose: passes the Gopher word-length and alpha rules */
			assert_true(q.words > 20);
			assert_true(q.lines >= 1);
			assert_true(q.mean_word_len > 3 && q.mean_word_len < 10);
			assert_true(q.alpha_word_frac > 0.8);
			assert_true(q.symbol_ratio < 0.1);
			assert_true(q.punct_line_frac >= 0 && q.punct_line_frac <= 1);
			assert_true(q.dup_line_frac >= 0 && q.dup_line_frac <= 1);
			assert_true(q.dup_line_char_frac >= 0 && q.dup_line_char_frac <= 1);
			cJSON_Delete(j);
			nrec++;
		}
		free(line);
		fclose(fp);
	}
	assert_int_equal(nrec, 20);
	/* the start of the first C4 record: 19 + 15 words, all alphabetic but "37," and
	 * "19."; both lines end in '.' */
	gr_quality q = measure("The woman who died after falling from a bridge over the A21 has been identified as a "
			       "Sevenoaks mum.\nMarta Kendle, 37, fell from the Gracious Lane bridge on the morning "
			       "of February 19.\n");
	expect(&q, 34, 2, 150.0 / 34, 0, 1, 32.0 / 34, 0, 0);
}

static int setup(void **state)
{
	if (group_setup(state))
		return -1;
	return gr_quality_state_new(&st) ? -1 : 0;
}

static int teardown(void **state)
{
	gr_quality_state_free(st);
	return group_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),      cmocka_unit_test(test_simple),
		cmocka_unit_test(test_gopher_document), cmocka_unit_test(test_symbols),
		cmocka_unit_test(test_terminal),   cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_alpha),      cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_many_lines), cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_real_text),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
