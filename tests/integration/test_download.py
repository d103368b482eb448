"""What the response writer sends besides JSON, through the real web
server: downloads whole and by Range (from memory and streamed), the
conditional GETs a browser makes (If-None-Match, If-Range), HEAD, pages
with their Content-Security-Policy, and redirects. Served by the fixture
tests/fixtures/download.c under /_test/download."""

import unittest

import harness
from harness import envelope, DOWNLOAD_ROUTE

LENGTH = 100000
CONTENTS = b"".join(b"%07d\n" % i for i in range(LENGTH // 8))
ETAG = '"fixture-v1"'
DATE = "Sun, 06 Nov 1994 08:49:37 GMT"
DISPOSITION = ("attachment; filename=\"r_sum_ _draft_ 100_.txt\"; "
               "filename*=UTF-8''r%C3%A9sum%C3%A9%20%22draft%22%20100%25.txt")
FILES = (DOWNLOAD_ROUTE + "/file", DOWNLOAD_ROUTE + "/stream")


def apache_cgi():
    return harness.CONFIG["server"] == "apache" and harness.CONFIG["mode"] == "cgi"


class Downloads(unittest.TestCase):
    def setUp(self):
        self.srv = harness.shared()

    def get(self, path, method="GET", **headers):
        return self.srv.request(method, path, headers=headers)

    def assertLength(self, r, n, msg=None, head=False):
        """The Content-Length the programs send; Apache's CGI module alone
        drops it and frames the body itself (chunked, for every program)."""
        if apache_cgi() and r.getheader("Content-Length") is None:
            if not head:
                self.assertEqual(r.getheader("Transfer-Encoding"), "chunked", msg)
            return
        self.assertEqual(r.getheader("Content-Length"), str(n), msg)

    def test_the_whole_file_with_its_headers(self):
        for path in FILES:
            r = self.get(path)
            self.assertEqual(r.status, 200, path)
            self.assertEqual(r.body, CONTENTS, path)
            self.assertLength(r, LENGTH, path)
            self.assertEqual(r.getheader("Content-Type"), "text/plain; charset=utf-8")
            self.assertEqual(r.getheader("ETag"), ETAG)
            self.assertEqual(r.getheader("Last-Modified"), DATE)
            self.assertEqual(r.getheader("Accept-Ranges"), "bytes")
            self.assertEqual(r.getheader("Content-Disposition"), DISPOSITION)
            self.assertEqual(r.getheader("Cache-Control"), "private, no-cache")
            self.assertEqual(r.getheader("Content-Security-Policy"), "default-src 'none'; sandbox")
            self.assertTrue(r.getheader("X-Request-Id"))
            self.assertIsNone(r.getheader("Content-Range"))

    def test_one_range_of_each_form_is_206(self):
        cases = [("bytes=0-7", 0, 7), ("bytes=99992-", 99992, LENGTH - 1),
                 ("bytes=-16", LENGTH - 16, LENGTH - 1), ("bytes=50000-60000", 50000, 60000),
                 ("bytes=99999-200000", 99999, LENGTH - 1), ("bytes=-200000", 0, LENGTH - 1)]
        for path in FILES:
            for spec, first, last in cases:
                r = self.get(path, Range=spec)
                self.assertEqual(r.status, 206, (path, spec))
                self.assertEqual(r.getheader("Content-Range"),
                                 "bytes %d-%d/%d" % (first, last, LENGTH), (path, spec))
                self.assertLength(r, last - first + 1, (path, spec))
                self.assertEqual(r.body, CONTENTS[first:last + 1], (path, spec))
                self.assertEqual(r.getheader("ETag"), ETAG)

    def test_a_range_past_the_end_or_malformed_is_416(self):
        for path in FILES:
            for spec in ("bytes=100000-", "bytes=200000-300000", "bytes=-0", "bytes=5-2",
                         "bytes=abc", "bytes=100000-,200000-"):
                r = self.get(path, Range=spec)
                self.assertEqual(r.status, 416, (path, spec))
                self.assertEqual(r.getheader("Content-Range"), "bytes */%d" % LENGTH)
                self.assertIs(envelope(r)["success"], False)

    def test_another_unit_gets_the_whole_file(self):
        for path in FILES:
            r = self.get(path, Range="lines=1-2")
            self.assertEqual((r.status, r.body), (200, CONTENTS), path)

    def test_several_ranges_get_the_file_or_the_ranges_cut_from_it(self):
        # The programs send the whole file; a web server that keeps a whole
        # answer in memory (lighttpd does) may cut the ranges out of it.
        for path in FILES:
            r = self.get(path, Range="bytes=0-7,16-23")
            self.assertIn(r.status, (200, 206), path)
            if r.status == 200:
                self.assertEqual(r.body, CONTENTS, path)
            else:
                self.assertIn(CONTENTS[0:8], r.body)
                self.assertIn(CONTENTS[16:24], r.body)

    def test_if_none_match_with_the_etag_is_304(self):
        for path in FILES:
            for inm in (ETAG, 'W/"fixture-v1"', '"old", ' + ETAG, "*"):
                r = self.get(path, **{"If-None-Match": inm})
                self.assertEqual(r.status, 304, (path, inm))
                self.assertEqual(r.body, b"")
                self.assertEqual(r.getheader("ETag"), ETAG)
            r = self.get(path, **{"If-None-Match": '"old"'})
            self.assertEqual(r.status, 200)
            self.assertEqual(r.body, CONTENTS)

    def test_if_range_resumes_only_the_same_file(self):
        for path in FILES:
            r = self.get(path, Range="bytes=8-15", **{"If-Range": ETAG})
            self.assertEqual((r.status, r.body), (206, CONTENTS[8:16]), path)
            r = self.get(path, Range="bytes=8-15", **{"If-Range": DATE})
            self.assertEqual((r.status, r.body), (206, CONTENTS[8:16]), path)
            r = self.get(path, Range="bytes=8-15", **{"If-Range": '"fixture-v0"'})
            self.assertEqual((r.status, r.body), (200, CONTENTS), path)

    def test_head_gets_the_headers_of_the_whole_file(self):
        for path in FILES:
            for headers in ({}, {"Range": "bytes=0-7"}):
                r = self.get(path, "HEAD", **headers)
                self.assertEqual(r.status, 200, (path, headers))
                self.assertEqual(r.body, b"")
                self.assertLength(r, LENGTH, (path, headers), head=True)
                self.assertEqual(r.getheader("ETag"), ETAG)


class Pages(unittest.TestCase):
    def setUp(self):
        self.srv = harness.shared()

    def test_a_page_is_never_stored_and_never_framed(self):
        r = self.srv.request("GET", DOWNLOAD_ROUTE + "/page")
        self.assertEqual(r.status, 200)
        self.assertIn(b"<p>a page</p>", r.body)
        self.assertEqual(r.getheader("Content-Type"), "text/html; charset=utf-8")
        self.assertEqual(r.getheader("Cache-Control"), "no-store")
        self.assertEqual(r.getheader("Content-Security-Policy"),
                         "default-src 'self'; frame-ancestors 'none'")
        self.assertEqual(r.getheader("X-Frame-Options"), "DENY")
        self.assertTrue(r.getheader("X-Request-Id"))

    def test_an_embed_page_names_who_may_frame_it(self):
        r = self.srv.request("GET", DOWNLOAD_ROUTE + "/embed")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("Content-Security-Policy"),
                         "default-src 'self'; script-src 'self'; connect-src 'self'; "
                         "frame-ancestors https://shop.example")
        self.assertIsNone(r.getheader("X-Frame-Options"))
        self.assertEqual(r.getheader("Cache-Control"), "no-store")

    def test_a_redirect_goes_to_the_escaped_path(self):
        r = self.srv.request("GET", DOWNLOAD_ROUTE + "/redirect")
        self.assertEqual(r.status, 303)
        self.assertEqual(r.getheader("Location"), "/_test/download/page?from=a%26b%20c")
        self.assertEqual(r.getheader("Cache-Control"), "no-store")


if __name__ == "__main__":
    unittest.main()
