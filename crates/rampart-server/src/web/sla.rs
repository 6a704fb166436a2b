//! `GET /sla`: remediation SLAs of the caller's applications (`service::sla`, issue 6):
//! breached and due-soon counts by team and by application, and the issues nearest their due
//! date (breached first). The store reads each of the caller's teams in SQL
//! (`session::app_scopes`); nothing of another team is read.

use super::error::WebError;
use super::issue_table::chrome;
use super::session::{Chrome, PageCaller, app_scopes, scope_note};
use super::views::{day, enc, when};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use rampart_engine::sla::SlaState;
use rampart_service::sla::SlaRow;
use std::collections::{BTreeMap, HashMap};
use time::OffsetDateTime;

/// An issue is "due soon" when its SLA ends within this many days.
pub const DUE_SOON_DAYS: i64 = 7;
/// Issues listed (breached and due soon, earliest due first).
const LISTED: usize = 50;

/// SLA counts of an application or a team.
#[derive(Debug, Clone, Default)]
struct Tally {
    name: String,
    url: String,
    team: String,
    apps: usize,
    total: u64,
    breached: u64,
    due_soon: u64,
    paused: u64,
    earliest: String,
}

impl Tally {
    fn add(&mut self, r: &SlaRow, now: OffsetDateTime) {
        self.total += 1;
        match bucket(r, now) {
            Bucket::Breached => self.breached += 1,
            Bucket::DueSoon => self.due_soon += 1,
            Bucket::Paused => self.paused += 1,
            Bucket::OnTrack => {}
        }
        if r.sla.state != SlaState::Paused {
            let due = day(r.sla.due);
            if self.earliest.is_empty() || due < self.earliest {
                self.earliest = due;
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bucket {
    Breached,
    DueSoon,
    OnTrack,
    Paused,
}

fn bucket(r: &SlaRow, now: OffsetDateTime) -> Bucket {
    match r.sla.state {
        SlaState::Breached => Bucket::Breached,
        SlaState::Paused => Bucket::Paused,
        _ if r.sla.due <= now + time::Duration::days(DUE_SOON_DAYS) => Bucket::DueSoon,
        _ => Bucket::OnTrack,
    }
}

/// A listed issue.
struct SlaIssue {
    id: i64,
    application: String,
    app_url: String,
    title: String,
    severity: &'static str,
    due: String,
    /// `3 days overdue`, `due in 5 days`, `due today`.
    left: String,
    breached: bool,
}

#[derive(Template)]
#[template(path = "sla.html")]
struct SlaPage {
    chrome: Chrome,
    scope_note: String,
    as_of: String,
    due_soon_days: i64,
    breached: u64,
    due_soon: u64,
    on_track: u64,
    paused: u64,
    teams: Vec<Tally>,
    apps: Vec<Tally>,
    issues: Vec<SlaIssue>,
    issues_more: usize,
}

/// The SLA page.
pub async fn page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
) -> Result<Html<String>, WebError> {
    let store = state.store.as_ref();
    let now = OffsetDateTime::now_utc();
    let policy = rampart_service::sla::policy(store).await?;
    let mut rows: Vec<SlaRow> = Vec::new();
    for scope in app_scopes(&caller) {
        rows.extend(rampart_service::sla::compute(store, &policy, &scope, now).await?);
    }
    let teams_of: HashMap<String, Option<String>> = store
        .dashboard_counts(&caller.scope)
        .await?
        .applications
        .into_iter()
        .map(|a| (a.name, a.team))
        .collect();
    let team_of = |app: &str| {
        teams_of
            .get(app)
            .cloned()
            .flatten()
            .unwrap_or_else(|| "(no team)".into())
    };

    let (mut breached, mut due_soon, mut on_track, mut paused) = (0, 0, 0, 0);
    let mut apps: BTreeMap<String, Tally> = BTreeMap::new();
    let mut teams: BTreeMap<String, (Tally, std::collections::BTreeSet<String>)> = BTreeMap::new();
    for r in &rows {
        match bucket(r, now) {
            Bucket::Breached => breached += 1,
            Bucket::DueSoon => due_soon += 1,
            Bucket::OnTrack => on_track += 1,
            Bucket::Paused => paused += 1,
        }
        let team = team_of(&r.application);
        apps.entry(r.application.clone())
            .or_insert_with(|| Tally {
                name: r.application.clone(),
                url: enc(&r.application),
                team: team.clone(),
                ..Default::default()
            })
            .add(r, now);
        let t = teams.entry(team.clone()).or_insert_with(|| {
            (
                Tally {
                    name: team,
                    ..Default::default()
                },
                Default::default(),
            )
        });
        t.0.add(r, now);
        t.1.insert(r.application.clone());
    }
    let worst_first = |a: &Tally, b: &Tally| {
        (b.breached, b.due_soon, b.total)
            .cmp(&(a.breached, a.due_soon, a.total))
            .then(a.name.cmp(&b.name))
    };
    let mut apps: Vec<Tally> = apps.into_values().collect();
    apps.sort_by(worst_first);
    let mut teams: Vec<Tally> = teams
        .into_values()
        .map(|(mut t, a)| {
            t.apps = a.len();
            t
        })
        .collect();
    teams.sort_by(worst_first);

    // Earliest due first (across the caller's teams): breached ones lead.
    let mut urgent: Vec<&SlaRow> = rows
        .iter()
        .filter(|r| matches!(bucket(r, now), Bucket::Breached | Bucket::DueSoon))
        .collect();
    urgent.sort_by(|a, b| a.sla.due.cmp(&b.sla.due).then(a.id.cmp(&b.id)));
    let issues_more = urgent.len().saturating_sub(LISTED);
    let issues = urgent
        .into_iter()
        .take(LISTED)
        .map(|r| SlaIssue {
            id: r.id,
            app_url: enc(&r.application),
            application: r.application.clone(),
            title: r.title.clone(),
            severity: r.severity.as_str(),
            due: day(r.sla.due),
            left: left_words(r.sla.days_left),
            breached: r.sla.state == SlaState::Breached,
        })
        .collect();
    let page = SlaPage {
        chrome: chrome(&caller, "sla", ""),
        scope_note: scope_note(&caller),
        as_of: when(now) + " UTC",
        due_soon_days: DUE_SOON_DAYS,
        breached,
        due_soon,
        on_track,
        paused,
        teams,
        apps,
        issues,
        issues_more,
    };
    Ok(Html(page.render()?))
}

/// Days left in words.
fn left_words(days_left: i64) -> String {
    match days_left {
        0 => "due today".into(),
        1 => "due tomorrow".into(),
        -1 => "1 day overdue".into(),
        d if d < 0 => format!("{} days overdue", -d),
        d => format!("due in {d} days"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_left_read_as_words() {
        assert_eq!(left_words(-3), "3 days overdue");
        assert_eq!(left_words(-1), "1 day overdue");
        assert_eq!(left_words(0), "due today");
        assert_eq!(left_words(5), "due in 5 days");
    }
}
