//! CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of every segment header
//! and record. On x86_64 with SSE4.2 it runs on the `crc32` instruction; everywhere else on
//! slicing-by-8 tables. Both paths give identical results (the unit tests compare them).
//!
//! `seed` chains calls: `crc32c(b, crc32c(a, 0)) == crc32c(a ++ b, 0)`.

use std::sync::atomic::{AtomicU8, Ordering};

const POLYNOMIAL: u32 = 0x82F6_3B78;

const fn slicing_tables() -> [[u32; 256]; 8] {
    let mut tables = [[0u32; 256]; 8];
    let mut byte = 0;
    while byte < 256 {
        let mut crc = byte as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ POLYNOMIAL } else { crc >> 1 };
            bit += 1;
        }
        tables[0][byte] = crc;
        byte += 1;
    }
    let mut byte = 0;
    while byte < 256 {
        let mut slice = 1;
        while slice < 8 {
            let previous = tables[slice - 1][byte];
            tables[slice][byte] = (previous >> 8) ^ tables[0][(previous & 0xff) as usize];
            slice += 1;
        }
        byte += 1;
    }
    tables
}

static TABLES: [[u32; 256]; 8] = slicing_tables();

/// The table-driven path, available on every CPU.
pub fn crc32c_portable(seed: u32, data: &[u8]) -> u32 {
    let t = &TABLES;
    let mut crc = !seed;
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        let low = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]) ^ crc;
        let high = u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]);
        crc = t[7][(low & 0xff) as usize]
            ^ t[6][((low >> 8) & 0xff) as usize]
            ^ t[5][((low >> 16) & 0xff) as usize]
            ^ t[4][(low >> 24) as usize]
            ^ t[3][(high & 0xff) as usize]
            ^ t[2][((high >> 8) & 0xff) as usize]
            ^ t[1][((high >> 16) & 0xff) as usize]
            ^ t[0][(high >> 24) as usize];
    }
    for &byte in chunks.remainder() {
        crc = (crc >> 8) ^ t[0][((crc ^ byte as u32) & 0xff) as usize];
    }
    !crc
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse4.2")]
unsafe fn crc32c_sse42(seed: u32, data: &[u8]) -> u32 {
    use std::arch::x86_64::{_mm_crc32_u64, _mm_crc32_u8};
    let mut crc = (!seed) as u64;
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes([
            chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7],
        ]);
        crc = _mm_crc32_u64(crc, word);
    }
    let mut crc = crc as u32;
    for &byte in chunks.remainder() {
        crc = _mm_crc32_u8(crc, byte);
    }
    !crc
}

// 0: not probed yet, 1: portable, 2: SSE4.2.
static PATH: AtomicU8 = AtomicU8::new(0);

/// Whether `crc32c` runs on the CPU's CRC instruction.
pub fn hardware_available() -> bool {
    match PATH.load(Ordering::Relaxed) {
        1 => false,
        2 => true,
        _ => {
            let hardware = probe_hardware();
            PATH.store(if hardware { 2 } else { 1 }, Ordering::Relaxed);
            hardware
        }
    }
}

#[cfg(target_arch = "x86_64")]
fn probe_hardware() -> bool {
    is_x86_feature_detected!("sse4.2")
}

#[cfg(not(target_arch = "x86_64"))]
fn probe_hardware() -> bool {
    false
}

/// The fastest path this CPU has.
pub fn crc32c(seed: u32, data: &[u8]) -> u32 {
    #[cfg(target_arch = "x86_64")]
    {
        if hardware_available() {
            // SAFETY: SSE4.2 was detected at run time.
            return unsafe { crc32c_sse42(seed, data) };
        }
    }
    crc32c_portable(seed, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        assert_eq!(crc32c(0, b"123456789"), 0xE306_9283);
        assert_eq!(crc32c_portable(0, b"123456789"), 0xE306_9283);
        assert_eq!(crc32c(0, b""), 0);
        // RFC 3720 (iSCSI) B.4: 32 bytes of zeros, and 32 bytes of 0xff.
        assert_eq!(crc32c_portable(0, &[0u8; 32]), 0x8A91_36AA);
        assert_eq!(crc32c_portable(0, &[0xffu8; 32]), 0x62A8_AB43);
        assert_eq!(crc32c(0, &[0u8; 32]), 0x8A91_36AA);
    }

    #[test]
    fn seed_chains() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
        for split in [0, 1, 7, 8, 9, 500, 999, 1000] {
            let (a, b) = data.split_at(split);
            assert_eq!(crc32c(crc32c(0, a), b), crc32c(0, &data));
            assert_eq!(crc32c_portable(crc32c_portable(0, a), b), crc32c_portable(0, &data));
        }
    }

    #[test]
    fn hardware_matches_portable_on_pseudo_random_input() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..500 {
            let len = (next() % 3000) as usize;
            let offset = (next() % 8) as usize;
            let buffer: Vec<u8> = (0..len + offset).map(|_| next() as u8).collect();
            let seed = next() as u32;
            let slice = &buffer[offset..];
            assert_eq!(crc32c(seed, slice), crc32c_portable(seed, slice));
        }
    }
}
