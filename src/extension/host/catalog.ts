/**
 * The dataset catalogue as the Datasets view shows it (no vscode): one row per entry with its cache state, and the
 * progress text of a fetch.
 */
import { catalogEntries, dataRoot, datasetState, type DatasetState, type TransferProgress } from '../../engine/catalog';

export interface CatalogRow {
  name: string;
  version: string;
  title: string;
  state: DatasetState;
  /** "fetched", "not fetched", … as the view shows it */
  stateLabel: string;
  tooltip: string;
}

const LABEL: Record<DatasetState, string> = { fetched: 'fetched', partial: 'partly fetched', missing: 'not fetched', generated: 'generated' };

export function catalogRows(root = dataRoot()): CatalogRow[] {
  return catalogEntries().map((e) => ({
    name: e.name,
    version: e.version,
    title: e.title,
    state: datasetState(e, root),
    stateLabel: LABEL[datasetState(e, root)],
    tooltip: `${e.title} (${e.version})\n${e.description}\n\nLicence: ${e.licence}\nCite: ${e.citation}\nPinned by: ${e.pinnedBy}`,
  }));
}

const mb = (n: number): string => (n / 1024 ** 2).toFixed(1);

/** "train.txt 3.1 / 6.6 MB · 1.2 MB/s · ETA 3s" and the fraction done (null when the size is unknown). */
export function progressText(p: TransferProgress): { message: string; fraction: number | null } {
  const file = p.file.split('/').pop() ?? p.file;
  const eta = p.etaSeconds !== null ? ` · ETA ${p.etaSeconds < 60 ? `${Math.ceil(p.etaSeconds)}s` : `${Math.round(p.etaSeconds / 60)} min`}` : '';
  return {
    message: `${file} ${mb(p.received)}${p.total ? ` / ${mb(p.total)}` : ''} MB · ${mb(p.bytesPerSecond)} MB/s${eta}`,
    fraction: p.total ? Math.min(1, p.received / p.total) : null,
  };
}
