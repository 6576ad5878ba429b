// Client sockets read into one buffer shared by every connection (see actors/socket-reads.ts), so
// a read allocates nothing. A request's arguments are views of it, valid only for the synchronous
// pass that handles the read: the next read, by any connection, overwrites them. Whoever keeps an
// argument past that pass copies it first:
// - an unfinished command: RequestDecoder.detach;
// - commands that wait (staging, a write stall, a password derivation) and the batches queued
//   behind them: ownArgs, in place, so closures holding the argv array see the copies;
// - replies held for the WAL or written at the end of the turn: detachReplies and the encoder.
// Storage copies what it stores (Keyspace.set), and the WAL's ops are encoded during the pass.

/** As large as the read libuv asks for by default. */
export const READ_BUFFER_BYTES = 64 * 1024

export const READ_BUFFER: Buffer = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES)

const READ_MEMORY: ArrayBufferLike = READ_BUFFER.buffer

/** Whether `bytes` is a view of the shared read buffer (and so must be copied to be kept). */
export const inReadBuffer = (bytes: Uint8Array): boolean => bytes.buffer === READ_MEMORY

/** Replaces each argument that is a view of the read buffer by a copy, in place. */
export const ownArgs = (argv: Buffer[]): void => {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg.buffer === READ_MEMORY) argv[i] = Buffer.from(arg)
  }
}

/**
 * Overwrites the bytes of the last read once its pass is over. A view kept by mistake then reads
 * as this byte at once, in every run, instead of as whatever a later read happens to bring.
 */
export const POISON = 0xdd
