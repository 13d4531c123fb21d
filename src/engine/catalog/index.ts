/** Dataset catalogue: pinned dataset versions, a verified local cache, resumable downloads. */
export { catalogEntries, catalogEntry, validateCatalog, type CatalogEntry, type CatalogFile } from './catalog';
export { ChecksumError, checkDigests, hashFile, type FileDigests } from './hash';
export { DownloadError, downloadToPart, type DownloadOptions, type TransferProgress } from './download';
export {
  STAMP, dataRoot, datasetState, entryDir, fetchDataset, resolveCatalogDataset, verifyDataset,
  type DatasetState, type FetchOptions, type FetchResult, type VerifyReport,
} from './store';
