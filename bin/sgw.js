#!/usr/bin/env node
// sgw: the command line of the Secrets Gateway. Runs the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();

process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0); // e.g. sgw audit tail --follow | head
  throw error;
});

const { main } = await import('../src/cli/index.ts');
process.exit(await main(process.argv.slice(2)));
