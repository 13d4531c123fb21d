/**
 * The evaluation's score block on the native gemm (train.kernels "native"; native/src/gemm.c, AVX-512 / AVX2): an eval
 * worker keeps the item matrix, a user block and its score block in one WebAssembly memory of its own, the native
 * gemm writes S = U·Iᵀ there a tile of items at a time, and the top-K scan kernel (kernels/scan.wat) reads the tile in
 * place while it is in cache (block.ts rankBlockTiled) — no tfjs in the loop.
 * The gemm takes the columns in multiples of 8; the last nItems % 8 columns of each row are plain dot products.
 * Measured against tfjs-wasm's matMul in docs/benchmarks.md (session 6).
 */
import { nativeAddon, type NativeAddon } from '../native/addon';
import { memoryView } from '../native/bind';
import { createScanAbove, type ScanAbove } from './simd-scan';
import type { EvalTables } from './tables';

const PAGE = 65536;

export class NativeScores {
  private readonly addon: NativeAddon = nativeAddon();
  private readonly memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
  /** the memory as the addon takes it (made again only after the memory grew) */
  private readonly view = memoryView(this.memory);
  /** the top-K scan over this memory */
  readonly scan: ScanAbove = createScanAbove(this.memory);
  private itemsAt = 0;
  private usersAt = 0;
  private scoresAt = 0;
  private rowsCap = 0;

  constructor(private readonly tables: EvalTables, private readonly tileItems: number) {
    this.layout(0);
    this.f32(this.itemsAt, tables.itemsT.length).set(tables.itemsT);
  }

  /**
   * The users evalUsers[start..end) into this memory, for the tiles that follow (scoreTile). Returns their count.
   */
  loadUsers(start: number, end: number): number {
    const { dim, users, evalUsers } = this.tables;
    const rows = end - start;
    if (rows > this.rowsCap) this.layout(rows);
    const u = this.f32(this.usersAt, rows * dim);
    for (let b = 0; b < rows; b++) u.set(users.subarray(evalUsers[start + b] * dim, (evalUsers[start + b] + 1) * dim), b * dim);
    return rows;
  }

  /**
   * The scores of the loaded users for items first..first + width ([rows × width], a view of this memory that the next
   * call overwrites). A tile small enough to stay in the core's L2 is ranked while it is there (block.ts).
   */
  scoreTile(rows: number, first: number, width: number): Float32Array {
    const { dim, nItems } = this.tables;
    const main = width - (width % 8);
    if (main > 0) {
      this.addon.gemm(this.view(), this.usersAt, dim * 4, 4, this.itemsAt + first * 4, nItems * 4, this.scoresAt, width * 4, rows, main, dim, 0);
    }
    const s = this.f32(this.scoresAt, rows * width);
    if (main < width) {
      const u = this.f32(this.usersAt, rows * dim);
      const it = this.f32(this.itemsAt, dim * nItems);
      for (let b = 0; b < rows; b++) {
        for (let j = main; j < width; j++) {
          let acc = 0;
          for (let k = 0; k < dim; k++) acc += u[b * dim + k] * it[k * nItems + first + j];
          s[b * width + j] = acc;
        }
      }
    }
    return s;
  }

  /** items at 0, then room for `rows` users and their score rows (grows the memory; views are re-made on each use) */
  private layout(rows: number): void {
    const { dim, nItems } = this.tables;
    const align = (n: number): number => Math.ceil(n / 64) * 64;
    this.itemsAt = 0;
    this.usersAt = align(dim * nItems * 4);
    this.scoresAt = this.usersAt + align(rows * dim * 4);
    const bytes = this.scoresAt + rows * Math.min(nItems, this.tileItems) * 4;
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE));
    this.rowsCap = rows;
  }

  private f32(at: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, at, n);
  }
}
