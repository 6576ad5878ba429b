// The entry of `we-trust-redis bench …` (bin/we-trust-redis.js routes here): argv is
// node, bin, 'bench', then the harness's own arguments.

import { main } from './main.js'

process.exitCode = await main(process.argv.slice(3))
