//! The issue detail read (issue, observations, history), written once for both backends as
//! [`issue_detail_impl`], expanded in `sqlite/queries.rs` and `postgres/queries.rs`.

/// Defines `issue_detail(pool, id)` on `$db`. The expanding module provides `ISSUE_COLUMNS`,
/// `issue_from_row` (the issue columns) and `observations_from_rows(pool, rows)` (rows of id,
/// tool, target, branch, rule, severity, location, first scan, last scan, data).
macro_rules! issue_detail_impl {
    ($db:ty) => {
        /// Issue `id` with its observations (active first) and history: `Store::issue_detail`.
        async fn issue_detail(
            pool: &sqlx::Pool<$db>,
            id: i64,
        ) -> $crate::Result<Option<$crate::IssueDetail>> {
            let row = sqlx::query(&format!(
                "SELECT {ISSUE_COLUMNS}, i.first_scan_id FROM issues i JOIN applications a ON a.id = i.application_id WHERE i.id = $1"
            ))
            .bind(id)
            .fetch_optional(pool)
            .await?;
            let Some(row) = row else { return Ok(None) };
            let issue = issue_from_row(&row)?;
            let first_scan: i64 = sqlx::Row::try_get(&row, 17)?;
            let rows = sqlx::query(
                "SELECT o.id, o.tool, t.name, st.branch, o.rule_id, o.severity, o.location, o.first_scan_id, o.last_scan_id, o.data
                 FROM observations o JOIN streams st ON st.id = o.stream_id JOIN targets t ON t.id = st.target_id
                 WHERE o.issue_id = $1 ORDER BY (o.last_scan_id IS NULL) DESC, o.id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            let observations = observations_from_rows(pool, &rows).await?;
            let first_tool = observations
                .first()
                .map(|o| o.tool.clone())
                .unwrap_or_default();
            let mut events = vec![$crate::IssueEvent {
                at: issue.first_seen,
                scan_id: Some(first_scan),
                event: "new".into(),
                detail: format!("first reported by {first_tool}"),
            }];
            for r in sqlx::query(
                "SELECT at, scan_id, event, detail FROM issue_events WHERE issue_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
            {
                events.push($crate::IssueEvent {
                    at: sqlx::Row::try_get(&r, 0)?,
                    scan_id: sqlx::Row::try_get(&r, 1)?,
                    event: sqlx::Row::try_get(&r, 2)?,
                    detail: sqlx::Row::try_get(&r, 3)?,
                });
            }
            Ok(Some($crate::IssueDetail {
                issue,
                observations,
                events,
            }))
        }

    };
}
pub(crate) use issue_detail_impl;
