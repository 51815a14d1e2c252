import { defineConfig, type Options } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

/*
 * The CLI is bundled, unlike the libraries: a command loads only the chunks its code reaches, and
 * a few chunks load much faster than the hundreds of small files zod and the workspace packages
 * are made of. The workspace packages are bundled from their TypeScript sources (the
 * `@hyperion/source` condition), so each of their modules lands in the chunk of the commands that
 * use it; code reached only through `import()` (a command's implementation, the PostgreSQL store,
 * the terminal UI) is a chunk of its own, loaded when that command runs. Kept out of the bundle:
 * native modules (better-sqlite3), pg, isomorphic-git (CommonJS that the git package imports on
 * demand: Node's own loader gives its named exports, a bundled chunk would not), pino (it finds
 * its own files at run time), commander, and the terminal UI (ink and react stay in its package).
 */

/**
 * zod's messages in other languages than English (`z.locales`): the CLI never selects one, and
 * they are a third of zod's code. Each is replaced by a function that says it was left out.
 */
const englishZodMessagesOnly: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'english-zod-messages-only',
  setup(build) {
    build.onResolve({ filter: /^\.\/[a-zA-Z-]+\.js$/ }, (arguments_) => {
      if (!/[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/.test(arguments_.importer)) return undefined;
      if (arguments_.path === './en.js') return undefined;
      return { path: arguments_.path, namespace: 'zod-locale-left-out' };
    });
    build.onLoad({ filter: /.*/, namespace: 'zod-locale-left-out' }, (arguments_) => ({
      contents: `export default function leftOut() { throw new Error(${JSON.stringify(`zod's locale ${arguments_.path} is not in the hyperion CLI`)}); }`,
      loader: 'js',
    }));
  },
};

export default defineConfig(
  packageBuild(['src/index.ts', 'src/bin.ts'], {
    splitting: true,
    metafile: true,
    noExternal: [/^@hyperion\/(?!tui$)/, 'zod'],
    external: ['better-sqlite3', 'pg', 'isomorphic-git', 'pino', 'commander', '@hyperion/tui'],
    // CommonJS code in the bundle (picomatch, the PostgreSQL store's helpers) may call `require`
    // for Node's own modules: an ES module has none, so each chunk gets one.
    banner: {
      js: "import { createRequire as __hyperionCreateRequire } from 'node:module';\nconst require = __hyperionCreateRequire(import.meta.url);",
    },
    esbuildPlugins: [englishZodMessagesOnly],
    esbuildOptions(options) {
      options.conditions = ['@hyperion/source'];
      options.chunkNames = 'chunks/[name]-[hash]';
    },
  }),
);
