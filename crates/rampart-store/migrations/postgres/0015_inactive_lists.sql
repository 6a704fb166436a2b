-- Rampart schema v15 (PostgreSQL): lists of the inactive statuses (fixed, false_positive,
-- risk_accepted, not_affected, mitigated) by risk and by severity, and nothing for them in a
-- new issue's insert.
--
-- `issues_status_severity` indexed every issue, so every issue an ingest created (always open
-- or reopened) paid an entry in it, and it could not serve the lists sorted by risk ("top 50
-- fixed", 4 s at 10,000,000 issues: every fixed issue read and sorted). The two partial
-- indexes below leave the active issues out (the active lists have their own partial indexes,
-- migrations 0001 and 0004): an ingest writes no entry in them for a new issue, and one only
-- when it fixes one. The queries spell the status as a literal (`status IN ('fixed')`), which
-- the planner proves implies the predicate.
--
-- On a large store this migration builds two indexes over the inactive issues (about a minute
-- per 10,000,000 issues on a small server); it runs once, under the migration lock.
CREATE INDEX issues_inactive_risk ON issues (status, risk DESC, id DESC)
    WHERE status NOT IN ('open', 'reopened');
CREATE INDEX issues_inactive_severity ON issues (status, severity DESC, id DESC)
    WHERE status NOT IN ('open', 'reopened');
DROP INDEX issues_status_severity;
