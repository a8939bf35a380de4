// Types of release-lib.mjs for the TypeScript tests (apps/server/test/release.test.ts).
import type { KeyLike } from 'node:crypto';

export declare const IN_TOTO_PAYLOAD_TYPE: string;
export declare const DSSE_PAE_PREFIX: string;
export declare const IN_TOTO_STATEMENT_TYPE: string;
export declare const SLSA_PROVENANCE_TYPE: string;
export declare const LLAMENOS_BUILD_TYPE: string;

export declare function sha256(bytes: Uint8Array | string): string;
export declare function packTarGz(files: Iterable<readonly [string, Uint8Array]>, mtime: number): Buffer;
export declare function checksumsText(files: Iterable<readonly [string, Uint8Array | string]>): string;
export declare function parseChecksums(text: string): Map<string, string>;
export declare function compareChecksums(
  expected: Map<string, string>,
  actual: Map<string, string>,
): string[];

export interface Builder {
  id: string;
  node: string;
  npm: string;
  platform: string;
}
export interface Statement {
  _type: string;
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: string;
  predicate: {
    buildDefinition: {
      buildType: string;
      externalParameters: { source: { uri: string; commit: string }; sourceDateEpoch: number };
      internalParameters?: { uncommittedChanges?: boolean };
    };
  };
}
export declare function provenanceStatement(input: {
  subjects: Iterable<readonly [string, string]>;
  commit: string;
  repository: string;
  lockfileSha256: string;
  sourceDateEpoch: number;
  builder: Builder;
  dirty?: boolean;
}): Statement;

export interface Envelope {
  payloadType: string;
  payload: string;
  signatures: { keyid?: string; sig: string }[];
}
export declare function pae(payloadType: string, payload: Uint8Array | string): Buffer;
export declare function keyIdOf(publicKey: KeyLike | string | Buffer): string;
export declare function signEnvelope(statement: unknown, privateKey: KeyLike | string | Buffer): Envelope;
export declare function verifyEnvelope(json: unknown, publicKey: KeyLike | string | Buffer): Statement;
