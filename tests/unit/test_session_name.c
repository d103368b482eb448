/*
 * test_session_name: which display names may be shown, which of them
 * share a key (and so cannot be in one conversation together), and which
 * avatar URLs are accepted.
 */
#include "check.h"
#include "session_name.h"
#include "session_store.h"

/* A case: whether s is accepted. */
struct verdict {
	int line;
	int ok;
	const char *s;
};

/* Names as validate_text leaves them (valid, trimmed, no controls). */
static const struct verdict names[] = {
	{ __LINE__, 1, "Alice" },
	{ __LINE__, 1, "Stra\xc3\x9f" "e" },
	{ __LINE__, 1, "Jos\xc3\xa9 Mar\xc3\xad" "a" },
	{ __LINE__, 1, "\xd7\xa9\xd7\xa8\xd7\x94" },                /* Hebrew, right to left on its own */
	{ __LINE__, 1, "\xf0\x9f\x98\x80" },                         /* an emoji */
	{ __LINE__, 1, "\xe2\x9d\xa4\xef\xb8\x8f" },                 /* ❤ + VS16 */
	{ __LINE__, 1, "<script>alert(1)</script>" },                /* markup is escaped, not refused */
	{ __LINE__, 1, "Systems" },
	{ __LINE__, 1, "Admin Bob" },
	{ __LINE__, 0, "\xef\xbb\xbf" "Alice" },                     /* U+FEFF Alice */
	{ __LINE__, 0, "Ali\xe2\x80\x8b" "ce" },                     /* U+200B */
	{ __LINE__, 0, "Ali\xe2\x80\x8d" "ce" },                     /* U+200D */
	{ __LINE__, 0, "\xe2\x80\x8f" "Alice" },                     /* U+200F RLM */
	{ __LINE__, 0, "Alice\xe2\x80\xae" "gpj.exe" },              /* U+202E RLO */
	{ __LINE__, 0, "\xe2\x80\xaa" "Alice" },                     /* U+202A LRE */
	{ __LINE__, 0, "\xe2\x81\xa6" "Alice" "\xe2\x81\xa9" },      /* U+2066 .. U+2069 */
	{ __LINE__, 0, "Al\xe2\x81\xa0" "ice" },                     /* U+2060 word joiner */
	{ __LINE__, 0, "Al\xe2\x81\xa4" "ice" },                     /* U+2064 */
	{ __LINE__, 0, "Al\xc2\xad" "ice" },                         /* soft hyphen */
	{ __LINE__, 0, "Al\xe2\x80\xa8" "ice" },                     /* U+2028 line separator */
	{ __LINE__, 0, "Alice\xf3\xa0\x80\x81" },                    /* U+E0001 language tag */
	{ __LINE__, 0, "System" },
	{ __LINE__, 0, "system" },
	{ __LINE__, 0, "SYSTEM" },
	{ __LINE__, 0, "Admin" },
	{ __LINE__, 0, "admin" },
	{ __LINE__, 0, "aDmIn" },
	{ __LINE__, 0, "Sys\xef\xb8\x8ftem" },                       /* VS16 inside */
	{ __LINE__, 0, "System\xc2\xa0" },                           /* no-break space after */
	{ __LINE__, 0, "\xe3\x85\xa4" },                             /* U+3164 Hangul filler alone */
	{ __LINE__, 0, "\xe3\x80\x80" },                             /* U+3000 ideographic space */
	{ __LINE__, 0, "\xcd\x8f" },                                 /* U+034F alone */
};

static void test_names(void)
{
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		CHECK_AT(names[i].line, (session_name_problem(names[i].s) == NULL) == names[i].ok);
}

/* Pairs of names: the same key, or not. */
static const struct {
	int line;
	int same;
	const char *a, *b;
} keys[] = {
	{ __LINE__, 1, "ALICE", "alice" },
	{ __LINE__, 1, "Alice", "aLiCe" },
	{ __LINE__, 1, "Stra\xc3\x9f" "e", "STRASSE" },
	{ __LINE__, 1, "Stra\xc3\x9f" "e", "strasse" },
	{ __LINE__, 1, "\xc3\x89lodie", "\xc3\xa9LODIE" },
	{ __LINE__, 1, "\xce\x9f\xce\xb4\xcf\x85\xcf\x83\xcf\x83\xce\xad\xce\xb1\xcf\x82",
	  "\xce\x9f\xce\x94\xce\xa5\xce\xa3\xce\xa3\xce\x88\xce\x91\xce\xa3" }, /* Οδυσσέας ΟΔΥΣΣΈΑΣ */
	{ __LINE__, 1, "DIYARBAKIR", "diyarbakir" },                 /* I -> i, no Turkic rule */
	{ __LINE__, 0, "\xc4\xb1", "i" },                            /* dotless i is another letter */
	{ __LINE__, 0, "\xc4\xb1", "I" },
	{ __LINE__, 0, "\xc4\xb0", "i" },                            /* U+0130 -> i U+0307 */
	{ __LINE__, 1, "\xc4\xb0", "i\xcc\x87" },
	{ __LINE__, 1, "Alice\xef\xb8\x8f", "Alice" },               /* VS16 dropped */
	{ __LINE__, 1, "Al\xe3\x85\xa4ice", "alice" },               /* Hangul filler dropped */
	{ __LINE__, 1, "Alice\xc2\xa0", "Alice" },                   /* trailing no-break space */
	{ __LINE__, 1, "Alice  Smith", "alice smith" },
	{ __LINE__, 1, "Alice\xe3\x80\x80Smith", "alice smith" },    /* ideographic space */
	{ __LINE__, 0, "Alice Smith", "AliceSmith" },
	{ __LINE__, 0, "Alice", "Alic\xc3\xa9" },
	{ __LINE__, 0, "Alice", "\xd0\x90lice" },                    /* Cyrillic A: confusables out of scope */
	{ __LINE__, 1, "\xef\xac\x83", "FFI" },                      /* U+FB03 ligature */
};

static void test_keys(void)
{
	char ka[SESSION_NAME_KEY_MAX + 1], kb[SESSION_NAME_KEY_MAX + 1];

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		int ok = session_name_key(keys[i].a, ka, sizeof ka) == 0 &&
		    session_name_key(keys[i].b, kb, sizeof kb) == 0;

		CHECK_AT(keys[i].line, ok && (strcmp(ka, kb) == 0) == keys[i].same);
	}
	CHECK(session_name_key("\xef\xbb\xbf" "Alice", ka, sizeof ka) == 0 && strcmp(ka, "alice") == 0);
	CHECK(session_name_key("Al\xff", ka, sizeof ka) == -1);
	CHECK(session_name_key("Alice", ka, 5) == -1);
}

static const struct verdict avatars[] = {
	{ __LINE__, 1, "https://example.com/a.png" },
	{ __LINE__, 1, "HTTPS://example.com/a.png" },
	{ __LINE__, 1, "https://example.com" },
	{ __LINE__, 1, "https://cdn.example.com:8443/u/a%20b.png?s=64#x" },
	{ __LINE__, 0, "http://example.com/a.png" },
	{ __LINE__, 0, "javascript:alert(1)" },
	{ __LINE__, 0, "data:image/png;base64,AAAA" },
	{ __LINE__, 0, "//example.com/a.png" },
	{ __LINE__, 0, "/a.png" },
	{ __LINE__, 0, "https://" },
	{ __LINE__, 0, "https:///a.png" },
	{ __LINE__, 0, "https:example.com/a.png" },
	{ __LINE__, 0, "https://example.com/a.png\" onerror=\"alert(1)" },
	{ __LINE__, 0, "https://example.com/a'.png" },
	{ __LINE__, 0, "https://example.com/<a>.png" },
	{ __LINE__, 0, "https://example.com/`a`.png" },
	{ __LINE__, 0, "https:\\\\example.com/a.png" },
	{ __LINE__, 0, "https://example.com/a b.png" },
	{ __LINE__, 0, "https://example.com/a\t.png" },
	{ __LINE__, 0, "https://example.com/a\x7f.png" },
	{ __LINE__, 0, "https://ex\xc3\xa4mple.com/a.png" },
};

static void test_avatars(void)
{
	char url[64];

	for (size_t i = 0; i < sizeof avatars / sizeof avatars[0]; i++)
		CHECK_AT(avatars[i].line, (session_avatar_problem(avatars[i].s, 2048) == NULL) ==
		    avatars[i].ok);
	memset(url, 'a', sizeof url - 1);
	memcpy(url, "https://", 8);
	url[sizeof url - 1] = '\0';
	CHECK(session_avatar_problem(url, sizeof url - 1) == NULL);
	CHECK(session_avatar_problem(url, sizeof url - 2) != NULL);
}

int main(void)
{
	test_names();
	test_keys();
	test_avatars();
	return check_done("test_session_name");
}
