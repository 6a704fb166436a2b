//! SARIF 2.1.0 logs from any producer (CodeQL, Semgrep, Gitleaks, Trivy, Checkov, KICS,
//! Grype, Dependency-Check, Bandit, ESLint ...), streamed.
//!
//! `runs[*].results` is streamed: a byte scanner (`scan.rs`) walks the log's outer
//! structure on its own read buffer and copies each result, on its own, into a reused
//! buffer, where it is deserialized and converted. Memory grows with one result, and a
//! result that is valid JSON but cannot be read becomes a diagnostic instead of failing the
//! log. (`json::StreamSeq` runs on serde_json's streaming reader, which takes one call per
//! byte: about 90,000 results per CPU-second here, against about 150,000 with the scanner.)
//!
//! A run's `tool` (its rules) usually comes before its results; the first [`WINDOW`]
//! results of each run are held back anyway, so run members written after them
//! (`artifacts`, `automationDetails`, `originalUriBaseIds` ...) still apply. When `tool`
//! comes after `results` (Semgrep, the SARIF SDK converters), every result of the run is
//! held, as JSON text, until the run ends.
//!
//! What each producer means (kinds of findings, where packages and resources are written)
//! is in `producers.rs`; the mapping of one result to an observation in `convert.rs`.

mod context;
mod convert;
mod locate;
mod producers;
mod raw;
mod scan;
mod text;

use crate::emit::{Emitter, ParseContext, ParseOutcome};
use crate::error::ParseError;
use context::{RunCtx, RunInput};
use convert::Converted;
use rampart_model::FindingKind;
use scan::{Pos, ScanError, Scanner};
use serde::de::DeserializeSeed;
use std::io::{BufRead, Read};

/// How many results of a run are held back before converting, so that run members written
/// after the results still apply to small and medium runs.
pub const WINDOW: usize = 1024;

/// Nesting levels of values in the log's outer structure (the top-level object is level 1,
/// `runs` 2, a run 3): a top-level member, a run member (`results`, `tool` ...), a result.
const RUNS_DEPTH: usize = 2;
const MEMBER_DEPTH: usize = 4;
const RESULT_DEPTH: usize = 5;

/// Parses a SARIF log, streaming one observation per result into `emitter`.
///
/// Results whose `kind` is `pass` or `notApplicable` are checks that passed, not findings:
/// they are counted in one diagnostic per run, not emitted.
pub fn parse<R: BufRead>(
    reader: R,
    ctx: &ParseContext,
    emitter: &mut Emitter<'_>,
) -> Result<ParseOutcome, ParseError> {
    let mut sc = Scanner::new(reader);
    let mut log = LogState {
        ctx,
        emitter,
        outcome: ParseOutcome::default(),
        saw_runs: false,
        first_kind: None,
    };
    let file = ctx.file_name.as_str();
    sc.skip_bom().map_err(|e| e.into_parse_error(file, ""))?;
    read_log(&mut sc, &mut log)?;
    sc.end().map_err(|e| e.into_parse_error(file, ""))?;
    log.finish()
}

/// What stops a parse: a scan error at a JSON pointer, or an error already complete.
enum Stop {
    Scan(ScanError, String),
    Done(ParseError),
}

/// `at!(expr, pointer)`: runs a scanner operation, tagging its error with `pointer`.
macro_rules! at {
    ($e:expr, $ptr:expr) => {
        $e.map_err(|e| Stop::Scan(e, $ptr.to_string()))?
    };
}

fn read_log<R: Read>(sc: &mut Scanner<R>, log: &mut LogState) -> Result<(), ParseError> {
    let file = log.ctx.file_name.clone();
    let r = read_log_inner(sc, log);
    r.map_err(|stop| match stop {
        Stop::Scan(e, pointer) => e.into_parse_error(&file, &pointer),
        Stop::Done(e) => e,
    })
}

fn read_log_inner<R: Read>(sc: &mut Scanner<R>, log: &mut LogState) -> Result<(), Stop> {
    match at!(sc.peek(), "") {
        Some(b'{') => {}
        Some(_) => {
            return Err(Stop::Scan(
                sc.error("expected a SARIF log (a JSON object with `version` and `runs`)"),
                String::new(),
            ));
        }
        None => {
            return Err(Stop::Done(ParseError::Empty {
                file: log.ctx.file_name.clone(),
            }));
        }
    }
    if !at!(sc.open(b'{'), "") {
        return Ok(());
    }
    loop {
        let key = at!(sc.key(), "");
        match key.as_str() {
            "version" => {
                let raw = at!(sc.capture_value(RUNS_DEPTH), "/version");
                let mut de = serde_json::Deserializer::from_slice(raw);
                let v = raw::StrSeed.deserialize(&mut de).ok().flatten();
                if let Err(msg) = log.check_version(v) {
                    return Err(Stop::Scan(sc.error(msg), "/version".into()));
                }
            }
            "runs" => {
                log.saw_runs = true;
                read_runs(sc, log)?;
            }
            _ => at!(sc.skip_value(RUNS_DEPTH), format!("/{key}")),
        }
        if !at!(sc.next_or_close(b'}'), "") {
            return Ok(());
        }
    }
}

fn read_runs<R: Read>(sc: &mut Scanner<R>, log: &mut LogState) -> Result<(), Stop> {
    if at!(sc.null(), "/runs") {
        return Ok(());
    }
    if at!(sc.peek(), "/runs") != Some(b'[') {
        return Err(Stop::Scan(
            sc.error("expected an array of runs"),
            "/runs".into(),
        ));
    }
    if !at!(sc.open(b'['), "/runs") {
        return Ok(());
    }
    let mut index = 0usize;
    loop {
        read_run(sc, log, index)?;
        index += 1;
        if !at!(sc.next_or_close(b']'), "/runs") {
            return Ok(());
        }
    }
}

fn read_run<R: Read>(sc: &mut Scanner<R>, log: &mut LogState, index: usize) -> Result<(), Stop> {
    let ptr = format!("/runs/{index}");
    if at!(sc.null(), ptr) {
        log.emitter.diagnose(ptr, "the run is null: skipped");
        return Ok(());
    }
    if at!(sc.peek(), ptr) != Some(b'{') {
        return Err(Stop::Scan(sc.error("expected a run object"), ptr));
    }
    let mut run = RunState::new(index);
    if at!(sc.open(b'{'), ptr) {
        loop {
            let key = at!(sc.key(), ptr);
            if run.is_late(&key) {
                run.late.push((key.clone(), run.converted));
            }
            let member = format!("{ptr}/{key}");
            match key.as_str() {
                "results" => read_results(sc, log, &mut run, &member)?,
                "tool" => run.input.tool = member_value(sc, log, &member, raw::ObjSeed::new())?,
                "artifacts" => {
                    run.input.artifacts = member_value(sc, log, &member, raw::VecSeed::new())?
                }
                "invocations" => {
                    run.input.invocations = member_value(sc, log, &member, raw::VecSeed::new())?
                }
                "originalUriBaseIds" => {
                    run.input.base_ids = member_value(sc, log, &member, raw::ObjMapSeed::new())?
                }
                "automationDetails" => {
                    run.input.automation = member_value(sc, log, &member, raw::ObjSeed::new())?
                }
                "taxonomies" => {
                    run.input.taxonomies = member_value(sc, log, &member, raw::VecSeed::new())?
                }
                "logicalLocations" => {
                    run.input.logical = member_value(sc, log, &member, raw::VecSeed::new())?
                }
                "properties" => {
                    run.input.properties =
                        member_value(sc, log, &member, raw::ObjSeed::new())?.unwrap_or_default()
                }
                _ => at!(sc.skip_value(MEMBER_DEPTH), member),
            }
            if !at!(sc.next_or_close(b'}'), ptr) {
                break;
            }
        }
    }
    run.finish(log)
}

/// Reads a run member with a lenient seed; a member that still cannot be read (duplicate
/// keys, say) is absent, with a diagnostic.
fn member_value<R: Read, S, T>(
    sc: &mut Scanner<R>,
    log: &mut LogState,
    ptr: &str,
    seed: S,
) -> Result<T, Stop>
where
    S: for<'de> DeserializeSeed<'de, Value = T>,
    T: Default,
{
    let raw = at!(sc.capture_value(MEMBER_DEPTH), ptr);
    let mut de = serde_json::Deserializer::from_slice(raw);
    match seed.deserialize(&mut de) {
        Ok(v) => Ok(v),
        Err(e) => {
            log.emitter
                .diagnose(ptr, format!("unreadable, ignored: {e}"));
            Ok(T::default())
        }
    }
}

fn read_results<R: Read>(
    sc: &mut Scanner<R>,
    log: &mut LogState,
    run: &mut RunState,
    ptr: &str,
) -> Result<(), Stop> {
    if at!(sc.null(), ptr) {
        return Ok(());
    }
    if at!(sc.peek(), ptr) != Some(b'[') {
        return Err(Stop::Scan(
            sc.error("expected an array of results"),
            ptr.to_string(),
        ));
    }
    if !at!(sc.open(b'['), ptr) {
        return Ok(());
    }
    let mut i = run.next_result;
    loop {
        let (raw, pos) = at!(sc.capture_verbatim(RESULT_DEPTH), format!("{ptr}/{i}"));
        run.on_result(i, raw, pos, log)?;
        i += 1;
        run.next_result = i;
        if !at!(sc.next_or_close(b']'), ptr) {
            return Ok(());
        }
    }
}

/// State of the whole log while it is read.
struct LogState<'c, 'e, 'a> {
    ctx: &'c ParseContext,
    emitter: &'e mut Emitter<'a>,
    outcome: ParseOutcome,
    saw_runs: bool,
    /// The kind of the first observation of the first run (Trivy's class depends on it).
    first_kind: Option<FindingKind>,
}

impl LogState<'_, '_, '_> {
    /// Checks `version`: 2.x is read (2.1.0 is the standard; other 2.x versions are read as
    /// 2.1.0 with a diagnostic); 1.x has a different shape and is refused.
    fn check_version(&mut self, version: Option<String>) -> Result<(), String> {
        let Some(v) = version else { return Ok(()) };
        let v = v.trim().to_string();
        if v.starts_with('1') || v.starts_with("0.") {
            return Err(format!(
                "SARIF version {v} is not supported: expected a SARIF 2.1.0 log"
            ));
        }
        if v != "2.1.0" {
            self.emitter.diagnose(
                "/version",
                format!("SARIF version {v}: read as SARIF 2.1.0 (the version Rampart implements)"),
            );
        }
        Ok(())
    }

    fn finish(self) -> Result<ParseOutcome, ParseError> {
        if !self.saw_runs {
            return Err(ParseError::invalid(
                &self.ctx.file_name,
                "/runs",
                "expected a SARIF log: the document has no `runs` array",
            ));
        }
        Ok(self.outcome)
    }

    /// Records a finished run's tool; the first run's tool decides the outcome's tool kind.
    fn add_run_tool(&mut self, run: &RunCtx) {
        if self.outcome.tools.is_empty() {
            self.outcome.tool_kind = match run.producer {
                producers::Producer::Trivy => {
                    Some(producers::trivy_tool_kind(&run.run_props, self.first_kind))
                }
                _ => producers::tool_kind(&run.tool.name),
            };
        }
        self.outcome.tools.push(run.tool.clone());
    }
}

/// One run while it is read: its members so far, the results held back, and the context
/// once results are being converted.
struct RunState {
    index: usize,
    input: RunInput,
    ctx: Option<RunCtx>,
    /// Results held back, as JSON text, with where each starts.
    pending: Vec<(usize, Box<[u8]>, Pos)>,
    /// Index of the next result (a run may, off-spec, hold `results` twice).
    next_result: usize,
    /// Run members that came after results had been converted (not applied to them), with
    /// how many results had been.
    late: Vec<(String, usize)>,
    converted: usize,
    not_findings: Vec<(usize, String)>,
}

/// Run members whose content the conversion uses.
const RUN_MEMBERS: &[&str] = &[
    "tool",
    "artifacts",
    "invocations",
    "originalUriBaseIds",
    "automationDetails",
    "taxonomies",
    "logicalLocations",
    "properties",
];

impl RunState {
    fn new(index: usize) -> Self {
        RunState {
            index,
            input: RunInput::default(),
            ctx: None,
            pending: Vec::new(),
            next_result: 0,
            late: Vec::new(),
            converted: 0,
            not_findings: Vec::new(),
        }
    }

    /// Whether member `key` arrives after results were already converted.
    fn is_late(&self, key: &str) -> bool {
        self.ctx.is_some() && RUN_MEMBERS.contains(&key)
    }

    /// Takes result `i`: holds it back while the window is open or the tool is unknown,
    /// converts it otherwise.
    fn on_result(
        &mut self,
        i: usize,
        raw: &[u8],
        pos: Pos,
        log: &mut LogState,
    ) -> Result<(), Stop> {
        if self.ctx.is_some() {
            return self.convert_one(i, raw, pos, log);
        }
        self.pending.push((i, raw.into(), pos));
        if self.pending.len() >= WINDOW && self.input.tool.is_some() {
            self.start_converting(log)?;
        }
        Ok(())
    }

    /// Builds the run's context and converts the results held back.
    fn start_converting(&mut self, log: &mut LogState) -> Result<(), Stop> {
        let (ctx, note) = RunCtx::build(self.index, &mut self.input);
        if let Some(note) = note {
            log.emitter
                .diagnose(format!("/runs/{}/tool", self.index), note);
        }
        self.ctx = Some(ctx);
        for (i, raw, pos) in std::mem::take(&mut self.pending) {
            self.convert_one(i, &raw, pos, log)?;
        }
        Ok(())
    }

    /// Reads and converts one result. Malformed JSON in it fails the log (the document is
    /// broken); a well-formed result that cannot be read is a diagnostic.
    fn convert_one(
        &mut self,
        i: usize,
        raw: &[u8],
        pos: Pos,
        log: &mut LogState,
    ) -> Result<(), Stop> {
        let Some(ctx) = self.ctx.as_ref() else {
            return Ok(());
        };
        if raw.first() != Some(&b'{') {
            let place = format!("/runs/{}/results/{i}", self.index);
            log.emitter
                .diagnose(place, "result skipped: it is not an object");
            return Ok(());
        }
        // One UTF-8 check of the whole result, then serde_json's `str` reader, which does not
        // check each string again.
        let parsed = match std::str::from_utf8(raw) {
            Ok(text) => serde_json::from_str::<raw::RawResult>(text),
            Err(_) => serde_json::from_slice::<raw::RawResult>(raw),
        };
        let result = match parsed {
            Ok(r) => r,
            Err(e) if e.classify() == serde_json::error::Category::Data => {
                let place = format!("/runs/{}/results/{i}", self.index);
                let msg = crate::json::strip_position(&e.to_string());
                log.emitter
                    .diagnose(place, format!("result skipped: {msg}"));
                return Ok(());
            }
            Err(e) => {
                return Err(Stop::Scan(
                    pos.error(&e),
                    format!("/runs/{}/results/{i}", self.index),
                ));
            }
        };
        self.converted += 1;
        match convert::convert(ctx, i, result, &log.ctx.secret_key) {
            Converted::Obs(obs) => {
                if log.first_kind.is_none() && log.outcome.tools.is_empty() {
                    log.first_kind = Some(obs.kind);
                }
                log.emitter.emit(*obs).map_err(|message| {
                    Stop::Done(ParseError::Sink {
                        file: log.ctx.file_name.clone(),
                        message,
                    })
                })
            }
            Converted::NotAFinding(word) => {
                self.not_findings.push((i, word));
                Ok(())
            }
        }
    }

    /// Converts what is still held back, records the run's tool and its diagnostics.
    fn finish(mut self, log: &mut LogState) -> Result<(), Stop> {
        if self.ctx.is_none() {
            self.start_converting(log)?;
        }
        let index = self.index;
        for (key, converted) in &self.late {
            log.emitter.diagnose(
                format!("/runs/{index}/{key}"),
                format!("`{key}` comes after {converted} results that were already converted: not applied to them"),
            );
        }
        if let Some((first, word)) = self.not_findings.first() {
            log.emitter.diagnose(
                format!("/runs/{index}/results/{first}"),
                format!(
                    "{} result(s) of this run are checks that passed or did not apply (kind `{word}` ...): not findings, not emitted",
                    self.not_findings.len()
                ),
            );
        }
        if let Some(ctx) = &self.ctx {
            log.add_run_tool(ctx);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
