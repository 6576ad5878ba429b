// What a write adds to its tenant, estimated before it runs from the command's declared key
// positions: the keys it names that do not exist yet, and the bytes of those keys and of every
// other argument. Overwrites count their new value in full (the check cannot know what a
// command will keep), so the estimate errs towards refusing near the limit, never towards
// exceeding it.

import type { CommandContext, CommandSpec } from './spec.js'

export const tenantQuotaError = (ctx: CommandContext, spec: CommandSpec, argv: Buffer[]): string | undefined => {
  const { first, last, step } = spec.keys
  const db = ctx.session.db
  let newKeys = 0
  let newBytes = 0
  let keyBytes = 0
  const end = last < 0 ? argv.length + last : Math.min(last, argv.length - 1)
  if (step > 0 && first > 0) {
    for (let i = first; i <= end; i += step) {
      const key = argv[i]!
      keyBytes += key.length
      if (db.peek(key) === undefined) {
        newKeys++
        newBytes += key.length
      }
    }
  }
  for (let i = 1; i < argv.length; i++) newBytes += argv[i]!.length
  return ctx.server.tenants.quotaError(ctx.session.tenant, newKeys, newBytes - keyBytes)
}
