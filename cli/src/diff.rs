//! `cargo tallyho diff`: compare two manifests; exit 1 when the new one is over budget.

use std::path::Path;
use std::process::ExitCode;

use tallyho_codegen::Manifest;

/// Prints the difference between the manifests at `old` and `new`.
pub(crate) fn run(old: &Path, new: &Path) -> ExitCode {
    let read = |path: &Path| -> Result<Manifest, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Manifest::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    };
    let (old, new) = match (read(old), read(new)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(err), _) | (_, Err(err)) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    let result = tallyho_codegen::diff(&old, &new);
    print!("{result}");
    if result.over_budget.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
