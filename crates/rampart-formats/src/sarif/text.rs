//! Small text helpers: titles, message templates, `Key: value` lines and vulnerability ids
//! written inside free text.

/// Longest title kept, in characters.
const TITLE_MAX: usize = 200;

/// The first non-blank line of `s`, trimmed.
pub(crate) fn first_line(s: &str) -> Option<&str> {
    s.lines().map(str::trim).find(|l| !l.is_empty())
}

/// A one-line title from `s`: its first non-blank line, cut at [`TITLE_MAX`] characters.
pub(crate) fn title_from(s: &str) -> Option<String> {
    let line = first_line(s)?;
    if line.chars().count() <= TITLE_MAX {
        return Some(line.to_string());
    }
    let mut t: String = line.chars().take(TITLE_MAX - 1).collect();
    t.push('…');
    Some(t)
}

/// Fills SARIF message placeholders `{0}`, `{1}` ... with `args`. Placeholders without an
/// argument are kept as written; `{{` and `}}` are literal braces.
pub(crate) fn format_message(template: &str, args: &[String]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(pos) = rest.find(['{', '}']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if let Some(stripped) = tail.strip_prefix('{') {
            let digits: &str = &stripped[..stripped
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(stripped.len())];
            let after = &stripped[digits.len()..];
            if !digits.is_empty()
                && after.starts_with('}')
                && let Some(arg) = digits.parse::<usize>().ok().and_then(|i| args.get(i))
            {
                out.push_str(arg);
                rest = &after[1..];
                continue;
            }
        }
        out.push_str(&tail[..1]);
        rest = &tail[1..];
    }
    out.push_str(rest);
    out
}

/// The value of the first `Key: value` line of `text` whose key is one of `keys`
/// (case-insensitive), trimmed; `None` when absent or blank.
pub(crate) fn field<'t>(text: &'t str, keys: &[&str]) -> Option<&'t str> {
    text.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        let k = k.trim().trim_start_matches(['*', '-', ' ']);
        let v = v.trim();
        (keys.iter().any(|key| k.eq_ignore_ascii_case(key)) && !v.is_empty()).then_some(v)
    })
}

/// `text` without the lines whose key (before `:`) is one of `keys`.
pub(crate) fn without_fields(text: &str, keys: &[&str]) -> String {
    text.lines()
        .filter(|line| match line.split_once(':') {
            Some((k, _)) => !keys.iter().any(|key| k.trim().eq_ignore_ascii_case(key)),
            None => true,
        })
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// The vulnerability id that `s` starts with, if any: `CVE-2021-44228`, `GHSA-xxxx-xxxx-xxxx`,
/// `<NAMESPACE>-<year>-<number>` (PYSEC, GO, RUSTSEC, OSV, ALAS ...) or a Snyk id
/// (`SNYK-JS-LODASH-567746`). Grype writes rule ids as `<vuln id>-<package>`; this finds the
/// id in them.
pub(crate) fn vuln_id_prefix(s: &str) -> Option<&str> {
    let (ns, rest) = s.split_once('-')?;
    if ns.len() < 2
        || ns.len() > 12
        || !ns.chars().all(|c| c.is_ascii_alphanumeric())
        || !ns.starts_with(|c: char| c.is_ascii_alphabetic())
        || ns.eq_ignore_ascii_case("cwe")
    {
        return None;
    }
    let body_len = if ns.eq_ignore_ascii_case("ghsa") {
        ghsa_body(rest)?
    } else if ns.eq_ignore_ascii_case("snyk") {
        snyk_body(rest)?
    } else {
        year_number_body(rest, ns.eq_ignore_ascii_case("cve"))?
    };
    let end = ns.len() + 1 + body_len;
    let boundary_ok = s[end..]
        .chars()
        .next()
        .is_none_or(|c| !c.is_ascii_alphanumeric());
    boundary_ok.then(|| &s[..end])
}

/// `xxxx-xxxx-xxxx` (three groups of four alphanumerics): length of the body.
fn ghsa_body(rest: &str) -> Option<usize> {
    let b = rest.as_bytes();
    for g in 0..3 {
        let start = g * 5;
        let group = b.get(start..start + 4)?;
        if !group.iter().all(u8::is_ascii_alphanumeric) {
            return None;
        }
        if g < 2 && b.get(start + 4) != Some(&b'-') {
            return None;
        }
    }
    Some(14)
}

/// `<year>-<digits>`: length of the body. CVE numbers have at least four digits.
fn year_number_body(rest: &str, cve: bool) -> Option<usize> {
    let (year, tail) = rest.split_once('-')?;
    let y: u32 = year.parse().ok().filter(|_| year.len() == 4)?;
    if !(1990..=2100).contains(&y) {
        return None;
    }
    let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || (cve && digits < 4) {
        return None;
    }
    Some(5 + digits)
}

/// `JS-LODASH-567746`: alphanumeric groups ending with an all-digit group.
fn snyk_body(rest: &str) -> Option<usize> {
    let mut len = 0usize;
    for (i, group) in rest.split('-').enumerate() {
        if group.is_empty() || !group.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        len += group.len() + usize::from(i > 0);
        if i > 0 && group.chars().all(|c| c.is_ascii_digit()) {
            return Some(len);
        }
    }
    None
}

/// Every whole vulnerability id written in `text` (tokens such as `'GHSA-m5pq-gvj9-9vr8'`,
/// `(CVE-2020-8203)`), in order.
pub(crate) fn vuln_ids_in(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|tok| vuln_id_prefix(tok).is_some_and(|p| p.len() == tok.len()))
}

/// Whether `s` looks like a URL worth keeping as a reference.
pub(crate) fn is_url(s: &str) -> bool {
    let s = s.trim();
    s.starts_with("http://") || s.starts_with("https://")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates() {
        let args = vec!["ptr".to_string(), "0".to_string()];
        assert_eq!(
            format_message("Variable \"{0}\" at {1}.", &args),
            "Variable \"ptr\" at 0."
        );
        assert_eq!(
            format_message("{{literal}} {2} {x", &args),
            "{literal} {2} {x"
        );
        assert_eq!(format_message("é{0}é", &args), "éptré");
    }

    #[test]
    fn titles_and_fields() {
        assert_eq!(title_from("\n  first  \nsecond").as_deref(), Some("first"));
        assert_eq!(
            title_from(&"x".repeat(300)).map(|t| t.chars().count()),
            Some(200)
        );
        let help = "Vulnerability CVE-1\nSeverity: low\nPackage: geronimo\nVersion: 1.0.1\nFix Version: \nType: java-archive";
        assert_eq!(field(help, &["package"]), Some("geronimo"));
        assert_eq!(field(help, &["Fix Version", "Fixed Version"]), None);
        assert_eq!(field(help, &["type"]), Some("java-archive"));
        assert_eq!(without_fields("a\nMatch: ***\nb", &["match"]), "a\nb");
    }

    #[test]
    fn vuln_ids() {
        assert_eq!(
            vuln_id_prefix("CVE-2008-0732-geronimo-j2ee"),
            Some("CVE-2008-0732")
        );
        assert_eq!(
            vuln_id_prefix("GHSA-m5pq-gvj9-9vr8-regex"),
            Some("GHSA-m5pq-gvj9-9vr8")
        );
        assert_eq!(vuln_id_prefix("GO-2026-4864"), Some("GO-2026-4864"));
        assert_eq!(
            vuln_id_prefix("SNYK-JS-LODASH-567746"),
            Some("SNYK-JS-LODASH-567746")
        );
        assert_eq!(
            vuln_id_prefix("RUSTSEC-2022-0013"),
            Some("RUSTSEC-2022-0013")
        );
        for not in [
            "DS-0002",
            "AVD-AZU-0014",
            "CWE-2020-1",
            "CIS-DI-0010",
            "py/sql-injection",
            "CVE-2020-12",
            "B608",
            "CVE-2020-1234x",
        ] {
            assert_eq!(vuln_id_prefix(not), None, "{not}");
        }
        let found: Vec<&str> = vuln_ids_in("Package 'regex@1.5.1' is vulnerable to 'CVE-2022-24713' (also known as 'RUSTSEC-2022-0013', 'GHSA-m5pq-gvj9-9vr8').").collect();
        assert_eq!(
            found,
            vec!["CVE-2022-24713", "RUSTSEC-2022-0013", "GHSA-m5pq-gvj9-9vr8"]
        );
    }
}
