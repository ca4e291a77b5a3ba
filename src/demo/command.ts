// `crm-enrich demo [--port <n>] [--data-dir <dir>]`: starts the demo, prints what happened and how to look at it,
// and runs until Ctrl-C.
import { parseArgs } from 'node:util';
import { UsageError, type Out } from '../cli-errors.js';
import { startDemo } from './demo.js';

export async function demoCommand(args: string[], out: Out): Promise<number> {
  let values: { port?: string | undefined; 'data-dir'?: string | undefined };
  try {
    ({ values } = parseArgs({ args, options: { port: { type: 'string' }, 'data-dir': { type: 'string' } }, allowPositionals: false, strict: true }));
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!);
  }
  const port = values.port === undefined ? 3000 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a port number (0 = any free port)');
  const say = (line: string) => out.stderr(`demo: ${line}\n`);
  say('starting local stand-ins for HubSpot and Salesforce and the service (its own database in ./data/demo)…');
  const demo = await startDemo({ port, anyPortIfTaken: values.port === undefined, dataDir: values['data-dir'] ?? './data/demo', say });
  const { story } = demo;
  const lines = [
    '',
    `  crm-enrich demo is running on ${demo.url}`,
    `  admin page:        ${demo.adminUrl}`,
    `  admin password:    ${demo.password}`,
    `  try the API:       curl -s ${demo.url}/v1/profile/enrich -H 'X-API-Key: ${demo.apiKey}' -H 'Content-Type: application/json' -d '{"email":"john.doe@acme.com"}'`,
    '',
    `  HubSpot (stand-in portal ${demo.hubspot.portalId}): ${story.hubspot.contacts} contacts, ${story.hubspot.backfill.written} written by the backfill`,
    `    webhook:         ${story.hubspot.liveRecord.email} created and enriched live${story.hubspot.liveRecord.title ? ` (title: ${story.hubspot.liveRecord.title})` : ''}`,
    `    job change:      ${story.hubspot.jobChange.name}: ${story.hubspot.jobChange.from} → ${story.hubspot.jobChange.to}`,
    `    task:            ${story.hubspot.jobChange.task}`,
    `  Salesforce (stand-in org ${demo.salesforce.orgId}): ${story.salesforce.contacts} contacts, ${story.salesforce.backfill.written} written by the backfill`,
    `    Outbound Msg:    ${story.salesforce.liveRecord.email} created and enriched live${story.salesforce.liveRecord.title ? ` (title: ${story.salesforce.liveRecord.title})` : ''}`,
    `    job change:      ${story.salesforce.jobChange.name}: ${story.salesforce.jobChange.from} → ${story.salesforce.jobChange.to}`,
    `    task:            ${story.salesforce.jobChange.task}`,
    '',
    '  Open the admin page to see the connections, their runs and the audit log. Ctrl-C stops the demo.',
    '',
  ];
  out.stderr(`${lines.join('\n')}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await demo.stop();
  return 0;
}
