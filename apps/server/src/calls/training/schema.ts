import type { Migration } from '../../db/migrate.js';

/**
 * The training line's own table (lines.ts): one row per live training call with its two members
 * and the two browsers' session descriptions, so the trainer and the trainee may reach any
 * server process. Session descriptions carry network addresses: the row is deleted when the call
 * ends (the trainer's hang-up or wait, the ring time-out, and the sealing of the ended call's
 * record, which every ending reaches), and nothing of it is logged or published.
 */
export const trainingMigrations: Migration[] = [
  {
    id: 'training/001-lines',
    sql: `
      create table training_lines (
        call_id text primary key,
        trainer_id text not null,
        trainee_id text not null,
        offer text,
        answer text,
        held boolean not null default false,
        created_at timestamptz not null
      );
    `,
  },
];
