//! The few operating-system details std does not name: the O_DIRECT flag, flock, and the error
//! type every operation returns (a negated errno plus a message).

use std::fmt::Display;
use std::fs::File;
use std::io;
use std::os::raw::c_int;
use std::os::unix::io::AsRawFd;

/// O_DIRECT differs between Linux architectures (asm-generic uses 0o40000).
#[cfg(all(target_os = "linux", any(target_arch = "aarch64", target_arch = "arm")))]
pub const O_DIRECT: i32 = 0o200000;
#[cfg(all(target_os = "linux", any(target_arch = "powerpc", target_arch = "powerpc64")))]
pub const O_DIRECT: i32 = 0o400000;
#[cfg(all(target_os = "linux", any(target_arch = "mips", target_arch = "mips64")))]
pub const O_DIRECT: i32 = 0o100000;
#[cfg(all(
    target_os = "linux",
    not(any(
        target_arch = "aarch64",
        target_arch = "arm",
        target_arch = "powerpc",
        target_arch = "powerpc64",
        target_arch = "mips",
        target_arch = "mips64"
    ))
))]
pub const O_DIRECT: i32 = 0o40000;
/// Elsewhere there is no O_DIRECT; opening with direct IO fails with EINVAL.
#[cfg(not(target_os = "linux"))]
pub const O_DIRECT: i32 = 0;

pub const EIO: i32 = 5;
pub const EINVAL: i32 = 22;

/// Errors that are not an errno (wal.h).
pub const ERR_CORRUPT: i32 = -10001;
pub const ERR_PANIC: i32 = -10002;

const LOCK_EX: c_int = 2;
const LOCK_NB: c_int = 4;

extern "C" {
    fn flock(fd: c_int, operation: c_int) -> c_int;
}

/// Takes an exclusive advisory lock, held until the file is closed.
pub fn lock_exclusive(file: &File) -> io::Result<()> {
    // SAFETY: flock only reads the descriptor, which `file` keeps open.
    if unsafe { flock(file.as_raw_fd(), LOCK_EX | LOCK_NB) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalError {
    /// A negated errno, or one of the ERR_ constants.
    pub code: i32,
    pub message: String,
}

impl WalError {
    pub fn io(context: impl Display, error: &io::Error) -> WalError {
        WalError { code: -error.raw_os_error().unwrap_or(EIO), message: format!("{context}: {error}") }
    }

    pub fn invalid(message: impl Into<String>) -> WalError {
        WalError { code: -EINVAL, message: message.into() }
    }

    pub fn corrupt(message: impl Into<String>) -> WalError {
        WalError { code: ERR_CORRUPT, message: message.into() }
    }
}

pub type WalResult<T> = Result<T, WalError>;
