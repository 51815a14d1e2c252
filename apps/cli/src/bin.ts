#!/usr/bin/env node
import { endQuietlyOnClosedPipe } from './closed-pipe.js';
import { runCli } from './program.js';

endQuietlyOnClosedPipe();
process.exitCode = await runCli(process.argv.slice(2));
