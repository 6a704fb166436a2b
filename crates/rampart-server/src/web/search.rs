//! `GET /search?q=`: which of the caller's applications use a component (by name, or by
//! package URL prefix: `pkg:npm/lodash@4.17`), and, when the text is a vulnerability id (CVE,
//! GHSA, PYSEC, ...), which issues name it or one of its aliases.

use super::error::WebError;
use super::issue_table::{IssueTable, chrome};
use super::session::{Chrome, PageCaller};
use super::views::enc;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use serde::Deserialize;

/// Results listed per section.
const LIMIT: u32 = 200;

/// The search parameters.
#[derive(Debug, Default, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
}

struct ComponentView {
    application: String,
    app_url: String,
    name: String,
    version: String,
    purl: String,
    direct: &'static str,
    target: String,
}

struct VulnView {
    aliases: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    query: String,
    vuln: Option<VulnView>,
    table: IssueTable,
    components: Vec<ComponentView>,
    components_note: String,
}

/// Whether `q` looks like a vulnerability id: letters, a dash, then a digit or more
/// (`CVE-2021-44228`, `GHSA-jfh8-c2jp-5v3q`, `PYSEC-2021-19`, `RUSTSEC-2021-0001`, `GO-2022-0001`).
pub fn is_vulnerability_id(q: &str) -> bool {
    let Some((prefix, rest)) = q.split_once('-') else {
        return false;
    };
    (2..=8).contains(&prefix.len())
        && prefix.chars().all(|c| c.is_ascii_alphabetic())
        && rest.len() >= 4
        && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !q.starts_with("pkg:")
}

/// The search page.
pub async fn page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    Query(p): Query<SearchParams>,
) -> Result<Html<String>, WebError> {
    let store = state.store.as_ref();
    let q = p.q.trim().to_string();
    let mut vuln = None;
    let mut table = IssueTable::of(&[], true);
    let mut components = Vec::new();
    if !q.is_empty() {
        if is_vulnerability_id(&q) {
            let hits = store.search_vulnerability(&caller.scope, &q, LIMIT).await?;
            table = IssueTable::of(&hits.issues, true);
            vuln = Some(VulnView {
                aliases: hits.ids.join(", "),
            });
        }
        components = store.search_components(&caller.scope, &q, LIMIT).await?;
    }
    let components_note = match components.len() as u32 {
        n if n >= LIMIT => format!("first {LIMIT}"),
        n => format!("{n} found"),
    };
    let page = SearchPage {
        chrome: chrome(&caller, "search", &q),
        query: q,
        vuln,
        table,
        components: components
            .into_iter()
            .map(|c| ComponentView {
                app_url: enc(&c.application),
                application: c.application,
                name: c.name,
                version: c.version.unwrap_or_default(),
                purl: c.purl.unwrap_or_default(),
                direct: match c.direct {
                    Some(true) => "direct",
                    Some(false) => "transitive",
                    None => "",
                },
                target: format!("{} @ {}", c.target, c.branch),
            })
            .collect(),
        components_note,
    };
    Ok(Html(page.render()?))
}

#[cfg(test)]
mod tests {
    use super::is_vulnerability_id;

    #[test]
    fn recognises_vulnerability_ids() {
        for id in [
            "CVE-2021-44228",
            "GHSA-jfh8-c2jp-5v3q",
            "PYSEC-2021-19",
            "RUSTSEC-2021-0001",
            "GO-2022-0001",
        ] {
            assert!(is_vulnerability_id(id), "{id}");
        }
        for q in [
            "lodash",
            "pkg:npm/lodash@4",
            "log4j-core",
            "left-pad",
            "a-1",
        ] {
            assert!(!is_vulnerability_id(q), "{q}");
        }
    }
}
