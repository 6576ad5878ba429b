// A raw TCP client for exact-bytes specs: send bytes, read until a condition, see the close.

import { connect, type Socket } from 'node:net'
import { ReplyDecoder } from '../../src/protocol/reply-decoder.js'

export interface RawClient {
  send(data: string | Buffer): void
  /** Resolves with everything received once `until` holds (or the peer closes). */
  read(until: (received: Buffer) => boolean, timeoutMs?: number): Promise<Buffer>
  /** Resolves once the server has closed the connection. */
  closed(timeoutMs?: number): Promise<void>
  end(): void
  readonly socket: Socket
}

export const rawClient = (port: number): Promise<RawClient> =>
  new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' })
    let received = Buffer.alloc(0)
    let isClosed = false
    const waiters = new Set<() => void>()
    const wake = () => waiters.forEach((w) => w())
    socket.on('data', (d) => {
      received = Buffer.concat([received, d])
      wake()
    })
    socket.on('close', () => {
      isClosed = true
      wake()
    })
    socket.on('error', () => {})
    socket.once('connect', () =>
      resolve({
        socket,
        send: (data) => void socket.write(data),
        end: () => socket.end(),
        read: (until, timeoutMs = 5000) =>
          new Promise((res, rej) => {
            const check = () => {
              if (until(received) || isClosed) {
                waiters.delete(check)
                clearTimeout(timer)
                const out = received
                received = Buffer.alloc(0)
                res(out)
              }
            }
            const timer = setTimeout(() => {
              waiters.delete(check)
              rej(new Error(`timed out; received so far: ${JSON.stringify(received.toString('latin1'))}`))
            }, timeoutMs)
            waiters.add(check)
            check()
          }),
        closed: (timeoutMs = 5000) =>
          new Promise((res, rej) => {
            const check = () => {
              if (isClosed) {
                waiters.delete(check)
                clearTimeout(timer)
                res()
              }
            }
            const timer = setTimeout(() => rej(new Error('connection was not closed')), timeoutMs)
            waiters.add(check)
            check()
          }),
      }),
    )
    socket.once('error', reject)
  })

/** Reads until `text` has been received in full. */
export const endsWith = (text: string) => (b: Buffer) => b.toString('latin1').endsWith(text)

/** Reads until `count` complete RESP replies have been received. */
export const replies = (count: number) => (b: Buffer) => new ReplyDecoder().push(b).length >= count
