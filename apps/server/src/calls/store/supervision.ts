import type { Queryable } from '../../db/database.js';

/** A live call answered in the browser, as the supervision list shows it. */
export interface LiveBrowserCallRow {
  id: string;
  answered_by: string;
  answered_at: Date | string | null;
  display_name: string;
  provider: string;
}

/** Calls connected now to a volunteer's browser (their browser leg in progress), oldest answer first. */
export async function liveBrowserCalls(db: Queryable): Promise<LiveBrowserCallRow[]> {
  return db.query<LiveBrowserCallRow>(
    `select c.id, c.answered_by, c.answered_at, c.provider, u.display_name
       from calls c
       join call_legs l on l.call_id = c.id and l.user_id = c.answered_by
                       and l.kind = 'browser' and l.status = 'in-progress'
       join users u on u.id = c.answered_by
      where c.status = 'answered' and c.ended_at is null
      order by c.answered_at, c.id`,
  );
}
