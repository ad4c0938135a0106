import type { Manifest } from '@shardline/shards';

/** Prints classes, split sizes and a per-class histogram. */
export function printManifestSummary(manifest: Manifest, dir: string): void {
  const { width, height, channels, payload } = manifest.image;
  console.log(
    `\n${dir}: ${manifest.classes.length} classes, ${width}x${height}x${channels} ${payload}, compression ${manifest.compression}`,
  );
  const splits = Object.entries(manifest.splits);
  const nameWidth = Math.max(5, ...manifest.classes.map((c) => c.length));
  console.log(`${'class'.padEnd(nameWidth)}  ${splits.map(([name]) => name.padStart(12)).join('')}`);
  manifest.classes.forEach((name, label) => {
    const counts = splits.map(([, s]) => String(s?.classCounts[label] ?? 0).padStart(12)).join('');
    console.log(`${name.padEnd(nameWidth)}  ${counts}  ${histogramBar(splits[0]?.[1]?.classCounts ?? [], label)}`);
  });
  console.log(`${'total'.padEnd(nameWidth)}  ${splits.map(([, s]) => String(s?.records ?? 0).padStart(12)).join('')}`);
  console.log(`shard files: ${splits.map(([name, s]) => `${name} ${s?.shards.length ?? 0}`).join(', ')}`);
  const duplicates = manifest.crossSplitDuplicates ?? [];
  if (duplicates.length > 0)
    console.log(
      `warning: ${duplicates.length} image(s) appear in more than one split (listed in manifest.json, crossSplitDuplicates)`,
    );
  if (manifest.skipped.length > 0) {
    console.log(`skipped ${manifest.skipped.length} file(s) (listed in manifest.json):`);
    for (const s of manifest.skipped.slice(0, 10)) console.log(`  ${s.file}: ${s.reason}`);
    if (manifest.skipped.length > 10) console.log(`  ... and ${manifest.skipped.length - 10} more`);
  }
}

function histogramBar(counts: number[], label: number): string {
  const max = Math.max(1, ...counts);
  return '#'.repeat(Math.round(((counts[label] ?? 0) / max) * 30));
}
