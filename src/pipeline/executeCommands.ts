import { Observable, type OperatorFunction } from 'rxjs'
import { detachReplies, error, type Reply } from '../protocol/reply.js'
import { ownArgs } from '../protocol/read-buffer.js'
import type { ReplyBatch, RequestBatch } from './batches.js'

/** What executeCommands needs from the connection: run one command, and the session flags. */
export interface CommandRunner {
  run(argv: Buffer[]): Reply
  /** The protocol version replies are encoded with (HELLO changes it mid-batch). */
  readonly resp: 2 | 3
  /** Set by QUIT or CLIENT KILL: stop executing and close once replies are written. */
  readonly closeAfterReply: boolean
  /**
   * Makes what `argv` reads resident before it runs (storage that keeps part of its data on
   * disk). Returns undefined when it already is, so the command runs at once; otherwise a
   * promise that settles once it is (a rejection becomes that command's error reply). Absent
   * when every command is always ready.
   */
  stage?(argv: Buffer[]): PromiseLike<void> | undefined
  /**
   * Asked right before a command that waited for `stage` runs: undefined when what was staged
   * still holds, else a promise of staging it again (another connection changed what the
   * command's database shows meanwhile, SWAPDB). Called in the same call as the command runs.
   */
  restage?(argv: Buffer[]): PromiseLike<void> | undefined
  /**
   * Told about a batch of several commands before the first of them runs, so storage can bring
   * what they will touch into the cache at once (a hint: it must not change any outcome).
   */
  warm?(commands: readonly Buffer[][]): void
  /**
   * Told when commands stop running for now (the batch is done, or waits for staging) and when
   * they run again after a wait: timing that commands share (INFO commandstats) is settled
   * there, so no command is charged for the wait.
   */
  settle?(): void
}

/** A batch being executed: where it stands, and the replies so far. */
interface Progress {
  readonly batch: RequestBatch
  readonly replies: Reply[]
  readonly resp: 2 | 3
  current: 2 | 3
  respChanges: [number, 2 | 3][] | undefined
  next: number
  close: boolean
}

const begin = (batch: RequestBatch, runner: CommandRunner): Progress => {
  if (batch.commands.length > 1) runner.warm?.(batch.commands)
  const deliveries = batch.deliveries
  return {
    batch,
    replies: deliveries === undefined || runner.closeAfterReply ? [] : deliveries,
    resp: runner.resp,
    current: runner.resp,
    respChanges: undefined,
    next: 0,
    // A connection already closing (QUIT earlier in the read, CLIENT KILL) runs nothing more.
    close: runner.closeAfterReply,
  }
}

const finish = (p: Progress): ReplyBatch => {
  const { replies, resp, respChanges } = p
  let close = p.close
  if (p.batch.protocolError !== undefined && !close) {
    replies.push(error(`ERR ${p.batch.protocolError}`))
    close = true
  }
  return respChanges ? { replies, resp, respChanges, close } : { replies, resp, close }
}

/**
 * Executes each batch's commands in order and emits their replies as one batch. Stops at a
 * command that closes the connection; a protocol error becomes the batch's last reply.
 *
 * When the runner stages data (`stage` returns a promise), execution pauses at that command and
 * resumes once it settles; later batches wait behind, so replies keep request order. With
 * nothing to stage, a batch runs synchronously within the emission that brought it.
 *
 * A batch of deliveries (Pub/Sub messages) that arrives while a command runs (it published to
 * its own connection) joins that command's batch, ahead of its reply, as Redis writes it;
 * otherwise it takes its turn as a batch of its own.
 *
 * A batch's arguments may be views of a buffer that is overwritten once its emission returns (the
 * shared socket-read buffer): a paused or queued batch keeps copies of them (ownArgs). A `stage`
 * that returns a promise must keep no argument of its own past its call, only the argv array.
 */
export const executeCommands =
  (runner: CommandRunner): OperatorFunction<RequestBatch, ReplyBatch> =>
  (source) =>
    new Observable<ReplyBatch>((subscriber) => {
      /** Batches waiting behind one that is paused for staging, oldest at `head`. */
      let queue: RequestBatch[] = []
      let head = 0
      let paused: Progress | undefined
      /** The batch whose commands are running now, in this very call stack. */
      let running: Progress | undefined
      let sourceDone = false

      const runOne = (p: Progress, argv: Buffer[]): void => {
        running = p
        const reply = runner.run(argv)
        running = undefined
        p.replies.push(reply)
        if (runner.resp !== p.current) {
          // The reply that switched the protocol (HELLO) is already in the new version, as in Redis.
          p.current = runner.resp
          ;(p.respChanges ??= []).push([p.replies.length - 1, p.current])
        }
        if (runner.closeAfterReply) p.close = true
      }

      /** Runs commands until the batch ends (true) or one must wait for staging (false). */
      const advance = (p: Progress): boolean => {
        const commands = p.batch.commands
        const stage = runner.stage
        while (p.next < commands.length && !p.close) {
          const argv = commands[p.next]!
          const pending = stage === undefined ? undefined : stage.call(runner, argv)
          if (pending !== undefined) {
            runner.settle?.()
            // The replies so far wait with the batch, beyond this pass, and so do its commands.
            detachReplies(p.replies)
            for (let i = p.next; i < commands.length; i++) ownArgs(commands[i]!)
            paused = p
            pending.then(
              () => resume(p, undefined),
              (e: unknown) => resume(p, e),
            )
            return false
          }
          p.next++
          runOne(p, argv)
        }
        runner.settle?.()
        return true
      }

      const resume = (p: Progress, failure: unknown): void => {
        if (subscriber.closed) return
        if (failure === undefined) {
          const again = runner.restage?.(p.batch.commands[p.next]!)
          if (again !== undefined) {
            again.then(
              () => resume(p, undefined),
              (e: unknown) => resume(p, e),
            )
            return
          }
        }
        paused = undefined
        const argv = p.batch.commands[p.next++]!
        runner.settle?.()
        if (failure === undefined) runOne(p, argv)
        else p.replies.push(error(`ERR ${failure instanceof Error ? failure.message : String(failure)}`))
        if (!advance(p)) return
        subscriber.next(finish(p))
        drain()
      }

      /** Runs queued batches until one pauses or none is left. */
      const drain = (): void => {
        while (paused === undefined && head < queue.length) {
          const batch = queue[head]!
          queue[head++] = undefined as unknown as RequestBatch
          const p = begin(batch, runner)
          if (!advance(p)) break
          subscriber.next(finish(p))
        }
        if (head === queue.length) {
          queue = []
          head = 0
          if (sourceDone && paused === undefined) subscriber.complete()
        }
      }

      const upstream = source.subscribe({
        next(batch) {
          const deliveries = batch.deliveries
          if (deliveries !== undefined && running !== undefined) {
            if (!running.close) for (let i = 0; i < deliveries.length; i++) running.replies.push(deliveries[i]!)
            return
          }
          if (paused !== undefined || head < queue.length) {
            for (let i = 0; i < batch.commands.length; i++) ownArgs(batch.commands[i]!)
            queue.push(batch)
            return
          }
          const p = begin(batch, runner)
          if (advance(p)) subscriber.next(finish(p))
        },
        error: (e) => subscriber.error(e),
        complete() {
          sourceDone = true
          if (paused === undefined && head === queue.length) subscriber.complete()
        },
      })
      return () => upstream.unsubscribe()
    })
