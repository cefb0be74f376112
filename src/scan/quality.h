/*
 * scan/quality — Gopher / C4-style quality attributes of a UTF-8 text,
 * computed in one pass (plus a hash set of the lines seen, for the
 * duplicate-line fractions). The attributes are the inputs of the usual
 * filters (thresholds from datatrove's GopherQualityFilter,
 * GopherRepetitionFilter and C4QualityFilter):
 *
 *   words < 50 or > 100,000; mean_word_len outside [3, 10];
 *   symbol_ratio > 0.1; alpha_word_frac < 0.8; dup_line_frac > 0.3;
 *   dup_line_char_frac > 0.2; punct_line_frac (C4 keeps only such lines).
 *
 * Definitions. The text is taken as UTF-8 without validation; "characters"
 * are code points, counted as bytes that are not continuation bytes
 * (0x80-0xBF), so invalid sequences count approximately.
 *
 *  - Whitespace: ASCII space, \t \n \v \f \r, the separators 0x1C-0x1F,
 *    and the Unicode White_Space characters U+0085, U+00A0, U+1680,
 *    U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 (what Python's
 *    str.split() splits on).
 *  - words: whitespace-separated tokens (Python's text.split()).
 *  - lines: the non-empty lines, where lines are split on '\n' and a line
 *    is empty when it holds only whitespace. Lines are compared and
 *    measured after trimming whitespace at both ends (line.strip()).
 *  - mean_word_len: characters in words / words.
 *  - symbol_ratio: ('#' count + "..." count + U+2026 count) / words, where
 *    "..." is counted as Python's str.count does, without overlap (a run of
 *    k dots holds k/3, rounded down).
 *  - punct_line_frac: the fraction of lines ending in terminal punctuation,
 *    C4's rule as datatrove writes it: the trimmed line ends in . ! ? " or '
 *    (we add the closing curly quotes U+201D and U+2019), and does not end in
 *    "..." nor in U+2026 (an ellipsis is not an end).
 *  - alpha_word_frac: the fraction of words holding an alphabetic
 *    character, where alphabetic is an ASCII letter or any non-ASCII
 *    character except those of the General Punctuation block
 *    (U+2000-U+206F: dashes, curly quotes, bullets, ellipsis) and the
 *    whitespace above. So letters in any script count, and so (a
 *    simplification) do non-ASCII symbols such as U+00A9 or emoji.
 *  - dup_line_frac: the fraction of lines equal (trimmed, byte for byte) to
 *    an earlier line of the text.
 *  - dup_line_char_frac: characters in those duplicate lines / characters in
 *    all lines (both trimmed). Gopher divides by the whole text's length;
 *    we keep both sides to the same lines so the fraction is in [0, 1].
 *
 * A fraction with a zero denominator is 0; an empty text gives all zeros.
 * The counts saturate at UINT32_MAX (a text of more than 4 G words).
 */
#ifndef GR_SCAN_QUALITY_H
#define GR_SCAN_QUALITY_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

typedef struct gr_quality {
	uint32_t words, lines;
	double mean_word_len;
	double symbol_ratio;
	double punct_line_frac;
	double alpha_word_frac;
	double dup_line_frac;
	double dup_line_char_frac;
} gr_quality;

/* The duplicate-line set, reusable from text to text so that a worker
 * allocates once: it grows to the largest number of distinct lines seen,
 * and a text clears only as much of it as its own lines use. One per
 * thread. */
typedef struct gr_quality_state gr_quality_state;

/* 0, or GR_ENOMEM. */
int gr_quality_state_new(gr_quality_state **out);
void gr_quality_state_free(gr_quality_state *st);

/*
 * The attributes of text[0..n) (text may be NULL when n == 0). st may be
 * NULL: a state is then made and freed for this one call. Returns 0, or
 * GR_ENOMEM (the line set could not grow), or GR_ELIMIT (more than
 * 2^32 - 2 distinct lines); then *out is untouched and st still usable.
 */
int gr_quality_compute(gr_quality *out, gr_quality_state *st, const char *text, size_t n);

#endif
