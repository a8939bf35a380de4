import { AuditPage, AuditVerdictBody } from '@llamenos/protocol';
import { request } from './http.js';

/** The audit log as the web client uses it. */

/** One page of entries, newest first; `query` holds the filters and the `before` cursor. */
export const fetchAuditPage = (query: string) => request(AuditPage, 'GET', `/api/audit?${query}`);

/** Re-checks the whole hash chain on the server. */
export const verifyAuditChain = () => request(AuditVerdictBody, 'GET', '/api/audit/verify');
