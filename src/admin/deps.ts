// What the admin pages may reach: the repositories and services they read and call, nothing more. No raw
// database handle and no cipher: every query lives in a repository, every operation in a service, and the
// composition root (main.ts) builds them. This file is why src/admin never imports src/main.ts.
import type { Config } from '../config/load.js';
import type { AdminRepo } from '../db/admin.repo.js';
import type { AccountsRepo } from '../db/accounts.repo.js';
import type { ApiKeysRepo } from '../db/api-keys.repo.js';
import type { ConnectionsRepo } from '../db/connections.repo.js';
import type { LedgerRepo } from '../db/ledger.repo.js';
import type { SettingsRepo } from '../db/settings.repo.js';
import type { SyncRunsRepo } from '../db/sync-runs.repo.js';
import type { RunHistoryRepo } from '../db/run-history.repo.js';
import type { RevertService } from '../sync/revert.js';
import type { JobChangesRepo } from '../db/job-changes.repo.js';
import type { AlertsRepo } from '../db/alerts.repo.js';
import type { ContactHistoryRepo } from '../db/contact-history.repo.js';
import type { DatasetStore, ProfileCacheStore } from '../enrichment/ports.js';
import type { Enricher } from '../enrichment/enrich.js';
import type { Queue } from '../jobs/queue.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { ConnectionService } from '../sync/connections.js';
import type { ContextRegistry } from '../sync/context.js';
import type { InstallService } from '../sync/install.js';
import type { OutboundEndpoints } from '../sync/outbound-endpoint.js';
import type { Pipeline } from '../sync/pipeline.js';
import type { RunService } from '../sync/runs.js';
import type { Estimator } from '../sync/estimate.js';
import type { OwnerDirectory } from '../sync/owners.js';
import type { Connector, CrmKind } from '../../connectors/types.js';
import type { ThrottleOptions } from './auth.js';

export interface AdminDeps {
  config: Pick<Config, 'PUBLIC_URL' | 'HUBSPOT_AUTHORIZE_URL' | 'SALESFORCE_LOGIN_URL'>;
  log: Logger;
  clock: Clock;
  repos: {
    /** Admin sessions and the pages' read models. */
    admin: AdminRepo;
    accounts: AccountsRepo;
    apiKeys: ApiKeysRepo;
    connections: ConnectionsRepo;
    ledger: LedgerRepo;
    settings: SettingsRepo;
    runs: SyncRunsRepo;
    /** Per-contact outcomes of runs (the run view) and revert bookkeeping. */
    runHistory: RunHistoryRepo;
    /** The job-change inbox and the run alerts (targets and deliveries). */
    jobChanges: JobChangesRepo;
    alerts: AlertsRepo;
    /** The contact view: records found by email / LinkedIn URL / id, their writes, charges and runs. */
    contactHistory: ContactHistoryRepo;
    /** The profile we hold for a contact (read only). */
    cache: Pick<ProfileCacheStore, 'get'>;
    dataset: Pick<DatasetStore, 'findByEmail' | 'findByLinkedIn'>;
  };
  /** The dashboard's test enrichment (charged to the `admin-test` account, never written to a CRM). */
  enricher: Pick<Enricher, 'enrich'>;
  /** Whether each CRM is configured (the connect buttons) and which record types it has (forms). */
  connectors: Record<CrmKind, Pick<Connector, 'configured' | 'setupHint' | 'objectTypes'>>;
  /** Pause, resume, disconnect, delete, re-authorisation notes, settings saves (shared with the CLI). */
  connectionOps: ConnectionService;
  queue: Pick<Queue, 'enqueue' | 'retryDead' | 'counts' | 'recent' | 'inState' | 'get'>;
  /** The connection's CRM session, settings and fields (the mapping page). */
  registry: Pick<ContextRegistry, 'get'>;
  runService: Pick<RunService, 'startRun'>;
  /** Undo a run (the run page's preview and button). */
  revert: Pick<RevertService, 'revert' | 'preview'>;
  /** The estimate shown before "Run sync now" (absent: the page offers none). */
  estimator?: Estimator;
  /** Task owners' names and emails (absent, or a CRM out of reach: the pages show owner ids). */
  owners?: OwnerDirectory;
  /** The dry run of a mapping on one record. */
  pipeline: Pick<Pipeline, 'preview'>;
  /** Begin and complete installs (the OAuth routes belong to the admin session), re-provision fields. */
  install: InstallService;
  /** Salesforce connections' own Outbound Message URLs (show, rotate). */
  outboundEndpoints: Pick<OutboundEndpoints, 'url' | 'rotate'>;
  /** Names of the enrichment providers in waterfall order (the dashboard). */
  activeProviders: readonly string[];
  /** Failed-login throttling (tests shorten it). */
  throttle?: ThrottleOptions;
}
