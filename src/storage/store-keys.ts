// Store keys: where each record sits in the store's one ordered key space.
//   <keyspace: u32 BE = tenant u16, db u16> <generation: u32 BE> <kind: 0x01 = top-level keys> <key bytes>
// The keyspace number leads, so each tenant's databases are one contiguous range (tenant drop,
// tiering and range scans work per tenant); collection members will use other kinds
// (docs/storage.md, "Keys"). FLUSHDB moves a keyspace to its next generation, so each
// generation's keys are one contiguous range and older ones are dead at once.

const SPACE_KEYS = 0x01
/** keyspace u32, generation u32, kind u8. */
const KEY_HEADER = 9

/** The keyspace number of database `db` of tenant number `tenant`. */
export const keyspaceNumber = (tenant: number, db: number): number => tenant * 0x10000 + db

/** The tenant number of a keyspace number. */
export const tenantOfKeyspace = (space: number): number => Math.floor(space / 0x10000)

/** The tenant number of a store key (its keyspace number's high half). */
export const tenantOfKey = (key: Buffer): number => (key.length >= 2 ? key.readUInt16BE(0) : 0)

/** The first store key of tenant number `tenant` (its range ends at tenantRange(tenant + 1)). */
export const tenantRange = (tenant: number): Buffer => {
  const start = Buffer.alloc(4)
  start.writeUInt32BE(keyspaceNumber(tenant, 0), 0)
  return start
}

/** The first bytes of every store key of one keyspace generation: its key range. */
export const storeKeyPrefix = (space: number, gen: number): Buffer => {
  const prefix = Buffer.allocUnsafe(KEY_HEADER)
  prefix.writeUInt32BE(space, 0)
  prefix.writeUInt32BE(gen, 4)
  prefix[8] = SPACE_KEYS
  return prefix
}

/** The store key of a latin1 key string (the memory keyspace's form) in a keyspace generation. */
export const encodeStoreKey = (space: number, gen: number, k: string): Buffer => {
  const key = Buffer.allocUnsafe(KEY_HEADER + k.length)
  key.writeUInt32BE(space, 0)
  key.writeUInt32BE(gen, 4)
  key[8] = SPACE_KEYS
  key.write(k, KEY_HEADER, 'latin1')
  return key
}

/** The keyspace, its generation and the user key of a store key (a view into it). */
export const decodeStoreKey = (key: Buffer): { space: number; gen: number; key: Buffer } | undefined => {
  if (key.length < KEY_HEADER || key[8] !== SPACE_KEYS) return undefined
  return { space: key.readUInt32BE(0), gen: key.readUInt32BE(4), key: key.subarray(KEY_HEADER) }
}

/** The first key after every key that starts with `prefix` (undefined: no such key). */
export const prefixEnd = (prefix: Buffer): Buffer | undefined => {
  const end = Buffer.from(prefix)
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++
      return end.subarray(0, i + 1)
    }
  }
  return undefined
}
