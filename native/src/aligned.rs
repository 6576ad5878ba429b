//! A zero-initialised byte buffer whose address is aligned to the O_DIRECT block, so the same
//! buffer serves buffered and direct writes.

use crate::format::BLOCK;
use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::ops::{Deref, DerefMut};

pub struct AlignedBuf {
    ptr: *mut u8,
    capacity: usize,
    len: usize,
}

// SAFETY: the buffer owns its allocation exclusively.
unsafe impl Send for AlignedBuf {}

impl AlignedBuf {
    pub fn new(len: usize) -> AlignedBuf {
        let mut buffer = AlignedBuf { ptr: std::ptr::null_mut(), capacity: 0, len: 0 };
        buffer.resize_zeroed(len);
        buffer
    }

    /// Makes the buffer `len` bytes long, all zero.
    pub fn resize_zeroed(&mut self, len: usize) {
        if len > self.capacity {
            self.release();
            let capacity = crate::format::align_up(len.max(BLOCK), BLOCK);
            let layout = Layout::from_size_align(capacity, BLOCK).expect("buffer layout");
            // SAFETY: the layout has a non-zero size.
            let ptr = unsafe { alloc_zeroed(layout) };
            if ptr.is_null() {
                std::alloc::handle_alloc_error(layout);
            }
            self.ptr = ptr;
            self.capacity = capacity;
        } else {
            // SAFETY: len <= capacity bytes are allocated.
            unsafe { std::ptr::write_bytes(self.ptr, 0, len) };
        }
        self.len = len;
    }

    fn release(&mut self) {
        if !self.ptr.is_null() {
            let layout = Layout::from_size_align(self.capacity, BLOCK).expect("buffer layout");
            // SAFETY: allocated with this layout in resize_zeroed.
            unsafe { dealloc(self.ptr, layout) };
            self.ptr = std::ptr::null_mut();
            self.capacity = 0;
        }
    }
}

impl Drop for AlignedBuf {
    fn drop(&mut self) {
        self.release();
    }
}

impl Deref for AlignedBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: len bytes are allocated and initialised.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl DerefMut for AlignedBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        if self.len == 0 {
            return &mut [];
        }
        // SAFETY: len bytes are allocated and initialised, and borrowed exclusively.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_and_zeroed_after_reuse() {
        let mut buffer = AlignedBuf::new(10);
        assert_eq!(buffer.as_ptr() as usize % BLOCK, 0);
        buffer[3] = 7;
        buffer.resize_zeroed(100);
        assert!(buffer.iter().all(|&b| b == 0));
        buffer.resize_zeroed(3 * BLOCK + 1);
        assert_eq!(buffer.len(), 3 * BLOCK + 1);
        assert_eq!(buffer.as_ptr() as usize % BLOCK, 0);
    }
}
