// Types of verify-build.mjs for the TypeScript tests (apps/server/test/release.test.ts).
import type { KeyLike } from 'node:crypto';
import type { Statement } from './release-lib.mjs';

export declare const RELEASE_PUBLIC_KEY: string;
export declare function checkPublishedRelease(
  dir: string,
  publicKey: KeyLike | string | Buffer,
): { statement: Statement; checksums: Map<string, string>; problems: string[] };
