// What the harness asks: `set`, `get`, `incr`, `ping`, or `mixed:<read%>` (GET with that
// probability, SET otherwise). A workload is a pull source of requests, one per call, so a loop
// takes exactly as many as it can send; a custom scenario is any function of the same type.

import { keyIndexSource, keyName, type KeyDistribution } from './keyDistribution.js'
import { seededRandom, deriveSeed } from './random.js'
import { encodeCommand, encodeCommandBytes, type Frame } from './resp.js'
import { valueLengthSource, type ValueSize } from './valueSize.js'

export interface BenchRequest {
  /** The operation name results are grouped by (`set`, `get`, …). */
  readonly op: string
  readonly frame: Frame
}

export type RequestSource = () => BenchRequest

export type WorkloadSpec =
  | { readonly kind: 'set' | 'get' | 'incr' | 'ping' }
  | { readonly kind: 'mixed'; readonly readPercent: number }

export const parseWorkload = (text: string): WorkloadSpec => {
  if (text === 'set' || text === 'get' || text === 'incr' || text === 'ping') return { kind: text }
  const mixed = /^mixed:(\d+(?:\.\d+)?)$/.exec(text)
  if (mixed && Number(mixed[1]) <= 100) return { kind: 'mixed', readPercent: Number(mixed[1]) }
  throw new Error(`unknown workload ${JSON.stringify(text)}: use set, get, incr, ping or mixed:<read%>`)
}

export const formatWorkload = (w: WorkloadSpec): string => (w.kind === 'mixed' ? `mixed:${w.readPercent}` : w.kind)

export interface WorkloadOptions {
  readonly keyspace: number
  readonly keyDistribution: KeyDistribution
  readonly valueSize: ValueSize
  readonly seed: number
  /** Which of several parallel sources this is: derives its seed and sequential start. */
  readonly stream?: number
  /** How many parallel sources there are (spreads sequential starts over the keyspace). */
  readonly streams?: number
  /** Shared by the sources of one run; a private one otherwise. */
  readonly catalog?: RequestCatalog
}

/**
 * Requests whose frame depends only on the key, encoded to bytes once per key and shared by every
 * source of a run: the request stream then allocates and encodes nothing, and a write only copies
 * bytes, which keeps the harness's own CPU cost per request low. Sources that should share one
 * pass the same catalog.
 */
export class RequestCatalog {
  private readonly tables = new Map<string, (BenchRequest | null)[]>()

  /** Above this many keys a table would cost more memory than it saves; requests are built per call. */
  static readonly CACHE_KEYS_UP_TO = 1_000_000

  constructor(readonly keyspace: number) {}

  /** The request of operation `op` on each key index, `args` spelling its command from the key name. */
  perKey(op: string, variant: string, args: (key: string) => string[]): (index: number) => BenchRequest {
    // Uncached requests are built per call, where a string is cheaper to make than bytes.
    if (this.keyspace > RequestCatalog.CACHE_KEYS_UP_TO) return (index) => ({ op, frame: encodeCommand(args(keyName(index))) })
    const make = (index: number): BenchRequest => ({ op, frame: encodeCommandBytes(args(keyName(index))) })
    let table = this.tables.get(`${op} ${variant}`)
    if (table === undefined) {
      // Filled rather than `new Array(n)`: a large holey array falls back to slow dictionary elements.
      table = []
      for (let i = 0; i < this.keyspace; i++) table.push(null)
      this.tables.set(`${op} ${variant}`, table)
    }
    const cache = table
    return (index) => cache[index] ?? (cache[index] = make(index))
  }
}

/** Builds the request source of a workload. */
export const workload = (spec: WorkloadSpec, options: WorkloadOptions): RequestSource => {
  const stream = options.stream ?? 0
  const random = seededRandom(deriveSeed(options.seed, stream))
  const { keyspace, valueSize } = options
  const start = Math.floor((stream * keyspace) / (options.streams ?? 1))
  const key = keyIndexSource(options.keyDistribution, keyspace, random, start)
  const catalog = options.catalog ?? new RequestCatalog(keyspace)
  if (catalog.keyspace !== keyspace) throw new RangeError('the catalog was built for another keyspace')
  const filler = 'x'.repeat(valueSize.max)
  const getOf = catalog.perKey('get', '', (k) => ['GET', k])
  const get = (): BenchRequest => getOf(key())
  let set: RequestSource
  if (valueSize.min === valueSize.max) {
    const setOf = catalog.perKey('set', String(filler.length), (k) => ['SET', k, filler])
    set = () => setOf(key())
  } else {
    const valueLength = valueLengthSource(valueSize, random)
    set = () => ({ op: 'set', frame: encodeCommand(['SET', keyName(key()), filler.slice(0, valueLength())]) })
  }
  switch (spec.kind) {
    case 'set':
      return set
    case 'get':
      return get
    case 'incr': {
      const incrOf = catalog.perKey('incr', '', (k) => ['INCR', k])
      return () => incrOf(key())
    }
    case 'ping': {
      const ping: BenchRequest = { op: 'ping', frame: encodeCommandBytes(['PING']) }
      return () => ping
    }
    case 'mixed': {
      const readShare = spec.readPercent / 100
      return () => (random() < readShare ? get() : set())
    }
  }
}
