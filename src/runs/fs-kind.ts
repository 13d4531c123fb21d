/**
 * Whether a folder lives on a network or cluster file system, where inotify does not see writes made on other hosts
 * (a Slurm job writing its run directory on a compute node): the RunStore then polls instead (chokidar usePolling).
 * Detected from statfs's file-system magic; RECLAB_WATCH_POLLING=1 / 0 forces it either way.
 */
import fs from 'node:fs';

/** statfs f_type magic numbers (linux/magic.h and the file systems' own headers) */
export const NETWORK_FS_MAGIC: Record<number, string> = {
  0x6969: 'nfs',
  0xff534d42: 'cifs',
  0xfe534d42: 'smb2',
  0x517b: 'smb',
  0x0bd00bd0: 'lustre',
  0x47504653: 'gpfs',
  0x19830326: 'beegfs',
  0x00c36400: 'ceph',
  0x65735546: 'fuse',
  0x6a656a63: 'fakeowner',
  0x01021997: 'v9fs',
  0x5346414f: 'afs',
};

export function fileSystemKind(dir: string): string | undefined {
  try {
    const type = Number(fs.statfsSync(dir).type) >>> 0;
    return NETWORK_FS_MAGIC[type];
  } catch {
    return undefined;
  }
}

export function needsPolling(dir: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.RECLAB_WATCH_POLLING === '1') return true;
  if (env.RECLAB_WATCH_POLLING === '0') return false;
  return fileSystemKind(dir) !== undefined;
}
