//! The C ABI (native/wal.h documents each function). Every entry point catches panics, checks
//! its pointers, and reports failures as a negative code plus a message kept in the handle.

use crate::sys::{WalError, EINVAL, ERR_PANIC};
use crate::wal::{FailOp, Options, ReadOutcome, Wal};
use std::ffi::CStr;
use std::os::raw::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Mutex;

pub const ABI_VERSION: u32 = 1;
const FLAG_DIRECT_IO: u32 = 1;
const FLAG_STRICT: u32 = 2;
const STATS_FIELDS: usize = 5;

/// What a `wtr_wal *` points to.
pub struct Handle {
    wal: Wal,
    last_error: Mutex<String>,
}

impl Handle {
    fn record(&self, error: &WalError) {
        if let Ok(mut text) = self.last_error.lock() {
            text.clear();
            text.push_str(&error.message);
        }
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
        Ok(wal) => Box::into_raw(Box::new(Handle { wal, last_error: Mutex::new(String::new()) })),
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
        h.status(h.wal.append(lsn, payload, sync != 0))
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
