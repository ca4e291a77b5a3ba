// Examples of the OpenAPI document, taken from the API reference page the product was built from (the seed):
// John Doe of Acme Inc, found by PDL; the not-found body; the error bodies. The seed's profile omits the fields it
// had no value for; our contract always sends every field, so those are null here. A test parses every example
// with the zod schema of its response, so an example can never drift from what the API answers.
import type { EnrichRequest, FoundResponse, NotFoundResponse, Profile } from '../enrichment/contract.js';

export const seedProfile: Profile = {
  first_name: 'John',
  last_name: 'Doe',
  full_name: 'John Doe',
  email: 'john.doe@acme.com',
  personal_email: null,
  mobile: '+14155551234',
  linkedin_url: 'https://linkedin.com/in/johndoe',
  twitter_url: 'https://twitter.com/johndoe',
  profile_picture: 'https://media.licdn.com/...',
  title: 'VP of Sales',
  headline: 'Helping companies grow revenue | VP Sales @ Acme',
  department: 'Sales',
  seniority: 'VP',
  company: 'Acme Inc',
  company_domain: 'acme.com',
  company_size: '51-200',
  industry: 'Software',
  location: 'San Francisco, California, United States',
  city: 'San Francisco',
  region: 'California',
  country: 'United States',
  country_code: 'US',
  skills: ['Sales', 'B2B Sales', 'SaaS', 'Account Management', 'Negotiation'],
  experience: [
    {
      company: 'Acme Inc',
      title: 'VP of Sales',
      department: 'Sales',
      location: 'San Francisco, CA',
      start_date: '2022-03',
      end_date: '',
      is_current: true,
      description: 'Leading sales team...',
    },
    { company: 'Previous Corp', title: 'Sales Director', start_date: '2019-06', end_date: '2022-02', is_current: false },
  ],
  education: [{ school: 'Stanford University', degree: 'MBA', field: 'Business Administration', start_year: 2014, end_year: 2016 }],
  connections: 2500,
  followers: 1800,
  recent_job_change: false,
  job_change_date: null,
  previous_company: null,
  previous_title: null,
};

export const seedRequest: EnrichRequest = { email: 'john.doe@acme.com' };

export const seedFound: FoundResponse = {
  profile: seedProfile,
  found: true,
  confidence: 95,
  source_provider: 'peopledatalabs',
  credits_charged: 3,
  cache_hit: false,
  latency_ms: 567,
};

export const seedNotFound: NotFoundResponse = {
  profile: null,
  found: false,
  confidence: 0,
  credits_charged: 0,
  cache_hit: false,
  latency_ms: 234,
  error: 'Profile not found',
};

/** A bulk request of three items: the seed's person, an unknown one, and an item with neither field. */
export const seedBulkRequest = {
  requests: [{ email: 'john.doe@acme.com' }, { linkedin_url: 'https://www.linkedin.com/in/nobody-here' }, { email: '' }],
};

export const seedBulkResponse = {
  results: [
    { status: 200, ...seedFound },
    { status: 200, ...seedNotFound },
    { status: 400, error: 'Bad Request', message: 'email or linkedin_url required' },
  ],
  credits_charged: 3,
};
