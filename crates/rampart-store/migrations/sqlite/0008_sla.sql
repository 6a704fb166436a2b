-- Rampart schema v8 (SQLite): remediation SLAs (issue 6).

-- Each active issue's SLA due date as Unix seconds (engine::sla, stored by the service when it
-- computes SLAs), NULL when no SLA applies or the clock is paused. Overdue issues, earliest
-- first, are an index scan: the query spells the predicate with literals so the index matches.
ALTER TABLE issues ADD COLUMN sla_due INTEGER;
CREATE INDEX issues_active_sla_due ON issues (sla_due, id)
    WHERE status IN ('open', 'reopened') AND sla_due IS NOT NULL;
