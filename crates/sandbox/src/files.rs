//! Files the sandbox writes hold credentials (tokens, keys, kubeconfigs, databases with
//! ServiceAccount token Secrets): they are created private to their owner (0600, their
//! directory 0700) whatever the umask, and created anew, never by opening a path that
//! another local user could have prepared (a temporary name they guessed, a symlink).

use rand::RngCore;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// Create `dir` (and its parents) if needed and make it 0700.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(dir)?;
    #[cfg(unix)]
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    Ok(())
}

/// Make every regular file directly in `dir` 0600 (files an earlier version left readable).
pub fn make_files_private(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}

fn private_options() -> OpenOptions {
    let mut opts = OpenOptions::new();
    opts.read(true).write(true);
    #[cfg(unix)]
    opts.mode(0o600).custom_flags(libc_o_nofollow());
    opts
}

/// `O_NOFOLLOW`: opening a symlink fails instead of following it.
#[cfg(unix)]
fn libc_o_nofollow() -> i32 {
    rustix::fs::OFlags::NOFOLLOW.bits() as i32
}

/// Open (creating it 0600 if missing) a file that must stay private, e.g. a lock or a
/// database; an existing one is made 0600. A symlink is refused.
pub fn open_private(path: &Path) -> std::io::Result<File> {
    let file = private_options().create(true).truncate(false).open(path)?;
    #[cfg(unix)]
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

/// Write a file readable only by its owner, atomically: a new file under an unguessable
/// name (created exclusively, 0600) is written, synced and renamed over `path`.
pub fn write_private(path: &Path, content: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut suffix = [0u8; 8];
    rand::rng().fill_bytes(&mut suffix);
    let suffix: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{suffix}.tmp"));
    let tmp = path.with_file_name(name);
    let written = (|| {
        let mut f = private_options().create_new(true).open(&tmp)?;
        f.write_all(content)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}
