import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { OptionSpec } from '@shardline/options';

const run = promisify(execFile);

/** ../shared/peers beside the repository: what a PyTorch user runs, measured on the same machine. */
const PEERS_DIR = join(__dirname, '..', '..', '..', 'shared', 'peers');
export const DEFAULT_TORCH_PEER = join(PEERS_DIR, 'torch_train_step.py');
export const DEFAULT_FOLDER_PEER = join(PEERS_DIR, 'torchvision_folder.py');
/** Debian's python3, which sees Debian's python3-torch (a python3 earlier on the PATH may not). */
const PEER_PYTHON = '/usr/bin/python3';

/** The --peer option of the benches that compare against directory loading. */
export const FOLDER_PEER_OPTION: OptionSpec<string> = {
  kind: 'string',
  default: DEFAULT_FOLDER_PEER,
  describe:
    'torchvision ImageFolder + DataLoader on the same files and size, with no workers and with as many as the bench compares, run with /usr/bin/python3; "none" skips it (it is skipped with a note when PyTorch is absent)',
};

/** Why the PyTorch peer cannot run here, or undefined if it can. */
export async function peerUnavailable(peer: string): Promise<string | undefined> {
  if (peer === 'none') return 'peer skipped (--peer none)';
  if (!existsSync(peer)) return `peer skipped: ${peer} not found`;
  try {
    await run(PEER_PYTHON, ['-c', 'import torch, torchvision']);
    return undefined;
  } catch {
    return `peer skipped: PyTorch is not installed for ${PEER_PYTHON} (apt-get install -y python3-torch python3-torchvision)`;
  }
}

/** One line of torchvision_folder.py's output. */
export interface FolderPeerLine {
  peer: string;
  workers: number;
  images_per_s: number;
}

export interface PeerRow {
  peer: string;
  workers: number;
  imagesPerSecond: number;
}

/** torchvision ImageFolder + DataLoader on a class-folder source, resized to size x size, at each worker count. */
export async function folderPeerRows(peer: string, src: string, size: number, workers: number[]): Promise<PeerRow[]> {
  const lines = await runPeer<FolderPeerLine>(peer, [src, '--size', String(size), '--workers', workers.join(',')]);
  return lines.map((l) => ({ peer: l.peer, workers: l.workers, imagesPerSecond: l.images_per_s }));
}

/** Runs a peer script and parses the JSON object it prints per line. */
export async function runPeer<T>(peer: string, args: string[]): Promise<T[]> {
  return jsonLines<T>((await run(PEER_PYTHON, [peer, ...args], { maxBuffer: 1 << 24 })).stdout);
}

/** The JSON objects of the lines that hold one. */
export function jsonLines<T>(stdout: string): T[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as T);
}
