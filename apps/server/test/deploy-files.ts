import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './cli-process.js';

/** Reading the deploy recipes in deploy/ for the tests that check them. */
export const DEPLOY = path.join(ROOT, 'deploy');
export const readDeploy = (file: string) => readFileSync(path.join(DEPLOY, file), 'utf8');

/** A systemd unit as section → key → values (a key may repeat; an empty assignment resets). */
export function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let current: Record<string, string[]> | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const section = line.match(/^\[(.+)\]$/);
    if (section) {
      current = sections[section[1]!] ?? {};
      sections[section[1]!] = current;
      continue;
    }
    const kv = line.match(/^([A-Za-z]+)=(.*)$/);
    if (!kv || !current) throw new Error(`not a unit line: ${line}`);
    current[kv[1]!] = [...(current[kv[1]!] ?? []), kv[2]!];
  }
  return sections;
}

/**
 * The block-style YAML subset the compose file is written in: maps, lists of scalars, quoted or
 * plain scalars, JSON-style flow lists, comments. No anchors, no multi-line strings: anything
 * else is refused, so the file stays readable and this reading of it stays exact.
 */
export function parseYamlSubset(text: string): unknown {
  const lines = text
    .split('\n')
    .map((l) => l.replace(/(^|\s)#.*$/, '').trimEnd())
    .filter((l) => l.trim())
    .map((l) => ({ indent: l.length - l.trimStart().length, text: l.trim() }));
  let i = 0;
  const scalar = (value: string): unknown => {
    if (value.startsWith('[')) return JSON.parse(value);
    if (/^["'].*["']$/.test(value)) return value.slice(1, -1);
    if (/[&*|>]/.test(value[0] ?? '')) throw new Error(`unsupported YAML: ${value}`);
    return value;
  };
  const block = (indent: number): unknown => {
    if (lines[i]!.text.startsWith('- ')) {
      const list: unknown[] = [];
      while (i < lines.length && lines[i]!.indent === indent && lines[i]!.text.startsWith('- '))
        list.push(scalar(lines[i++]!.text.slice(2)));
      return list;
    }
    const map: Record<string, unknown> = {};
    while (i < lines.length && lines[i]!.indent === indent) {
      const kv = lines[i]!.text.match(/^([^:\s][^:]*):(?:\s+(.*))?$/);
      if (!kv) throw new Error(`unsupported YAML line: ${lines[i]!.text}`);
      i++;
      if (kv[2] !== undefined) map[kv[1]!] = scalar(kv[2]);
      else if (i < lines.length && lines[i]!.indent > indent) map[kv[1]!] = block(lines[i]!.indent);
      else map[kv[1]!] = null;
    }
    if (i < lines.length && lines[i]!.indent > indent) throw new Error(`bad indentation: ${lines[i]!.text}`);
    return map;
  };
  const doc = block(0);
  if (i < lines.length) throw new Error(`unparsed YAML from: ${lines[i]!.text}`);
  return doc;
}
