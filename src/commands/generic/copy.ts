// COPY source destination [DB destination-db] [REPLACE]
import { Errors, integer, type Reply } from '../../protocol/reply.js'
import type { Value } from '../../storage/keyspace.js'
import { copyHash } from '../../storage/hash-value.js'
import { is } from '../args.js'
import { databaseIndex } from '../connection/select.js'
import type { CommandSpec } from '../spec.js'
import { storedLength } from '../quota.js'
import { NOTIFY_GENERIC, NOTIFY_NEW } from '../../storage/keyspace-events.js'

/** A copy that shares no mutable state with the original (commands may mutate buffers in place). */
export const copyValue = (value: Value): Value => {
  switch (value.type) {
    case 'string':
      // Redis's dupStringObject keeps the encoding, raw included.
      return value.raw === true ? { type: 'string', data: Buffer.from(value.data), raw: true } : { type: 'string', data: Buffer.from(value.data) }
    case 'hash':
      // Redis's hashTypeDup keeps the encoding.
      return copyHash(value)
  }
}

export const copy: CommandSpec = {
  name: 'copy',
  arity: -3,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: 2, step: 1 },
  group: 'generic',
  summary: 'Copy a key',
  since: '6.2.0',
  complexity: 'O(N) worst case for collections, where N is the number of nested items. O(1) for string values.',
  syntax: 'source destination [DB destination-db] [REPLACE]',
  // The copy is a second value of the source's size.
  grows: (ctx, argv) => storedLength(ctx, argv[1]!),
  execute(ctx, argv): Reply {
    const source = ctx.session.db
    let target = source
    let replace = false
    for (let i = 3; i < argv.length; i++) {
      const arg = argv[i]!
      if (is(arg, 'replace')) {
        replace = true
      } else if (is(arg, 'db') && i + 1 < argv.length) {
        const index = databaseIndex(ctx.session, argv[++i]!)
        if (typeof index !== 'number') return index
        target = ctx.session.tenant.databases[index]!
      } else {
        return Errors.syntax
      }
    }
    const sourceKey = argv[1]!
    const targetKey = argv[2]!
    if (target === source && sourceKey.equals(targetKey)) return Errors.sameObject
    const entry = source.get(sourceKey)
    if (entry === undefined) return integer(0)
    const replaced = target.peek(targetKey) !== undefined
    if (!replace && replaced) return integer(0)
    target.set(targetKey, copyValue(entry.value), entry.expiresAt)
    // Redis deletes a target that exists and adds the copy anew: `new` either way.
    if (replaced) target.notify(NOTIFY_NEW, 'new', targetKey)
    target.notify(NOTIFY_GENERIC, 'copy_to', targetKey)
    return integer(1)
  },
}
