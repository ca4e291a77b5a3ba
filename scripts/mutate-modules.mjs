// The modules `npm run mutate` mutates, each with the fast tests that state its behaviour. A bug in any of them
// costs users data (a value overwritten, a task created by mistake, a contact never enriched) or money (credits).
export const MODULES = {
  mapping: {
    title: 'write policies',
    mutate: ['src/sync/mapping.ts'],
    tests: ['test/unit/mapping*.test.ts'],
  },
  'job-change': {
    title: 'job-change detection',
    mutate: ['src/sync/job-change.ts'],
    tests: ['test/unit/job-change*.test.ts', 'test/integration/job-changes-*.test.ts'],
  },
  credits: {
    title: 'credits and the ledger',
    mutate: ['src/enrichment/enrich.ts', 'src/db/ledger.repo.ts'],
    tests: ['test/unit/credits*.test.ts', 'test/integration/enrich-api.test.ts'],
  },
  cache: {
    title: 'profile cache',
    mutate: ['src/db/cache.repo.ts', 'src/db/memo.ts'],
    tests: ['test/unit/cache*.test.ts', 'test/integration/enrich-api.test.ts'],
  },
  waterfall: {
    title: 'provider waterfall',
    mutate: ['src/enrichment/waterfall.ts'],
    tests: ['test/unit/waterfall*.test.ts', 'test/integration/enrich-api.test.ts'],
  },
  normalize: {
    title: 'normalisation',
    mutate: ['src/enrichment/normalize.ts'],
    tests: ['test/unit/normalize*.test.ts', 'test/unit/sample-profiles.test.ts'],
  },
  webhook: {
    title: 'HubSpot webhook verification',
    mutate: ['connectors/hubspot/webhook.ts'],
    tests: ['test/unit/hubspot-webhook*.test.ts', 'test/integration/hubspot-connector-webhook.test.ts', 'test/integration/hubspot-webhook-signature.test.ts'],
  },
  outbound: {
    title: 'Salesforce Outbound Message parser',
    mutate: ['connectors/salesforce/outbound-message.ts'],
    tests: ['test/unit/outbound-message*.test.ts', 'test/integration/salesforce-connector-outbound.test.ts'],
  },
  queue: {
    title: 'queue transitions',
    mutate: ['src/jobs/queue.ts'],
    tests: ['test/unit/queue*.test.ts', 'test/integration/queue*.test.ts'],
  },
};
