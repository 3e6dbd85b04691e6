// Bundles the console into one script and one stylesheet, and copies the static files and the country
// outlines beside them: everything the console loads comes from Parley itself.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2] ?? 'dist';
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { console: 'src/main.ts' },
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: false,
  legalComments: 'eof',
  outdir: out,
  logLevel: 'warning',
});
await build({
  entryPoints: { console: 'static/console.css' },
  bundle: true,
  minify: true,
  outdir: out,
  logLevel: 'warning',
  loader: { '.svg': 'file' },
});
for (const file of readdirSync('static')) {
  if (!file.endsWith('.css')) {
    cpSync(join('static', file), join(out, file));
  }
}
for (const file of ['countries-50m.json', 'countries-10m.json']) {
  cpSync(join('node_modules', 'world-atlas', file), join(out, file));
}
cpSync(join('node_modules', 'world-atlas', 'LICENSE'), join(out, 'world-atlas.LICENSE.txt'));
