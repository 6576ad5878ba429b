// A child process that performs file operations on request, so a spec can run them under the
// faultfs shim one step at a time. Each stdin line is a JSON request; each stdout line answers
// one, in order: {"ok":true,"result":…} or {"ok":false,"code":"ENOSPC"}.
// Data goes through fs.promises (libuv's thread pool) unless a request says "sync": true, which
// uses the synchronous calls on the main thread.
import { createInterface } from 'node:readline'
import * as fs from 'node:fs'

const handles = new Map()

const bytes = (request) => Buffer.from(request.data, 'base64')

const operations = {
  open: async (r) => {
    handles.set(r.id, await fs.promises.open(r.path, r.flags ?? 'r'))
  },
  write: async (r) => {
    const handle = handles.get(r.id)
    const data = bytes(r)
    if (r.sync) return fs.writeSync(handle.fd, data, 0, data.length, r.position ?? null)
    return (await handle.write(data, 0, data.length, r.position ?? null)).bytesWritten
  },
  writev: async (r) => {
    const buffers = r.chunks.map((chunk) => Buffer.from(chunk, 'base64'))
    return (await handles.get(r.id).writev(buffers, r.position ?? null)).bytesWritten
  },
  truncate: (r) => handles.get(r.id).truncate(r.length),
  fsync: (r) => (r.sync ? fs.fsyncSync(handles.get(r.id).fd) : handles.get(r.id).sync()),
  fdatasync: (r) => (r.sync ? fs.fdatasyncSync(handles.get(r.id).fd) : handles.get(r.id).datasync()),
  close: async (r) => {
    await handles.get(r.id).close()
    handles.delete(r.id)
  },
  writeFile: (r) => fs.promises.writeFile(r.path, bytes(r)),
  appendFile: (r) => fs.promises.appendFile(r.path, bytes(r)),
  rename: (r) => fs.promises.rename(r.from, r.to),
  unlink: (r) => fs.promises.unlink(r.path),
  mkdir: (r) => fs.promises.mkdir(r.path),
  rmdir: (r) => fs.promises.rmdir(r.path),
}

// Requests run one at a time, so answers keep the order of requests.
let queue = Promise.resolve()
createInterface({ input: process.stdin }).on('line', (line) => {
  queue = queue.then(async () => {
    const request = JSON.parse(line)
    try {
      const result = await operations[request.op](request)
      process.stdout.write(JSON.stringify({ ok: true, result: result ?? null }) + '\n')
    } catch (error) {
      process.stdout.write(JSON.stringify({ ok: false, code: error.code ?? String(error) }) + '\n')
    }
  })
})
process.stdout.write(JSON.stringify({ ready: true }) + '\n')
