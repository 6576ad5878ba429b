// The runtime configuration behind CONFIG GET/SET: current values of every option in OPTIONS,
// with listeners for the parts of the server that react to a change (logging, auth, expiry hz).

import type { ConfigStore } from '../commands/spec.js'
import { compileGlob } from '../storage/glob.js'
import { OPTIONS, OPTION_BY_NAME, type OptionValue } from './options.js'

export type ConfigValues = ReadonlyMap<string, OptionValue>

export const defaultValues = (): Map<string, OptionValue> => new Map(OPTIONS.map((o) => [o.name, o.default]))

export class RuntimeConfig implements ConfigStore {
  private readonly values: Map<string, OptionValue>
  private readonly listeners = new Map<string, ((value: OptionValue) => void)[]>()

  constructor(initial: ConfigValues) {
    this.values = defaultValues()
    for (const [k, v] of initial) this.values.set(k, v)
  }

  get(name: string): string | undefined {
    const spec = OPTION_BY_NAME.get(name.toLowerCase())
    return spec === undefined ? undefined : spec.format(this.values.get(spec.name)!)
  }

  match(pattern: string): [string, string][] {
    const matches = compileGlob(Buffer.from(pattern, 'latin1'), true)
    const out: [string, string][] = []
    for (const spec of OPTIONS) {
      for (const name of spec.alias === undefined ? [spec.name] : [spec.name, spec.alias]) {
        if (matches(Buffer.from(name, 'latin1'))) out.push([name, spec.format(this.values.get(spec.name)!)])
      }
    }
    return out
  }

  validate(name: string, value: string): string | undefined {
    const spec = OPTION_BY_NAME.get(name.toLowerCase())
    if (spec === undefined) return `Unknown option or number of arguments for CONFIG SET - '${name}'`
    if (!spec.mutable) return `CONFIG SET failed (possibly related to argument '${name}') - can't set immutable config`
    const parsed = spec.parse([value])
    if (typeof parsed === 'object') return `CONFIG SET failed (possibly related to argument '${name}') - ${parsed.error}`
    return undefined
  }

  set(name: string, value: string): string | undefined {
    const problem = this.validate(name, value)
    if (problem !== undefined) return problem
    const spec = OPTION_BY_NAME.get(name.toLowerCase())!
    const parsed = spec.parse([value]) as OptionValue
    this.values.set(spec.name, parsed)
    for (const listener of this.listeners.get(spec.name) ?? []) listener(parsed)
    return undefined
  }

  /** The typed value of an option (by its name or alias), as parsed; undefined for an unknown name. */
  value(name: string): OptionValue | undefined {
    const spec = OPTION_BY_NAME.get(name.toLowerCase())
    return spec === undefined ? undefined : this.values.get(spec.name)
  }

  number(name: string): number {
    return this.values.get(name) as number
  }

  string(name: string): string {
    return this.values.get(name) as string
  }

  boolean(name: string): boolean {
    return this.values.get(name) as boolean
  }

  onChange(name: string, listener: (value: OptionValue) => void): void {
    const list = this.listeners.get(name) ?? []
    list.push(listener)
    this.listeners.set(name, list)
  }
}
