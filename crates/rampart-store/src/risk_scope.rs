//! What an ingest changed that risk scores depend on: the raw material of the incremental
//! rescore after an ingest (`service::risk::after_ingest`). [`RiskScopeStore`] is a supertrait
//! of [`Store`](crate::Store); both backends implement it (`sqlite/risk_scope.rs`,
//! `postgres/risk_scope.rs`) with a few indexed queries (migration 0011), never a scan of the
//! application's observations.
//!
//! An issue's score is a function of its row (severity, status, CWEs, vulnerability ids), its
//! observations with where and when each stream last made them, its VEX decision, the catalog,
//! the feeds and the time. A scan changes those for the issues it created, the issues it made
//! a new statement about, the issues of the statements it stopped making, and the issues it
//! recorded an event on (reopened, fixed, moved). The issues it merely saw again keep their
//! inputs, except in two cases where the scope asks for a rescore of the whole application:
//! the scan declares another environment than the stream's previous scan (every sighting of
//! the stream moves), or time crossed the dormancy threshold for some issue (a scan of the
//! application, or the previous scan of a stream, lies just beyond it).

use crate::Result;
use async_trait::async_trait;
use time::{Duration, OffsetDateTime};

/// The issues whose risk inputs one scan changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RiskScope {
    /// Issues to rescore from their stored inputs: existing issues the scan made a new
    /// statement about, issues it created with more than one statement, issues of statements
    /// it ended, issues with an event of the scan. Sorted, distinct. The issues it created
    /// with one statement are not listed: the ingest stored them with their score.
    pub issues: Vec<i64>,
    /// Why every issue of the application must be rescored instead (`None`: `issues` is
    /// enough).
    pub full: Option<String>,
}

/// The incremental rescore's questions to the store.
#[async_trait]
pub trait RiskScopeStore: Send + Sync {
    /// The [`RiskScope`] of the (committed) scan `scan_id`. `dormant_after` is the risk
    /// formula's dormancy threshold (the store does not know the formula).
    async fn risk_scope(&self, scan_id: i64, dormant_after: Duration) -> Result<RiskScope>;
}

/// One earlier scan, as the scope reads it.
#[derive(Debug, Clone)]
pub(crate) struct EarlierScan {
    pub id: i64,
    pub tools: Vec<String>,
    pub environment: Option<String>,
    pub at: OffsetDateTime,
}

/// The previous scan of each stream (by tool) among `earlier` (the scans of the same target
/// and branch before this one, newest first), and why the whole application must be rescored,
/// if it must: `this_env`/`now` are the scan's environment and time, `app_times` the times of
/// the application's earlier scans.
pub(crate) fn previous_and_full(
    tools: &[String],
    this_env: Option<&str>,
    now: OffsetDateTime,
    earlier: &[EarlierScan],
    app_times: &[OffsetDateTime],
    dormant_after: Duration,
) -> (Vec<(String, i64)>, Option<String>) {
    let mut full = None;
    let mut previous = Vec::new();
    for tool in tools {
        let Some(p) = earlier.iter().find(|s| s.tools.iter().any(|t| t == tool)) else {
            previous.push((tool.clone(), 0));
            continue;
        };
        previous.push((tool.clone(), p.id));
        if full.is_none() && p.environment.as_deref() != this_env {
            full = Some(format!(
                "the {tool} stream's environment changed from {} to {}",
                p.environment.as_deref().unwrap_or("none"),
                this_env.unwrap_or("none")
            ));
        }
        if full.is_none() && now - p.at > dormant_after {
            full = Some(format!(
                "the {tool} stream's previous scan (scan {}) is older than the dormancy threshold",
                p.id
            ));
        }
    }
    if full.is_none()
        && let Some(latest) = app_times.iter().max().copied()
    {
        let slack = Duration::seconds(1);
        if latest > now {
            full = Some("an earlier scan of the application is dated later".into());
        } else if app_times
            .iter()
            .any(|t| *t >= latest - dormant_after - slack && *t <= now - dormant_after + slack)
        {
            full = Some("issues of the application crossed the dormancy threshold".into());
        }
    }
    (previous, full)
}

/// The [`RiskScopeStore`] implementation, written once for both backends: `$made` answers the
/// one question whose SQL differs (the issues of the statements the scan made that it did not
/// create, or created with several), `$tools` reads a scan's `tools` column.
macro_rules! risk_scope_impl {
    ($store:ty, $made:path, $tools:path) => {
        #[async_trait::async_trait]
        impl $crate::risk_scope::RiskScopeStore for $store {
            async fn risk_scope(
                &self,
                scan_id: i64,
                dormant_after: time::Duration,
            ) -> $crate::Result<$crate::risk_scope::RiskScope> {
                use sqlx::Row as _;
                let mut conn = self.pool.acquire().await?;
                let Some(scan) = sqlx::query(
                    "SELECT application_id, target_id, branch, environment, ingested_at, observations, new_issues
                     FROM scans WHERE id = $1",
                )
                .bind(scan_id)
                .fetch_optional(&mut *conn)
                .await?
                else {
                    return Ok($crate::risk_scope::RiskScope::default());
                };
                let (app, target, branch): (i64, i64, String) =
                    (scan.try_get(0)?, scan.try_get(1)?, scan.try_get(2)?);
                let env: Option<String> = scan.try_get(3)?;
                let now: time::OffsetDateTime = scan.try_get(4)?;
                let (observations, created): (i64, i64) = (scan.try_get(5)?, scan.try_get(6)?);
                let mut issues = std::collections::BTreeSet::new();
                // Statements the scan made: of issues it did not create, or several of one it did.
                // A scan creates at most one issue per statement it makes, and makes at most one
                // statement per observation it reports: when it created as many issues as it
                // reported observations, each statement created its own issue and there are none
                // (a first ingest, mostly; the question reads every statement of the scan).
                if observations != created {
                    let ids = $made(&mut conn, scan_id).await?;
                    issues.extend(ids);
                }
                let ids: Vec<i64> =
                    sqlx::query_scalar("SELECT DISTINCT issue_id FROM issue_events WHERE scan_id = $1")
                        .bind(scan_id)
                        .fetch_all(&mut *conn)
                        .await?;
                issues.extend(ids);
                // Statements that ended: at each stream's previous scan.
                let streams: Vec<(i64, String)> = sqlx::query_as(
                    "SELECT id, tool FROM streams WHERE target_id = $1 AND branch = $2 AND last_scan_id = $3",
                )
                .bind(target)
                .bind(&branch)
                .bind(scan_id)
                .fetch_all(&mut *conn)
                .await?;
                let earlier: Vec<$crate::risk_scope::EarlierScan> = sqlx::query(
                    "SELECT id, tools, environment, ingested_at FROM scans
                     WHERE target_id = $1 AND branch = $2 AND id < $3 ORDER BY id DESC",
                )
                .bind(target)
                .bind(&branch)
                .bind(scan_id)
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| {
                    Ok($crate::risk_scope::EarlierScan {
                        id: r.try_get(0)?,
                        tools: $tools(r)?,
                        environment: r.try_get(2)?,
                        at: r.try_get(3)?,
                    })
                })
                .collect::<$crate::Result<_>>()?;
                let app_times: Vec<time::OffsetDateTime> = sqlx::query_scalar(
                    "SELECT ingested_at FROM scans WHERE application_id = $1 AND id < $2",
                )
                .bind(app)
                .bind(scan_id)
                .fetch_all(&mut *conn)
                .await?;
                let tools: Vec<String> = streams.iter().map(|(_, t)| t.clone()).collect();
                let (previous, full) = $crate::risk_scope::previous_and_full(
                    &tools,
                    env.as_deref(),
                    now,
                    &earlier,
                    &app_times,
                    dormant_after,
                );
                for ((stream, _), (_, prev)) in streams.iter().zip(&previous) {
                    let ids: Vec<i64> = sqlx::query_scalar(
                        "SELECT DISTINCT issue_id FROM observations
                         WHERE stream_id = $1 AND last_scan_id IS NOT NULL AND last_scan_id >= $2",
                    )
                    .bind(stream)
                    .bind(prev)
                    .fetch_all(&mut *conn)
                    .await?;
                    issues.extend(ids);
                }
                Ok($crate::risk_scope::RiskScope {
                    issues: issues.into_iter().collect(),
                    full,
                })
            }
        }
    };
}
pub(crate) use risk_scope_impl;

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn scan(id: i64, tools: &[&str], env: Option<&str>, at: OffsetDateTime) -> EarlierScan {
        EarlierScan {
            id,
            tools: tools.iter().map(|t| t.to_string()).collect(),
            environment: env.map(str::to_string),
            at,
        }
    }

    #[test]
    fn previous_scans_and_when_everything_is_rescored() {
        let now = datetime!(2026-11-20 0:00 UTC);
        let d = Duration::days(90);
        let earlier = [
            scan(7, &["grype"], None, now - Duration::days(1)),
            scan(5, &["trivy", "grype"], None, now - Duration::days(2)),
        ];
        let tools = vec!["trivy".to_string(), "semgrep".to_string()];
        let times = [now - Duration::days(1), now - Duration::days(2)];
        let (prev, full) = previous_and_full(&tools, None, now, &earlier, &times, d);
        assert_eq!(prev, vec![("trivy".into(), 5), ("semgrep".into(), 0)]);
        assert_eq!(full, None);
        // Another environment moves every sighting of the stream.
        let (_, full) = previous_and_full(&tools, Some("production"), now, &earlier, &times, d);
        assert!(full.unwrap().contains("environment changed"));
        // A scan dated after this one: out of order.
        let late = [now + Duration::days(1)];
        assert!(
            previous_and_full(&tools, None, now, &earlier, &late, d)
                .1
                .is_some()
        );
        // A scan 90.5 days old when the latest earlier one was 1 day old: issues last seen
        // then turned dormant since.
        let times = [now - Duration::days(1), now - Duration::hours(90 * 24 + 12)];
        assert!(
            previous_and_full(&tools, None, now, &earlier, &times, d)
                .1
                .is_some()
        );
        // ... but not a scan that was already beyond the threshold at the previous scan.
        let times = [now - Duration::days(1), now - Duration::days(95)];
        assert_eq!(
            previous_and_full(&tools, None, now, &earlier, &times, d).1,
            None
        );
    }
}
