import { randomUUID } from 'node:crypto';
import {
  fromUtf8,
  openAsReader,
  PURPOSES,
  type SealedEnvelope,
  sealForReaders,
  utf8,
} from '@llamenos/crypto';
import {
  type ReplyForReader,
  type ReportForReader,
  type ReportPayload,
  type ReportReplyPayload,
  type ReportType,
  reportRecordId,
  reportReplyRecordId,
} from '@llamenos/protocol';
import { expect } from 'vitest';
import type { TestHotline, TestUser } from './helpers.js';

/** What the browser does with a report: seal the payload for the readers the server names. */
export const sealReport = (id: string, payload: ReportPayload, readers: string[]): SealedEnvelope =>
  sealForReaders(utf8(JSON.stringify(payload)), readers, {
    purpose: PURPOSES.report,
    recordId: reportRecordId(id),
  });

export const sealReply = (id: string, payload: ReportReplyPayload, readers: string[]): SealedEnvelope =>
  sealForReaders(utf8(JSON.stringify(payload)), readers, {
    purpose: PURPOSES.report,
    recordId: reportReplyRecordId(id),
  });

/** What the browser does to read a report or a reply with the caller's own wrap. */
export const openReport = (report: ReportForReader, user: TestUser): ReportPayload =>
  JSON.parse(
    fromUtf8(
      openAsReader(
        { v: 1, ciphertext: report.ciphertext, wraps: report.wrap ? [report.wrap] : [] },
        user.secretKey,
        {
          purpose: PURPOSES.report,
          recordId: reportRecordId(report.id),
        },
      ),
    ),
  );

export const openReply = (reply: ReplyForReader, user: TestUser): ReportReplyPayload =>
  JSON.parse(
    fromUtf8(
      openAsReader(
        { v: 1, ciphertext: reply.ciphertext, wraps: reply.wrap ? [reply.wrap] : [] },
        user.secretKey,
        {
          purpose: PURPOSES.report,
          recordId: reportReplyRecordId(reply.id),
        },
      ),
    ),
  );

export const payload = (title: string, extra: Partial<ReportPayload> = {}): ReportPayload => ({
  v: 1,
  title,
  body: `${title}: what happened`,
  category: null,
  fields: {},
  attachments: [],
  ...extra,
});

/** The reports API as a browser uses it, against a test hotline. */
export function reportsClient(h: TestHotline) {
  const json = async (res: Response, status = 200) => {
    expect(res.status, await res.clone().text()).toBe(status);
    return res.json();
  };
  const readers = async (user: TestUser): Promise<string[]> =>
    (await json(await h.request('GET', '/api/reports/readers', { as: user }))).readers;
  const readersOf = async (user: TestUser, id: string): Promise<string[]> =>
    (await json(await h.request('GET', `/api/reports/${id}/readers`, { as: user }))).readers;

  return {
    json,
    readers,
    readersOf,
    /** Files a report as `user`, sealed for whom the server names; returns its id. */
    async file(user: TestUser, p: ReportPayload, typeId: string | null = null): Promise<string> {
      const id = randomUUID();
      const envelope = sealReport(id, p, await readers(user));
      await json(await h.request('POST', '/api/reports', { as: user, body: { id, typeId, envelope } }), 201);
      return id;
    },
    /** Replies as `user` on report `reportId`; returns the reply id. */
    async reply(user: TestUser, reportId: string, body: string): Promise<string> {
      const id = randomUUID();
      const envelope = sealReply(id, { v: 1, body }, await readersOf(user, reportId));
      await json(
        await h.request('POST', `/api/reports/${reportId}/replies`, { as: user, body: { id, envelope } }),
        201,
      );
      return id;
    },
    get: (user: TestUser, id: string) => h.request('GET', `/api/reports/${id}`, { as: user }),
    list: async (user: TestUser, query = ''): Promise<ReportForReader[]> =>
      (await json(await h.request('GET', `/api/reports${query}`, { as: user }))).reports,
    /** Replaces the hotline's report types (the settings section). */
    async setTypes(admin: TestUser, types: ReportType[], more: Record<string, number> = {}): Promise<void> {
      const settings = await json(await h.request('GET', '/api/settings', { as: admin }));
      await json(
        await h.request('PATCH', '/api/settings/reports', {
          as: admin,
          body: { value: { ...settings.settings.reports, types, ...more }, version: settings.version },
        }),
      );
    },
  };
}
