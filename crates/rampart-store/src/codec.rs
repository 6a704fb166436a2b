//! Conversions between model values and their stored forms, shared by both backends.

use rampart_model::{FindingKind, IssueStatus, Severity};

/// Stored form of a severity: 0 (info) .. 4 (critical).
pub fn severity_to_db(s: Severity) -> i64 {
    s as i64
}

/// Reads a stored severity; out-of-range values read as info.
pub fn severity_from_db(v: i64) -> Severity {
    Severity::ALL
        .get(v.clamp(0, 4) as usize)
        .copied()
        .unwrap_or_default()
}

/// Reads a stored status.
pub fn status_from_db(s: &str) -> crate::Result<IssueStatus> {
    s.parse().map_err(crate::StoreError::Corrupt)
}

/// Reads a stored kind.
pub fn kind_from_db(s: &str) -> crate::Result<FindingKind> {
    FindingKind::parse(s).ok_or_else(|| crate::StoreError::Corrupt(format!("unknown kind {s}")))
}

/// Joins a list for a text column (`,`-separated).
pub fn join<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Splits a `,`-separated text column.
pub fn split(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// Compresses an observation's JSON for storage (LZ4 block with its size in front).
pub fn pack_json(json: &str) -> Vec<u8> {
    lz4_flex::compress_prepend_size(json.as_bytes())
}

/// Reads back what [`pack_json`] stored, as JSON text.
pub fn unpack_str(bytes: &[u8]) -> crate::Result<String> {
    let raw = lz4_flex::decompress_size_prepended(bytes)
        .map_err(|e| crate::StoreError::Corrupt(format!("observation data: {e}")))?;
    String::from_utf8(raw).map_err(|e| crate::StoreError::Corrupt(format!("observation data: {e}")))
}

/// Reads back what [`pack_json`] stored.
pub fn unpack_json(bytes: &[u8]) -> crate::Result<serde_json::Value> {
    let raw = lz4_flex::decompress_size_prepended(bytes)
        .map_err(|e| crate::StoreError::Corrupt(format!("observation data: {e}")))?;
    serde_json::from_slice(&raw)
        .map_err(|e| crate::StoreError::Corrupt(format!("observation data: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_and_unpacks() {
        let json = r#"{"a":[1,2,3],"b":"text text text text text"}"#;
        let packed = pack_json(json);
        assert_eq!(
            unpack_json(&packed).unwrap(),
            serde_json::from_str::<serde_json::Value>(json).unwrap()
        );
        assert!(unpack_json(b"garbage").is_err());
        assert_eq!(severity_from_db(9), Severity::Critical);
        assert_eq!(severity_from_db(-1), Severity::Info);
    }
}
