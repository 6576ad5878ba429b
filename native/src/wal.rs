//! The log: recovery at open, appends with group-commit records, fdatasync, checkpoints that
//! recycle segments, and the replay reader. One mutex guards the state; the counters that `stats`
//! reads are atomics, so reading them never waits for disk work in progress.

use crate::aligned::AlignedBuf;
use crate::files::{self, list, read_prefix, segment_file_name, Entry, LOCK_FILE};
use crate::format::{
    encode_record_header, frame_len, read_slot, SegmentHeader, Slot, BLOCK, MAX_PAYLOAD,
    RECORD_HEADER_LEN, SEGMENT_HEADER_LEN,
};
use crate::pool::Pool;
use crate::recovery::{analyze, oversize_capacity, Analysis, SegmentFile};
use crate::sys::{lock_exclusive, WalError, WalResult, ERR_CORRUPT};
use crate::writer::SegmentWriter;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// Segment sizes are whole blocks, at least one, at most 1 GiB (recovery reads a segment at once).
pub const MAX_SEGMENT_BYTES: usize = 1 << 30;

#[derive(Clone, Debug)]
pub struct Options {
    pub dir: PathBuf,
    pub segment_bytes: usize,
    pub direct_io: bool,
    pub strict: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOp {
    Append,
    Sync,
}

/// What opening found (RecoveryReport in wal.ts).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub segments: u64,
    pub records: u64,
    pub last_lsn: u64,
    /// File, offset, bytes.
    pub torn_tail: Option<(String, u64, u64)>,
    /// File, offset, what was wrong.
    pub truncated_corruption: Option<(String, u64, String)>,
}

impl Report {
    pub fn to_json(&self) -> String {
        let mut json = format!(
            "{{\"segments\":{},\"records\":{},\"lastLsn\":{}",
            self.segments, self.records, self.last_lsn
        );
        if let Some((file, offset, bytes)) = &self.torn_tail {
            json.push_str(&format!(
                ",\"tornTail\":{{\"file\":{},\"offset\":{offset},\"bytes\":{bytes}}}",
                json_string(file)
            ));
        }
        if let Some((file, offset, detail)) = &self.truncated_corruption {
            json.push_str(&format!(
                ",\"truncatedCorruption\":{{\"file\":{},\"offset\":{offset},\"detail\":{}}}",
                json_string(file),
                json_string(detail)
            ));
        }
        json.push('}');
        json
    }
}

fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Numbers for WalStats, readable without the state lock.
#[derive(Default)]
struct Counters {
    segments: AtomicU64,
    bytes_since_checkpoint: AtomicU64,
    last_lsn: AtomicU64,
    synced_lsn: AtomicU64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub segments: u64,
    pub free_segments: u64,
    pub bytes_since_checkpoint: u64,
    pub last_lsn: u64,
    pub synced_lsn: u64,
}

/// A segment file the log knows, in sequence order.
struct Segment {
    seq: u64,
    path: PathBuf,
    first_lsn: u64,
    /// Last live record (first_lsn - 1 when none).
    last_lsn: u64,
    capacity: u64,
}

/// Replay position over the segments found at open.
struct Reader {
    /// (path, seq, first LSN, end offset) of each segment with live records.
    segments: Vec<(PathBuf, u64, u64, usize)>,
    index: usize,
    data: Vec<u8>,
    offset: usize,
    expected: u64,
    loaded: bool,
}

pub enum ReadOutcome {
    /// Bytes filled (0: the end of the log).
    Filled(usize),
    /// The next record alone needs this many bytes.
    Need(usize),
}

struct State {
    options: Options,
    /// Holds the directory's flock until close.
    lock: Option<File>,
    segments: Vec<Segment>,
    /// Appends go here; its segment is the last of `segments`.
    writer: Option<SegmentWriter>,
    /// Sealed segments (by seq) with writes not yet fdatasynced.
    unsynced: Vec<(u64, File)>,
    /// A segment file was renamed into place since the directory was last synced.
    dir_dirty: bool,
    last_lsn: u64,
    synced_lsn: u64,
    bytes_since_checkpoint: u64,
    reader: Option<Reader>,
    appended: bool,
    scratch: AlignedBuf,
    injected: Option<(FailOp, i32)>,
    closed: bool,
}

pub struct Wal {
    state: Mutex<State>,
    pool: Arc<Pool>,
    background: Mutex<Option<JoinHandle<()>>>,
    report: Report,
    counters: Counters,
}

/// Maps an io::Error to a WalError, formatting the context only when there is an error.
fn io_error<C: std::fmt::Display>(context: impl FnOnce() -> C) -> impl FnOnce(io::Error) -> WalError {
    move |error| WalError::io(context(), &error)
}

impl Wal {
    pub fn open(options: Options) -> WalResult<Wal> {
        let segment_bytes = crate::format::align_up(options.segment_bytes.max(1), BLOCK);
        if options.segment_bytes == 0 || segment_bytes > MAX_SEGMENT_BYTES {
            return Err(WalError::invalid(format!(
                "segment size {} is out of range (1 to {MAX_SEGMENT_BYTES} bytes)",
                options.segment_bytes
            )));
        }
        let options = Options { segment_bytes, ..options };
        let dir = options.dir.clone();
        files::create_dir_durably(&dir).map_err(io_error(|| format!("create {}", dir.display())))?;
        let lock_path = dir.join(LOCK_FILE);
        let lock = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(io_error(|| format!("open {}", lock_path.display())))?;
        lock_exclusive(&lock).map_err(io_error(|| format!(
            "lock {} (is another process using this WAL directory?)",
            lock_path.display()
        )))?;

        let listing = list(&dir).map_err(io_error(|| format!("list {}", dir.display())))?;
        for temporary in &listing.temporary {
            fs::remove_file(temporary).map_err(io_error(|| format!("remove {}", temporary.display())))?;
        }
        let mut segment_files = Vec::with_capacity(listing.segments.len());
        for entry in &listing.segments {
            let prefix = read_prefix(&entry.path, SEGMENT_HEADER_LEN)
                .map_err(io_error(|| format!("read {}", entry.path.display())))?;
            segment_files.push(SegmentFile {
                seq: entry.number,
                len: entry.len,
                header: crate::format::decode_header(&prefix, entry.number),
            });
        }
        let entries = &listing.segments;
        let analysis = analyze(&segment_files, |i| {
            fs::read(&entries[i].path).map_err(io_error(|| format!("read {}", entries[i].path.display())))
        })?;
        let path_of = |index: usize| entries[index].path.display().to_string();
        if let Some(damage) = &analysis.corruption {
            if options.strict {
                return Err(WalError::corrupt(format!(
                    "WAL corruption in {} at offset {}: {}. Recovery is strict; opening with recovery \
                     'truncate' drops this record and everything after it",
                    path_of(damage.index),
                    damage.offset,
                    damage.detail
                )));
            }
        }

        let mut free = Vec::new();
        for entry in &listing.free {
            if entry.len == segment_bytes as u64 {
                free.push(entry.path.clone());
            } else {
                fs::remove_file(&entry.path).map_err(io_error(|| format!("remove {}", entry.path.display())))?;
            }
        }
        let pool = Pool::new(&dir, segment_bytes as u64, free, listing.highest_number());

        let report = Report {
            segments: analysis.live.iter().filter(|s| s.records > 0).count() as u64,
            records: analysis.records,
            last_lsn: analysis.last_lsn,
            torn_tail: analysis
                .torn_tail
                .as_ref()
                .map(|torn| (path_of(torn.index), torn.offset as u64, torn.bytes as u64)),
            truncated_corruption: analysis
                .corruption
                .as_ref()
                .map(|damage| (path_of(damage.index), damage.offset as u64, damage.detail.clone())),
        };

        let mut state = State {
            options,
            lock: Some(lock),
            segments: Vec::new(),
            writer: None,
            unsynced: Vec::new(),
            dir_dirty: false,
            last_lsn: analysis.last_lsn,
            synced_lsn: analysis.last_lsn,
            bytes_since_checkpoint: analysis.live.iter().map(|s| s.bytes).sum(),
            reader: None,
            appended: false,
            scratch: AlignedBuf::new(BLOCK),
            injected: None,
            closed: false,
        };
        state.adopt(&analysis, entries, &pool)?;
        let background = pool.start().map_err(io_error(|| "start the preallocation thread"))?;
        let wal = Wal {
            state: Mutex::new(state),
            pool,
            background: Mutex::new(Some(background)),
            report,
            counters: Counters::default(),
        };
        {
            let state = wal.lock()?;
            wal.publish(&state);
        }
        Ok(wal)
    }

    fn lock(&self) -> WalResult<MutexGuard<'_, State>> {
        self.state
            .lock()
            .map_err(|_| WalError { code: crate::sys::ERR_PANIC, message: "the WAL state was left inconsistent by a panic".into() })
    }

    fn publish(&self, state: &State) {
        self.counters.segments.store(state.segments.len() as u64, Ordering::Relaxed);
        self.counters.bytes_since_checkpoint.store(state.bytes_since_checkpoint, Ordering::Relaxed);
        self.counters.last_lsn.store(state.last_lsn, Ordering::Relaxed);
        self.counters.synced_lsn.store(state.synced_lsn, Ordering::Relaxed);
    }

    pub fn report(&self) -> &Report {
        &self.report
    }

    pub fn stats(&self) -> Stats {
        Stats {
            segments: self.counters.segments.load(Ordering::Relaxed),
            free_segments: self.pool.free_count(),
            bytes_since_checkpoint: self.counters.bytes_since_checkpoint.load(Ordering::Relaxed),
            last_lsn: self.counters.last_lsn.load(Ordering::Relaxed),
            synced_lsn: self.counters.synced_lsn.load(Ordering::Relaxed),
        }
    }

    pub fn read(&self, after: u64, out: &mut [u8]) -> WalResult<ReadOutcome> {
        let mut state = self.lock()?;
        state.check_open()?;
        if state.appended {
            return Err(WalError::invalid("read is only valid before the first append"));
        }
        match state.reader.as_mut() {
            Some(reader) => reader.read(after, out),
            None => Ok(ReadOutcome::Filled(0)),
        }
    }

    pub fn append(&self, lsn: u64, payload: &[u8], sync: bool) -> WalResult<()> {
        let mut state = self.lock()?;
        state.check_open()?;
        if payload.len() > MAX_PAYLOAD {
            return Err(WalError::invalid(format!("a payload of {} bytes exceeds {MAX_PAYLOAD}", payload.len())));
        }
        let expected = state.last_lsn + 1;
        if lsn != expected && !(state.last_lsn == 0 && lsn >= 1) {
            return Err(WalError::invalid(format!(
                "append of LSN {lsn} refused: the last LSN is {}, so the next must be {expected}",
                state.last_lsn
            )));
        }
        state.appended = true;
        state.reader = None;
        let result = state.append_record(&self.pool, lsn, payload, sync);
        if result.is_err() {
            state.fail();
        }
        self.publish(&state);
        result
    }

    pub fn sync(&self) -> WalResult<()> {
        let mut state = self.lock()?;
        state.check_open()?;
        let result = state.sync_all();
        if result.is_err() {
            state.fail();
        }
        self.publish(&state);
        result
    }

    pub fn checkpoint(&self, lsn: u64) -> WalResult<()> {
        let mut state = self.lock()?;
        state.check_open()?;
        let result = state.checkpoint(&self.pool, lsn);
        self.publish(&state);
        result
    }

    /// Test hook for callers' failure handling: the next operation of that kind fails with
    /// `errno`. An append failure strikes after the frame was written, as a write error would.
    pub fn inject_failure(&self, op: FailOp, errno: i32) -> WalResult<()> {
        let mut state = self.lock()?;
        state.check_open()?;
        state.injected = Some((op, errno));
        Ok(())
    }

    /// Syncs what was appended, stops the preallocation thread and releases the directory.
    /// Idempotent; the first call's sync error is returned.
    pub fn close(&self) -> WalResult<()> {
        let result = {
            let mut state = self.lock()?;
            if state.closed {
                return Ok(());
            }
            let result = if state.has_unsynced() { state.sync_all() } else { Ok(()) };
            if result.is_err() {
                state.fail();
            }
            state.writer = None;
            state.unsynced.clear();
            state.reader = None;
            state.closed = true;
            self.publish(&state);
            result
        };
        self.pool.shutdown();
        if let Some(handle) = self.background.lock().ok().and_then(|mut handle| handle.take()) {
            let _ = handle.join();
        }
        // Released last: nothing of this process touches the directory any more.
        self.lock()?.lock = None;
        result
    }
}

impl Drop for Wal {
    fn drop(&mut self) {
        let _ = self.close();
    }
}

impl State {
    fn check_open(&self) -> WalResult<()> {
        if self.closed {
            Err(WalError::invalid("the WAL is closed"))
        } else {
            Ok(())
        }
    }

    fn dir(&self) -> &Path {
        &self.options.dir
    }

    /// Takes over what recovery found: keeps the live chain, makes a truncation durable with a
    /// superseding segment, recycles every other segment file, and syncs the kept files.
    fn adopt(&mut self, analysis: &Analysis, entries: &[Entry], pool: &Pool) -> WalResult<()> {
        let mut kept = vec![false; entries.len()];
        let mut reader_segments = Vec::new();
        for (position, live) in analysis.live.iter().enumerate() {
            let append_here = analysis.append_at.map_or(false, |(segment, _)| segment == position);
            if analysis.records == 0 || (live.records == 0 && !append_here) {
                continue;
            }
            kept[live.index] = true;
            let entry = &entries[live.index];
            self.segments.push(Segment {
                seq: live.seq,
                path: entry.path.clone(),
                first_lsn: live.first_lsn,
                last_lsn: live.last_lsn(),
                capacity: entry.len,
            });
            if live.records > 0 {
                reader_segments.push((entry.path.clone(), live.seq, live.first_lsn, live.end));
            }
            if append_here {
                let offset = live.end;
                let mut block = vec![0u8; BLOCK];
                if self.options.direct_io {
                    let file = File::open(&entry.path).map_err(io_error(|| format!("open {}", entry.path.display())))?;
                    let start = offset / BLOCK * BLOCK;
                    let len = (entry.len as usize).saturating_sub(start).min(BLOCK);
                    file.read_exact_at(&mut block[..len], start as u64)
                        .map_err(io_error(|| format!("read {}", entry.path.display())))?;
                }
                let direct_ok = !self.options.direct_io || entry.len % BLOCK as u64 == 0;
                if direct_ok {
                    let writer = SegmentWriter::open(
                        &entry.path,
                        live.seq,
                        offset,
                        entry.len as usize,
                        self.options.direct_io,
                        &block,
                    )
                    .map_err(io_error(|| format!("open {}", entry.path.display())))?;
                    self.writer = Some(writer);
                }
            }
        }
        for segment in &self.segments {
            let file = File::open(&segment.path).map_err(io_error(|| format!("open {}", segment.path.display())))?;
            file.sync_data().map_err(io_error(|| format!("fdatasync {}", segment.path.display())))?;
        }
        if analysis.records > 0 && self.writer.is_none() && (analysis.torn_tail.is_some() || analysis.corruption.is_some()) {
            // The dropped bytes stay in their file; a durable header from the next LSN on
            // supersedes them before anything else is recycled.
            self.start_segment(pool, analysis.last_lsn + 1, 0)?;
            self.sync_all()?;
        }
        for (index, entry) in entries.iter().enumerate() {
            if !kept[index] {
                pool.recycle(&entry.path, entry.number, entry.len)
                    .map_err(io_error(|| format!("recycle {}", entry.path.display())))?;
            }
        }
        if !reader_segments.is_empty() {
            let expected = reader_segments[0].2;
            self.reader = Some(Reader { segments: reader_segments, index: 0, data: Vec::new(), offset: 0, expected, loaded: false });
        }
        Ok(())
    }

    fn has_unsynced(&self) -> bool {
        self.dir_dirty || !self.unsynced.is_empty() || self.writer.as_ref().map_or(false, |w| w.dirty)
    }

    fn take_injected(&mut self, op: FailOp) -> Option<io::Error> {
        match self.injected {
            Some((injected, errno)) if injected == op => {
                self.injected = None;
                Some(io::Error::from_raw_os_error(errno))
            }
            _ => None,
        }
    }

    fn append_record(&mut self, pool: &Pool, lsn: u64, payload: &[u8], sync: bool) -> WalResult<()> {
        let frame = frame_len(payload.len());
        if self.writer.as_ref().map_or(false, |writer| !writer.fits(frame)) {
            self.seal();
        }
        if self.writer.is_none() {
            self.start_segment(pool, lsn, frame)?;
        }
        let injected = self.take_injected(FailOp::Append);
        let writer = self.writer.as_mut().expect("a segment is open");
        let header = encode_record_header(writer.seq, lsn, payload);
        let path = &self.segments.last().expect("the writer's segment").path;
        writer
            .write(&mut self.scratch, &[&header, payload], frame)
            .map_err(io_error(|| format!("write {}", path.display())))?;
        if let Some(error) = injected {
            return Err(WalError::io(format!("write {} (injected)", path.display()), &error));
        }
        self.segments.last_mut().expect("the writer's segment").last_lsn = lsn;
        self.last_lsn = lsn;
        self.bytes_since_checkpoint += frame as u64;
        if sync {
            self.sync_all()?;
        }
        Ok(())
    }

    /// Ends appends to the current segment; its unsynced writes are synced by the next sync.
    fn seal(&mut self) {
        if let Some(writer) = self.writer.take() {
            if writer.dirty {
                self.unsynced.push((writer.seq, writer.into_file()));
            }
        }
    }

    /// Opens a new segment whose header says it starts at `first_lsn` (superseding anything from
    /// that LSN on in earlier segments), with room for a frame of `frame` bytes.
    fn start_segment(&mut self, pool: &Pool, first_lsn: u64, frame: usize) -> WalResult<()> {
        let seq = pool.next_number();
        let path = self.dir().join(segment_file_name(seq));
        let segment_bytes = self.options.segment_bytes;
        let capacity = if SEGMENT_HEADER_LEN + frame <= segment_bytes {
            let free = pool.take().map_err(io_error(|| format!("preallocate a segment in {}", self.dir().display())))?;
            fs::rename(&free, &path).map_err(io_error(|| format!("rename {} to {}", free.display(), path.display())))?;
            segment_bytes
        } else {
            // A record larger than a segment gets a segment of its own size.
            let capacity = oversize_capacity(frame);
            let file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .map_err(io_error(|| format!("create {}", path.display())))?;
            file.set_len(capacity as u64).map_err(io_error(|| format!("size {}", path.display())))?;
            capacity
        };
        self.dir_dirty = true;
        self.segments.push(Segment {
            seq,
            path: path.clone(),
            first_lsn,
            last_lsn: first_lsn - 1,
            capacity: capacity as u64,
        });
        let mut writer = SegmentWriter::open(&path, seq, 0, capacity, self.options.direct_io, &[])
            .map_err(io_error(|| format!("open {}", path.display())))?;
        let header = SegmentHeader { seq, first_lsn, capacity: capacity as u64 }.encode();
        writer
            .write(&mut self.scratch, &[&header], SEGMENT_HEADER_LEN)
            .map_err(io_error(|| format!("write {}", path.display())))?;
        self.writer = Some(writer);
        Ok(())
    }

    fn sync_all(&mut self) -> WalResult<()> {
        if let Some(error) = self.take_injected(FailOp::Sync) {
            return Err(WalError::io(format!("fdatasync in {} (injected)", self.dir().display()), &error));
        }
        for (seq, file) in &self.unsynced {
            file.sync_data().map_err(io_error(|| format!(
                "fdatasync {}",
                self.options.dir.join(segment_file_name(*seq)).display()
            )))?;
        }
        self.unsynced.clear();
        if let Some(writer) = self.writer.as_mut() {
            if writer.dirty {
                let path = self.options.dir.join(segment_file_name(writer.seq));
                writer.sync().map_err(io_error(|| format!("fdatasync {}", path.display())))?;
            }
        }
        if self.dir_dirty {
            files::sync_dir(&self.options.dir).map_err(io_error(|| format!("fsync {}", self.options.dir.display())))?;
            self.dir_dirty = false;
        }
        self.synced_lsn = self.last_lsn;
        Ok(())
    }

    /// After a failed write or sync nothing past the synced LSN is trusted (fsyncgate: the kernel
    /// may have dropped those pages): appends go on from synced_lsn + 1 in a new segment.
    fn fail(&mut self) {
        self.writer = None;
        self.unsynced.clear();
        self.last_lsn = self.synced_lsn;
        let synced = self.synced_lsn;
        for segment in &mut self.segments {
            if segment.last_lsn > synced {
                segment.last_lsn = synced.max(segment.first_lsn - 1);
            }
        }
    }

    fn checkpoint(&mut self, pool: &Pool, lsn: u64) -> WalResult<()> {
        let current = self.writer.as_ref().map(|writer| writer.seq);
        // Sequence order: a segment is only recycled with or after every segment it supersedes.
        let mut index = 0;
        while index < self.segments.len() {
            let segment = &self.segments[index];
            if Some(segment.seq) == current || segment.last_lsn > lsn {
                index += 1;
                continue;
            }
            let (seq, path, capacity) = (segment.seq, segment.path.clone(), segment.capacity);
            self.unsynced.retain(|(unsynced, _)| *unsynced != seq);
            pool.recycle(&path, seq, capacity).map_err(io_error(|| format!("recycle {}", path.display())))?;
            self.segments.remove(index);
        }
        self.bytes_since_checkpoint = 0;
        Ok(())
    }
}

impl Reader {
    fn read(&mut self, after: u64, out: &mut [u8]) -> WalResult<ReadOutcome> {
        let mut filled = 0usize;
        loop {
            if !self.loaded {
                if self.index == self.segments.len() {
                    return Ok(ReadOutcome::Filled(filled));
                }
                let (path, _, first_lsn, end) = &self.segments[self.index];
                let mut data = vec![0u8; *end];
                File::open(path)
                    .and_then(|mut file| file.read_exact(&mut data))
                    .map_err(io_error(|| format!("read {}", path.display())))?;
                self.data = data;
                self.offset = SEGMENT_HEADER_LEN;
                self.expected = *first_lsn;
                self.loaded = true;
            }
            let (path, seq, _, end) = &self.segments[self.index];
            while self.offset < *end {
                let frame = match read_slot(&self.data, self.offset, *seq) {
                    Slot::Record(frame) if frame.lsn == self.expected => frame,
                    _ => {
                        return Err(WalError {
                            code: ERR_CORRUPT,
                            message: format!(
                                "{} changed since it was opened: no valid record with LSN {} at offset {}",
                                path.display(),
                                self.expected,
                                self.offset
                            ),
                        })
                    }
                };
                if frame.lsn > after {
                    let need = RECORD_HEADER_LEN + frame.payload_len;
                    if filled + need > out.len() {
                        return Ok(if filled == 0 { ReadOutcome::Need(need) } else { ReadOutcome::Filled(filled) });
                    }
                    let record = &mut out[filled..filled + need];
                    record[0..4].copy_from_slice(&(frame.payload_len as u32).to_le_bytes());
                    record[4..8].copy_from_slice(&[0u8; 4]);
                    record[8..16].copy_from_slice(&frame.lsn.to_le_bytes());
                    record[16..].copy_from_slice(&self.data[frame.payload_offset..frame.payload_offset + frame.payload_len]);
                    filled += need;
                }
                self.offset = frame.next;
                self.expected += 1;
            }
            self.index += 1;
            self.loaded = false;
            self.data = Vec::new();
        }
    }
}
