// Starts the compaction worker from the TypeScript sources (under tsx, as the specs run). A
// worker's entry module is loaded before any --import hook applies to it, so compaction-worker.ts
// cannot be the entry itself: this file registers tsx in the worker, then loads it. The compiled
// dist/ starts compaction-worker.js directly and never uses this file.
import { register } from 'tsx/esm/api'

register()
await import(new URL('./compaction-worker.ts', import.meta.url).href)
