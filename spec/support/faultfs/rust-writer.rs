// A Rust (std only) program for faultfs.spec.ts: it changes files in the directory given as its
// argument through std::fs from several threads at once, prints "ready", and waits to be killed.
// Phase 1 is made durable (fdatasync, directory fsync); phase 2 is not, and must be rolled back.
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::thread;

const THREADS: u64 = 4;
const WRITES: u64 = 64;
const CHUNK: u64 = 512;
const REGION: u64 = 65536;

fn write_concurrently(path: &Path, byte_base: u8) {
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let path = path.to_path_buf();
            thread::spawn(move || {
                let file = OpenOptions::new().write(true).open(&path).expect("open seg");
                let chunk = vec![byte_base + t as u8; CHUNK as usize];
                for k in 0..WRITES {
                    file.write_all_at(&chunk, REGION + (k * THREADS + t) * CHUNK).expect("write_at");
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().expect("writer thread");
    }
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: rust-writer DIR");
    let dir = Path::new(&dir);
    let dir_handle = File::open(dir).expect("open dir");
    let seg_path = dir.join("seg");

    let seg = OpenOptions::new().create(true).read(true).write(true).open(&seg_path).expect("create seg");
    seg.set_len(1 << 20).expect("set_len");
    seg.write_all_at(&[b'S'; 4096], 0).expect("write_at");
    write_concurrently(&seg_path, b'a');
    seg.sync_data().expect("sync_data");

    let mut tmp = File::create(dir.join("final.tmp")).expect("create tmp");
    tmp.write_all(b"final contents").expect("write tmp");
    tmp.sync_all().expect("sync_all tmp");
    fs::rename(dir.join("final.tmp"), dir.join("final")).expect("rename");
    dir_handle.sync_all().expect("sync dir");

    // Unsynced from here on.
    write_concurrently(&seg_path, b'A');
    seg.set_len(3 << 20).expect("grow");
    fs::remove_file(dir.join("final")).expect("remove_file");
    File::create(dir.join("unsynced")).expect("create unsynced").write_all(b"x").expect("write unsynced");

    println!("ready");
    std::io::stdout().flush().expect("flush");
    loop {
        thread::park();
    }
}
