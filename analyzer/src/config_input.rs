//! `tallyho.yaml` as untrusted input, before it is parsed: only a regular file of at most
//! [`MAX_CONFIG_BYTES`] is read (a FIFO, a device, a socket, or a symlink to one, is refused
//! without opening it for long). The parser (`tree::yaml`) refuses anchors and aliases, so
//! what the file expands to is bounded by its size.

use std::fs::{self, File};
use std::io::Read;
use std::path::Path;

/// The largest `tallyho.yaml` read: 1 MiB, room for some 20,000 overrides.
pub(crate) const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Reads the configuration file at `path`: `None` if there is none, an error message if it is
/// not a regular file of at most [`MAX_CONFIG_BYTES`] of UTF-8. Never blocks on a FIFO and
/// never reads more than one byte past the limit.
pub(crate) fn read(path: &Path) -> Option<Result<String, String>> {
    // Follows symlinks: a link to /dev/zero is a device.
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return None,
        Err(err) => return Some(Err(err.to_string())),
    };
    Some(check_kind(&meta).and_then(|()| read_regular(path)))
}

/// A regular file within the size limit, or why not.
fn check_kind(meta: &fs::Metadata) -> Result<(), String> {
    if !meta.is_file() {
        return Err(format!("it is {}, not a regular file", kind(meta)));
    }
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(too_large(meta.len()));
    }
    Ok(())
}

fn too_large(bytes: u64) -> String {
    format!("it is {bytes} bytes, over the {MAX_CONFIG_BYTES} byte limit")
}

/// What a file that is not regular is, in words.
fn kind(meta: &fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let file_type = meta.file_type();
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Opens without blocking (the file may have been swapped for a FIFO since it was checked),
/// checks the opened file again, and reads at most one byte past the limit.
fn read_regular(path: &Path) -> Result<String, String> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file: File = options.open(path).map_err(|e| e.to_string())?;
    check_kind(&file.metadata().map_err(|e| e.to_string())?)?;
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(format!("it is over the {MAX_CONFIG_BYTES} byte limit"));
    }
    String::from_utf8(bytes).map_err(|_| "not valid UTF-8".to_owned())
}
