/** The stats module: dashboards' figures and the first-run checklist (read-only, no tables). */
export { statsRoutes } from './routes.js';
