//! Path normalization for code locations, so that tools that spell one file differently agree.

/// Normalizes a file path or URI as a tool reported it into a repository-relative path:
/// strips `file://` schemes, turns `\` into `/`, removes `./` segments and resolves `..`,
/// and drops leading slashes, so the result is relative (`/src/app.py` becomes `src/app.py`).
pub fn normalize_path(raw: &str) -> String {
    let mut s = raw.trim();
    for scheme in ["file://", "file:"] {
        if let Some(rest) = s.strip_prefix(scheme) {
            s = rest;
            break;
        }
    }
    let s = percent_decode(s).replace('\\', "/");
    let mut parts: Vec<&str> = Vec::new();
    for seg in s.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// Decodes `%XX` escapes (SARIF URIs are URI-encoded). Invalid escapes are kept verbatim.
fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(v) = u8::from_str_radix(hex, 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes() {
        assert_eq!(normalize_path("./src/app.py"), "src/app.py");
        assert_eq!(normalize_path("file:///home/x/app.py"), "home/x/app.py");
        assert_eq!(normalize_path("%é%"), "%é%");
        assert_eq!(normalize_path("src\\main\\App.java"), "src/main/App.java");
        assert_eq!(normalize_path("a/b/../c.py"), "a/c.py");
        assert_eq!(normalize_path("my%20dir/x.py"), "my dir/x.py");
        assert_eq!(normalize_path("bad%zzescape"), "bad%zzescape");
        assert_eq!(normalize_path("trailing%2"), "trailing%2");
    }
}
