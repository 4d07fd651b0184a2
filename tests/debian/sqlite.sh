#!/bin/bash
# sqlite3 on the hostfs root: 1,000 inserts in 10 transactions, then read back.
set -e
db=$1
rm -f "$db" "$db-journal"
{
  echo 'PRAGMA journal_mode=DELETE;'
  echo 'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, val REAL);'
  for tx in $(seq 0 9); do
    echo 'BEGIN;'
    for i in $(seq 1 100); do n=$((tx * 100 + i)); echo "INSERT INTO t (name, val) VALUES ('n$n', $n * 1.5);"; done
    echo 'COMMIT;'
  done
} | sqlite3 "$db"
sqlite3 "$db" 'SELECT count(*), sum(val), min(name), max(id) FROM t; SELECT * FROM t WHERE id % 250 = 0; PRAGMA integrity_check;'
sqlite3 "$db" "UPDATE t SET val = -val WHERE id <= 10; DELETE FROM t WHERE id > 990; SELECT count(*), sum(val) FROM t;"
rm -f "$db"
