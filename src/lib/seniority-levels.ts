// The seven seniority levels, highest first: the values of the enrichment API's `seniority` field and the options
// of the seniority picklists provisioned in HubSpot and Salesforce. Here, in src/lib, because the enrichment core
// and the connectors both need the list and neither may import the other (docs/architecture.md, boundaries).
export const SENIORITY_LEVELS = ['C-Level', 'VP', 'Director', 'Manager', 'Senior', 'Individual', 'Intern'] as const;
