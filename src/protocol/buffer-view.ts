// Buffers viewing bytes of an ArrayBuffer, made without Buffer.prototype.subarray. subarray reads
// `this.buffer` and `this.byteOffset`, which V8 serves through C++ builtins for a Node Buffer, and
// then constructs Node's internal FastBuffer: about 60 ns, three times a GET at -P 16 (its name,
// its key, and its value's view). A caller taking many slices of one buffer reads those two once
// and calls viewOf, about 20 ns.
//
// A view is a Uint8Array subclass whose prototype chain holds Buffer.prototype, as FastBuffer's
// does: Buffer.isBuffer is true, every Buffer method works, and its slices are plain Buffers.

class BufferView extends Uint8Array {}
Object.setPrototypeOf(BufferView.prototype, Buffer.prototype)

/** A Buffer over bytes [offset, offset + length) of `memory`, which the caller has checked. */
export const viewOf = (memory: ArrayBufferLike, offset: number, length: number): Buffer =>
  new BufferView(memory as ArrayBuffer, offset, length) as unknown as Buffer
