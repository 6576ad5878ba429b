// A Keyspaces registry over keyspaces a spec already made (numbered by their `space`), for code
// that takes the registry (applyTo, recover).

import { Keyspaces } from '../../src/storage/keyspaces.js'
import type { MemoryKeyspace } from '../../src/storage/memory-keyspace.js'

export const keyspacesOf = (list: readonly MemoryKeyspace[]): Keyspaces => {
  const keyspaces = new Keyspaces((space) => {
    const found = list.find((ks) => ks.space === space)
    if (found === undefined) throw new Error(`no keyspace ${space} in this spec`)
    return found
  })
  for (const ks of list) keyspaces.get(ks.space)
  return keyspaces
}
