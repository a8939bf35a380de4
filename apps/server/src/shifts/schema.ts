import type { Migration } from '../db/migrate.js';

/**
 * The ShiftManager's tables. Times are wall-clock values in the hotline's zone
 * (settings.timeZone), so a shift keeps its local time across DST changes; dates and times are
 * text ("YYYY-MM-DD", "HH:MM") so no driver converts them through a session time zone.
 * weekday: 0 = Monday … 6 = Sunday. A shift belongs to the day it starts on.
 */
export const shiftsMigrations: Migration[] = [
  {
    id: 'shifts/001-shifts-ring-groups-exceptions',
    sql: `
      create table ring_groups (
        id text primary key,
        name text not null unique,
        is_fallback boolean not null default false,
        created_at timestamptz not null,
        updated_at timestamptz not null
      );
      -- At most one fallback group: the one rung when nobody is on shift.
      create unique index ring_groups_one_fallback on ring_groups (is_fallback) where is_fallback;

      create table ring_group_members (
        group_id text not null references ring_groups (id) on delete cascade,
        user_id text not null references users (id) on delete cascade,
        primary key (group_id, user_id)
      );

      create table shifts (
        id text primary key,
        name text not null,
        weekday smallint not null check (weekday between 0 and 6),
        start_time text not null check (start_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
        duration_minutes integer not null check (duration_minutes between 15 and 1440),
        ring_group_id text references ring_groups (id) on delete set null,
        active boolean not null default true,
        created_at timestamptz not null,
        updated_at timestamptz not null
      );
      create index shifts_weekday on shifts (weekday) where active;

      create table shift_assignments (
        shift_id text not null references shifts (id) on delete cascade,
        user_id text not null references users (id) on delete cascade,
        primary key (shift_id, user_id)
      );
      create index shift_assignments_user on shift_assignments (user_id);

      create table shift_exceptions (
        id text primary key,
        date text not null check (date ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
        shift_id text references shifts (id) on delete cascade,
        kind text not null check (kind in ('cancel', 'swap', 'extra')),
        user_out text references users (id) on delete cascade,
        user_in text references users (id) on delete cascade,
        note text not null default '',
        created_at timestamptz not null,
        created_by text,
        check (
          (kind = 'cancel' and user_out is null and user_in is null)
          or (kind = 'swap' and shift_id is not null and user_out is not null and user_in is not null and user_out <> user_in)
          or (kind = 'extra' and shift_id is not null and user_out is null and user_in is not null)
        )
      );
      create index shift_exceptions_date on shift_exceptions (date);
    `,
  },
];
