// The binding to the native WAL library (native/, C ABI in native/wal.h) through ffi-rs: where the
// library is, loading it once, checking every symbol before first use, and turning its status
// codes into errno names.

import { existsSync } from 'node:fs'
import { constants as osConstants } from 'node:os'
import { fileURLToPath } from 'node:url'
import { DataType, isNullPointer, load, open, type JsExternal } from 'ffi-rs'
import { WalError } from './wal.js'

/** The ABI version this binding speaks (WTR_WAL_ABI_VERSION in native/wal.h). */
const ABI_VERSION = 1
const LIBRARY_KEY = 'wtr_wal'
const EINVAL = -22

/** Status codes that are not an errno (wal.h). */
const NATIVE_CODES: ReadonlyMap<number, string> = new Map([
  [-10001, 'ECORRUPT'],
  [-10002, 'EPANIC'],
])

/** Number to name; where names share a number (EAGAIN, EWOULDBLOCK) the first listed wins. */
const ERRNO_NAMES: ReadonlyMap<number, string> = Object.entries(osConstants.errno).reduce(
  (names, [name, value]) => (names.has(value) ? names : names.set(value, name)),
  new Map<number, string>(),
)

/** The name of a negative status code: the errno name (EIO, ENOSPC, …) or a wal.h code. */
export function statusName(status: number): string {
  return NATIVE_CODES.get(status) ?? ERRNO_NAMES.get(-status) ?? `E${-status}`
}

/** An errno name as the positive number the OS uses, for failure injection. */
export function errnoNumber(name: string): number {
  const value = (osConstants.errno as Record<string, number | undefined>)[name]
  if (value === undefined) throw new WalError(`unknown errno name ${name}`, 'EINVAL')
  return value
}

/**
 * The library file: $WTR_WAL_LIB, else native/target/release beside src/ and dist/ (this module
 * sits two levels below the repository root in both).
 */
export function nativeLibraryPath(env: NodeJS.ProcessEnv = process.env): string {
  const override = env['WTR_WAL_LIB']
  if (override !== undefined && override !== '') return override
  const file = process.platform === 'darwin' ? 'libwtr_wal.dylib' : 'libwtr_wal.so'
  return fileURLToPath(new URL(`../../native/target/release/${file}`, import.meta.url))
}

export type Handle = JsExternal

/**
 * Opens the library at `path` and checks that it is the one this binding expects: every symbol
 * is called once with NULL arguments (ffi-rs would otherwise only fail at a symbol's first use).
 */
export function openNativeLibrary(path: string): void {
  if (!existsSync(path)) {
    throw new WalError(
      `the native WAL library is missing (${path}); run \`npm install\`, which builds native/ with cargo`,
      'ENOENT',
    )
  }
  open({ library: LIBRARY_KEY, path })
  const NULL = 0
  const probes: ReadonlyArray<readonly [string, DataType, DataType[], (result: unknown) => boolean]> = [
    ['wtr_wal_abi_version', DataType.U32, [], (version) => version === ABI_VERSION],
    [
      'wtr_wal_open',
      DataType.External,
      [DataType.I64, DataType.U64, DataType.U32, DataType.I64, DataType.I64, DataType.U64],
      (handle) => isNullPointer(handle as JsExternal),
    ],
    ['wtr_wal_report', DataType.I64, [DataType.I64, DataType.I64, DataType.U64], (r) => r === EINVAL],
    ['wtr_wal_read', DataType.I64, [DataType.I64, DataType.U64, DataType.I64, DataType.U64], (r) => r === EINVAL],
    [
      'wtr_wal_append',
      DataType.I32,
      [DataType.I64, DataType.U64, DataType.I64, DataType.U64, DataType.I32],
      (r) => r === EINVAL,
    ],
    ['wtr_wal_watch', DataType.I32, [DataType.I64, DataType.I64, DataType.U64], (r) => r === EINVAL],
    ['wtr_wal_committer_start', DataType.I32, [DataType.I64], (r) => r === EINVAL],
    [
      'wtr_wal_submit',
      DataType.I32,
      [DataType.I64, DataType.U64, DataType.U64, DataType.U64, DataType.I32],
      (r) => r === EINVAL,
    ],
    ['wtr_wal_address', DataType.U64, [DataType.I64], (address) => address === 0],
    ['wtr_wal_sync', DataType.I32, [DataType.I64], (r) => r === EINVAL],
    ['wtr_wal_checkpoint', DataType.I32, [DataType.I64, DataType.U64], (r) => r === EINVAL],
    ['wtr_wal_stats', DataType.I32, [DataType.I64, DataType.I64, DataType.U64], (r) => r === EINVAL],
    ['wtr_wal_last_error', DataType.I64, [DataType.I64, DataType.I64, DataType.U64], (r) => r === EINVAL],
    ['wtr_wal_inject_failure', DataType.I32, [DataType.I64, DataType.I32, DataType.I32], (r) => r === EINVAL],
    ['wtr_wal_close', DataType.I32, [DataType.I64], (r) => r === EINVAL],
    ['wtr_wal_crc32c', DataType.U32, [DataType.I64, DataType.U64, DataType.U32], (crc) => crc === 0],
    ['wtr_wal_crc32c_portable', DataType.U32, [DataType.I64, DataType.U64, DataType.U32], (crc) => crc === 0],
    ['wtr_wal_crc32c_hardware', DataType.I32, [], (r) => r === 0 || r === 1],
  ]
  for (const [funcName, retType, paramsType, expected] of probes) {
    let result: unknown
    try {
      result = load({ library: LIBRARY_KEY, funcName, retType, paramsType, paramsValue: paramsType.map(() => NULL) })
    } catch (cause) {
      throw new WalError(
        `the native WAL library ${path} lacks ${funcName} (${String(cause)}); rebuild it with \`npm install\``,
        'ENOSYS',
      )
    }
    if (!expected(result)) {
      throw new WalError(
        `the native WAL library ${path} does not speak ABI version ${ABI_VERSION} (${funcName}); rebuild it with \`npm install\``,
        'ENOSYS',
      )
    }
  }
}

let opened = false

/** The library key for ffi-rs calls; opens and checks the library on first use. */
export function nativeLibrary(): string {
  if (!opened) {
    openNativeLibrary(nativeLibraryPath())
    opened = true
  }
  return LIBRARY_KEY
}
