//! The pool of preallocated segment files, and the background thread that keeps one ready so
//! that preallocation never sits on the append path. It also hands out the numbers of segments
//! and free files from one counter, so no number is ever used twice.

use crate::files::{create_zeroed, free_file_name, sync_dir};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// Free files kept ready ahead of need.
const SPARE: usize = 1;
/// Recycled files kept beyond that are deleted, which bounds the disk the log holds after a burst.
pub const MAX_FREE: usize = 4;

pub struct Pool {
    dir: PathBuf,
    segment_bytes: u64,
    state: Mutex<PoolState>,
    changed: Condvar,
    abort: AtomicBool,
    next_number: AtomicU64,
    free_count: AtomicU64,
}

struct PoolState {
    free: Vec<PathBuf>,
    /// Recycled files being renamed into the pool: their places are taken already, so that the
    /// pool never holds more than MAX_FREE files once they and a file being prepared land.
    recycling: usize,
    /// The background thread is creating a file.
    preparing: bool,
    /// The background thread's last creation failed; it waits until a taker asks again.
    failed: bool,
    shutdown: bool,
}

impl Pool {
    pub fn new(dir: &Path, segment_bytes: u64, free: Vec<PathBuf>, highest_number: u64) -> Arc<Pool> {
        let count = free.len() as u64;
        Arc::new(Pool {
            dir: dir.to_path_buf(),
            segment_bytes,
            state: Mutex::new(PoolState { free, recycling: 0, preparing: false, failed: false, shutdown: false }),
            changed: Condvar::new(),
            abort: AtomicBool::new(false),
            next_number: AtomicU64::new(highest_number + 1),
            free_count: AtomicU64::new(count),
        })
    }

    /// A number no file name has used.
    pub fn next_number(&self) -> u64 {
        self.next_number.fetch_add(1, Ordering::Relaxed)
    }

    pub fn free_count(&self) -> u64 {
        self.free_count.load(Ordering::Relaxed)
    }

    fn lock(&self) -> MutexGuard<'_, PoolState> {
        // The state stays consistent across a panic (plain fields), so a poisoned lock is usable.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn start(self: &Arc<Self>) -> io::Result<JoinHandle<()>> {
        let pool = Arc::clone(self);
        std::thread::Builder::new().name("wtr-wal-prealloc".into()).spawn(move || pool.run())
    }

    fn run(&self) {
        loop {
            let number = {
                let mut state = self.lock();
                loop {
                    if state.shutdown {
                        return;
                    }
                    if state.free.len() < SPARE && !state.failed && !state.preparing {
                        break;
                    }
                    state = self.changed.wait(state).unwrap_or_else(|poisoned| poisoned.into_inner());
                }
                state.preparing = true;
                self.next_number()
            };
            let created = create_zeroed(&self.dir, number, self.segment_bytes, &self.abort);
            let mut state = self.lock();
            state.preparing = false;
            match created {
                Ok(Some(path)) => {
                    state.free.push(path);
                    self.free_count.store(state.free.len() as u64, Ordering::Relaxed);
                }
                Ok(None) => {}
                Err(_) => state.failed = true,
            }
            self.changed.notify_all();
        }
    }

    /// A preallocated file for the next segment: a ready one, the one being prepared (waiting for
    /// it), or else one created here and now (the error is the caller's to report).
    pub fn take(&self) -> io::Result<PathBuf> {
        let mut state = self.lock();
        loop {
            if let Some(path) = state.free.pop() {
                self.free_count.store(state.free.len() as u64, Ordering::Relaxed);
                self.changed.notify_all();
                return Ok(path);
            }
            if !state.preparing || state.shutdown {
                break;
            }
            state = self.changed.wait(state).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        state.failed = false;
        drop(state);
        let never = AtomicBool::new(false);
        let created = create_zeroed(&self.dir, self.next_number(), self.segment_bytes, &never);
        self.changed.notify_all();
        created.map(|path| path.expect("creation is never aborted"))
    }

    /// Recycles a segment file that no longer holds needed records: renamed to
    /// `free-<its seq>.wal` when it has the standard size and the pool has room, else deleted.
    /// The directory is synced before returning.
    pub fn recycle(&self, path: &Path, seq: u64, len: u64) -> io::Result<()> {
        // The place is taken under the lock: the rename runs without it, and meanwhile the
        // background thread may start preparing a file (it did, and the pool reached five).
        let keep = len == self.segment_bytes && {
            let mut state = self.lock();
            let room = state.free.len() + state.recycling + usize::from(state.preparing) < MAX_FREE;
            if room {
                state.recycling += 1;
            }
            room
        };
        if keep {
            let free_path = self.dir.join(free_file_name(seq));
            let renamed = fs::rename(path, &free_path).and_then(|()| sync_dir(&self.dir));
            let mut state = self.lock();
            state.recycling -= 1;
            if renamed.is_ok() {
                state.free.push(free_path);
                self.free_count.store(state.free.len() as u64, Ordering::Relaxed);
            }
            self.changed.notify_all();
            renamed?;
        } else {
            fs::remove_file(path)?;
            sync_dir(&self.dir)?;
        }
        Ok(())
    }

    /// Stops the background thread (a creation in progress is abandoned).
    pub fn shutdown(&self) {
        self.abort.store(true, Ordering::Relaxed);
        self.lock().shutdown = true;
        self.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_dir::TestDir;

    /// Recycles `count` standard-size files numbered from `first`.
    fn recycle_files(pool: &Pool, dir: &Path, first: u64, count: u64, bytes: u64) {
        for seq in first..first + count {
            let path = dir.join(format!("{seq:016}.wal"));
            fs::write(&path, vec![0u8; bytes as usize]).unwrap();
            pool.recycle(&path, seq, bytes).unwrap();
        }
    }

    #[test]
    fn recycling_leaves_room_for_the_file_being_prepared() {
        let dir = TestDir::new("pool-room");
        let pool = Pool::new(dir.path(), 4096, Vec::new(), 0);
        // As when the background thread has just started on a file.
        pool.lock().preparing = true;
        recycle_files(&pool, dir.path(), 1, MAX_FREE as u64, 4096);
        assert_eq!(pool.lock().free.len(), MAX_FREE - 1);
        // That file lands: the pool holds MAX_FREE, never more.
        {
            let mut state = pool.lock();
            state.preparing = false;
            state.free.push(dir.path().join(free_file_name(99)));
        }
        recycle_files(&pool, dir.path(), 10, 2, 4096);
        assert_eq!(pool.lock().free.len(), MAX_FREE);
        let free_files = fs::read_dir(dir.path()).unwrap().filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with("free-")).count();
        assert_eq!(free_files, MAX_FREE - 1, "the files beyond the pool's room were deleted");
    }
}
