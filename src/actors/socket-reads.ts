// Client sockets that read into the shared read buffer (protocol/read-buffer.ts) instead of a new
// ArrayBuffer per read. A read through Node's readable stream costs a 64 KiB allocation shrunk to
// the bytes read, an ArrayBuffer and its backing store for the collector to free, and the
// stream's `data` machinery; with `onread` the socket reads into the buffer given and calls back
// with the byte count. That cut the server's CPU per GET at -P 1 by about a sixth.
//
// `onread` exists only on the Socket constructor, and net.Server builds accepted sockets itself.
// So the server listens with `pauseOnConnect` (the accepted socket never reads), and its handle is
// moved to a new Socket built with `onread`, as net.Server builds one. This relies on net.js's
// private fields of Node 20 (`_handle`, `_server`); when they are not as expected, the accepted
// socket is used as it is, through its `data` events.

import { Socket, type Server } from 'node:net'
import { READ_BUFFER } from '../protocol/read-buffer.js'

/** The private fields of net.Socket this relies on. */
interface SocketInternals {
  _handle: { readonly useUserBuffer?: unknown } | null
  _server: Server | null
  server: Server | null
}

/**
 * Called with the number of bytes the read put at the start of READ_BUFFER. Contract: once it
 * returns, nothing may read those bytes again.
 */
export type OnRead = (nread: number) => void

/**
 * A socket over `accepted`'s connection that reads into READ_BUFFER and calls `onRead` for each
 * read, or undefined when `accepted` cannot be adopted (it then stays as it was). `accepted` must
 * come from a server listening with `pauseOnConnect`, and not have been read from.
 */
export const adoptWithSharedReads = (accepted: Socket, onRead: OnRead): Socket | undefined => {
  const internals = accepted as unknown as SocketInternals
  const handle = internals._handle
  if (handle === null || typeof handle !== 'object' || typeof handle.useUserBuffer !== 'function') return undefined
  if (accepted.readableFlowing !== false || accepted.bytesRead !== 0) return undefined
  // The accepted socket lets go of the handle, so that nothing it does can close it.
  internals._handle = null
  const socket = new Socket({
    handle,
    allowHalfOpen: accepted.allowHalfOpen,
    readable: true,
    writable: true,
    onread: {
      buffer: READ_BUFFER,
      callback: (nread: number) => {
        onRead(nread)
        return true
      },
    },
  } as ConstructorParameters<typeof Socket>[0])
  // The server counted `accepted` among its connections; the new socket uncounts it on close, so
  // that close() on the server still waits for every client.
  const adopted = socket as unknown as SocketInternals
  adopted._server = internals._server
  adopted.server = internals.server
  return socket
}
