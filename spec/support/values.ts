// A stored string's bytes, for specs that read values back: a hash (or any other type) where a
// string is expected fails the spec at once.

import type { Value } from '../../src/storage/keyspace.js'

export function dataOf(value: Value): Buffer
export function dataOf(value: Value | undefined): Buffer | undefined
export function dataOf(value: Value | undefined): Buffer | undefined {
  if (value === undefined) return undefined
  if (value.type !== 'string') throw new Error(`expected a string value, found a ${value.type}`)
  return value.data
}
