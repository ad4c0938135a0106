import { readFileSync } from 'node:fs';
import type { Size } from './raw-image';

/**
 * libjpeg-turbo's TurboJPEG API in the WebAssembly build that @cwasm/jpeg-turbo ships. Its own decode()
 * always decodes at full size; tjDecompress2 itself scales in the DCT domain to the size it is given,
 * which is why this module calls the exports directly.
 */
interface TurboJpegExports {
  memory: { buffer: ArrayBuffer };
  malloc(bytes: number): number;
  free(pointer: number): void;
  tjInitDecompress(): number;
  tjDecompress2(
    handle: number,
    jpeg: number,
    jpegBytes: number,
    pixels: number,
    width: number,
    pitch: number,
    height: number,
    pixelFormat: number,
    flags: number,
  ): number;
}

/** The part of the WebAssembly global used here: @types/node 20 does not declare it, and lib "dom" would bring the rest of the browser. */
declare const WebAssembly: {
  Module: new (code: Uint8Array) => CompiledModule;
  Instance: new (module: CompiledModule, imports: object) => { exports: object };
};
type CompiledModule = { readonly compiled: unique symbol };

const TJPF_RGBA = 7;

/**
 * A decoder whose memory grew past this (a very large progressive JPEG holds all its coefficients) is
 * dropped before the next image: WebAssembly memory never shrinks, and a decode process lives for a whole pack.
 */
const KEEP_MEMORY_BYTES = 64 << 20;

const unavailable = (name: string) => () => {
  throw new Error(`libjpeg-turbo called ${name}, which this build does not provide`);
};

/**
 * What the library's C runtime imports, as @cwasm/jpeg-turbo stubs them: libjpeg's error exit longjmps,
 * which here throws instead, and a system call throws too (an empty environment apart).
 */
const IMPORTS = {
  env: { setjmp: () => 0, longjmp: unavailable('longjmp (an error exit)') },
  wasi_snapshot_preview1: {
    environ_sizes_get: () => 0,
    ...Object.fromEntries(
      ['environ_get', 'proc_exit', 'fd_close', 'fd_seek', 'fd_write'].map((n) => [n, unavailable(n)]),
    ),
  },
};

/** One instance with its decompressor and two buffers reused from image to image. */
class TurboJpeg {
  private readonly lib: TurboJpegExports;
  private readonly handle: number;
  private readonly input = { at: 0, bytes: 0 };
  private readonly output = { at: 0, bytes: 0 };

  constructor(module: CompiledModule) {
    this.lib = new WebAssembly.Instance(module, IMPORTS).exports as unknown as TurboJpegExports;
    this.handle = this.lib.tjInitDecompress();
    if (this.handle === 0) throw new Error('libjpeg-turbo could not allocate a decompressor');
  }

  get memoryBytes(): number {
    return this.lib.memory.buffer.byteLength;
  }

  /** RGBA pixels at exactly `scaled` (a size libjpeg's M/8 scaling gives), or undefined on any warning or error. */
  decode(jpeg: Uint8Array, scaled: Size): Uint8Array | undefined {
    const input = this.reserve(this.input, jpeg.length);
    new Uint8Array(this.lib.memory.buffer, input, jpeg.length).set(jpeg);
    const bytes = scaled.width * scaled.height * 4;
    const output = this.reserve(this.output, bytes);
    const status = this.lib.tjDecompress2(
      this.handle,
      input,
      jpeg.length,
      output,
      scaled.width,
      0,
      scaled.height,
      TJPF_RGBA,
      0,
    );
    // -1 also on warnings (corrupt data that libjpeg decoded anyway): those files go to the other decoders.
    return status === 0 ? new Uint8Array(this.lib.memory.buffer, output, bytes) : undefined;
  }

  private reserve(buffer: { at: number; bytes: number }, bytes: number): number {
    if (buffer.bytes < bytes) {
      if (buffer.at) this.lib.free(buffer.at);
      buffer.at = this.lib.malloc(bytes);
      buffer.bytes = buffer.at ? bytes : 0;
      if (!buffer.at) throw new Error(`libjpeg-turbo could not allocate ${bytes} bytes`);
    }
    return buffer.at;
  }
}

let compiled: CompiledModule | undefined;
let decoder: TurboJpeg | undefined;

/**
 * The JPEG's RGBA pixels at `scaled`, decoded with libjpeg's DCT-domain scaling, as a view valid until the
 * next call; undefined if libjpeg-turbo warned or failed. `scaled` must be the size of an M/8 scaling of
 * the image (side * M / 8, rounded up): tjDecompress2 picks the largest scaling that fits in it.
 */
export function decodeScaledRgba(jpeg: Uint8Array, scaled: Size): Uint8Array | undefined {
  if (decoder && decoder.memoryBytes > KEEP_MEMORY_BYTES) decoder = undefined;
  compiled ??= new WebAssembly.Module(readFileSync(require.resolve('@cwasm/jpeg-turbo/jpeg-turbo.wasm')));
  decoder ??= new TurboJpeg(compiled);
  try {
    return decoder.decode(jpeg, scaled);
  } catch {
    // An error exit left the decompressor part way through an image: start again with a fresh instance.
    decoder = undefined;
    return undefined;
  }
}
