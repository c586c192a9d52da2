-- PostgreSQL: one process at a time migrates (released when the transaction ends).
SELECT pg_advisory_xact_lock(:key)
