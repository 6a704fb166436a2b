//! `GET /issues`: every issue the caller may see, filtered (text, severity, status, kind,
//! application) and sorted (risk, severity, newest), 50 a page; htmx swaps the table alone.

use super::error::WebError;
use super::issue_table::{FilterForm, IssueParams, IssueRowsPartial, IssueTable, chrome};
use super::session::{Chrome, PageCaller, scope_note, wants_issue_table};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};

#[derive(Template)]
#[template(path = "issues.html")]
struct IssuesPage {
    chrome: Chrome,
    scope_note: String,
    filters: FilterForm,
    table: IssueTable,
}

/// The issue list (or, for htmx, its table).
pub async fn list(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    Query(params): Query<IssueParams>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let store = state.store.as_ref();
    let table = IssueTable::read(store, &caller.scope, &params, None, "/issues", true).await?;
    if wants_issue_table(&headers) {
        return Ok(Html(IssueRowsPartial { table }.render()?).into_response());
    }
    let apps = store.dashboard_counts(&caller.scope).await?;
    let page = IssuesPage {
        chrome: chrome(&caller, "issues", ""),
        scope_note: scope_note(&caller),
        filters: FilterForm::new(
            &params,
            "/issues",
            Some(apps.applications.into_iter().map(|a| a.name).collect()),
        ),
        table,
    };
    Ok(Html(page.render()?).into_response())
}
