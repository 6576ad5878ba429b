// Number formatting shared by the encoder and the commands, so a double reads the same in a
// RESP3 double reply, a RESP2 bulk string and a stored value.

/** Formats a double as Redis 7 does in replies (shortest round-trip form, `inf`, `-inf`, `nan`). */
export const formatDouble = (n: number): string => {
  if (n === Infinity) return 'inf'
  if (n === -Infinity) return '-inf'
  if (Number.isNaN(n)) return 'nan'
  if (Object.is(n, -0)) return '-0'
  const abs = Math.abs(n)
  // Redis prints integers in plain form and switches to exponent notation outside [1e-4, 1e17).
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e17)) {
    return n.toExponential().replace(/e([+-])(\d)$/, 'e$10$2')
  }
  return String(n)
}
