-- The meeting record's first schema. The same file runs on SQLite and PostgreSQL:
-- @ID@ is the one word the two engines spell differently (an auto-numbered key).
-- Times are ISO-8601 UTC text written by cipdash (the same on both engines, and sortable);
-- months are YYYY-MM text; due dates YYYY-MM-DD text.

-- Commentary: one row per note, holding its current text. An edit moves the text it
-- replaces into note_history first (same transaction): nothing is ever overwritten.
CREATE TABLE notes (
    id @ID@,
    measure_id TEXT,
    rec_id TEXT,
    month TEXT NOT NULL,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    written_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    revision INTEGER NOT NULL,
    CHECK ((measure_id IS NULL) <> (rec_id IS NULL))
);
CREATE INDEX notes_by_month ON notes (month, measure_id, rec_id);

CREATE TABLE note_history (
    id @ID@,
    note_id BIGINT NOT NULL REFERENCES notes (id),
    revision INTEGER NOT NULL,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    written_at TEXT NOT NULL,
    replaced_at TEXT NOT NULL,
    replaced_by TEXT NOT NULL,
    UNIQUE (note_id, revision)
);

-- Actions raised in the meeting, and their update trail (the first entry is the raising).
CREATE TABLE actions (
    id @ID@,
    measure_id TEXT,
    rec_id TEXT,
    text TEXT NOT NULL,
    owner TEXT NOT NULL,
    due TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'done', 'dropped')),
    author TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    revision INTEGER NOT NULL,
    CHECK ((measure_id IS NULL) <> (rec_id IS NULL))
);
CREATE INDEX actions_by_status ON actions (status, due);

CREATE TABLE action_updates (
    id @ID@,
    action_id BIGINT NOT NULL REFERENCES actions (id),
    author TEXT NOT NULL,
    written_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'done', 'dropped')),
    text TEXT NOT NULL
);
CREATE INDEX action_updates_by_action ON action_updates (action_id);

-- Rating updates agreed in the meeting; applied_at is set when the row went into ratings.csv.
CREATE TABLE rating_proposals (
    id @ID@,
    rec_id TEXT NOT NULL,
    as_at TEXT NOT NULL,
    implementation TEXT NOT NULL CHECK (implementation IN ('R', 'A', 'G')),
    impact TEXT CHECK (impact IN ('R', 'A', 'G')),
    evidence TEXT NOT NULL,
    further_actions TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL,
    applied_at TEXT,
    applied_by TEXT
);

-- Append-only: what changed the plan's files from the dashboard, by whom, when.
CREATE TABLE audit_log (
    id @ID@,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    details TEXT NOT NULL
)
