#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { benchCommand } from './commands/bench';
import { compareCommand } from './commands/compare';
import { demoCommand } from './commands/demo';
import { evaluateCommand } from './commands/evaluate';
import { inspectCommand } from './commands/inspect';
import { mergeCommand } from './commands/merge';
import { packCommand } from './commands/pack';
import { predictCommand } from './commands/predict';
import { previewCommand } from './commands/preview';
import { sampleCommand } from './commands/sample';
import { trainCommand } from './commands/train';
import { verifyCommand } from './commands/verify';
import { reportError } from './errors-output';

async function main(): Promise<void> {
  await yargs(hideBin(process.argv))
    .scriptName('shardline')
    .usage('$0 <command> [options]\n\nPack images into TFRecord shards once; stream them into tfjs training.')
    .command(sampleCommand)
    .command(packCommand)
    .command(mergeCommand)
    .command(inspectCommand)
    .command(verifyCommand)
    .command(trainCommand)
    .command(evaluateCommand)
    .command(predictCommand)
    .command(previewCommand)
    .command(compareCommand)
    .command(demoCommand)
    .command(benchCommand)
    .demandCommand(1, 'Name a command; see --help.')
    .strict()
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((message, error, y) => {
      if (error) throw error;
      y.showHelp();
      console.error(`\n${message}`);
      process.exit(2);
    })
    .parseAsync();
}

main().catch((err: unknown) => {
  process.exit(reportError(err, process.argv));
});
