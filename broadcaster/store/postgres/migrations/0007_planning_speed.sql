-- broadcaster schema, version 8 (issue 10): planning speed on PostgreSQL
--
-- Deliveries are inserted only by the planner, from a page of groups it has just read, for
-- the dispatch row it holds locked (FOR UPDATE); no row of groups or dispatches is ever
-- deleted. The two foreign-key checks therefore never refused anything, yet their triggers ran
-- once per delivery and were half of every planning statement (BENCHMARKS.md), and planning is
-- what bounds a large dispatch. (dispatch_id, group_id) stays unique.
ALTER TABLE deliveries DROP CONSTRAINT IF EXISTS deliveries_dispatch_id_fkey;
ALTER TABLE deliveries DROP CONSTRAINT IF EXISTS deliveries_group_id_fkey;
