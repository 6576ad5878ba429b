#!/usr/bin/env node
// The package's command: `we-trust-redis [config-file] [--option value …]` starts the server.
// `we-trust-redis bench …` runs the load-test harness instead.
await import(process.argv[2] === 'bench' ? '../dist/bench/cli.js' : '../dist/main.js');
