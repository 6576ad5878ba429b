#!/usr/bin/env node
// Builds the native write-ahead log (native/, Rust, std only) into
// native/target/release/libwtr_wal.so. Run by `npm install` (the package's install script).
// cargo is taken from PATH, else from $CARGO_HOME/bin or $HOME/.cargo/bin, where rustup puts it
// but non-login shells do not look.

import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const nativeDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'native')

function findCargo() {
  if (spawnSync('cargo', ['--version'], { stdio: 'ignore' }).status === 0) return 'cargo'
  const candidates = [
    process.env.CARGO_HOME ? join(process.env.CARGO_HOME, 'bin', 'cargo') : undefined,
    join(process.env.HOME || homedir(), '.cargo', 'bin', 'cargo'),
  ]
  return candidates.find((candidate) => candidate !== undefined && existsSync(candidate))
}

const cargo = findCargo()
if (cargo === undefined) {
  console.error(
    [
      'we-trust-redis: cannot build the native write-ahead log: cargo (Rust) was not found on PATH',
      'or in ~/.cargo/bin. Install Rust\'s cargo, then run `npm install` again:',
      '  - with rustup, the Rust toolchain installer',
      '  - or on Debian/Ubuntu: apt-get install cargo',
    ].join('\n'),
  )
  process.exit(1)
}

const build = spawnSync(cargo, ['build', '--release', '--offline'], { cwd: nativeDir, stdio: 'inherit' })
if (build.error !== undefined) {
  console.error(`we-trust-redis: running ${cargo} failed: ${build.error.message}`)
  process.exit(1)
}
if (build.status !== 0) {
  console.error(`we-trust-redis: building native/ with ${cargo} failed (exit ${build.status ?? build.signal})`)
  process.exit(build.status ?? 1)
}
