//! The one way reel writes files for the user: into a temp file in the target directory, then a
//! rename, so a killed run leaves the old file or the new one, never half a file. [`Staged`] is
//! the same for a file written piece by piece (a download streamed to disk).
//!
//! Temp files are named `.reel-tmp-<owner>-<random>`, the owner being the writing process and its
//! host ([`owner_tag`]); a `kill -9` can leave one behind, and [`sweep_stale`] removes those whose
//! owner is gone when the next run starts.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The start of every temp file reel writes.
pub const TEMP_PREFIX: &str = ".reel-tmp-";

/// `<pid>.<host>`: this process, and a short hash of the host's name (a folder can be shared by
/// machines or containers, whose processes this one cannot see).
pub fn owner_tag() -> String {
    format!("{}.{:08x}", std::process::id(), host_hash())
}

fn host_hash() -> u32 {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most `buf.len()` bytes into `buf`.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let name = if ok {
        let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
        &buf[..end]
    } else {
        &[]
    };
    crate::recording::fnv1a(name) as u32
}

/// How old an entry of another host (or of an older reel, without an owner in its name) must be
/// before it counts as stale: its writer cannot be asked whether it still runs.
pub const STALE_UNKNOWN_OWNER: Duration = Duration::from_secs(24 * 3600);

/// Whether the entry `name` (its owner tag after `prefix`) at `path` was left behind: its owner
/// is a process of this host that no longer runs, or, when that cannot be told, it is older
/// than [`STALE_UNKNOWN_OWNER`].
pub fn is_stale(path: &Path, name: &str, prefix: &str) -> bool {
    let owner = name
        .strip_prefix(prefix)
        .and_then(|rest| rest.split_once('-'))
        .and_then(|(tag, _)| tag.split_once('.'))
        .and_then(|(pid, host)| {
            Some((
                pid.parse::<u32>().ok()?,
                u32::from_str_radix(host, 16).ok()?,
            ))
        });
    match owner {
        Some((pid, host)) if host == host_hash() => pid != std::process::id() && !process_runs(pid),
        _ => std::fs::symlink_metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_UNKNOWN_OWNER),
    }
}

fn process_runs(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists and may be signalled.
    let sent = unsafe { libc::kill(pid, 0) } == 0;
    sent || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Removes the stale temp files ([`is_stale`]) under each of `dirs` (recursively, not following
/// symbolic links); returns what it removed. Folders that do not exist are skipped.
pub fn sweep_stale(dirs: &[&Path]) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    let mut stack: Vec<PathBuf> = dirs.iter().map(|d| d.to_path_buf()).collect();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_dir() {
                stack.push(path);
                continue;
            }
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if kind.is_file()
                && name.starts_with(TEMP_PREFIX)
                && is_stale(&path, &name, TEMP_PREFIX)
                && std::fs::remove_file(&path).is_ok()
            {
                tracing::debug!("removed {}, left by a run that was killed", path.display());
                removed.push(path);
            }
        }
    }
    removed
}

/// A file being written for the user: a temp file in the target's folder that becomes the target
/// on [`Staged::commit`] (a rename) and is removed if dropped before.
pub struct Staged {
    tmp: tempfile::NamedTempFile,
}

impl Staged {
    /// A new, empty temp file in `dir` (created when missing); readable and writable.
    pub fn new_in(dir: &Path) -> std::io::Result<Staged> {
        std::fs::create_dir_all(dir)?;
        let tmp = tempfile::Builder::new()
            .prefix(&format!("{TEMP_PREFIX}{}-", owner_tag()))
            .tempfile_in(dir)?;
        Ok(Staged { tmp })
    }

    pub fn file(&mut self) -> &mut std::fs::File {
        self.tmp.as_file_mut()
    }

    /// Where it is being written (for messages).
    #[cfg_attr(not(feature = "https"), allow(dead_code))]
    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// Renames the file to `path` (which must be in the same folder), readable by others;
    /// `durable`: its data is on disk first.
    pub fn commit(self, path: &Path, durable: bool) -> std::io::Result<()> {
        // Temp files are private (0600); what reel writes is meant to be read by others too
        // (report artifacts, baselines in a repository).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            self.tmp
                .as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))?;
        }
        if durable {
            self.tmp.as_file().sync_data()?;
        }
        self.tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }
}

/// Writes `bytes` to `path` atomically, creating parent directories. A killed process leaves the
/// old file or the new one; for files that must also survive a machine crash, see
/// [`write_durable`].
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write(path, bytes, false)
}

/// Like [`write_atomic`], and the data is on disk before the rename (baselines, fetched
/// recordings: what cannot be regenerated by running again).
pub fn write_durable(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write(path, bytes, true)
}

fn write(path: &Path, bytes: &[u8], durable: bool) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut staged = Staged::new_in(dir)?;
    staged.file().write_all(bytes)?;
    staged.commit(path, durable)
}

/// Appends `bytes` to `path` (created when missing) in one write: for files another program owns
/// and reads after reel exits, such as GitHub's `$GITHUB_STEP_SUMMARY`.
pub fn append(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(bytes)?;
    file.flush()
}

/// Writes `bytes` to `path` (atomically, durably) unless the file already holds exactly these
/// bytes. Returns whether it wrote.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> std::io::Result<bool> {
    if std::fs::read(path).is_ok_and(|existing| existing == bytes) {
        return Ok(false);
    }
    write_durable(path, bytes)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_temp_files_whose_owner_is_gone_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        let host = format!("{:08x}", host_hash());
        let dead = sub.join(format!("{TEMP_PREFIX}4194305.{host}-abc"));
        let ours = sub.join(format!("{TEMP_PREFIX}{}-abc", owner_tag()));
        let other_host = sub.join(format!("{TEMP_PREFIX}4194305.{:08x}-abc", host_hash() ^ 1));
        let old_style = dir.path().join(format!("{TEMP_PREFIX}AbC123"));
        let old = dir.path().join(format!("{TEMP_PREFIX}XyZ789"));
        let not_ours = dir.path().join("keep.png");
        for p in [&dead, &ours, &other_host, &old_style, &old, &not_ours] {
            std::fs::write(p, b"x").unwrap();
        }
        let day_ago = std::time::SystemTime::now() - STALE_UNKNOWN_OWNER - Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(day_ago)
            .unwrap();
        let mut removed = sweep_stale(&[dir.path(), Path::new("/no/such/dir")]);
        removed.sort();
        let mut want = vec![dead, old];
        want.sort();
        assert_eq!(removed, want);
        for p in [&ours, &other_host, &old_style, &not_ours] {
            assert!(p.exists(), "{}", p.display());
        }
    }

    #[test]
    fn writes_and_replaces_without_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/a.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert!(!write_if_changed(&p, b"two").unwrap());
        assert!(write_if_changed(&p, b"three").unwrap());
        let names: Vec<_> = std::fs::read_dir(p.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.txt")]);
    }
}
