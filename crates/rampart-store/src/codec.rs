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

/// The LZ4 dictionary observation data is compressed against: the field names and common
/// values of serialized observations. One observation is a few hundred bytes, too little for
/// LZ4 to find much repetition inside it; against this dictionary its JSON skeleton costs a
/// few bytes instead of a third of the row. Stored data depends on these exact bytes:
/// never edit them (a new dictionary needs a new stored format).
const OBSERVATION_DICT_V1: &[u8] = br#"{"tool":{"name":"codeql","version":""},"kind":"dependency","rule_id":"","rule_name":"","title":"","message":"","severity":{"level":"critical","tool_label":"CRITICAL","cvss":[{"version":"3.1","vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","score":9.8}]},"cwes":[79],"vuln_ids":["GHSA-","CVE-20"],"location":{"type":"package","purl":"pkg:npm/","ecosystem":"npm","name":"","version":"","fixed_versions":[""],"found_in":""},"references":["https://nvd.nist.gov/vuln/detail/CVE-20","https://github.com/advisories/GHSA-"],"remediation":"","suppression":{"kind":"","status":"","justification":""},"secret":{"hmac":"","preview":""},"location":{"type":"web","url":"https://","method":"GET","parameter":""},"location":{"type":"resource","file":"","resource":"","start_line":1,"end_line":1},"location":{"type":"image","image":"","tag":"latest","digest":"sha256:"},"kind":"secret","kind":"iac","severity":{"level":"low","tool_label":"LOW"},"severity":{"level":"medium","tool_label":"MEDIUM"},"severity":{"level":"info","tool_label":"warning"},"severity":{"level":"high","tool_label":"HIGH"},"fingerprints":{"matchBasedId/v1":"","primaryLocationLineHash":""},"tags":["security","external/cwe/cwe-"],"source_ref":"/Results/0/Vulnerabilities/0"},"source_ref":"/runs/0/results/"}{"tool":{"name":"semgrep","version":""},"kind":"code","rule_id":"","title":"","message":"","severity":{"level":"error","tool_label":"error"},"cwes":[],"location":{"type":"code","path":"src/","start_line":1,"end_line":1,"start_column":1,"end_column":1},"snippet":""#;

/// Compresses an observation's JSON for storage: an LZ4 block against
/// [`OBSERVATION_DICT_V1`] with the uncompressed size in front.
pub fn pack_json(json: &str) -> Vec<u8> {
    lz4_flex::block::compress_prepend_size_with_dict(json.as_bytes(), OBSERVATION_DICT_V1)
}

/// Reads back what [`pack_json`] stored, as JSON text.
pub fn unpack_str(bytes: &[u8]) -> crate::Result<String> {
    let raw = lz4_flex::block::decompress_size_prepended_with_dict(bytes, OBSERVATION_DICT_V1)
        .map_err(|e| crate::StoreError::Corrupt(format!("observation data: {e}")))?;
    String::from_utf8(raw).map_err(|e| crate::StoreError::Corrupt(format!("observation data: {e}")))
}

/// [`unpack_str`] into `out`, reusing its allocation (for loops over many rows).
pub fn unpack_str_into(bytes: &[u8], out: &mut String) -> crate::Result<()> {
    let err = |e: String| crate::StoreError::Corrupt(format!("observation data: {e}"));
    let Some((size, body)) = bytes.split_first_chunk::<4>() else {
        return Err(err("shorter than its size prefix".into()));
    };
    let size = u32::from_le_bytes(*size) as usize;
    // LZ4 expands at most 255-fold: a larger size is a corrupt prefix, not a reason to allocate.
    if size > body.len().saturating_mul(255).saturating_add(64) {
        return Err(err(format!("size prefix {size} for {} bytes", body.len())));
    }
    let mut buf = std::mem::take(out).into_bytes();
    buf.clear();
    buf.resize(size, 0);
    let n = lz4_flex::block::decompress_into_with_dict(body, &mut buf, OBSERVATION_DICT_V1)
        .map_err(|e| err(e.to_string()))?;
    buf.truncate(n);
    *out = String::from_utf8(buf).map_err(|e| err(e.to_string()))?;
    Ok(())
}

/// Reads back what [`pack_json`] stored.
pub fn unpack_json(bytes: &[u8]) -> crate::Result<serde_json::Value> {
    let raw = lz4_flex::block::decompress_size_prepended_with_dict(bytes, OBSERVATION_DICT_V1)
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
        // Both readers use the dictionary that packing used.
        assert_eq!(unpack_str(&packed).unwrap(), json);
        let mut reused = String::from("left over");
        unpack_str_into(&packed, &mut reused).unwrap();
        assert_eq!(reused, json);
        assert!(unpack_str_into(b"\xff\xff\xff\x7fgarbage", &mut reused).is_err());
        assert!(unpack_str_into(b"ab", &mut reused).is_err());
        // The dictionary pays: a typical observation packs to well under its JSON size.
        let code = r#"{"tool":{"name":"codeql","version":"2.19.3"},"kind":"code","rule_id":"py/path-injection","title":"This query depends on a user-provided value.","message":"This query depends on a user-provided value.","severity":{"level":"high","tool_label":"7.5"},"cwes":[22],"location":{"type":"code","path":"src/service_27/module_777.py","start_line":10,"start_column":5,"end_column":60},"fingerprints":{"primaryLocationLineHash":"3660740359129bbd:1"},"snippet":"open(os.path.join(BASE, request.args['f777']))","tags":["security"],"source_ref":"/runs/0/results/777"}"#;
        let packed = pack_json(code);
        assert!(
            packed.len() * 10 < code.len() * 7,
            "{} of {}",
            packed.len(),
            code.len()
        );
        assert_eq!(
            unpack_json(&packed).unwrap(),
            serde_json::from_str::<serde_json::Value>(code).unwrap()
        );
        assert_eq!(severity_from_db(9), Severity::Critical);
        assert_eq!(severity_from_db(-1), Severity::Info);
    }
}
