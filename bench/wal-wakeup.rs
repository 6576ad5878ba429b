//! The native side of bench/wal-wakeup.mjs, which builds it with rustc (std only) into a temporary
//! directory. It does the WAL's disk work (a record written over a preallocated file, then
//! fdatasync) and offers the completion mechanisms the bench compares:
//!
//! - `probe_append`: write + fdatasync on the calling thread (the pool, worker and blocking
//!   variants call it on the libuv pool, a worker thread or the event loop).
//! - `probe_committer_start` / `probe_submit`: a writer thread of the library's own that runs
//!   submitted records in order and announces each completion as a 32-byte message on a Unix
//!   socket the event loop watches: u32 0 | i32 status | u64 sequence | u64 started | u64
//!   finished, the times in nanoseconds on CLOCK_MONOTONIC (the clock process.hrtime reads).
//! - `probe_set_thread_slice`: asks the EEVDF scheduler (Linux 6.12+) for a custom time slice
//!   for the calling thread.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::os::unix::io::IntoRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Records wrap around within this many bytes of the file, preallocated at open.
const FILE_BYTES: u64 = 64 << 20;

pub struct Probe {
    file: File,
    offset: Mutex<u64>,
    committer: Mutex<Option<Committer>>,
}

struct Committer {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

struct Shared {
    queue: Mutex<(VecDeque<(u64, Vec<u8>)>, bool)>,
    ready: Condvar,
    queued: AtomicUsize,
}

impl Probe {
    fn append(&self, payload: &[u8]) -> i32 {
        let at = {
            let mut offset = self.offset.lock().unwrap();
            if *offset + payload.len() as u64 > FILE_BYTES {
                *offset = 0;
            }
            let at = *offset;
            *offset += payload.len() as u64;
            at
        };
        match self.file.write_all_at(payload, at).and_then(|()| self.file.sync_data()) {
            Ok(()) => 0,
            Err(error) => -error.raw_os_error().unwrap_or(5),
        }
    }
}

/// # Safety
/// `path` is a NUL-terminated path.
#[no_mangle]
pub unsafe extern "C" fn probe_open(path: *const std::os::raw::c_char) -> *mut Probe {
    let path = match std::ffi::CStr::from_ptr(path).to_str() {
        Ok(path) => path,
        Err(_) => return std::ptr::null_mut(),
    };
    let opened = OpenOptions::new().read(true).write(true).create(true).truncate(true).open(path).and_then(|file| {
        // Written zeros, as the WAL preallocates: overwrites then need no block allocation.
        let zeros = vec![0u8; 1 << 20];
        let mut at = 0;
        while at < FILE_BYTES {
            file.write_all_at(&zeros, at)?;
            at += zeros.len() as u64;
        }
        file.sync_all()?;
        Ok(file)
    });
    match opened {
        Ok(file) => Box::into_raw(Box::new(Probe { file, offset: Mutex::new(0), committer: Mutex::new(None) })),
        Err(_) => std::ptr::null_mut(),
    }
}

/// # Safety
/// `probe` is live; `payload` is `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn probe_append(probe: *mut Probe, payload: *const u8, len: u64) -> i32 {
    (*probe).append(std::slice::from_raw_parts(payload, len as usize))
}

/// Starts the writer thread; returns the socket end to watch (the caller closes it), or -1.
/// After each record the thread polls for the next one for `spin_us` before it sleeps, and it
/// asks for an EEVDF slice of `slice_us` (0: the default).
///
/// # Safety
/// `probe` is live and has no committer yet.
#[no_mangle]
pub unsafe extern "C" fn probe_committer_start(probe: *mut Probe, spin_us: u32, slice_us: u32) -> i32 {
    let (mut ours, theirs) = match UnixStream::pair() {
        Ok(pair) => pair,
        Err(_) => return -1,
    };
    let shared = Arc::new(Shared { queue: Mutex::new((VecDeque::new(), false)), ready: Condvar::new(), queued: AtomicUsize::new(0) });
    let worker = Arc::clone(&shared);
    // The thread only runs while the probe is open: probe_close joins it first.
    let target = probe as usize;
    let spin = Duration::from_micros(spin_us as u64);
    let thread = std::thread::spawn(move || {
        let probe = &*(target as *const Probe);
        if slice_us > 0 {
            probe_set_thread_slice(slice_us);
        }
        let mut finished_one = false;
        loop {
            if finished_one && spin > Duration::from_micros(0) {
                let deadline = Instant::now() + spin;
                while worker.queued.load(Ordering::Acquire) == 0 && Instant::now() < deadline {
                    std::hint::spin_loop();
                }
            }
            finished_one = true;
            let (sequence, payload) = {
                let mut queue = worker.queue.lock().unwrap();
                loop {
                    if let Some(job) = queue.0.pop_front() {
                        worker.queued.fetch_sub(1, Ordering::Release);
                        break job;
                    }
                    if queue.1 {
                        return;
                    }
                    queue = worker.ready.wait(queue).unwrap();
                }
            };
            let started = monotonic_ns();
            let status = probe.append(&payload);
            let mut message = [0u8; 32];
            message[4..8].copy_from_slice(&status.to_le_bytes());
            message[8..16].copy_from_slice(&sequence.to_le_bytes());
            message[16..24].copy_from_slice(&started.to_le_bytes());
            message[24..32].copy_from_slice(&monotonic_ns().to_le_bytes());
            let _ = ours.write_all(&message);
        }
    });
    *(*probe).committer.lock().unwrap() = Some(Committer { shared, thread: Some(thread) });
    theirs.into_raw_fd()
}

/// Copies the record and hands it to the writer thread. 0, or -1 without a committer.
///
/// # Safety
/// `probe` is live; `payload` is `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn probe_submit(probe: *mut Probe, sequence: u64, payload: *const u8, len: u64) -> i32 {
    let committer = (*probe).committer.lock().unwrap();
    let committer = match committer.as_ref() {
        Some(committer) => committer,
        None => return -1,
    };
    let copy = std::slice::from_raw_parts(payload, len as usize).to_vec();
    committer.shared.queue.lock().unwrap().0.push_back((sequence, copy));
    committer.shared.queued.fetch_add(1, Ordering::Release);
    committer.shared.ready.notify_one();
    0
}

/// Joins the writer thread (after the records already submitted) and frees the probe.
///
/// # Safety
/// `probe` is live and not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn probe_close(probe: *mut Probe) -> i32 {
    let probe = Box::from_raw(probe);
    if let Some(mut committer) = probe.committer.lock().unwrap().take() {
        committer.shared.queue.lock().unwrap().1 = true;
        committer.shared.ready.notify_one();
        if let Some(thread) = committer.thread.take() {
            let _ = thread.join();
        }
    }
    0
}

#[repr(C)]
struct Timespec {
    seconds: i64,
    nanoseconds: i64,
}

/// struct sched_attr, SCHED_ATTR_SIZE_VER0.
#[repr(C)]
struct SchedAttr {
    size: u32,
    policy: u32,
    flags: u64,
    nice: i32,
    priority: u32,
    runtime: u64,
    deadline: u64,
    period: u64,
}

extern "C" {
    fn clock_gettime(clock: i32, time: *mut Timespec) -> i32;
    fn syscall(number: i64, ...) -> i64;
}

const CLOCK_MONOTONIC: i32 = 1;
#[cfg(target_arch = "x86_64")]
const SYS_SCHED_SETATTR: i64 = 314;
#[cfg(target_arch = "aarch64")]
const SYS_SCHED_SETATTR: i64 = 274;

fn monotonic_ns() -> u64 {
    let mut time = Timespec { seconds: 0, nanoseconds: 0 };
    // SAFETY: clock_gettime writes one timespec.
    unsafe { clock_gettime(CLOCK_MONOTONIC, &mut time) };
    time.seconds as u64 * 1_000_000_000 + time.nanoseconds as u64
}

/// The calling thread's EEVDF slice in µs (0: back to the default); the syscall's result.
#[no_mangle]
pub extern "C" fn probe_set_thread_slice(slice_us: u32) -> i64 {
    let attr = SchedAttr {
        size: std::mem::size_of::<SchedAttr>() as u32,
        policy: 0,
        flags: 0,
        nice: 0,
        priority: 0,
        runtime: slice_us as u64 * 1000,
        deadline: 0,
        period: 0,
    };
    // SAFETY: sched_setattr reads one sched_attr of the size it states; pid 0 is this thread.
    unsafe { syscall(SYS_SCHED_SETATTR, 0i32, &attr as *const SchedAttr, 0u32) }
}
