// After a restart: reads back every key the ledger knows (pipelined GETs) and scans for keys it
// does not, and judges each. Then the ledger takes what the server holds as the new truth, so
// the next cycle counts only its own losses.

import type { Reply } from '../../protocol/reply.js'
import { BenchConnection } from '../connection.js'
import { encodeCommand } from '../resp.js'
import { judge, type CrashLedger } from './crashLedger.js'

export interface Verification {
  readonly keys: number
  readonly lost: readonly string[]
  readonly unexpected: readonly string[]
}

const text = (reply: Reply): string | null => {
  if (reply.kind === 'null') return null
  if (reply.kind === 'bulk') return typeof reply.value === 'string' ? reply.value : reply.value.toString('latin1')
  throw new Error(`unexpected reply ${JSON.stringify(reply)}`)
}

export const verifyLedger = async (ledger: CrashLedger, port: number, host = '127.0.0.1', password?: string): Promise<Verification> => {
  const c = await BenchConnection.open({ port, host, ...(password === undefined ? {} : { password }) })
  try {
    const lost: string[] = []
    const unexpected: string[] = []
    const keys = [...ledger.keys.keys()]
    const held = await Promise.all(keys.map((key) => c.request(encodeCommand(['GET', key])).then(text)))
    keys.forEach((key, i) => {
      const record = ledger.keys.get(key)!
      const verdict = judge(record, held[i]!)
      if (verdict === 'lost') lost.push(`${key}: acknowledged v${record.acked}, found ${held[i] ?? 'nothing'}`)
      if (verdict === 'unexpected') unexpected.push(`${key}=${held[i]}`)
      record.acked = held[i] === null ? 0 : Math.min(record.sent, Number(/^v(\d+)$/.exec(held[i]!)?.[1] ?? 0))
    })
    let cursor = '0'
    do {
      const reply = await c.request(encodeCommand(['SCAN', cursor, 'MATCH', 'crash:*', 'COUNT', '1000']))
      if (reply.kind !== 'array' || reply.value.length !== 2) throw new Error(`SCAN answered ${JSON.stringify(reply)}`)
      cursor = text(reply.value[0]!) ?? '0'
      const found = reply.value[1]!
      if (found.kind !== 'array') throw new Error('SCAN answered no key list')
      for (const k of found.value) {
        const key = text(k)!
        if (!ledger.keys.has(key)) unexpected.push(key)
      }
    } while (cursor !== '0')
    return { keys: keys.length, lost, unexpected }
  } finally {
    c.close()
  }
}
