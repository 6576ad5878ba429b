// Incremental decoder for server replies, RESP2 and RESP3: what a client (the load-test
// harness, the specs) reads. Pure, and like the request decoder it tells "incomplete" from
// "invalid". Values decode to the same semantic Reply type the encoder writes, so encode and
// decode are inverses (bulk and verbatim payloads come back as Buffers).

import type { Reply } from './reply.js'

export class ReplyProtocolError extends Error {}

/** Thrown internally when the buffered bytes end inside a value. */
const INCOMPLETE = Symbol('incomplete')

export class ReplyDecoder {
  private buffer: Buffer = Buffer.alloc(0)

  /** Feeds bytes; returns every reply they complete. Throws ReplyProtocolError on invalid input. */
  push(chunk: Buffer): Reply[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk])
    const replies: Reply[] = []
    let pos = 0
    for (;;) {
      if (pos >= this.buffer.length) break
      try {
        const [reply, next] = parseValue(this.buffer, pos)
        replies.push(reply)
        pos = next
      } catch (e) {
        if (e === INCOMPLETE) break
        this.buffer = Buffer.alloc(0)
        // Parsing recurses per nesting level; thousands of levels exhaust the stack.
        if (e instanceof RangeError) throw new ReplyProtocolError('reply nested too deeply')
        throw e
      }
    }
    this.buffer = this.buffer.subarray(pos)
    return replies
  }

  /** Bytes received but not yet part of a complete reply. */
  get bufferedBytes(): number {
    return this.buffer.length
  }
}

const line = (data: Buffer, pos: number): [string, number] => {
  const eol = data.indexOf('\r\n', pos, 'latin1')
  if (eol === -1) throw INCOMPLETE
  return [data.toString('latin1', pos, eol), eol + 2]
}

const integerOf = (text: string, what: string): number => {
  if (!/^-?\d+$/.test(text)) throw new ReplyProtocolError(`invalid ${what}: ${JSON.stringify(text)}`)
  return Number(text)
}

const payload = (data: Buffer, pos: number, length: number): [Buffer, number] => {
  if (data.length < pos + length + 2) throw INCOMPLETE
  if (data[pos + length] !== 13 || data[pos + length + 1] !== 10) throw new ReplyProtocolError('missing CRLF after bulk')
  return [data.subarray(pos, pos + length), pos + length + 2]
}

const parseMany = (data: Buffer, pos: number, count: number): [Reply[], number] => {
  const items: Reply[] = []
  for (let i = 0; i < count; i++) {
    const [r, next] = parseValue(data, pos)
    items.push(r)
    pos = next
  }
  return [items, pos]
}

const parseValue = (data: Buffer, pos: number): [Reply, number] => {
  if (pos >= data.length) throw INCOMPLETE
  const type = String.fromCharCode(data[pos]!)
  const [text, next] = line(data, pos + 1)
  switch (type) {
    case '+':
      return [{ kind: 'simple', value: text }, next]
    case '-':
      return [{ kind: 'error', value: text }, next]
    case ':': {
      const n = integerOf(text, 'integer')
      return [{ kind: 'integer', value: Number.isSafeInteger(n) ? n : BigInt(text) }, next]
    }
    case '$': {
      const length = integerOf(text, 'bulk length')
      if (length === -1) return [{ kind: 'null' }, next]
      if (length < 0) throw new ReplyProtocolError('negative bulk length')
      const [value, after] = payload(data, next, length)
      return [{ kind: 'bulk', value }, after]
    }
    case '*': {
      const count = integerOf(text, 'array length')
      if (count === -1) return [{ kind: 'nullArray' }, next]
      const [items, after] = parseMany(data, next, count)
      return [{ kind: 'array', value: items }, after]
    }
    case '_':
      if (text !== '') throw new ReplyProtocolError('invalid null')
      return [{ kind: 'null' }, next]
    case '#':
      if (text !== 't' && text !== 'f') throw new ReplyProtocolError('invalid boolean')
      return [{ kind: 'boolean', value: text === 't' }, next]
    case ',': {
      const lower = text.toLowerCase()
      const value = lower === 'inf' ? Infinity : lower === '-inf' ? -Infinity : lower === 'nan' ? NaN : Number(text)
      if (Number.isNaN(value) && lower !== 'nan') throw new ReplyProtocolError('invalid double')
      return [{ kind: 'double', value }, next]
    }
    case '(':
      if (!/^-?\d+$/.test(text)) throw new ReplyProtocolError('invalid big number')
      return [{ kind: 'bignum', value: BigInt(text) }, next]
    case '=': {
      const length = integerOf(text, 'verbatim length')
      if (length < 4) throw new ReplyProtocolError('verbatim string too short')
      const [value, after] = payload(data, next, length)
      if (value[3] !== 58) throw new ReplyProtocolError('verbatim string lacks a format')
      return [{ kind: 'verbatim', format: value.toString('latin1', 0, 3), value: value.subarray(4) }, after]
    }
    case '!': {
      const length = integerOf(text, 'blob error length')
      // A negative length would move the cursor backwards, onto this header again: a hang.
      if (length < 0) throw new ReplyProtocolError('negative blob error length')
      const [value, after] = payload(data, next, length)
      return [{ kind: 'error', value: value.toString('latin1') }, after]
    }
    case '%': {
      const count = integerOf(text, 'map length')
      const [items, after] = parseMany(data, next, count * 2)
      const pairs: [Reply, Reply][] = []
      for (let i = 0; i < items.length; i += 2) pairs.push([items[i]!, items[i + 1]!])
      return [{ kind: 'map', value: pairs }, after]
    }
    case '~': {
      const [items, after] = parseMany(data, next, integerOf(text, 'set length'))
      return [{ kind: 'set', value: items }, after]
    }
    case '>': {
      const [items, after] = parseMany(data, next, integerOf(text, 'push length'))
      return [{ kind: 'push', value: items }, after]
    }
    case '|': {
      // Attributes annotate the value that follows; this decoder skips them.
      const [, afterAttrs] = parseMany(data, next, integerOf(text, 'attribute length') * 2)
      return parseValue(data, afterAttrs)
    }
    default:
      throw new ReplyProtocolError(`unknown reply type byte 0x${data[pos]!.toString(16)}`)
  }
}
