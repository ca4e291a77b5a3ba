// The Salesforce fake lives in fakes/salesforce (the demo command runs it too); tests keep importing it from here.
export * from '../../../fakes/salesforce/index.js';
