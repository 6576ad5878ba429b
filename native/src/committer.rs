//! The appender thread: appends are handed over by a synchronous call that only queues them (a
//! few microseconds on the caller's thread), and this thread runs each one (write, fdatasync) and
//! reports it on a Unix socket the caller's event loop watches: 16 bytes, the LSN (u64 LE) and the
//! status (i32 LE, then 4 zero bytes). The caller keeps each payload unchanged and alive until its
//! report, or until the completion word shows its LSN.

use std::collections::VecDeque;
use std::io::Write;
use std::os::unix::io::IntoRawFd;
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

pub struct Job {
    pub lsn: u64,
    pub address: usize,
    pub len: usize,
    pub sync: bool,
}

struct Queue {
    jobs: VecDeque<Job>,
    closing: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
}

pub struct Committer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Committer {
    /// Starts the thread; `run` performs one job and returns its status. Returns the committer and
    /// the file descriptor of the socket's reading end, which the caller owns from then on.
    pub fn start(run: impl Fn(&Job) -> i32 + Send + 'static) -> std::io::Result<(Committer, i32)> {
        let (mut ours, theirs) = UnixStream::pair()?;
        let shared = Arc::new(Shared { queue: Mutex::new(Queue { jobs: VecDeque::new(), closing: false }), ready: Condvar::new() });
        let worker = Arc::clone(&shared);
        let thread = std::thread::Builder::new().name("wtr-wal-append".into()).spawn(move || loop {
            let job = {
                let mut queue = match worker.queue.lock() {
                    Ok(queue) => queue,
                    Err(_) => return,
                };
                loop {
                    if let Some(job) = queue.jobs.pop_front() {
                        break job;
                    }
                    if queue.closing {
                        return;
                    }
                    queue = match worker.ready.wait(queue) {
                        Ok(queue) => queue,
                        Err(_) => return,
                    };
                }
            };
            let status = run(&job);
            let mut message = [0u8; 16];
            message[0..8].copy_from_slice(&job.lsn.to_le_bytes());
            message[8..12].copy_from_slice(&status.to_le_bytes());
            // A reader that went away (the process is shutting down) needs no report.
            let _ = ours.write_all(&message);
        })?;
        Ok((Committer { shared, thread: Some(thread) }, theirs.into_raw_fd()))
    }

    pub fn submit(&self, job: Job) -> bool {
        match self.shared.queue.lock() {
            Ok(mut queue) if !queue.closing => {
                queue.jobs.push_back(job);
                self.shared.ready.notify_one();
                true
            }
            _ => false,
        }
    }

    /// Runs the jobs already queued, then ends the thread.
    pub fn stop(&mut self) {
        if let Ok(mut queue) = self.shared.queue.lock() {
            queue.closing = true;
        }
        self.shared.ready.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Committer {
    fn drop(&mut self) {
        self.stop();
    }
}
