import { expect } from 'chai'
import { makeDispatch, type BatchClock } from '../../src/commands/dispatch.js'
import { NO_KEYS, type CommandFlag, type CommandSpec, type ServerStats, type Session } from '../../src/commands/spec.js'
import { commandSpecs } from '../../src/commands/registry.js'
import { OK } from '../../src/protocol/reply.js'
import { newServerStats } from '../../src/actors/server.js'

const spec = (name: string, execute: CommandSpec['execute'], extra: Partial<CommandSpec> = {}): CommandSpec => ({
  name,
  arity: -1,
  flags: [],
  keys: NO_KEYS,
  group: 'server',
  summary: name,
  since: '1.0.0',
  execute,
  ...extra,
})

const context = () => ({ session: { authenticated: true, admin: true, lastCommand: '', tenant: { ops: 0, maxKeys: 0, maxBytes: 0 } }, server: {} }) as never

describe('dispatch', () => {
  let stats: ServerStats
  const make = (...specs: CommandSpec[]) =>
    makeDispatch(specs, { stats, authRequired: () => false, writesRefused: () => undefined })
  beforeEach(() => {
    stats = newServerStats()
  })

  it('answers a command body that throws with an error reply and keeps serving', () => {
    const failures: string[] = []
    const dispatch = makeDispatch([
      spec('boom', () => {
        throw new RangeError('Invalid string length')
      }),
      spec('fine', () => OK),
    ], { stats, authRequired: () => false, writesRefused: () => undefined, onCommandFailure: (name) => failures.push(name) })
    const ctx = context()
    const reply = dispatch(ctx, [Buffer.from('BOOM')])
    expect(reply).to.deep.equal({ kind: 'error', value: "ERR internal error in 'boom': Invalid string length" })
    expect(dispatch(ctx, [Buffer.from('fine')])).to.equal(OK)
    expect(stats.commands.get('boom')!.failedCalls).to.equal(1)
    expect(failures).to.deep.equal(['boom'])
  })

  it('resolves a command to the bits CLIENT PAUSE and write stalls test, compiled once: no flag is read per call', () => {
    let flagReads = 0
    const flagged = (name: string, flags: CommandFlag[], extra: Partial<CommandSpec> = {}): CommandSpec => ({
      ...spec(name, () => OK, extra),
      get flags() {
        flagReads++
        return flags
      },
    })
    const dispatch = make(
      flagged('get', ['readonly', 'fast'], { arity: 2 }),
      flagged('set', ['write', 'denyoom'], { arity: -3 }),
      flagged('publish', ['pubsub', 'may_replicate'], { arity: 3 }),
      flagged('exec', ['noscript'], { arity: 1 }),
      flagged('config', [], { arity: -2, execute: undefined, subcommands: [flagged('config|set', ['admin'], { arity: -4 })] }),
    )
    flagReads = 0
    const bits = (...argv: string[]) => {
      const c = dispatch.command(argv.map((a) => Buffer.from(a)))
      return c === undefined ? undefined : { name: c.spec.name, mayReplicate: c.mayReplicate, denyoom: c.denyoom, exec: c.exec }
    }
    expect(bits('GET', 'k')).to.deep.equal({ name: 'get', mayReplicate: false, denyoom: false, exec: false })
    expect(bits('set', 'k', 'v')).to.deep.equal({ name: 'set', mayReplicate: true, denyoom: true, exec: false })
    expect(bits('PUBLISH', 'c', 'm')).to.deep.equal({ name: 'publish', mayReplicate: true, denyoom: false, exec: false })
    expect(bits('EXEC')).to.deep.equal({ name: 'exec', mayReplicate: false, denyoom: false, exec: true })
    expect(bits('config', 'SET', 'a', 'b')).to.deep.equal({ name: 'config|set', mayReplicate: false, denyoom: false, exec: false })
    // Refused for their name or arity, as dispatch would refuse them.
    expect(bits('GET')).to.equal(undefined)
    expect(bits('nosuch')).to.equal(undefined)
    expect(bits('config', 'nosuch', 'a', 'b')).to.equal(undefined)
    expect(flagReads).to.equal(0)
  })

  it('tells what commands need done before they run (SAVE, DEBUG RELOAD, TIERING RUN, CONFIG REWRITE) from their specs, as dispatch would admit them', () => {
    let debugAllowed = true
    let authRequired = false
    const dispatch = makeDispatch(commandSpecs, {
      stats,
      authRequired: () => authRequired,
      writesRefused: () => undefined,
      allowsProtected: () => debugAllowed,
    })
    const admin = { authenticated: true, admin: true } as Session
    const wants = (...argv: string[]) => dispatch.preparation(admin, argv.map((a) => Buffer.from(a)))
    expect(wants('SAVE')).to.equal('checkpoint')
    expect(wants('save')).to.equal('checkpoint')
    expect(wants('DEBUG', 'RELOAD')).to.equal('checkpoint')
    expect(wants('debug', 'reload', 'MERGE', 'noflush')).to.equal('checkpoint')
    expect(wants('TIERING', 'RUN')).to.equal('tiering-pass')
    expect(wants('config', 'REWRITE')).to.equal('config-rewrite')
    // NOSAVE skips the checkpoint; an option RELOAD refuses, or a wrong arity, runs none.
    expect(wants('DEBUG', 'RELOAD', 'NOSAVE')).to.equal(undefined)
    expect(wants('DEBUG', 'RELOAD', 'MERGE', 'bogus')).to.equal(undefined)
    expect(wants('SAVE', 'extra')).to.equal(undefined)
    expect(wants('CONFIG', 'REWRITE', 'extra')).to.equal(undefined)
    expect(wants('BGSAVE')).to.equal(undefined)
    expect(wants('DEBUG', 'SLEEP', '0')).to.equal(undefined)
    expect(wants('GET', 'k')).to.equal(undefined)
    expect(wants('nosuch')).to.equal(undefined)
    // Refused by dispatch, so nothing is run for them: a tenant, DEBUG not enabled, NOAUTH.
    const tenant = { authenticated: true, admin: false } as Session
    expect(dispatch.preparation(tenant, [Buffer.from('SAVE')])).to.equal(undefined)
    expect(dispatch.preparation(tenant, [Buffer.from('CONFIG'), Buffer.from('REWRITE')])).to.equal(undefined)
    debugAllowed = false
    expect(wants('DEBUG', 'RELOAD')).to.equal(undefined)
    expect(wants('SAVE')).to.equal('checkpoint')
    authRequired = true
    expect(dispatch.preparation({ authenticated: false, admin: true } as Session, [Buffer.from('SAVE')])).to.equal(undefined)
  })

  it('resolves command names case-insensitively from their bytes', () => {
    const dispatch = make(spec('get', () => OK), spec('getex', () => OK))
    const ctx = context()
    for (const name of ['get', 'GET', 'gEt', 'GETEX', 'getEx']) expect(dispatch(ctx, [Buffer.from(name)])).to.equal(OK)
    expect(dispatch(ctx, [Buffer.from('gets')])).to.deep.include({ kind: 'error' })
    expect(dispatch(ctx, [Buffer.from('x'.repeat(100))])).to.deep.include({ kind: 'error' })
  })

  it('refuses write commands while writes are refused, and lets reads through', () => {
    const dispatch = makeDispatch([spec('w', () => OK, { flags: ['write'] }), spec('r', () => OK, { flags: ['readonly'] })], {
      stats,
      authRequired: () => false,
      writesRefused: () => 'MISCONF storage cannot accept writes',
    })
    const ctx = context()
    expect(dispatch(ctx, [Buffer.from('w')])).to.deep.equal({ kind: 'error', value: 'MISCONF storage cannot accept writes' })
    expect(dispatch(ctx, [Buffer.from('r')])).to.equal(OK)
    expect(stats.commands.get('w')!.rejectedCalls).to.equal(1)
  })

  it('refuses a protected command its option does not allow, after its arity and before its subcommand', () => {
    let allowed = false
    const asked: string[] = []
    const container = spec('dbg', undefined, {
      arity: -2,
      protectedBy: 'enable-dbg',
      subcommands: [spec('dbg|run', () => OK, { arity: 2 })],
    })
    const dispatch = makeDispatch([container], {
      stats,
      authRequired: () => true,
      writesRefused: () => undefined,
      allowsProtected: (option) => {
        asked.push(option)
        return allowed
      },
    })
    const ctx = context()
    const refusal = {
      kind: 'error',
      value: 'ERR DBG command not allowed. If the enable-dbg option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.',
    }
    expect(dispatch(ctx, [Buffer.from('dbg')])).to.deep.equal({ kind: 'error', value: "ERR wrong number of arguments for 'dbg' command" })
    expect(dispatch(ctx, [Buffer.from('dbg'), Buffer.from('nope')])).to.deep.equal(refusal)
    expect(dispatch(ctx, [Buffer.from('dbg'), Buffer.from('run')])).to.deep.equal(refusal)
    expect(asked).to.deep.equal(['enable-dbg', 'enable-dbg'])
    allowed = true
    expect(dispatch(ctx, [Buffer.from('DBG'), Buffer.from('RUN')])).to.equal(OK)
  })

  it("answers Redis's subcommand syntax error for a container that parses its own subcommands", () => {
    const dispatch = make(
      spec('dbg', undefined, { arity: -2, ownSubcommandErrors: true, subcommands: [spec('dbg|run', () => OK, { arity: 3 })] }),
      spec('cfg', undefined, { arity: -2, subcommands: [spec('cfg|get', () => OK, { arity: 3 })] }),
    )
    const ctx = context()
    const syntax = (sub: string) => ({ kind: 'error', value: `ERR unknown subcommand or wrong number of arguments for '${sub}'. Try DBG HELP.` })
    expect(dispatch(ctx, [Buffer.from('dbg'), Buffer.from('Nope')])).to.deep.equal(syntax('Nope'))
    expect(dispatch(ctx, [Buffer.from('dbg'), Buffer.from('RUN')])).to.deep.equal(syntax('RUN'))
    expect(dispatch(ctx, [Buffer.from('dbg'), Buffer.from('run'), Buffer.from('x')])).to.equal(OK)
    // Other containers keep the generic texts.
    expect(dispatch(ctx, [Buffer.from('cfg'), Buffer.from('nope')])).to.deep.equal({ kind: 'error', value: "ERR unknown subcommand 'nope'. Try CFG HELP." })
    expect(dispatch(ctx, [Buffer.from('cfg'), Buffer.from('get')])).to.deep.equal({ kind: 'error', value: "ERR wrong number of arguments for 'cfg|get' command" })
  })

  it('times fast commands together: they share the time up to the next clock read, which settle or any other command takes', () => {
    const busy = (ms: number) => {
      const until = performance.now() + ms
      while (performance.now() < until);
    }
    const clock: BatchClock = { mark: performance.now(), untimed: [] }
    const dispatch = makeDispatch(
      [spec('quick', () => (busy(2), OK), { flags: ['fast'] }), spec('slow', () => (busy(10), OK))],
      { stats, authRequired: () => false, writesRefused: () => undefined, batchClock: clock },
    )
    const ctx = context()
    const quick = () => stats.commands.get('quick')!
    const slow = () => stats.commands.get('slow')!
    for (let i = 0; i < 4; i++) dispatch(ctx, [Buffer.from('quick')])
    // Counted at once, charged when the clock is read.
    expect(quick().calls).to.equal(4)
    expect(quick().usec).to.equal(0)
    // Another command first charges the fast ones before it, then is timed alone: it does not
    // absorb their 8 ms, nor they its 10 ms. (Bounds leave room for a busy machine.)
    dispatch(ctx, [Buffer.from('slow')])
    expect(quick().usec).to.be.at.least(8_000).and.below(8_000 + 10_000)
    expect(slow().usec).to.be.at.least(10_000).and.below(10_000 + 8_000)
    const beforeTwo = quick().usec
    dispatch(ctx, [Buffer.from('quick')])
    dispatch(ctx, [Buffer.from('quick')])
    dispatch.settle()
    expect(quick().calls).to.equal(6)
    expect(quick().usec - beforeTwo).to.be.at.least(4_000)
    // What passes between settle and the next command is nobody's.
    const beforeWait = quick().usec
    busy(40)
    dispatch.settle()
    dispatch(ctx, [Buffer.from('quick')])
    dispatch.settle()
    expect(quick().usec - beforeWait).to.be.at.least(2_000).and.below(40_000)
    expect(slow().usec).to.be.below(10_000 + 8_000)
  })
})
