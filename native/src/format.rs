//! The bytes on disk: the segment header and the record frame (docs/wal-format.md). All integers
//! are little-endian. Pure functions only; the files are handled elsewhere.

use crate::crc32c::crc32c;

pub const MAGIC: [u8; 8] = *b"WTR-WAL\n";
pub const VERSION: u32 = 1;
/// Records start right after the header, so every record begins 8-aligned.
pub const SEGMENT_HEADER_LEN: usize = 64;
pub const RECORD_HEADER_LEN: usize = 16;
/// Frames are padded to this, so recovery can search for later records at aligned offsets only.
pub const RECORD_ALIGN: usize = 8;
/// Written after every frame (when the segment has room), so the end of the live records is
/// recognisable even in a recycled file full of older bytes.
pub const TERMINATOR_LEN: usize = 16;
/// The O_DIRECT unit: segment sizes are multiples of it, and direct writes cover whole blocks.
pub const BLOCK: usize = 4096;
/// Largest payload one record can hold (its length field is 32 bits).
pub const MAX_PAYLOAD: usize = (u32::MAX as usize) - SEGMENT_HEADER_LEN - RECORD_HEADER_LEN - BLOCK;

pub fn align_up(value: usize, to: usize) -> usize {
    (value + to - 1) / to * to
}

/// Bytes a record with a payload of `len` occupies: header, payload and padding.
pub fn frame_len(len: usize) -> usize {
    align_up(RECORD_HEADER_LEN + len, RECORD_ALIGN)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentHeader {
    pub seq: u64,
    pub first_lsn: u64,
    pub capacity: u64,
}

impl SegmentHeader {
    pub fn encode(&self) -> [u8; SEGMENT_HEADER_LEN] {
        let mut bytes = [0u8; SEGMENT_HEADER_LEN];
        bytes[0..8].copy_from_slice(&MAGIC);
        bytes[8..12].copy_from_slice(&VERSION.to_le_bytes());
        bytes[12..16].copy_from_slice(&(SEGMENT_HEADER_LEN as u32).to_le_bytes());
        bytes[16..24].copy_from_slice(&self.seq.to_le_bytes());
        bytes[24..32].copy_from_slice(&self.first_lsn.to_le_bytes());
        bytes[32..40].copy_from_slice(&self.capacity.to_le_bytes());
        let crc = crc32c(0, &bytes[0..60]);
        bytes[60..64].copy_from_slice(&crc.to_le_bytes());
        bytes
    }
}

/// What the first bytes of a segment file say, judged against the sequence number in its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderState {
    Valid(SegmentHeader),
    /// Never written for this name: all zeros (fresh preallocation), or an intact header of an
    /// earlier use of a recycled file (another sequence number).
    Blank,
    /// Neither: damaged bytes, or a version this code does not read.
    Damaged,
}

pub fn decode_header(bytes: &[u8], name_seq: u64) -> HeaderState {
    if bytes.len() < SEGMENT_HEADER_LEN {
        return if bytes.iter().all(|&b| b == 0) { HeaderState::Blank } else { HeaderState::Damaged };
    }
    let bytes = &bytes[..SEGMENT_HEADER_LEN];
    if bytes.iter().all(|&b| b == 0) {
        return HeaderState::Blank;
    }
    let stored_crc = read_u32(bytes, 60);
    if bytes[0..8] != MAGIC || crc32c(0, &bytes[0..60]) != stored_crc {
        return HeaderState::Damaged;
    }
    if read_u32(bytes, 8) != VERSION || read_u32(bytes, 12) as usize != SEGMENT_HEADER_LEN {
        return HeaderState::Damaged;
    }
    let seq = read_u64(bytes, 16);
    if seq != name_seq {
        return HeaderState::Blank;
    }
    let first_lsn = read_u64(bytes, 24);
    if first_lsn == 0 {
        return HeaderState::Damaged;
    }
    HeaderState::Valid(SegmentHeader { seq, first_lsn, capacity: read_u64(bytes, 32) })
}

/// The record checksum: CRC-32C of seq (8 bytes), length (4), LSN (8), then the payload. The
/// segment's sequence number is not stored in the frame; it binds the record to this use of the
/// file, so bytes left from an earlier use of a recycled file never pass as live records.
pub fn record_crc(seq: u64, lsn: u64, payload: &[u8]) -> u32 {
    let mut fields = [0u8; 20];
    fields[0..8].copy_from_slice(&seq.to_le_bytes());
    fields[8..12].copy_from_slice(&(payload.len() as u32).to_le_bytes());
    fields[12..20].copy_from_slice(&lsn.to_le_bytes());
    crc32c(crc32c(0, &fields), payload)
}

pub fn encode_record_header(seq: u64, lsn: u64, payload: &[u8]) -> [u8; RECORD_HEADER_LEN] {
    let mut header = [0u8; RECORD_HEADER_LEN];
    header[0..4].copy_from_slice(&(payload.len() as u32).to_le_bytes());
    header[4..8].copy_from_slice(&record_crc(seq, lsn, payload).to_le_bytes());
    header[8..16].copy_from_slice(&lsn.to_le_bytes());
    header
}

/// A record found intact at some offset of a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    pub lsn: u64,
    pub payload_offset: usize,
    pub payload_len: usize,
    /// Offset just past the frame's padding: where the next frame starts.
    pub next: usize,
}

/// What lies at an offset where a record could start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    Record(Frame),
    /// Sixteen zero bytes: the terminator, or never-written space.
    End,
    /// Fewer than sixteen bytes left in the segment.
    NoRoom,
    /// Anything else. `claimed` is how far the bytes claim to reach (the frame its length field
    /// describes, capped at the segment's end).
    Invalid { claimed: usize },
}

/// Reads the slot at `offset`. A frame is a Record only when its checksum matches for `seq`;
/// its LSN is returned as found (the caller judges the sequence).
pub fn read_slot(data: &[u8], offset: usize, seq: u64) -> Slot {
    if data.len() < offset + RECORD_HEADER_LEN {
        // The writer zeroes a remainder too small for a record; anything else there was cut short.
        let rest = &data[offset.min(data.len())..];
        return if rest.iter().all(|&b| b == 0) { Slot::NoRoom } else { Slot::Invalid { claimed: rest.len() } };
    }
    let header = &data[offset..offset + RECORD_HEADER_LEN];
    if header.iter().all(|&b| b == 0) {
        return Slot::End;
    }
    let len = read_u32(header, 0) as usize;
    let remaining = data.len() - offset;
    if RECORD_HEADER_LEN + len > remaining {
        return Slot::Invalid { claimed: remaining };
    }
    let claimed = frame_len(len).min(remaining);
    let lsn = read_u64(header, 8);
    let payload = &data[offset + RECORD_HEADER_LEN..offset + RECORD_HEADER_LEN + len];
    if lsn == 0 || record_crc(seq, lsn, payload) != read_u32(header, 4) {
        return Slot::Invalid { claimed };
    }
    Slot::Record(Frame {
        lsn,
        payload_offset: offset + RECORD_HEADER_LEN,
        payload_len: len,
        next: (offset + frame_len(len)).min(data.len()),
    })
}

/// Searches aligned offsets from `from` for a record intact under `seq` with an LSN in
/// [min_lsn, max_lsn]: evidence that the log goes on past a damaged spot. The LSN range is checked
/// before the checksum, so bytes of older records (lower LSNs) cost no checksum.
pub fn find_later_record(data: &[u8], from: usize, seq: u64, min_lsn: u64, max_lsn: u64) -> Option<(usize, u64)> {
    let mut offset = align_up(from, RECORD_ALIGN);
    while offset + RECORD_HEADER_LEN <= data.len() {
        let lsn = read_u64(data, offset + 8);
        let len = read_u32(data, offset) as usize;
        if lsn >= min_lsn && lsn <= max_lsn && RECORD_HEADER_LEN + len <= data.len() - offset {
            if let Slot::Record(frame) = read_slot(data, offset, seq) {
                return Some((offset, frame.lsn));
            }
        }
        offset += RECORD_ALIGN;
    }
    None
}

pub fn read_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

pub fn read_u64(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment_with(seq: u64, first_lsn: u64, payloads: &[&[u8]], size: usize) -> Vec<u8> {
        let mut data = vec![0u8; size];
        data[..SEGMENT_HEADER_LEN]
            .copy_from_slice(&SegmentHeader { seq, first_lsn, capacity: size as u64 }.encode());
        let mut offset = SEGMENT_HEADER_LEN;
        for (i, payload) in payloads.iter().enumerate() {
            let lsn = first_lsn + i as u64;
            data[offset..offset + RECORD_HEADER_LEN]
                .copy_from_slice(&encode_record_header(seq, lsn, payload));
            data[offset + RECORD_HEADER_LEN..offset + RECORD_HEADER_LEN + payload.len()]
                .copy_from_slice(payload);
            offset += frame_len(payload.len());
        }
        data
    }

    #[test]
    fn header_round_trip_and_states() {
        let header = SegmentHeader { seq: 7, first_lsn: 42, capacity: 65536 };
        let bytes = header.encode();
        assert_eq!(decode_header(&bytes, 7), HeaderState::Valid(header));
        assert_eq!(decode_header(&bytes, 8), HeaderState::Blank, "a recycled file's old header");
        assert_eq!(decode_header(&[0u8; 64], 7), HeaderState::Blank);
        let mut damaged = bytes;
        damaged[30] ^= 1;
        assert_eq!(decode_header(&damaged, 7), HeaderState::Damaged);
    }

    #[test]
    fn frames_are_aligned_and_checked_against_the_segment() {
        let data = segment_with(3, 10, &[b"hello", b"", b"0123456789abcdef"], 4096);
        let first = match read_slot(&data, 64, 3) {
            Slot::Record(frame) => frame,
            other => panic!("{other:?}"),
        };
        assert_eq!((first.lsn, first.payload_len, first.next), (10, 5, 64 + 24));
        assert_eq!(&data[first.payload_offset..first.payload_offset + 5], b"hello");
        match read_slot(&data, first.next, 3) {
            Slot::Record(frame) => assert_eq!((frame.lsn, frame.payload_len, frame.next), (11, 0, 88 + 16)),
            other => panic!("{other:?}"),
        }
        // The same bytes read as another use of the file do not pass.
        assert!(matches!(read_slot(&data, 64, 4), Slot::Invalid { .. }));
        assert_eq!(read_slot(&data, 64 + 24 + 16 + 32, 3), Slot::End);
        assert_eq!(read_slot(&data, 4096 - 8, 3), Slot::NoRoom);
        let cut = &data[..64 + 10];
        assert_eq!(read_slot(cut, 64, 3), Slot::Invalid { claimed: 10 }, "a header cut short");
    }

    #[test]
    fn a_flipped_bit_or_an_absurd_length_is_invalid() {
        let data = segment_with(1, 1, &[b"payload bytes"], 4096);
        for byte in 64..64 + 16 + 13 {
            let mut broken = data.clone();
            broken[byte] ^= 0x10;
            assert!(matches!(read_slot(&broken, 64, 1), Slot::Invalid { .. }), "byte {byte}");
        }
        let mut huge = data.clone();
        huge[64..68].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(read_slot(&huge, 64, 1), Slot::Invalid { claimed: 4096 - 64 });
    }

    #[test]
    fn later_records_are_found_past_damage_but_not_older_ones() {
        let data = segment_with(2, 100, &[b"a", b"bb", b"ccc"], 4096);
        let mut broken = data.clone();
        broken[64 + 16] ^= 1; // payload of LSN 100
        assert_eq!(find_later_record(&broken, 64 + 8, 2, 100, 200), Some((64 + 24, 101)));
        assert_eq!(find_later_record(&broken, 64 + 8, 2, 103, 200), None);
        assert_eq!(find_later_record(&broken, 64 + 8, 2, 50, 100), None, "101 is out of range");
        assert_eq!(find_later_record(&broken, 64 + 8, 9, 100, 200), None, "another use of the file");
    }
}
