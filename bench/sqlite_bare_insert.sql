-- The floor under every-evaluation storage (bench/README.md, bench_overhead): one million rows of
-- the evaluations table, generated inside SQLite so that no binding or C++ is measured.
--   rm -f /tmp/bare.db*; time sqlite3 /tmp/bare.db < bench/sqlite_bare_insert.sql
PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
CREATE TABLE evaluations (run INTEGER, generation INTEGER, idx INTEGER, batch INTEGER, params BLOB, fitness BLOB, weighted REAL, status TEXT, error TEXT, seconds REAL, worker TEXT, metrics TEXT, outputs BLOB, seed INTEGER, PRIMARY KEY (run, generation, idx)) WITHOUT ROWID;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 999999)
INSERT INTO evaluations SELECT 1, i/10000, i%10000, -1, randomblob(80), randomblob(8), -i*0.5, 'ok', NULL, 1e-6, 'serial', NULL, NULL, i*7919 FROM n;
COMMIT;
