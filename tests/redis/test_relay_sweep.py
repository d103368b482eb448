"""The relay on the Redis state: its lookup of a stream's session, and its
sweep of expired sessions (state_session_sweep), which tells the others
and cuts the stream: test_relay's Expiry, with the session run out in
Redis instead of chats3.db (docs/state.md has the key layout)."""

import hashlib

import harness
import redis_server
import test_relay


class RedisExpiry(test_relay.Expiry):
    @classmethod
    def setUpClass(cls):
        cls.redis = redis_server.started(cls.addClassCleanup)
        cls.srv = harness.new_server(dict(test_relay.SETTINGS, CHATS3_REDIS_URL=cls.redis.url()),
                                     relay=True)

    def run_out(self, who):
        """Ends who's session at 1 ms past the epoch: its end in the
        session's hash and in the sweep's sorted set."""
        h = hashlib.sha256(who["sessionId"].encode()).hexdigest()
        self.assertEqual(self.redis.command("HSET", "chats3:s:" + h, "ex", "1"), ":0")
        self.assertEqual(self.redis.command("ZADD", "chats3:sx", "XX", "1", h), ":0")
