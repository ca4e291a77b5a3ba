// See index.ts: the fake lives in fakes/hubspot.
export * from '../../../fakes/hubspot/webhook.js';
