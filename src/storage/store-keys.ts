// Store keys: where each record sits in the store's one ordered key space.
//   <db: u16 BE> <generation: u32 BE> <space: 0x01 = top-level keys> <key bytes>
// Tenants will add a namespace before the db; collection members use other spaces
// (docs/storage.md, "Keys"). FLUSHDB moves a database to its next generation, so each
// generation's keys are one contiguous range and older ones are dead at once.

const SPACE_KEYS = 0x01
/** db u16, generation u32, space u8. */
const KEY_HEADER = 7

/** The first bytes of every store key of one database generation: its key range. */
export const storeKeyPrefix = (db: number, gen: number): Buffer => {
  const prefix = Buffer.allocUnsafe(KEY_HEADER)
  prefix.writeUInt16BE(db, 0)
  prefix.writeUInt32BE(gen, 2)
  prefix[6] = SPACE_KEYS
  return prefix
}

/** The store key of a latin1 key string (the memory keyspace's form) in a database generation. */
export const encodeStoreKey = (db: number, gen: number, k: string): Buffer => {
  const key = Buffer.allocUnsafe(KEY_HEADER + k.length)
  key.writeUInt16BE(db, 0)
  key.writeUInt32BE(gen, 2)
  key[6] = SPACE_KEYS
  key.write(k, KEY_HEADER, 'latin1')
  return key
}

/** The database, its generation and the user key of a store key (a view into it). */
export const decodeStoreKey = (key: Buffer): { db: number; gen: number; key: Buffer } | undefined => {
  if (key.length < KEY_HEADER || key[6] !== SPACE_KEYS) return undefined
  return { db: key.readUInt16BE(0), gen: key.readUInt32BE(2), key: key.subarray(KEY_HEADER) }
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
