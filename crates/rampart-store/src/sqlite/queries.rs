//! Read queries and the `Store` implementation for SQLite.

use super::SqliteStore;
use super::ingest::SqliteIngest;
use crate::codec::{Unpacker, kind_from_db, severity_from_db, split, status_from_db};
use crate::{
    ApplicationSummary, IngestSession, IssueDetail, IssueQuery, ObservationRecord,
    PortfolioSummary, Result, ScanMeta, Store,
};
use async_trait::async_trait;
use rampart_model::{Issue, Scan, ScanSummary, VulnId};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};
use time::OffsetDateTime;

pub(super) const ISSUE_COLUMNS: &str = "i.id, a.name, i.key, i.kind, i.title, i.severity, i.status, i.rule_id, i.location, i.vuln_ids, i.cwes, i.first_seen, i.last_seen, i.fixed_at,
    (SELECT GROUP_CONCAT(DISTINCT o.tool) FROM observations o WHERE o.issue_id = i.id) AS tools,
    (SELECT MAX(sc.ingested_at) FROM observations o JOIN streams st ON st.id = o.stream_id JOIN scans sc ON sc.id = st.last_scan_id
      WHERE o.issue_id = i.id AND o.last_scan_id IS NULL) AS live_seen, i.risk";

/// The predicate of the active-issue partial indexes, spelled exactly as in the migration.
pub(super) const ACTIVE: &str = "i.status IN ('open', 'reopened')";

/// The columns of a row of [`ISSUE_COLUMNS`] by position, whichever driver read it (sqlx, or
/// `rusqlite` in `issue_list.rs`). Times are stored as RFC 3339 text.
pub(super) trait IssueCols {
    /// A text column (NULL: `None`).
    fn text(&self, i: usize) -> Result<Option<String>>;
    /// An integer column (NULL: `None`).
    fn int(&self, i: usize) -> Result<Option<i64>>;
}

impl IssueCols for SqliteRow {
    fn text(&self, i: usize) -> Result<Option<String>> {
        Ok(self.try_get(i)?)
    }
    fn int(&self, i: usize) -> Result<Option<i64>> {
        Ok(self.try_get(i)?)
    }
}

/// A stored time: RFC 3339 (what sqlx writes and the synthetic fill spells), or with a space
/// for the `T`.
fn time_from_db(s: &str) -> Result<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    OffsetDateTime::parse(s, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(&s.replacen(' ', "T", 1), &Rfc3339))
        .map_err(|e| super::corrupt(format!("stored time `{s}`: {e}")))
}

/// An issue from the columns of [`ISSUE_COLUMNS`].
pub(super) fn issue_from_cols(r: &impl IssueCols) -> Result<Issue> {
    let text = |i: usize| -> Result<String> {
        r.text(i)?
            .ok_or_else(|| super::corrupt(format!("issue column {i} is NULL")))
    };
    let int = |i: usize| -> Result<i64> {
        r.int(i)?
            .ok_or_else(|| super::corrupt(format!("issue column {i} is NULL")))
    };
    let time = |i: usize| -> Result<Option<OffsetDateTime>> {
        r.text(i)?.as_deref().map(time_from_db).transpose()
    };
    let last_seen = time_from_db(&text(12)?)?;
    let live_seen = time(15).ok().flatten();
    let mut tools = split(r.text(14)?.as_deref().unwrap_or(""));
    tools.sort();
    Ok(Issue {
        id: int(0)?,
        application: text(1)?,
        key: text(2)?,
        kind: kind_from_db(&text(3)?)?,
        title: text(4)?,
        severity: severity_from_db(int(5)?),
        status: status_from_db(&text(6)?)?,
        rule_id: text(7)?,
        location: text(8)?,
        vuln_ids: split(&text(9)?).into_iter().map(VulnId).collect(),
        cwes: split(&text(10)?)
            .iter()
            .filter_map(|c| c.parse().ok())
            .collect(),
        tools,
        first_seen: time_from_db(&text(11)?)?,
        last_seen: live_seen.map_or(last_seen, |l| l.max(last_seen)),
        fixed_at: time(13)?,
        risk: int(16)?.clamp(0, 100) as u8,
    })
}

fn issue_from_row(r: &SqliteRow) -> Result<Issue> {
    issue_from_cols(r)
}

/// The issues with these ids, in id order.
pub(crate) async fn issue_by_ids(pool: &sqlx::SqlitePool, ids: &[i64]) -> Result<Vec<Issue>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let mut qb = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {ISSUE_COLUMNS} FROM issues i JOIN applications a ON a.id = i.application_id WHERE i.id IN ("
        ));
        let mut sep = qb.separated(", ");
        for id in chunk {
            sep.push_bind(*id);
        }
        qb.push(") ORDER BY i.id");
        for r in qb.build().fetch_all(pool).await? {
            out.push(issue_from_row(&r)?);
        }
    }
    Ok(out)
}

fn scan_from_row(r: &SqliteRow) -> Result<Scan> {
    let env: Option<String> = r.try_get(5)?;
    Ok(Scan {
        id: r.try_get(0)?,
        application: r.try_get(1)?,
        target: r.try_get(2)?,
        tool: r.try_get(3)?,
        branch: r.try_get(4)?,
        environment: env.and_then(|e| e.parse().ok()),
        commit: r.try_get(6)?,
        format: r.try_get(7)?,
        report_sha256: r.try_get(8)?,
        ingested_at: r.try_get(9)?,
        summary: ScanSummary {
            observations: r.try_get::<i64, _>(10)? as u64,
            new: r.try_get::<i64, _>(11)? as u64,
            unchanged: r.try_get::<i64, _>(12)? as u64,
            fixed: r.try_get::<i64, _>(13)? as u64,
            reopened: r.try_get::<i64, _>(14)? as u64,
        },
    })
}

/// The observations of the issue detail query (`issue_detail_impl`), with the dictionaries
/// their documents were packed against.
async fn observations_from_rows(
    pool: &sqlx::SqlitePool,
    rows: &[SqliteRow],
) -> Result<Vec<ObservationRecord>> {
    let mut unpacker = Unpacker::new();
    let data = super::documents::of_rows(pool, &mut unpacker, rows, (7, 9)).await?;
    rows.iter()
        .zip(&data)
        .map(|(r, (scan, data))| observation_from_row(r, unpacker.json(*scan, data)?))
        .collect()
}

/// An observation of the issue detail query, its document read.
fn observation_from_row(
    r: &SqliteRow,
    observation: serde_json::Value,
) -> Result<ObservationRecord> {
    let last: Option<i64> = r.try_get(8)?;
    Ok(ObservationRecord {
        id: r.try_get(0)?,
        tool: r.try_get(1)?,
        target: r.try_get(2)?,
        branch: r.try_get(3)?,
        rule_id: r.try_get(4)?,
        severity: severity_from_db(r.try_get(5)?),
        location: r.try_get(6)?,
        first_scan_id: r.try_get(7)?,
        last_scan_id: last,
        active: last.is_none(),
        observation,
    })
}

crate::detail::issue_detail_impl!(sqlx::Sqlite);

#[async_trait]
impl Store for SqliteStore {
    fn packs_observations(&self) -> bool {
        true
    }

    async fn checkpoint(&self) -> Result<()> {
        match &self.checkpointer {
            Some(c) => c.now().await,
            None => Ok(()),
        }
    }

    async fn installation_key(&self) -> Result<Vec<u8>> {
        if let Ok(k) = std::env::var("RAMPART_SECRET_KEY")
            && !k.is_empty()
        {
            return Ok(k.into_bytes());
        }
        let fresh: [u8; 32] = rand::random();
        sqlx::query("INSERT INTO settings (name, value) VALUES ('secret_key', $1) ON CONFLICT (name) DO NOTHING")
            .bind(hex::encode(fresh))
            .execute(&self.pool)
            .await?;
        let v: String = sqlx::query_scalar("SELECT value FROM settings WHERE name = 'secret_key'")
            .fetch_one(&self.pool)
            .await?;
        hex::decode(v).map_err(|e| super::corrupt(format!("secret_key setting: {e}")))
    }

    async fn begin_ingest(&self, meta: ScanMeta) -> Result<Box<dyn IngestSession>> {
        Ok(Box::new(
            SqliteIngest::begin(&self.pool, meta, self.checkpointer.clone()).await?,
        ))
    }

    async fn list_issues(&self, q: &IssueQuery) -> Result<Vec<Issue>> {
        super::issue_list::list_issues(&self.pool, &self.readers, q).await
    }

    async fn issue_detail(&self, id: i64) -> Result<Option<IssueDetail>> {
        issue_detail(&self.pool, id).await
    }

    async fn list_applications(&self) -> Result<Vec<ApplicationSummary>> {
        super::summary::list_applications(&self.pool).await
    }

    async fn list_scans(&self, application: Option<&str>, limit: u32) -> Result<Vec<Scan>> {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "SELECT s.id, a.name, t.name, s.tools, s.branch, s.environment, s.commit_sha, s.format, s.report_sha256, s.ingested_at,
                    s.observations, s.new_issues, s.unchanged, s.fixed, s.reopened
             FROM scans s JOIN applications a ON a.id = s.application_id JOIN targets t ON t.id = s.target_id WHERE 1 = 1",
        );
        if let Some(app) = application {
            qb.push(" AND a.name = ").push_bind(app.to_string());
        }
        qb.push(" ORDER BY s.id DESC LIMIT ")
            .push_bind(i64::from(limit));
        qb.build()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(scan_from_row)
            .collect()
    }

    async fn portfolio(&self) -> Result<PortfolioSummary> {
        super::summary::portfolio(&self.pool).await
    }

    async fn open_issue_tools(&self, application: &str) -> Result<Vec<Vec<String>>> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT GROUP_CONCAT(DISTINCT o.tool) FROM observations o
             JOIN issues i ON i.id = o.issue_id JOIN applications a ON a.id = i.application_id
             WHERE a.name = $1 AND i.status IN ('open', 'reopened') AND o.last_scan_id IS NULL
             GROUP BY o.issue_id",
        )
        .bind(application)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|tools| {
                let mut t = split(tools);
                t.sort();
                t
            })
            .collect())
    }

    async fn correlation_notes(
        &self,
        application: &str,
        sink: &mut (dyn FnMut(String, String) + Send),
    ) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        super::correlation::correlation_notes(&mut conn, application, None, sink).await
    }
}
