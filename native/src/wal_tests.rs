//! The log end to end on real files: appends, replay, failures, checkpoints, recovery.

use crate::files::{list, segment_file_name};
use crate::sys::{ERR_CORRUPT, EINVAL};
use crate::test_dir::TestDir;
use crate::wal::{FailOp, Options, ReadOutcome, Wal};
use std::fs::{self, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::Path;

const SEGMENT: usize = 16 * 1024;
const EIO: i32 = 5;

fn options(dir: &Path) -> Options {
    Options { dir: dir.to_path_buf(), segment_bytes: SEGMENT, direct_io: false, strict: true }
}

fn payload(lsn: u64, len: usize) -> Vec<u8> {
    (0..len).map(|i| (lsn as usize * 31 + i) as u8).collect()
}

fn read_all(wal: &Wal, after: u64) -> Vec<(u64, Vec<u8>)> {
    let mut records = Vec::new();
    let mut buffer = vec![0u8; 4096];
    loop {
        match wal.read(after, &mut buffer).unwrap() {
            ReadOutcome::Filled(0) => return records,
            ReadOutcome::Filled(len) => {
                let mut at = 0;
                while at < len {
                    let size = u32::from_le_bytes(buffer[at..at + 4].try_into().unwrap()) as usize;
                    let lsn = u64::from_le_bytes(buffer[at + 8..at + 16].try_into().unwrap());
                    records.push((lsn, buffer[at + 16..at + 16 + size].to_vec()));
                    at += 16 + size;
                }
            }
            ReadOutcome::Need(len) => buffer.resize(len, 0),
        }
    }
}

fn append_range(wal: &Wal, lsns: std::ops::RangeInclusive<u64>, len: usize) {
    for lsn in lsns {
        wal.append(lsn, &payload(lsn, len), true).unwrap();
    }
}

fn segment_files(dir: &Path) -> Vec<u64> {
    list(dir).unwrap().segments.iter().map(|entry| entry.number).collect()
}

#[test]
fn appends_replay_in_order_after_reopen() {
    let dir = TestDir::new("replay");
    let wal = Wal::open(options(dir.path())).unwrap();
    append_range(&wal, 1..=200, 300);
    assert!(segment_files(dir.path()).len() > 2, "spans several segments");
    wal.close().unwrap();
    let wal = Wal::open(options(dir.path())).unwrap();
    assert_eq!((wal.report().records, wal.report().last_lsn), (200, 200));
    let records = read_all(&wal, 150);
    assert_eq!(records.len(), 50);
    for (i, (lsn, bytes)) in records.iter().enumerate() {
        assert_eq!(*lsn, 151 + i as u64);
        assert_eq!(bytes, &payload(*lsn, 300));
    }
    wal.append(201, b"more", true).unwrap();
    assert_eq!(wal.read(0, &mut [0u8; 64]).err().map(|e| e.code), Some(-EINVAL));
}

#[test]
fn the_lsn_must_follow_and_an_empty_log_takes_any_first_lsn() {
    let dir = TestDir::new("lsn");
    let wal = Wal::open(options(dir.path())).unwrap();
    wal.append(500, b"x", false).unwrap();
    assert_eq!(wal.append(502, b"x", false).unwrap_err().code, -EINVAL);
    wal.append(501, b"y", false).unwrap();
    assert_eq!((wal.stats().last_lsn, wal.stats().synced_lsn), (501, 0));
    wal.close().unwrap();
    let wal = Wal::open(options(dir.path())).unwrap();
    assert_eq!(read_all(&wal, 0).iter().map(|r| r.0).collect::<Vec<_>>(), vec![500, 501]);
}

#[test]
fn a_failed_append_is_superseded_by_the_retry() {
    let dir = TestDir::new("fail-append");
    let wal = Wal::open(options(dir.path())).unwrap();
    append_range(&wal, 1..=5, 100);
    wal.inject_failure(FailOp::Append, EIO).unwrap();
    let error = wal.append(6, b"lost", true).unwrap_err();
    assert_eq!(error.code, -EIO);
    assert_eq!(wal.stats().last_lsn, 5);
    wal.append(6, b"retried", true).unwrap();
    wal.append(7, b"seven", true).unwrap();
    wal.close().unwrap();
    let wal = Wal::open(options(dir.path())).unwrap();
    assert_eq!(wal.report().torn_tail, None);
    let records = read_all(&wal, 5);
    assert_eq!(records, vec![(6, b"retried".to_vec()), (7, b"seven".to_vec())]);
}

#[test]
fn a_failed_sync_drops_everything_unsynced() {
    let dir = TestDir::new("fail-sync");
    let wal = Wal::open(options(dir.path())).unwrap();
    append_range(&wal, 1..=3, 10);
    wal.append(4, b"four", false).unwrap();
    wal.append(5, b"five", false).unwrap();
    wal.inject_failure(FailOp::Sync, EIO).unwrap();
    assert_eq!(wal.sync().unwrap_err().code, -EIO);
    assert_eq!((wal.stats().last_lsn, wal.stats().synced_lsn), (3, 3));
    assert_eq!(wal.append(5, b"x", true).unwrap_err().code, -EINVAL);
    wal.append(4, b"four again", true).unwrap();
    wal.close().unwrap();
    let wal = Wal::open(options(dir.path())).unwrap();
    assert_eq!(read_all(&wal, 3), vec![(4, b"four again".to_vec())]);
}

#[test]
fn checkpoints_recycle_segments_by_renaming() {
    let dir = TestDir::new("recycle");
    let wal = Wal::open(options(dir.path())).unwrap();
    let mut most = 0;
    for round in 0..20u64 {
        let first = round * 40 + 1;
        append_range(&wal, first..=first + 39, 400);
        wal.checkpoint(first + 39).unwrap();
        let listing = list(dir.path()).unwrap();
        most = most.max(listing.segments.len() + listing.free.len());
    }
    assert!(most <= 8, "files stay bounded, saw {most}");
    let stats = wal.stats();
    assert_eq!(stats.segments, 1);
    assert_eq!(stats.bytes_since_checkpoint, 0);
    // Recycled files are reused: a free file's number is an old segment's.
    let listing = list(dir.path()).unwrap();
    assert!(listing.free.iter().any(|free| free.number < listing.segments[0].number));
    wal.close().unwrap();
    let wal = Wal::open(options(dir.path())).unwrap();
    assert_eq!(wal.report().last_lsn, 800);
    assert!(read_all(&wal, 800).is_empty());
}

#[test]
fn a_record_larger_than_a_segment_gets_its_own() {
    let dir = TestDir::new("oversize");
    let wal = Wal::open(options(dir.path())).unwrap();
    wal.append(1, b"small", true).unwrap();
    let big = payload(2, SEGMENT * 3 + 123);
    wal.append(2, &big, true).unwrap();
    wal.append(3, b"after", true).unwrap();
    wal.close().unwrap();
    let sizes: Vec<u64> = list(dir.path()).unwrap().segments.iter().map(|e| e.len).collect();
    assert!(sizes.iter().any(|&len| len > SEGMENT as u64), "{sizes:?}");
    let wal = Wal::open(options(dir.path())).unwrap();
    let records = read_all(&wal, 0);
    assert_eq!(records.len(), 3);
    assert_eq!(records[1].1, big);
}

fn last_segment(dir: &Path) -> std::path::PathBuf {
    dir.join(segment_file_name(*segment_files(dir).last().unwrap()))
}

#[test]
fn a_torn_tail_is_cut_once_and_appends_go_on() {
    let dir = TestDir::new("torn");
    let wal = Wal::open(options(dir.path())).unwrap();
    append_range(&wal, 1..=10, 500);
    wal.close().unwrap();
    // Zero the second half of the last record, as if its write stopped half way.
    let path = last_segment(dir.path());
    let data = fs::read(&path).unwrap();
    let last_record_end = {
        let mut offset = 64;
        let mut last = (0, 0);
        loop {
            let len = u32::from_le_bytes(data[offset..offset + 4].try_into().unwrap()) as usize;
            if len == 0 {
                break last;
            }
            last = (offset, offset + 16 + len);
            offset += crate::format::frame_len(len);
        }
    };
    let file = OpenOptions::new().write(true).open(&path).unwrap();
    file.write_all_at(&vec![0u8; 200], (last_record_end.1 - 200) as u64).unwrap();
    drop(file);
    let wal = Wal::open(options(dir.path())).unwrap();
    let torn = wal.report().torn_tail.clone().unwrap();
    assert_eq!((torn.0, torn.1), (path.display().to_string(), last_record_end.0 as u64));
    assert_eq!(wal.report().last_lsn, 9);
    wal.append(10, b"ten again", true).unwrap();
    wal.close().unwrap();
    let wal = Wal::open(options(dir.path())).unwrap();
    assert_eq!(wal.report().torn_tail, None, "the cut was made durable");
    assert_eq!(read_all(&wal, 8), vec![(9, payload(9, 500)), (10, b"ten again".to_vec())]);
}

#[test]
fn corruption_before_the_tail_refuses_strict_and_truncates_loudly() {
    let dir = TestDir::new("corrupt");
    let wal = Wal::open(options(dir.path())).unwrap();
    append_range(&wal, 1..=60, 300);
    wal.close().unwrap();
    let first = dir.path().join(segment_file_name(segment_files(dir.path())[0]));
    let offset = 64 + 3 * crate::format::frame_len(300) + 40;
    let file = OpenOptions::new().read(true).write(true).open(&first).unwrap();
    let mut byte = [0u8; 1];
    file.read_exact_at(&mut byte, offset as u64).unwrap();
    file.write_all_at(&[byte[0] ^ 0x04], offset as u64).unwrap();
    drop(file);

    let error = Wal::open(options(dir.path())).err().unwrap();
    assert_eq!(error.code, ERR_CORRUPT);
    let record_offset = 64 + 3 * crate::format::frame_len(300);
    assert!(error.message.contains(&first.display().to_string()), "{}", error.message);
    assert!(error.message.contains(&format!("offset {record_offset}")), "{}", error.message);

    let wal = Wal::open(Options { strict: false, ..options(dir.path()) }).unwrap();
    let truncated = wal.report().truncated_corruption.clone().unwrap();
    assert_eq!((truncated.0, truncated.1), (first.display().to_string(), record_offset as u64));
    assert_eq!(wal.report().last_lsn, 3);
    assert_eq!(read_all(&wal, 0).len(), 3);
    wal.close().unwrap();
    let wal = Wal::open(options(dir.path())).unwrap();
    assert_eq!(wal.report().truncated_corruption, None, "the truncation was made durable");
    assert_eq!(wal.report().last_lsn, 3);
    wal.append(4, b"four", true).unwrap();
}

#[test]
fn direct_io_round_trip() {
    let dir = TestDir::new("direct");
    let direct = Options { direct_io: true, ..options(dir.path()) };
    let wal = Wal::open(direct.clone()).unwrap();
    for lsn in 1..=120u64 {
        wal.append(lsn, &payload(lsn, (lsn as usize * 37) % 900), lsn % 3 == 0).unwrap();
    }
    wal.append(121, &payload(121, SEGMENT + 5000), true).unwrap();
    wal.close().unwrap();
    let wal = Wal::open(direct.clone()).unwrap();
    wal.append(122, b"resumed in place", true).unwrap();
    wal.close().unwrap();
    let wal = Wal::open(options(dir.path())).unwrap();
    let records = read_all(&wal, 0);
    assert_eq!(records.len(), 122);
    for (lsn, bytes) in &records[..120] {
        assert_eq!(bytes, &payload(*lsn, (*lsn as usize * 37) % 900));
    }
    assert_eq!(records[121].1, b"resumed in place".to_vec());
}

#[test]
fn one_process_at_a_time() {
    let dir = TestDir::new("lock");
    let wal = Wal::open(options(dir.path())).unwrap();
    let error = Wal::open(options(dir.path())).err().unwrap();
    assert_eq!(error.code, -11, "{}", error.message);
    wal.close().unwrap();
    Wal::open(options(dir.path())).unwrap();
}
