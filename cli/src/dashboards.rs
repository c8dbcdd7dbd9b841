//! `cargo tallyho dashboards`: Grafana and Datadog dashboards and Prometheus rules from the
//! manifest, written to a folder or checked against the committed ones.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tallyho_codegen::{generate_dashboards, GeneratedFile, Manifest, Outputs};

use crate::plural::plural;

/// Where the manifest comes from and where the files go.
pub(crate) struct Args {
    /// The workspace's Cargo.toml, analysed on the fly.
    pub manifest_path: Option<PathBuf>,
    /// A committed manifest file, read instead of analysing.
    pub from_manifest: Option<PathBuf>,
    /// The output folder.
    pub out: Option<PathBuf>,
    /// Which outputs.
    pub outputs: Outputs,
    /// Compare instead of writing.
    pub check: bool,
}

/// Generates the files, then writes or checks them.
pub(crate) fn run(args: Args) -> ExitCode {
    let (manifest, root) = match load(&args) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let files = match generate_dashboards(&manifest, args.outputs) {
        Ok(files) => files,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(1);
        }
    };
    let out = args.out.unwrap_or_else(|| root.join("dashboards"));
    if args.check {
        check(&out, &files)
    } else {
        write(&out, &files)
    }
}

/// The manifest, and the folder the default output goes under.
fn load(args: &Args) -> Result<(Manifest, PathBuf), ExitCode> {
    let Some(path) = &args.from_manifest else {
        return crate::manifest::analyzed(args.manifest_path.as_deref());
    };
    let text = std::fs::read_to_string(path).map_err(|err| {
        eprintln!("error: cannot read {}: {err}", path.display());
        ExitCode::from(2)
    })?;
    let manifest = Manifest::parse(&text).map_err(|err| {
        eprintln!("error: {}: {err}", path.display());
        ExitCode::from(2)
    })?;
    let root = path.parent().map_or_else(PathBuf::new, Path::to_path_buf);
    Ok((manifest, root))
}

/// Exit 0 when every file under `out` is current, else 1 naming the stale and missing ones,
/// and the generated-looking ones nothing generates any more (a removed service's).
fn check(out: &Path, files: &[GeneratedFile]) -> ExitCode {
    let mut stale: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let path = out.join(&file.path);
            match std::fs::read_to_string(&path) {
                Ok(text) if text == file.contents => None,
                Ok(_) => Some(format!("  stale:   {}", path.display())),
                Err(_) => Some(format!("  missing: {}", path.display())),
            }
        })
        .collect();
    stale.extend(
        leftovers(out, files)
            .into_iter()
            .map(|path| format!("  extra:   {} (delete it)", path.display())),
    );
    if stale.is_empty() {
        eprintln!(
            "tallyho: {} in {} current",
            plural(files.len(), "file"),
            out.display()
        );
        return ExitCode::SUCCESS;
    }
    eprintln!(
        "error: the dashboards in {} are out of date:",
        out.display()
    );
    for line in &stale {
        eprintln!("{line}");
    }
    eprintln!(
        "regenerate them with `cargo tallyho dashboards --out {}`",
        out.display()
    );
    ExitCode::from(1)
}

/// Files in the generated folders that look generated (`*.json`, `*.rules.yml`,
/// `*.rules.test.yml`) but are not among `files`.
fn leftovers(out: &Path, files: &[GeneratedFile]) -> Vec<PathBuf> {
    let mut folders: Vec<&Path> = files.iter().filter_map(|f| f.path.parent()).collect();
    folders.dedup();
    let mut found = Vec::new();
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(out.join(folder)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let generated_looking = name.ends_with(".json")
                || name.ends_with(".rules.yml")
                || name.ends_with(".rules.test.yml");
            let relative = folder.join(&name);
            if generated_looking && !files.iter().any(|f| f.path == relative) {
                found.push(out.join(relative));
            }
        }
    }
    found.sort();
    found
}

/// Writes every file under `out`.
fn write(out: &Path, files: &[GeneratedFile]) -> ExitCode {
    for file in files {
        let path = out.join(&file.path);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, &file.contents));
        if let Err(err) = written {
            eprintln!("error: cannot write {}: {err}", path.display());
            return ExitCode::from(2);
        }
    }
    eprintln!(
        "tallyho: wrote {} to {}",
        plural(files.len(), "file"),
        out.display()
    );
    ExitCode::SUCCESS
}
