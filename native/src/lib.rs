pub mod aligned;
pub mod committer;
pub mod crc32c;
pub mod ffi;
pub mod files;
pub mod format;
pub mod pool;
pub mod recovery;
pub mod sys;
pub mod wal;
pub mod writer;
#[cfg(test)]
mod test_dir;
#[cfg(test)]
mod wal_tests;
