// PFSELFTEST
//
// Redis's self test of the HLL implementation: dense registers read back what was written, and
// sparse and dense HLLs fed the same elements agree and stay within a few standard errors of
// the true cardinality. Checkpoints go to 10^6 elements (Redis goes to 10^7), which keeps the
// event loop blocked for about a second instead of ten.
import { OK, error, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { HLL_REGISTERS, HLL_SPARSE, HllBuilder, count, createHll, denseGet, sparseToDense } from './hll.js'
import { sparseMaxBytes } from './pfadd.js'

const LAST_CHECKPOINT = 1_000_000

export const pfselftest: CommandSpec = {
  name: 'pfselftest',
  arity: 1,
  flags: ['admin'],
  keys: { first: 0, last: 0, step: 0 },
  group: 'hyperloglog',
  summary: 'An internal command for testing HyperLogLog values',
  since: '2.8.9',
  complexity: 'N/A',
  execute(ctx): Reply {
    // Test 1: register access, with random values written twice over.
    const expected = new Uint8Array(HLL_REGISTERS)
    const regs = new HllBuilder(sparseToDense(createHll())!)
    for (let round = 0; round < 2; round++) {
      for (let j = 0; j < HLL_REGISTERS; j++) {
        const v = Math.floor(Math.random() * 64)
        // set() only raises a register: the expected value is the larger of the two rounds.
        expected[j] = Math.max(expected[j]!, v)
        regs.set(j, v, 0)
      }
      const b = regs.bytes()
      for (let j = 0; j < HLL_REGISTERS; j++) {
        if (denseGet(b, j) !== expected[j]) return error('ERR TESTFAILED Register error at ' + j)
      }
    }
    // Test 2: approximation error, dense and sparse side by side.
    const d = new HllBuilder(sparseToDense(createHll())!)
    const s = new HllBuilder(createHll())
    const maxBytes = sparseMaxBytes(ctx)
    const relerr = 1.04 / Math.sqrt(HLL_REGISTERS)
    const seedHi = Math.floor(Math.random() * 2 ** 32)
    const seedLo = Math.floor(Math.random() * 2 ** 32)
    const ele = Buffer.alloc(8)
    let checkpoint = 1
    for (let j = 1; j <= LAST_CHECKPOINT; j++) {
      ele.writeUInt32LE((j ^ seedLo) >>> 0, 0)
      ele.writeUInt32LE(seedHi, 4)
      d.add(ele, maxBytes)
      s.add(ele, maxBytes)
      if (j !== checkpoint) continue
      if (j < maxBytes / 2 && s.encoding !== HLL_SPARSE) return error('ERR TESTFAILED sparse encoding not used')
      const card = count(d.bytes())!
      if (card !== count(s.bytes())) return error('ERR TESTFAILED dense/sparse disagree')
      // Cardinality 10 is allowed one off: collisions make more likely than the bound says.
      const maxerr = j === 10 ? 1 : Math.ceil(relerr * 6 * checkpoint)
      const abserr = Math.abs(checkpoint - card)
      if (abserr > maxerr) return error(`ERR TESTFAILED Too big error. card:${checkpoint} abserr:${abserr}`)
      checkpoint *= 10
    }
    return OK
  },
}
