// The native write-ahead log's own unit tests (native/src, `cargo test`): they reach what the
// TypeScript specs cannot drive on purpose, such as the segment pool's bound while its background
// thread prepares a file. npm test runs them here, so CI does.

import { expect } from 'chai'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { repoRoot } from '../support/server.js'
import { findRustTool } from '../support/faultfs.js'

describe('the native WAL library (cargo test)', function () {
  this.timeout(300_000)

  it('passes its unit tests', () => {
    const cargo = findRustTool('cargo')
    if (cargo === undefined) throw new Error('cargo not found (install Rust, or put ~/.cargo/bin on PATH)')
    const run = spawnSync(cargo, ['test', '--release', '--offline', '--quiet'], { cwd: join(repoRoot, 'native'), encoding: 'utf8' })
    const output = `${run.stdout}\n${run.stderr}`
    expect(run.status, output).to.equal(0)
    expect(output).to.match(/test result: ok\. [1-9]\d* passed; 0 failed/)
  })
})
