#!/bin/sh
# tests/storage/fs.sh [PROGRAM]: the storage suite against the local
# directory backend, in a fresh temp data dir removed afterwards. make check
# runs it from the build tree; PROGRAM defaults to tests/storage/test_storage
# there.
set -u
program=${1:-tests/storage/test_storage}
dir=$(mktemp -d "${TMPDIR:-/tmp}/chats3-storage.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
unset CHATS3_CONFIG_FILE
CHATS3_STORAGE=fs CHATS3_DATA_DIR=$dir "$program"
