//! Writes frames at the end of one segment file, buffered or with O_DIRECT. Every write carries
//! the zero terminator after the frame. With O_DIRECT, writes cover whole aligned blocks: the
//! partial block at the write position is kept in memory and written again with the next frame.

use crate::aligned::AlignedBuf;
use crate::format::{align_up, BLOCK, TERMINATOR_LEN};
use crate::sys::O_DIRECT;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;

pub struct SegmentWriter {
    pub seq: u64,
    file: File,
    /// Where the next frame goes.
    pub offset: usize,
    pub capacity: usize,
    direct: bool,
    /// Direct IO only: the bytes of the block holding `offset`, zero from `offset` on.
    tail: AlignedBuf,
    /// Written since the last fdatasync.
    pub dirty: bool,
}

impl SegmentWriter {
    /// `tail_block` is the block holding `offset` as it is on disk (direct IO resuming a segment).
    pub fn open(path: &Path, seq: u64, offset: usize, capacity: usize, direct: bool, tail_block: &[u8]) -> io::Result<SegmentWriter> {
        if direct && capacity % BLOCK != 0 {
            return Err(io::Error::from_raw_os_error(crate::sys::EINVAL));
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(if direct { O_DIRECT } else { 0 })
            .open(path)?;
        let mut tail = AlignedBuf::new(if direct { BLOCK } else { 0 });
        if direct {
            let keep = (offset % BLOCK).min(tail_block.len());
            tail[..keep].copy_from_slice(&tail_block[..keep]);
        }
        Ok(SegmentWriter { seq, file, offset, capacity, direct, tail, dirty: false })
    }

    pub fn fits(&self, frame_len: usize) -> bool {
        self.offset + frame_len <= self.capacity
    }

    /// Writes `parts` back to back at `offset`, zero padding up to `frame_len`, then the terminator.
    /// On error the offset stays; the caller abandons the segment.
    pub fn write(&mut self, scratch: &mut AlignedBuf, parts: &[&[u8]], frame_len: usize) -> io::Result<()> {
        let start = self.offset;
        let end = start + frame_len;
        debug_assert!(end <= self.capacity);
        let terminated = (end + TERMINATOR_LEN).min(self.capacity);
        let (write_start, write_end) = if self.direct {
            (start / BLOCK * BLOCK, align_up(terminated, BLOCK))
        } else {
            (start, terminated)
        };
        scratch.resize_zeroed(write_end - write_start);
        let mut at = start - write_start;
        if self.direct {
            scratch[..at].copy_from_slice(&self.tail[..at]);
        }
        for part in parts {
            scratch[at..at + part.len()].copy_from_slice(part);
            at += part.len();
        }
        debug_assert!(at <= end - write_start);
        self.file.write_all_at(scratch, write_start as u64)?;
        if self.direct {
            let block_start = end / BLOCK * BLOCK;
            self.tail.resize_zeroed(BLOCK);
            if block_start < write_end {
                let from = block_start - write_start;
                let len = end - block_start;
                self.tail[..len].copy_from_slice(&scratch[from..from + len]);
            }
        }
        self.offset = end;
        self.dirty = true;
        Ok(())
    }

    pub fn sync(&mut self) -> io::Result<()> {
        self.file.sync_data()?;
        self.dirty = false;
        Ok(())
    }

    pub fn into_file(self) -> File {
        self.file
    }
}
