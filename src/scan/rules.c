/*
 * scan/rules — the candidate patterns and their validators.
 *
 * Each rule is one Vectorscan pattern plus one C function. Patterns are
 * triggers, not parsers: they are cheap shapes without start-of-match
 * tracking (SOM makes the whole database slower); Vectorscan reports where
 * a match ends, and the validator finds the start by walking back over a
 * shape it knows, then parses forward and applies the checks below.
 * Patterns that begin with a character class instead of a literal are
 * what make a multi-pattern database slow, so the rarer literal bytes lead
 * where that is possible ('@', '+', '(', provider prefixes).
 *
 * Invariants:
 *  1. Every read is inside t[0..n): ch() returns -1 outside, and pattern
 *     shapes guarantee the bytes a walk-back assumes.
 *  2. Every span consists of ASCII bytes, so spans start and end on UTF-8
 *     character boundaries.
 *  3. Work is linear in the text: every walk either has a constant bound
 *     or covers a maximal run that is then marked seen for its rule.
 *
 * What each type accepts:
 *
 * EMAIL  local@domain. Local part 1-64 bytes of [A-Za-z0-9._%+-], starts
 *   with [A-Za-z0-9_], no "..", no trailing '.'. Domain: 2+ labels of
 *   [A-Za-z0-9-]{1,63} without leading/trailing '-', at most 253 bytes; the
 *   address at most 254. The last label must be a real TLD (tlds.inc, from
 *   the Public Suffix List) and letters only or an A-label (xn--). A first
 *   label like "2x" before the TLD is an image-density file name
 *   (img@2x.png, logo@2x.zip), not a domain. Left of the local part: not
 *   '@', '/' or '\', and not ':' inside a URL (https://user:pass@host).
 *   Right: not '@' or '_', nor ':' followed by a port or path
 *   (git@github.com:user/repo). ASCII addresses only.
 * PHONE  needs a marker:
 *   +CC ...      '+' not after a word character or '+'; the country code
 *                must be assigned (E.164 list below) and, with separators,
 *                stand alone before the first one; groups of 2+ digits (one
 *                digit only right after the code) split by one ' ', '-' or
 *                '.' (dots: 2+ groups after the code), one "(area)" group,
 *                "(0)" not counted; 8-15 digits, 10-15 without any
 *                separator; +1 and +7 exactly 10 national digits, +1 also
 *                the NANP rules below; +44 7700 900xxx (reserved for drama)
 *                rejected. Groups are read as far as they go and the
 *                longest prefix that passes wins, so a number followed by
 *                another one is still found.
 *   00CC ...     the same with the international prefix 00 instead of '+',
 *                separators required, not inside a run of digit groups, no
 *                0 right after the code (except Italy, +39), and not
 *                00CC + 4-digit groups only (hex code points: 0031 2044 0034).
 *   (area) ...   "(NXX)" + 3-4 or 7 digits (NANP), or "(0...)" 2-5 digits +
 *                5-8 digits in 1-3 groups, the first not starting with 0;
 *                '(' not after a word character; 8-13 digits.
 *   NXX-NXX-XXXX one separator ('-', '.', ' ') used twice; area 2-9 first
 *                and not N11, 555-01XX (reserved for fiction) rejected; a
 *                leading "1" and the same separator is part of the number.
 *                The exchange is not checked (555-123-4567 is found).
 *   0A[AAA] S... trunk 0 + 1-4 digits, then ' ', '-' or '/', then 1-4
 *                groups of 2+ digits split by ' ' or '-', the first not
 *                starting with 0 (subscriber numbers never do; code-point
 *                tables such as "0639 0645 0645" do); 9-12 digits. With
 *                dots only the French 0X.XX.XX.XX.XX.
 *   An extension written "x123" right after the number is part of the span
 *   (345-899-3560x4587).
 *   All forms: not inside a longer digit sequence (. - / : or the separator
 *   next to a digit at either end; for +CC only at the end), no three
 *   groups that read as a date (y-m-d, d-m-y, m-d-y, year 1900-2099), not a
 *   counting sequence (01 02 03 04), no run of 6 equal digits, not inside a
 *   URL token, not within 100 bytes after "isbn" or the word "doi", not
 *   right after '#'.
 * IP_ADDRESS
 *   IPv4: four decimal octets 0-255 without leading zeros; the dotted run
 *   around them has exactly four parts (1.2.3.4.5 is a version) and a
 *   trailing '.' only before a non-alphanumeric (10.2.0.52.in-addr.arpa
 *   is a name); no word character on either side, not after "x-" (as in
 *   linux-2.6.16.60); none of "version", "release", "kernel", "linux",
 *   "section", "chapter", "identifier", "upgrade", "firmware", "rfc" or the
 *   word "oid" within 40 bytes on either side. When all four octets are
 *   single digits (1.2.3.4) an address word (the word "ip"/"ipv4", dns,
 *   server, host, addr, gateway, subnet, netmask, ping) must occur within
 *   100 bytes. An optional /prefix (0-32) is part of the span.
 *   IPv6: a run of hex digits, ':' and '.' with 2+ colons and a decimal
 *   digit that inet_pton accepts, no word character on either side; fewer
 *   than three groups only as "::1", with an embedded IPv4, or with a first
 *   group of 3+ hex digits (fe80::1): this keeps Python slices (1::2) and
 *   C++ scopes out. Optional /prefix (0-128). Zone ids (%eth0) are not part
 *   of the span. span.global: see gr_pii_span in pii.h.
 * CREDIT_CARD  12-19 digits: one bare run, or groups 4-4-4-4, 4-4-4-4-3,
 *   4-6-5 (Amex only), 4-6-4 (Diners) with one separator (' ' or '-') used
 *   throughout; not inside a longer number, not in a list or formula of
 *   numbers (", ; * + =" with a digit past it), not next to a group of hex
 *   digits (a hex dump row), not a counting sequence; issuer prefix and
 *   length: Visa 4 (13, 16, 19), Mastercard 51-55 and 2221-2720 (16), Amex
 *   34/37 (15), Discover 6011/644-649/65 (16-19), JCB 3528-3589 (16-19),
 *   Diners 300-305/3095/36/38/39 (14-19), UnionPay 62 (16-19), Mir
 *   2200-2204 (16-19), Maestro 5018/5020/5038/5893/6304/6759/6761-6763
 *   (12-19); Luhn; no run of 6 equal digits; not a published test number.
 * IBAN  upper case, either compact or in groups of 4 split by one space
 *   (consistently); country in the registry table (iban.inc) with its exact
 *   length and BBAN character classes; check digits 02-98; ISO 7064 mod 97
 *   == 1; no letter or digit right before or after.
 * US_SSN  AAA-GG-SSSS or AAA GG SSSS (one separator twice) anywhere;
 *   AAA.GG.SSSS and bare 9 digits only when they start within 40 bytes
 *   after "ssn" (not inside a word: "assn" is not it) or "social security".
 *   Area not 000, 666 or 9xx; group not 00; serial not 0000; not every
 *   group one repeated digit (111-22-3333); not 078-05-1120, 457-55-5462,
 *   219-09-9999 (published or advertising numbers) or 123-45-6789; not
 *   inside a longer digit sequence.
 * SECRET  provider formats, each with an entropy floor on its random part
 *   (Shannon entropy, bits per byte, over its letters and digits) and the
 *   placeholder list PLACEHOLDERS (EXAMPLE, xxxx, 1234567890, your_..._here,
 *   ...); no letter, digit, '_', '+' or '/' right before:
 *     AWS access key id   (AKIA|ASIA)[A-Z0-9]{16}, nothing alphanumeric
 *                         after; floor 3.0
 *     GitHub              gh[pousr]_ + 36-251 [A-Za-z0-9], github_pat_ +
 *                         40-244 [A-Za-z0-9_]; floor 3.5
 *     GitLab              glpat- + 20+ [A-Za-z0-9_-]; floor 3.0
 *     Slack               xox[bpars]- / xapp- + 20+ [A-Za-z0-9-] holding a
 *                         digit and a letter; floor 3.5
 *     Google API key      AIza + exactly 35 [A-Za-z0-9_-]; floor 3.5
 *     Stripe              sk_live_ / rk_live_ + 20+ [A-Za-z0-9]; floor 3.5
 *                         (pk_live_ keys are publishable: not reported)
 *     JWT                 eyJ... . eyJ... . signature of 16+ base64url
 *                         bytes, not followed by a fourth part; the header
 *                         decodes to a JSON object with "alg", the payload
 *                         to an object without "1234567890" or "example"
 *                         (the jwt.io sample); floor 3.5 on the signature
 *     private key block   -----BEGIN [..] PRIVATE KEY[ BLOCK]----- through
 *                         its -----END ...----- line when the body between
 *                         is printable ASCII (or, without that, the base64
 *                         lines that follow the header), 64+ base64 bytes
 *                         with floor 5.0 over them (random base64 is
 *                         ~5.5-6, prose ~4.3; "\n" escapes skipped), no
 *                         "example", "dummy", "xxxxxx", "..." in the body
 *   The floors sit well below what random keys of those lengths have
 *   (16 random [A-Z0-9] average ~3.6 bits, 36 random [A-Za-z0-9] ~4.7) and
 *   above what made-up keys have (AKIAAAAABBBBCCCCDDDD: 2.0).
 */
#include <arpa/inet.h>
#include <hs/hs.h>
#include <string.h>

#include "scan/pii_int.h"

/* ---- bounds (STYLE.md rule 7) ---- */
#define PII_CTX_WINDOW 100      /* bytes searched for context words */
#define PII_URL_WINDOW 256      /* bytes walked back to find a URL token start */
#define PII_SSN_WINDOW 40       /* bytes after "ssn" where a bare SSN may start */
#define PII_PEM_MAX_BODY 32768  /* bytes searched for a key block's END line */
#define PII_TOKEN_MAX 255       /* longest provider token accepted */
#define PII_JWT_MAX_HEADER 512  /* base64url bytes of a JWT header we decode */
#define PII_JWT_MAX_PAYLOAD 8192
#define PII_PHONE_MAXG 8        /* digit groups in a phone number */
#define PII_DIGITS_CAP 32       /* longest digit run a rule looks at */

const struct pii_pattern pii_patterns[R_NRULES] = {
	[R_EMAIL] = {"@[A-Za-z0-9\\-]+\\.[A-Za-z]", 0},
	[R_PHONE_INTL] = {"(?:^|[^0-9A-Za-z_+])\\+[1-9][0-9 ().\\-]{6}", 0},
	[R_PHONE_INTL00] = {"(?:^|[^0-9A-Za-z_+\\-./])00[1-9][0-9]{0,2}[ \\-]", 0},
	[R_PHONE_PAREN] = {"\\([0-9]{2,5}\\)[ .\\-]?[0-9]{3}", 0},
	[R_PHONE_NANP] = {"[0-9]{3}-[0-9]{3}-[0-9]{4}|[0-9]{3}\\.[0-9]{3}\\.[0-9]{4}|"
			  "[0-9]{3} [0-9]{3} [0-9]{4}", 0},
	[R_PHONE_TRUNK] = {"(?:^|[^0-9A-Za-z_+\\-./])0[1-9][0-9]{0,3}[ \\-/.][0-9]{2}", 0},
	[R_SSN] = {"[0-9]{3}-[0-9]{2}-[0-9]{4}|[0-9]{3} [0-9]{2} [0-9]{4}", 0},
	[R_SSN_KEYWORD] = {"ssn|social[ \\-]security", HS_FLAG_CASELESS},
	[R_CARD_RUN] = {"(?:^|[^0-9])[0-9]{12}", 0},
	[R_CARD_GROUPS] = {"[0-9]{4}[ \\-][0-9]{4}[ \\-][0-9]{4}|[0-9]{4}[ \\-][0-9]{6}[ \\-][0-9]{4}", 0},
	[R_IBAN] = {"[A-Z]{2}[0-9]{2} ?[A-Z0-9]{4} ?[A-Z0-9]{4} ?[A-Z0-9]{3}", 0},
	[R_IPV4] = {"[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]", 0},
	[R_IPV6] = {"[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]", 0},
	[R_AWS] = {"(?:AKIA|ASIA)[A-Z0-9]{16}", 0},
	[R_PEM] = {"-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY", 0},
	[R_GITHUB] = {"gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{40}", 0},
	[R_GITLAB] = {"glpat-[A-Za-z0-9_\\-]{20}", 0},
	[R_SLACK] = {"xox[bpars]-[0-9A-Za-z\\-]{10}|xapp-[0-9A-Za-z\\-]{10}", 0},
	[R_GOOGLE] = {"AIza[0-9A-Za-z_\\-]{35}", 0},
	[R_STRIPE] = {"[sr]k_live_[0-9A-Za-z]{10}", 0},
	[R_JWT] = {"eyJ[A-Za-z0-9_\\-]{8,}\\.eyJ[A-Za-z0-9_\\-]{4,}\\.", 0},
};

/* ---- bytes ---- */

static inline int ch(const struct pii_ctx *x, size_t i)
{
	return i < x->n ? x->t[i] : -1; /* i "below 0" wraps to a huge value */
}
static inline bool dig(int c) { return (unsigned)(c - '0') < 10; }
static inline bool alpha(int c) { return c >= 0 && (unsigned)((c | 32) - 'a') < 26; }
static inline bool upper(int c) { return (unsigned)(c - 'A') < 26; }
static inline bool alnum(int c) { return dig(c) || alpha(c); }
static inline bool wordc(int c) { return alnum(c) || c == '_'; }
static inline bool hexd(int c) { return dig(c) || (c >= 0 && (unsigned)((c | 32) - 'a') < 6); }
static inline bool b64url(int c) { return alnum(c) || c == '_' || c == '-'; }
static inline bool b64(int c) { return alnum(c) || c == '+' || c == '/' || c == '='; }
static inline int lower(int c) { return upper(c) ? c | 32 : c; }

/* Whether lower-case word w occurs in p[0..n), ignoring ASCII case. */
static bool has_ci(const unsigned char *p, size_t n, const char *w)
{
	size_t m = strlen(w);
	for (size_t i = 0; i + m <= n; i++) {
		size_t k = 0;
		while (k < m && lower(p[i + k]) == w[k])
			k++;
		if (k == m)
			return true;
	}
	return false;
}

struct ctx_word {
	const char *w; /* lower case, starts with a letter */
	bool bounded;  /* not inside a longer word */
};

/* Whether one of the words occurs in t[lo, hi), ignoring ASCII case. One
 * pass: a byte is compared further only when it can start a word. */
static bool words_in(const struct pii_ctx *x, size_t lo, size_t hi, const struct ctx_word *ws, size_t nw)
{
	uint32_t first = 0;
	for (size_t k = 0; k < nw; k++)
		first |= UINT32_C(1) << (ws[k].w[0] - 'a');
	for (size_t i = lo; i < hi; i++) {
		unsigned c = (unsigned)(x->t[i] | 32) - 'a';
		if (c >= 26 || !(first >> c & 1))
			continue;
		for (size_t k = 0; k < nw; k++) {
			const char *w = ws[k].w;
			size_t m = 0;
			while (w[m] && i + m < hi && lower(x->t[i + m]) == w[m])
				m++;
			if (!w[m] && (!ws[k].bounded || (!alpha(ch(x, i - 1)) && !alpha(ch(x, i + m)))))
				return true;
		}
	}
	return false;
}

static size_t back(size_t i, size_t w) { return i > w ? i - w : 0; }
static size_t fwd(const struct pii_ctx *x, size_t i, size_t w)
{
	return i < x->n && x->n - i > w ? i + w : x->n;
}

static bool seen(const struct pii_ctx *x, unsigned r, size_t to)
{
	return to > x->seen_lo[r] && to <= x->seen_hi[r];
}

static void mark(struct pii_ctx *x, unsigned r, size_t lo, size_t hi)
{
	x->seen_lo[r] = (uint32_t)lo;
	x->seen_hi[r] = (uint32_t)hi;
}

/* ---- shared checks for numbers ---- */

/* The byte before start does not continue a word or a number: no word
 * character, and no . - / : (or sep) right after a digit. */
static bool num_left_ok(const struct pii_ctx *x, size_t start, int sep)
{
	int c = ch(x, start - 1);
	if (c < 0)
		return true;
	if (wordc(c))
		return false;
	return !((c == '.' || c == '-' || c == '/' || c == ':' || c == sep) && dig(ch(x, start - 2)));
}

static bool num_right_ok(const struct pii_ctx *x, size_t end, int sep)
{
	int c = ch(x, end);
	if (c < 0)
		return true;
	if (wordc(c))
		return false;
	return !((c == '.' || c == '-' || c == '/' || c == ':' || c == sep) && dig(ch(x, end + 1)));
}

/* Whether start lies inside a URL: the token it is part of (back to
 * whitespace, a quote or a bracket) contains "://" or starts with "www.". */
static bool in_url(const struct pii_ctx *x, size_t start)
{
	size_t lim = back(start, PII_URL_WINDOW), i = start;
	while (i > lim) {
		int c = x->t[i - 1];
		if (c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '(' || c == ')' ||
		    c == '[' || c == ']' || c == '{' || c == '}' || c == '|' || c == '`')
			break;
		if (c == ':' && i + 1 < start && x->t[i] == '/' && x->t[i + 1] == '/')
			return true;
		i--;
	}
	return start - i >= 4 && lower(x->t[i]) == 'w' && lower(x->t[i + 1]) == 'w' &&
	       lower(x->t[i + 2]) == 'w' && x->t[i + 3] == '.';
}

/* The length of the digit run at p, at most PII_DIGITS_CAP: no rule accepts
 * a longer group, and the cap keeps every such walk constant. */
static size_t digits_at(const struct pii_ctx *x, size_t p)
{
	size_t q = p, lim = fwd(x, p, PII_DIGITS_CAP);
	while (q < lim && dig(x->t[q]))
		q++;
	return q - p;
}

static unsigned val(const unsigned char *p, size_t len)
{
	unsigned v = 0;
	for (size_t i = 0; i < len; i++)
		v = v * 10 + (unsigned)(p[i] - '0');
	return v;
}

/* ---- entropy ---- */

/* log2(v) for v >= 1 without libm: v = m * 2^e, ln m by the atanh series. */
static double lg2(double v)
{
	uint64_t bits;
	memcpy(&bits, &v, sizeof bits);
	int e = (int)((bits >> 52) & 0x7ff) - 1023;
	bits = (bits & ((UINT64_C(1) << 52) - 1)) | (UINT64_C(1023) << 52);
	double m;
	memcpy(&m, &bits, sizeof m);
	if (m > 1.4142135623730951) {
		m /= 2;
		e++;
	}
	double z = (m - 1) / (m + 1), z2 = z * z, s = 0, p = z;
	for (int k = 1; k < 24; k += 2) {
		s += p / k;
		p *= z2;
	}
	return e + 2 * s / 0.6931471805599453;
}

/* Shannon entropy of p[0..n) in bits per byte, bytes for which keep() is
 * true only (keep NULL: all). */
static double entropy(const unsigned char *p, size_t n, bool (*keep)(int))
{
	uint32_t cnt[256] = {0};
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (keep && !keep(p[i]))
			continue;
		cnt[p[i]]++;
		m++;
	}
	if (m == 0)
		return 0;
	double s = 0;
	for (int c = 0; c < 256; c++)
		if (cnt[c] > 1)
			s += cnt[c] * lg2(cnt[c]);
	return lg2((double)m) - s / (double)m;
}

/* Made-up values in documentation and sample code (compared ignoring case). */
static const char *const PLACEHOLDERS[] = {
	"example", "xxxx", "1234567890", "0123456789", "abcdefghij", "your", "_here", "-here",
	"placeholder", "dummy", "redacted", "sample", "changeme", "fake", "...",
};

static bool placeholder(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < sizeof PLACEHOLDERS / sizeof PLACEHOLDERS[0]; i++)
		if (has_ci(p, n, PLACEHOLDERS[i]))
			return true;
	return false;
}

/* ---- EMAIL ---- */

#include "scan/tlds.inc"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool is_tld(const unsigned char *p, size_t n)
{
	char buf[PII_TLD_MAXLEN + 1];
	if (n < 2 || n > PII_TLD_MAXLEN)
		return false;
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)lower(p[i]);
	buf[n] = '\0';
	const char *key = buf;
	return bsearch(&key, pii_tlds, PII_NTLDS, sizeof pii_tlds[0], cmp_str) != NULL;
}

static bool email_local(int c)
{
	return alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

static bool label_char(int c) { return alnum(c) || c == '-'; }

static void rule_email(struct pii_ctx *x, size_t to)
{
	/* the match is '@' label '.' letter: find the '@' */
	size_t at = to - 3;
	while (x->t[at] != '@')
		at--;
	if (seen(x, R_EMAIL, at + 1))
		return;
	size_t lo = at;
	while (lo > 0 && at - lo <= 64 && email_local(x->t[lo - 1]))
		lo--;
	if (at - lo > 64)
		return; /* local part too long */
	int left = ch(x, lo - 1);
	while (lo < at && !(alnum(x->t[lo]) || x->t[lo] == '_'))
		lo++;
	if (lo == at || x->t[at - 1] == '.')
		return;
	for (size_t i = lo; i + 1 < at; i++)
		if (x->t[i] == '.' && x->t[i + 1] == '.')
			return;
	if (left == '@' || left == '/' || left == '\\')
		return;
	if (left == ':' && in_url(x, lo))
		return; /* https://user:pass@host */

	/* domain labels */
	size_t p = at + 1, labels = 0, last = p, first_end = 0;
	for (;;) {
		size_t s = p;
		while (p < x->n && label_char(x->t[p]) && p - s <= 63)
			p++;
		if (p == s || p - s > 63 || x->t[s] == '-' || x->t[p - 1] == '-' || p - at > 254)
			goto reject;
		labels++;
		last = s;
		if (labels == 1)
			first_end = p;
		if (ch(x, p) == '.' && label_char(ch(x, p + 1)))
			p++;
		else
			break;
	}
	mark(x, R_EMAIL, at, p);
	if (labels < 2 || p - at - 1 > 253 || p - lo > 254)
		return;
	/* the TLD: letters, or an A-label */
	size_t tl = p - last;
	/* the ACE prefix is "xn--" in any capitalization (RFC 5890 2.3.2.1) */
	bool idn = tl > 4 && lower(x->t[last]) == 'x' && lower(x->t[last + 1]) == 'n' && x->t[last + 2] == '-' &&
		   x->t[last + 3] == '-';
	for (size_t i = last; i < p && !idn; i++)
		if (!alpha(x->t[i]))
			return;
	if (!is_tld(x->t + last, tl))
		return;
	/* img@2x.png, icon@1.5x.webp: image-density file names */
	if (labels == 2 && first_end - at - 1 >= 2 && lower(x->t[first_end - 1]) == 'x') {
		size_t i = at + 1;
		while (i < first_end - 1 && dig(x->t[i]))
			i++;
		if (i == first_end - 1)
			return;
	}
	if (labels == 3 && dig(x->t[at + 1]) && lower(x->t[last - 2]) == 'x' && dig(x->t[last - 3]))
		return;
	int right = ch(x, p);
	if (right == '@' || right == '_')
		return;
	if (right == ':' && (alnum(ch(x, p + 1)) || ch(x, p + 1) == '/'))
		return;
	pii_emit(x, GR_PII_EMAIL, lo, p, true);
	return;
reject:
	mark(x, R_EMAIL, at, p > at ? p : at + 1);
}

/* ---- PHONE ---- */

struct groups {
	unsigned n;
	uint32_t s[PII_PHONE_MAXG], len[PII_PHONE_MAXG];
};

static bool groups_add(struct groups *g, size_t s, size_t len)
{
	if (g->n == PII_PHONE_MAXG)
		return false;
	g->s[g->n] = (uint32_t)s;
	g->len[g->n] = (uint32_t)len;
	g->n++;
	return true;
}

static bool year(unsigned v) { return v >= 1900 && v <= 2099; }

/* Three consecutive groups that read as a date, or a counting sequence. */
static bool date_or_sequence(const struct pii_ctx *x, const struct groups *g)
{
	for (unsigned i = 0; i + 3 <= g->n; i++) {
		unsigned l0 = g->len[i], l1 = g->len[i + 1], l2 = g->len[i + 2];
		unsigned a = val(x->t + g->s[i], l0), b = val(x->t + g->s[i + 1], l1),
			 c = val(x->t + g->s[i + 2], l2);
		if (l0 == 4 && l1 <= 2 && l2 <= 2 && year(a) && b >= 1 && b <= 12 && c >= 1 && c <= 31)
			return true;
		if (l0 <= 2 && l1 <= 2 && l2 == 4 && year(c) && a >= 1 && b >= 1 && a <= 31 && b <= 31 &&
		    (a <= 12 || b <= 12))
			return true;
	}
	if (g->n >= 4) {
		unsigned i = 1;
		while (i < g->n && g->len[i] == g->len[0] &&
		       val(x->t + g->s[i], g->len[i]) == val(x->t + g->s[i - 1], g->len[i - 1]) + 1)
			i++;
		if (i == g->n)
			return true;
	}
	return false;
}

/* Counts digits in [s, e) and checks for a run of 6 equal digits. */
static unsigned count_digits(const struct pii_ctx *x, size_t s, size_t e, bool *repetitive)
{
	unsigned n = 0, run = 0;
	int prev = -1;
	*repetitive = false;
	for (size_t i = s; i < e; i++) {
		int c = x->t[i];
		if (!dig(c))
			continue;
		n++;
		run = c == prev ? run + 1 : 1;
		prev = c;
		if (run >= 6)
			*repetitive = true;
	}
	return n;
}

/* "isbn" or the word "doi" in the PII_CTX_WINDOW bytes before s. */
static bool near_isbn(const struct pii_ctx *x, size_t s)
{
	static const struct ctx_word words[] = {{"isbn", 0}, {"doi", 1}};
	return words_in(x, back(s, PII_CTX_WINDOW), s, words, 2);
}

/* "x123" right after a number: an extension, part of the span. */
static size_t ext_end(const struct pii_ctx *x, size_t end)
{
	if (ch(x, end) != 'x')
		return end;
	size_t d = digits_at(x, end + 1);
	if (d < 1 || d > 5 || wordc(ch(x, end + 1 + d)))
		return end;
	return end + 1 + d;
}

/* The checks every phone form shares; emits [s, span_end) when they pass.
 * The number itself is [s, e) (span_end may add an extension). */
static void phone_finish(struct pii_ctx *x, size_t s, size_t e, size_t span_end, const struct groups *g,
			 unsigned lo_digits, unsigned hi_digits)
{
	bool rep;
	unsigned nd = count_digits(x, s, e, &rep);
	if (nd < lo_digits || nd > hi_digits || rep)
		return;
	if (ch(x, s - 1) == '#' || date_or_sequence(x, g) || in_url(x, s))
		return;
	if (near_isbn(x, s))
		return;
	pii_emit(x, GR_PII_PHONE, s, span_end, true);
}

static bool phone_sep(int c) { return c == ' ' || c == '-' || c == '.'; }


/* Assigned E.164 country codes (ITU-T E.164 list): 1 and 7, the two-digit
 * codes below, and three-digit ranges. The set is prefix-free, so a number
 * written without separators has at most one country code. */
static const char CC2[] = "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 "
			  "60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98";
static const uint16_t CC3[][2] = {
	{211, 213}, {216, 216}, {218, 218}, {220, 258}, {260, 269}, {290, 291}, {297, 299},
	{350, 359}, {370, 383}, {385, 387}, {389, 389}, {420, 421}, {423, 423}, {500, 509},
	{590, 599}, {670, 670}, {672, 683}, {685, 692}, {800, 800}, {808, 808}, {850, 850},
	{852, 853}, {855, 856}, {870, 870}, {878, 878}, {880, 883}, {886, 886}, {888, 888},
	{960, 968}, {970, 977}, {979, 979}, {991, 996}, {998, 998},
};

/* The length of the assigned country code that d[0..n) starts with; 0 if none. */
static size_t e164_cc(const unsigned char *d, size_t n)
{
	if (n >= 1 && (d[0] == '1' || d[0] == '7'))
		return 1;
	if (n >= 2) {
		for (size_t i = 0; i + 2 < sizeof CC2; i += 3)
			if (CC2[i] == d[0] && CC2[i + 1] == d[1])
				return 2;
	}
	if (n >= 3) {
		unsigned v = val(d, 3);
		for (size_t i = 0; i < sizeof CC3 / sizeof CC3[0]; i++)
			if (v >= CC3[i][0] && v <= CC3[i][1])
				return 3;
	}
	return 0;
}

/* NANP number d[0..10): area and exchange rules shared by +1 and NXX-NXX-XXXX. */
static bool nanp_ok(const unsigned char *d)
{
	if (d[0] < '2' || (d[1] == '1' && d[2] == '1'))
		return false; /* area 0xx/1xx, or an N11 service code */
	if (d[3] == '5' && d[4] == '5' && d[5] == '5' && d[6] == '0' && d[7] == '1')
		return false; /* 555-01XX is reserved for fiction */
	return true;
}

/* +CC: reads groups as far as they go, then tries the longest prefix of
 * them that passes, so that a number followed by another one ("+44 20 7946
 * 0958 93.184.216.34", "+1 415 555 2671 10am") is still found. */
static void phone_intl(struct pii_ctx *x, unsigned rule, size_t to, size_t plus, size_t ccpos, bool need_sep)
{
	if (seen(x, rule, to))
		return;
	struct groups g = {0};
	size_t gend[PII_PHONE_MAXG];
	unsigned gdig[PII_PHONE_MAXG];
	bool gdot[PII_PHONE_MAXG];
	size_t p = ccpos, cc = digits_at(x, p);
	groups_add(&g, p, cc);
	p = gend[0] = p + cc;
	gdig[0] = (unsigned)cc;
	gdot[0] = false;
	bool paren = false, dot = false;
	for (;;) {
		size_t q = p, d;
		int c = ch(x, q);
		bool sep = phone_sep(c), pg = false;
		if (sep)
			q++;
		if (ch(x, q) == '(' && !paren) {
			d = digits_at(x, q + 1);
			if (d < 1 || d > 4 || ch(x, q + 1 + d) != ')')
				break;
			paren = pg = true;
			if (d == 1 && x->t[q + 1] == '0') { /* "(0)": the trunk prefix, not dialled from abroad */
				p = q + 3;
				continue;
			}
			q++;
		} else {
			d = digits_at(x, q);
			/* groups need a separator, except right after "(area)"; one digit only right after the code */
			if (d == 0 || (d == 1 && g.n > 1) || (!sep && !(paren && x->t[q - 1] == ')')))
				break;
		}
		if (!groups_add(&g, q, d))
			break;
		dot |= c == '.';
		p = gend[g.n - 1] = q + d + pg;
		gdig[g.n - 1] = gdig[g.n - 2] + (unsigned)d;
		gdot[g.n - 1] = dot;
	}
	mark(x, rule, plus, gend[g.n - 1]);
	if (ch(x, plus - 1) == '#' || in_url(x, plus) ||
	    near_isbn(x, plus))
		return;
	for (unsigned k = g.n; k >= 1; k--) {
		size_t end = gend[k - 1];
		unsigned nd = gdig[k - 1];
		if (k >= 2 && cc > 3)
			continue; /* with separators the code comes first, alone */
		if (k == 1 && need_sep)
			break;
		if (nd < (k == 1 ? 10 : 8))
			break;    /* shorter prefixes are shorter still */
		size_t span_end = ext_end(x, end);
		if (nd > 15 || (gdot[k - 1] && k < 3) || !num_right_ok(x, span_end, 0))
			continue; /* +1.2345678 is a number */
		unsigned char d[16] = {0};
		size_t m = 0;
		for (unsigned i = 0; i < k; i++)
			for (size_t j = g.s[i]; j < g.s[i] + g.len[i]; j++)
				d[m++] = x->t[j];
		size_t ccl = e164_cc(d, m);
		if (ccl == 0 || (k >= 2 && ccl != cc))
			return; /* the country code is the same for every prefix */
		if ((d[0] == '1' || d[0] == '7') && m != 11)
			continue; /* +1 and +7: ten national digits */
		if (d[0] == '1' && !nanp_ok(d + 1))
			return;
		if (m >= 9 && memcmp(d, "447700900", 9) == 0)
			return; /* UK 07700 900xxx is reserved for drama */
		if (need_sep && k >= 3) {
			unsigned four = 0;
			for (unsigned i = 1; i < k; i++)
				four += g.len[i] == 4;
			if (four == k - 1 && g.len[0] == 2)
				continue; /* 0031 2044 0034: hex code points, not 00+31 */
		}
		bool rep;
		count_digits(x, plus, end, &rep);
		struct groups h = g;
		h.n = k;
		if (rep || date_or_sequence(x, &h))
			continue;
		pii_emit(x, GR_PII_PHONE, plus, span_end, true);
		return;
	}
}

static void rule_phone_intl(struct pii_ctx *x, size_t to)
{
	size_t plus = to - 8; /* '+', digit, 6 bytes */
	phone_intl(x, R_PHONE_INTL, to, plus, plus + 1, false);
}

/* 0044 20 7946 0958: the international prefix 00 instead of '+'; only
 * with separators (a bare 00... run is anything). */
static void rule_phone_intl00(struct pii_ctx *x, size_t to)
{
	size_t z = to - 1; /* the separator after the country code */
	while (z > 0 && dig(x->t[z - 1]))
		z--; /* the pattern has a non-digit (or the start) before "00" */
	if (!num_left_ok(x, z, ' ') || !num_left_ok(x, z, '-'))
		return; /* inside a longer run of groups (an IBAN's "0044 0532 ...") */
	/* after 00+CC the national number does not start with 0 (Italy's does) */
	size_t g1 = to + (dig(ch(x, to)) ? 0 : 1);
	if (ch(x, g1) == '0' && !(x->t[z + 2] == '3' && x->t[z + 3] == '9' && to - z == 5))
		return;
	phone_intl(x, R_PHONE_INTL00, to, z, z + 2, true);
}

static void rule_phone_paren(struct pii_ctx *x, size_t to)
{
	size_t i = to - 3;
	if (phone_sep(x->t[i - 1]))
		i--;
	size_t rp = i - 1; /* ')' */
	size_t lp = rp;
	while (dig(x->t[lp - 1]))
		lp--;
	lp--; /* '(' */
	if (seen(x, R_PHONE_PAREN, to))
		return;
	struct groups g = {0};
	size_t area = rp - lp - 1;
	const unsigned char *a = x->t + lp + 1;
	bool nanp = area == 3 && a[0] >= '2' && a[0] <= '9';
	if (!nanp && a[0] != '0')
		return;
	int c = ch(x, lp - 1);
	if (wordc(c) || c == '+')
		return;
	groups_add(&g, lp + 1, area);
	size_t p = rp + 1, end = p;
	unsigned local = 0;
	for (;;) {
		size_t q = p;
		if (phone_sep(ch(x, q)))
			q++;
		else if (g.n > 1)
			break;
		size_t d = digits_at(x, q);
		if (d < 2 || g.n > 3 || !groups_add(&g, q, d))
			break;
		local += (unsigned)d;
		p = end = q + d;
	}
	mark(x, R_PHONE_PAREN, lp, end);
	if (nanp) {
		if (!((g.n == 3 && g.len[1] == 3 && g.len[2] == 4) || (g.n == 2 && g.len[1] == 7)))
			return;
	} else if (local < 5 || local > 8 || x->t[g.s[1]] == '0') {
		return;
	}
	size_t span_end = ext_end(x, end);
	if (!num_right_ok(x, span_end, ' '))
		return;
	phone_finish(x, lp, end, span_end, &g, 8, 13);
}

static void rule_phone_nanp(struct pii_ctx *x, size_t to)
{
	size_t s = to - 12;
	int sep = x->t[s + 3];
	if (x->t[s + 7] != sep)
		return;
	const unsigned char *t = x->t + s;
	unsigned char d[10] = {t[0], t[1], t[2], t[4], t[5], t[6], t[8], t[9], t[10], t[11]};
	if (!nanp_ok(d))
		return;
	size_t span_end = ext_end(x, to);
	if (!num_right_ok(x, span_end, sep))
		return;
	/* 1-800-555-1234: the leading 1 belongs to the number */
	if (ch(x, s - 1) == sep && ch(x, s - 2) == '1' && num_left_ok(x, s - 2, sep) && ch(x, s - 3) != '+')
		s -= 2;
	else if (!num_left_ok(x, s, sep) || ch(x, s - 1) == '+')
		return;
	struct groups g = {0};
	groups_add(&g, to - 12, 3);
	groups_add(&g, to - 8, 3);
	groups_add(&g, to - 4, 4);
	phone_finish(x, s, to, span_end, &g, 10, 11);
}

static void rule_phone_trunk(struct pii_ctx *x, size_t to)
{
	size_t i = to - 2; /* first subscriber digits */
	int sep = x->t[i - 1];
	size_t z = i - 1;
	while (z > 0 && dig(x->t[z - 1]))
		z--;
	if (seen(x, R_PHONE_TRUNK, to))
		return;
	int c = ch(x, z - 1);
	if (c == ',' && dig(ch(x, z - 2)))
		return;
	if (!num_left_ok(x, z, sep))
		return;
	struct groups g = {0};
	groups_add(&g, z, i - 1 - z);
	if (x->t[i] == '0')
		return; /* subscriber numbers do not start with the trunk prefix (0639 0645 0645) */
	size_t p = i, end;
	size_t d = digits_at(x, p);
	groups_add(&g, p, d);
	p = end = p + d;
	while (g.n < 5 && (ch(x, p) == (sep == '.' ? '.' : ' ') || ch(x, p) == (sep == '.' ? '.' : '-'))) {
		d = digits_at(x, p + 1);
		if (d < 2)
			break;
		groups_add(&g, p + 1, d);
		p = end = p + 1 + d;
	}
	mark(x, R_PHONE_TRUNK, z, end);
	if (!num_right_ok(x, end, ' ') || !num_right_ok(x, end, '-') || !num_right_ok(x, end, '.'))
		return;
	if (sep == '.') { /* only the French 0X.XX.XX.XX.XX */
		for (unsigned k = 0; k < g.n; k++)
			if (g.len[k] != 2)
				return;
		if (g.n != 5)
			return;
	}
	unsigned sub = 0;
	for (unsigned k = 1; k < g.n; k++)
		sub += g.len[k];
	if (sub < 5)
		return;
	phone_finish(x, z, end, end, &g, 9, 12);
}

/* ---- US_SSN ---- */

/* d: 9 digits */
static bool ssn_valid(const unsigned char *area, const unsigned char *grp, const unsigned char *ser)
{
	unsigned a = val(area, 3), g = val(grp, 2), s = val(ser, 4);
	if (a == 0 || a == 666 || a >= 900 || g == 0 || s == 0)
		return false;
	if ((a == 78 && g == 5 && s == 1120) || (a == 457 && g == 55 && s == 5462) ||
	    (a == 219 && g == 9 && s == 9999) || (a == 123 && g == 45 && s == 6789))
		return false;
	/* made-up numbers: each group one repeated digit (111-22-3333, 999-99-9999) */
	bool made_up = area[1] == area[0] && area[2] == area[0] && grp[1] == grp[0] && ser[1] == ser[0] &&
		       ser[2] == ser[0] && ser[3] == ser[0];
	return !made_up;
}

static void rule_ssn(struct pii_ctx *x, size_t to)
{
	size_t s = to - 11;
	int sep = x->t[s + 3];
	if (x->t[s + 6] != sep || !num_left_ok(x, s, sep) || !num_right_ok(x, to, sep))
		return;
	if (ssn_valid(x->t + s, x->t + s + 4, x->t + s + 7))
		pii_emit(x, GR_PII_US_SSN, s, to, true);
}

/* After "ssn" / "social security": a bare 9-digit run or AAA.GG.SSSS
 * starting within PII_SSN_WINDOW bytes. */
static void rule_ssn_keyword(struct pii_ctx *x, size_t to)
{
	bool ssn = lower(x->t[to - 1]) == 'n';
	size_t k = ssn ? to - 3 : to - 15;
	if (alpha(ch(x, k - 1)))
		return;
	if (ssn && alpha(ch(x, to)) && !(lower(ch(x, to)) == 's' && !alpha(ch(x, to + 1))))
		return;
	size_t lim = fwd(x, to, PII_SSN_WINDOW);
	for (size_t p = to; p < lim; p++) {
		if (!dig(x->t[p]) || dig(ch(x, p - 1)))
			continue;
		size_t d = digits_at(x, p);
		if (d == 9 && num_left_ok(x, p, 0) && num_right_ok(x, p + 9, 0)) {
			if (ssn_valid(x->t + p, x->t + p + 3, x->t + p + 5))
				pii_emit(x, GR_PII_US_SSN, p, p + 9, true);
		} else if (d == 3 && ch(x, p + 3) == '.' && digits_at(x, p + 4) == 2 && ch(x, p + 6) == '.' &&
			   digits_at(x, p + 7) == 4 && num_left_ok(x, p, '.') && num_right_ok(x, p + 11, '.')) {
			if (ssn_valid(x->t + p, x->t + p + 4, x->t + p + 7))
				pii_emit(x, GR_PII_US_SSN, p, p + 11, true);
		}
		p += d - 1;
	}
}

/* ---- CREDIT_CARD ---- */

static bool luhn(const char *d, size_t n)
{
	unsigned sum = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned v = (unsigned)(d[n - 1 - i] - '0');
		if (i & 1) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	return sum % 10 == 0;
}

/* Published test numbers of the card networks and payment processors. */
static const char *const TEST_CARDS[] = {
	"4111111111111111", "4012888888881881", "4222222222222", "4242424242424242",
	"4000056655665556", "5555555555554444", "5105105105105100", "5200828282828210",
	"2223003122003222", "378282246310005",  "371449635398431",  "378734493671000",
	"6011111111111117", "6011000990139424", "6011000400000000", "3530111333300000",
	"3566002020360505", "30569309025904",   "38520000023237",   "36227206271667",
	"6200000000000005", "6250941006528599", "5019717010103742", "6759649826438453",
};

static bool card_valid(const char *d, size_t n)
{
	if (n < 12 || n > 19)
		return false;
	size_t k = 1;
	while (k < n && d[k] == d[0])
		k++;
	if (k == n)
		return false;
	unsigned p2 = (unsigned)(d[0] - '0') * 10 + (unsigned)(d[1] - '0');
	unsigned p3 = p2 * 10 + (unsigned)(d[2] - '0');
	unsigned p4 = p3 * 10 + (unsigned)(d[3] - '0');
	bool ok = false;
	if (d[0] == '4')
		ok = n == 13 || n == 16 || n == 19;
	else if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720))
		ok = n == 16;
	else if (p2 == 34 || p2 == 37)
		ok = n == 15;
	else if (p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65)
		ok = n >= 16;
	else if (p4 >= 3528 && p4 <= 3589)
		ok = n >= 16;
	else if ((p3 >= 300 && p3 <= 305) || p4 == 3095 || p2 == 36 || p2 == 38 || p2 == 39)
		ok = n >= 14;
	else if (p2 == 62 || (p4 >= 2200 && p4 <= 2204))
		ok = n >= 16;
	if (!ok && (p4 == 5018 || p4 == 5020 || p4 == 5038 || p4 == 5893 || p4 == 6304 || p4 == 6759 ||
		    (p4 >= 6761 && p4 <= 6763)))
		ok = true; /* Maestro: 12-19 */
	for (size_t i = 0, run = 1; i + 1 < n; i++) {
		run = d[i + 1] == d[i] ? run + 1 : 1;
		if (run >= 6)
			return false; /* 5500 0000 0000 0004: made up */
	}
	if (!ok || !luhn(d, n))
		return false;
	for (size_t i = 0; i < sizeof TEST_CARDS / sizeof TEST_CARDS[0]; i++)
		if (strlen(TEST_CARDS[i]) == n && memcmp(TEST_CARDS[i], d, n) == 0)
			return false;
	return true;
}

/* An expiry or a date written with '/' (09/27, 12/2025) starts at j, or
 * ends right before i: what follows or precedes a card number in a form or
 * a dump ("4539..., 09/27, 123"), not another member of a list. */
static bool slash_date_at(const struct pii_ctx *x, size_t j)
{
	size_t d = digits_at(x, j);
	return d >= 1 && d <= 2 && ch(x, j + d) == '/' && dig(ch(x, j + d + 1));
}

static bool slash_date_before(const struct pii_ctx *x, size_t i)
{
	size_t k = i;
	while (k > 0 && i - k < 5 && dig(x->t[k - 1]))
		k--;
	return (i - k == 2 || i - k == 4) && ch(x, k - 1) == '/' && dig(ch(x, k - 2));
}

/* Numbers in a list or a formula: the nearest non-blank byte on either
 * side is one of , ; * + = with a digit past it ("86400000, 4031078400000",
 * "14 + 4828147466240000*t"), unless that is an expiry or date written with
 * '/' ("4539..., 09/27"). Numbers split by blanks only are not a list
 * ("4539... 12/25", two card numbers). */
static bool in_number_list(const struct pii_ctx *x, size_t s, size_t e)
{
	size_t i = s;
	while (i > 0 && s - i < 3 && x->t[i - 1] == ' ')
		i--;
	int c = ch(x, i - 1);
	if (c == ',' || c == ';' || c == '*' || c == '+' || c == '=') {
		i--;
		while (i > 0 && s - i < 6 && x->t[i - 1] == ' ')
			i--;
		if (dig(ch(x, i - 1)) && !slash_date_before(x, i))
			return true;
	}
	size_t j = e;
	while (j < x->n && j - e < 3 && x->t[j] == ' ')
		j++;
	c = ch(x, j);
	if (c == ',' || c == ';' || c == '*' || c == '+') {
		j++;
		while (j < x->n && j - e < 6 && x->t[j] == ' ')
			j++;
		if (dig(ch(x, j)) && !slash_date_at(x, j))
			return true;
	}
	return false;
}

/* A group of 1-4 hex digits, split by sep, next to [s, e): a row of a hex
 * dump or a code-point table ("527D 5282 5281 5290 5293"). */
static bool hex_neighbour(const struct pii_ctx *x, size_t s, size_t e, int sep)
{
	if (ch(x, s - 1) == sep) {
		size_t i = s - 1, k = 0;
		while (k < 5 && hexd(ch(x, i - 1))) {
			i--;
			k++;
		}
		if (k >= 1 && k <= 4 && !alnum(ch(x, i - 1)))
			return true;
	}
	if (ch(x, e) == sep) {
		size_t i = e + 1, k = 0;
		while (k < 5 && hexd(ch(x, i))) {
			i++;
			k++;
		}
		if (k >= 1 && k <= 4 && !alnum(ch(x, i)))
			return true;
	}
	return false;
}

static void rule_card_run(struct pii_ctx *x, size_t to)
{
	size_t s = to - 12, e = to;
	if (seen(x, R_CARD_RUN, to))
		return;
	while (e < x->n && dig(x->t[e]))
		e++;
	mark(x, R_CARD_RUN, s, e);
	if (e - s > 19 || !num_left_ok(x, s, 0) || !num_right_ok(x, e, 0) || in_number_list(x, s, e))
		return;
	if (card_valid((const char *)x->t + s, e - s))
		pii_emit(x, GR_PII_CREDIT_CARD, s, e, true);
}

static bool shape(const struct pii_ctx *x, size_t s, const unsigned *lens, unsigned ng, int sep)
{
	for (unsigned i = 0; i < ng; i++) {
		for (unsigned k = 0; k < lens[i]; k++, s++)
			if (!dig(ch(x, s)))
				return false;
		if (i + 1 < ng && ch(x, s++) != sep)
			return false;
	}
	return true;
}

static void rule_card_groups(struct pii_ctx *x, size_t to)
{
	static const unsigned g464[] = {4, 6, 4};
	size_t s = to - 14;
	if (to >= 16 && shape(x, to - 16, g464, 3, x->t[to - 12]))
		s = to - 16;
	if (seen(x, R_CARD_GROUPS, to))
		return;
	int sep = x->t[s + 4];
	char d[20];
	unsigned lens[6], ng = 0;
	size_t n = 0, p = s, end = s;
	for (;;) {
		size_t len = digits_at(x, p);
		if (ng == 6 || n + len > 19) {
			ng = 0; /* too long for a card */
			break;
		}
		memcpy(d + n, x->t + p, len);
		n += len;
		lens[ng++] = (unsigned)len;
		end = p + len;
		if (ch(x, end) == sep && dig(ch(x, end + 1)))
			p = end + 1;
		else
			break;
	}
	mark(x, R_CARD_GROUPS, s, end);
	bool ok = (ng == 4 && lens[0] == 4 && lens[1] == 4 && lens[2] == 4 && lens[3] == 4) ||
		  (ng == 5 && lens[0] == 4 && lens[1] == 4 && lens[2] == 4 && lens[3] == 4 && lens[4] == 3) ||
		  (ng == 3 && lens[0] == 4 && lens[1] == 6 && (lens[2] == 5 || lens[2] == 4));
	if (!ok || !num_left_ok(x, s, sep) || !num_right_ok(x, end, sep) || in_number_list(x, s, end) ||
	    hex_neighbour(x, s, end, sep))
		return;
	struct groups g = {0};
	for (unsigned i = 0, o = 0; i < ng; o += lens[i] + 1, i++)
		groups_add(&g, s + o, lens[i]);
	if (date_or_sequence(x, &g))
		return;
	if (ng == 3 && lens[2] == 5 && !(d[0] == '3' && (d[1] == '4' || d[1] == '7')))
		return; /* 4-6-5 is Amex only */
	if (card_valid(d, n))
		pii_emit(x, GR_PII_CREDIT_CARD, s, end, true);
}

/* ---- IBAN ---- */

struct pii_iban_country {
	char cc[3];
	uint8_t len;
	const char *bban; /* n digit, a letter, c letter or digit; one per position */
};

#include "scan/iban.inc"

static const struct pii_iban_country *iban_country(const unsigned char *cc)
{
	size_t lo = 0, hi = PII_NIBAN;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = memcmp(pii_iban[mid].cc, cc, 2);
		if (c == 0)
			return &pii_iban[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool iban_valid(const char *s, size_t n, const struct pii_iban_country *c)
{
	if (n != c->len)
		return false;
	for (size_t i = 4; i < n; i++) {
		int k = c->bban[i - 4], v = s[i];
		if ((k == 'n' && !dig(v)) || (k == 'a' && !upper(v)) || (k == 'c' && !dig(v) && !upper(v)))
			return false;
	}
	unsigned check = val((const unsigned char *)s + 2, 2);
	if (check < 2 || check > 98)
		return false;
	unsigned r = 0;
	for (size_t i = 0; i < n; i++) {
		int v = s[(i + 4) % n];
		if (dig(v))
			r = (r * 10 + (unsigned)(v - '0')) % 97;
		else
			r = (r * 100 + (unsigned)(v - 'A' + 10)) % 97;
	}
	return r == 1;
}

static void rule_iban(struct pii_ctx *x, size_t to)
{
	size_t s = to - 3;
	for (int k = 0; k < 3; k++) {
		if (x->t[s - 1] == ' ')
			s--;
		s -= 4;
	}
	if (seen(x, R_IBAN, to))
		return;
	const struct pii_iban_country *c = iban_country(x->t + s);
	if (!c || alnum(ch(x, s - 1)))
		return;
	char buf[40];
	size_t n = 4, p = s + 4;
	memcpy(buf, x->t + s, 4);
	if (x->t[p] == ' ') {
		while (n < c->len) {
			if (ch(x, p) != ' ')
				return;
			p++;
			for (size_t k = 0; k < 4 && n < c->len; k++, p++, n++) {
				int v = ch(x, p);
				if (!dig(v) && !upper(v))
					return;
				buf[n] = (char)v;
			}
		}
	} else {
		for (; n < c->len; n++, p++) {
			int v = ch(x, p);
			if (!dig(v) && !upper(v))
				return;
			buf[n] = (char)v;
		}
	}
	mark(x, R_IBAN, s, p);
	if (alnum(ch(x, p)))
		return;
	if (iban_valid(buf, n, c))
		pii_emit(x, GR_PII_IBAN, s, p, true);
}

/* ---- IP_ADDRESS ---- */

static bool ip4_global(uint32_t a)
{
	static const struct {
		uint32_t net;
		unsigned bits;
	} local[] = {
		{0x00000000, 8},  {0x0a000000, 8},  {0x64400000, 10}, {0x7f000000, 8},
		{0xa9fe0000, 16}, {0xac100000, 12}, {0xc0000000, 24}, {0xc0000200, 24},
		{0xc0a80000, 16}, {0xc6120000, 15}, {0xc6336400, 24}, {0xcb007100, 24},
		{0xe0000000, 4},  {0xf0000000, 4},
	};
	/* public DNS resolvers: shared infrastructure, nobody's address */
	static const uint32_t resolvers[] = {
		0x08080808, 0x08080404, 0x01010101, 0x01000001, 0x09090909, 0x95707070, 0xd043dede,
		0xd043dcdc, 0x4c4c1313, 0x4cdf7a96, 0x081a381a, 0x0814f714, 0x5e8c0e0e, 0x5e8c0f0e,
	};
	for (size_t i = 0; i < sizeof local / sizeof local[0]; i++)
		if ((a >> (32 - local[i].bits)) == (local[i].net >> (32 - local[i].bits)))
			return false;
	for (size_t i = 0; i < sizeof resolvers / sizeof resolvers[0]; i++)
		if (a == resolvers[i])
			return false;
	return true;
}

static bool ip6_global(const unsigned char b[16])
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b};
	static const unsigned char resolvers[][16] = {
		{0x20, 0x01, 0x48, 0x60, 0x48, 0x60, [14] = 0x88, [15] = 0x88},
		{0x20, 0x01, 0x48, 0x60, 0x48, 0x60, [14] = 0x88, [15] = 0x44},
		{0x26, 0x06, 0x47, 0x00, 0x47, 0x00, [14] = 0x11, [15] = 0x11},
		{0x26, 0x06, 0x47, 0x00, 0x47, 0x00, [14] = 0x10, [15] = 0x01},
		{0x26, 0x20, 0x00, 0xfe, [14] = 0x00, [15] = 0xfe},
		{0x26, 0x20, 0x00, 0xfe, [14] = 0x00, [15] = 0x09},
		{0x26, 0x20, 0x01, 0x19, 0x00, 0x35, [14] = 0x00, [15] = 0x35},
		{0x26, 0x20, 0x01, 0x19, 0x00, 0x53, [14] = 0x00, [15] = 0x53},
	};
	if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0)
		return ip4_global((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15]);
	if ((b[0] & 0xe0) != 0x20)
		return false; /* outside 2000::/3: loopback, ULA, link-local, multicast, reserved */
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
		return false; /* 2001:db8::/32 documentation */
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] < 0x02)
		return false; /* 2001::/23 IETF protocol assignments (Teredo, benchmarking, ...) */
	if (b[0] == 0x3f && b[1] == 0xff && b[2] < 0x10)
		return false; /* 3fff::/20 documentation */
	if (b[0] == 0x20 && b[1] == 0x02)
		return ip4_global((uint32_t)b[2] << 24 | (uint32_t)b[3] << 16 | (uint32_t)b[4] << 8 | b[5]);
	for (size_t i = 0; i < sizeof resolvers / sizeof resolvers[0]; i++)
		if (memcmp(b, resolvers[i], 16) == 0)
			return false;
	return true;
}

static bool dotdig(int c) { return dig(c) || c == '.'; }

/* "/prefix" after an address: its end, or e when there is none. */
static size_t cidr(const struct pii_ctx *x, size_t e, unsigned max)
{
	if (ch(x, e) != '/')
		return e;
	size_t d = digits_at(x, e + 1);
	if (d < 1 || d > 3 || (d > 1 && x->t[e + 1] == '0') || val(x->t + e + 1, d) > max)
		return e;
	int c = ch(x, e + 1 + d);
	if (wordc(c) || c == '.' || c == '/')
		return e;
	return e + 1 + d;
}

static void rule_ipv4(struct pii_ctx *x, size_t to)
{
	if (seen(x, R_IPV4, to))
		return;
	size_t lo = to - 1, hi = to;
	while (lo > 0 && dotdig(x->t[lo - 1]))
		lo--;
	while (hi < x->n && dotdig(x->t[hi]))
		hi++;
	mark(x, R_IPV4, lo, hi);
	if (x->t[hi - 1] == '.') {
		if (alnum(ch(x, hi)))
			return; /* 10.2.0.52.in-addr.arpa, 11.5.9.0.sb00039210 */
		hi--;
	}
	if (x->t[lo] == '.' || wordc(ch(x, lo - 1)) || wordc(ch(x, hi)))
		return;
	if ((ch(x, lo - 1) == '-' || ch(x, lo - 1) == '_') && alnum(ch(x, lo - 2)))
		return; /* linux-2.6.16.60 */
	uint32_t a = 0;
	unsigned parts = 0;
	bool single = true;
	for (size_t p = lo; p <= hi; p++) {
		size_t d = digits_at(x, p);
		if (p + d > hi)
			d = hi - p;
		if (d < 1 || d > 3 || (d > 1 && x->t[p] == '0') || parts == 4)
			return;
		unsigned v = val(x->t + p, d);
		if (v > 255)
			return;
		single &= d == 1;
		a = a << 8 | v;
		parts++;
		p += d;
		if (p < hi && x->t[p] != '.')
			return;
	}
	if (parts != 4)
		return;
	/* version, section and OID numbers */
	static const struct ctx_word not_ip[] = {
		{"version", 0}, {"release", 0}, {"kernel", 0}, {"linux", 0}, {"section", 0}, {"chapter", 0},
		{"identifier", 0}, {"upgrade", 0}, {"firmware", 0}, {"rfc", 0}, {"oid", 1},
	};
	if (words_in(x, back(lo, 40), fwd(x, hi, 40), not_ip, sizeof not_ip / sizeof not_ip[0]))
		return;
	static const struct ctx_word ip_words[] = {
		{"ip", 1}, {"ipv4", 1}, {"dns", 0}, {"server", 0}, {"host", 0}, {"addr", 0},
		{"gateway", 0}, {"subnet", 0}, {"netmask", 0}, {"ping", 0},
	};
	if (single && !words_in(x, back(lo, PII_CTX_WINDOW), fwd(x, hi, PII_CTX_WINDOW), ip_words,
				sizeof ip_words / sizeof ip_words[0]))
		return;
	pii_emit(x, GR_PII_IP_ADDRESS, lo, cidr(x, hi, 32), ip4_global(a));
}

static bool v6char(int c) { return hexd(c) || c == ':' || c == '.'; }

static void rule_ipv6(struct pii_ctx *x, size_t to)
{
	if (seen(x, R_IPV6, to))
		return;
	size_t lo = to - 1, hi = to;
	while (lo > 0 && v6char(x->t[lo - 1]))
		lo--;
	while (hi < x->n && v6char(x->t[hi]))
		hi++;
	mark(x, R_IPV6, lo, hi);
	if (x->t[hi - 1] == '.')
		hi--;
	if (hi - lo >= 2 && x->t[hi - 1] == ':' && x->t[hi - 2] != ':')
		hi--;
	if (hi - lo < 3 || hi - lo > 45 || wordc(ch(x, lo - 1)) || wordc(ch(x, hi)) || x->t[lo] == '.')
		return;
	char buf[46];
	unsigned colons = 0, groups = 0, first = 0;
	bool digit = false, dots = false, dbl = false;
	for (size_t i = lo; i < hi; i++) {
		int c = x->t[i];
		buf[i - lo] = (char)c;
		digit |= dig(c);
		dots |= c == '.';
		if (c == ':') {
			colons++;
			dbl |= i + 1 < hi && x->t[i + 1] == ':';
		} else if (i == lo || x->t[i - 1] == ':') {
			groups++;
		}
		if (groups == 1 && colons == 0 && c != ':')
			first++;
	}
	buf[hi - lo] = '\0';
	if (colons < 2 || !digit)
		return;
	if (groups < 3 && !dots && strcmp(buf, "::1") != 0 && !(dbl && first >= 3))
		return;
	unsigned char b[16];
	if (inet_pton(AF_INET6, buf, b) != 1)
		return;
	pii_emit(x, GR_PII_IP_ADDRESS, lo, cidr(x, hi, 128), ip6_global(b));
}

/* ---- SECRET ---- */

static bool tok_left_ok(const struct pii_ctx *x, size_t s)
{
	int c = ch(x, s - 1);
	return !(alnum(c) || c == '_' || c == '+' || c == '/');
}

static bool is_alnum_b(int c) { return alnum(c); }

/* A provider token t[s, e) whose random part starts at r. */
static void secret(struct pii_ctx *x, size_t s, size_t r, size_t e, double floor)
{
	if (e - s > PII_TOKEN_MAX || !tok_left_ok(x, s))
		return;
	if (placeholder(x->t + r, e - r) || entropy(x->t + r, e - r, is_alnum_b) < floor)
		return;
	pii_emit(x, GR_PII_SECRET, s, e, true);
}

static size_t extend(const struct pii_ctx *x, size_t e, bool (*cls)(int))
{
	size_t lim = fwd(x, e, PII_TOKEN_MAX + 1);
	while (e < lim && cls(x->t[e]))
		e++;
	return e;
}

static bool tok_word(int c) { return alnum(c) || c == '_'; }

static void rule_aws(struct pii_ctx *x, size_t to)
{
	int c = ch(x, to);
	if (alnum(c) || c == '+' || c == '/')
		return;
	secret(x, to - 20, to - 16, to, 3.0);
}

static void rule_github(struct pii_ctx *x, size_t to)
{
	if (seen(x, R_GITHUB, to))
		return;
	size_t s, r, e;
	if (to >= 51 && memcmp(x->t + to - 51, "github_pat_", 11) == 0) {
		s = to - 51;
		r = s + 11;
		e = extend(x, to, tok_word);
	} else {
		s = to - 40;
		r = s + 4;
		e = extend(x, to, alnum);
	}
	mark(x, R_GITHUB, s, e);
	secret(x, s, r, e, 3.5);
}

static void rule_gitlab(struct pii_ctx *x, size_t to)
{
	if (seen(x, R_GITLAB, to))
		return;
	size_t e = extend(x, to, b64url);
	mark(x, R_GITLAB, to - 26, e);
	secret(x, to - 26, to - 20, e, 3.0);
}

static bool slack_char(int c) { return alnum(c) || c == '-'; }

static void rule_slack(struct pii_ctx *x, size_t to)
{
	if (seen(x, R_SLACK, to))
		return;
	size_t s = to - 15, e = extend(x, to, slack_char);
	mark(x, R_SLACK, s, e);
	bool d = false, a = false;
	for (size_t i = s + 5; i < e; i++) {
		d |= dig(x->t[i]);
		a |= alpha(x->t[i]);
	}
	if (e - s - 5 >= 20 && d && a)
		secret(x, s, s + 5, e, 3.5);
}

static void rule_google(struct pii_ctx *x, size_t to)
{
	if (!b64url(ch(x, to)))
		secret(x, to - 39, to - 35, to, 3.5);
}

static void rule_stripe(struct pii_ctx *x, size_t to)
{
	if (seen(x, R_STRIPE, to))
		return;
	size_t s = to - 18, e = extend(x, to, alnum);
	mark(x, R_STRIPE, s, e);
	if (e - s - 8 >= 20)
		secret(x, s, s + 8, e, 3.5);
}

static int b64val(int c)
{
	if (upper(c))
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (dig(c))
		return c - '0' + 52;
	if (c == '-' || c == '+')
		return 62;
	if (c == '_' || c == '/')
		return 63;
	return -1;
}

/* Decodes base64url p[0..n) into out (room for n*3/4+3); its length. */
static size_t b64_decode(const unsigned char *p, size_t n, unsigned char *out)
{
	size_t o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	for (size_t i = 0; i < n; i++) {
		int v = b64val(p[i]);
		if (v < 0)
			break;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	return o;
}

static bool json_object(const unsigned char *p, size_t n)
{
	size_t a = 0, b = n;
	while (a < b && (p[a] == ' ' || p[a] == '\n' || p[a] == '\r' || p[a] == '\t'))
		a++;
	while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\n' || p[b - 1] == '\r' || p[b - 1] == '\t'))
		b--;
	return b - a >= 2 && p[a] == '{' && p[b - 1] == '}';
}

static void rule_jwt(struct pii_ctx *x, size_t to)
{
	if (seen(x, R_JWT, to))
		return;
	size_t d2 = to - 1, d1 = d2 - 1;
	while (x->t[d1] != '.')
		d1--;
	size_t s = d1;
	while (s > 0 && b64url(x->t[s - 1]))
		s--;
	size_t e = d2 + 1;
	while (e < x->n && b64url(x->t[e]))
		e++;
	mark(x, R_JWT, s, e);
	if (memcmp(x->t + s, "eyJ", 3) != 0 || ch(x, s - 1) == '.')
		return;
	if (e - d2 - 1 < 16 || (ch(x, e) == '.' && b64url(ch(x, e + 1))))
		return;
	size_t hl = d1 - s, pl = d2 - d1 - 1;
	unsigned char head[PII_JWT_MAX_HEADER], pay[PII_JWT_MAX_PAYLOAD];
	if (hl > 4 * sizeof head / 3 || pl > 4 * sizeof pay / 3)
		return;
	size_t hn = b64_decode(x->t + s, hl, head), pn = b64_decode(x->t + d1 + 1, pl, pay);
	if (!json_object(head, hn) || !has_ci(head, hn, "\"alg\"") || !json_object(pay, pn))
		return;
	if (has_ci(pay, pn, "1234567890") || has_ci(pay, pn, "example"))
		return; /* the jwt.io sample and its kin */
	if (entropy(x->t + d2 + 1, e - d2 - 1, NULL) < 3.5)
		return;
	pii_emit(x, GR_PII_SECRET, s, e, true);
}

static bool pem_tail(const struct pii_ctx *x, size_t p, size_t *end)
{
	/* at p: [ A-Z0-9]* "PRIVATE KEY" [" BLOCK"] "-----" */
	size_t lim = fwd(x, p, 48), q = p;
	while (q < lim && (x->t[q] == ' ' || upper(x->t[q]) || dig(x->t[q])))
		q++;
	static const char k1[] = "PRIVATE KEY-----", k2[] = "PRIVATE KEY BLOCK-----";
	for (size_t i = p; i < q; i++) {
		if (x->n - i >= sizeof k1 - 1 && memcmp(x->t + i, k1, sizeof k1 - 1) == 0) {
			*end = i + sizeof k1 - 1;
			return true;
		}
		if (x->n - i >= sizeof k2 - 1 && memcmp(x->t + i, k2, sizeof k2 - 1) == 0) {
			*end = i + sizeof k2 - 1;
			return true;
		}
	}
	return false;
}

/* Only long words: a random body of 1,600 base64 bytes holds a given
 * 4-letter word (any case) with a chance of about 0.15%. */
static bool pem_placeholder(const unsigned char *p, size_t n)
{
	static const char *const words[] = {"example", "placeholder", "redacted", "dummy", "sample", "xxxxxx",
					    "...", "<"};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (has_ci(p, n, words[i]))
			return true;
	return false;
}

static bool pem_body_char(int c)
{
	return b64(c) || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\\' || c == '"' || c == '\'';
}

static void rule_pem(struct pii_ctx *x, size_t to)
{
	size_t j = to - 11; /* "PRIVATE KEY" */
	while (x->t[j - 1] == ' ' || upper(x->t[j - 1]) || dig(x->t[j - 1]))
		j--;
	size_t s = j - 5, h; /* j is at "BEGIN" */
	if (seen(x, R_PEM, to) || !pem_tail(x, j + 5, &h))
		return;
	size_t lim = fwd(x, h, PII_PEM_MAX_BODY), q = h, e = 0;
	while (q + 5 <= lim && memcmp(x->t + q, "-----", 5) != 0)
		q++;
	bool text = true; /* printable ASCII and blanks only, so the span stays ASCII */
	for (size_t i = h; i < q && text; i++)
		text = (x->t[i] >= 0x20 && x->t[i] < 0x7f) || x->t[i] == '\n' || x->t[i] == '\r' ||
		       x->t[i] == '\t';
	if (text && q + 8 <= x->n && memcmp(x->t + q, "-----END", 8) == 0 && pem_tail(x, q + 8, &e)) {
		/* the body is everything up to the END line (headers such as Proc-Type included) */
	} else {
		e = h;
		for (size_t i = h; i < q && pem_body_char(x->t[i]); i++)
			if (b64(x->t[i]))
				e = i + 1;
		q = e;
	}
	mark(x, R_PEM, s, e);
	/* the base64 bytes of the body, skipping backslash escapes (\n in a string literal) */
	size_t nb = 0;
	uint32_t cnt[256] = {0};
	for (size_t i = h; i < q; i++) {
		int c = x->t[i];
		if (c == '\\') {
			i++;
			continue;
		}
		if (b64(c)) {
			cnt[c]++;
			nb++;
		}
	}
	if (nb < 64 || pem_placeholder(x->t + h, q - h))
		return;
	double sum = 0;
	for (int c = 0; c < 256; c++)
		if (cnt[c] > 1)
			sum += cnt[c] * lg2(cnt[c]);
	if (lg2((double)nb) - sum / (double)nb < 5.0)
		return;
	pii_emit(x, GR_PII_SECRET, s, e, true);
}

void pii_rule_run(struct pii_ctx *x, unsigned r, size_t to)
{
	switch (r) {
	case R_EMAIL: rule_email(x, to); break;
	case R_PHONE_INTL: rule_phone_intl(x, to); break;
	case R_PHONE_INTL00: rule_phone_intl00(x, to); break;
	case R_PHONE_PAREN: rule_phone_paren(x, to); break;
	case R_PHONE_NANP: rule_phone_nanp(x, to); break;
	case R_PHONE_TRUNK: rule_phone_trunk(x, to); break;
	case R_SSN: rule_ssn(x, to); break;
	case R_SSN_KEYWORD: rule_ssn_keyword(x, to); break;
	case R_CARD_RUN: rule_card_run(x, to); break;
	case R_CARD_GROUPS: rule_card_groups(x, to); break;
	case R_IBAN: rule_iban(x, to); break;
	case R_IPV4: rule_ipv4(x, to); break;
	case R_IPV6: rule_ipv6(x, to); break;
	case R_AWS: rule_aws(x, to); break;
	case R_PEM: rule_pem(x, to); break;
	case R_GITHUB: rule_github(x, to); break;
	case R_GITLAB: rule_gitlab(x, to); break;
	case R_SLACK: rule_slack(x, to); break;
	case R_GOOGLE: rule_google(x, to); break;
	case R_STRIPE: rule_stripe(x, to); break;
	case R_JWT: rule_jwt(x, to); break;
	default: break;
	}
}
