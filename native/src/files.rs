//! Names and whole-file operations in the WAL directory.
//!
//! - `<seq as 16 hex digits>.wal`: a segment, named by its sequence number.
//! - `free-<number as 16 hex digits>.wal`: a preallocated file waiting for reuse. A recycled
//!   segment keeps its sequence number as this number, so every number ever given out stays
//!   visible in a name, and the next segment's number is above all of them.
//! - `free-<number>.tmp`: a file being preallocated; removed at open.
//! - `LOCK`: held with flock while the log is open.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

pub const LOCK_FILE: &str = "LOCK";

pub fn segment_file_name(seq: u64) -> String {
    format!("{seq:016x}.wal")
}

pub fn free_file_name(number: u64) -> String {
    format!("free-{number:016x}.wal")
}

fn temp_file_name(number: u64) -> String {
    format!("free-{number:016x}.tmp")
}

fn parse_hex16(text: &str) -> Option<u64> {
    if text.len() == 16 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        u64::from_str_radix(text, 16).ok()
    } else {
        None
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub number: u64,
    pub path: PathBuf,
    pub len: u64,
}

#[derive(Debug, Default)]
pub struct Listing {
    /// Ascending by sequence number.
    pub segments: Vec<Entry>,
    pub free: Vec<Entry>,
    pub temporary: Vec<PathBuf>,
}

impl Listing {
    /// The highest number any file name uses (0 when none).
    pub fn highest_number(&self) -> u64 {
        self.segments.iter().chain(self.free.iter()).map(|entry| entry.number).max().unwrap_or(0)
    }
}

pub fn list(dir: &Path) -> io::Result<Listing> {
    let mut listing = Listing::default();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = match name.to_str() {
            Some(name) => name,
            None => continue,
        };
        let path = entry.path();
        if let Some(stem) = name.strip_suffix(".wal") {
            let (number, free) = match stem.strip_prefix("free-") {
                Some(rest) => (parse_hex16(rest), true),
                None => (parse_hex16(stem), false),
            };
            if let Some(number) = number {
                let metadata = entry.metadata()?;
                if !metadata.is_file() {
                    continue;
                }
                let item = Entry { number, path, len: metadata.len() };
                if free {
                    listing.free.push(item);
                } else {
                    listing.segments.push(item);
                }
            }
        } else if name.starts_with("free-") && name.ends_with(".tmp") {
            listing.temporary.push(path);
        }
    }
    listing.segments.sort_by_key(|entry| entry.number);
    listing.free.sort_by_key(|entry| entry.number);
    Ok(listing)
}

/// Makes renames and creations in `dir` durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Creates `dir` and any missing parents, and makes each new directory entry durable by
/// syncing its parent: without that, a power cut can take away a freshly created WAL directory
/// together with every record synced inside it.
pub fn create_dir_durably(dir: &Path) -> io::Result<()> {
    let mut missing = Vec::new();
    let mut at = Some(dir);
    while let Some(path) = at {
        if path.as_os_str().is_empty() || path.exists() {
            break;
        }
        missing.push(path.to_path_buf());
        at = path.parent();
    }
    if missing.is_empty() {
        return Ok(());
    }
    fs::create_dir_all(dir)?;
    for created in missing.iter().rev() {
        match created.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => sync_dir(parent)?,
            _ => sync_dir(Path::new("."))?,
        }
    }
    Ok(())
}

/// Reads the first `len` bytes of a file (fewer when it is shorter).
pub fn read_prefix(path: &Path, len: usize) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(len);
    File::open(path)?.take(len as u64).read_to_end(&mut bytes)?;
    Ok(bytes)
}

const ZERO_CHUNK: usize = 1 << 20;

/// Creates `free-<number>.wal` of `size` bytes of written zeros (not sparse: overwriting
/// allocated blocks makes fdatasync cheaper than growing a file), durable in the directory.
/// Returns None when `abort` was raised meanwhile (the partial file is removed).
pub fn create_zeroed(dir: &Path, number: u64, size: u64, abort: &AtomicBool) -> io::Result<Option<PathBuf>> {
    let temporary = dir.join(temp_file_name(number));
    let result = fill_with_zeros(&temporary, size, abort);
    match result {
        Ok(true) => {
            let path = dir.join(free_file_name(number));
            fs::rename(&temporary, &path)?;
            sync_dir(dir)?;
            Ok(Some(path))
        }
        Ok(false) => {
            let _ = fs::remove_file(&temporary);
            Ok(None)
        }
        Err(error) => {
            let _ = fs::remove_file(&temporary);
            Err(error)
        }
    }
}

fn fill_with_zeros(path: &Path, size: u64, abort: &AtomicBool) -> io::Result<bool> {
    let mut file = OpenOptions::new().write(true).create(true).truncate(true).open(path)?;
    let zeros = vec![0u8; ZERO_CHUNK];
    let mut written = 0u64;
    while written < size {
        if abort.load(Ordering::Relaxed) {
            return Ok(false);
        }
        let chunk = (size - written).min(ZERO_CHUNK as u64) as usize;
        file.write_all(&zeros[..chunk])?;
        written += chunk as u64;
    }
    file.sync_all()?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_the_listing() {
        let dir = crate::test_dir::TestDir::new("files");
        fs::write(dir.path().join(segment_file_name(0x2a)), b"x").unwrap();
        fs::write(dir.path().join(free_file_name(7)), b"yy").unwrap();
        fs::write(dir.path().join("free-0000000000000009.tmp"), b"").unwrap();
        fs::write(dir.path().join("notes.txt"), b"").unwrap();
        fs::write(dir.path().join("12.wal"), b"").unwrap();
        let listing = list(dir.path()).unwrap();
        assert_eq!(listing.segments.iter().map(|e| (e.number, e.len)).collect::<Vec<_>>(), vec![(0x2a, 1)]);
        assert_eq!(listing.free.iter().map(|e| (e.number, e.len)).collect::<Vec<_>>(), vec![(7, 2)]);
        assert_eq!(listing.temporary.len(), 1);
        assert_eq!(listing.highest_number(), 0x2a);
    }

    #[test]
    fn zeroed_files_are_fully_written() {
        use std::os::unix::fs::MetadataExt;
        let dir = crate::test_dir::TestDir::new("zeroed");
        let path = create_zeroed(dir.path(), 3, 3 << 20, &AtomicBool::new(false)).unwrap().unwrap();
        let metadata = fs::metadata(&path).unwrap();
        assert_eq!(metadata.len(), 3 << 20);
        assert!(metadata.blocks() * 512 >= 3 << 20, "not sparse");
        assert!(create_zeroed(dir.path(), 4, 3 << 20, &AtomicBool::new(true)).unwrap().is_none());
        assert!(!dir.path().join("free-0000000000000004.tmp").exists());
    }
}
