// The server command's entry. It sets the V8 flags that must come before anything else is
// loaded, then loads the server (serve.ts): parsing the modules alone allocates enough to grow
// the young generation, so the flags are set before that, and the rest is a dynamic import.

import { setFlagsFromString } from 'node:v8'
import './actors/young-generation.js'

// V8 learns per allocation site whether its objects outlive a young-generation collection, and
// then allocates them in the old generation directly. Here almost nothing a request allocates
// lives long (records sit in off-heap slabs), but sites shared by the rare long-lived objects
// and the many short-lived ones were being tenured: under reads from disk the old generation
// then filled with garbage in a quarter of a second, and each full collection paused the loop
// for 3-7 ms (docs/benchmarks.md).
setFlagsFromString('--no-allocation-site-pretenuring')

await import('./serve.js')
