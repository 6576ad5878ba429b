// Reading INFO fields and waiting for a condition the server reaches in the background.

/** The integer value of an INFO field; throws naming the field when INFO lacks it. */
export const infoField = (info: string, name: string): number => {
  const m = new RegExp(`^${name}:(-?\\d+)`, 'm').exec(info)
  if (m === null) throw new Error(`INFO has no ${name}:\n${info}`)
  return Number(m[1])
}

/** Polls `condition` until it holds; rejects naming `what` after `ms`. */
export const waitFor = async (what: string, condition: () => Promise<boolean>, ms = 10_000): Promise<void> => {
  const deadline = Date.now() + ms
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}
