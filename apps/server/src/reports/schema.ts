import type { Migration } from '../db/migrate.js';

/**
 * Reports owns reports and their reply threads. Like notes, everything a person wrote is sealed
 * in the browser (docs/PROTOCOL.md §9.4): a report's title, body, category, field values and
 * attachment names live only inside `reports.ciphertext`; a reply's text only inside
 * `report_replies.ciphertext`. The clear columns are what the design allows the server to know:
 * ids, author, report type id, status, assignee, times.
 *
 * `report_wraps` holds one key wrap per record and reader for every record of a report: its
 * content (`report:<id>`), each reply (`report-reply:<id>`) and each attachment
 * (`attachment:<id>`, owned by the attachments module), so granting a new admin is one query.
 */
export const reportsMigrations: Migration[] = [
  {
    id: 'reports/001-reports',
    sql: `
      create table reports (
        id text primary key,
        type_id text,
        author_id text not null,
        author_pubkey text not null,
        status text not null default 'new' check (status in ('new', 'in-review', 'closed')),
        assignee_id text,
        ciphertext text,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        deleted_at timestamptz
      );
      create index reports_created on reports (created_at desc, id desc);
      create index reports_author_created on reports (author_id, created_at desc, id desc);

      create table report_replies (
        id text primary key,
        report_id text not null references reports (id) on delete cascade,
        author_id text not null,
        author_pubkey text not null,
        ciphertext text not null,
        created_at timestamptz not null
      );
      create index report_replies_report on report_replies (report_id, created_at, id);

      create table report_wraps (
        report_id text not null references reports (id) on delete cascade,
        record_id text not null,
        reader_pubkey text not null,
        wrap text not null,
        primary key (record_id, reader_pubkey)
      );
      create index report_wraps_reader on report_wraps (reader_pubkey, record_id);
      create index report_wraps_report on report_wraps (report_id);
    `,
  },
];
