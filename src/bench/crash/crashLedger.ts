// What the crash checker remembers: for each key, the highest sequence number sent and the
// highest acknowledged. Values are `v<seq>` with seq increasing per key, and only one write per
// key is in flight at a time, so after a restart a key must hold a value whose seq is at least
// the acknowledged one (a later, unacknowledged write may have landed too) and at most the
// highest sent.

export interface KeyRecord {
  sent: number
  acked: number
}

export class CrashLedger {
  readonly keys = new Map<string, KeyRecord>()

  record(key: string): KeyRecord {
    let r = this.keys.get(key)
    if (r === undefined) this.keys.set(key, (r = { sent: 0, acked: 0 }))
    return r
  }

  /** The next value to send for `key`, noted as sent. */
  nextValue(key: string): { seq: number; value: string } {
    const r = this.record(key)
    r.sent++
    return { seq: r.sent, value: `v${r.sent}` }
  }

  acknowledge(key: string, seq: number): void {
    const r = this.record(key)
    if (seq > r.acked) r.acked = seq
  }
}

export type Verdict = 'ok' | 'lost' | 'unexpected'

/**
 * Judges what a key holds after a restart (`null` when absent): lost when an acknowledged write
 * is missing or was overtaken by an older value, unexpected when the value was never sent.
 */
export const judge = (record: KeyRecord | undefined, held: string | null): Verdict => {
  if (record === undefined) return held === null ? 'ok' : 'unexpected'
  if (held === null) return record.acked > 0 ? 'lost' : 'ok'
  const m = /^v(\d+)$/.exec(held)
  if (!m) return 'unexpected'
  const seq = Number(m[1])
  if (seq > record.sent || seq < 1) return 'unexpected'
  return seq < record.acked ? 'lost' : 'ok'
}
