// The server log, in redis-server's line format (`pid:M dd Mon yyyy hh:mm:ss.mmm * message`),
// so operators and tools that watch Redis logs read ours the same way.

import { appendFileSync } from 'node:fs'

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning' | 'nothing'

const RANK: Record<LogLevel, number> = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 }
const MARK: Record<Exclude<LogLevel, 'nothing'>, string> = { debug: '.', verbose: '-', notice: '*', warning: '#' }
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** An error as a log line shows it: the stack when there is one. */
export const describeError = (e: unknown): string => (e instanceof Error ? (e.stack ?? e.message) : String(e))

const pad = (n: number, width = 2): string => String(n).padStart(width, '0')

const timestamp = (d: Date): string =>
  `${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`

export class Logger {
  constructor(
    private level: LogLevel = 'notice',
    /** '' writes to stdout, as Redis does. */
    private readonly file = '',
  ) {}

  setLevel(level: LogLevel): void {
    this.level = level
  }

  log(level: Exclude<LogLevel, 'nothing'>, message: string): void {
    if (RANK[level] < RANK[this.level]) return
    const line = `${process.pid}:M ${timestamp(new Date())} ${MARK[level]} ${message}\n`
    if (this.file === '') process.stdout.write(line)
    else appendFileSync(this.file, line)
  }

  debug(message: string): void {
    this.log('debug', message)
  }
  verbose(message: string): void {
    this.log('verbose', message)
  }
  notice(message: string): void {
    this.log('notice', message)
  }
  warning(message: string): void {
    this.log('warning', message)
  }
}
