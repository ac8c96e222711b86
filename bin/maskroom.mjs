#!/usr/bin/env node
// The `maskroom` command: runs the TypeScript CLI (electron/hosts/cli.ts) through tsx, so a checkout works
// right after `npm install` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../electron/hosts/cli.ts');
process.exitCode = await main(process.argv.slice(2));
