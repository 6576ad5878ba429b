// Requests on the wire: RESP arrays of bulk strings, as every Redis client sends them.

/**
 * A request ready to write: latin1 text, or bytes. A frame is never changed once sent: the socket
 * may hold it until it is written, and cached frames are sent many times.
 */
export type Frame = string | Buffer

/**
 * Encodes one command. Text arguments are taken as latin1 (one byte per character) and give a
 * string frame, the cheapest to build for a request sent once; a Buffer argument makes the frame
 * a Buffer.
 */
export const encodeCommand = (args: readonly (string | Buffer)[]): Frame => {
  if (args.every((arg) => typeof arg === 'string')) {
    let text = '*' + args.length + '\r\n'
    for (const arg of args as readonly string[]) text += '$' + arg.length + '\r\n' + arg + '\r\n'
    return text
  }
  const parts: Buffer[] = [Buffer.from('*' + args.length + '\r\n', 'latin1')]
  for (const arg of args) {
    const bytes = typeof arg === 'string' ? Buffer.from(arg, 'latin1') : arg
    parts.push(Buffer.from('$' + bytes.length + '\r\n', 'latin1'), bytes, CRLF)
  }
  return Buffer.concat(parts)
}

/** Encodes one command as bytes, for requests built once and written many times. */
export const encodeCommandBytes = (args: readonly (string | Buffer)[]): Buffer => {
  const frame = encodeCommand(args)
  return typeof frame === 'string' ? Buffer.from(frame, 'latin1') : frame
}

const CRLF = Buffer.from('\r\n', 'latin1')
