//! `GET /`: the portfolio overview: open issues by severity, risk distribution, the trend
//! over the last 90 days, top risks, and open issues by application and by team.

use super::error::WebError;
use super::issue_table::{IssueTable, chrome};
use super::session::{Chrome, PageCaller, scope_note};
use super::views::{AppRow, day};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use rampart_store::{IssueFilter, IssueSort, PostureDay};
use serde_json::json;
use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime};

/// Days of trend shown.
const TREND_DAYS: i64 = 90;
/// Top risks shown.
const TOP: u32 = 12;
/// Applications and teams listed (worst first); the applications page lists every one.
const LISTED: usize = 15;

/// A team's line.
pub struct TeamRow {
    name: String,
    apps: u64,
    counts: [u64; 5],
    open: u64,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct Overview {
    chrome: Chrome,
    scope_note: String,
    as_of: String,
    open_total: u64,
    app_count: usize,
    sev_counts: [u64; 5],
    risk_70: u64,
    trend_delta: String,
    trend_from: String,
    trend_days: i64,
    risk_chart: String,
    severity_chart: String,
    trend_chart: String,
    table: IssueTable,
    apps: Vec<AppRow>,
    apps_more: usize,
    teams: Vec<TeamRow>,
    teams_more: usize,
}

/// The overview page.
pub async fn page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
) -> Result<Html<String>, WebError> {
    let store = state.store.as_ref();
    let scope = &caller.scope;
    let now = OffsetDateTime::now_utc();
    let since = day(now - Duration::days(TREND_DAYS));
    let top_filter = IssueFilter {
        sort: IssueSort::Risk,
        limit: TOP,
        ..Default::default()
    };
    let (counts, top, trend) = tokio::try_join!(
        store.dashboard_counts(scope),
        store.dashboard_issues(scope, &top_filter),
        store.posture_trend(scope, &since),
    )?;

    let mut apps: Vec<AppRow> = counts.applications.iter().map(AppRow::of).collect();
    apps.sort_by(|a, b| {
        b.counts[0]
            .1
            .cmp(&a.counts[0].1)
            .then(b.counts[1].1.cmp(&a.counts[1].1))
            .then(b.open.cmp(&a.open))
            .then(a.name.cmp(&b.name))
    });
    let mut teams: BTreeMap<String, TeamRow> = BTreeMap::new();
    for a in &counts.applications {
        let name = a.team.clone().unwrap_or_else(|| "(no team)".into());
        let t = teams.entry(name.clone()).or_insert(TeamRow {
            name,
            apps: 0,
            counts: [0; 5],
            open: 0,
        });
        t.apps += 1;
        t.open += a.open();
        for (k, n) in a.open_by_severity.iter().enumerate() {
            t.counts[k] += n;
        }
    }
    let mut teams: Vec<TeamRow> = teams.into_values().collect();
    teams.sort_by(|a, b| b.counts[0].cmp(&a.counts[0]).then(b.open.cmp(&a.open)));
    let (apps_more, teams_more) = (
        apps.len().saturating_sub(LISTED),
        teams.len().saturating_sub(LISTED),
    );
    apps.truncate(LISTED);
    teams.truncate(LISTED);

    let (trend_delta, trend_from) = delta(&trend, counts.open(), &day(now - Duration::days(30)));
    let page = Overview {
        chrome: chrome(&caller, "overview", ""),
        scope_note: scope_note(&caller),
        as_of: super::views::when(now) + " UTC",
        open_total: counts.open(),
        app_count: counts.applications.len(),
        sev_counts: counts.open_by_severity,
        risk_70: counts.risk_histogram[7..].iter().sum(),
        trend_delta,
        trend_from,
        trend_days: TREND_DAYS,
        risk_chart: json!({
            "kind": "risk",
            "labels": (0..10).map(|b| if b == 9 { "90–100".to_string() } else { format!("{}–{}", b * 10, b * 10 + 9) }).collect::<Vec<_>>(),
            "values": counts.risk_histogram,
        })
        .to_string(),
        severity_chart: json!({"kind": "severity", "values": counts.open_by_severity}).to_string(),
        trend_chart: json!({
            "kind": "trend",
            "labels": trend.iter().map(|d| d.day.get(5..).unwrap_or(&d.day).to_string()).collect::<Vec<_>>(),
            "series": (0..5).map(|k| trend.iter().map(|d| d.open_by_severity[k]).collect::<Vec<_>>()).collect::<Vec<_>>(),
        })
        .to_string(),
        table: IssueTable {
            compact: true,
            ..IssueTable::of(&top, true)
        },
        apps,
        apps_more,
        teams,
        teams_more,
    };
    Ok(Html(page.render()?))
}

/// The change in open issues since the first recorded day on or after `from`, as `+12` /
/// `−3` / `0`, and that day; `—` when nothing was recorded then.
fn delta(trend: &[PostureDay], now_open: u64, from: &str) -> (String, String) {
    let Some(then) = trend.iter().find(|d| d.day.as_str() >= from) else {
        return ("—".into(), "no record".into());
    };
    let before: u64 = then.open_by_severity.iter().sum();
    let d = now_open as i64 - before as i64;
    let text = match d {
        0 => "0".to_string(),
        d if d > 0 => format!("+{d}"),
        d => format!("−{}", -d),
    };
    (text, then.day.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_against_the_first_day_in_range() {
        let day = |d: &str, n| PostureDay {
            day: d.into(),
            open_by_severity: [n, 0, 0, 0, 0],
        };
        let trend = [
            day("2026-10-01", 50),
            day("2026-10-29", 40),
            day("2026-11-27", 30),
        ];
        assert_eq!(
            delta(&trend, 30, "2026-10-28"),
            ("−10".into(), "2026-10-29".into())
        );
        assert_eq!(
            delta(&trend, 45, "2026-10-28"),
            ("+5".into(), "2026-10-29".into())
        );
        assert_eq!(delta(&trend, 30, "2026-12-01").0, "—");
    }
}
