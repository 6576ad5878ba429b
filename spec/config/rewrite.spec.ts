// CONFIG REWRITE's text (config/rewrite.ts) from an old file and current values, as Redis's
// rewriteConfig writes it: lines kept in place, values rewritten where the file states them,
// extra lines of an option dropped, new non-default values appended after Redis's signature.

import { expect } from 'chai'
import { REWRITE_SIGNATURE, rewriteConfigText } from '../../src/config/rewrite.js'
import { OPTION_BY_NAME, type OptionSpec, type OptionValue } from '../../src/config/options.js'
import { parseConfigText } from '../../src/config/load.js'

/** Current values: the defaults, except those given as they would be parsed from config words. */
const values = (changed: Record<string, string[]>) => (spec: OptionSpec): OptionValue => {
  const words = changed[spec.name]
  if (words === undefined) return spec.default
  const parsed = spec.parse(words)
  if (typeof parsed === 'object') throw new Error(`${spec.name}: ${parsed.error}`)
  return parsed
}

describe('CONFIG REWRITE text', () => {
  it('writes only save "" and a signature for an empty file at the defaults', () => {
    expect(rewriteConfigText('', values({}))).to.equal(`${REWRITE_SIGNATURE}\nsave ""\n`)
  })

  it('keeps comments, blank lines and unknown lines in place, trimmed, and rewrites known ones where they are', () => {
    const old = '# my server\n  port 7000  \n\nunknown-directive 1\nhz 20\n# end\n'
    const text = rewriteConfigText(old, values({ port: ['7001'], hz: ['15'] }))
    expect(text).to.equal(`# my server\nport 7001\n\nunknown-directive 1\nhz 15\n# end\n${REWRITE_SIGNATURE}\nsave ""\n`)
  })

  it('keeps a stated option at its default value rather than dropping it, and drops its extra lines', () => {
    const old = 'hz 20\nmaxmemory 1gb\nhz 30\n'
    expect(rewriteConfigText(old, values({}))).to.equal(`hz 10\nmaxmemory 0\n${REWRITE_SIGNATURE}\nsave ""\n`)
  })

  it('appends changed options once, after one signature, and not a second signature on the next rewrite', () => {
    const first = rewriteConfigText('port 7000\n', values({ port: ['7000'], maxmemory: ['100mb'], requirepass: ['p w"x'] }))
    expect(first).to.equal(`port 7000\n${REWRITE_SIGNATURE}\nrequirepass "p w\\"x"\nmaxmemory 100mb\nsave ""\n`)
    const second = rewriteConfigText(first, values({ port: ['7000'], maxmemory: ['3000'], requirepass: ['p w"x'], appendfsync: ['no'] }))
    expect(second).to.equal(`port 7000\n${REWRITE_SIGNATURE}\nrequirepass "p w\\"x"\nmaxmemory 3000\nsave ""\nappendfsync no\n`)
  })

  it('writes memory in the largest unit that divides it, save points a line each, and a changed output class only', () => {
    const text = rewriteConfigText('', values({
      'wal-checkpoint-bytes': ['2gb'],
      'hll-sparse-max-bytes': ['3072'],
      save: ['900', '1', '300', '10'],
      'client-output-buffer-limit': ['pubsub', '64mb', '16mb', '90'],
      'notify-keyspace-events': ['KEA'],
    }))
    expect(text.split('\n')).to.include.members([
      'wal-checkpoint-bytes 2gb', 'hll-sparse-max-bytes 3kb', 'save 900 1', 'save 300 10',
      'client-output-buffer-limit pubsub 64mb 16mb 90', 'notify-keyspace-events "AKE"',
    ])
    expect(text).not.to.contain('client-output-buffer-limit normal')
  })

  it('reads back as the values it was written from', () => {
    const changed = {
      port: ['7002'], maxmemory: ['1536kb'], requirepass: ['sp ace\\x01'], 'maxmemory-policy': ['allkeys-lru'],
      'tier-tracking': ['no'], 'notify-keyspace-events': ['Kx'], bind: ['127.0.0.1', '127.0.0.2'],
    }
    const text = rewriteConfigText('# kept\n', values(changed))
    const directives = parseConfigText(text, 'rewritten.conf')
    if (!Array.isArray(directives)) throw new Error(String(directives))
    const read = new Map<string, OptionValue>()
    for (const d of directives) {
      const spec = OPTION_BY_NAME.get(d.name)!
      const parsed = spec.parse(d.words)
      if (typeof parsed === 'object') throw new Error(`${d.name}: ${parsed.error}`)
      read.set(spec.name, parsed)
    }
    for (const name of Object.keys(changed)) expect(read.get(name), name).to.deep.equal(values(changed)(OPTION_BY_NAME.get(name)!))
  })
})
