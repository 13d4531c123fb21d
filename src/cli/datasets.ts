/**
 * `reclab datasets list | fetch NAME | verify NAME | path NAME`: the dataset catalogue from a terminal.
 */
import {
  catalogEntries, catalogEntry, dataRoot, datasetState, entryDir, fetchDataset, verifyDataset, type TransferProgress,
} from '../engine/catalog';
import { fmtDuration, table } from './console-reporter';

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

export function datasetsListCommand(root = dataRoot()): string {
  const rows = catalogEntries().map((e) => {
    const known = e.files.every((f) => f.bytes !== undefined);
    const size = e.files.length ? (known ? fmtBytes(e.files.reduce((a, f) => a + (f.bytes ?? 0), 0)) : '?') : '—';
    const stats = e.stats ? `${e.stats.users}×${e.stats.items}` : '';
    return [e.name, e.version, e.format, size, stats, datasetState(e, root)];
  });
  return table(['name', 'version', 'format', 'size', 'users×items', 'state'], rows) + `\ncache: ${root}`;
}

/** A one-line progress bar with rate and ETA: on a TTY redrawn in place, otherwise a line every 10 %. */
export function progressPrinter(out: NodeJS.WriteStream): { update: (p: TransferProgress) => void; done: () => void } {
  let shown = false;
  let lastDraw = 0;
  let lastDecile = -1;
  return {
    update(p) {
      const fraction = p.total ? Math.min(1, p.received / p.total) : null;
      const text = `${p.file} ${fraction !== null ? bar(fraction) + ` ${(fraction * 100).toFixed(0).padStart(3)}%` : ''} ` +
        `${fmtBytes(p.received)}${p.total ? ` / ${fmtBytes(p.total)}` : ''} · ${fmtBytes(p.bytesPerSecond)}/s` +
        (p.etaSeconds !== null ? ` · ETA ${fmtDuration(p.etaSeconds)}` : '');
      if (out.isTTY) {
        const now = Date.now();
        if (now - lastDraw < 100 && fraction !== 1) return;
        lastDraw = now;
        out.write(`\r\x1b[2K${text}`);
        shown = true;
      } else {
        const decile = fraction === null ? -1 : Math.floor(fraction * 10);
        if (decile > lastDecile) {
          lastDecile = decile;
          out.write(text + '\n');
        }
      }
    },
    done() {
      if (shown) out.write('\n');
      shown = false;
      lastDecile = -1;
    },
  };
}

function bar(fraction: number): string {
  const width = 24;
  const filled = Math.round(fraction * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

export async function datasetsFetchCommand(
  name: string,
  opts: { from?: string; root?: string; signal?: AbortSignal; timeoutSeconds?: number },
  out: NodeJS.WriteStream = process.stderr,
): Promise<string> {
  const progress = progressPrinter(out);
  const r = await fetchDataset(name, {
    root: opts.root, from: opts.from, signal: opts.signal,
    idleTimeoutMs: opts.timeoutSeconds ? opts.timeoutSeconds * 1000 : undefined,
    onProgress: (p) => progress.update(p),
    onMessage: (m) => {
      progress.done();
      out.write(m + '\n');
    },
  });
  progress.done();
  if (!r.entry.files.length) return `${r.entry.name} is generated in memory (nothing to fetch)`;
  return r.dir;
}

export async function datasetsVerifyCommand(name: string, root?: string): Promise<string> {
  const entry = catalogEntry(name);
  if (!entry.files.length) return `${entry.name} is generated in memory (nothing to verify)`;
  const report = await verifyDataset(entry, { root });
  return table(
    ['file', 'bytes', 'sha256', 'git blob', 'checked'],
    report.map((r) => {
      const spec = entry.files.find((f) => f.name === r.file)!;
      const checked = (['bytes', 'sha256', 'gitBlob', 'md5'] as const).filter((k) => spec[k] !== undefined).join(', ');
      return [r.file, String(r.digests.bytes), r.digests.sha256.slice(0, 16) + '…', r.digests.gitBlob.slice(0, 12) + '…', checked];
    }),
  ) + `\n${entry.name}@${entry.version}: every file matches the catalogue`;
}

export function datasetsPathCommand(name: string, root = dataRoot()): string {
  const entry = catalogEntry(name);
  if (!entry.files.length) throw new Error(`${entry.name} is generated in memory and has no folder; use {"dataset": {"catalog": "${entry.name}"}}`);
  const state = datasetState(entry, root);
  if (state !== 'fetched') throw new Error(`${entry.name} is ${state === 'partial' ? 'only partly fetched or not verified' : 'not fetched'}; run \`reclab datasets fetch ${entry.name}\``);
  return entryDir(entry, root);
}
