// The tenant actor: owns the registry of tenants. Each tenant is a number and its own databases
// (keyspaces tenant * 65536 + db, store-keys.ts), so its keys live under its own prefix in the
// log and the store, one contiguous range, while commands see plain keys. The registry itself
// is kept in a keyspace no tenant can name (number SYSTEM_SPACE), so it is logged, checkpointed
// and recovered exactly like data.
//
// Passwords: scrypt with a per-tenant salt; only the salt and the derived key are stored. The
// derivation (tens of milliseconds) runs on the thread pool before the command that needs it
// (prepare), never inside a command body; once a password has been verified, a SHA-256 digest
// of it salted with a per-process secret lets the same password through at once later.

import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import * as Effect from 'effect/Effect'
import type * as Scope from 'effect/Scope'
import type { Keyspaces } from '../storage/keyspaces.js'
import type { MemoryKeyspace } from '../storage/memory-keyspace.js'
import { keyspaceNumber } from '../storage/store-keys.js'
import { is } from '../commands/args.js'
import { ownArgs } from '../protocol/read-buffer.js'
import { SlowLog } from './slowlog.js'
import { ASK_ALWAYS, ASK_DEFAULT, ASK_EVERYSEC } from '../durability/journal.js'
import { DEFAULT_USER } from '../commands/spec.js'
import type {
  Session,
  TenantDurability,
  TenantOptions,
  TenantRegistry,
  TenantScope,
  TenantUsage,
} from '../commands/spec.js'

/** The registry's keyspace: past every tenant's range. */
export const SYSTEM_TENANT = 0xffff
export const SYSTEM_SPACE = keyspaceNumber(SYSTEM_TENANT, 0)
/** Tenant numbers 1..MAX_TENANT_NUMBER; 0 is the default tenant. */
const MAX_TENANT_NUMBER = SYSTEM_TENANT - 1

const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }
const KEY_BYTES = 32
const SALT_BYTES = 16

/** Tenant ids: what CLIENT LIST and ACL output can show unquoted. */
const VALID_ID = /^[A-Za-z0-9_.:-]{1,64}$/
const RECORD_PREFIX = 'tenant:'
const NEXT_KEY = Buffer.from('next-tenant-number')

/** After this many failed AUTHs in a row on a connection, each further answer is delayed. */
const FREE_FAILURES = 3
/** Derivations kept per connection for AUTHs yet to run (a transaction may hold several). */
const MAX_PREPARED = 16
const MAX_FAILURE_DELAY_MS = 2000
const RATE_SECONDS = 1

export const derive = (password: Buffer, salt: Buffer): Promise<Buffer> =>
  new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_BYTES, SCRYPT, (e, key) => (e === null ? resolve(key) : reject(e))),
  )

interface StoredTenant {
  readonly num: number
  readonly salt: string
  readonly key: string
  readonly maxKeys: number
  readonly maxBytes: number
  readonly durability: TenantDurability | null
}

export class Tenant implements TenantScope {
  maxKeys = 0
  maxBytes = 0
  durability: TenantDurability | undefined
  dropped = false
  /** Commands run in this tenant (dispatch counts them), and the rate the actor last measured. */
  ops = 0
  readonly slowlog = new SlowLog()
  opsPerSec = 0
  private lastOps = 0
  opsAtLastPass = 0
  /** Bytes added since `bytesMeasured` was taken: the quota check's estimate between measurements. */
  bytesMeasured = 0
  bytesAdded = 0

  constructor(
    readonly id: string,
    readonly num: number,
    readonly databases: readonly MemoryKeyspace[],
    public salt: Buffer,
    public key: Buffer,
  ) {
    for (const db of databases) db.owner = this
  }

  /** What the tenant's writes ask of the log (journal.ts). */
  get ask(): number {
    return this.durability === 'always' ? ASK_ALWAYS : this.durability === 'everysec' ? ASK_EVERYSEC : ASK_DEFAULT
  }

  get keys(): number {
    let n = 0
    for (const db of this.databases) n += db.size
    return n
  }

  /** Keys' and values' bytes (estimated from samples in large databases). */
  measureBytes(): number {
    let n = 0
    for (const db of this.databases) n += db.dataBytes
    this.bytesMeasured = n
    this.bytesAdded = 0
    return n
  }

  sampleOps(seconds: number): void {
    this.opsPerSec = Math.round((this.ops - this.lastOps) / seconds)
    this.lastOps = this.ops
  }

  stored(): StoredTenant {
    return {
      num: this.num,
      salt: this.salt.toString('hex'),
      key: this.key.toString('hex'),
      maxKeys: this.maxKeys,
      maxBytes: this.maxBytes,
      durability: this.durability ?? null,
    }
  }
}

/** What a connection derived for its next AUTH, before the command runs. */
interface PreparedAuth {
  readonly id: string
  readonly password: Buffer
  readonly ok: boolean
}

export class Tenants implements TenantRegistry {
  readonly default: Tenant
  private readonly byId = new Map<string, Tenant>()
  /** The same tenants by number: a keyspace's notifications name its tenant by number. */
  private readonly byNum = new Map<number, Tenant>()
  private nextNum = 1
  /**
   * Derivations waiting for their AUTH, oldest first: several when a transaction holds several
   * AUTHs (EXEC prepares them all before any runs). At most MAX_PREPARED are kept.
   */
  private readonly prepared = new WeakMap<Session, PreparedAuth[]>()
  /** New passwords' salts and keys, derived for the TENANT CREATE or PASSWD about to run. */
  private readonly secrets = new WeakMap<Session, { password: Buffer; salt: Buffer; key: Buffer }>()
  /** Tenant id -> digest of the password last verified for it (see the header). */
  private readonly verified = new Map<string, Buffer>()
  private readonly pepper = randomBytes(32)

  constructor(
    private readonly keyspaces: Keyspaces,
    private readonly databaseCount: number,
    /** The connections of a tenant, to count them and to close them when it is dropped. */
    private readonly connectionsOf: (tenant: TenantScope) => { readonly session: Session; kill(): void }[],
    private readonly log: { warning(message: string): void; notice(message: string): void },
    private readonly requirepass: () => string,
  ) {
    this.default = new Tenant(DEFAULT_USER, 0, this.databasesOf(0), Buffer.alloc(0), Buffer.alloc(0))
    keyspaces.onSwap = (num, a, b) => {
      const tenant = num === 0 ? this.default : this.byNum.get(num)
      if (tenant === undefined) return
      // A session holds its database itself (Session.db): those in either follow the exchange.
      for (const { session } of this.connectionsOf(tenant)) {
        if (session.dbIndex === a || session.dbIndex === b) session.db = tenant.databases[session.dbIndex]!
      }
    }
  }

  private get system(): MemoryKeyspace {
    return this.keyspaces.get(SYSTEM_SPACE)
  }

  private databasesOf(num: number): readonly MemoryKeyspace[] {
    return this.keyspaces.databasesOf(num, this.databaseCount)
  }

  /**
   * Rebuilds the registry from its keyspace, which must be fully resident (the caller reads its
   * keys back from the store first). Creates every tenant's databases.
   */
  load(): void {
    const system = this.system
    system.pin()
    for (const key of system.keys()) {
      const k = key.toString('latin1')
      const held = system.peek(key)!.value
      // The system keyspace holds strings only: tenant records and the next tenant number.
      if (held.type !== 'string') continue
      const value = held.data
      if (key.equals(NEXT_KEY)) {
        this.nextNum = Math.max(this.nextNum, Number(value.toString('latin1')))
        continue
      }
      if (!k.startsWith(RECORD_PREFIX)) continue
      const id = k.slice(RECORD_PREFIX.length)
      const stored = JSON.parse(value.toString('utf8')) as StoredTenant
      const tenant = new Tenant(id, stored.num, this.databasesOf(stored.num), Buffer.from(stored.salt, 'hex'), Buffer.from(stored.key, 'hex'))
      tenant.maxKeys = stored.maxKeys
      tenant.maxBytes = stored.maxBytes
      tenant.durability = stored.durability ?? undefined
      this.byId.set(id, tenant)
      this.byNum.set(stored.num, tenant)
      this.nextNum = Math.max(this.nextNum, stored.num + 1)
    }
  }

  get size(): number {
    return this.byId.size
  }

  get(id: string): Tenant | undefined {
    return this.byId.get(id)
  }

  /** The id of the tenant numbered `num` (0: the default tenant), undefined if there is none. */
  idOf(num: number): string | undefined {
    return num === 0 ? this.default.id : this.byNum.get(num)?.id
  }

  list(): Tenant[] {
    return [...this.byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }

  /**
   * Derives what the next AUTH of `session` as tenant `id` needs, off the event loop, and slows
   * down a connection that keeps failing. Undefined when there is nothing to derive (unknown
   * tenant: the command fails at once, as Redis answers an unknown user).
   */
  prepareAuth(session: Session, id: string, password: Buffer): Promise<void> | undefined {
    if (id === DEFAULT_USER) return this.adminPasswordMatches(password) ? undefined : this.delayFailure(session)
    const tenant = this.byId.get(id)
    if (tenant === undefined) return this.delayFailure(session)
    const digest = this.digest(id, password)
    const known = this.verified.get(id)
    if (known !== undefined && timingSafeEqual(known, digest)) {
      this.keepPrepared(session, { id, password, ok: true })
      return undefined
    }
    const { salt, key } = tenant
    return derive(password, salt).then(async (derived) => {
      const ok = tenant.key === key && timingSafeEqual(derived, key)
      if (ok) this.verified.set(id, digest)
      this.keepPrepared(session, { id, password, ok })
      if (!ok) await this.delayFailure(session)
    })
  }

  /**
   * What a command needs derived before it runs: AUTH and HELLO ... AUTH as a tenant (the
   * password check), TENANT CREATE and PASSWD by the admin (the new password's key). Undefined
   * for every other command, after a length check or two.
   */
  prepare(session: Session, argv: Buffer[]): Promise<void> | undefined {
    const name = argv[0]!
    if (name.length === 4 && (argv.length === 2 || argv.length === 3) && is(name, 'auth')) {
      // The password is kept past this pass (the derivation runs on the thread pool).
      ownArgs(argv)
      return argv.length === 2
        ? this.prepareAuth(session, DEFAULT_USER, argv[1]!)
        : this.prepareAuth(session, argv[1]!.toString('latin1'), argv[2]!)
    }
    if (name.length === 5 && argv.length >= 5 && is(name, 'hello')) {
      ownArgs(argv)
      // The options read as HELLO reads them, so that a name SETNAME gives is never taken for
      // the AUTH keyword. Only the first AUTH is derived: a second one in the same HELLO fails.
      for (let i = 2; i < argv.length; i++) {
        const more = argv.length - 1 - i
        if (is(argv[i]!, 'auth') && more >= 2) return this.prepareAuth(session, argv[i + 1]!.toString('latin1'), argv[i + 2]!)
        if (!is(argv[i]!, 'setname') || more < 1) return undefined
        i++
      }
      return undefined
    }
    if (name.length === 6 && argv.length >= 4 && session.admin && session.authenticated && is(name, 'tenant')) {
      if (is(argv[1]!, 'create') || is(argv[1]!, 'passwd')) {
        ownArgs(argv)
        return this.prepareSecret(session, argv[3]!)
      }
    }
    return undefined
  }

  private keepPrepared(session: Session, prepared: PreparedAuth): void {
    const list = this.prepared.get(session)
    if (list === undefined) this.prepared.set(session, [prepared])
    else if (list.push(prepared) > MAX_PREPARED) list.shift()
  }

  checkPassword(session: Session, id: string, password: Buffer): boolean {
    let ok: boolean
    if (id === DEFAULT_USER) ok = this.adminPasswordMatches(password)
    else {
      const list = this.prepared.get(session)
      const at = list === undefined ? -1 : list.findIndex((p) => p.id === id && p.password.equals(password))
      const prepared = at < 0 ? undefined : list!.splice(at, 1)[0]!
      ok = prepared !== undefined && prepared.ok && this.byId.has(id)
    }
    if (ok) session.authFailures = 0
    else {
      session.authFailures++
      // The id and the peer only: never the password.
      if (session.authFailures >= FREE_FAILURES) {
        this.log.warning(`AUTH failed ${session.authFailures} times in a row for user '${id}' from ${session.addr}`)
      }
    }
    return ok
  }

  /** `requirepass` (the default user's password); with none set, any password is accepted. */
  private adminPasswordMatches(password: Buffer): boolean {
    const requirepass = this.requirepass()
    if (requirepass === '') return true
    // Config strings hold bytes as latin1 (CONFIG SET converts that way), so compare as bytes.
    const expected = Buffer.from(requirepass, 'latin1')
    return expected.length === password.length && timingSafeEqual(expected, password)
  }

  /** For TENANT CREATE and PASSWD: the salt and derived key, made before the command runs. */
  private prepareSecret(session: Session, password: Buffer): Promise<void> {
    const salt = randomBytes(SALT_BYTES)
    return derive(password, salt).then((key) => {
      this.secrets.set(session, { password, salt, key })
    })
  }

  private takeSecret(session: Session, password: Buffer): { salt: Buffer; key: Buffer } | undefined {
    const secret = this.secrets.get(session)
    this.secrets.delete(session)
    return secret !== undefined && secret.password.equals(password) ? secret : undefined
  }

  create(session: Session, id: string, password: Buffer, options: TenantOptions): string | undefined {
    if (!VALID_ID.test(id) || id === DEFAULT_USER) {
      return `invalid tenant id '${id}': 1 to 64 of A-Z a-z 0-9 _ . : - (and not 'default')`
    }
    if (this.byId.has(id)) return `tenant '${id}' already exists`
    if (this.nextNum > MAX_TENANT_NUMBER) return `the server holds the most tenants it can (${MAX_TENANT_NUMBER} created)`
    const secret = this.takeSecret(session, password)
    if (secret === undefined) return 'the password could not be prepared; try again'
    const num = this.nextNum++
    const tenant = new Tenant(id, num, this.databasesOf(num), secret.salt, secret.key)
    tenant.maxKeys = options.maxKeys ?? 0
    tenant.maxBytes = options.maxBytes ?? 0
    tenant.durability = options.durability === 'default' ? undefined : options.durability
    this.byId.set(id, tenant)
    this.byNum.set(num, tenant)
    this.system.set(NEXT_KEY, { type: 'string', data: Buffer.from(String(this.nextNum)) }, 0)
    this.save(tenant)
    this.log.notice(`Tenant '${id}' created`)
    return undefined
  }

  drop(id: string): boolean {
    const tenant = this.byId.get(id)
    if (tenant === undefined) return false
    this.byId.delete(id)
    this.byNum.delete(tenant.num)
    this.verified.delete(id)
    tenant.dropped = true
    // A new generation per database: every key of the tenant is dead at once, on disk too
    // (compaction reclaims the range); its number is never handed out again.
    for (const db of tenant.databases) db.flush()
    this.system.delete(Buffer.from(RECORD_PREFIX + id, 'latin1'))
    for (const connection of this.connectionsOf(tenant)) connection.kill()
    this.log.notice(`Tenant '${id}' dropped`)
    return true
  }

  swapDatabases(tenant: TenantScope, a: number, b: number): void {
    this.keyspaces.swap(tenant.num, a, b)
  }

  passwd(session: Session, id: string, password: Buffer): boolean {
    const tenant = this.byId.get(id)
    const secret = this.takeSecret(session, password)
    if (tenant === undefined || secret === undefined) return false
    tenant.salt = secret.salt
    tenant.key = secret.key
    this.verified.delete(id)
    this.save(tenant)
    return true
  }

  set(id: string, options: TenantOptions): boolean {
    const tenant = this.byId.get(id)
    if (tenant === undefined) return false
    if (options.maxKeys !== undefined) tenant.maxKeys = options.maxKeys
    if (options.maxBytes !== undefined) tenant.maxBytes = options.maxBytes
    if (options.durability !== undefined) tenant.durability = options.durability === 'default' ? undefined : options.durability
    this.save(tenant)
    return true
  }

  usage(scope: TenantScope): TenantUsage {
    const tenant = scope as Tenant
    return {
      keys: tenant.keys,
      bytes: tenant.measureBytes(),
      opsPerSec: tenant.opsPerSec,
      connections: this.connectionsOf(tenant).length,
    }
  }

  quotaError(scope: TenantScope, newKeys: number, newBytes: number): string | undefined {
    const tenant = scope as Tenant
    if (tenant.maxKeys > 0 && newKeys > 0) {
      const keys = tenant.keys
      if (keys + newKeys > tenant.maxKeys) {
        return `ERR tenant quota exceeded: ${keys} keys of MAXKEYS ${tenant.maxKeys}, the write adds ${newKeys}`
      }
    }
    if (tenant.maxBytes > 0 && newBytes > 0) {
      // Measuring samples every database: done only when the running estimate comes near.
      let bytes = tenant.bytesMeasured + tenant.bytesAdded
      if (bytes + newBytes > tenant.maxBytes) bytes = tenant.measureBytes()
      if (bytes + newBytes > tenant.maxBytes) {
        return `ERR tenant quota exceeded: ${bytes} bytes of MAXBYTES ${tenant.maxBytes}, the write adds ${newBytes}`
      }
      tenant.bytesAdded += newBytes
    }
    return undefined
  }

  /** Tenant numbers that ran commands since the last call (the tiering actor's "in use"). */
  activeSinceLastPass(): Set<number> {
    const active = new Set<number>()
    for (const tenant of [this.default, ...this.byId.values()]) {
      if (tenant.ops !== tenant.opsAtLastPass) active.add(tenant.num)
      tenant.opsAtLastPass = tenant.ops
    }
    return active
  }

  /** Measures each tenant's command rate; the actor calls this once a second. */
  sampleRates(seconds: number): void {
    this.default.sampleOps(seconds)
    for (const tenant of this.byId.values()) tenant.sampleOps(seconds)
  }

  private save(tenant: Tenant): void {
    const record = Buffer.from(JSON.stringify(tenant.stored()), 'utf8')
    this.system.set(Buffer.from(RECORD_PREFIX + tenant.id, 'latin1'), { type: 'string', data: record }, 0)
  }

  private digest(id: string, password: Buffer): Buffer {
    return createHash('sha256').update(this.pepper).update(id).update('\0').update(password).digest()
  }

  private delayFailure(session: Session): Promise<void> | undefined {
    const over = session.authFailures + 1 - FREE_FAILURES
    if (over <= 0) return undefined
    const ms = Math.min(MAX_FAILURE_DELAY_MS, 100 * 2 ** (over - 1))
    return new Promise((resolve) => setTimeout(resolve, ms))
  }
}

/** The tenant actor's clock: each tenant's command rate, measured once a second (TENANT INFO). */
export const runTenantRates = (tenants: Tenants): Effect.Effect<void, never, Scope.Scope> =>
  Effect.sync(() => tenants.sampleRates(RATE_SECONDS)).pipe(
    Effect.zipRight(Effect.sleep(RATE_SECONDS * 1000)),
    Effect.forever,
    Effect.forkScoped,
    Effect.asVoid,
  )
