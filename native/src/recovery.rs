//! Recovery: which records of the segment files are live, and where the log ends. Pure logic over
//! segment images; `load` supplies a segment's bytes by index. The rules (docs/wal-format.md):
//!
//! 1. A segment whose header is valid for its name holds live records with LSNs in
//!    [first_lsn, limit), where limit is the lowest first_lsn of any later valid segment: a later
//!    header supersedes records with that LSN or higher (a failed write or sync is never trusted).
//! 2. Within a segment, records must follow each other with consecutive LSNs from first_lsn.
//!    The chain of live records ends at the first slot that is not the expected record: the
//!    terminator (zeros), no room, or invalid bytes.
//! 3. If any record intact for its own segment and with an LSN at or past that point exists later
//!    (in the same segment or a later one), the break is corruption before the tail. Otherwise it
//!    is the end of the log, and invalid bytes there are a torn tail.

use crate::format::{
    align_up, find_later_record, read_slot, HeaderState, Slot, BLOCK, RECORD_HEADER_LEN,
    SEGMENT_HEADER_LEN, TERMINATOR_LEN,
};

/// What the directory listing and the header say about one segment file.
#[derive(Clone, Debug)]
pub struct SegmentFile {
    pub seq: u64,
    pub len: u64,
    pub header: HeaderState,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndKind {
    /// The next LSN is superseded by a later segment's header.
    Boundary,
    /// Fewer bytes left than a record header.
    Full,
    /// A zero record header: the terminator or never-written space.
    Zero,
    /// Bytes that are not the expected record; `claimed` as in `Slot::Invalid`.
    Invalid { claimed: usize },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentScan {
    /// Offset just past the last live record.
    pub end: usize,
    /// LSN the next record would have.
    pub next_lsn: u64,
    pub kind: EndKind,
    pub records: u64,
    /// Bytes of the live frames.
    pub bytes: u64,
}

pub fn scan_segment(data: &[u8], seq: u64, first_lsn: u64, limit: u64) -> SegmentScan {
    let mut scan = SegmentScan {
        end: SEGMENT_HEADER_LEN,
        next_lsn: first_lsn,
        kind: EndKind::Full,
        records: 0,
        bytes: 0,
    };
    loop {
        if scan.next_lsn >= limit {
            scan.kind = EndKind::Boundary;
            return scan;
        }
        match read_slot(data, scan.end, seq) {
            Slot::Record(frame) if frame.lsn == scan.next_lsn => {
                scan.records += 1;
                scan.bytes += (frame.next - scan.end) as u64;
                scan.end = frame.next;
                scan.next_lsn += 1;
            }
            Slot::Record(frame) => {
                scan.kind = EndKind::Invalid { claimed: frame.next - scan.end };
                return scan;
            }
            Slot::End => {
                scan.kind = EndKind::Zero;
                return scan;
            }
            Slot::NoRoom => {
                scan.kind = EndKind::Full;
                return scan;
            }
            Slot::Invalid { claimed } => {
                scan.kind = EndKind::Invalid { claimed };
                return scan;
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveSegment {
    /// Index into the analysed file list.
    pub index: usize,
    pub seq: u64,
    pub first_lsn: u64,
    pub records: u64,
    pub bytes: u64,
    /// Offset just past the last live record.
    pub end: usize,
}

impl LiveSegment {
    /// LSN of the last live record (first_lsn - 1 when there is none).
    pub fn last_lsn(&self) -> u64 {
        self.first_lsn + self.records - 1
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Damage {
    pub index: usize,
    pub offset: usize,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TornTail {
    pub index: usize,
    pub offset: usize,
    pub bytes: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Analysis {
    /// The segments of the live chain, in order; the records after a corruption are not in it.
    pub live: Vec<LiveSegment>,
    pub records: u64,
    /// LSN of the last live record; 0 when there is none.
    pub last_lsn: u64,
    /// Appends may go on in this chain segment (an index into `live`) at this offset: the log ended
    /// cleanly at a terminator. Otherwise the next append starts a new segment.
    pub append_at: Option<(usize, usize)>,
    pub torn_tail: Option<TornTail>,
    pub corruption: Option<Damage>,
}

/// `files` are in ascending sequence order.
pub fn analyze<E, L>(files: &[SegmentFile], mut load: L) -> Result<Analysis, E>
where
    L: FnMut(usize) -> Result<Vec<u8>, E>,
{
    let count = files.len();
    let first_lsn = |i: usize| match files[i].header {
        HeaderState::Valid(header) => Some(header.first_lsn),
        _ => None,
    };
    let mut limits = vec![u64::MAX; count];
    let mut lowest_later = u64::MAX;
    for i in (0..count).rev() {
        limits[i] = lowest_later;
        if let Some(first) = first_lsn(i) {
            lowest_later = lowest_later.min(first);
        }
    }

    let mut analysis = Analysis::default();
    // Where the chain of live records breaks: the file index, its scan and its bytes.
    let mut chain_break: Option<(usize, SegmentScan, Vec<u8>)> = None;
    for i in 0..count {
        let first = match first_lsn(i) {
            Some(first) if first < limits[i] => first,
            _ => continue,
        };
        let data = load(i)?;
        let scan = scan_segment(&data, files[i].seq, first, limits[i]);
        analysis.live.push(LiveSegment {
            index: i,
            seq: files[i].seq,
            first_lsn: first,
            records: scan.records,
            bytes: scan.bytes,
            end: scan.end,
        });
        analysis.records += scan.records;
        if scan.records > 0 {
            analysis.last_lsn = scan.next_lsn - 1;
        }
        if scan.kind != EndKind::Boundary {
            chain_break = Some((i, scan, data));
            break;
        }
    }
    // The last valid segment's limit is unbounded, so a chain that started always breaks.

    let min_lsn = chain_break.as_ref().map_or(1, |(_, scan, _)| scan.next_lsn);
    let first_later_file = chain_break.as_ref().map_or(0, |(i, _, _)| i + 1);
    let mut later: Option<(usize, usize, u64)> = None;
    if let Some((i, scan, data)) = &chain_break {
        if scan.kind != EndKind::Full {
            // A segment holds at most one record per 16 bytes, which bounds the plausible LSNs.
            let max_lsn = min_lsn.saturating_add((data.len() / RECORD_HEADER_LEN) as u64);
            later = find_later_record(data, scan.end, files[*i].seq, min_lsn, max_lsn)
                .map(|(offset, lsn)| (*i, offset, lsn));
        }
    }
    if later.is_none() {
        for j in first_later_file..count {
            let data = load(j)?;
            if let Some((offset, lsn)) =
                find_later_record(&data, SEGMENT_HEADER_LEN, files[j].seq, min_lsn, u64::MAX)
            {
                later = Some((j, offset, lsn));
                break;
            }
        }
    }
    let first_damaged = |from: usize, to: usize| {
        (from..to.min(count)).find(|&k| files[k].header == HeaderState::Damaged)
    };

    if let Some((j, offset, lsn)) = later {
        let evidence =
            format!("a record with LSN {lsn} is intact at offset {offset} of segment {:016x} after it", files[j].seq);
        analysis.corruption = Some(if let Some(k) = first_damaged(first_later_file, j + 1) {
            Damage { index: k, offset: 0, detail: format!("damaged segment header; {evidence}") }
        } else if let Some((i, scan, _)) = &chain_break {
            let what = match scan.kind {
                EndKind::Invalid { .. } => format!("checksum mismatch or invalid record where LSN {} was expected", scan.next_lsn),
                _ => format!("records from LSN {} are missing", scan.next_lsn),
            };
            Damage { index: *i, offset: scan.end, detail: format!("{what}; {evidence}") }
        } else {
            Damage { index: j, offset: 0, detail: format!("segment header missing; {evidence}") }
        });
        return Ok(analysis);
    }
    if let Some((i, scan, _)) = &chain_break {
        if let EndKind::Invalid { claimed } = scan.kind {
            analysis.torn_tail = Some(TornTail { index: *i, offset: scan.end, bytes: claimed });
        }
        if scan.kind == EndKind::Zero {
            analysis.append_at = Some((analysis.live.len() - 1, scan.end));
        }
    }
    if analysis.torn_tail.is_none() {
        if let Some(k) = first_damaged(first_later_file, count) {
            analysis.torn_tail = Some(TornTail { index: k, offset: 0, bytes: SEGMENT_HEADER_LEN });
        }
    }
    Ok(analysis)
}

/// Bytes a segment needs for its header, one frame of `frame` bytes and the terminator, in whole
/// blocks: the size of a segment made for a record larger than the configured segment size.
pub fn oversize_capacity(frame: usize) -> usize {
    align_up(SEGMENT_HEADER_LEN + frame + TERMINATOR_LEN, BLOCK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{decode_header, encode_record_header, frame_len, SegmentHeader};

    /// A segment image written the way the log writes one.
    struct Image {
        seq: u64,
        data: Vec<u8>,
        offset: usize,
    }

    impl Image {
        fn new(seq: u64, first_lsn: u64, size: usize) -> Image {
            let mut data = vec![0u8; size];
            data[..SEGMENT_HEADER_LEN]
                .copy_from_slice(&SegmentHeader { seq, first_lsn, capacity: size as u64 }.encode());
            Image { seq, data, offset: SEGMENT_HEADER_LEN }
        }

        /// A recycled file: the bytes of an earlier use, then a fresh header.
        fn reusing(old: &Image, seq: u64, first_lsn: u64) -> Image {
            let mut image = Image { seq, data: old.data.clone(), offset: SEGMENT_HEADER_LEN };
            image.data[..SEGMENT_HEADER_LEN]
                .copy_from_slice(&SegmentHeader { seq, first_lsn, capacity: old.data.len() as u64 }.encode());
            image.terminate();
            image
        }

        fn push(&mut self, lsn: u64, payload: &[u8]) -> usize {
            let at = self.offset;
            self.data[at..at + 16].copy_from_slice(&encode_record_header(self.seq, lsn, payload));
            self.data[at + 16..at + 16 + payload.len()].copy_from_slice(payload);
            let end = at + frame_len(payload.len());
            for byte in &mut self.data[at + 16 + payload.len()..end] {
                *byte = 0;
            }
            self.offset = end;
            self.terminate();
            at
        }

        fn terminate(&mut self) {
            let end = (self.offset + 16).min(self.data.len());
            for byte in &mut self.data[self.offset..end] {
                *byte = 0;
            }
        }

        fn push_many(&mut self, lsns: std::ops::RangeInclusive<u64>, size: usize) -> Vec<usize> {
            lsns.map(|lsn| self.push(lsn, &vec![(lsn % 251) as u8; size])).collect()
        }
    }

    fn analyze_images(images: &[&Image]) -> Analysis {
        let files: Vec<SegmentFile> = images
            .iter()
            .map(|image| SegmentFile {
                seq: image.seq,
                len: image.data.len() as u64,
                header: decode_header(&image.data, image.seq),
            })
            .collect();
        analyze::<(), _>(&files, |i| Ok(images[i].data.clone())).unwrap()
    }

    #[test]
    fn a_clean_log_over_two_segments() {
        let mut a = Image::new(1, 1, 4096);
        a.push_many(1..=10, 100);
        let mut b = Image::new(2, 11, 4096);
        let offsets = b.push_many(11..=15, 100);
        let analysis = analyze_images(&[&a, &b]);
        assert_eq!((analysis.records, analysis.last_lsn), (15, 15));
        assert_eq!(analysis.live.len(), 2);
        assert_eq!(analysis.append_at, Some((1, offsets[4] + frame_len(100))));
        assert_eq!((analysis.torn_tail.clone(), analysis.corruption.clone()), (None, None));
    }

    #[test]
    fn an_incomplete_last_record_is_a_torn_tail() {
        let mut a = Image::new(1, 1, 4096);
        let offsets = a.push_many(1..=5, 200);
        // The last record was only partly written: its second half is still zeros.
        for byte in &mut a.data[offsets[4] + 120..offsets[4] + 216] {
            *byte = 0;
        }
        let analysis = analyze_images(&[&a]);
        assert_eq!((analysis.records, analysis.last_lsn), (4, 4));
        assert_eq!(analysis.torn_tail, Some(TornTail { index: 0, offset: offsets[4], bytes: frame_len(200) }));
        assert_eq!(analysis.corruption, None);
        assert_eq!(analysis.append_at, None, "a new segment supersedes the torn bytes");
    }

    #[test]
    fn a_bad_checksum_followed_by_records_is_corruption() {
        let mut a = Image::new(1, 1, 4096);
        let offsets = a.push_many(1..=6, 100);
        a.data[offsets[2] + 40] ^= 0x01;
        let analysis = analyze_images(&[&a]);
        let damage = analysis.corruption.clone().unwrap();
        assert_eq!((damage.index, damage.offset), (0, offsets[2]));
        assert!(damage.detail.contains("LSN 4"), "{}", damage.detail);
        assert_eq!((analysis.records, analysis.last_lsn), (2, 2));
    }

    #[test]
    fn a_bad_checksum_followed_by_a_later_segment_is_corruption() {
        let mut a = Image::new(1, 1, 4096);
        let offsets = a.push_many(1..=30, 100);
        let mut b = Image::new(2, 31, 4096);
        b.push_many(31..=33, 100);
        let last = offsets[29];
        a.data[last + 20] ^= 0x80;
        let analysis = analyze_images(&[&a, &b]);
        let damage = analysis.corruption.clone().unwrap();
        assert_eq!((damage.index, damage.offset), (0, last));
        assert_eq!(analysis.last_lsn, 29);
    }

    #[test]
    fn a_later_header_supersedes_failed_records() {
        let mut a = Image::new(1, 1, 4096);
        a.push_many(1..=8, 50);
        // LSNs 6..8 failed to sync; the log went on in a new segment from LSN 6.
        let mut b = Image::new(2, 6, 4096);
        b.push(6, b"retried six");
        b.push(7, b"retried seven");
        let analysis = analyze_images(&[&a, &b]);
        assert_eq!((analysis.records, analysis.last_lsn), (7, 7));
        assert_eq!(analysis.live[0].records, 5);
        assert_eq!(analysis.live[1].first_lsn, 6);
        assert_eq!((analysis.torn_tail.clone(), analysis.corruption.clone()), (None, None));
        assert_eq!(analysis.append_at.map(|(segment, _)| segment), Some(1));
    }

    #[test]
    fn a_superseded_segment_with_nothing_live_drops_out() {
        let mut a = Image::new(1, 1, 4096);
        a.push_many(1..=3, 50);
        let mut b = Image::new(2, 4, 4096);
        b.push(4, b"failed");
        let mut c = Image::new(3, 4, 4096);
        c.push(4, b"retried");
        let analysis = analyze_images(&[&a, &b, &c]);
        assert_eq!(analysis.live.iter().map(|s| s.seq).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(analysis.last_lsn, 4);
    }

    #[test]
    fn stale_bytes_of_a_recycled_file_are_not_live() {
        let mut old = Image::new(1, 1, 8192);
        old.push_many(1..=40, 150);
        let mut reused = Image::reusing(&old, 9, 500);
        reused.push_many(500..=502, 30);
        let analysis = analyze_images(&[&reused]);
        assert_eq!((analysis.records, analysis.last_lsn), (3, 502));
        assert_eq!((analysis.torn_tail.clone(), analysis.corruption.clone()), (None, None));
        assert!(analysis.append_at.is_some());
    }

    #[test]
    fn stale_records_with_the_expected_lsns_are_not_resurrected() {
        // An earlier use of the file held LSNs 5..20 that were later dropped; the file came back
        // with first LSN 5 again, and only LSN 5 was written before a crash.
        let mut old = Image::new(4, 5, 4096);
        old.push_many(5..=20, 64);
        let mut reused = Image::reusing(&old, 7, 5);
        reused.push(5, &[5u8; 64]);
        // The terminator after LSN 5 did not reach the disk either.
        let end = SEGMENT_HEADER_LEN + frame_len(64);
        reused.data[end..end + 16].copy_from_slice(&old.data[end..end + 16]);
        let analysis = analyze_images(&[&reused]);
        assert_eq!((analysis.records, analysis.last_lsn), (1, 5));
        assert_eq!(analysis.corruption, None);
        assert!(analysis.torn_tail.is_some(), "old bytes at the end read as a torn tail, never as records");
    }

    #[test]
    fn a_zeroed_hole_before_later_records_is_corruption() {
        let mut a = Image::new(1, 1, 4096);
        let offsets = a.push_many(1..=8, 100);
        for byte in &mut a.data[offsets[3]..offsets[5]] {
            *byte = 0;
        }
        let analysis = analyze_images(&[&a]);
        let damage = analysis.corruption.clone().unwrap();
        assert_eq!((damage.index, damage.offset), (0, offsets[3]));
        assert!(damage.detail.contains("missing"), "{}", damage.detail);
    }

    #[test]
    fn a_damaged_header_between_live_segments_is_named() {
        let mut a = Image::new(1, 1, 4096);
        a.push_many(1..=30, 100);
        let mut b = Image::new(2, 31, 4096);
        b.push_many(31..=60, 100);
        let mut c = Image::new(3, 61, 4096);
        c.push_many(61..=62, 100);
        b.data[20] ^= 0xff;
        let analysis = analyze_images(&[&a, &b, &c]);
        let damage = analysis.corruption.clone().unwrap();
        assert_eq!((damage.index, damage.offset), (1, 0));
        assert_eq!(analysis.last_lsn, 30);
    }

    #[test]
    fn a_header_written_before_a_crash_that_lost_records_is_the_tail() {
        let mut a = Image::new(1, 1, 4096);
        let offsets = a.push_many(1..=30, 100);
        // Records 29 and 30 never reached the disk, but the next segment's header did.
        for byte in &mut a.data[offsets[28]..] {
            *byte = 0;
        }
        let b = Image::new(2, 31, 4096);
        let analysis = analyze_images(&[&a, &b]);
        assert_eq!(analysis.corruption, None);
        assert_eq!(analysis.last_lsn, 28);
        assert_eq!(analysis.append_at, Some((0, offsets[28])));
    }

    #[test]
    fn a_full_segment_ends_cleanly() {
        let mut a = Image::new(1, 1, 4096);
        // 64 + 15 * 264 = 4024; one more 64-byte frame... fill to exactly 4096.
        a.push_many(1..=15, 248);
        let left = 4096 - a.offset - 16;
        a.push(16, &vec![1u8; left]);
        assert_eq!(a.offset, 4096);
        let analysis = analyze_images(&[&a]);
        assert_eq!((analysis.last_lsn, analysis.append_at, analysis.torn_tail.clone()), (16, None, None));
    }

    #[test]
    fn an_empty_directory_and_blank_files_hold_nothing() {
        assert_eq!(analyze_images(&[]), Analysis::default());
        let blank = Image { seq: 3, data: vec![0u8; 4096], offset: 64 };
        assert_eq!(analyze_images(&[&blank]).records, 0);
    }
}
