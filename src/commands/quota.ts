// What a write adds to its tenant, estimated before it runs from the command's declared key
// positions: the keys it names that do not exist yet, the bytes of those keys and of every
// other argument, and what the command declares it may store beyond its arguments
// (CommandSpec.grows: SETRANGE's offset, COPY's value). Overwrites count their new value in full
// (the check cannot know what a command will keep), so the estimate errs towards refusing near
// the limit, never towards exceeding it.

import type { CommandContext, CommandSpec } from './spec.js'

interface Needs {
  newKeys: number
  newBytes: number
}

/** Adds what `argv` (a command of `spec`) adds to its tenant to `needs`. */
const addNeeds = (ctx: CommandContext, spec: CommandSpec, argv: readonly Buffer[], needs: Needs): void => {
  const { first, last, step } = spec.keys
  const db = ctx.session.db
  let keyBytes = 0
  const end = last < 0 ? argv.length + last : Math.min(last, argv.length - 1)
  if (step > 0 && first > 0) {
    for (let i = first; i <= end; i += step) {
      const key = argv[i]!
      keyBytes += key.length
      if (db.peek(key) === undefined) {
        needs.newKeys++
        needs.newBytes += key.length
      }
    }
  }
  for (let i = 1; i < argv.length; i++) needs.newBytes += argv[i]!.length
  needs.newBytes -= keyBytes
  if (spec.grows !== undefined) needs.newBytes += Math.max(0, spec.grows(ctx, argv))
}

/** The bytes of the value stored at `key` in the connection's database (a hash's fields and values); 0 for none. */
export const storedLength = (ctx: CommandContext, key: Buffer): number => {
  const value = ctx.session.db.peek(key)?.value
  if (value === undefined) return 0
  return value.type === 'string' ? value.data.length : value.dataBytes
}

export const tenantQuotaError = (ctx: CommandContext, spec: CommandSpec, argv: Buffer[]): string | undefined => {
  const needs = { newKeys: 0, newBytes: 0 }
  addNeeds(ctx, spec, argv, needs)
  return ctx.server.tenants.quotaError(ctx.session.tenant, needs.newKeys, needs.newBytes)
}

/**
 * tenantQuotaError for a whole transaction at EXEC: what all of its commands that may add data
 * (`specOf` gives undefined for the others) add together, so a transaction that would cross the
 * quota is refused whole, as Redis refuses EXEC under maxmemory, instead of running up to the
 * command that crosses it. A key named by several commands counts in each, towards refusing.
 */
export const transactionQuotaError = (
  ctx: CommandContext,
  commands: readonly Buffer[][],
  specOf: (argv: Buffer[]) => CommandSpec | undefined,
): string | undefined => {
  const needs = { newKeys: 0, newBytes: 0 }
  for (const argv of commands) {
    const spec = specOf(argv)
    if (spec !== undefined) addNeeds(ctx, spec, argv, needs)
  }
  return ctx.server.tenants.quotaError(ctx.session.tenant, needs.newKeys, needs.newBytes)
}
