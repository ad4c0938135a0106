import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashFile, type ShardInfo, type SkippedFile, type SplitName } from '@shardline/shards';

/** A whole pack's journal; each task of a distributed pack keeps its own (see OutputFiles). */
export const JOURNAL_FILE = 'pack-journal.jsonl';

/** A completed shard and how far through its split's item list it reaches. */
export interface JournalEntry {
  split: SplitName;
  shard: ShardInfo;
  /** Items [0, itemEnd) of the split are covered, skipped ones included. */
  itemEnd: number;
  skipped: SkippedFile[];
}

/**
 * Append-only record of completed shards, so a re-run of the same job after a
 * kill resumes after the last complete shard instead of starting over.
 */
export class Journal {
  private constructor(private readonly file: string) {}

  static async start(file: string, fingerprint: string): Promise<Journal> {
    const journal = new Journal(file);
    await writeFile(journal.file, `${JSON.stringify({ fingerprint })}\n`);
    return journal;
  }

  async append(entry: JournalEntry): Promise<void> {
    await appendFile(this.file, `${JSON.stringify(entry)}\n`);
  }

  async remove(): Promise<void> {
    await rm(this.file, { force: true });
  }
}

export interface PriorProgress {
  fingerprint: string;
  entries: JournalEntry[];
}

/** Reads an earlier run's journal; a torn last line (killed mid-append) is ignored. */
export async function readJournal(file: string): Promise<PriorProgress | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const parsed = lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as unknown];
    } catch {
      return [];
    }
  });
  const header = parsed[0] as { fingerprint?: string } | undefined;
  if (!header?.fingerprint) return undefined;
  return { fingerprint: header.fingerprint, entries: parsed.slice(1) as JournalEntry[] };
}

/** Keeps the entries, per split in order, whose shard files are still intact on disk. */
export async function intactEntries(outDir: string, entries: JournalEntry[]): Promise<JournalEntry[]> {
  const kept: JournalEntry[] = [];
  const brokenSplits = new Set<SplitName>();
  for (const entry of entries) {
    if (brokenSplits.has(entry.split)) continue;
    const actual = await hashFile(join(outDir, entry.shard.file)).catch(() => undefined);
    if (actual?.sha256 === entry.shard.sha256) kept.push(entry);
    else brokenSplits.add(entry.split);
  }
  return kept;
}
