//! The issue list on SQLite ([`crate::Store::list_issues`]), the API's busiest read (issue 7).
//!
//! It runs through `rusqlite` on one of the store's read connections ([`Readers`]: prepared
//! statements kept across requests), or, for an in-memory store, on a pooled connection's own
//! handle ([`with_handle`]); never through sqlx, which hands every row from its worker thread
//! over a channel. The statements are built with the same scope and filter terms as sqlx's
//! ([`SqlWriter`]) and run in one read transaction (one snapshot).
//!
//! A team's risk queue ([`per_application_top`]) walks each of the teams' applications'
//! `issues_app_active_risk` entries in order and stops an application's walk at the first entry
//! that cannot enter the best `limit` seen so far, so it reads about `limit` entries plus a few
//! per application, from the index alone; only the final page's rows are read from `issues`.
//! The applications are those the scope's teams own, read from `app_profiles` in SQL; the page
//! is fetched with the scope's terms again, so rows outside the scope are never read.

use super::queries::{ACTIVE, ISSUE_COLUMNS, IssueCols, issue_from_cols};
use super::raw::{with_handle, with_handle_short};
use super::readers::Readers;
use crate::codec::severity_to_db;
use crate::scoped::{SqlWriter, per_application_top, push_team_rows};
use crate::{IssueQuery, IssueSort, Result};
use rampart_model::{Issue, IssueStatus};
use rusqlite::types::Value;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The largest limit run on the calling thread (`with_handle_short`).
const PAGE: u32 = 500;

/// A statement's text with its parameters, for `rusqlite`.
#[derive(Debug, Default)]
struct SqlBuf {
    sql: String,
    args: Vec<Value>,
}

impl SqlBuf {
    fn new(sql: &str) -> SqlBuf {
        SqlBuf {
            sql: sql.to_string(),
            args: Vec::new(),
        }
    }

    /// Runs the statement and maps each row with `f`.
    fn rows<T>(
        &self,
        db: &rusqlite::Connection,
        mut f: impl FnMut(&rusqlite::Row<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut stmt = db.prepare_cached(&self.sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(self.args.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(f(r)?);
        }
        Ok(out)
    }
}

impl SqlWriter for SqlBuf {
    fn sql(&mut self, text: &str) -> &mut Self {
        self.sql.push_str(text);
        self
    }
    fn bind_text(&mut self, value: String) -> &mut Self {
        self.args.push(Value::Text(value));
        self.sql.push('?');
        self
    }
    fn bind_int(&mut self, value: i64) -> &mut Self {
        self.args.push(Value::Integer(value));
        self.sql.push('?');
        self
    }
}

impl IssueCols for rusqlite::Row<'_> {
    fn text(&self, i: usize) -> Result<Option<String>> {
        Ok(self.get(i)?)
    }
    fn int(&self, i: usize) -> Result<Option<i64>> {
        Ok(self.get(i)?)
    }
}

/// `ORDER BY` of `sort` on table alias `t`.
fn order(sort: IssueSort, t: &str) -> String {
    match sort {
        IssueSort::Severity => format!(" ORDER BY {t}.severity DESC, {t}.id DESC"),
        IssueSort::Newest => format!(" ORDER BY {t}.first_seen DESC, {t}.id DESC"),
        IssueSort::Id => format!(" ORDER BY {t}.id"),
        IssueSort::Risk => format!(" ORDER BY {t}.risk DESC, {t}.id DESC"),
    }
}

/// The filters of `q` on `issues i` as `AND` terms; the scope and team filter only when
/// `teams` (see `push_owner_filters`).
fn push_filters(b: &mut SqlBuf, q: &IssueQuery, teams: bool) {
    if let Some(app) = &q.application {
        b.sql(" AND i.application_id = (SELECT id FROM applications WHERE name = ")
            .bind_text(app.clone())
            .sql(")");
    }
    super::context::common::push_owner_filters(b, q, teams);
    let default_active = q.statuses.is_empty()
        || (q.statuses.len() == 2
            && q.statuses.contains(&IssueStatus::Open)
            && q.statuses.contains(&IssueStatus::Reopened));
    if !q.all_statuses && default_active {
        // Literal, so the partial indexes on active issues match.
        b.sql(" AND ").sql(ACTIVE);
    } else if !q.all_statuses {
        b.sql(" AND i.status IN ")
            .bind_text_list(q.statuses.iter().map(|s| s.as_str().to_string()));
    }
    if !q.severities.is_empty() {
        b.sql(" AND i.severity IN ")
            .bind_int_list(q.severities.iter().map(|s| severity_to_db(*s)));
    }
    if !q.kinds.is_empty() {
        b.sql(" AND i.kind IN ")
            .bind_text_list(q.kinds.iter().map(|k| k.as_str().to_string()));
    }
    if let Some(tool) = &q.tool {
        b.sql(" AND EXISTS (SELECT 1 FROM observations o WHERE o.issue_id = i.id AND o.tool = ")
            .bind_text(tool.to_ascii_lowercase())
            .sql(")");
    }
}

/// The issues `q` asks for, in its order: on one of the store's readers, else on a
/// connection of `pool`.
pub(crate) async fn list_issues(
    pool: &sqlx::SqlitePool,
    readers: &Readers,
    q: &IssueQuery,
) -> Result<Vec<Issue>> {
    let run = |db: &rusqlite::Connection| {
        // One snapshot for the walk and the page.
        let tx = db.unchecked_transaction()?;
        let out = match q.limit {
            Some(limit) if per_application_top(q) => team_queue(db, q, limit)?,
            _ => whole_list(db, q)?,
        };
        tx.commit()?;
        Ok(out)
    };
    // A page (the API's at most 500 issues) is short work; a whole list is not.
    let short = matches!(q.limit, Some(limit) if limit <= PAGE);
    if readers.enabled() {
        return readers.run(short, run);
    }
    let mut conn = pool.acquire().await?;
    if short {
        with_handle_short(&mut conn, run).await
    } else {
        with_handle(&mut conn, run).await
    }
}

/// Every other list: ids by filter, order and limit, then the columns of that page only.
fn whole_list(db: &rusqlite::Connection, q: &IssueQuery) -> Result<Vec<Issue>> {
    let mut b = SqlBuf::new(&format!(
        "SELECT {ISSUE_COLUMNS} FROM issues i JOIN applications a ON a.id = i.application_id WHERE i.id IN (
         SELECT i.id FROM issues i WHERE 1 = 1"
    ));
    push_filters(&mut b, q, true);
    b.sql(&order(q.sort, "i"));
    if let Some(limit) = q.limit {
        b.sql(" LIMIT ").bind_int(i64::from(limit));
    }
    b.sql(")").sql(&order(q.sort, "i"));
    b.rows(db, |r| issue_from_cols(r))
}

/// A team's risk queue: the best `limit` of its applications' queues, merged while walking.
fn team_queue(db: &rusqlite::Connection, q: &IssueQuery, limit: u32) -> Result<Vec<Issue>> {
    let mut apps = SqlBuf::new("SELECT p.application_id FROM app_profiles p WHERE 1 = 1");
    push_team_rows(&mut apps, q);
    apps.sql(" ORDER BY p.application_id");
    let apps = apps.rows(db, |r| Ok(r.get::<_, i64>(0)?))?;

    // One application's queue, best first; `?1` is the application.
    let mut walk = SqlBuf::new("SELECT i.risk, i.id FROM issues i WHERE i.application_id = ?1");
    walk.args.push(Value::Integer(0));
    push_filters(&mut walk, q, false);
    walk.sql(&order(IssueSort::Risk, "i"))
        .sql(" LIMIT ")
        .bind_int(i64::from(limit));
    let mut stmt = db.prepare_cached(&walk.sql)?;
    // The best (risk, id) so far; the root is the worst of them.
    let mut best = BinaryHeap::<Reverse<(i64, i64)>>::with_capacity(limit as usize + 1);
    for app in apps {
        walk.args[0] = Value::Integer(app);
        let mut rows = stmt.query(rusqlite::params_from_iter(walk.args.iter()))?;
        while let Some(r) = rows.next()? {
            let key = (r.get::<_, i64>(0)?, r.get::<_, i64>(1)?);
            if best.len() == limit as usize {
                match best.peek() {
                    // Every later entry of this application ranks lower still.
                    Some(Reverse(worst)) if key <= *worst => break,
                    _ => {
                        best.pop();
                    }
                }
            }
            best.push(Reverse(key));
        }
    }
    if best.is_empty() {
        return Ok(Vec::new());
    }
    // The page, read with the scope's terms again.
    let mut page = SqlBuf::new(&format!(
        "SELECT {ISSUE_COLUMNS} FROM issues i JOIN applications a ON a.id = i.application_id WHERE i.id IN "
    ));
    page.bind_int_list(best.iter().map(|Reverse((_, id))| *id));
    super::context::common::push_owner_filters(&mut page, q, true);
    page.sql(&order(IssueSort::Risk, "i"));
    page.rows(db, |r| issue_from_cols(r))
}
