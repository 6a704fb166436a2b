//! `rampart policy`: run Rego policy tests the way `opa test` does; write the built-in bundle
//! out as a starting point. Also reads policy directories for `rampart gate`.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use rampart_engine::policy::{PolicySource, TestOutcome, default_bundle, run_tests};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Run the `test_*` rules of the policies in DIR (files or directories, searched for
    /// `.rego` files); with no DIR, the built-in bundle's own tests. Exit 1 when a test fails.
    Test(TestArgs),
    /// Write the built-in bundle (policies and tests) into DIR, to read or start from.
    Export(ExportArgs),
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Policy files or directories.
    paths: Vec<PathBuf>,
    /// Also load the built-in bundle (for policies that import `data.rampart.lib`).
    #[arg(long)]
    bundle: bool,
    /// Print every test, not only failures and the summary.
    #[arg(short, long)]
    verbose: bool,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Directory to write into (created when missing).
    dir: PathBuf,
}

/// Every `.rego` file under `paths` (files as given, directories searched recursively, in
/// name order), read.
pub fn read_policies(paths: &[PathBuf]) -> Result<Vec<PolicySource>> {
    let mut files = Vec::new();
    for p in paths {
        collect(p, &mut files)?;
    }
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f)
                .with_context(|| format!("{}: cannot read policy", f.display()))?;
            Ok(PolicySource::new(f.display().to_string(), text))
        })
        .collect()
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("{}: cannot read policy path", path.display()))?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .with_context(|| format!("{}: cannot list directory", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for e in entries {
        if e.is_dir() {
            collect(&e, out)?;
        } else if e.extension().is_some_and(|x| x == "rego") {
            out.push(e);
        }
    }
    Ok(())
}

pub async fn run(cmd: PolicyCommand) -> Result<ExitCode> {
    match cmd {
        PolicyCommand::Test(args) => test(args),
        PolicyCommand::Export(args) => export(args),
    }
}

fn test(args: TestArgs) -> Result<ExitCode> {
    let mut sources = if args.paths.is_empty() || args.bundle {
        default_bundle()
    } else {
        Vec::new()
    };
    sources.extend(read_policies(&args.paths)?);
    if sources.is_empty() {
        bail!("no .rego files found");
    }
    let results = run_tests(&sources)?;
    let failed = results.iter().filter(|r| !r.passed()).count();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
    } else {
        for r in &results {
            match &r.outcome {
                TestOutcome::Pass if args.verbose => {
                    println!("PASS {}:{} {}.{}", r.file, r.line, r.package, r.name)
                }
                TestOutcome::Pass => {}
                TestOutcome::Fail => {
                    println!("FAIL {}:{} {}.{}", r.file, r.line, r.package, r.name)
                }
                TestOutcome::Error(e) => {
                    println!("ERROR {}:{} {}.{}: {e}", r.file, r.line, r.package, r.name)
                }
            }
        }
        println!("{} passed, {} failed", results.len() - failed, failed);
    }
    if results.is_empty() {
        bail!("no test_* rules found");
    }
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn export(args: ExportArgs) -> Result<ExitCode> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("{}: cannot create directory", args.dir.display()))?;
    for s in default_bundle() {
        let name = s.path.trim_start_matches("default/");
        let path = args.dir.join(name);
        std::fs::write(&path, &s.text)
            .with_context(|| format!("{}: cannot write", path.display()))?;
        println!("{}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
