"""Display names and avatars safe to show, through the join route (issue 17):
format and bidi characters and the reserved names are refused with a 400
naming the field, names are unique under full Unicode case folding, and an
avatarUrl is an absolute https URL."""

from test_session import WithAdminServer, detail_fields, failure, join, new_conversation
from harness import envelope


class DisplayNames(WithAdminServer):
    def setUp(self):
        self.conv = new_conversation(self.srv)

    def joined(self, name, **extra):
        r = join(self.srv, self.conv, name, **extra)
        self.assertEqual(r.status, 201, r.body)
        return envelope(r)["data"]["session"]

    def refused(self, field, name="Alice", **extra):
        doc = failure(self, join(self.srv, self.conv, name, **extra), 400)
        self.assertEqual(detail_fields(doc), [field], doc)
        self.assertIsInstance(doc["details"][0]["message"], str)
        return doc

    def participants(self, session):
        r = self.srv.request("GET", "/api/v1/participants",
                             headers={"x-session-id": session["sessionId"]})
        self.assertEqual(r.status, 200, r.body)
        return envelope(r)["data"]["participants"]

    def test_a_name_with_an_invisible_character_cannot_pose_as_another(self):
        alice = self.joined("Alice")
        for name in ("\ufeffAlice", "Ali\u200bce", "Ali\u200dce", "\u200fAlice", "Alice\u202e",
                     "\u202aAlice", "\u2066Alice\u2069", "Al\u2060ice", "Al\u2064ice",
                     "Al\u00adice", "Al\u2028ice"):
            self.refused("displayName", name)
        self.assertEqual([p["displayName"] for p in self.participants(alice)], ["Alice"])

    def test_system_and_admin_are_reserved_in_any_case(self):
        for name in ("System", "system", "SYSTEM", " Admin ", "aDmIn", "Sys\ufe0ftem"):
            doc = self.refused("displayName", name)
            self.assertEqual(doc["details"][0]["message"], "is reserved")
        self.joined("Systems")
        self.joined("Admin Bob")

    def test_a_blank_looking_name_is_refused(self):
        for name in ("\u3164", "\u3000", "\u034f"):
            self.refused("displayName", name)

    def test_names_differing_only_in_case_are_one_name(self):
        for first, second in (("alice", "ALICE"), ("Stra\u00dfe", "STRASSE"),
                              ("\u00c9lodie", "\u00e9LODIE"), ("DIYARBAKIR", "diyarbakir"),
                              ("Bob", "Bob\ufe0f"), ("Carol", "Carol\u00a0")):
            self.joined(first)
            failure(self, join(self.srv, self.conv, second), 409)

    def test_dotless_i_is_another_letter(self):
        self.joined("T\u0131m")      # Tım
        self.joined("TIM")
        self.joined("T\u0130M")      # TİM folds to "ti\u0307m"
        failure(self, join(self.srv, self.conv, "ti\u0307m"), 409)

    def test_an_https_avatar_is_kept(self):
        url = "https://cdn.example.com/u/a%20b.png?s=64"
        s = self.joined("Dana", avatarUrl=url)
        self.assertEqual(s["avatarUrl"], url)
        self.assertEqual(self.participants(s)[0]["avatarUrl"], url)

    def test_an_unsafe_avatar_is_400(self):
        for url in ("http://example.com/a.png", "javascript:alert(1)", "data:image/png;base64,AA",
                    "//example.com/a.png", "/a.png", "https://", "https:///a.png",
                    'https://example.com/a.png" onerror="alert(1)', "https://example.com/a'.png",
                    "https://example.com/<a>.png", "https://example.com/a b.png",
                    "https://example.com/a\t.png", "https://example.com/a\u0085.png",
                    "https:\\\\example.com/a.png", "https://ex\u00e4mple.com/",
                    "https://example.com/" + "a" * 2029, ""):
            self.refused("avatarUrl", avatarUrl=url)
        self.joined("Alice", avatarUrl="https://example.com/" + "a" * 2028)
