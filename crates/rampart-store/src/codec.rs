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
pub fn join<T: std::fmt::Display>(items: &[T]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        // Writing into a `String` cannot fail.
        let _ = write!(out, "{item}");
    }
    out
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

/// The first four bytes of every zstd frame (RFC 8878). A [`pack_json`] blob starts with its
/// uncompressed size instead, and these bytes read as a size of about 4 GB, which no
/// observation has: a stored document says by its first bytes which form it is in.
pub const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];

/// Fewest documents a scan's first batch must hold for [`ScanPacker`] to train a dictionary
/// on them; smaller scans keep the built-in one ([`pack_json`]).
pub const TRAIN_MIN: usize = 1000;

/// Size of a trained dictionary. On 200,000 generated SARIF results, 8 KiB packed a document
/// to 92 bytes (4 KiB: 110, 16 KiB: 94), against 449 with the built-in dictionary
/// (`examples/pack_compare.rs`, docs/benchmarks.md).
pub const DICTIONARY_SIZE: usize = 8 * 1024;

/// zstd level for trained-dictionary packing: level 3 packs 5 % smaller than level 1 for 0.1 µs
/// more a document (0.98 against 0.88 µs), still faster than the built-in LZ4 form (1.14 µs).
const LEVEL: i32 = 3;

/// fastCover's segment size `k`, dmer size `d` and log2 frequency-table size `f` for a scan's
/// dictionary. `zstd::dict::from_samples` searches five values of `k`, training and test-packing
/// with each: 50-61 ms on 2,000 documents, while the ingest's other stages wait on full queues.
/// Trained once with these values it takes 11-13 ms, and documents pack as small or within 2 %
/// (94 bytes against 94 on a generated Trivy report, 90 against 88 on a generated SARIF log,
/// where the search chose `k` 1,024 and 1,998: `examples/pack_compare.rs`, docs/benchmarks.md).
const FAST_COVER: (u32, u32, u32) = (1024, 8, 18);

/// A [`DICTIONARY_SIZE`] dictionary trained on `samples` with fastCover at [`FAST_COVER`], or
/// `None` when zstd finds nothing to learn (too few or too small samples).
fn train(samples: &[&str]) -> Option<Vec<u8>> {
    use zstd::zstd_safe::zstd_sys::{
        ZDICT_fastCover_params_t, ZDICT_isError, ZDICT_params_t, ZDICT_trainFromBuffer_fastCover,
    };
    let flat: Vec<u8> = samples.concat().into_bytes();
    let sizes: Vec<usize> = samples.iter().map(|s| s.len()).collect();
    let count = u32::try_from(sizes.len()).ok()?;
    let (k, d, f) = FAST_COVER;
    // Zero asks for zstd's defaults (one thread, no shrinking, all samples trained on).
    let params = ZDICT_fastCover_params_t {
        k,
        d,
        f,
        steps: 0,
        nbThreads: 0,
        splitPoint: 0.0,
        accel: 0,
        shrinkDict: 0,
        shrinkDictMaxRegression: 0,
        zParams: ZDICT_params_t {
            compressionLevel: LEVEL,
            notificationLevel: 0,
            dictID: 0,
        },
    };
    let mut dictionary = vec![0u8; DICTIONARY_SIZE];
    // SAFETY: `dictionary` is writable for its length; `flat` holds exactly the bytes `sizes`
    // describe, `count` of them; zstd reads and writes nothing else and keeps no pointer.
    let written = unsafe {
        ZDICT_trainFromBuffer_fastCover(
            dictionary.as_mut_ptr().cast(),
            dictionary.len(),
            flat.as_ptr().cast(),
            sizes.as_ptr(),
            count,
            params,
        )
    };
    // SAFETY: a pure function of the returned code.
    if unsafe { ZDICT_isError(written) } != 0 || written > dictionary.len() {
        return None;
    }
    dictionary.truncate(written);
    Some(dictionary)
}

/// Whether a stored document is a zstd frame against its scan's dictionary (else a
/// [`pack_json`] blob).
pub fn is_scan_packed(bytes: &[u8]) -> bool {
    bytes.starts_with(&ZSTD_MAGIC)
}

/// Packs the observation documents of one scan for storage.
///
/// A scan's findings repeat one another: the same rules, messages, paths and packages. Trained
/// on the scan's first documents, a zstd dictionary packs each document to a fifth of what the
/// built-in LZ4 dictionary ([`pack_json`]) leaves, in less time; the store keeps the dictionary
/// once per scan ([`ScanPacker::dictionary`]) and reads documents back with [`Unpacker`].
pub enum ScanPacker {
    /// Too few documents to train on, or training failed: [`pack_json`].
    Builtin,
    /// zstd frames against `dictionary`.
    Trained {
        /// The trained dictionary, to store with the scan.
        dictionary: Vec<u8>,
        /// A compression context with the digested dictionary attached.
        cctx: Box<zstd::zstd_safe::CCtx<'static>>,
    },
}

impl ScanPacker {
    /// A packer for the scan whose first documents are `samples`: trained on them when there
    /// are at least [`TRAIN_MIN`], else [`ScanPacker::Builtin`].
    pub fn for_samples(samples: &[&str]) -> ScanPacker {
        if samples.len() < TRAIN_MIN {
            return ScanPacker::Builtin;
        }
        // Training fails when the samples hold too few bytes to learn from: keep the built-in.
        match train(samples) {
            Some(dictionary) => match Self::context(&dictionary) {
                Some(cctx) => ScanPacker::Trained {
                    dictionary,
                    cctx: Box::new(cctx),
                },
                None => ScanPacker::Builtin,
            },
            None => ScanPacker::Builtin,
        }
    }

    fn context(dictionary: &[u8]) -> Option<zstd::zstd_safe::CCtx<'static>> {
        use zstd::zstd_safe::{CCtx, CParameter};
        let mut cctx = CCtx::try_create()?;
        cctx.set_parameter(CParameter::CompressionLevel(LEVEL))
            .ok()?;
        // The store knows each document's dictionary by its scan: no id in every frame.
        cctx.set_parameter(CParameter::DictIdFlag(false)).ok()?;
        cctx.set_parameter(CParameter::ChecksumFlag(false)).ok()?;
        cctx.set_parameter(CParameter::ContentSizeFlag(true)).ok()?;
        cctx.load_dictionary(dictionary).ok()?;
        Some(cctx)
    }

    /// The dictionary to store with the scan, when one was trained.
    pub fn dictionary(&self) -> Option<&[u8]> {
        match self {
            ScanPacker::Builtin => None,
            ScanPacker::Trained { dictionary, .. } => Some(dictionary),
        }
    }

    /// Packs one document.
    pub fn pack(&mut self, json: &str) -> Vec<u8> {
        let ScanPacker::Trained { cctx, .. } = self else {
            return pack_json(json);
        };
        let mut out = Vec::with_capacity(zstd::zstd_safe::compress_bound(json.len()));
        match cctx.compress2(&mut out, json.as_bytes()) {
            Ok(_) => out,
            // Only an allocation failure inside zstd gets here: the built-in form is as good.
            Err(_) => pack_json(json),
        }
    }
}

/// Reads stored observation documents back, in either form: [`pack_json`] blobs, and zstd
/// frames against their scan's dictionary, which the caller supplies with
/// [`Unpacker::add_dictionary`] before reading that scan's documents.
#[derive(Default)]
pub struct Unpacker {
    dictionaries: std::collections::HashMap<i64, zstd::zstd_safe::DDict<'static>>,
    dctx: Option<zstd::zstd_safe::DCtx<'static>>,
}

impl Unpacker {
    /// An unpacker with no dictionaries.
    pub fn new() -> Unpacker {
        Unpacker::default()
    }

    /// Whether the dictionary of scan `scan` is loaded.
    pub fn has_dictionary(&self, scan: i64) -> bool {
        self.dictionaries.contains_key(&scan)
    }

    /// Adds the dictionary of scan `scan`.
    pub fn add_dictionary(&mut self, scan: i64, dictionary: &[u8]) -> crate::Result<()> {
        let ddict = zstd::zstd_safe::DDict::try_create(dictionary).ok_or_else(|| {
            crate::StoreError::Corrupt(format!("the dictionary of scan {scan} does not load"))
        })?;
        self.dictionaries.insert(scan, ddict);
        Ok(())
    }

    /// The document `bytes` that scan `scan` stored, as JSON text, into `out` (reusing its
    /// allocation).
    pub fn str_into(&mut self, scan: i64, bytes: &[u8], out: &mut String) -> crate::Result<()> {
        if !is_scan_packed(bytes) {
            return unpack_str_into(bytes, out);
        }
        let err = |e: String| crate::StoreError::Corrupt(format!("observation data: {e}"));
        let ddict = self
            .dictionaries
            .get(&scan)
            .ok_or_else(|| err(format!("scan {scan} has no stored dictionary")))?;
        let size = match zstd::zstd_safe::get_frame_content_size(bytes) {
            Ok(Some(size)) => size as usize,
            _ => return Err(err("a zstd frame without its size".into())),
        };
        // zstd expands at most about 32,000-fold; a larger size is corrupt, not an allocation.
        if size > bytes.len().saturating_mul(32 * 1024) {
            return Err(err(format!("frame size {size} for {} bytes", bytes.len())));
        }
        let dctx = match &mut self.dctx {
            Some(d) => d,
            empty => empty.insert(
                zstd::zstd_safe::DCtx::try_create()
                    .ok_or_else(|| err("no memory for a decompression context".into()))?,
            ),
        };
        // Into `out`'s own allocation (left empty on an error).
        let mut buf = std::mem::take(out).into_bytes();
        buf.clear();
        buf.reserve(size);
        dctx.decompress_using_ddict(&mut buf, bytes, ddict)
            .map_err(|code| err(zstd::zstd_safe::get_error_name(code).to_string()))?;
        *out = String::from_utf8(buf).map_err(|e| err(e.to_string()))?;
        Ok(())
    }

    /// The document `bytes` that scan `scan` stored, as JSON.
    pub fn json(&mut self, scan: i64, bytes: &[u8]) -> crate::Result<serde_json::Value> {
        let mut text = String::new();
        self.str_into(scan, bytes, &mut text)?;
        serde_json::from_str(&text)
            .map_err(|e| crate::StoreError::Corrupt(format!("observation data: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_separates_with_commas_and_splits_back() {
        assert_eq!(join(&[79u32, 80, 1321]), "79,80,1321");
        assert_eq!(join(&["CVE-2024-1"]), "CVE-2024-1");
        assert_eq!(join::<u32>(&[]), "");
        assert_eq!(split("79,80,1321"), ["79", "80", "1321"]);
    }

    #[test]
    fn packs_and_unpacks() {
        let json = r#"{"a":[1,2,3],"b":"text text text text text"}"#;
        let packed = pack_json(json);
        let mut unpacker = Unpacker::new();
        assert_eq!(
            unpacker.json(0, &packed).unwrap(),
            serde_json::from_str::<serde_json::Value>(json).unwrap()
        );
        assert!(unpacker.json(0, b"garbage").is_err());
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
            unpacker.json(0, &packed).unwrap(),
            serde_json::from_str::<serde_json::Value>(code).unwrap()
        );
        assert_eq!(severity_from_db(9), Severity::Critical);
        assert_eq!(severity_from_db(-1), Severity::Info);
    }

    /// Documents like one scan's findings: same rule families, paths and messages, varied.
    fn scan_documents(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| {
                format!(
                    r#"{{"tool":{{"name":"semgrep","version":"1.90.0"}},"kind":"code","rule_id":"python.lang.security.audit.rule-{r}","title":"Finding of rule {r}","message":"User input reaches a dangerous call in handler_{i}","severity":{{"level":"high","tool_label":"ERROR"}},"cwes":[{c}],"location":{{"type":"code","path":"src/service_{s}/module_{i}.py","start_line":{l},"end_line":{l}}},"source_ref":"/results/{i}"}}"#,
                    r = i % 37,
                    c = 20 + i % 60,
                    s = i % 23,
                    l = 10 + i % 400,
                )
            })
            .collect()
    }

    #[test]
    fn a_trained_scan_packer_packs_smaller_and_reads_back() {
        let docs = scan_documents(3000);
        let samples: Vec<&str> = docs[..2000].iter().map(String::as_str).collect();
        let mut packer = ScanPacker::for_samples(&samples);
        let dictionary = packer.dictionary().expect("a trained dictionary").to_vec();
        assert!(dictionary.len() <= DICTIONARY_SIZE);
        let packed: Vec<Vec<u8>> = docs.iter().map(|d| packer.pack(d)).collect();
        assert!(packed.iter().all(|p| is_scan_packed(p)));
        let trained: usize = packed.iter().map(Vec::len).sum();
        let builtin: usize = docs.iter().map(|d| pack_json(d).len()).sum();
        assert!(trained * 2 < builtin, "{trained} against {builtin}");

        let mut unpacker = Unpacker::new();
        let mut text = String::new();
        // Without its scan's dictionary a frame is an error, not garbage.
        let e = unpacker.str_into(7, &packed[0], &mut text).unwrap_err();
        assert!(
            e.to_string().contains("scan 7 has no stored dictionary"),
            "{e}"
        );
        unpacker.add_dictionary(7, &dictionary).unwrap();
        assert!(unpacker.has_dictionary(7));
        for (doc, p) in docs.iter().zip(&packed) {
            unpacker.str_into(7, p, &mut text).unwrap();
            assert_eq!(&text, doc);
        }
        assert_eq!(
            unpacker.json(7, &packed[5]).unwrap(),
            serde_json::from_str::<serde_json::Value>(&docs[5]).unwrap()
        );
        // The built-in form reads the same way, dictionary or not.
        unpacker
            .str_into(99, &pack_json(&docs[1]), &mut text)
            .unwrap();
        assert_eq!(text, docs[1]);
        // A damaged frame is an error.
        let mut broken = packed[3].clone();
        broken.truncate(broken.len() / 2);
        assert!(unpacker.str_into(7, &broken, &mut text).is_err());
        let mut lying = ZSTD_MAGIC.to_vec();
        lying.extend_from_slice(&[0xff; 12]);
        assert!(unpacker.str_into(7, &lying, &mut text).is_err());
    }

    #[test]
    fn training_on_degenerate_samples_still_packs_and_reads_back() {
        // No bytes at all: zstd reports an error, which leaves the built-in form rather than
        // an empty or partial dictionary.
        let empty = vec![""; TRAIN_MIN];
        assert!(train(&empty).is_none());
        let mut packer = ScanPacker::for_samples(&empty);
        assert!(packer.dictionary().is_none());
        assert_eq!(unpack_str(&packer.pack("{}")).unwrap(), "{}");
        // The same tiny document over and over: a dictionary of little more than entropy
        // tables, which must still read back.
        let alike = vec!["{}"; TRAIN_MIN];
        let mut packer = ScanPacker::for_samples(&alike);
        let dictionary = packer.dictionary().expect("a dictionary").to_vec();
        assert!(dictionary.len() <= DICTIONARY_SIZE);
        let mut unpacker = Unpacker::new();
        unpacker.add_dictionary(1, &dictionary).unwrap();
        let mut text = String::new();
        for doc in ["{}", r#"{"tool":{"name":"trivy"}}"#] {
            let packed = packer.pack(doc);
            assert!(is_scan_packed(&packed));
            unpacker.str_into(1, &packed, &mut text).unwrap();
            assert_eq!(text, doc);
        }
    }

    #[test]
    fn small_scans_keep_the_builtin_dictionary() {
        let docs = scan_documents(TRAIN_MIN - 1);
        let samples: Vec<&str> = docs.iter().map(String::as_str).collect();
        let mut packer = ScanPacker::for_samples(&samples);
        assert!(packer.dictionary().is_none());
        let packed = packer.pack(&docs[0]);
        assert!(!is_scan_packed(&packed));
        assert_eq!(unpack_str(&packed).unwrap(), docs[0]);
    }
}
