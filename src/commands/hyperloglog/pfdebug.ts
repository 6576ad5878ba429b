// PFDEBUG subcommand key
//
// Redis's internal HLL debugging command, kept for tools and tests that compare encodings:
// GETREG (the 16384 registers; turns a sparse HLL dense), DECODE (a sparse HLL's opcodes),
// ENCODING (dense or sparse), TODENSE (1 if it converted).
import { array, bulk, error, integer, simple, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { cText, is } from '../args.js'
import { HLL_DENSE, HLL_REGISTERS, HLL_SPARSE, HllBuilder, decodeSparse, denseGet } from './hll.js'
import { INVALID_HLL, hllBytes, storeHll } from './pfadd.js'

const NO_KEY = error('ERR The specified key does not exist')
const NOT_SPARSE = error('ERR HLL encoding is not sparse')

export const pfdebug: CommandSpec = {
  name: 'pfdebug',
  arity: 3,
  flags: ['write', 'denyoom', 'admin'],
  keys: { first: 2, last: 2, step: 1 },
  group: 'hyperloglog',
  summary: 'Internal commands for debugging HyperLogLog values',
  since: '2.8.9',
  complexity: 'N/A',
  syntax: 'subcommand key',
  execute(ctx, argv): Reply {
    const db = ctx.session.db
    const key = argv[2]!
    // The key is checked before the subcommand, as Redis does.
    const entry = db.peek(key)
    if (entry === undefined) return NO_KEY
    const bytes = hllBytes(entry)
    if (!Buffer.isBuffer(bytes)) return bytes
    const sub = argv[1]!
    if (is(sub, 'getreg') || is(sub, 'todense')) {
      let converted = false
      let dense = bytes
      if (bytes[4] === HLL_SPARSE) {
        const hll = new HllBuilder(bytes)
        if (!hll.toDense()) return INVALID_HLL
        dense = hll.bytes()
        storeHll(db, key, entry, dense)
        converted = true
      }
      if (is(sub, 'todense')) return integer(converted ? 1 : 0)
      const regs: Reply[] = new Array<Reply>(HLL_REGISTERS)
      for (let j = 0; j < HLL_REGISTERS; j++) regs[j] = integer(denseGet(dense, j))
      return array(regs)
    }
    if (is(sub, 'decode')) {
      if (bytes[4] !== HLL_SPARSE) return NOT_SPARSE
      return bulk(decodeSparse(bytes))
    }
    if (is(sub, 'encoding')) {
      return simple(bytes[4] === HLL_DENSE ? 'dense' : 'sparse')
    }
    return error(`ERR Unknown PFDEBUG subcommand '${cText(sub)}'`)
  },
}
