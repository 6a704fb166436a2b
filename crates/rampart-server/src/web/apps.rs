//! `GET /apps` (every application the caller may see, worst first) and `GET /apps/{name}`
//! (one application: open counts, scan coverage by tool kind, last scans, issues with filters,
//! components).

use super::error::WebError;
use super::issue_table::{FilterForm, IssueParams, IssueRowsPartial, IssueTable, chrome};
use super::session::{Chrome, PageCaller, scope_note, wants_issue_table};
use super::views::{AppRow, COVERAGE_KINDS, coverage_kind, day, enc, when};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use std::collections::BTreeSet;

/// Components listed on an application page.
const COMPONENTS: u32 = 300;

#[derive(Template)]
#[template(path = "apps.html")]
struct AppsPage {
    chrome: Chrome,
    scope_note: String,
    apps: Vec<AppRow>,
}

/// The applications page.
pub async fn list(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
) -> Result<Html<String>, WebError> {
    let counts = state.store.dashboard_counts(&caller.scope).await?;
    let mut apps: Vec<AppRow> = counts.applications.iter().map(AppRow::of).collect();
    apps.sort_by(|a, b| {
        (b.counts[0].1, b.counts[1].1, b.open)
            .cmp(&(a.counts[0].1, a.counts[1].1, a.open))
            .then(a.name.cmp(&b.name))
    });
    let page = AppsPage {
        chrome: chrome(&caller, "apps", ""),
        scope_note: scope_note(&caller),
        apps,
    };
    Ok(Html(page.render()?))
}

/// One kind of scanning and the tools providing it.
struct Coverage {
    kind: &'static str,
    tools: String,
    last: String,
}

/// A scan row.
struct ScanRow {
    id: i64,
    at: String,
    tool: String,
    target: String,
    observations: u64,
    new: u64,
    fixed: u64,
    reopened: u64,
}

/// A component row.
struct ComponentView {
    name: String,
    version: String,
    purl: String,
    search: String,
    direct: &'static str,
    licenses: String,
    target: String,
}

#[derive(Template)]
#[template(path = "app.html")]
struct AppPage {
    chrome: Chrome,
    name: String,
    team: Option<String>,
    facts_line: String,
    open_total: u64,
    kinds_line: String,
    sev_counts: [u64; 5],
    targets: Vec<String>,
    streams_count: usize,
    coverage: Vec<Coverage>,
    scans: Vec<ScanRow>,
    filters: FilterForm,
    table: IssueTable,
    components: Vec<ComponentView>,
    components_note: String,
}

/// An application's page (or, for htmx, its issue table).
pub async fn page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    Path(name): Path<String>,
    Query(mut params): Query<IssueParams>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let store = state.store.as_ref();
    let scope = &caller.scope;
    let Some(view) = store.application_view(scope, &name).await? else {
        return Err(WebError::NotFound);
    };
    // The application is the path's: page links need not repeat it.
    params.app.clear();
    let base = format!("/apps/{}", enc(&name));
    let table = IssueTable::read(store, scope, &params, Some(&name), &base, false).await?;
    if wants_issue_table(&headers) {
        return Ok(Html(IssueRowsPartial { table }.render()?).into_response());
    }
    let (scans, components, profile) = tokio::try_join!(
        store.list_scans(Some(&name), 12),
        store.application_components(scope, &name, COMPONENTS),
        store.app_profile(&name),
    )?;
    let coverage = COVERAGE_KINDS
        .iter()
        .map(|kind| {
            let streams: Vec<_> = view
                .streams
                .iter()
                .filter(|s| coverage_kind(&s.tool, &s.target) == *kind)
                .collect();
            let tools: BTreeSet<&str> = streams.iter().map(|s| s.tool.as_str()).collect();
            Coverage {
                kind,
                tools: tools.into_iter().collect::<Vec<_>>().join(", "),
                last: streams
                    .iter()
                    .filter_map(|s| s.last_scan_at)
                    .max()
                    .map(day)
                    .unwrap_or_default(),
            }
        })
        .collect();
    let mut facts = Vec::new();
    if let Some(p) = &profile {
        if let Some(t) = p.tier {
            facts.push(format!("tier {t}"));
        }
        if let Some(d) = p.effective_data_class() {
            facts.push(format!("{d} data"));
        }
        if let Some(e) = p.exposure {
            facts.push(format!("{} exposure", e.as_str()));
        }
    }
    if facts.is_empty() {
        facts.push("no catalog entry".into());
    }
    let components_note = if components.len() as u32 >= COMPONENTS {
        format!("first {COMPONENTS}; search for more")
    } else {
        format!("{} in the latest SBOM of each target", components.len())
    };
    let page = AppPage {
        chrome: chrome(&caller, "apps", ""),
        team: view.team.clone(),
        facts_line: facts.join(" · "),
        open_total: view.open_by_severity.iter().sum(),
        kinds_line: view
            .open_by_kind
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(" · "),
        sev_counts: view.open_by_severity,
        streams_count: view.streams.len(),
        targets: view.targets,
        coverage,
        scans: scans
            .iter()
            .map(|s| ScanRow {
                id: s.id,
                at: when(s.ingested_at),
                tool: s.tool.clone(),
                target: format!("{} @ {}", s.target, s.branch),
                observations: s.summary.observations,
                new: s.summary.new,
                fixed: s.summary.fixed,
                reopened: s.summary.reopened,
            })
            .collect(),
        filters: FilterForm::new(&params, &base, None),
        table,
        components: components
            .into_iter()
            .map(|c| ComponentView {
                search: enc(&c.name),
                direct: match c.direct {
                    Some(true) => "direct",
                    Some(false) => "transitive",
                    None => "",
                },
                version: c.version.unwrap_or_default(),
                purl: c.purl.unwrap_or_default(),
                licenses: c.licenses,
                target: format!("{} @ {}", c.target, c.branch),
                name: c.name,
            })
            .collect(),
        components_note,
        name,
    };
    Ok(Html(page.render()?).into_response())
}
