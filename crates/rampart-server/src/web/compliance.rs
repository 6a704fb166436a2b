//! `GET /compliance?framework=ID`: one framework's controls judged for each of the caller's
//! applications (`service::compliance`, issue 6): pass / gap / not evaluated per control and
//! application, and what each gap is. The store reads each of the caller's teams in SQL
//! (`session::app_scopes`); nothing of another team is read.

use super::error::WebError;
use super::issue_table::chrome;
use super::session::{Chrome, PageCaller, app_scopes, scope_note};
use super::views::{enc, when};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use rampart_engine::compliance::{self, AppCompliance, Verdict};
use rampart_service::compliance::ComplianceOptions;
use serde::Deserialize;
use time::OffsetDateTime;

/// The framework shown when none is asked for.
const DEFAULT_FRAMEWORK: &str = "owasp-top10";
/// Gaps listed in the details.
const GAPS_LISTED: usize = 60;

/// The page's query.
#[derive(Debug, Default, Deserialize)]
pub struct ComplianceParams {
    /// Framework id (`pci-dss`, `soc2`, ...).
    #[serde(default)]
    pub framework: String,
}

/// A framework tab.
struct FrameworkTab {
    id: String,
    name: String,
    active: bool,
}

/// A control column.
struct ControlHead {
    id: String,
    title: String,
}

/// One control of one application.
struct Cell {
    /// `pass`, `gap` or `not_evaluated` (the CSS class).
    verdict: &'static str,
    /// What the evidence says (the cell's tooltip).
    summary: String,
}

/// An application's line.
struct AppLine {
    name: String,
    url: String,
    in_scope: bool,
    passed: usize,
    gaps: usize,
    not_evaluated: usize,
    cells: Vec<Cell>,
}

/// A gap, explained.
struct GapLine {
    application: String,
    url: String,
    control: String,
    title: String,
    summary: String,
}

#[derive(Template)]
#[template(path = "compliance.html")]
struct CompliancePage {
    chrome: Chrome,
    scope_note: String,
    as_of: String,
    frameworks: Vec<FrameworkTab>,
    name: String,
    version: String,
    controls: Vec<ControlHead>,
    apps: Vec<AppLine>,
    in_scope: usize,
    clean: usize,
    /// Gaps of the applications in scope.
    gaps_total: usize,
    gaps: Vec<GapLine>,
    gaps_more: usize,
}

/// The compliance page.
pub async fn page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    Query(params): Query<ComplianceParams>,
) -> Result<Html<String>, WebError> {
    let mapping = compliance::mapping().map_err(WebError::Internal)?;
    let wanted = if params.framework.is_empty() {
        DEFAULT_FRAMEWORK
    } else {
        params.framework.as_str()
    };
    let Some(framework) = mapping.frameworks.iter().find(|f| f.id == wanted) else {
        return Err(WebError::BadRequest(format!(
            "unknown framework `{wanted}`: expected one of {}",
            mapping
                .frameworks
                .iter()
                .map(|f| f.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    let now = OffsetDateTime::now_utc();
    let mut apps: Vec<AppCompliance> = Vec::new();
    for scope in app_scopes(&caller) {
        let report = rampart_service::compliance::report(
            state.store.as_ref(),
            &ComplianceOptions {
                framework: framework.id.clone(),
                scope,
                now,
                policies: Default::default(),
            },
        )
        .await?;
        apps.extend(report.applications);
    }
    apps.sort_by(|a, b| {
        (b.in_scope, b.gaps)
            .cmp(&(a.in_scope, a.gaps))
            .then(a.application.cmp(&b.application))
    });
    let mut gaps = Vec::new();
    let lines: Vec<AppLine> = apps
        .iter()
        .map(|a| {
            // A framework's gaps are those of the applications in its scope.
            let gaps_of = a.controls.iter().filter(|_| a.in_scope);
            for c in gaps_of.filter(|c| c.verdict == Verdict::Gap) {
                gaps.push(GapLine {
                    application: a.application.clone(),
                    url: enc(&a.application),
                    control: c.id.clone(),
                    title: c.title.clone(),
                    summary: c
                        .evidence
                        .iter()
                        .filter(|e| e.verdict == Verdict::Gap)
                        .map(|e| e.summary.clone())
                        .collect::<Vec<_>>()
                        .join("; "),
                });
            }
            AppLine {
                name: a.application.clone(),
                url: enc(&a.application),
                in_scope: a.in_scope,
                passed: a.passed,
                gaps: a.gaps,
                not_evaluated: a.not_evaluated,
                cells: framework
                    .controls
                    .iter()
                    .map(|fc| match a.controls.iter().find(|c| c.id == fc.id) {
                        Some(c) => Cell {
                            verdict: c.verdict.as_str(),
                            summary: c
                                .evidence
                                .iter()
                                .map(|e| e.summary.clone())
                                .collect::<Vec<_>>()
                                .join("; "),
                        },
                        None => Cell {
                            verdict: Verdict::NotEvaluated.as_str(),
                            summary: "out of the framework's scope".into(),
                        },
                    })
                    .collect(),
            }
        })
        .collect();
    let gaps_total = gaps.len();
    gaps.truncate(GAPS_LISTED);
    let page = CompliancePage {
        chrome: chrome(&caller, "compliance", ""),
        scope_note: scope_note(&caller),
        as_of: when(now) + " UTC",
        frameworks: mapping
            .frameworks
            .iter()
            .map(|f| FrameworkTab {
                id: enc(&f.id),
                name: f.name.clone(),
                active: f.id == framework.id,
            })
            .collect(),
        name: framework.name.clone(),
        version: framework.version.clone(),
        controls: framework
            .controls
            .iter()
            .map(|c| ControlHead {
                id: c.id.clone(),
                title: c.title.clone(),
            })
            .collect(),
        in_scope: lines.iter().filter(|a| a.in_scope).count(),
        clean: lines.iter().filter(|a| a.in_scope && a.gaps == 0).count(),
        gaps_total,
        gaps_more: gaps_total.saturating_sub(GAPS_LISTED),
        gaps,
        apps: lines,
    };
    Ok(Html(page.render()?))
}
