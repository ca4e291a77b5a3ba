// The HubSpot fake lives in fakes/hubspot (the demo command runs it too); tests keep importing it from here.
export * from '../../../fakes/hubspot/index.js';
