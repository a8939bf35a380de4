// Types of free-port.mjs for its TypeScript callers (tests, e2e, benchmarks).

/** A TCP port on 127.0.0.1 that nobody listens on now and no outgoing connection will take. */
export declare function freePort(): Promise<number>;
