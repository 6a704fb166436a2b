//! The issue table every page shares (overview's top risks, the issue list, an application's
//! issues, a vulnerability's issues): its filter form, its query parameters, its pages. htmx
//! swaps the table alone (`#issue-table`) when a filter changes or a page turns.

use super::session::Chrome;
use super::views::{IssueRow, SEVERITIES, enc, parse_severity};
use crate::auth::Caller;
use askama::Template;
use rampart_model::{FindingKind, IssueStatus, TeamScope};
use rampart_store::{IssueFilter, IssueSort, Store};
use serde::Deserialize;

/// Issues per page.
pub const PAGE: u32 = 50;

/// The query parameters of an issue list.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct IssueParams {
    /// Text in the title, location or rule.
    #[serde(default)]
    pub q: String,
    /// A severity.
    #[serde(default)]
    pub severity: String,
    /// A status, `all`, or empty (open and reopened).
    #[serde(default)]
    pub status: String,
    /// A kind.
    #[serde(default)]
    pub kind: String,
    /// An application.
    #[serde(default)]
    pub app: String,
    /// `risk` (default), `severity`, `newest`.
    #[serde(default)]
    pub sort: String,
    /// Page number from 0.
    #[serde(default)]
    pub page: u32,
}

impl IssueParams {
    /// The store filter these parameters ask for (one issue more than a page, to know whether
    /// there is a next one).
    pub fn filter(&self) -> IssueFilter {
        IssueFilter {
            application: (!self.app.is_empty()).then(|| self.app.clone()),
            severities: parse_severity(&self.severity).into_iter().collect(),
            status: self.status.parse::<IssueStatus>().ok(),
            all_statuses: self.status == "all",
            kind: FindingKind::parse(&self.kind),
            text: (!self.q.trim().is_empty()).then(|| self.q.trim().to_string()),
            sort: match self.sort.as_str() {
                "severity" => IssueSort::Severity,
                "newest" => IssueSort::Newest,
                _ => IssueSort::Risk,
            },
            limit: PAGE + 1,
            offset: self.page.saturating_mul(PAGE),
        }
    }

    /// The URL of page `page` of `base` with these filters.
    pub fn url(&self, base: &str, page: u32) -> String {
        let mut q: Vec<String> = [
            ("q", self.q.trim()),
            ("severity", &self.severity),
            ("status", &self.status),
            ("kind", &self.kind),
            ("app", &self.app),
            ("sort", &self.sort),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect();
        if page > 0 {
            q.push(format!("page={page}"));
        }
        if q.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", q.join("&"))
        }
    }
}

/// A page of issues as the table shows it.
#[derive(Debug, Clone)]
pub struct IssueTable {
    /// Rows.
    pub rows: Vec<IssueRow>,
    /// Whether the application column is shown.
    pub show_app: bool,
    /// Fewer columns (status, location and first seen left out; the location goes under the
    /// title), for narrow panels.
    pub compact: bool,
    /// `Issues 1–50`.
    pub page_note: String,
    /// Previous page.
    pub prev_url: Option<String>,
    /// Next page.
    pub next_url: Option<String>,
}

impl IssueTable {
    /// Reads the page `params` ask for, of the issues `scope` may see (of `application` when
    /// given), linking pages to `base`.
    pub async fn read(
        store: &dyn Store,
        scope: &TeamScope,
        params: &IssueParams,
        application: Option<&str>,
        base: &str,
        show_app: bool,
    ) -> Result<IssueTable, rampart_store::StoreError> {
        let mut filter = params.filter();
        if let Some(a) = application {
            filter.application = Some(a.to_string());
        }
        let issues = store.dashboard_issues(scope, &filter).await?;
        let more = issues.len() > PAGE as usize;
        let rows: Vec<IssueRow> = issues
            .iter()
            .take(PAGE as usize)
            .map(IssueRow::of)
            .collect();
        let first = params.page * PAGE;
        Ok(IssueTable {
            page_note: if rows.is_empty() {
                String::new()
            } else {
                format!("Issues {}–{}", first + 1, first + rows.len() as u32)
            },
            prev_url: (params.page > 0).then(|| params.url(base, params.page - 1)),
            next_url: more.then(|| params.url(base, params.page + 1)),
            rows,
            show_app,
            compact: false,
        })
    }

    /// A fixed list (no paging).
    pub fn of(issues: &[rampart_model::Issue], show_app: bool) -> IssueTable {
        IssueTable {
            rows: issues.iter().map(IssueRow::of).collect(),
            show_app,
            compact: false,
            page_note: String::new(),
            prev_url: None,
            next_url: None,
        }
    }
}

/// The table alone, for htmx.
#[derive(Template)]
#[template(path = "_issue_rows.html")]
pub struct IssueRowsPartial {
    /// The table.
    pub table: IssueTable,
}

/// The filter form.
#[derive(Debug, Clone)]
pub struct FilterForm {
    /// Where it submits.
    pub form_action: String,
    /// Current text.
    pub text: String,
    /// Current severity.
    pub severity: String,
    /// Current status.
    pub status: String,
    /// Current kind.
    pub kind: String,
    /// Current application.
    pub app: String,
    /// Current order.
    pub sort: String,
    /// Whether the application filter is shown.
    pub show_app: bool,
    /// Applications to choose from.
    pub app_names: Vec<String>,
    /// Severities.
    pub severities: Vec<&'static str>,
    /// (value, label) of statuses.
    pub statuses: Vec<(&'static str, String)>,
    /// Kinds.
    pub kinds: Vec<&'static str>,
    /// (value, label) of orders.
    pub sorts: Vec<(&'static str, &'static str)>,
}

impl FilterForm {
    /// The form for `params`, submitting to `action`.
    pub fn new(params: &IssueParams, action: &str, app_names: Option<Vec<String>>) -> FilterForm {
        let mut statuses = vec![
            ("", "open & reopened".to_string()),
            ("all", "any status".into()),
        ];
        statuses.extend(
            IssueStatus::ALL
                .iter()
                .map(|s| (s.as_str(), super::views::status_label(*s))),
        );
        FilterForm {
            form_action: action.to_string(),
            text: params.q.clone(),
            severity: params.severity.clone(),
            status: params.status.clone(),
            kind: params.kind.clone(),
            app: params.app.clone(),
            sort: if params.sort.is_empty() {
                "risk".into()
            } else {
                params.sort.clone()
            },
            show_app: app_names.is_some(),
            app_names: app_names.unwrap_or_default(),
            severities: SEVERITIES.to_vec(),
            statuses,
            kinds: vec!["code", "dependency", "secret", "iac", "web", "license"],
            sorts: vec![
                ("risk", "risk, highest first"),
                ("severity", "severity, worst first"),
                ("newest", "newest first"),
            ],
        }
    }
}

/// The chrome of a page for `caller`, with the search box showing `query`.
pub fn chrome(caller: &Caller, active: &'static str, query: &str) -> Chrome {
    let mut c = Chrome::new(caller, active);
    c.query = query.to_string();
    c
}
