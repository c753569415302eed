// Bundles an entry point (the server CLI, the benchmark's server child) and everything it
// imports from src/ into one ES module under .build/, with esbuild (installed with tsx).
// npm packages stay outside the bundle and load from node_modules as usual.
// Usage: node scripts/bundle.mjs <entry.ts> [<out.mjs>]   (prints the bundle's path)
//
// Each `import.meta.url` is replaced by its own source file's URL, so that what a module finds
// beside itself (the command metadata JSON, createRequire) resolves as it does under tsx.

import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const ownUrls = {
  name: 'own-import-meta-url',
  setup(builder) {
    builder.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const contents = source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href));
      return { contents, loader: 'ts' };
    });
  },
};

/** Bundles `entry` (a path to a .ts file) into `out`; returns `out`. */
export async function bundle(entry, out = resolve(root, '.build', basename(entry).replace(/\.ts$/, '.mjs'))) {
  await build({
    entryPoints: [resolve(entry)],
    outfile: out,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    // The sources use top-level await; esbuild keeps it in an ES module bundle.
    sourcemap: 'linked',
    logLevel: 'warning',
    plugins: [ownUrls],
  });
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [entry, out] = process.argv.slice(2);
  if (entry === undefined) {
    console.error('usage: node scripts/bundle.mjs <entry.ts> [<out.mjs>]');
    process.exit(1);
  }
  console.log(await bundle(entry, out === undefined ? undefined : resolve(out)));
}
