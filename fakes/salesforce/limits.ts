// Daily API request allocation: counting, the Sforce-Limit-Info header, REQUEST_LIMIT_EXCEEDED and /limits.
import { json, type HttpResult } from './http.js';

export class ApiUsage {
  used = 0;
  constructor(public limit: number) {}

  header(): string {
    return `api-usage=${this.used}/${this.limit}`;
  }

  /** true when the next call must be refused */
  exhausted(): boolean {
    return this.used >= this.limit;
  }

  count(): void {
    this.used += 1;
  }

  limitExceeded(): HttpResult {
    return json(403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
  }

  /** GET /services/data/vXX.X/limits */
  limitsBody(): Record<string, { Max: number; Remaining: number }> {
    const fixed = (max: number): { Max: number; Remaining: number } => ({ Max: max, Remaining: max });
    return {
      ActiveScratchOrgs: fixed(3),
      AnalyticsExternalDataSizeMB: fixed(40960),
      ConcurrentAsyncGetReportInstances: fixed(200),
      ConcurrentSyncReportRuns: fixed(20),
      DailyAnalyticsDataflowJobExecutions: fixed(60),
      DailyApiRequests: { Max: this.limit, Remaining: Math.max(0, this.limit - this.used) },
      DailyAsyncApexExecutions: fixed(250000),
      DailyAsyncApexTests: fixed(500),
      DailyBulkApiBatches: fixed(15000),
      DailyBulkV2QueryFileStorageMB: fixed(976562),
      DailyBulkV2QueryJobs: fixed(10000),
      DailyDeliveredPlatformEvents: fixed(10000),
      DailyDurableGenericStreamingApiEvents: fixed(10000),
      DailyDurableStreamingApiEvents: fixed(10000),
      DailyGenericStreamingApiEvents: fixed(10000),
      DailyStandardVolumePlatformEvents: fixed(10000),
      DailyStreamingApiEvents: fixed(10000),
      DailyWorkflowEmails: fixed(405),
      DataStorageMB: fixed(5),
      FileStorageMB: fixed(20),
      HourlyAsyncReportRuns: fixed(1200),
      HourlyDashboardRefreshes: fixed(200),
      HourlyDashboardResults: fixed(5000),
      HourlyLongTermIdMapping: fixed(100000),
      HourlyODataCallout: fixed(10000),
      HourlyPublishedPlatformEvents: fixed(50000),
      HourlyPublishedStandardVolumePlatformEvents: fixed(50000),
      HourlyShortTermIdMapping: fixed(100000),
      HourlySyncReportRuns: fixed(500),
      HourlyTimeBasedWorkflow: fixed(50),
      MassEmail: fixed(10),
      MonthlyPlatformEventsUsageEntitlement: fixed(300000),
      SingleEmail: fixed(15),
      StreamingApiConcurrentClients: fixed(20),
    };
  }
}
