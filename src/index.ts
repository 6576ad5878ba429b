// The library entry: the protocol and the composable RxJS streams the server is built from.

export * from './protocol/reply.js'
export { RequestDecoder, DEFAULT_LIMITS, splitInline, type DecoderLimits, type DecodeOutcome } from './protocol/request-decoder.js'
export { ReplyDecoder, ReplyProtocolError } from './protocol/reply-decoder.js'
export { ReplyWriter, encodeReply } from './protocol/encoder.js'
export { decodeFrames } from './pipeline/decodeFrames.js'
export { executeCommands, type CommandRunner } from './pipeline/executeCommands.js'
export { encodeReplies } from './pipeline/encodeReplies.js'
export type { RequestBatch, ReplyBatch, EncodedBatch } from './pipeline/batches.js'
export type { CommandSpec, CommandContext, Session, ServerContext } from './commands/spec.js'
export type { Keyspace, Entry, Value } from './storage/keyspace.js'
