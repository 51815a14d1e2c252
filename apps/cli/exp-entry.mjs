import { Command } from 'commander';
import { printable } from '@hyperion/schema';
import { SqliteStore } from '@hyperion/store';
console.log(typeof Command, typeof printable, typeof SqliteStore);
