//! The dashboard's static files (stylesheet, script, icon, vendored htmx and Chart.js), embedded
//! in the binary with `rust-embed` and served under `/assets/`: nothing is fetched from the
//! internet, and the server needs no file beside it.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Every file under `crates/rampart-server/assets/`.
#[derive(rust_embed::Embed)]
#[folder = "assets/"]
struct Assets;

/// The content type of an asset, from its extension.
fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "md" | "LICENSE" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `GET /assets/{*path}`: the embedded file, cached for a day (revalidated by ETag).
pub async fn serve(Path(path): Path<String>, headers: axum::http::HeaderMap) -> Response {
    let Some(file) = Assets::get(&path) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let etag = format!("\"{}\"", hex_prefix(&file.metadata.sha256_hash()));
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let mut r = file.data.into_owned().into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(&path)),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    r
}

fn hex_prefix(bytes: &[u8]) -> String {
    bytes.iter().take(12).map(|b| format!("{b:02x}")).collect()
}

/// Whether an asset is embedded (for tests).
pub fn exists(path: &str) -> bool {
    Assets::get(path).is_some()
}
