// See index.ts: the fake lives in fakes/salesforce.
export * from '../../../fakes/salesforce/soql.js';
