// The error a client call fails with, for asserting Redis's error texts.

/** The message `call` rejects with; fails the spec when it resolves instead. */
export const errorOf = async (call: Promise<unknown>): Promise<string> => {
  let value: unknown
  try {
    value = await call
  } catch (e) {
    return e instanceof Error ? e.message : String(e)
  }
  throw new Error(`expected an error reply, got ${JSON.stringify(value)}`)
}
