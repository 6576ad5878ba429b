//! The C ABI (native/wal.h documents each function). Every entry point catches panics, checks
//! its pointers, and reports failures as a negative code plus a message kept in the handle.

use crate::committer::{Committer, Job};
use crate::sys::{WalError, EINVAL, ERR_PANIC};
use crate::wal::{FailOp, Options, ReadOutcome, Wal};
use std::ffi::CStr;
use std::os::raw::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::Mutex;

pub const ABI_VERSION: u32 = 1;
const FLAG_DIRECT_IO: u32 = 1;
const FLAG_STRICT: u32 = 2;
const STATS_FIELDS: usize = 5;

/// What a `wtr_wal *` points to.
pub struct Handle {
    wal: Wal,
    last_error: Mutex<String>,
    /// Where wtr_wal_append publishes the LSN it made good (wtr_wal_watch); NULL when unset.
    completion: AtomicPtr<AtomicU64>,
    /// The appender thread (wtr_wal_committer_start), stopped before the handle is freed.
    committer: Mutex<Option<Committer>>,
}

impl Handle {
    fn record(&self, error: &WalError) {
        if let Ok(mut text) = self.last_error.lock() {
            text.clear();
            text.push_str(&error.message);
        }
    }

    /// An append, its completion word, and its status.
    fn append(&self, lsn: u64, payload: &[u8], sync: bool) -> i32 {
        let result = self.wal.append(lsn, payload, sync);
        if result.is_ok() {
            // Last, once nothing of the call can fail any more: a reader of the word may treat
            // the append as returned with success.
            let word = self.completion.load(Ordering::Acquire);
            if !word.is_null() {
                // SAFETY: wtr_wal_watch's contract keeps the word valid while it is set.
                unsafe { (*word).store((lsn as f64).to_bits(), Ordering::Release) };
            }
        }
        self.status(result)
    }

    fn status(&self, result: Result<(), WalError>) -> i32 {
        match result {
            Ok(()) => 0,
            Err(error) => {
                self.record(&error);
                error.code
            }
        }
    }
}

fn guarded<T>(on_panic: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(on_panic)
}

/// Copies `bytes` into a caller buffer (as much as fits) and returns the full length.
unsafe fn copy_out(bytes: &[u8], buf: *mut u8, cap: u64) -> i64 {
    if !buf.is_null() {
        let len = bytes.len().min(cap as usize);
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf, len);
    }
    bytes.len() as i64
}

unsafe fn handle<'a>(wal: *mut Handle) -> Option<&'a Handle> {
    wal.as_ref()
}

#[no_mangle]
pub extern "C" fn wtr_wal_abi_version() -> u32 {
    ABI_VERSION
}

/// # Safety
/// `dir` is a NUL-terminated path or NULL; `err_code` is NULL or 4 writable bytes; `err_buf` is
/// NULL or `err_cap` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn wtr_wal_open(
    dir: *const c_char,
    segment_bytes: u64,
    flags: u32,
    err_code: *mut u8,
    err_buf: *mut u8,
    err_cap: u64,
) -> *mut Handle {
    let result = guarded(
        Err(WalError { code: ERR_PANIC, message: "panic while opening the WAL".into() }),
        || {
            if dir.is_null() {
                return Err(WalError::invalid("no WAL directory given"));
            }
            let dir = CStr::from_ptr(dir)
                .to_str()
                .map_err(|_| WalError::invalid("the WAL directory is not UTF-8"))?;
            if dir.is_empty() {
                return Err(WalError::invalid("no WAL directory given"));
            }
            Wal::open(Options {
                dir: PathBuf::from(dir),
                segment_bytes: segment_bytes.min(usize::MAX as u64) as usize,
                direct_io: flags & FLAG_DIRECT_IO != 0,
                strict: flags & FLAG_STRICT != 0,
            })
        },
    );
    match result {
        Ok(wal) => Box::into_raw(Box::new(Handle { wal, last_error: Mutex::new(String::new()), completion: AtomicPtr::new(std::ptr::null_mut()), committer: Mutex::new(None) })),
        Err(error) => {
            if !err_code.is_null() {
                std::ptr::copy_nonoverlapping(error.code.to_le_bytes().as_ptr(), err_code, 4);
            }
            if !err_buf.is_null() && err_cap > 0 {
                let message = error.message.as_bytes();
                let len = message.len().min(err_cap as usize - 1);
                std::ptr::copy_nonoverlapping(message.as_ptr(), err_buf, len);
                *err_buf.add(len) = 0;
            }
            std::ptr::null_mut()
        }
    }
}

/// # Safety
/// `wal` is NULL or a live handle; `buf` is NULL or `cap` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn wtr_wal_report(wal: *mut Handle, buf: *mut u8, cap: u64) -> i64 {
    guarded(ERR_PANIC as i64, || match handle(wal) {
        Some(h) => copy_out(h.wal.report().to_json().as_bytes(), buf, cap),
        None => -(EINVAL as i64),
    })
}

/// # Safety
/// `wal` is NULL or a live handle; `buf` is `cap` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn wtr_wal_read(wal: *mut Handle, after: u64, buf: *mut u8, cap: u64) -> i64 {
    guarded(ERR_PANIC as i64, || {
        let h = match handle(wal) {
            Some(h) => h,
            None => return -(EINVAL as i64),
        };
        let out: &mut [u8] = if buf.is_null() || cap == 0 { &mut [] } else { std::slice::from_raw_parts_mut(buf, cap as usize) };
        match h.wal.read(after, out) {
            Ok(ReadOutcome::Filled(len)) => len as i64,
            // Always more than cap: the caller tells it from a filled length.
            Ok(ReadOutcome::Need(len)) => len as i64,
            Err(error) => {
                h.record(&error);
                error.code as i64
            }
        }
    })
}

/// # Safety
/// `wal` is NULL or a live handle; `payload` is `len` readable bytes (may be NULL when len is 0).
#[no_mangle]
pub unsafe extern "C" fn wtr_wal_append(wal: *mut Handle, lsn: u64, payload: *const u8, len: u64, sync: i32) -> i32 {
    guarded(ERR_PANIC, || {
        let h = match handle(wal) {
            Some(h) => h,
            None => return -EINVAL,
        };
        let payload: &[u8] = if len == 0 {
            &[]
        } else if payload.is_null() {
            return h.status(Err(WalError::invalid("NULL payload")));
        } else {
            std::slice::from_raw_parts(payload, len as usize)
        };
        h.append(lsn, payload, sync != 0)
    })
}

/// Starts the appender thread (native/src/committer.rs) and returns the file descriptor of the
/// socket it reports on (the caller closes it), or a negative status.
///
/// # Safety
/// `wal` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn wtr_wal_committer_start(wal: *mut Handle) -> i32 {
    guarded(ERR_PANIC, || {
        let h = match handle(wal) {
            Some(h) => h,
            None => return -EINVAL,
        };
        let mut slot = match h.committer.lock() {
            Ok(slot) => slot,
            Err(_) => return ERR_PANIC,
        };
        if slot.is_some() {
            return h.status(Err(WalError::invalid("the appender thread is already running")));
        }
        // The thread only runs while the handle lives: wtr_wal_close stops it first.
        let target = wal as usize;
        let started = Committer::start(move |job: &Job| {
            let h = unsafe { &*(target as *const Handle) };
            let payload: &[u8] = if job.len == 0 { &[] } else { unsafe { std::slice::from_raw_parts(job.address as *const u8, job.len) } };
            guarded(ERR_PANIC, || h.append(job.lsn, payload, job.sync))
        });
        match started {
            Ok((committer, fd)) => {
                *slot = Some(committer);
                fd
            }
            Err(error) => -(error.raw_os_error().unwrap_or(EINVAL)),
        }
    })
}

/// Queues an append for the appender thread: `len` bytes at `address`, which stay unchanged
/// until its report. Returns 0, or -EINVAL when the thread is not running.
///
/// # Safety
/// `wal` is NULL or a live handle; `address` is `len` readable bytes until the report.
#[no_mangle]
pub unsafe extern "C" fn wtr_wal_submit(wal: *mut Handle, lsn: u64, address: u64, len: u64, sync: i32) -> i32 {
    guarded(ERR_PANIC, || {
        let h = match handle(wal) {
            Some(h) => h,
            None => return -EINVAL,
        };
        let slot = match h.committer.lock() {
            Ok(slot) => slot,
            Err(_) => return ERR_PANIC,
        };
        let job = Job { lsn, address: address as usize, len: len as usize, sync: sync != 0 };
        match slot.as_ref() {
            Some(committer) if committer.submit(job) => 0,
            _ => h.status(Err(WalError::invalid("the appender thread is not running"))),
        }
    })
}

/// The address of `buf`'s first byte, for wtr_wal_submit (a caller such as ffi-rs can name a
/// buffer's bytes by address only through the library).
///
/// # Safety
/// None: the pointer is only converted.
#[no_mangle]
pub unsafe extern "C" fn wtr_wal_address(buf: *const u8) -> u64 {
    buf as u64
}

/// # Safety
/// `wal` is NULL or a live handle; `word` is NULL or 8 writable bytes, 8-byte aligned, that stay
/// valid until the handle is closed or another word is set.
#[no_mangle]
pub unsafe extern "C" fn wtr_wal_watch(wal: *mut Handle, word: *mut u8, len: u64) -> i32 {
    guarded(ERR_PANIC, || {
        let h = match handle(wal) {
            Some(h) => h,
            None => return -EINVAL,
        };
        if !word.is_null() && (len < 8 || (word as usize) % 8 != 0) {
            return h.status(Err(WalError::invalid("the completion word must be 8 bytes, 8-byte aligned")));
        }
        h.completion.store(word as *mut AtomicU64, Ordering::Release);
        0
    })
}

/// # Safety
/// `wal` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn wtr_wal_sync(wal: *mut Handle) -> i32 {
    guarded(ERR_PANIC, || match handle(wal) {
        Some(h) => h.status(h.wal.sync()),
        None => -EINVAL,
    })
}

/// # Safety
/// `wal` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn wtr_wal_checkpoint(wal: *mut Handle, lsn: u64) -> i32 {
    guarded(ERR_PANIC, || match handle(wal) {
        Some(h) => h.status(h.wal.checkpoint(lsn)),
        None => -EINVAL,
    })
}

/// # Safety
/// `wal` is NULL or a live handle; `out` is `cap` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn wtr_wal_stats(wal: *mut Handle, out: *mut u8, cap: u64) -> i32 {
    guarded(ERR_PANIC, || {
        let h = match handle(wal) {
            Some(h) => h,
            None => return -EINVAL,
        };
        if out.is_null() || (cap as usize) < STATS_FIELDS * 8 {
            return -EINVAL;
        }
        let stats = h.wal.stats();
        let fields = [stats.segments, stats.free_segments, stats.bytes_since_checkpoint, stats.last_lsn, stats.synced_lsn];
        for (i, value) in fields.iter().enumerate() {
            std::ptr::copy_nonoverlapping(value.to_le_bytes().as_ptr(), out.add(i * 8), 8);
        }
        STATS_FIELDS as i32
    })
}

/// # Safety
/// `wal` is NULL or a live handle; `buf` is NULL or `cap` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn wtr_wal_last_error(wal: *mut Handle, buf: *mut u8, cap: u64) -> i64 {
    guarded(-(EINVAL as i64), || match handle(wal) {
        Some(h) => {
            let text = h.last_error.lock().map(|text| text.clone()).unwrap_or_default();
            copy_out(text.as_bytes(), buf, cap)
        }
        None => -(EINVAL as i64),
    })
}

/// # Safety
/// `wal` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn wtr_wal_inject_failure(wal: *mut Handle, op: i32, errno: i32) -> i32 {
    guarded(ERR_PANIC, || {
        let h = match handle(wal) {
            Some(h) => h,
            None => return -EINVAL,
        };
        let op = match op {
            1 => FailOp::Append,
            2 => FailOp::Sync,
            _ => return h.status(Err(WalError::invalid(format!("unknown operation {op}")))),
        };
        if errno <= 0 {
            return h.status(Err(WalError::invalid(format!("errno {errno} is not positive"))));
        }
        h.status(h.wal.inject_failure(op, errno))
    })
}

/// # Safety
/// `wal` is NULL or a handle from wtr_wal_open that no other call is using or will use.
#[no_mangle]
pub unsafe extern "C" fn wtr_wal_close(wal: *mut Handle) -> i32 {
    if wal.is_null() {
        return -EINVAL;
    }
    guarded(ERR_PANIC, || {
        let boxed = Box::from_raw(wal);
        // The thread reads the handle: it ends (after the appends queued) before the handle goes.
        let committer = boxed.committer.lock().ok().and_then(|mut slot| slot.take());
        drop(committer);
        boxed.wal.close().map_or_else(|error| error.code, |()| 0)
    })
}

unsafe fn bytes<'a>(buf: *const u8, len: u64) -> &'a [u8] {
    if buf.is_null() || len == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(buf, len as usize)
    }
}

/// # Safety
/// `buf` is `len` readable bytes (may be NULL when len is 0).
#[no_mangle]
pub unsafe extern "C" fn wtr_wal_crc32c(buf: *const u8, len: u64, seed: u32) -> u32 {
    crate::crc32c::crc32c(seed, bytes(buf, len))
}

/// # Safety
/// As wtr_wal_crc32c.
#[no_mangle]
pub unsafe extern "C" fn wtr_wal_crc32c_portable(buf: *const u8, len: u64, seed: u32) -> u32 {
    crate::crc32c::crc32c_portable(seed, bytes(buf, len))
}

#[no_mangle]
pub extern "C" fn wtr_wal_crc32c_hardware() -> i32 {
    crate::crc32c::hardware_available() as i32
}
