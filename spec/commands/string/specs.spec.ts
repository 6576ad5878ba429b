import { expect } from 'chai'
import { stringCommands } from './harness.js'
import { pfadd } from '../../../src/commands/hyperloglog/pfadd.js'
import { pfcount } from '../../../src/commands/hyperloglog/pfcount.js'
import { pfdebug } from '../../../src/commands/hyperloglog/pfdebug.js'
import { pfmerge } from '../../../src/commands/hyperloglog/pfmerge.js'
import { pfselftest } from '../../../src/commands/hyperloglog/pfselftest.js'

/** HyperLogLogs are strings too; Redis files their commands under their own group. */
const hyperloglogCommands = [pfadd, pfcount, pfdebug, pfmerge, pfselftest]

// name → [arity, flags, first, last, step], as COMMAND INFO reports them on redis-server 7.0.15.
const redis: Record<string, [number, string[], number, number, number]> = {
  set: [-3, ['write', 'denyoom'], 1, 1, 1],
  get: [2, ['readonly', 'fast'], 1, 1, 1],
  getset: [3, ['write', 'denyoom', 'fast'], 1, 1, 1],
  getdel: [2, ['write', 'fast'], 1, 1, 1],
  getex: [-2, ['write', 'fast'], 1, 1, 1],
  setnx: [3, ['write', 'denyoom', 'fast'], 1, 1, 1],
  setex: [4, ['write', 'denyoom'], 1, 1, 1],
  psetex: [4, ['write', 'denyoom'], 1, 1, 1],
  mget: [-2, ['readonly', 'fast'], 1, -1, 1],
  mset: [-3, ['write', 'denyoom'], 1, -1, 2],
  msetnx: [-3, ['write', 'denyoom'], 1, -1, 2],
  incr: [2, ['write', 'denyoom', 'fast'], 1, 1, 1],
  decr: [2, ['write', 'denyoom', 'fast'], 1, 1, 1],
  incrby: [3, ['write', 'denyoom', 'fast'], 1, 1, 1],
  decrby: [3, ['write', 'denyoom', 'fast'], 1, 1, 1],
  incrbyfloat: [3, ['write', 'denyoom', 'fast'], 1, 1, 1],
  append: [3, ['write', 'denyoom', 'fast'], 1, 1, 1],
  strlen: [2, ['readonly', 'fast'], 1, 1, 1],
  getrange: [4, ['readonly'], 1, 1, 1],
  setrange: [4, ['write', 'denyoom'], 1, 1, 1],
  substr: [4, ['readonly'], 1, 1, 1],
  lcs: [-3, ['readonly'], 1, 2, 1],
  setbit: [4, ['write', 'denyoom'], 1, 1, 1],
  getbit: [3, ['readonly', 'fast'], 1, 1, 1],
  bitcount: [-2, ['readonly'], 1, 1, 1],
  bitpos: [-3, ['readonly'], 1, 1, 1],
  bitop: [-4, ['write', 'denyoom'], 2, -1, 1],
  bitfield: [-2, ['write', 'denyoom'], 1, 1, 1],
  bitfield_ro: [-2, ['readonly', 'fast'], 1, 1, 1],
  // PFCOUNT's may_replicate is in Redis's command table, though COMMAND INFO hides it.
  pfadd: [-2, ['write', 'denyoom', 'fast'], 1, 1, 1],
  pfcount: [-2, ['readonly', 'may_replicate'], 1, -1, 1],
  pfmerge: [-2, ['write', 'denyoom'], 1, -1, 1],
  pfdebug: [3, ['write', 'denyoom', 'admin'], 2, 2, 1],
  pfselftest: [1, ['admin'], 0, 0, 0],
}

describe('string command specs', () => {
  it('cover exactly the string commands', () => {
    expect([...stringCommands, ...hyperloglogCommands].map((s) => s.name).sort()).to.deep.equal(Object.keys(redis).sort())
  })

  for (const spec of [...stringCommands, ...hyperloglogCommands]) {
    it(`${spec.name}: arity, flags and key positions match Redis`, () => {
      const [arity, flags, first, last, step] = redis[spec.name]!
      expect(spec.arity).to.equal(arity)
      expect([...spec.flags].sort()).to.deep.equal([...flags].sort())
      expect(spec.keys).to.deep.equal({ first, last, step })
      expect(spec.group).to.equal(spec.name.startsWith('pf') ? 'hyperloglog' : 'string')
      expect(spec.execute).to.be.a('function')
    })
  }
})
