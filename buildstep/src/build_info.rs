//! The values of `tallyho_build_info` the generated registry reads with `option_env!`: the
//! git revision of the workspace (read from `.git` directly, no `git` process), the compiler
//! version (`$RUSTC -V`, once per `OUT_DIR`), the target triple and the cargo profile.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use tallyho_spec::builtin::build_info::ENV_VARS;

/// The file in `OUT_DIR` holding the compiler and its version: `RUSTC`, a newline, `-V`.
const RUSTC_CACHE: &str = "tallyho-rustc-version";

/// `cargo:rustc-env` for each of [`ENV_VARS`], and `cargo:rerun-if-changed` for the git files
/// the revision was read from.
pub(crate) fn instructions(root: &Path, out_dir: &Path) -> String {
    let (revision, watched) = revision(root);
    let values = [
        revision,
        rustc_version(out_dir),
        std::env::var("TARGET").unwrap_or_default(),
        std::env::var("PROFILE").unwrap_or_default(),
    ];
    let mut out = String::new();
    for (name, value) in ENV_VARS.iter().zip(values) {
        // One line each: a value with a newline would end the instruction early.
        let value = value.lines().next().unwrap_or_default().trim();
        out.push_str(&format!("cargo:rustc-env={name}={value}\n"));
    }
    for path in watched {
        out.push_str(&format!("cargo:rerun-if-changed={}\n", path.display()));
    }
    out
}

/// The commit HEAD points at in the git checkout at `root` (empty when it is none), and the
/// files that decide it.
pub(crate) fn revision(root: &Path) -> (String, Vec<PathBuf>) {
    let Some(git_dir) = git_dir(root) else {
        return (String::new(), Vec::new());
    };
    // A linked worktree keeps its HEAD, and its refs in the common directory.
    let common = fs::read_to_string(git_dir.join("commondir"))
        .map(|c| git_dir.join(c.trim()))
        .unwrap_or_else(|_| git_dir.clone());
    let head = git_dir.join("HEAD");
    let mut watched = vec![head.clone()];
    let Ok(text) = fs::read_to_string(&head) else {
        return (String::new(), Vec::new());
    };
    let text = text.trim();
    let Some(reference) = text.strip_prefix("ref:").map(str::trim) else {
        return (hash(text), watched);
    };
    let loose = [&git_dir, &common].map(|d| d.join(reference));
    let packed = common.join("packed-refs");
    watched.extend(loose.iter().filter(|p| p.exists()).cloned());
    watched.push(packed.clone());
    let found = loose
        .iter()
        .find_map(|p| fs::read_to_string(p).ok())
        .map(|t| hash(t.trim()))
        .or_else(|| packed_ref(&packed, reference));
    (found.unwrap_or_default(), watched)
}

/// The git directory of the checkout holding `root`, found as git finds it: the nearest
/// `.git` at `root` or above (a workspace may sit in a subfolder of its repository).
fn git_dir(root: &Path) -> Option<PathBuf> {
    root.ancestors().find_map(dot_git)
}

/// `.git` in `dir`: a folder, or a file naming one (`gitdir: ...`, a worktree).
fn dot_git(dir: &Path) -> Option<PathBuf> {
    let dot_git = dir.join(".git");
    if dot_git.is_dir() {
        return Some(dot_git);
    }
    let text = fs::read_to_string(&dot_git).ok()?;
    let named = text.trim().strip_prefix("gitdir:")?.trim();
    Some(dir.join(named))
}

/// The hash `reference` has in a `packed-refs` file.
fn packed_ref(packed: &Path, reference: &str) -> Option<String> {
    let text = fs::read_to_string(packed).ok()?;
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with('^'))
        .find_map(|l| {
            let (hash, name) = l.split_once(' ')?;
            (name.trim() == reference).then(|| self::hash(hash))
        })
}

/// A hex object id, or empty for anything else.
fn hash(text: &str) -> String {
    let ok = (7..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        text.to_owned()
    } else {
        String::new()
    }
}

/// `$RUSTC -V`, read from the cache in `out_dir` when the same compiler gave it before (a
/// new toolchain gets a new `OUT_DIR`), so a rerun runs no process.
fn rustc_version(out_dir: &Path) -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let cache = out_dir.join(RUSTC_CACHE);
    if let Some((cached, version)) = fs::read_to_string(&cache)
        .ok()
        .as_deref()
        .and_then(|t| t.split_once('\n'))
    {
        if cached == rustc {
            return version.trim().to_owned();
        }
    }
    let version = Command::new(&rustc)
        .arg("-V")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let _ = fs::write(&cache, format!("{rustc}\n{version}"));
    version
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_branch_from_loose_and_packed_refs_and_a_detached_head() {
        let root = tempfile::tempdir().expect("temp dir");
        let git = root.path().join(".git");
        fs::create_dir_all(git.join("refs/heads")).expect("refs");
        assert_eq!(revision(root.path()).0, "", "no HEAD yet");
        let a = "0123456789abcdef0123456789abcdef01234567";
        let b = "89abcdef0123456789abcdef0123456789abcdef";
        fs::write(git.join("HEAD"), "ref: refs/heads/main\n").expect("HEAD");
        fs::write(
            git.join("packed-refs"),
            format!("# pack-refs\n{b} refs/heads/main\n"),
        )
        .expect("packed");
        assert_eq!(revision(root.path()).0, b);
        fs::write(git.join("refs/heads/main"), format!("{a}\n")).expect("ref");
        let (found, watched) = revision(root.path());
        assert_eq!(found, a);
        assert!(
            watched.contains(&git.join("refs/heads/main")),
            "{watched:?}"
        );
        fs::write(git.join("HEAD"), format!("{b}\n")).expect("detached");
        assert_eq!(revision(root.path()).0, b);
        // A workspace in a subfolder of the repository has the repository's revision.
        assert_eq!(revision(&root.path().join("fixtures/shop")).0, b);
        fs::write(git.join("HEAD"), "garbage").expect("broken");
        assert_eq!(revision(root.path()).0, "");
    }
}
