#!/bin/sh
# tests/messages/fs.sh: the message store suite against the local directory
# backend, through tests/storage/fs.sh (a fresh data dir, removed after).
exec "$(dirname "$0")/../storage/fs.sh" tests/messages/test_message_store
