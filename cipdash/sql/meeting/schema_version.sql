-- Which migrations a meeting record has had (cipdash/sql/meeting/migrations/NNNN_*.sql).
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
)
