// Generates src/api/schema.d.ts from the API's OpenAPI document.
//
//   npm run api:types                      # from the API at API_URL (default 127.0.0.1:8000)
//   npm run api:types -- openapi.json      # from a saved copy of /api/openapi.json
//   npm run api:check [-- source]          # exit 1 when the committed file is stale
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { format, resolveConfig } from 'prettier';

const target = fileURLToPath(new URL('../src/api/schema.d.ts', import.meta.url));
const args = process.argv.slice(2);
const check = args.includes('--check');
const source = args.find((arg) => !arg.startsWith('--'));

async function readDocument() {
  if (source) {
    return JSON.parse(await readFile(source, 'utf8'));
  }
  const base = process.env.API_URL ?? 'http://127.0.0.1:8000';
  const answer = await fetch(`${base}/api/openapi.json`);
  if (!answer.ok) {
    throw new Error(`${base}/api/openapi.json answered ${answer.status}`);
  }
  return answer.json();
}

const banner =
  "// Generated from the API's /api/openapi.json by `npm run api:types`; do not edit.\n";
const ast = await openapiTS(await readDocument());
const options = (await resolveConfig(target)) ?? {};
const generated = await format(banner + astToString(ast), { ...options, parser: 'typescript' });

if (check) {
  const committed = await readFile(target, 'utf8').catch(() => '');
  if (committed !== generated) {
    console.error('src/api/schema.d.ts is stale: run `npm run api:types` against the current API');
    process.exit(1);
  }
  console.log('src/api/schema.d.ts matches the API');
} else {
  await writeFile(target, generated);
  console.log(`wrote ${target}`);
}
