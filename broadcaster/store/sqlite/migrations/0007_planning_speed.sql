-- broadcaster schema, version 8 (issue 10): nothing changes on SQLite.
-- PostgreSQL drops the per-row foreign-key checks of deliveries there (planning speed with
-- many processes); the embedded store keeps them: its planner is bounded by other work.
SELECT 1;
