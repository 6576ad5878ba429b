// Redis's sdscatrepr, for texts Redis shows quoted: MONITOR's arguments and CONFIG REWRITE's
// string values.

const ESCAPES: Readonly<Record<number, string>> = {
  0x5c: '\\\\', 0x22: '\\"', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x07: '\\a', 0x08: '\\b',
}

/** A quoted string with escapes: printable ASCII as itself, any other byte \xHH. */
export const quoted = (arg: Buffer): string => {
  let out = '"'
  for (let i = 0; i < arg.length; i++) {
    const c = arg[i]!
    const escape = ESCAPES[c]
    if (escape !== undefined) out += escape
    else if (c >= 0x20 && c <= 0x7e) out += String.fromCharCode(c)
    else out += '\\x' + c.toString(16).padStart(2, '0')
  }
  return out + '"'
}
