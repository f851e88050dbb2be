#!/usr/bin/env node
// sgw: the command line of the Secrets Gateway. Runs the compiled JavaScript in dist/ (built by
// `npm ci` through the `prepare` script, or `npm run build`).
import module from 'node:module';

// Node (22.1 and later) keeps the compiled code of the CLI's modules in its cache folder: later
// runs skip parsing.
module.enableCompileCache?.();

process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0); // e.g. sgw audit tail --follow | head
  throw error;
});

const { main } = await import('../dist/src/cli/index.js');
process.exit(await main(process.argv.slice(2)));
