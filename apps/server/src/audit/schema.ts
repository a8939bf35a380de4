import type { Migration } from '../db/migrate.js';

/**
 * The audit log: append-only, hash-chained. `audit_chain_head` is a single row that every
 * append locks (SELECT … FOR UPDATE), so appends from any number of server processes are
 * serialized and the sequence has no gaps or forks.
 */
export const auditMigrations: Migration[] = [
  {
    id: 'audit/001-log-and-chain-head',
    sql: `
      create table audit_log (
        seq bigint primary key,
        created_at timestamptz not null,
        action text not null,
        actor_pubkey text,
        target text,
        details jsonb not null default '{}'::jsonb,
        ip_hash text,
        previous_hash text not null,
        hash text not null unique
      );
      create index audit_log_action on audit_log (action, seq);
      create index audit_log_actor on audit_log (actor_pubkey, seq);
      create index audit_log_created on audit_log (created_at);

      create table audit_chain_head (
        id int primary key check (id = 1),
        seq bigint not null,
        hash text not null
      );
      insert into audit_chain_head (id, seq, hash) values (1, 0, '${'0'.repeat(64)}');
    `,
  },
  {
    // A call's detail page asks whether a volunteer answered (or was handed) the call by its
    // entries (calls/store/call-detail.ts, answeredCall): by target, not a scan of the whole log.
    id: 'audit/002-target-index',
    sql: 'create index audit_log_target on audit_log (target, action)',
  },
];
