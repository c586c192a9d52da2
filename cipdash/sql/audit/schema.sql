-- The audit trail: one row per thing done, never changed or removed.
-- `at` is UTC, ISO 8601 to the microsecond; `detail` is a JSON object (file, sha256,
-- counts, scope...). A load never opens this file: it is not the dashboard's database.
create table if not exists audit_log (
    id integer primary key autoincrement,
    at text not null,
    who text not null,          -- the signed-in e-mail, 'local' without sign-in, or 'cli:<user>'
    role text not null,         -- the role acted under ('' when none: a denied attempt)
    action text not null,       -- sign-in, denied, upload, load, export, audit-export
    outcome text not null,      -- ok, refused, failed, ...
    detail text not null default '{}',
    source text not null        -- dashboard or cli
);
-- Append-only: the database itself refuses to change or remove a row.
create trigger if not exists audit_log_no_update before update on audit_log
begin
    select raise(abort, 'the audit log is append-only');
end;
create trigger if not exists audit_log_no_delete before delete on audit_log
begin
    select raise(abort, 'the audit log is append-only');
end;
